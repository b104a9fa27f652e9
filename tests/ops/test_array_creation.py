"""Array creation (eagerflow/ops/array/creation.py): harness cases for one_hot, meshgrid,
linspace and sequence_mask; tf.range's dtype inference and the creation ops' dtypes."""

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case
from tests.ops.array_helpers import check_dynamic_case, f32, i32

CASES = [
    OpCase("one_hot", lambda i: tf.one_hot(i, 4), (i32(0, 3, -1, 5),),
           lambda i: (i[:, None] == np.arange(4)).astype(np.float32)),
    OpCase("one_hot_axis0_values", lambda i: tf.one_hot(i, 3, on_value=5, off_value=-1,
                                                          axis=0),
           (i32([0, 2], [1, 1]),),
           lambda i: np.where(np.arange(3)[:, None, None] == i, 5, -1).astype(np.int32)),
    OpCase("meshgrid_xy", lambda a, b: tf.meshgrid(a, b), (f32(3), f32(4)),
           lambda a, b: list(np.meshgrid(a, b)), order=2),
    OpCase("meshgrid_ij", lambda a, b, c: tf.meshgrid(a, b, c, indexing="ij"),
           (f32(2), f32(3), f32(2)), lambda a, b, c: list(np.meshgrid(a, b, c, indexing="ij"))),
    OpCase("linspace", lambda a, b: tf.linspace(a, b, 5), (np.float32(-1.0), np.float32(2.0)),
           lambda a, b: np.linspace(a, b, 5).astype(np.float32)),
    OpCase("linspace_batched_axis", lambda a, b: tf.linspace(a, b, 4, axis=-1),
           (f32(2), f32(2)), lambda a, b: np.linspace(a, b, 4, axis=-1).astype(np.float32),
           order=2),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


# Ops whose output shape depends on values (see array_helpers.check_dynamic_case).
DYNAMIC_CASES = [
    OpCase("sequence_mask_default_maxlen", lambda n: tf.sequence_mask(n), (i32(1, 3, 0),),
           lambda n: np.arange(3) < n[:, None]),
]


@pytest.mark.parametrize("case", DYNAMIC_CASES, ids=str)
def test_dynamic_shape_op(case):
    check_dynamic_case(case)


def test_range_dtype_inference():
    assert tf.range(5).dtype == tf.int32
    assert tf.range(0, 1, 0.25).dtype == tf.float32
    assert tf.range(2.0).numpy().tolist() == [0.0, 1.0]
    assert tf.range(tf.constant(3, tf.int64)).dtype == tf.int64
    assert tf.range(tf.constant(1.0, tf.float64), 2).dtype == tf.float64
    assert tf.range(3, dtype=tf.float32).numpy().tolist() == [0.0, 1.0, 2.0]
    np.testing.assert_array_equal(tf.range(5, 1, -2).numpy(), [5, 3])
    assert tf.range(0, 1, 0.1).shape == [10]
    assert tf.range(tf.Variable(3, dtype=tf.int64)).dtype == tf.int64
    assert tf.range(np.float64(2.0)).dtype == tf.float64


def test_creation_ops():
    e = tf.eye(2, 3, batch_shape=[4], dtype=tf.int64)
    assert e.shape == [4, 2, 3] and e.dtype == tf.int64
    np.testing.assert_array_equal(e.numpy()[3], np.eye(2, 3))
    np.testing.assert_array_equal(tf.linalg.eye(3).numpy(), np.eye(3, dtype=np.float32))
    assert tf.linspace(0.0, 1.0, 3).dtype == tf.float32
    assert tf.lin_space is tf.linspace
    with pytest.raises(TypeError, match="allowed values"):
        tf.linspace(0, 1, 3)
    m = tf.sequence_mask([2, 0], maxlen=3, dtype=tf.float32)
    np.testing.assert_array_equal(m.numpy(), [[1, 1, 0], [0, 0, 0]])
    assert m.dtype == tf.float32
    assert tf.newaxis is None
    assert tf.one_hot([1], 2).dtype == tf.float32
    assert tf.one_hot([1], 2, on_value=1, off_value=0).dtype == tf.int32
    assert tf.one_hot([1], 2, dtype=tf.float64).dtype == tf.float64
    assert tf.shape(tf.zeros([2, 3]), out_type=tf.int64).dtype == tf.int64
    assert tf.size(tf.zeros([2, 3]), out_type=tf.int64).numpy() == 6
