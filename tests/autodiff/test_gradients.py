"""tf.gradients inside tf.function: values vs closed forms, variables, grad_ys,
stop_gradients, unconnected sources, and TF's error when eager."""

import numpy as np
import pytest

import eagerflow as tf


def test_gradients_of_tensors_and_variables():
    weights = tf.Variable([1.0, 2.0])

    @tf.function
    def grads(x):
        y = tf.reduce_sum(x * x * weights) + tf.reduce_sum(weights)
        return tf.gradients(y, [x, weights])

    gx, gw = grads(tf.constant([3.0, 4.0]))
    np.testing.assert_allclose(gx.numpy(), [6.0, 16.0])  # 2 x w
    np.testing.assert_allclose(gw.numpy(), [10.0, 17.0])  # x^2 + 1


def test_grad_ys_stop_gradients_and_unconnected():
    @tf.function
    def grads(x):
        y = x * x
        weighted = tf.gradients(y, x, grad_ys=tf.constant([1.0, 10.0]))[0]
        stopped = tf.gradients(y + x, x, stop_gradients=[y])[0]
        unused = tf.constant(2.0)
        none = tf.gradients(tf.reduce_sum(x), unused)[0]
        zero = tf.gradients(tf.reduce_sum(x), unused, unconnected_gradients="zero")[0]
        return weighted, stopped, zero, tf.constant(none is None)

    weighted, stopped, zero, was_none = grads(tf.constant([3.0, 4.0]))
    np.testing.assert_allclose(weighted.numpy(), [6.0, 80.0])
    np.testing.assert_allclose(stopped.numpy(), [1.0, 1.0])
    assert float(zero) == 0.0 and bool(was_none)


def test_second_order_inside_a_function():
    @tf.function
    def second(x):
        first = tf.gradients(x ** 3, x)[0]
        return tf.gradients(first, x)[0]

    np.testing.assert_allclose(second(tf.constant(2.0)).numpy(), 12.0)  # 6 x


def test_eager_use_is_refused_as_in_tf():
    with pytest.raises(RuntimeError, match="GradientTape"):
        tf.gradients(tf.constant(1.0), tf.constant(1.0))
