"""Training and inference loops of a Keras model: compile, fit, evaluate, predict.

One step (`train_step`: forward, loss, gradients, optimizer update, metric updates) is the
unit that runs compiled: `make_train_function` wraps it in tf.function (unless
`run_eagerly=True`), so the whole step is one generated Python function over NumPy arrays.
The loops around it slice NumPy inputs per batch and call the callbacks' hooks.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import nest
from eagerflow.core.tensor import EagerTensor
from eagerflow.keras.data_adapter import (
    DataHandler,
    train_validation_split,
    unpack_x_y_sample_weight,
)

__all__ = ["Trainer"]


class Trainer:
    """The compile/fit/evaluate/predict half of `Model` (mixed into it)."""

    def __init__(self) -> None:
        import sys

        distribute = sys.modules.get("eagerflow.distribute")  # only if a program uses it
        self._distribution_strategy = (distribute.get_strategy() if distribute is not None
                                       and distribute.has_strategy() else None)
        self.optimizer = None
        self.compiled_loss = None
        self.compiled_metrics = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._is_compiled = False
        self._run_eagerly = None
        self._compile_config = None
        self.train_function = None
        self.test_function = None
        self.predict_function = None

    # --- compile -----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None,
                jit_compile=None, **kwargs) -> None:
        """Configure training: the optimizer, the loss(es) and the metrics to report."""
        from eagerflow.keras import optimizers
        from eagerflow.keras.compile_utils import LossesContainer, MetricsContainer

        unknown = set(kwargs) - {"pss_evaluation_shards", "auto_scale_loss"}
        if unknown:
            raise TypeError(f"Invalid keyword argument(s) in `compile()`: {sorted(unknown)}. "
                            "Valid keyword arguments include \"cloning\", "
                            "\"experimental_run_tf_function\", \"distribute\", "
                            "\"target_tensors\", or \"sample_weight_mode\".")
        self.optimizer = optimizers.get(optimizer)
        output_names = list(getattr(self, "output_names", None) or [])
        self.loss = loss
        self.compiled_loss = LossesContainer(loss, loss_weights, output_names or None)
        self.compiled_metrics = MetricsContainer(metrics, weighted_metrics,
                                                 output_names or None, losses=loss)
        self._run_eagerly = run_eagerly
        self._is_compiled = True
        self._compile_config = {"optimizer": optimizer if isinstance(optimizer, str) else None,
                                "loss": loss, "metrics": metrics, "loss_weights": loss_weights,
                                "weighted_metrics": weighted_metrics,
                                "run_eagerly": run_eagerly,
                                "steps_per_execution": steps_per_execution,
                                "jit_compile": jit_compile}
        self.train_function = self.test_function = self.predict_function = None

    @property
    def run_eagerly(self) -> bool:
        from eagerflow.function.function import functions_run_eagerly

        return bool(self._run_eagerly) or functions_run_eagerly()

    @run_eagerly.setter
    def run_eagerly(self, value) -> None:
        self._run_eagerly = value
        self.train_function = self.test_function = self.predict_function = None

    @property
    def distribute_strategy(self):
        """The tf.distribute strategy the model was created under (one CPU replica)."""
        from eagerflow.distribute import get_strategy

        return self._distribution_strategy or get_strategy()

    @property
    def metrics(self) -> list:
        """The loss tracker(s) and compiled metrics (made once the model has seen data)."""
        collected = []
        if self.compiled_loss is not None:
            collected.extend(self.compiled_loss.metrics)
        if self.compiled_metrics is not None:
            collected.extend(self.compiled_metrics.metrics)
        for layer in self._flatten_layers(include_self=False):
            collected.extend(getattr(layer, "_metrics", []))
        return collected

    @property
    def metrics_names(self) -> list:
        return [metric.name for metric in self.metrics]

    def reset_metrics(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def _assert_compiled(self) -> None:
        if not self._is_compiled:
            raise RuntimeError("You must compile your model before training/testing. Use "
                               "`model.compile(optimizer, loss)`.")

    def _get_compile_config(self) -> dict | None:
        """What `compile` was given, as JSON-safe data (saved in model files)."""
        if not self._is_compiled:
            return None
        from eagerflow.keras import optimizers
        from eagerflow.keras.saving import serialize_keras_object

        config = dict(self._compile_config)
        config["optimizer"] = optimizers.serialize(self.optimizer)
        for key in ("loss", "metrics", "weighted_metrics"):
            config[key] = nest.map_structure(
                lambda v: v if isinstance(v, str) or v is None else serialize_keras_object(v),
                config[key]) if config[key] is not None else None
        return config

    def _compile_from_config(self, config: dict) -> None:
        from eagerflow.keras import optimizers
        from eagerflow.keras.saving import deserialize_keras_object

        config = dict(config)
        optimizer = config.pop("optimizer", "rmsprop")
        optimizer = optimizers.get(optimizer) if optimizer is not None else "rmsprop"
        for key in ("loss", "metrics", "weighted_metrics"):
            if config.get(key) is not None:
                config[key] = _deserialize_entries(config[key], deserialize_keras_object)
        self.compile(optimizer=optimizer, **{k: v for k, v in config.items() if k in (
            "loss", "metrics", "loss_weights", "weighted_metrics", "run_eagerly",
            "steps_per_execution", "jit_compile")})

    # --- one step ----------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The compiled loss of a batch plus the model's regularization losses."""
        return self.compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)

    def compute_metrics(self, x, y, y_pred, sample_weight) -> dict:
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        results = {}
        for metric in self.metrics:
            value = metric.result()
            if isinstance(value, dict):
                results.update(value)
            else:
                results[metric.name] = value
        return results

    def train_step(self, data) -> dict:
        """Forward, loss, gradients and update on one batch; returns the metric results."""
        from eagerflow.autodiff import GradientTape

        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
            scaled_loss = self.optimizer.scale_loss(loss)
        variables = self.trainable_variables
        gradients = tape.gradient(scaled_loss, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data) -> dict:
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _step_function(self, step, name: str):
        def one_step(data):
            self._clear_losses()
            return step(data)

        one_step.__name__ = name
        if self.run_eagerly:
            return one_step
        from eagerflow.function import function

        return function(one_step, reduce_retracing=True, autograph=False)

    def make_train_function(self, force: bool = False):
        if self.train_function is None or force:
            self.train_function = self._step_function(self.train_step, "train_function")
        return self.train_function

    def make_test_function(self, force: bool = False):
        if self.test_function is None or force:
            self.test_function = self._step_function(self.test_step, "test_function")
        return self.test_function

    def make_predict_function(self, force: bool = False):
        if self.predict_function is None or force:
            self.predict_function = self._step_function(self.predict_step, "predict_function")
        return self.predict_function

    # --- loops -------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto",
            callbacks=None, validation_split: float = 0.0, validation_data=None,
            shuffle=True, class_weight=None, sample_weight=None, initial_epoch: int = 0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1, max_queue_size=10, workers=1, use_multiprocessing=False):
        """Train for `epochs` epochs; returns the History callback (`.history` per epoch)."""
        from eagerflow.keras.callbacks import CallbackList

        self._assert_compiled()
        verbose = _resolve_verbose(verbose)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split(
                _as_arrays((x, y, sample_weight)), validation_split)
        handler = DataHandler(x, y, sample_weight, batch_size=batch_size,
                              steps_per_epoch=steps_per_epoch, initial_epoch=initial_epoch,
                              epochs=epochs, shuffle=shuffle, class_weight=class_weight,
                              model=self, as_tensors=True)
        callback_list = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=handler.inferred_steps)
        self.stop_training = False
        train_function = self.make_train_function()
        validation = _validation_inputs(validation_data) if validation_data is not None else None
        callback_list.on_train_begin()
        # BackupAndRestore sets where an interrupted training resumes.
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        skip_steps = getattr(self, "_initial_step", 0) or 0  # batches done before a pre-emption
        self._initial_epoch = self._initial_step = None  # read once per fit
        handler.initial_epoch = initial_epoch
        logs = {}
        epoch_logs = {}
        for epoch, batches in handler.enumerate_epochs():
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            step = -1
            for step, batch in enumerate(batches):
                if skip_steps:
                    skip_steps -= 1
                    continue
                callback_list.on_train_batch_begin(step)
                results = train_function(batch)
                logs = _to_python(results)
                callback_list.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if step < 0 and epoch == initial_epoch and not handler.ran_out:
                raise ValueError("Unexpected result of `train_function` (Empty logs). Please "
                                 "use `Model.compile(..., run_eagerly=True)`, or "
                                 "`tf.config.run_functions_eagerly(True)` for more "
                                 "information of where went wrong, or file a issue/bug to "
                                 "`tf.keras`.")
            epoch_logs = dict(logs)
            if validation is not None and _should_validate(epoch, validation_freq):
                val_x, val_y, val_weight = validation
                val_logs = self.evaluate(val_x, val_y, sample_weight=val_weight,
                                         batch_size=validation_batch_size or batch_size,
                                         steps=validation_steps, callbacks=callback_list,
                                         verbose=0, return_dict=True, _in_fit=True)
                epoch_logs.update({f"val_{name}": value for name, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        if hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self.trainable_variables)  # use_ema
        callback_list.on_train_end(epoch_logs)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, max_queue_size=10, workers=1,
                 use_multiprocessing=False, return_dict: bool = False, _in_fit: bool = False,
                 **kwargs):
        """The loss and metrics over the data (a scalar, a list, or a dict)."""
        from eagerflow.keras.callbacks import CallbackList

        self._assert_compiled()
        verbose = _resolve_verbose(verbose)
        handler = DataHandler(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps,
                              shuffle=False, model=self, as_tensors=True)
        if isinstance(callbacks, CallbackList):
            callback_list = callbacks
        else:
            callback_list = CallbackList(callbacks, add_history=False,
                                         add_progbar=verbose != 0, model=self, verbose=verbose,
                                         epochs=1, steps=handler.inferred_steps)
        test_function = self.make_test_function()
        self.reset_metrics()
        callback_list.on_test_begin()
        logs = {}
        for _, batches in handler.enumerate_epochs():
            for step, batch in enumerate(batches):
                hooks = bool(callback_list.callbacks)  # none (verbose=0): skip the hooks' work
                if hooks:
                    callback_list.on_test_batch_begin(step)
                logs = _to_python(test_function(batch))
                if hooks:
                    callback_list.on_test_batch_end(step, logs)
        logs = _to_python(self.get_metrics_result()) if self.metrics else logs
        callback_list.on_test_end(logs)
        if return_dict:
            return logs
        values = [logs[name] for name in logs]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
        """The model's outputs over the data as NumPy arrays (batches concatenated)."""
        from eagerflow.keras.callbacks import CallbackList

        verbose = _resolve_verbose(verbose)
        handler = DataHandler(x, batch_size=batch_size, steps_per_epoch=steps, shuffle=False,
                              model=self, as_tensors=True)
        callback_list = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=False, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=1, steps=handler.inferred_steps)
        predict_function = self.make_predict_function()
        callback_list.on_predict_begin()
        outputs = []
        for _, batches in handler.enumerate_epochs():
            for step, batch in enumerate(batches):
                hooks = bool(callback_list.callbacks)  # none (verbose=0): skip the hooks' work
                if hooks:
                    callback_list.on_predict_batch_begin(step)
                result = _batch_outputs(predict_function(batch))
                outputs.append(result)
                if hooks:
                    callback_list.on_predict_batch_end(step, {"outputs": result})
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "Please use `Model.compile(..., run_eagerly=True)`, or "
                             "`tf.config.run_functions_eagerly(True)` for more information "
                             "of where went wrong, or file a issue/bug to `tf.keras`.")
        callback_list.on_predict_end()
        if all(type(part) is np.ndarray for part in outputs):  # one output: no structure walk
            return np.concatenate(outputs, axis=0)
        return nest.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics: bool = True, return_dict: bool = False):
        """One training step on one batch; returns the loss and metrics after it."""
        self._assert_compiled()
        handler = DataHandler(x, y, sample_weight, batch_size=_num_rows(x), shuffle=False,
                              class_weight=class_weight, model=self, as_tensors=True)
        if reset_metrics:
            self.reset_metrics()
        logs = {}
        for _, batches in handler.enumerate_epochs():
            for batch in batches:
                logs = _to_python(self.make_train_function()(batch))
        return _format_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics: bool = True,
                      return_dict: bool = False):
        self._assert_compiled()
        handler = DataHandler(x, y, sample_weight, batch_size=_num_rows(x), shuffle=False,
                              model=self, as_tensors=True)
        if reset_metrics:
            self.reset_metrics()
        logs = {}
        for _, batches in handler.enumerate_epochs():
            for batch in batches:
                logs = _to_python(self.make_test_function()(batch))
        return _format_logs(logs, return_dict)

    def predict_on_batch(self, x):
        handler = DataHandler(x, batch_size=_num_rows(x), shuffle=False, model=self)
        for _, batches in handler.enumerate_epochs():
            for batch in batches:
                return nest.map_structure(_numpy, self.make_predict_function()(batch))
        raise ValueError("predict_on_batch: no data.")

    # --- saving --------------------------------------------------------------------------------
    def save(self, filepath, overwrite: bool = True, save_format=None,
             include_optimizer: bool = True, **kwargs) -> None:
        """Save architecture, weights and optimizer state (`.keras` zip or legacy `.h5`)."""
        from eagerflow.keras.saving import save_model

        save_model(self, filepath, overwrite=overwrite, save_format=save_format,
                   include_optimizer=include_optimizer, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True, save_format=None,
                     options=None, max_shard_size=None) -> None:
        """Save the weights: `.weights.h5`/`.h5` as HDF5 (`.weights.json` + shards with
        `max_shard_size` in GB), any other path as a TF checkpoint."""
        from eagerflow.keras.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite, save_format=save_format,
                     **({"max_shard_size": max_shard_size} if max_shard_size else {}))

    def load_weights(self, filepath, by_name: bool = False, skip_mismatch: bool = False,
                     options=None):
        """Load weights saved by `save_weights` (or by TF/Keras) into this model."""
        from eagerflow.keras.saving import load_weights

        return load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)


