"""Property tests on random Keras models (Hypothesis), to find bugs.

Properties: eager == tf.function == predict, symbolic == real shapes; config / JSON / clone
round trips; .keras, .h5, .weights.h5 and TF-checkpoint files reload with equal predictions
and optimizer state; fit with run_eagerly == compiled; GradientTape loops == fit; callbacks
write loadable files; evaluate / predict do not depend on the batch size; tf.data == arrays;
gradients == finite differences; masking ignores padding; multi-input/output models;
validation_split and *_on_batch; stateful RNNs. Bugs found are kept at the end as minimal
xfail(strict) reproductions. Models are drawn as data (tests/keras/random_models.py), so a
failing example prints the model. `pytest -m slow` runs every property on many more examples.
"""

import contextlib
import math
import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eagerflow as tf

from .random_models import (
    OPTIMIZERS,
    STEP_SIZE_KEEPING,
    build_masked_model,
    build_model,
    build_multi_model,
    make_inputs,
    make_optimizer,
    make_targets,
    masked_specs,
    model_specs,
    multi_data,
    multi_specs,
    training_cases,
)

keras = tf.keras

FAST = settings(max_examples=10, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def assert_close(actual, expected, tol=1e-5):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=tol, atol=tol)


# (1) forward passes and shapes ---------------------------------------------------------------

def check_forward(spec, batch):
    """Eager, tf.function and predict give one answer, of the shape the spec tracked."""
    model = build_model(spec)
    assert tuple(model.output_shape) == (None,) + spec.output_shape
    traced = tf.function(lambda v: model(v, training=False))
    signature = [tf.TensorSpec((None,) + spec.symbolic_input_shape, model.inputs[0].dtype)]
    any_batch = tf.function(lambda v: model(v, training=False), input_signature=signature)
    # A variable-length model also runs on longer sequences (one trace for any length).
    lengths = [None, spec.input_shape[0] + 2] if spec.time_unknown else [None]
    for steps in lengths:
        x = make_inputs(spec, batch, steps=steps)
        eager = model(x).numpy()
        assert eager.shape == (batch,) + spec.output_shape
        assert np.all(np.isfinite(eager))
        assert_close(traced(tf.constant(x)).numpy(), eager)
        assert_close(any_batch(tf.constant(x)).numpy(), eager)
        assert_close(model.predict(x, verbose=0), eager)
        assert_close(model(x[:1]).numpy(), eager[:1])  # rows are independent at inference


@FAST
@given(model_specs(), st.integers(1, 4))
def test_eager_function_and_predict_agree(spec, batch):
    check_forward(spec, batch)


def check_layer_shapes(spec, batch):
    """Every layer's symbolic output shape matches the real intermediate value's shape."""
    model = build_model(spec)
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    # The newest node: Sequential re-calls its stack on each add (xfail test below).
    outputs = [layer.get_output_at(-1) for layer in layers]
    probe = keras.Model(model.inputs, outputs)
    values = probe(make_inputs(spec, batch))
    values = values if isinstance(values, (list, tuple)) else [values]
    for layer, value in zip(layers, values):
        symbolic = layer.get_output_at(-1).shape.as_list()
        assert len(symbolic) == len(value.shape), layer.name
        for known, real in zip(symbolic, value.shape):
            assert known is None or known == real, (layer.name, symbolic, value.shape)
        unknown = symbolic[1:].count(None)
        # Only a variable-length model's time axis may be None, and only on rank-3 values.
        assert unknown == 0 or (spec.time_unknown and unknown == 1 and symbolic[1] is None
                                and len(symbolic) == 3), (layer.name, symbolic, value.shape)
    computed = model.compute_output_shape((batch,) + spec.input_shape)
    assert tuple(computed) == (batch,) + spec.output_shape


@FAST
@given(model_specs(), st.integers(1, 4))
def test_symbolic_layer_shapes_equal_real_shapes(spec, batch):
    check_layer_shapes(spec, batch)


# (2) configs and files ---------------------------------------------------------------------

def fitted(spec, optimizer_name: str, batch: int = 4, epochs: int = 1):
    """A model built from `spec`, compiled with mse and the named optimizer, fit briefly."""
    model = build_model(spec)
    model.compile(optimizer=make_optimizer(optimizer_name), loss="mse", metrics=["mae"])
    x, y = make_inputs(spec, batch), make_targets(spec, batch)
    model.fit(x, y, batch_size=2, epochs=epochs, shuffle=False, verbose=0)
    return model, x, y


def optimizer_state(model) -> list:
    return [np.array(v) for v in model.optimizer.variables]


def check_config_round_trip(spec):
    """from_config(get_config()), model_from_json(to_json()) and clone_model give the same
    architecture: same config again and, with the weights copied, the same predictions."""
    model = build_model(spec)
    x = make_inputs(spec, 3)
    expected = model(x).numpy()
    config = model.get_config()
    clones = [type(model).from_config(config),
              keras.models.model_from_json(model.to_json()),
              keras.models.clone_model(model)]
    for clone in clones:
        assert type(clone) is type(model)
        assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
        clone.set_weights(model.get_weights())
        assert_close(clone(x).numpy(), expected)
        assert_close(clone.predict(x, verbose=0), expected)
    assert clones[0].get_config() == config
    assert clones[1].to_json() == model.to_json()


