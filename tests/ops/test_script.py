"""tf.py_function / tf.numpy_function: Python run as an op, eagerly and compiled."""

import numpy as np
import pytest

import eagerflow as tf


def test_py_function_eager_and_compiled():
    calls = []

    def double(x):
        calls.append(x.numpy().copy())
        return x * 2

    x = tf.constant([1.0, 2.0])
    np.testing.assert_allclose(tf.py_function(double, [x], tf.float32).numpy(), [2.0, 4.0])
    f = tf.function(lambda x: tf.py_function(double, [x], tf.float32) + 1.0)
    np.testing.assert_allclose(f(x).numpy(), [3.0, 5.0])
    np.testing.assert_allclose(f(x + 1.0).numpy(), [5.0, 7.0])
    assert len(calls) == 3  # runs at every call of the compiled function, with the values


def test_multiple_outputs_and_numpy_function():
    def split(x):
        return x[:1], x[1:]

    a, b = tf.py_function(split, [tf.constant([1, 2, 3])], [tf.int32, tf.int32])
    assert a.numpy().tolist() == [1] and b.numpy().tolist() == [2, 3]
    total = tf.function(lambda v: tf.numpy_function(lambda a: np.int64(a.sum()), [v],
                                                    tf.int64))
    assert int(total(tf.constant([1, 2, 3]))) == 6


def test_errors_keep_the_python_traceback():
    def bad(x):
        raise ValueError("no good")

    f = tf.function(lambda x: tf.py_function(bad, [x], tf.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="no good") as info:
        f(tf.constant(1.0))
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(tf.errors.UnknownError, match="KeyError"):
        tf.py_function(lambda x: {}["k"], [tf.constant(1.0)], tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tout"):
        tf.py_function(lambda x: (x, x), [tf.constant(1.0)], [tf.float32])


def test_not_removed_when_unused():
    seen = []

    @tf.function
    def f(x):
        tf.py_function(lambda v: seen.append(1) or v, [x], tf.float32)
        return x

    f(tf.constant(1.0))
    f(tf.constant(1.0))
    assert len(seen) == 2
