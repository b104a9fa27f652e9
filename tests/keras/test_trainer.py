"""compile / fit / evaluate / predict: values against hand computation, datasets, callbacks."""

import numpy as np
import pytest

import eagerflow as tf

RNG = np.random.default_rng(4)


def _regression_data(n=64):
    x = RNG.standard_normal((n, 3)).astype(np.float32)
    w = np.array([[1.0], [-2.0], [0.5]], np.float32)
    return x, x @ w + 0.3


def _linear_model():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,),
                                                       kernel_initializer="zeros")])
    return model


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_one_sgd_step_matches_the_closed_form(run_eagerly):
    x, y = _regression_data(8)
    model = _linear_model()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", run_eagerly=run_eagerly)
    loss = model.train_on_batch(x, y)
    # Zero weights: prediction 0, loss = mean(y^2), gradient of the kernel = -2 x^T y / n.
    np.testing.assert_allclose(loss, np.mean(y ** 2), rtol=1e-5)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, 0.1 * 2 * x.T @ y / len(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias, [0.1 * 2 * y.mean()], rtol=1e-5)


def test_fit_compiled_equals_fit_eager():
    x, y = _regression_data()
    results = []
    for run_eagerly in (False, True):
        model = _linear_model()
        model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse",
                      metrics=["mae"], run_eagerly=run_eagerly)
        history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        results.append((history.history, model.get_weights()))
    (compiled_history, compiled_weights), (eager_history, eager_weights) = results
    assert compiled_history.keys() == {"loss", "mae"}
    np.testing.assert_allclose(compiled_history["loss"], eager_history["loss"], rtol=1e-5)
    for a, b in zip(compiled_weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert compiled_history["loss"][-1] < compiled_history["loss"][0]


def test_epoch_loss_is_the_sample_weighted_mean_of_batches():
    x, y = _regression_data(10)
    model = _linear_model()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.0), loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.mean(y ** 2), rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=3, verbose=0), np.mean(y ** 2),
                               rtol=1e-5)


def test_classifier_learns_digits_with_accuracy_metric():
    sklearn = pytest.importorskip("sklearn.datasets")
    digits = sklearn.load_digits()
    x = (digits.data / 16).astype(np.float32)
    y = digits.target.astype(np.int32)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(32, activation="relu", input_shape=(64,)),
        tf.keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=4, batch_size=64, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["val_accuracy"][-1] > 0.85
    loss, accuracy = model.evaluate(x, y, verbose=0)
    predicted = model.predict(x, verbose=0).argmax(axis=1)
    np.testing.assert_allclose(accuracy, np.mean(predicted == y), atol=1e-6)


def test_fit_consumes_a_dataset():
    x, y = _regression_data(40)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(40, seed=1).batch(8)
    model = _linear_model()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(dataset, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < 0.25 * history.history["loss"][0]
    np.testing.assert_allclose(model.evaluate(dataset, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-5)
    assert model.predict(dataset.map(lambda a, b: a), verbose=0).shape == (40, 1)


def test_infinite_dataset_needs_steps_per_epoch():
    x, y = _regression_data(16)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat()
    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="steps"):
        model.fit(dataset, epochs=1, verbose=0)
    history = model.fit(dataset, epochs=2, steps_per_epoch=3, verbose=0)
    assert len(history.history["loss"]) == 2


def test_validation_data_and_multi_output_names():
    inputs = tf.keras.Input(shape=(3,))
    out_a = tf.keras.layers.Dense(1, name="a")(inputs)
    out_b = tf.keras.layers.Dense(2, activation="softmax", name="b")(inputs)
    model = tf.keras.Model(inputs, [out_a, out_b])
    model.compile(optimizer="adam", loss={"a": "mse", "b": "sparse_categorical_crossentropy"},
                  loss_weights=[1.0, 0.5], metrics={"b": "accuracy"})
    x, ya = _regression_data(32)
    yb = (x[:, 0] > 0).astype(np.int32)
    history = model.fit(x, [ya, yb], validation_data=(x, [ya, yb]), epochs=2, verbose=0)
    assert set(history.history) == {"loss", "a_loss", "b_loss", "b_accuracy", "val_loss",
                                    "val_a_loss", "val_b_loss", "val_b_accuracy"}
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["a_loss"] + 0.5 * logs["b_loss"], rtol=1e-5)


def test_sample_and_class_weights():
    x, y = _regression_data(8)
    model = _linear_model()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.0), loss="mse")
    weights = np.arange(8, dtype=np.float32)
    loss = model.evaluate(x, y, sample_weight=weights, verbose=0, batch_size=8)
    np.testing.assert_allclose(loss, np.sum(weights * y[:, 0] ** 2) / 8, rtol=1e-5)
    labels = np.array([0, 1, 1, 0], np.int32)
    classifier = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,),
                                                            kernel_initializer="zeros")])
    classifier.compile(optimizer=tf.keras.optimizers.SGD(0.0),
                       loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = classifier.fit(x[:4], labels, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.log(2) * (1 + 3 + 3 + 1) / 4,
                               rtol=1e-5)


def test_regularization_losses_are_added():
    model = tf.keras.Sequential([tf.keras.layers.Dense(
        1, input_shape=(3,), kernel_initializer="ones",
        kernel_regularizer=tf.keras.regularizers.L2(0.1))])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.0), loss="mse")
    x, y = _regression_data(4)
    prediction = x.sum(axis=1, keepdims=True)
    expected = np.mean((prediction - y) ** 2) + 0.1 * 3
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)


