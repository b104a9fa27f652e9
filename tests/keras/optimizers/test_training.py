"""Optimizers inside Keras training: compile by name or instance, fit (compiled train step),
schedules advancing with the steps, and the learning rate changed between epochs."""

import numpy as np
import pytest

import eagerflow as tf


def _data():
    rng = np.random.RandomState(0)
    x = rng.randn(64, 3).astype(np.float32)
    return x, x @ np.array([[1.0], [-2.0], [0.5]], np.float32)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "nadam", "adamw"])
def test_fit_reduces_the_loss(optimizer):
    x, y = _data()
    tf.random.set_seed(1)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=tf.keras.optimizers.get(optimizer), loss="mse")
    model.optimizer.learning_rate = 0.1
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.25 * losses[0]
    assert int(model.optimizer.iterations.numpy()) == 10 * 4


def test_schedule_advances_with_training_steps():
    x, y = _data()
    schedule = tf.keras.optimizers.schedules.PiecewiseConstantDecay([4], [0.1, 0.0])
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)      # steps 0..3: rate 0.1
    weights = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)      # steps 4..7: rate 0.1 then 0
    after_one = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)      # rate 0: nothing moves
    assert any(not np.allclose(a, b) for a, b in zip(weights, after_one))
    for a, b in zip(after_one, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(model.optimizer.learning_rate) == 0.0
