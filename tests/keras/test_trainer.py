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