@FAST
@given(model_specs())
def test_config_and_json_round_trips_keep_predictions(spec):
    check_config_round_trip(spec)


def check_model_file(spec, optimizer_name: str, suffix: str):
    """A fitted model saved whole (.keras / .h5) loads with equal predictions, compile state
    and optimizer state: one more training step on each gives equal weights."""
    model, x, y = fitted(spec, optimizer_name)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model" + suffix)
        model.save(path)
        loaded = keras.models.load_model(path)
    assert_close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [w.shape for w in loaded.get_weights()] == [w.shape for w in model.get_weights()]
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert len(optimizer_state(loaded)) == len(optimizer_state(model))
    for got, want in zip(optimizer_state(loaded), optimizer_state(model)):
        assert_close(got, want)
    if not spec.has_dropout and optimizer_name in STEP_SIZE_KEEPING:
        for trained in (model, loaded):
            trained.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        for got, want in zip(loaded.get_weights(), model.get_weights()):
            assert_close(got, want, tol=1e-4)


def check_weights_file(spec, optimizer_name: str, suffix: str):
    """save_weights / load_weights (.weights.h5 or a TF checkpoint prefix) into a freshly
    initialized twin gives equal weights and predictions; a checkpoint also restores the
    optimizer (a further step on both gives equal weights)."""
    model, x, y = fitted(spec, optimizer_name)
    twin = build_model(spec, seed=1)
    twin.compile(optimizer=make_optimizer(optimizer_name), loss="mse", metrics=["mae"])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "weights" + suffix)
        model.save_weights(path)
        twin.load_weights(path)
        for got, want in zip(twin.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(got, want)
        assert_close(twin.predict(x, verbose=0), model.predict(x, verbose=0))
        if suffix == "" and not spec.has_dropout and optimizer_name in STEP_SIZE_KEEPING:
            for trained in (model, twin):
                trained.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
            for got, want in zip(twin.get_weights(), model.get_weights()):
                assert_close(got, want, tol=1e-4)


def specs_for_file(suffixes):
    """(spec, suffix) pairs; models nested in models only for the formats whose weight paths
    are not walked by Keras 3's saveable-path order (see the xfail test on nested models)."""
    return st.sampled_from(suffixes).flatmap(lambda suffix: st.tuples(
        model_specs(max_layers=3, allow_nesting=suffix in ("", ".h5")), st.just(suffix)))


@FAST
@given(specs_for_file([".keras", ".h5"]), st.sampled_from(OPTIMIZERS))
def test_saved_model_files_load_equal(spec_and_suffix, optimizer_name):
    spec, suffix = spec_and_suffix
    check_model_file(spec, optimizer_name, suffix)


@FAST
@given(specs_for_file([".weights.h5", ""]), st.sampled_from(OPTIMIZERS))
def test_saved_weights_load_equal(spec_and_suffix, optimizer_name):
    spec, suffix = spec_and_suffix
    check_weights_file(spec, optimizer_name, suffix)


# (3), (4) training paths agree -------------------------------------------------------------

LOSSES = ["mse", "mae", "huber", "log_cosh", "mean_squared_logarithmic_error"]


def assert_weights_close(model, other, tol=1e-5):
    weights, others = model.get_weights(), other.get_weights()
    assert len(weights) == len(others)
    for got, want in zip(others, weights):
        assert_close(got, want, tol=tol)


def compiled_twin(spec, optimizer_name, loss, run_eagerly=False, metrics=("mae",)):
    model = build_model(spec)
    model.compile(optimizer=make_optimizer(optimizer_name), loss=loss, metrics=list(metrics),
                  run_eagerly=run_eagerly)
    return model


def check_eager_fit_equals_compiled(spec, optimizer_name, loss, weighted):
    """fit with run_eagerly=True and the compiled train step: same history and weights."""
    x, y = make_inputs(spec, 4), make_targets(spec, 4)
    sample_weight = np.array([0.5, 1.0, 2.0, 0.0], np.float32) if weighted else None
    histories, models = [], []
    for run_eagerly in (True, False):
        model = compiled_twin(spec, optimizer_name, loss, run_eagerly)
        history = model.fit(x, y, sample_weight=sample_weight, batch_size=2, epochs=1,
                            shuffle=False, verbose=0)
        histories.append(history.history)
        models.append(model)
    assert histories[0].keys() == histories[1].keys()
    for key in histories[0]:
        assert_close(histories[1][key], histories[0][key])
    assert_weights_close(*models)
    assert int(models[0].optimizer.iterations) == int(models[1].optimizer.iterations) == 2


@FAST
@given(training_cases(max_layers=3), st.sampled_from(LOSSES), st.booleans())
def test_fit_run_eagerly_equals_compiled(case, loss, weighted):
    check_eager_fit_equals_compiled(*case, loss, weighted)


def tape_training(spec, optimizer_name, loss, x, y, batch_size, traced):
    """Train with a hand-written GradientTape loop (eager or in tf.function)."""
    model = build_model(spec)
    optimizer = make_optimizer(optimizer_name)
    loss_object = keras.losses.get(loss)

    def train_step(x_batch, y_batch):
        # Workaround: an outermost call does not yet clear the previous call's activity
        # losses (see the xfail tests on activity regularizers).
        model._clear_losses()
        with tf.GradientTape() as tape:
            prediction = model(x_batch, training=True)
            value = tf.reduce_mean(loss_object(y_batch, prediction))
            if model.losses:
                value += tf.add_n(model.losses)
        variables = model.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(value, variables), variables))
        return value

    step = tf.function(train_step) if traced else train_step
    values = []
    for start in range(0, len(x), batch_size):
        values.append(float(step(x[start:start + batch_size], y[start:start + batch_size])))
    return model, values


