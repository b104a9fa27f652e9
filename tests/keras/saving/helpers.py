"""Small models shared by the saving tests (built fresh for each test)."""

import numpy as np

import eagerflow as tf

X = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")


def functional_model(optimizer="adam"):
    inputs = tf.keras.Input((3,), name="x")
    hidden = tf.keras.layers.Dense(4, activation="relu", name="d1")(inputs)
    outputs = tf.keras.layers.Dense(2, activation="tanh", name="d2")(hidden)
    model = tf.keras.Model(inputs, outputs)
    if optimizer is not None:
        model.compile(optimizer=optimizer, loss="mse")
    return model


def sequential_model(optimizer="adam"):
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                                 tf.keras.layers.Dense(2)])
    if optimizer is not None:
        model.compile(optimizer=optimizer, loss="mse")
    return model


def train_steps(model, steps=2):
    """Apply a few gradient steps (so the optimizer has non-trivial state)."""
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(X) - 1.0))
        grads = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(grads, model.trainable_variables))


def predictions(model):
    """The model's outputs eagerly and inside tf.function (they must agree)."""
    eager = model(X).numpy()
    compiled = tf.function(lambda x: model(x))(tf.constant(X)).numpy()
    np.testing.assert_allclose(eager, compiled, rtol=1e-6, atol=1e-6)
    return eager


def assert_same_variables(a, b):
    assert len(a) == len(b)
    for left, right in zip(a, b):
        np.testing.assert_array_equal(np.asarray(left.numpy()), np.asarray(right.numpy()))
