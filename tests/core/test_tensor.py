"""tf.Tensor: conversion and dtype inference, the Python protocols, repr, operators."""

import numpy as np
import pytest

import eagerflow as tf


@pytest.mark.parametrize("value, dtype", [
    (1.5, tf.float32), (2, tf.int32), (2 ** 40, tf.int64), (True, tf.bool),
    ([[1, 2], [3, 4]], tf.int32), ([1, 2.5], tf.float32), (1 + 2j, tf.complex128),
    ("text", tf.string), ([b"a", b"bc"], tf.string),
    (np.array([1.0, 2.0]), tf.float64), (np.array([1, 2], np.int64), tf.int64),
    (np.float16(1.0), tf.float16), (np.uint8(3), tf.uint8),
])
def test_constant_dtype_inference_as_tf(value, dtype):
    assert tf.constant(value).dtype == dtype
    assert tf.convert_to_tensor(value).dtype == dtype


def test_constant_with_dtype_and_shape():
    t = tf.constant(0.5, tf.float64, shape=[2, 3])
    assert t.shape == (2, 3) and t.dtype == tf.float64
    np.testing.assert_array_equal(t.numpy(), np.full((2, 3), 0.5))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=[2, 2]).numpy(),
                                  [[1, 2], [3, 4]])
    with pytest.raises(TypeError):
        tf.constant([1, 2, 3], shape=[2, 2])
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.constant(1.5, tf.int32)
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.constant([[1, 2], [3]])


def test_constant_copies_numpy_input():
    array = np.array([1.0, 2.0])
    t = tf.constant(array)
    array[0] = 99.0
    assert t.numpy()[0] == 1.0
    out = t.numpy()
    out[1] = -1.0
    assert t.numpy()[1] == 2.0  # numpy() is a copy: tensors are immutable


def test_convert_to_tensor_dtype_checks():
    t = tf.constant([1.0])
    assert tf.convert_to_tensor(t) is t
    with pytest.raises(ValueError, match="requested dtype int32"):
        tf.convert_to_tensor(t, dtype=tf.int32)
    assert tf.convert_to_tensor(1, dtype_hint=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor("x", dtype_hint=tf.float32).dtype == tf.string


def test_scalar_protocols():
    assert float(tf.constant(2.5)) == 2.5 and int(tf.constant(7)) == 7
    assert [10, 20, 30][tf.constant(1)] == 20
    assert bool(tf.constant(True)) and not bool(tf.constant(0.0))
    with pytest.raises(TypeError):
        [1, 2][tf.constant(1.0)]
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tf.constant([1, 2]))
    assert f"{tf.constant(3.14159):.2f}" == "3.14"


def test_len_iter_and_array():
    t = tf.constant([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3 and t.ndim == 2 and t.shape.as_list() == [3, 2]
    rows = [row.numpy().tolist() for row in t]
    assert rows == [[1, 2], [3, 4], [5, 6]]
    assert np.asarray(t).dtype == np.int32
    with pytest.raises(TypeError, match="len"):
        len(tf.constant(1))
    with pytest.raises(TypeError, match="iterate"):
        iter(tf.constant(1)).__next__()


def test_repr_and_str_like_tf():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert str(t) == "tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)"
    assert repr(t).startswith("<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\narray(")
    assert repr(tf.constant(4.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=4.0>"
    assert str(tf.constant(4)) == "tf.Tensor(4, shape=(), dtype=int32)"


def test_unhashable_but_ref_works():
    t = tf.constant(1.0)
    with pytest.raises(TypeError, match="unhashable"):
        hash(t)
    table = {t.ref(): "x"}
    assert table[t.ref()] == "x" and t.ref().deref() is t
    assert t.ref() != tf.constant(1.0).ref()


def test_equality_is_elementwise_and_tolerant():
    a = tf.constant([1, 2, 3])
    np.testing.assert_array_equal((a == tf.constant([1, 0, 3])).numpy(), [True, False, True])
    np.testing.assert_array_equal((a != 2).numpy(), [True, False, True])
    assert (a == None) is False  # noqa: E711 - TF's behaviour
    assert not bool(a == tf.constant([1, 2]))


def test_operators_and_scalar_partners():
    a = tf.constant([1.0, 2.0])
    np.testing.assert_allclose((2 * a + 1).numpy(), [3.0, 5.0])
    np.testing.assert_allclose((1 - a).numpy(), [0.0, -1.0])
    np.testing.assert_allclose((a ** 2).numpy(), [1.0, 4.0])
    np.testing.assert_allclose((-a).numpy(), [-1.0, -2.0])
    np.testing.assert_allclose(abs(tf.constant([-1.0])).numpy(), [1.0])
    np.testing.assert_allclose((np.float32(2.0) * a).numpy(), [2.0, 4.0])
    assert isinstance(np.ones(2, np.float32) + a, tf.Tensor)  # __array_priority__ defers
    assert (tf.constant(7) // 2).numpy() == 3 and (tf.constant(7) % 3).numpy() == 1
    assert (tf.constant(7) / 2).dtype == tf.float64
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.constant([1, 2]) + 1.5


def test_no_implicit_promotion():
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float32 tensor"):
        tf.constant(1.0) + tf.constant(1.0, tf.float64)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.add(tf.constant(1), tf.constant(1.0))


def test_is_tensor_and_register_conversion():
    class Meters:
        def __init__(self, value):
            self.value = value

    tf.register_tensor_conversion_function(
        Meters, lambda value, dtype=None, name=None, as_ref=False: tf.constant(value.value))
    assert float(tf.add(tf.convert_to_tensor(Meters(2.0)), 1.0)) == 3.0
    assert tf.is_tensor(tf.constant(1)) and tf.is_tensor(tf.Variable(1))
    assert not tf.is_tensor(np.ones(2))


def test_constant_of_a_list_of_tensors_keeps_their_dtype():
    a = tf.constant(1.0, tf.float64)
    assert tf.constant([a, a]).dtype == tf.float64
    assert tf.constant([tf.constant(1, tf.int64), 2]).dtype == tf.int64
    assert tf.constant([1, tf.constant(2)]).dtype == tf.int32
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.constant([1.5, tf.constant(1)])