def check_tape_loop_equals_fit(spec, optimizer_name, loss, batch_size):
    """A GradientTape loop with a Keras optimizer (eager and traced) equals compiled fit."""
    x, y = make_inputs(spec, 5), make_targets(spec, 5)
    reference = compiled_twin(spec, optimizer_name, loss, metrics=())
    history = reference.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    for traced in (False, True):
        model, values = tape_training(spec, optimizer_name, loss, x, y, batch_size, traced)
        assert_weights_close(reference, model, tol=1e-5)
        # fit's reported loss is the sample-weighted mean over the epoch's batches.
        sizes = [len(x[start:start + batch_size]) for start in range(0, len(x), batch_size)]
        assert_close(np.dot(values, sizes) / len(x), history.history["loss"][0])


@FAST
@given(training_cases(max_layers=3), st.sampled_from(LOSSES), st.integers(1, 5))
def test_gradient_tape_loop_equals_fit(case, loss, batch_size):
    check_tape_loop_equals_fit(*case, loss, batch_size)


# (6) batch sizes do not change evaluate / predict -------------------------------------------

def check_batch_sizes(spec, samples, batch_size, weighted):
    """evaluate / predict with any batch size equal the single full-batch result, and the
    closed forms: `metrics` ignore sample weights, `weighted_metrics` use them, the loss is
    the weighted sum over the sample count plus the regularization losses."""
    model = build_model(spec)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", "mse"], weighted_metrics=["mse"])
    x, y = make_inputs(spec, samples), make_targets(spec, samples)
    sample_weight = (np.random.default_rng(2).uniform(0.1, 2.0, samples).astype(np.float32)
                     if weighted else None)
    full = model.evaluate(x, y, sample_weight=sample_weight, batch_size=samples, verbose=0,
                          return_dict=True)
    batched = model.evaluate(x, y, sample_weight=sample_weight, batch_size=batch_size,
                             verbose=0, return_dict=True)
    assert full.keys() == batched.keys() == {"loss", "mae", "mse", "weighted_mse"}
    for key in full:
        assert_close(batched[key], full[key])
    predicted = model.predict(x, batch_size=batch_size, verbose=0)
    assert_close(predicted, model.predict(x, batch_size=samples, verbose=0))
    assert_close(predicted, model(x).numpy())
    weights = np.ones(samples, np.float32) if sample_weight is None else sample_weight
    squared = np.mean((predicted - y) ** 2, axis=-1)
    assert_close(full["mse"], np.mean(squared))
    assert_close(full["mae"], np.mean(np.abs(predicted - y)))
    assert_close(full["weighted_mse"], np.sum(squared * weights) / np.sum(weights))
    if not spec.has_regularizer:
        assert_close(full["loss"], np.sum(squared * weights) / samples)


@FAST
@given(model_specs(max_layers=3), st.integers(1, 9), st.integers(1, 10), st.booleans())
def test_evaluate_and_predict_independent_of_batch_size(spec, samples, batch_size, weighted):
    check_batch_sizes(spec, samples, batch_size, weighted)


# (7) tf.data into fit equals NumPy arrays ---------------------------------------------------

def check_dataset_equals_arrays(spec, samples, batch_size, epochs):
    """fit on a batched tf.data.Dataset equals fit on the same NumPy arrays (shuffle=False):
    equal histories (with validation) and equal weights."""
    x, y = make_inputs(spec, samples), make_targets(spec, samples)
    x_val, y_val = make_inputs(spec, 3, seed=5), make_targets(spec, 3, seed=6)
    arrays = compiled_twin(spec, "SGD_momentum", "mse")
    from_arrays = arrays.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False,
                             validation_data=(x_val, y_val), verbose=0).history
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    validation = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(2)
    pipeline = compiled_twin(spec, "SGD_momentum", "mse")
    from_dataset = pipeline.fit(dataset, epochs=epochs, validation_data=validation,
                                verbose=0).history
    assert from_arrays.keys() == from_dataset.keys()
    assert set(from_arrays) == {"loss", "mae", "val_loss", "val_mae"}
    for key in from_arrays:
        assert len(from_dataset[key]) == epochs
        assert_close(from_dataset[key], from_arrays[key])
    assert_weights_close(arrays, pipeline)


