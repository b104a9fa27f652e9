"""Array basics (eagerflow/ops/array/basics.py): harness cases for reshape, identity_n,
clip_by_value and shape_n/rank/size; dtype rules, gradients, edge cases and shapes known
only at run time inside tf.function."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.primitive import Spec
from eagerflow.ops import indexing as indexing_ops
from eagerflow.ops import namespace
from eagerflow.ops.array import joining, layout
from tests.harness import OpCase, check_case
from tests.ops.array_helpers import X23, X234, f32

CASES = [
    OpCase("reshape", lambda x: tf.reshape(x, [4, -1]), (X234,), lambda x: x.reshape(4, -1)),
    OpCase("identity_n", lambda a, b: tf.identity_n([a, b]), (X23, f32(3)),
           lambda a, b: [a, b]),
    OpCase("clip_by_value", lambda x: tf.clip_by_value(x, -0.55, 0.65), (X234,),
           lambda x: np.clip(x, np.float32(-0.55), np.float32(0.65))),
    OpCase("clip_by_value_tensors", tf.clip_by_value,
           (X23, np.array([-1.5, 0.1, -0.2], np.float32), np.float32(0.9)),
           lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), order=2),
    OpCase("shape_n_rank_size", lambda x: [*tf.shape_n([x, x[0]]), tf.rank(x), tf.size(x)],
           (X234,), lambda x: [np.array([2, 3, 4], np.int32), np.array([3, 4], np.int32),
                               np.int32(3), np.int32(24)], grad=()),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


def test_no_implicit_promotion():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.stack([tf.constant([1.0]), tf.constant([1], tf.int32)])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.tensor_scatter_nd_update(tf.zeros([3]), [[0]], tf.constant([1.0], tf.float64))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.clip_by_value(tf.constant([1.0]), tf.constant(0.0, tf.float64), 1.0)
    # Python scalars take the tensor's dtype
    assert tf.clip_by_value(tf.constant([5], tf.int64), 0, 3).dtype == tf.int64
    assert tf.where(tf.constant([True]), tf.constant([1.0], tf.float64), 0).dtype == tf.float64
    assert tf.pad(tf.constant([1], tf.int8), [[1, 0]], constant_values=7).numpy().tolist() == [7, 1]


def test_gradients_none_and_masked():
    x = tf.constant([1.0, -2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        stopped = tf.reduce_sum(tf.stop_gradient(x) * 2.0)
        clipped = tf.reduce_sum(tf.clip_by_value(x, -1.0, 1.0))  # 1.0 sits on the bound
        chosen = tf.reduce_sum(tf.where(x > 0, x * 3.0, x * 5.0))
    assert tape.gradient(stopped, x) is None
    np.testing.assert_array_equal(tape.gradient(clipped, x).numpy(), [1, 0, 0])
    np.testing.assert_array_equal(tape.gradient(chosen, x).numpy(), [3, 5, 3])


def test_empty_and_scalar_edges():
    assert tf.concat([tf.zeros([0, 2]), tf.ones([1, 2])], 0).shape == [1, 2]
    assert tf.gather(tf.ones([3]), tf.zeros([0], tf.int32)).shape == [0]
    assert tf.where(tf.zeros([2, 2], tf.bool)).shape == [0, 2]
    assert tf.unique(tf.zeros([0], tf.int32)).y.shape == [0]
    assert tf.reshape(tf.constant(5.0), [1, 1]).shape == [1, 1]
    assert tf.tile(tf.constant(2.0), []).numpy() == 2.0
    assert tf.identity_n([]) == []
    assert tf.split(tf.zeros([4]), [4, 0])[1].shape == [0]


def test_namespaces():
    linalg = namespace("linalg")
    assert linalg["eye"] is tf.eye and "matrix_transpose" in linalg
    for name in ["reshape", "transpose", "concat", "gather", "where", "boolean_mask", "one_hot",
                 "range", "clip_by_value", "meshgrid", "unique", "sequence_mask", "eye", "rank",
                 "size", "stop_gradient", "identity_n", "tensor_scatter_nd_max", "searchsorted",
                 "strided_slice", "unstack", "shape_n", "ensure_shape", "repeat", "roll"]:
        assert callable(getattr(tf, name)), name


def test_rules_with_unknown_dims():
    f32_ = tf.float32
    assert indexing_ops._strided_slice_rule(
        Spec((None, 5), f32_), spec=(("slice", 1, None, 2), ("int", -1))).shape == (None,)
    assert indexing_ops._strided_slice_rule(
        Spec((4, 5), f32_), spec=(("slice", 1, None, 2), ("new",))).shape == (2, 1, 5)
    assert indexing_ops._strided_slice_rule(Spec(None, f32_), spec=(("int", 0),)).shape is None
    assert joining._concat_shape([(None, 3), (2, None)], 0) == (None, 3)
    assert joining._concat_shape([(1, 3), (2, None)], 0) == (3, 3)
    assert joining._tile_rule(Spec((None, 2), f32_), multiples=(2, 3)).shape == (None, 6)
    specs = joining._split_rule(Spec((None, 6), f32_), sizes=(1, -1), num=None, axis=1)
    assert [s.shape for s in specs] == [(None, 1), (None, 5)]
    assert indexing_ops._gather_rule(Spec((None, 4), f32_), Spec((2, None), tf.int32), axis=1,
                                  batch_dims=0).shape == (None, 2, None)
    assert layout._ensure_shape_rule(Spec((None, None), f32_), shape=(2, None)).shape == \
        (2, None)
    with pytest.raises(tf.errors.InvalidArgumentError):
        indexing_ops._strided_slice_rule(Spec((3,), f32_), spec=(("int", 3),))


def test_traced_dynamic_shapes_and_indices():
    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32),
                                  tf.TensorSpec([], tf.int32)], autograph=False)
    def f(x, i):
        n = tf.shape(x)[0]
        parts = [x[i], x[i:i + 2, ::-1], tf.reshape(x, [n, 2, -1]), tf.zeros([n, 3]),
                 tf.ones(tf.shape(x), tf.int32), tf.fill([n], 2.5),
                 tf.broadcast_to(x[:1], tf.shape(x)), tf.tile(x, [n, 1]), tf.range(n),
                 tf.sequence_mask([1, 2], n), tf.where(x > 4.0), tf.boolean_mask(x, x > 4.0)]
        return parts

    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    got = [t.numpy() for t in f(tf.constant(x), tf.constant(1))]
    expected = [x[1], x[1:3, ::-1], x.reshape(3, 2, 2), np.zeros((3, 3), np.float32),
                np.ones((3, 4), np.int32), np.full(3, 2.5, np.float32),
                np.broadcast_to(x[:1], (3, 4)), np.tile(x, [3, 1]), np.arange(3, dtype=np.int32),
                np.arange(3) < np.array([[1], [2]]), np.argwhere(x > 4.0), x[x > 4.0]]
    for g, e in zip(got, expected):
        assert g.dtype == np.asarray(e).dtype
        np.testing.assert_array_equal(g, e)


def test_traced_dynamic_gradients():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)], autograph=False)
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            n = tf.shape(x)[0]
            tiled = tf.tile(tf.reshape(x, [n, -1]), [n, 1]) * tf.fill([n * n, 2], 2.0)
            y = tf.reduce_sum(tiled) + tf.reduce_sum(tf.broadcast_to(x[:1], tf.shape(x)))
            y += tf.reduce_sum(x[n - 1] * 10.0)
        return tape.gradient(y, x)

    got = grad(tf.constant(np.ones((3, 2), np.float32))).numpy()
    np.testing.assert_array_equal(got, [[9, 9], [6, 6], [16, 16]])


def test_fill_gradient_and_variable_slice_is_tensor():
    value = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(value)
        y = tf.reduce_sum(tf.fill([2, 3], value))
    assert float(tape.gradient(y, value)) == 6.0
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    s = v[1]
    assert isinstance(s, tf.Tensor) and s.dtype == tf.float32
    np.testing.assert_array_equal(tf.concat([s, v[0]], 0).numpy(), [3, 4, 1, 2])
    assert float(tf.reduce_sum(s)) == 7.0


def test_shapes_from_shape_tensors_keep_static_dims_when_traced():
    @tf.function
    def build(x):
        s = tf.shape(x)
        return (tf.zeros(tf.stack([s[0], 3])), tf.ones(s), tf.fill(tf.concat([s[:1], [4]], 0), 1.0),
                tf.zeros([s[0], 5]), tf.reshape(x, tf.shape(x)[::-1]), tf.random.uniform(s),
                tf.broadcast_to(tf.constant(1.0), tf.shape(x)))

    concrete = build.get_concrete_function(tf.TensorSpec([None, 8, 1]))
    assert [o.shape.as_list() for o in concrete.structured_outputs] == [
        [None, 3], [None, 8, 1], [None, 4], [None, 5], [1, 8, None], [None, 8, 1],
        [None, 8, 1]]
    values = build(np.ones((8, 8, 1), np.float32))
    assert [tuple(v.shape) for v in values] == [(8, 3), (8, 8, 1), (8, 4), (8, 5), (1, 8, 8),
                                                (8, 8, 1), (8, 8, 1)]
