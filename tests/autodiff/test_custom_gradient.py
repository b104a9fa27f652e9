"""tf.custom_gradient: user gradients, with variables, inside tf.function."""

import numpy as np

import eagerflow as tf


def test_custom_gradient():
    @tf.custom_gradient
    def clipped_identity(x):
        def grad(dy):
            return dy * 0.5
        return tf.identity(x), grad

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = clipped_identity(x) * 3.0
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1.5, 1.5])
    np.testing.assert_allclose(clipped_identity(x).numpy(), [1.0, 2.0])


def test_custom_gradient_with_variables():
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled(x):
        def grad(dy, variables=None):
            return dy * v, [dy * x * 100.0]
        return x * v, grad

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x)
    gx, gv = tape.gradient(y, [x, v])
    assert float(gx) == 2.0 and float(gv) == 300.0


def test_custom_gradient_inside_function():
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))
        return tf.math.log(1 + e), grad

    @tf.function
    def g(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = log1pexp(x)
        return tape.gradient(y, x)

    np.testing.assert_allclose(g(tf.constant(100.0)).numpy(), 1.0)