@FAST
@given(model_specs(allow_dropout=False, max_layers=3), st.integers(1, 7), st.integers(1, 4),
       st.integers(1, 2))
def test_dataset_fit_equals_array_fit(spec, samples, batch_size, epochs):
    check_dataset_equals_arrays(spec, samples, batch_size, epochs)


# (5) callbacks on random models ------------------------------------------------------------

def expected_epochs(losses, epochs, patience, min_delta) -> int:
    """How many epochs EarlyStopping(monitor="loss") lets run, by its documented rule."""
    best, wait = np.inf, 0
    for epoch, loss in enumerate(losses):
        wait += 1
        if loss + min_delta < best:  # improved by more than min_delta
            best, wait = loss, 0
            continue
        if wait >= patience and epoch > 0:
            return epoch + 1
    return epochs


def improving_epochs(losses) -> list:
    """The (1-based) epochs at which ModelCheckpoint(save_best_only=True) saves."""
    best, saved = np.inf, []
    for epoch, loss in enumerate(losses):
        if loss < best:
            best = loss
            saved.append(epoch + 1)
    return saved


def event_tags(folder) -> set:
    return {value.tag for path in tf.summary.event_files(folder)
            for event in tf.summary.read_events(path) for value in event.summary}


def load_checkpoint_file(spec, path, weights_only):
    if not weights_only:
        return keras.models.load_model(path)
    twin = build_model(spec, seed=3)
    twin.load_weights(path)
    return twin


def check_callbacks(spec, suffix, save_best_only, patience, min_delta, histogram_freq):
    """ModelCheckpoint, EarlyStopping and TensorBoard together: the epochs that run follow the
    patience rule, the checkpoint files named by epoch exist and load with the predictions of
    the model they saved, and the TensorBoard event files hold the epoch losses."""
    epochs = 3
    weights_only = suffix in (".weights.h5", "")
    model = compiled_twin(spec, "SGD", "mse")
    x, y = make_inputs(spec, 4), make_targets(spec, 4)
    restore = save_best_only and min_delta == 0
    with tempfile.TemporaryDirectory() as folder:
        pattern = os.path.join(folder, "ckpt-{epoch:02d}" + suffix)
        callbacks = [
            keras.callbacks.ModelCheckpoint(pattern, monitor="loss",
                                            save_best_only=save_best_only,
                                            save_weights_only=weights_only),
            keras.callbacks.EarlyStopping(monitor="loss", patience=patience,
                                          min_delta=min_delta, restore_best_weights=restore),
            keras.callbacks.TensorBoard(os.path.join(folder, "logs"),
                                        histogram_freq=histogram_freq),
        ]
        history = model.fit(x, y, batch_size=2, epochs=epochs, shuffle=False, verbose=0,
                            validation_data=(x, y), callbacks=callbacks).history
        losses = history["loss"]
        assert len(losses) == expected_epochs(losses, epochs, patience, min_delta)
        saved = improving_epochs(losses) if save_best_only else range(1, len(losses) + 1)
        for epoch in range(1, epochs + 1):
            path = pattern.format(epoch=epoch)
            exists = os.path.exists(path + ".index" if suffix == "" else path)
            assert exists == (epoch in saved), (epoch, sorted(os.listdir(folder)))
        last = load_checkpoint_file(spec, pattern.format(epoch=saved[-1]), weights_only)
        if restore or not save_best_only:  # the newest file holds the final weights
            assert_close(last.predict(x, verbose=0), model.predict(x, verbose=0))
        train_tags = event_tags(os.path.join(folder, "logs", "train"))
        assert {"epoch_loss", "epoch_mae"} <= train_tags
        assert {"epoch_loss", "epoch_mae"} <= event_tags(os.path.join(folder, "logs",
                                                                      "validation"))
        histograms = {tag for tag in train_tags if tag.endswith("/histogram")}
        # tf_keras's tags: each weight's name, ":" -> "_"; a nested model's weights may carry
        # its name in front, but every weight still has a tag of its own.
        expected = {weight.name.replace(":", "_") + "/histogram"
                    for layer in model.layers for weight in layer.weights}
        if not histogram_freq:
            assert not histograms
        elif any(block[0] == "nested" for block in spec.blocks):
            assert len(histograms) == len(expected), (histograms, expected)
        else:
            assert histograms == expected


@FAST
@given(specs_for_file([".keras", ".h5", ".weights.h5", ""]), st.booleans(), st.integers(0, 2),
       st.sampled_from([0.0, 1e6]), st.integers(0, 1))
