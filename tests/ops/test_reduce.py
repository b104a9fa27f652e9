"""Reductions, scans, sorting and segment ops: values vs NumPy, shape rules, gradients,
TF's dtype rules and errors."""

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case

rng = np.random.RandomState(0)


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def distinct(*shape):
    """Values far apart (no ties), so that max/min/sort are differentiable."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.37 - 1).astype(np.float32)


def _scan_ref(function, identity):
    def ref(x, axis=0, exclusive=False, reverse=False):
        if reverse:
            x = np.flip(x, axis)
        out = function(x, axis=axis)
        if exclusive:
            out = np.concatenate([np.full_like(np.take(out, [0], axis), identity),
                                  np.delete(out, -1, axis)], axis)
        return (np.flip(out, axis) if reverse else out).astype(x.dtype)
    return ref


def _segment_ref(function, data, ids, n, empty):
    out = np.full((n,) + data.shape[ids.ndim:], empty, data.dtype)
    flat_ids = ids.reshape(-1)
    flat = data.reshape((flat_ids.size,) + data.shape[ids.ndim:])
    for s in range(n):
        rows = flat[flat_ids == s]
        if len(rows):
            out[s] = function(rows, axis=0)
    return out


X34 = f32(3, 4)
D234 = distinct(2, 3, 4)
IDS = np.array([0, 0, 1, 3, 3], np.int32)
UIDS = np.array([2, 0, -1, 2, 0], np.int32)
UIDS_FULL = np.array([2, 0, -1, 2, 1], np.int32)  # no empty segment among 3
SEG = f32(5, 2)

CASES = [
    # reduce_sum / mean
    OpCase("sum_all", tf.reduce_sum, (X34,), np.sum, order=2),
    OpCase("sum_axis1", tf.reduce_sum, (X34,), lambda x, axis: np.sum(x, axis),
           kwargs={"axis": 1}),
    OpCase("sum_neg_keepdims", tf.reduce_sum, (D234,),
           lambda x, axis, keepdims: np.sum(x, tuple(axis), keepdims=True),
           kwargs={"axis": [0, -1], "keepdims": True}),
    OpCase("sum_int", tf.reduce_sum, (np.arange(12, dtype=np.int32).reshape(3, 4),),
           lambda x: np.sum(x, dtype=np.int32)),
    OpCase("mean", tf.reduce_mean, (D234,), lambda x, axis: np.mean(x, axis), kwargs={"axis": 1},
           order=2),
    OpCase("mean_all_keepdims", tf.reduce_mean, (X34,),
           lambda x, keepdims: np.mean(x, keepdims=True), kwargs={"keepdims": True}),
    OpCase("mean_int_truncates", tf.reduce_mean, (np.array([[1, 2], [-3, -4], [5, 7]], np.int32),),
           lambda x, axis: np.array([1, -3, 6], np.int32), kwargs={"axis": 1}),
    # max / min / prod
    OpCase("max_axis", tf.reduce_max, (D234,), lambda x, axis: np.max(x, axis), kwargs={"axis": 2}),
    OpCase("max_all", tf.reduce_max, (D234,), np.max),
    OpCase("min_axes", tf.reduce_min, (D234,), lambda x, axis, keepdims: np.min(
        x, tuple(axis), keepdims=keepdims), kwargs={"axis": [0, 2], "keepdims": True}),
    OpCase("prod", tf.reduce_prod, (f32(3, 4, low=0.5, high=1.5),),
           lambda x, axis: np.prod(x, axis), kwargs={"axis": 0}, order=2),
    OpCase("prod_all", tf.reduce_prod, (f32(2, 3, low=-1.5, high=1.5),), np.prod, order=2),
    # logsumexp, std, variance, euclidean norm
    OpCase("logsumexp", tf.reduce_logsumexp, (X34,),
           lambda x, axis: np.log(np.sum(np.exp(x), axis)), kwargs={"axis": -1}, order=2),
    OpCase("logsumexp_all", tf.reduce_logsumexp, (X34,), lambda x: np.log(np.sum(np.exp(x)))),
    OpCase("std", tf.math.reduce_std, (X34,), lambda x, axis: np.std(x, axis),
           kwargs={"axis": 0}, order=2),
    OpCase("variance", tf.math.reduce_variance, (D234,),
           lambda x, axis, keepdims: np.var(x, tuple(axis), keepdims=True),
           kwargs={"axis": [1, 2], "keepdims": True}, order=2),
    OpCase("euclidean_norm", tf.math.reduce_euclidean_norm, (X34,),
           lambda x, axis: np.sqrt(np.sum(x * x, axis)), kwargs={"axis": 1}, order=2),
    # any / all / count_nonzero
    OpCase("any", tf.reduce_any, (np.array([[True, False], [False, False]]),),
           lambda x, axis: np.any(x, axis), kwargs={"axis": 1}),
    OpCase("all", tf.reduce_all, (np.array([[True, False], [True, True]]),),
           lambda x, axis: np.all(x, axis), kwargs={"axis": 0}),
    OpCase("count_nonzero", tf.math.count_nonzero,
           (np.array([[0, 1.5, 0], [2.0, 3.0, 0]], np.float32),),
           lambda x, axis: np.count_nonzero(x, axis).astype(np.int64), kwargs={"axis": 1},
           grad=()),
    # argmax / argmin
    OpCase("argmax_default_axis0", tf.argmax, (X34,), lambda x: np.argmax(x, 0).astype(np.int64),
           grad=()),
    OpCase("argmin_int32", tf.argmin, (X34,),
           lambda x, axis, output_type: np.argmin(x, 1).astype(np.int32),
           kwargs={"axis": -1, "output_type": tf.int32}, grad=()),
    # scans
    OpCase("cumsum", tf.cumsum, (X34,), _scan_ref(np.cumsum, 0), kwargs={"axis": 1}, order=2),
    OpCase("cumsum_exclusive_reverse", tf.cumsum, (X34,), _scan_ref(np.cumsum, 0),
           kwargs={"axis": 0, "exclusive": True, "reverse": True}),
    OpCase("cumsum_int", tf.cumsum, (np.array([1, 2, 3], np.int32),), _scan_ref(np.cumsum, 0)),
    OpCase("cumprod", tf.math.cumprod, (f32(3, 4, low=0.5, high=2),), _scan_ref(np.cumprod, 1),
           kwargs={"axis": 1}, order=2),
    OpCase("cumprod_exclusive_reverse", tf.math.cumprod, (f32(4, 3, low=0.5, high=2),),
           _scan_ref(np.cumprod, 1), kwargs={"axis": 0, "exclusive": True, "reverse": True}),
    # sort / argsort / top_k
    OpCase("sort", tf.sort, (distinct(3, 5),), lambda x: np.sort(x, -1)),
    OpCase("sort_desc_axis0", tf.sort, (distinct(4, 3),),
           lambda x, axis, direction: -np.sort(-x, 0),
           kwargs={"axis": 0, "direction": "DESCENDING"}),
    OpCase("argsort", tf.argsort, (np.array([3, 1, 2, 1, 5], np.int32),),
           lambda x: np.argsort(x, kind="stable").astype(np.int32)),
    OpCase("argsort_desc_stable", tf.argsort, (np.array([[1, 2, 2, 0]], np.float32),),
           lambda x, direction: np.array([[1, 2, 0, 3]], np.int32),
           kwargs={"direction": "DESCENDING"}, grad=()),
    OpCase("top_k", lambda x, k: tuple(tf.math.top_k(x, k)), (distinct(3, 6),),
           lambda x, k: [-np.sort(-x, -1)[:, :k], np.argsort(-x, -1)[:, :k].astype(np.int32)],
           kwargs={"k": 2}),
    OpCase("top_k_ties", lambda x: tuple(tf.nn.top_k(x, 3)),
           (np.array([1, 3, 3, 2, 3], np.float32),),
           lambda x: [np.array([3, 3, 3], np.float32), np.array([1, 2, 4], np.int32)], grad=()),
    # add_n
    OpCase("add_n_scalars", lambda a, b, c: tf.add_n([a, b, c]),
           (np.array(1.5, np.float32), np.array(2.0, np.float32), np.array(-0.5, np.float32)),
           lambda a, b, c: a + b + c),
    OpCase("add_n", lambda a, b, c: tf.add_n([a, b, c]), (X34, f32(3, 4), f32(3, 4)),
           lambda a, b, c: a + b + c, order=2),
    # segments
    OpCase("segment_sum", tf.math.segment_sum, (SEG, IDS),
           lambda d, i: _segment_ref(np.sum, d, i, 4, 0), order=2),
    OpCase("segment_mean", tf.math.segment_mean, (SEG, IDS),
           lambda d, i: _segment_ref(np.mean, d, i, 4, 0)),
    OpCase("segment_max", tf.math.segment_max, (distinct(5, 2), IDS),
           lambda d, i: _segment_ref(np.max, d, i, 4, 0)),
    OpCase("segment_min", tf.math.segment_min, (distinct(5, 2), IDS),
           lambda d, i: _segment_ref(np.min, d, i, 4, 0)),
    OpCase("segment_prod", tf.math.segment_prod, (f32(5, 2, low=0.5, high=2), IDS),
           lambda d, i: _segment_ref(np.prod, d, i, 4, 1), order=2),
    OpCase("unsorted_segment_sum", tf.math.unsorted_segment_sum, (SEG, UIDS, 3),
           lambda d, i, n: _segment_ref(np.sum, d, i, n, 0)),
    OpCase("unsorted_segment_sum_2d_ids", tf.math.unsorted_segment_sum,
           (f32(2, 3, 2), np.array([[0, 1, 0], [3, 1, -1]], np.int32), 4),
           lambda d, i, n: _segment_ref(np.sum, d, i, n, 0)),
    OpCase("unsorted_segment_mean", tf.math.unsorted_segment_mean, (SEG, UIDS, 4),
           lambda d, i, n: _segment_ref(np.mean, d, i, n, 0)),
    OpCase("unsorted_segment_max", tf.math.unsorted_segment_max, (distinct(5, 2), UIDS_FULL, 3),
           lambda d, i, n: _segment_ref(np.max, d, i, n, np.finfo(np.float32).min)),
    OpCase("unsorted_segment_min", tf.math.unsorted_segment_min, (distinct(5, 2), UIDS_FULL, 3),
           lambda d, i, n: _segment_ref(np.min, d, i, n, np.finfo(np.float32).max)),
    OpCase("unsorted_segment_sqrt_n", tf.math.unsorted_segment_sqrt_n, (SEG, UIDS, 4),
           lambda d, i, n: _segment_ref(np.sum, d, i, n, 0) / np.sqrt(
               np.maximum(np.bincount(i[i >= 0], minlength=n), 1))[:, None].astype(np.float32)),
    OpCase("unsorted_segment_prod", tf.math.unsorted_segment_prod,
           (f32(5, 2, low=0.5, high=2), UIDS, 4),
           lambda d, i, n: _segment_ref(np.prod, d, i, n, 1)),
    # counting
    OpCase("bincount", tf.math.bincount, (np.array([1, 1, 4, 2, 1], np.int32),),
           lambda x: np.bincount(x).astype(np.int32)),
    OpCase("bincount_weights_minlength", tf.math.bincount,
           (np.array([1, 1, 2], np.int32), np.array([0.5, 1.0, 2.0], np.float32)),
           lambda x, w, minlength: np.bincount(x, w, 5).astype(np.float32),
           kwargs={"minlength": 5}, grad=()),
    OpCase("bincount_maxlength", tf.math.bincount, (np.array([1, 1, 4, 2], np.int32),),
           lambda x, maxlength, dtype: np.array([0, 2, 1], np.int64),
           kwargs={"maxlength": 3, "dtype": tf.int64}),
    OpCase("bincount_axis_binary", tf.math.bincount, (np.array([[1, 1, 3], [0, 2, 2]], np.int32),),
           lambda x, axis, binary_output: np.array([[0, 1, 0, 1], [1, 0, 1, 0]], np.int32),
           kwargs={"axis": -1, "binary_output": True}),
    OpCase("confusion_matrix", tf.math.confusion_matrix,
           (np.array([0, 1, 2, 2], np.int32), np.array([0, 2, 2, 1], np.int32)),
           lambda labels, predictions: np.array([[1, 0, 0], [0, 0, 1], [0, 1, 1]], np.int32)),
    OpCase("confusion_matrix_weights", tf.math.confusion_matrix,
           (np.array([0, 1, 1], np.int64), np.array([0, 1, 0], np.int64)),
           lambda labels, predictions, num_classes, weights, dtype: np.array(
               [[1.0, 0, 0, 0], [0.5, 2.0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], np.float32),
           kwargs={"num_classes": 4, "weights": np.array([1.0, 2.0, 0.5], np.float32),
                   "dtype": tf.float32}, grad=()),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


def _grad(fn, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x).numpy()


# --- gradients at ties and zeros (TF's rules, not finite differences) ---------------------------
def test_reduce_max_gradient_split_among_ties():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], np.float32)
    np.testing.assert_allclose(_grad(lambda t: tf.reduce_max(t, axis=1), x),
                               [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    np.testing.assert_allclose(_grad(tf.reduce_min, x), [[1, 0, 0], [0, 0, 0]])


def test_reduce_prod_gradient_with_zeros():
    one_zero = np.array([2.0, 0.0, 3.0], np.float32)
    np.testing.assert_allclose(_grad(tf.reduce_prod, one_zero), [0.0, 6.0, 0.0])
    two_zeros = np.array([[0.0, 0.0, 3.0], [1.0, 2.0, 4.0]], np.float32)
    np.testing.assert_allclose(_grad(lambda t: tf.reduce_prod(t, axis=1), two_zeros),
                               [[0, 0, 0], [8, 4, 2]])


def test_segment_prod_gradient_with_zero():
    data = np.array([2.0, 0.0, 5.0, 4.0], np.float32)
    got = _grad(lambda t: tf.math.segment_prod(t, [0, 0, 1, 1]), data)
    np.testing.assert_allclose(got, [0.0, 2.0, 4.0, 5.0])


def test_segment_max_gradient_split_among_ties():
    data = np.array([1.0, 4.0, 4.0, 2.0], np.float32)
    got = _grad(lambda t: tf.math.unsorted_segment_max(t, [0, 0, 0, 1], 2), data)
    np.testing.assert_allclose(got, [0.0, 0.5, 0.5, 1.0])


def test_top_k_gradient_scatters_to_indices():
    x = np.array([[1.0, 5.0, 3.0, 4.0]], np.float32)
    got = _grad(lambda t: tf.math.top_k(t, 2).values * tf.constant([[10.0, 1.0]]), x)
    np.testing.assert_allclose(got, [[0, 10, 0, 1]])


def test_sort_gradient_follows_permutation():
    x = np.array([3.0, 1.0, 2.0], np.float32)
    got = _grad(lambda t: tf.sort(t) * tf.constant([1.0, 10.0, 100.0]), x)
    np.testing.assert_allclose(got, [100, 1, 10])


def test_logsumexp_is_stable():
    x = tf.constant([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(tf.reduce_logsumexp(x).numpy(), 1000 + np.log(2), rtol=1e-6)
    inf = tf.reduce_logsumexp(tf.constant([-np.inf, -np.inf]))
    assert inf.numpy() == -np.inf


# --- dtypes, edge cases, names ------------------------------------------------------------------
def test_dtypes_follow_tf():
    ints = tf.constant([[1, 2], [3, 4]])
    assert tf.reduce_mean(ints).dtype == tf.int32 and int(tf.reduce_mean(ints)) == 2
    assert tf.reduce_sum(tf.constant([1, 2], tf.int8)).dtype == tf.int8
    assert tf.argmax(ints).dtype == tf.int64
    assert tf.math.count_nonzero(ints).dtype == tf.int64
    assert tf.argsort(tf.constant([2.0, 1.0])).dtype == tf.int32
    assert tf.math.top_k(tf.constant([2.0, 1.0])).indices.dtype == tf.int32
    assert tf.reduce_sum(tf.constant([1.0, 2.0], tf.float16)).dtype == tf.float16
    assert int(tf.math.count_nonzero(tf.constant(["a", "", "b"]))) == 2
    assert int(tf.math.count_nonzero(tf.constant([True, False, True]))) == 2


def test_empty_and_scalar_reductions():
    empty = tf.zeros([0, 3])
    np.testing.assert_array_equal(tf.reduce_sum(empty, 0).numpy(), [0, 0, 0])
    assert tf.reduce_max(empty).numpy() == -np.inf
    assert tf.reduce_min(tf.zeros([0], tf.int32)).numpy() == np.iinfo(np.int32).max
    assert float(tf.reduce_sum(tf.constant(3.0))) == 3.0
    np.testing.assert_array_equal(tf.reduce_sum(tf.ones([2, 3]), axis=[]).numpy(), np.ones([2, 3]))


def test_axis_given_as_tensor():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(tf.reduce_sum(x, tf.constant(1)).numpy(), [3, 7])
    np.testing.assert_allclose(tf.reduce_sum(x, tf.constant([0, 1])).numpy(), 10)
    assert tf.math.top_k(x, k=tf.constant(1)).values.shape == (2, 1)


def test_segment_empty_fill_values():
    np.testing.assert_array_equal(
        tf.math.segment_max(tf.constant([1.0, 2.0]), [0, 2]).numpy(), [1, 0, 2])
    np.testing.assert_array_equal(
        tf.math.segment_prod(tf.constant([3, 2]), [0, 2]).numpy(), [3, 1, 2])
    low = tf.math.unsorted_segment_max(tf.constant([1, 2]), [0, 0], 2).numpy()
    np.testing.assert_array_equal(low, [2, np.iinfo(np.int32).min])


def test_namespaces():
    assert tf.math.reduce_sum is tf.reduce_sum and tf.math.argmax is tf.argmax
    assert tf.math.top_k is tf.nn.top_k
    assert tf.math.cumsum is tf.cumsum and tf.math.add_n is tf.add_n
    for name in ("reduce_std", "reduce_variance", "reduce_euclidean_norm", "bincount",
                 "segment_sum", "unsorted_segment_prod", "confusion_matrix", "cumprod"):
        assert callable(getattr(tf.math, name)), name
    assert not hasattr(tf, "reduce_std")
    result = tf.math.top_k([1.0, 2.0])
    values, indices = result
    assert values is result.values and indices is result.indices
    assert result._fields == ("values", "indices")


# --- errors -----------------------------------------------------------------------------------
def test_axis_out_of_range():
    x = tf.ones([2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid reduction dimension 2"):
        tf.reduce_sum(x, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="-3"):
        tf.reduce_mean(x, axis=-3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="duplicate"):
        tf.reduce_max(x, axis=[1, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
        tf.argmax(x, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
        tf.cumsum(x, axis=-3)


def test_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least k columns"):
        tf.math.top_k(tf.ones([2, 3]), k=4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="sorted"):
        tf.math.segment_sum(tf.ones([3]), [1, 0, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        tf.math.unsorted_segment_sum(tf.ones([3]), [0, 5, 1], 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not start with"):
        tf.math.unsorted_segment_sum(tf.ones([3, 2]), [0, 1], 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="same shape"):
        tf.add_n([tf.ones([2]), tf.ones([3])])
    with pytest.raises(tf.errors.InvalidArgumentError, match="float32"):
        tf.add_n([tf.ones([2]), tf.ones([2], tf.int32)])
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        tf.math.bincount([1, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="not in the list of allowed"):
        tf.reduce_any(tf.constant([1, 0]))
    with pytest.raises(TypeError, match="real or complex"):
        tf.math.reduce_std(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="direction"):
        tf.sort(tf.constant([1.0]), direction="UP")
    with pytest.raises(tf.errors.InvalidArgumentError, match="less than num_classes"):
        tf.math.confusion_matrix([0, 3], [0, 1], num_classes=2)


def test_gradient_rules_satisfy_shape_rules():
    """The primitives emitted by gradient rules pass their shape rules too."""
    from tests.harness import EXERCISED, run_with_shape_checks

    x = np.array([[1.0, 5.0, 3.0], [4.0, 0.0, 2.0]], np.float32)
    cases = [
        lambda t: tf.reduce_max(t, axis=1), lambda t: tf.reduce_prod(t, axis=0),
        lambda t: tf.reduce_mean(t), lambda t: tf.math.top_k(t, 2).values,
        lambda t: tf.math.segment_max(t, [0, 0]),
        lambda t: tf.math.unsorted_segment_prod(t, [1, -1], 2), tf.math.reduce_std,
        lambda t: tf.sort(t, axis=0), lambda t: tf.math.cumprod(t, 1, reverse=True),
    ]
    for fn in cases:
        eager = _grad(fn, x)
        checked = run_with_shape_checks(_grad, fn, x)
        np.testing.assert_allclose(checked, eager)
    assert {"gather_segments", "scatter_along_axis", "segment_prod"} <= EXERCISED


@pytest.mark.parametrize("name", ["sum", "mean", "max", "prod", "std", "logsumexp", "norm",
                                  "cumprod", "top_k", "sort", "segment", "segment_max"])
def test_gradients_traced_with_unknown_dims(name):
    """Gradient rules also work inside tf.function when dims are unknown (None)."""
    fn = {
        "sum": lambda t: tf.reduce_sum(t, 1), "mean": lambda t: tf.reduce_mean(t, [0, 1]),
        "max": lambda t: tf.reduce_max(t, 0), "prod": lambda t: tf.reduce_prod(t, -1),
        "std": lambda t: tf.math.reduce_std(t, 0), "norm": tf.math.reduce_euclidean_norm,
        "logsumexp": lambda t: tf.reduce_logsumexp(t, 1, keepdims=True),
        "cumprod": lambda t: tf.math.cumprod(t, 0, exclusive=True),
        "top_k": lambda t: tf.math.top_k(t, 2).values, "sort": lambda t: tf.sort(t, 0),
        "segment": lambda t: tf.math.unsorted_segment_mean(t, [1, 0, 1, 1], 2),
        "segment_max": lambda t: tf.math.segment_max(t, [0, 0, 1, 1]),
    }[name]

    def gradient(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
            y = tf.reduce_sum(y * y)  # a non-uniform output gradient
        return tape.gradient(y, t)

    x = tf.constant(distinct(4, 3) + 2.0)
    traced = tf.function(gradient, input_signature=[tf.TensorSpec([None, None], tf.float32)])
    np.testing.assert_allclose(traced(x).numpy(), gradient(x).numpy(), rtol=1e-5, atol=1e-6)


def test_complex_variance_is_real():
    z = np.array([1 + 2j, 3 - 1j, 0.5j], np.complex64)
    var = tf.math.reduce_variance(z)
    assert var.dtype == tf.float32
    np.testing.assert_allclose(var.numpy(), np.var(z), rtol=1e-6)
    np.testing.assert_allclose(tf.math.reduce_std(z).numpy(), np.std(z), rtol=1e-6)


def test_reductions_of_variables_are_watched():
    v = tf.Variable([[1.0, 4.0], [3.0, 2.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.reduce_max(v, axis=1)) + tf.reduce_mean(v)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [[0.25, 1.25], [1.25, 0.25]])


def test_top_k_partition_path_keeps_tf_tie_order():
    x = rng.rand(30, 50).astype(np.float32)
    x[:, 7] = x[:, 30] = 2.0  # a tie inside the top 3
    x[3, :] = 0.5  # a tie at the boundary: needs the full stable sort
    for k in (1, 3, 10):
        result = tf.math.top_k(x, k)
        expected = np.argsort(-x, -1, kind="stable")[:, :k]
        np.testing.assert_array_equal(result.indices.numpy(), expected)
        np.testing.assert_array_equal(result.values.numpy(), np.take_along_axis(x, expected, -1))


def test_traced_with_unknown_rank():
    """Negative axes stay as given when the rank is unknown; values and gradients agree."""
    def body(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = (tf.reduce_sum(tf.reduce_max(t, -1)) + tf.reduce_mean(t, [0, -1], keepdims=True)
                 + tf.reduce_sum(tf.math.reduce_std(t, -1)) + tf.reduce_logsumexp(t)
                 + tf.reduce_sum(tf.cumsum(t, -1)) + tf.reduce_sum(tf.math.top_k(t, 2).values))
        return y, tape.gradient(y, t)

    x = tf.constant(distinct(3, 4))
    traced = tf.function(body, input_signature=[tf.TensorSpec(None, tf.float32)])
    for got, want in zip(traced(x), body(x)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_reducing_a_list_of_tensors_keeps_gradients():
    a, b = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = tf.reduce_sum([a * a, b])
    np.testing.assert_allclose([g.numpy() for g in tape.gradient(y, [a, b])], [4.0, 1.0])
