"""Indexing ops (eagerflow/ops/indexing.py): harness cases for slice, strided_slice,
`tensor[...]`, gather, scatter, where and boolean_mask, and variable slice assignment /
scatters."""

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case, run_with_shape_checks
from tests.ops.array_helpers import (
    X23,
    X234,
    check_dynamic_case,
    f32,
    i32,
    np_gather_batched,
    np_gather_nd,
    np_scatter,
)

CASES = [
    OpCase("slice", lambda x: tf.slice(x, [1, 0, 1], [-1, 2, 2]), (X234,),
           lambda x: x[1:, 0:2, 1:3]),
    OpCase("strided_slice_masks",
           lambda x: tf.strided_slice(x, [0, 0, 1], [0, 3, 4], [1, 2, 2], begin_mask=1,
                                      end_mask=1, shrink_axis_mask=0),
           (X234,), lambda x: x[:, 0:3:2, 1:4:2]),
    OpCase("strided_slice_shrink_new",
           lambda x: tf.strided_slice(x, [1, 0, 0], [2, 0, -1], [1, 1, -1],
                                      new_axis_mask=2, shrink_axis_mask=1, begin_mask=4,
                                      end_mask=4),
           (X234,), lambda x: x[1, None, ::-1], order=2),
    OpCase("strided_slice_ellipsis",
           lambda x: tf.strided_slice(x, [0, 1], [0, 3], [1, 1], ellipsis_mask=1),
           (X234,), lambda x: x[..., 1:3]),
    OpCase("getitem_mixed", lambda x: x[1, ::-1, None, 1:3], (X234,),
           lambda x: x[1, ::-1, None, 1:3], order=2),
    OpCase("getitem_ellipsis", lambda x: x[..., -1], (X234,), lambda x: x[..., -1]),
    OpCase("getitem_tensor_index", lambda x: x[tf.constant(-1), 1:], (X234,),
           lambda x: x[-1, 1:]),
    OpCase("gather_axis1_duplicates", lambda p: tf.gather(p, [2, 0, 2, 2], axis=1), (X234,),
           lambda p: np.take(p, [2, 0, 2, 2], axis=1), order=2),
    OpCase("gather_2d_indices", lambda p, i: tf.gather(p, i), (X23, i32([1, 0], [1, 1])),
           lambda p, i: p[i]),
    OpCase("gather_batch_dims", lambda p, i: tf.gather(p, i, axis=2, batch_dims=1),
           (X234, i32([0, 3, 3], [1, 1, 2])),
           lambda p, i: np_gather_batched(p, i, 2, 1), order=2),
    OpCase("gather_nd", lambda p, i: tf.gather_nd(p, i), (X234, i32([1, 2], [0, 0], [1, 2])),
           np_gather_nd, order=2),
    OpCase("gather_nd_full", lambda p, i: tf.gather_nd(p, i), (X234, i32([[1, 2, 3]], [[0, 0, 0]])),
           np_gather_nd),
    OpCase("gather_nd_batch_dims", lambda p, i: tf.gather_nd(p, i, batch_dims=1),
           (X234, i32([[2], [0]], [[1], [1]])),
           lambda p, i: np.stack([np_gather_nd(a, b) for a, b in zip(p, i)]), order=2),
    OpCase("scatter_nd", lambda i, u: tf.scatter_nd(i, u, [4, 3]),
           (i32([1], [3], [1]), f32(3, 3)),
           lambda i, u: np_scatter(np.zeros((4, 3), np.float32), i, u, np.add), order=2),
    OpCase("tensor_scatter_update", tf.tensor_scatter_nd_update,
           (X23, i32([1, 2], [0, 0]), f32(2)),
           lambda t, i, u: np_scatter(t, i, u, None), order=2),
    OpCase("tensor_scatter_add", tf.tensor_scatter_nd_add, (X23, i32([1], [1]), f32(2, 3)),
           lambda t, i, u: np_scatter(t, i, u, np.add), order=2),
    OpCase("tensor_scatter_sub", tf.tensor_scatter_nd_sub, (X23, i32([0, 1]), f32(1)),
           lambda t, i, u: np_scatter(t, i, u, np.subtract)),
    OpCase("tensor_scatter_max", tf.tensor_scatter_nd_max,
           (X23, i32([0, 1], [1, 2]), np.array([5.0, -5.0], np.float32)),
           lambda t, i, u: np_scatter(t, i, u, np.maximum), order=2),
    OpCase("tensor_scatter_min", tf.tensor_scatter_nd_min,
           (X23, i32([0, 1], [1, 2]), np.array([5.0, -5.0], np.float32)),
           lambda t, i, u: np_scatter(t, i, u, np.minimum)),
    OpCase("where_broadcast", lambda x, y: tf.where(tf.constant([[True], [False]]), x, y),
           (X23, f32(3)), lambda x, y: np.where([[True], [False]], x, y), order=2),
    OpCase("where_scalar_branch", lambda x: tf.where(x > 0, x, 0.0), (X23,),
           lambda x: np.where(x > 0, x, np.float32(0))),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


# Ops whose output shape depends on values (see array_helpers.check_dynamic_case).
DYNAMIC_CASES = [
    OpCase("boolean_mask", lambda x: tf.boolean_mask(x, tf.constant([[True, False, True],
                                                                      [False, False, True]])),
           (X234,), lambda x: x[np.array([[True, False, True], [False, False, True]])]),
    OpCase("boolean_mask_axis", lambda x: tf.boolean_mask(x, [True, False, False, True],
                                                          axis=2),
           (X234,), lambda x: x[:, :, [0, 3]]),
    OpCase("where_coordinates", lambda c: tf.where(c), (np.array([[0, 2], [3, 0]], np.int32),),
           lambda c: np.argwhere(c).astype(np.int64)),
    OpCase("getitem_bool_mask", lambda x: x[tf.constant([True, False])], (X234,),
           lambda x: x[np.array([True, False])]),
    OpCase("getitem_bool_tensor_mask", lambda x: x[x > 0], (X23,), lambda x: x[x > 0]),
]


@pytest.mark.parametrize("case", DYNAMIC_CASES, ids=str)
def test_dynamic_shape_op(case):
    check_dynamic_case(case)


def test_variable_slice_assign():
    v = tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4))
    result = v[1:3].assign(np.ones((2, 4), np.float32))
    assert result is v
    v[0, 1].assign(-5.0)
    v[:, ::-2].assign([[10, 20], [30, 40], [50, 60]])  # ints convert to the variable's dtype
    expected = np.arange(12, dtype=np.float32).reshape(3, 4)
    expected[1:3] = 1.0
    expected[0, 1] = -5.0
    expected[:, ::-2] = [[10, 20], [30, 40], [50, 60]]
    np.testing.assert_array_equal(v.numpy(), expected)
    sliced = v[0]
    np.testing.assert_array_equal((sliced * 2).numpy(), expected[0] * 2)  # an ordinary tensor
    before = v.numpy()
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not match r-value shape"):
        v[0:2].assign([1.0, 2.0, 3.0, 4.0])
    with pytest.raises((TypeError, ValueError)):
        v[0].assign(tf.constant([1, 2, 3, 4], tf.int32))
    np.testing.assert_array_equal(v.numpy(), before)