def test_callbacks_write_loadable_files(spec_and_suffix, save_best_only, patience, min_delta,
                                        histogram_freq):
    spec, suffix = spec_and_suffix
    check_callbacks(spec, suffix, save_best_only, patience, min_delta, histogram_freq)


# Bugs found by the properties above, reduced to minimal reproductions --------------------

# Regression tests for bugs these properties found (fixed since).

@pytest.mark.parametrize("rnn", ["LSTM", "GRU"])
def test_gated_rnn_with_one_unit_keeps_its_output_shape(rnn):
    """LSTM/GRU(1) once had symbolic output shape (None, None): their zero initial state had
    an unknown static shape, and (None, 1) * (None, None) broadcasts to (None, None)."""
    inputs = keras.Input((3, 2))
    outputs = getattr(keras.layers, rnn)(1)(inputs)
    assert outputs.shape.as_list() == [None, 1]
    model = keras.Sequential([keras.Input((3, 2)), getattr(keras.layers, rnn)(1),
                              keras.layers.Dense(1)])
    assert model.output_shape == (None, 1)


def test_zeros_of_a_stacked_shape_keeps_its_constant_dims():
    """tf.zeros / tf.fill of a shape tensor built from a dynamic batch size and constants keep
    the constant dims in a graph, as TF does."""
    @tf.function(input_signature=[tf.TensorSpec([None, 2])])
    def shapes(x):
        batch = tf.shape(x)[0]
        assert tf.zeros(tf.stack([batch, 3])).shape.as_list() == [None, 3]
        assert tf.fill(tf.concat([[batch], [3]], 0), 1.0).shape.as_list() == [None, 3]
        return x

    shapes(tf.zeros([2, 2]))


def test_sequential_layers_have_one_inbound_node():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(5),
                              keras.layers.Dense(1)])
    assert [len(layer._inbound_nodes) for layer in model.layers] == [1, 1, 1]
    features = keras.Model(model.inputs, model.layers[1].output)
    assert features.output_shape == (None, 5)


def _nested_functional_model():
    def block():
        inputs = keras.Input((2,))
        return keras.Model(inputs, keras.layers.PReLU()(inputs))

    inputs = keras.Input((2,))
    x = inputs
    for _ in range(4):
        x = block()(x)
    return keras.Model(inputs, x)


def test_nested_models_round_trip_through_keras_files(tmp_path):
    model = _nested_functional_model()
    model.set_weights([np.full(w.shape, i + 1.0, np.float32)
                       for i, w in enumerate(model.get_weights())])
    for trial in range(10):  # about 2 in 3 round trips fail; all 10 passing is ~1e-5
        model.save(tmp_path / f"model_{trial}.keras")
        loaded = keras.models.load_model(tmp_path / f"model_{trial}.keras")
        for got, want in zip(loaded.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(got, want)


def test_weighted_metrics_list_on_single_output_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse", weighted_metrics=["mse", "mae"])
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    logs = model.evaluate(x, y, sample_weight=np.arange(4.0), verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mse", "mae"}  # tf_keras 2.21 (checked): no prefix here


# Gradients: eager == traced == central finite differences (in float64) ---------------------

@contextlib.contextmanager
def float64_models():
    previous = keras.backend.floatx()
    keras.backend.set_floatx("float64")
    try:
        yield
    finally:
        keras.backend.set_floatx(previous)


def check_gradients(spec, batch):
    """The gradient of a random projection of the output with respect to every trainable
    weight (and float inputs) is the same eager and traced, and matches central differences
    at a few random entries of each."""
    with float64_models():
        model = build_model(spec)
        x = tf.constant(make_inputs(spec, batch))
        rng = np.random.default_rng(3)
        # Zero-initialized biases / PReLU slopes put values exactly on kinks (0 = relu(0),
        # min(0, elu(0))) where finite differences are one-sided: move every weight off them.
        for variable in model.trainable_variables:
            variable.assign(variable.numpy() + rng.normal(0.0, 0.2, variable.shape))
        projection = tf.constant(rng.standard_normal((batch,) + spec.output_shape))
        wrt_input = x.dtype.is_floating
        sources = list(model.trainable_variables) + ([x] if wrt_input else [])

        def objective(inputs):
            return tf.reduce_sum(model(inputs, training=False) * projection)

        def gradients(inputs):
            with tf.GradientTape() as tape:
                if wrt_input:
                    tape.watch(inputs)
                value = objective(inputs)
            grads = tape.gradient(value, list(model.trainable_variables)
                                  + ([inputs] if wrt_input else []),
                                  unconnected_gradients="zero")
            return [tf.convert_to_tensor(g) for g in grads]

        eager = [g.numpy() for g in gradients(x)]
        traced = [g.numpy() for g in tf.function(gradients)(x)]
        assert len(eager) == len(sources)
        for e, t in zip(eager, traced):
            assert_close(t, e, tol=1e-9)
        forward = tf.function(objective)
        epsilon = 1e-6
        for source, grad in zip(sources, eager):
            value = source.numpy()
            for flat in rng.choice(value.size, size=min(3, value.size), replace=False):
                index = np.unravel_index(flat, value.shape)
                shifted = []
                for sign in (1.0, -1.0):
                    moved = value.copy()
                    moved[index] += sign * epsilon
                    if source is x:
                        shifted.append(float(forward(tf.constant(moved))))
                    else:
                        source.assign(moved)
                        shifted.append(float(forward(x)))
                if source is not x:
                    source.assign(value)
                numeric = (shifted[0] - shifted[1]) / (2 * epsilon)
                assert abs(numeric - grad[index]) <= 1e-5 + 1e-4 * abs(numeric), (
                    source.name if source is not x else "input", index, numeric, grad[index])


@FAST
@given(model_specs(allow_dropout=False, max_layers=3), st.integers(1, 3))
def test_gradients_eager_traced_and_numeric_agree(spec, batch):
    check_gradients(spec, batch)


def test_activity_losses_are_those_of_the_last_call():
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(2, activity_regularizer="l2")])
    model(tf.ones([2, 3]))
    model(tf.ones([2, 3]))
    assert len(model.losses) == 1


def test_activity_losses_in_a_retraced_function():
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(2, activity_regularizer="l2")])

    @tf.function
    def regularization(x):
        model(x)
        return tf.add_n(model.losses)

    first = float(regularization(tf.ones([2, 3])))
    assert float(regularization(tf.ones([1, 3]))) == pytest.approx(first)


def test_tensorboard_histograms_of_a_nested_model(tmp_path):
    """Each weight of a nested model gets its own histogram tag (tf_keras: the weight's name)."""
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(2)])
    model = keras.Sequential([keras.Input((3,)), inner, keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0,
              callbacks=[keras.callbacks.TensorBoard(str(tmp_path), histogram_freq=1)])
    histograms = {tag for tag in event_tags(tmp_path / "train") if tag.endswith("/histogram")}
    assert len(histograms) == len(model.weights) == 6


# Masking: a padded batch gives each sequence's own unpadded result --------------------------

def check_masking(spec, lengths):
    """With Embedding(mask_zero=True), padding (before or after) changes nothing: each row of
    a padded batch equals the model on that sequence alone, eager, traced and in predict."""
    model = build_masked_model(spec)
    rng = np.random.default_rng(4)
    width = max(lengths)
    sequences = [rng.integers(1, spec.vocab, length).astype(np.int32) for length in lengths]
    padded = keras.preprocessing.sequence.pad_sequences(sequences, maxlen=width,
                                                        padding=spec.padding, dtype="int32")
    batch = model(padded).numpy()
    for row, sequence in enumerate(sequences):
        alone = model(sequence[None, :]).numpy()
        assert_close(batch[row], alone[0])
    assert_close(tf.function(lambda v: model(v))(tf.constant(padded)).numpy(), batch)
    assert_close(model.predict(padded, verbose=0), batch)


@FAST  # timewise=False: Dense / Activation drop the mask (xfail test below)
@given(masked_specs(timewise=False), st.lists(st.integers(1, 5), min_size=1, max_size=4))
def test_masked_padding_changes_nothing(spec, lengths):
    check_masking(spec, lengths)


@pytest.mark.parametrize("middle", ["Dense", "Activation", "Dropout"])
def test_mask_passes_through_layers_without_a_mask_argument(middle):
    layer = {"Dense": lambda: keras.layers.Dense(3), "Activation":
             lambda: keras.layers.Activation("tanh"), "Dropout":
             lambda: keras.layers.Dropout(0.5)}[middle]()
    embedded = keras.layers.Embedding(4, 2, mask_zero=True)(np.array([[1, 2, 0]]))
    mask = getattr(layer(embedded), "_keras_mask", None)
    assert mask is not None and mask.numpy().tolist() == [[True, True, False]]


# Multi-input, multi-output functional models ----------------------------------------------

def compiled_multi(spec, run_eagerly=False):
    model = build_multi_model(spec)
    names = [f"out_{i}" for i in range(len(spec.output_units))]
    # SGD: Adam would turn float noise in a mathematically zero gradient (a bias before a
    # BatchNormalization) into a full-size step, and eager / compiled runs would differ.
    model.compile(optimizer=make_optimizer("SGD_momentum"), loss=dict(zip(names, spec.losses)),
                  loss_weights=dict(zip(names, spec.loss_weights)),
                  metrics={name: ["mae"] for name in names}, run_eagerly=run_eagerly)
    return model


def check_multi_io(spec, batch_size):
    """Named inputs/outputs: the total loss is the weighted sum of the per-output losses; fit
    eager == compiled; evaluate is batch-size independent; .keras / .h5 files reload."""
    x, y = multi_data(spec, 5)
    names = [f"out_{i}" for i in range(len(spec.output_units))]
    model = compiled_multi(spec)
    logs = model.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)
    expected_keys = {"loss"} | {f"{name}_loss" for name in names} | {f"{n}_mae" for n in names}
    if len(names) == 1:  # one output: tf_keras names its logs without the output prefix
        expected_keys = {"loss", "mae"}
    assert set(logs) == expected_keys
    if len(names) > 1:
        total = sum(w * logs[f"{name}_loss"] for name, w in zip(names, spec.loss_weights))
        if not any(part.has_regularizer for part in spec.inputs):
            assert_close(logs["loss"], total)
    batched = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    for key in logs:
        assert_close(batched[key], logs[key])
    predictions = model.predict(x, batch_size=batch_size, verbose=0)
    assert set(predictions) == set(names)
    listed = [x[f"in_{i}"] for i in range(len(spec.inputs))]
    as_list = model(listed if len(listed) > 1 else listed[0])
    for name in names:
        assert_close(as_list[name].numpy(), predictions[name])
    histories = []
    for run_eagerly in (True, False):
        trained = compiled_multi(spec, run_eagerly)
        histories.append((trained, trained.fit(x, y, batch_size=batch_size, epochs=1,
                                               shuffle=False, verbose=0).history))
    (eager_model, eager), (graph_model, graph) = histories
    assert eager.keys() == graph.keys() == expected_keys
    for key in eager:
        assert_close(graph[key], eager[key])
    assert_weights_close(eager_model, graph_model)
    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".keras", ".h5"):
            path = os.path.join(folder, "model" + suffix)
            graph_model.save(path)
            loaded = keras.models.load_model(path)
            reloaded = loaded.predict(x, verbose=0)
            for name in names:
                assert_close(reloaded[name], graph_model.predict(x, verbose=0)[name])
            again = loaded.evaluate(x, y, verbose=0, return_dict=True)
            for key, value in graph_model.evaluate(x, y, verbose=0, return_dict=True).items():
                assert_close(again[key], value)