def test_uncompiled_model_and_bad_validation_data():
    model = _linear_model()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((2, 3)), np.ones((2, 1)))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="validation_data"):
        model.fit(np.ones((2, 3)), np.ones((2, 1)), validation_data=(1,), verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(np.ones((3, 3)), np.ones((2, 1)), verbose=0)


def test_early_stopping_and_scheduler_callbacks_act():
    x, y = _regression_data(32)
    model = _linear_model()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.0), loss="mse")
    stopper = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=1)
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 2  # no improvement with a zero learning rate
    rates = []
    scheduler = tf.keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    recorder = tf.keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: rates.append(float(model.optimizer.learning_rate)))
    model.fit(x, y, epochs=3, verbose=0, callbacks=[scheduler, recorder])
    np.testing.assert_allclose(rates, [0.1, 0.05, 0.1 / 3], rtol=1e-6)


def test_progress_bar_output(capsys):
    x, y = _regression_data(32)
    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "4/4" in out and "loss:" in out


def test_predict_in_a_loop_keeps_one_trace():
    model = _linear_model()
    for _ in range(5):
        model.predict(np.ones((4, 3), np.float32), verbose=0)
    assert model.predict_function.experimental_get_tracing_count() == 1


def _classifier(seed=0):
    def init(offset):  # seeded initializers: no global seed left set for later tests
        return tf.keras.initializers.GlorotUniform(seed=seed * 10 + offset)

    return tf.keras.Sequential([
        tf.keras.layers.Dense(8, activation="relu", input_shape=(5,), kernel_initializer=init(1)),
        tf.keras.layers.Dense(3, activation="softmax", kernel_initializer=init(2))])


def _numpy_forward(model, x):
    w1, b1, w2, b2 = model.get_weights()
    logits = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_epoch_logs_weigh_a_partial_last_batch_by_its_size(run_eagerly):
    x = RNG.standard_normal((23, 5)).astype(np.float32)  # batches of 8, 8 and 7
    y = RNG.integers(0, 3, 23).astype(np.int32)
    model = _classifier()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.0), run_eagerly=run_eagerly,
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=True)
    probs = _numpy_forward(model, x)
    expected_loss = np.mean(-np.log(probs[np.arange(23), y]))
    expected_accuracy = np.mean(probs.argmax(1) == y)
    for epoch in range(2):
        np.testing.assert_allclose(history.history["loss"][epoch], expected_loss, rtol=1e-5)
        np.testing.assert_allclose(history.history["accuracy"][epoch], expected_accuracy,
                                   rtol=1e-6)
    loss, accuracy = model.evaluate(x, y, batch_size=8, verbose=0)
    np.testing.assert_allclose([loss, accuracy], [expected_loss, expected_accuracy], rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, batch_size=8, verbose=0), probs, rtol=1e-5,
                               atol=1e-7)


def test_fit_with_adam_and_shuffling_is_the_same_compiled_and_eager():
    x = RNG.standard_normal((40, 5)).astype(np.float32)
    y = RNG.integers(0, 3, 40).astype(np.int32)
    runs = []
    state = np.random.get_state()  # fit shuffles with NumPy's global generator
    try:
        for run_eagerly in (False, True):
            model = _classifier(seed=1)
            model.compile(optimizer=tf.keras.optimizers.Adam(0.01), run_eagerly=run_eagerly,
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            np.random.set_state(state)
            history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
            runs.append((history.history, model.get_weights()))
    finally:
        np.random.set_state(state)
    (compiled, compiled_weights), (eager, eager_weights) = runs
    assert compiled.keys() == eager.keys() == {"loss", "accuracy"}
    for name in compiled:
        np.testing.assert_allclose(compiled[name], eager[name], rtol=1e-5)
    for a, b in zip(compiled_weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_predict_results_never_alias_the_input_arrays():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    for model in (tf.keras.Sequential([tf.keras.layers.InputLayer(input_shape=(3,))]),
                  tf.keras.Sequential([tf.keras.layers.Reshape((3, 1), input_shape=(3,))])):
        for batch_size in (4, 3):
            out = model.predict(x, batch_size=batch_size, verbose=0)
            out[...] = -1.0
            np.testing.assert_array_equal(x, np.arange(12, dtype=np.float32).reshape(4, 3))
        out = model.predict_on_batch(x)
        out[...] = -1.0
        assert x[0, 0] == 0.0


def test_the_step_receives_tensors_and_logs_are_python_floats():
    seen = []

    class Recording(tf.keras.Sequential):
        def train_step(self, data):
            seen.append(type(data[0]))
            return super().train_step(data)

    model = Recording([tf.keras.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    x, y = _regression_data(8)
    recorded = []
    callback = tf.keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: recorded.append(logs))
    model.fit(x, y, batch_size=4, verbose=0, callbacks=[callback])
    assert all(issubclass(kind, tf.Tensor) for kind in seen) and len(seen) == 2
    assert len(recorded) == 2
    assert all(type(value) is float for entry in recorded for value in entry.values())


def test_evaluate_and_predict_call_the_batch_hooks_of_given_callbacks():
    calls = []

    class Counting(tf.keras.callbacks.Callback):
        def on_test_batch_end(self, batch, logs=None):
            calls.append(("test", batch, sorted(logs)))

        def on_predict_batch_end(self, batch, logs=None):
            calls.append(("predict", batch, np.shape(logs["outputs"])))

    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse")
    x, y = _regression_data(10)
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[Counting()])
    model.predict(x, batch_size=4, verbose=0, callbacks=[Counting()])
    assert calls == [("test", 0, ["loss"]), ("test", 1, ["loss"]), ("test", 2, ["loss"]),
                     ("predict", 0, (4, 1)), ("predict", 1, (4, 1)), ("predict", 2, (2, 1))]


def test_a_model_remembers_the_strategy_it_was_made_under():
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = _linear_model()
    assert model.distribute_strategy is strategy
    assert _linear_model().distribute_strategy is tf.distribute.get_strategy()