def _deserialize_entries(value, deserialize):
    if isinstance(value, dict) and "class_name" in value:
        return deserialize(value)
    if isinstance(value, dict):
        return {key: _deserialize_entries(item, deserialize) for key, item in value.items()}
    if isinstance(value, list):
        return [_deserialize_entries(item, deserialize) for item in value]
    return value


def _resolve_verbose(verbose) -> int:
    if verbose == "auto":
        return 1
    return int(verbose)


def _numpy(value):
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def _batch_outputs(result):
    """One predict batch's outputs as NumPy arrays (copies: callbacks may keep them)."""
    if type(result) is EagerTensor:
        return result.numpy()
    return nest.map_structure(_numpy, result)


def _to_python(results) -> dict:
    """The step's results as Python floats (what callbacks and History see)."""
    logs = {}
    for name, value in results.items():
        if type(value) is EagerTensor:
            logs[name] = float(value._value)
        else:
            logs[name] = float(np.asarray(_numpy(value)))
    return logs


def _format_logs(logs: dict, return_dict: bool):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _num_rows(x) -> int:
    from eagerflow.data.dataset import Dataset

    if isinstance(x, Dataset):
        return None
    first = nest.flatten(x)[0]
    return int(np.shape(first)[0])


def _as_arrays(structure):
    def convert(value):
        if value is None:
            return None
        if hasattr(value, "numpy"):
            return np.asarray(value.numpy())
        return np.asarray(value)

    return nest.map_structure(convert, structure)


def _validation_inputs(validation_data):
    from eagerflow.data.dataset import Dataset

    if isinstance(validation_data, Dataset):
        return validation_data, None, None
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        x, y = validation_data[0], validation_data[1]
        weight = validation_data[2] if len(validation_data) == 3 else None
        return x, y, weight
    raise ValueError("When passing validation_data, it must contain 2 (x_val, y_val) or 3 "
                     "(x_val, y_val, val_sample_weights) items, however it contains "
                     f"{len(validation_data)} items")


def _should_validate(epoch: int, validation_freq) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq

