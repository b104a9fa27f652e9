"""`TensorBoard`: write training logs, weight histograms and the model config as event files.

Layout (as Keras): `log_dir/train` gets `epoch_<name>` per epoch (loss, metrics,
learning_rate), `batch_<name>` per batch when update_freq says so,
`<layer>/<weight>_0/histogram` when histogram_freq, and the model's JSON under
tag "keras"; `log_dir/validation` gets `epoch_<name>` of the val_ logs and
`evaluation_<name>_vs_iterations` after each evaluation.
"""

from __future__ import annotations

import contextlib
import os
import time

import numpy as np

from eagerflow.keras.callbacks._util import get_learning_rate, is_frequency, logger, to_python
from eagerflow.keras.callbacks.callback import Callback

__all__ = ["TensorBoard"]

_DEPRECATED_ARGUMENTS = ("batch_size", "write_grads", "embeddings_layer_names",
                         "embeddings_data")


def _number(value):
    """`value` as a Python float, or None when it is not a scalar number."""
    value = to_python(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def weight_tag(layer_name: str, weight_name: str) -> str:
    """tf_keras's histogram tag of a weight: "<layer>/<weight>_0" (":" -> "_"); a weight of a
    nested layer keeps its whole path, so tags stay unique."""
    name = weight_name if ":" in weight_name else weight_name + ":0"
    if not name.startswith(layer_name + "/"):
        name = f"{layer_name}/{name}"
    return name.replace(":", "_")


class TensorBoard(Callback):
    """Log metrics, weight histograms and the model to TensorBoard event files.

    Args:
        log_dir: root directory; runs go to log_dir/train and log_dir/validation.
        histogram_freq: write weight histograms every this many epochs (0: never).
        write_graph: write the model's config (TensorBoard's Keras graph view).
        write_images: write 1-D to 3-D weights as images too.
        write_steps_per_second: log the training speed.
        update_freq: "epoch", "batch", or a number of batches between batch-level logs.
        profile_batch, embeddings_freq, embeddings_metadata: accepted for compatibility;
            eagerflow has no profiler or embedding projector output.
    """

    def __init__(self, log_dir="logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False,
                 update_freq="epoch", profile_batch=0, embeddings_freq: int = 0,
                 embeddings_metadata=None, **kwargs) -> None:
        super().__init__()
        unknown = sorted(set(kwargs) - set(_DEPRECATED_ARGUMENTS))
        if unknown:
            raise TypeError(f"TensorBoard got unexpected keyword arguments {unknown}.")
        for name in kwargs:
            logger.warning("`%s` is deprecated in TensorBoard Callback and is ignored.", name)
        if update_freq == "batch":
            update_freq = 1
        if not is_frequency(update_freq):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a "
                             f"positive number of batches. Received: {update_freq!r}")
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be a non-negative int. "
                             f"Received: {histogram_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers: dict = {}
        self._default_writer = None
        self._global_train_batch = 0
        self._epoch_start_time = 0.0
        self._epoch_batches = 0

    # -- writers -------------------------------------------------------------------------
    def _writer(self, which: str):
        import eagerflow as tf

        if which not in self._writers:
            directory = self._train_dir if which == "train" else self._val_dir
            self._writers[which] = tf.summary.create_file_writer(directory)
        return self._writers[which]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        return getattr(optimizer, "iterations", None)

    def set_model(self, model) -> None:
        super().set_model(model)
        self._close_writers()

    # -- training ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        # summaries the model itself writes during fit go to the train run
        self._default_writer = contextlib.ExitStack()
        step = self._iterations()
        self._default_writer.enter_context(self._writer("train").as_default(step=step))
        if self.write_graph:
            self._write_keras_model()

    def on_train_end(self, logs=None):
        if self._default_writer is not None:
            self._default_writer.close()
            self._default_writer = None
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start_time = time.time()
        self._epoch_batches = 0

    def on_train_batch_end(self, batch, logs=None):
        import eagerflow as tf

        self._global_train_batch += 1
        self._epoch_batches += 1
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        with self._writer("train").as_default():
            for name, value in (logs or {}).items():
                number = _number(value)
                if number is not None and name not in ("batch", "size"):
                    tf.summary.scalar("batch_" + name, number, step=self._global_train_batch)

    def on_epoch_end(self, epoch, logs=None):
        import eagerflow as tf

        logs = logs or {}
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train_logs.setdefault("learning_rate", get_learning_rate(optimizer))
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._epoch_start_time, 1e-9)
            train_logs["steps_per_second"] = self._epoch_batches / elapsed
        for which, values in (("train", train_logs), ("validation", val_logs)):
            if not values:
                continue
            with self._writer(which).as_default():
                for name, value in values.items():
                    number = _number(value)
                    if number is not None:
                        tf.summary.scalar("epoch_" + name, number, step=epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # -- evaluation ----------------------------------------------------------------------
    def on_test_end(self, logs=None):
        import eagerflow as tf

        iterations = self._iterations()
        if iterations is None or not logs:
            return
        step = int(to_python(iterations))
        with self._writer("validation").as_default():
            for name, value in logs.items():
                number = _number(value)
                if number is not None:
                    tf.summary.scalar(f"evaluation_{name}_vs_iterations", number, step=step)

    # -- weights and model ---------------------------------------------------------------
    def _log_weights(self, epoch: int) -> None:
        import eagerflow as tf

        with self._writer("train").as_default():
            for layer in getattr(self.model, "layers", []):
                for weight in getattr(layer, "weights", []):
                    tag = weight_tag(layer.name, getattr(weight, "name", "weight"))
                    values = np.asarray(weight.numpy() if hasattr(weight, "numpy") else weight)
                    tf.summary.histogram(tag + "/histogram", values, step=epoch)
                    if self.write_images:
                        self._log_weight_as_image(values, tag, epoch)
        self._writer("train").flush()

    @staticmethod
    def _log_weight_as_image(values: np.ndarray, tag: str, epoch: int) -> None:
        import eagerflow as tf

        values = np.squeeze(values)
        if values.ndim == 1:
            image = values.reshape(1, 1, -1, 1)
        elif values.ndim == 2:
            image = (values.T if values.shape[0] > values.shape[1] else values)[None, :, :,
                                                                                None]
        elif values.ndim == 3 and values.shape[-1] in (1, 3, 4):
            image = values[None]
        elif values.ndim == 3:
            image = np.transpose(values, (2, 0, 1))[..., None]
        else:
            return
        tf.summary.image(tag + "/image", image.astype(np.float32), step=epoch)

    def _write_keras_model(self) -> None:
        import eagerflow as tf
        from eagerflow.summary import proto

        to_json = getattr(self.model, "to_json", None)
        if to_json is None:
            return
        try:
            config = to_json()
        except Exception as exc:  # noqa: BLE001 - a model that cannot serialize is skipped
            logger.warning("Model failed to serialize as JSON. Ignoring... %s", exc)
            return
        metadata = proto.encode_metadata("graph_keras_model", content=b"1")
        with self._writer("train").as_default():
            tf.summary.write("keras", tf.constant(config), step=0, metadata=metadata)
