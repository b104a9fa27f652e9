"""Indexing ops: `tensor[...]` against NumPy (property-based, eager, traced with unknown dims,
gradients) and the errors of gather and scatter. Their harness cases (values, shape rules,
gradients) are in test_indexing_table.py's tables, which the registry test runs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import eagerflow as tf
from tests.harness import run_with_shape_checks


# --- indexing against NumPy (property-based) -------------------------------------------------
def _index_item(n):
    bound = st.one_of(st.none(), st.integers(-6, 6))
    step = st.one_of(st.none(), st.integers(-3, 3).filter(lambda k: k != 0))
    return st.one_of(st.integers(-n, n - 1), st.builds(slice, bound, bound, step))


@st.composite
def shapes_and_indices(draw):
    """A shape and an index tuple of ints, slices (any steps), at most one `...` and newaxes."""
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=4)))
    rank = len(shape)
    count = draw(st.integers(0, rank))
    ellipsis = draw(st.booleans())
    head = draw(st.integers(0, count)) if ellipsis else count
    dims = list(range(head)) + list(range(rank - (count - head), rank))
    items = [draw(_index_item(shape[d])) for d in dims]
    if ellipsis:
        items.insert(head, Ellipsis)
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    return shape, tuple(items)


@settings(max_examples=150, deadline=None)
@given(shapes_and_indices())
def test_getitem_matches_numpy(shape_index):
    shape, index = shape_index
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    expected = x[index]
    got = tf.constant(x)[index]
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)
    # the shape rule, with known and with unknown dims, agrees with the kernel
    checked = run_with_shape_checks(lambda t: t[index], tf.constant(x))
    np.testing.assert_array_equal(checked.numpy(), expected)


@settings(max_examples=60, deadline=None)
@given(shapes_and_indices())
def test_getitem_traced_with_unknown_dims_matches_numpy(shape_index):
    shape, index = shape_index
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    sliced = tf.function(lambda t: t[index], autograph=False)
    concrete = sliced.get_concrete_function(tf.TensorSpec([None] * len(shape), tf.float32))
    static = concrete.outputs[0].shape
    got = concrete(tf.constant(x))
    np.testing.assert_array_equal(got.numpy(), x[index])
    assert static.rank == x[index].ndim and static.is_compatible_with(x[index].shape)


@settings(max_examples=60, deadline=None)
@given(shapes_and_indices())
def test_getitem_gradient_is_scatter_of_ones(shape_index):
    shape, index = shape_index
    x = tf.constant(np.asarray(np.random.RandomState(0).randn(*shape), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x[index])
    grad = tape.gradient(y, x)
    expected = np.zeros(shape, np.float32)
    expected[index] = 1.0  # basic indexing never repeats a position
    np.testing.assert_array_equal(grad.numpy(), expected)


def test_getitem_second_order_and_variable_gradient():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(v[:, 1:] ** 3)
        g = inner.gradient(y, v)
    h = outer.gradient(g, v)
    np.testing.assert_allclose(g.numpy(), [[0, 12, 27], [0, 75, 108]])
    np.testing.assert_allclose(h.numpy(), [[0, 12, 18], [0, 30, 36]])


def test_getitem_errors():
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(TypeError, match=r"Only integers, slices \(`:`\), ellipsis \(`\.\.\.`\), "
                                        r"tf.newaxis \(`None`\) and scalar tf.int32/tf.int64 "
                                        r"tensors are valid indices"):
        x[[[0, 1]]]
    with pytest.raises(TypeError, match="valid indices"):
        x[1.5]
    with pytest.raises(TypeError, match="valid indices"):
        x[tf.constant([0, 1])]
    with pytest.raises(TypeError, match="valid indices"):
        x[tf.constant(1.0)]
    with pytest.raises(tf.errors.InvalidArgumentError, match="slice index 2 of dimension 0 out of "
                                                            "bounds"):
        x[2]
    with pytest.raises(tf.errors.InvalidArgumentError, match="slice index -4 of dimension 1"):
        x[0, -4]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Index out of range using input dim"):
        x[0, 0, 0]
    with pytest.raises(ValueError, match="Multiple ellipses"):
        x[..., ...]
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be non-zero"):
        x[::0]


def test_getitem_tf_forms():
    x = tf.reshape(tf.range(12), [3, 4])
    # a top-level list is a tuple of indices in TF, and scalar int tensors / numpy ints work
    assert int(x[[1, 2]]) == 6
    assert int(x[tf.constant(2, tf.int64), np.int64(-1)]) == 11
    assert x[tf.newaxis].shape == [1, 3, 4]
    np.testing.assert_array_equal(x[::-2, 3].numpy(), [11, 3])
    np.testing.assert_array_equal(x[np.array([True, False, True])].numpy()[:, 0], [0, 8])
    assert x[5:7].shape == [0, 4]
    assert isinstance(x[0], tf.Tensor)


def test_gather_scatter_errors():
    p = tf.zeros([3, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = 3 is not in \[0, "):
        tf.gather(p, [0, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="is not in"):
        tf.gather(p, [-1])  # TF does not wrap negative indices
    with pytest.raises(TypeError, match="int32, int64"):
        tf.gather(p, [0.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index into param shape"):
        tf.gather_nd(p, [[3, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must match"):
        tf.scatter_nd([[0], [1]], [1.0, 2.0, 3.0], [4])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index into"):
        tf.tensor_scatter_nd_update(p, [[5]], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="both be non-None"):
        tf.where(tf.constant([True]), 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32"):
        tf.where(tf.constant([True]), tf.constant([1.0]), tf.constant([1]))
    with pytest.raises(ValueError, match="incompatible"):
        tf.boolean_mask(p, [True, False])
    with pytest.raises(ValueError, match="mask cannot be scalar"):
        tf.boolean_mask(p, True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="delta != 0"):
        tf.range(0, 5, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="start <= limit"):
        tf.range(5, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="clip bounds"):
        tf.clip_by_value(tf.zeros([2]), tf.zeros([3, 2]), 1.0)


@settings(max_examples=60, deadline=None)
@given(shapes_and_indices())
def test_variable_slice_assign_matches_numpy_eagerly_and_compiled(shape_index):
    shape, index = shape_index
    start = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    target = start.copy()
    selected = target[index]
    update = -np.arange(selected.size, dtype=np.float32).reshape(selected.shape) - 1
    target[index] = update
    v = tf.Variable(start)
    v[index].assign(update)
    np.testing.assert_array_equal(v.numpy(), target)
    w = tf.Variable(start)
    tf.function(lambda u: w[index].assign(u), autograph=False)(tf.constant(update))
    np.testing.assert_array_equal(w.numpy(), target)