def test_variable_scatter_nd():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert v.scatter_nd_update([[0, 1], [2, 0]], [-1.0, -2.0]) is v
    v.scatter_nd_add([[1], [1]], [[1.0, 1.0], [2.0, 2.0]])  # duplicates accumulate
    v.scatter_nd_sub([[0, 0]], [10.0])
    np.testing.assert_array_equal(v.numpy(), [[-9, -1], [6, 7], [-2, 6]])
    before = v.numpy()
    with pytest.raises(tf.errors.InvalidArgumentError, match="must match"):
        v.scatter_nd_update([[0], [1]], [1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index into"):
        v.scatter_nd_update([[7, 0]], [1.0])
    np.testing.assert_array_equal(v.numpy(), before)


def test_variable_scatter_update_indexed_slices():
    class Slices:  # duck-typed tf.IndexedSlices
        def __init__(self, values, indices):
            self.values, self.indices = values, indices

    v = tf.Variable(np.zeros((3, 2), np.float32))
    v.scatter_update(Slices(tf.constant([[1.0, 2.0]]), tf.constant([2])))
    v.scatter_add(Slices(tf.constant([[1.0, 1.0], [1.0, 1.0]]), tf.constant([0, 0])))
    np.testing.assert_array_equal(v.numpy(), [[2, 2], [0, 0], [1, 2]])
    with pytest.raises(TypeError, match="not IndexedSlices"):
        v.scatter_update([1.0, 2.0])


def test_variable_slice_under_tape_and_shape_checks():
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v[::2] * v[1])
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, 4.0, 2.0])
    out = run_with_shape_checks(lambda: v[1:])
    np.testing.assert_array_equal(out.numpy(), [2.0, 3.0])


def test_variable_scatter_inside_tf_function():
    v = tf.Variable(np.zeros((3, 2), np.float32))

    @tf.function(autograph=False)
    def step(u):
        v.scatter_nd_add([[1], [1]], [u, u])
        v.scatter_nd_update([[0, 0]], [7.0])
        return v.read_value()

    step(tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(step(tf.constant([1.0, 2.0])).numpy(),
                                  [[7, 0], [4, 8], [0, 0]])


def test_slice_errors():
    x = tf.zeros([2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Expected size\[1\] in \[0, 2\]"):
        tf.slice(x, [0, 1], [1, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected begin"):
        tf.slice(x, [-1, 0], [1, 1])