@FAST
@given(multi_specs(), st.integers(1, 5))
def test_multi_input_output_models(spec, batch_size):
    check_multi_io(spec, batch_size)


def _two_output_model():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, {"out_a": keras.layers.Dense(2, name="out_a")(inputs),
                                 "out_b": keras.layers.Dense(1, name="out_b")(inputs)})
    data = (np.ones((4, 3), np.float32),
            {"out_a": np.zeros((4, 2), np.float32), "out_b": np.zeros((4, 1), np.float32)})
    return model, data


def test_flat_metrics_list_of_one_applies_to_every_output():
    model, (x, y) = _two_output_model()
    model.compile("sgd", "mse", metrics=["mae"])
    assert {"out_a_mae", "out_b_mae"} <= set(model.evaluate(x, y, verbose=0, return_dict=True))


def test_flat_metrics_list_applies_to_every_output():
    model, (x, y) = _two_output_model()
    model.compile("sgd", "mse", metrics=["mae", "mse"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert {"out_a_mae", "out_a_mse", "out_b_mae", "out_b_mse"} <= set(logs)


# validation_split and the *_on_batch methods ------------------------------------------------

def check_split_and_on_batch(spec, samples, split):
    """fit(validation_split=s) trains on the first floor(n * (1 - s)) samples and validates on
    the rest, as with explicit validation_data; train_on_batch steps equal full-batch fit
    epochs; test_on_batch / predict_on_batch equal evaluate / predict."""
    x, y = make_inputs(spec, samples), make_targets(spec, samples)
    cut = int(math.floor(samples * (1.0 - split)))  # tf_keras's train_validation_split
    split_model = compiled_twin(spec, "SGD_momentum", "mse")
    by_split = split_model.fit(x, y, validation_split=split, batch_size=2, epochs=2,
                               shuffle=False, verbose=0).history
    data_model = compiled_twin(spec, "SGD_momentum", "mse")
    by_data = data_model.fit(x[:cut], y[:cut], validation_data=(x[cut:], y[cut:]),
                             batch_size=2, epochs=2, shuffle=False, verbose=0).history
    assert by_split.keys() == by_data.keys() == {"loss", "mae", "val_loss", "val_mae"}
    for key in by_split:
        assert_close(by_split[key], by_data[key])
    assert_weights_close(split_model, data_model)

    on_batch = compiled_twin(spec, "SGD_momentum", "mse")
    fitted_model = compiled_twin(spec, "SGD_momentum", "mse")
    history = fitted_model.fit(x, y, batch_size=samples, epochs=2, shuffle=False,
                               verbose=0).history
    for epoch in range(2):
        loss, mae = on_batch.train_on_batch(x, y)
        assert_close(loss, history["loss"][epoch])
        assert_close(mae, history["mae"][epoch])
    assert_weights_close(fitted_model, on_batch)
    evaluated = on_batch.evaluate(x, y, batch_size=samples, verbose=0)
    assert_close(on_batch.test_on_batch(x, y), evaluated)
    assert_close(on_batch.predict_on_batch(x), on_batch.predict(x, verbose=0))


@FAST
@given(model_specs(allow_dropout=False, max_layers=3), st.integers(2, 7),
       st.sampled_from([0.2, 0.34, 0.5]))
def test_validation_split_and_on_batch_methods(spec, samples, split):
    check_split_and_on_batch(spec, samples, split)


def test_empty_data_is_an_error():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((2, 1), np.float32)

    def raises_value_error(call) -> bool:
        try:
            call()
        except ValueError:
            return True
        return False

    assert raises_value_error(lambda: model.evaluate(x[:0], x[:0], verbose=0))
    assert raises_value_error(
        lambda: model.fit(x, x, validation_data=(x[:0], x[:0]), verbose=0))




# Stateful RNNs: a sequence fed in pieces equals the whole --------------------------------

def check_stateful(rnn, units, batch, steps, cut):
    """A stateful RNN carries its state between calls: two halves of a sequence give the
    whole sequence's outputs, eager and traced; reset_states starts over."""
    keras.utils.set_random_seed(0)
    layer = getattr(keras.layers, rnn)(units, stateful=True, return_sequences=True)
    model = keras.Sequential([keras.Input(batch_shape=(batch, None, 2)), layer])
    x = np.random.default_rng(5).standard_normal((batch, steps, 2)).astype(np.float32)
    whole = model(x).numpy()
    for run in (model, tf.function(lambda v: model(v))):
        model.reset_states()
        pieces = [run(tf.constant(x[:, :cut])).numpy(), run(tf.constant(x[:, cut:])).numpy()]
        assert_close(np.concatenate(pieces, axis=1), whole)
    model.reset_states()
    assert_close(model(x).numpy(), whole)
    model.reset_states()
    assert_close(model.predict(x, batch_size=batch, verbose=0), whole)


@FAST
@given(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), st.integers(1, 3), st.integers(1, 3),
       st.integers(2, 5).flatmap(lambda steps: st.tuples(st.just(steps),
                                                         st.integers(1, steps - 1))))
def test_stateful_rnn_pieces_equal_whole(rnn, units, batch, steps_and_cut):
    check_stateful(rnn, units, batch, *steps_and_cut)


# The same properties, many more examples (pytest -m slow) ----------------------------------

DEEP = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DEEP_PROPERTIES = {
    "forward": (check_forward, st.tuples(model_specs(max_layers=6), st.integers(1, 4))),
    "layer_shapes": (check_layer_shapes, st.tuples(model_specs(max_layers=6),
                                                   st.integers(1, 4))),
    "config": (check_config_round_trip, st.tuples(model_specs(max_layers=6))),
    "model_file": (check_model_file, specs_for_file([".keras", ".h5"]).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), st.sampled_from(OPTIMIZERS),
                               st.just(pair[1])))),
    "weights_file": (check_weights_file, specs_for_file([".weights.h5", ""]).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), st.sampled_from(OPTIMIZERS),
                               st.just(pair[1])))),
    "eager_fit": (check_eager_fit_equals_compiled, st.tuples(
        training_cases(), st.sampled_from(LOSSES), st.booleans()).map(
            lambda case: (*case[0], *case[1:]))),
    "tape_loop": (check_tape_loop_equals_fit, st.tuples(
        training_cases(), st.sampled_from(LOSSES), st.integers(1, 5)).map(
            lambda case: (*case[0], *case[1:]))),
    "batch_sizes": (check_batch_sizes, st.tuples(model_specs(), st.integers(1, 9),
                                                 st.integers(1, 10), st.booleans())),
    "dataset": (check_dataset_equals_arrays, st.tuples(
        model_specs(allow_dropout=False), st.integers(1, 7), st.integers(1, 4),
        st.integers(1, 2))),
    "gradients": (check_gradients, st.tuples(model_specs(allow_dropout=False),
                                             st.integers(1, 3))),
    "masking": (check_masking, st.tuples(masked_specs(timewise=False),
                                         st.lists(st.integers(1, 6), min_size=1, max_size=5))),
    "multi_io": (check_multi_io, st.tuples(multi_specs(), st.integers(1, 5))),
    "callbacks": (check_callbacks, specs_for_file([".keras", ".h5", ".weights.h5", ""]).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), st.just(pair[1]), st.booleans(),
                               st.integers(0, 2), st.sampled_from([0.0, 1e6]),
                               st.integers(0, 1)))),
    "stateful": (check_stateful, st.integers(2, 6).flatmap(lambda steps: st.tuples(
        st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), st.integers(1, 3), st.integers(1, 3),
        st.just(steps), st.integers(1, steps - 1)))),
    "split_on_batch": (check_split_and_on_batch, st.tuples(
        model_specs(allow_dropout=False), st.integers(2, 9),
        st.sampled_from([0.2, 0.34, 0.5]))),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(DEEP_PROPERTIES))
def test_deep(name):
    check, strategy = DEEP_PROPERTIES[name]

    @DEEP
    @given(strategy)
    def run(arguments):
        check(*arguments)

    run()
