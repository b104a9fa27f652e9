"""tf.Variable: creation, assignment (and refusing bad assignments), reads, operators."""

import copy

import numpy as np
import pytest

import eagerflow as tf


def test_creation_and_properties():
    v = tf.Variable([1.0, 2.0], name="weights")
    assert v.name == "weights:0" and v.dtype == tf.float32 and v.shape == (2,)
    assert v.trainable and v.constraint is None and v.ndim == 1
    assert tf.Variable(lambda: tf.ones([3]), trainable=False).trainable is False
    assert tf.Variable(3, dtype=tf.float64).dtype == tf.float64
    with pytest.raises(ValueError, match="initial_value"):
        tf.Variable()
    assert repr(tf.Variable(4.0)) == \
        "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=4.0>"


def test_assign_and_read_value():
    v = tf.Variable([1.0, 2.0])
    assert v.assign([3.0, 4.0]) is v
    np.testing.assert_array_equal(v.numpy(), [3.0, 4.0])
    assert v.assign_add([1.0, 1.0], read_value=False) is None
    np.testing.assert_array_equal(v.read_value().numpy(), [4.0, 5.0])
    v.assign_sub(tf.constant([4.0, 5.0]))
    np.testing.assert_array_equal(v.value().numpy(), [0.0, 0.0])


def test_earlier_reads_keep_their_value():
    v = tf.Variable([1.0, 2.0])
    before = v.read_value()
    v.assign_add([10.0, 10.0])
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0])


def test_bad_assignments_raise_and_leave_the_variable_unchanged():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="dtype"):
        v.assign(tf.constant([1, 2]))
    with pytest.raises(TypeError):
        tf.Variable([1, 2]).assign([1.5, 2.0])
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)):
        v.assign_add([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_assign_never_aliases_callers_array():
    array = np.array([1.0, 2.0], np.float32)
    v = tf.Variable([0.0, 0.0])
    v.assign(array)
    array[0] = 99.0
    assert v.numpy()[0] == 1.0


def test_unknown_shape_variable_accepts_new_shapes():
    v = tf.Variable([1.0], shape=tf.TensorShape(None))
    v.assign([1.0, 2.0, 3.0])
    assert v.numpy().shape == (3,)
    assert v.shape.rank is None


def test_operators_act_on_the_value():
    v = tf.Variable([1.0, 2.0])
    np.testing.assert_array_equal((v * 2).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal((1 + v).numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(tf.matmul(tf.reshape(v, [1, 2]), tf.ones([2, 1])).numpy(),
                                  [[3.0]])
    assert float(tf.Variable(2.5)) == 2.5 and len(v) == 2
    with pytest.raises(TypeError, match="unhashable"):
        hash(v)
    assert {v.ref(): 1}[v.ref()] == 1


def test_deepcopy_makes_an_independent_variable():
    v = tf.Variable([1.0])
    w = copy.deepcopy(v)
    w.assign([5.0])
    assert v.numpy()[0] == 1.0 and w.numpy()[0] == 5.0


def test_numpy_inside_tf_function_is_refused_not_baked_in():
    v = tf.Variable(1.0)

    @tf.function
    def f():
        return v.numpy() * 2

    with pytest.raises(NotImplementedError, match="eager execution"):
        f()
    with pytest.raises(NotImplementedError):
        tf.function(lambda: np.asarray(v))()
