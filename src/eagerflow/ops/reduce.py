"""Reductions, scans, sorting and segment ops: `tf.reduce_*`, `tf.argmax`, `tf.cumsum`,
`tf.sort`, `tf.math.top_k`, `tf.math.segment_*`, `tf.math.bincount`, `tf.add_n`, ...

Axes are static attrs (eager tensors given as axes are read). Gradients follow TF's rules:
ties of max/min share the gradient equally, products stay finite where inputs are zero.
"""

from __future__ import annotations

import collections

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import EagerTensor, Tensor
from eagerflow.ops.array import broadcast_like, cast, ones_like, reshape, reshape_like
from eagerflow.ops.array.layout import broadcast_to_p
from eagerflow.ops.math import add, equal, multiply, not_equal, realdiv, subtract
from eagerflow.ops.rules import as_tensor, broadcast_shapes, normalize_axis, reduced_shape

__all__ = [
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_logsumexp",
    "reduce_any", "reduce_all", "argmax", "argmin", "cumsum", "sort", "argsort", "add_n",
]
NAMESPACES = {
    "math": [
        "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_std",
        "reduce_variance", "reduce_logsumexp", "reduce_any", "reduce_all",
        "reduce_euclidean_norm", "argmax", "argmin", "cumsum", "cumprod", "top_k", "bincount",
        "segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
        "unsorted_segment_sum", "unsorted_segment_mean", "unsorted_segment_max",
        "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n",
        "count_nonzero", "add_n",
        "confusion_matrix",
    ],
    "nn": ["top_k"],
}

_REAL = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
         np.uint8, np.uint16, np.uint32, np.uint64, dtypes.bfloat16._numpy]
_NUMERIC = _REAL + [np.complex64, np.complex128]
_FLOAT = [np.float16, np.float32, np.float64, dtypes.bfloat16._numpy,
          np.complex64, np.complex128]
_HALF = (np.dtype(np.float16), dtypes.bfloat16._numpy)


_tensor = as_tensor


def _static(value, what: str):
    """The Python value of an argument TF also takes as a tensor (axis, k, num_segments)."""
    if isinstance(value, EagerTensor):
        return np.asarray(value._value).tolist()
    if isinstance(value, Tensor):
        raise TypeError(f"{what} must be known when the op is built, but got the symbolic "
                        f"tensor {value!r}. Pass a Python value.")
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value


def _axes(axis, rank: int | None, op: str = "Sum"):
    """`axis` as a sorted tuple of non-negative ints (as given when the rank is unknown),
    or None for all axes."""
    if axis is None:
        return None
    axis = _static(axis, "axis")
    axis = [int(axis)] if isinstance(axis, (int, np.integer)) else [int(a) for a in axis]
    if rank is None:
        return tuple(axis)
    out = []
    for a in axis:
        if not -rank <= a < max(rank, 1):
            raise InvalidArgumentError(
                None, None, f"Invalid reduction dimension {a} for input with {rank} "
                            f"dimensions; axis must be in [-{rank}, {rank}). [Op:{op}]")
        a = a % rank if rank else 0
        if a in out:
            raise InvalidArgumentError(None, None, f"Invalid reduction arguments: Axes contains "
                                                   f"duplicate dimension: {a} [Op:{op}]")
        out.append(a)
    return tuple(sorted(out))


def _reduce_rule(x: Spec, axis, keepdims) -> Spec:
    return Spec(reduced_shape(x.shape, axis, keepdims), x.dtype)


def _keepdims_grad(g, x, axis, keepdims):
    """Reshape a reduction's output (or its gradient) so that it broadcasts against x."""
    if keepdims or axis == ():
        return g
    shape = x._shape_tuple()
    if shape is not None and None not in shape:
        axes = None if axis is None else {a % len(shape) for a in axis}
        kept = tuple(1 if (axes is None or i in axes) else d for i, d in enumerate(shape))
        return reshape(g, kept)
    return expand_reduced_p.bind(g, x, axis=axis)


expand_reduced_p = primitive(
    "expand_reduced",
    impl=lambda g, x, axis: np.reshape(g, reduced_shape(np.shape(x), axis, True)),
    shape_rule=lambda g, x, axis: Spec(reduced_shape(x.shape, axis, True), g.dtype),
    grad=lambda gg, out, g, x, axis: (reshape_like(gg, g), None), same_dtype=False)


def _count(x, axis) -> int | None:
    """The number of elements each output of a reduction over `axis` reduces, if static."""
    shape = x._shape_tuple()
    if shape is None:
        return None
    dims = shape if axis is None else [shape[a] for a in axis]
    if None in dims:
        return None
    return int(np.prod(dims, dtype=np.int64))


def _count_impl(x, axis, dtype):
    shape = np.shape(x)
    dims = shape if axis is None else [shape[a] for a in axis]
    return np.array(np.prod(dims, dtype=np.int64), dtype=dtype)


reduction_count_p = primitive(
    "reduction_count", impl=_count_impl,
    shape_rule=lambda x, axis, dtype: Spec((), dtypes.from_numpy(dtype)), grad=None,
    same_dtype=False)


def _broadcast_grad(g, x):
    """`g` broadcast to `x`'s shape: to the static shape when it is fully known (so that a
    constant `g` folds at compile time), else to the run-time shape."""
    shape = x._shape_tuple()
    if shape is not None and None not in shape:
        return g if g._shape_tuple() == shape else broadcast_to_p.bind(g, shape=shape)
    return broadcast_like(g, x)


def _divide_by_count(t, x, axis):
    n = _count(x, axis)
    if n is not None:
        return multiply(t, 1.0 / n) if n else realdiv(t, 0.0)
    return realdiv(t, reduction_count_p.bind(x, axis=axis, dtype=t.dtype._numpy))


# --- sum, mean ------------------------------------------------------------------------------
def _sum_impl(x, axis, keepdims):
    # np.add.reduce is what np.sum runs, without np.sum's Python-level dispatch.
    if x.dtype in _HALF:
        return np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=np.float32).astype(x.dtype)
    return np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


reduce_sum_p = primitive(
    "reduce_sum", impl=_sum_impl, shape_rule=_reduce_rule,
    grad=lambda g, out, x, axis, keepdims: (
        _broadcast_grad(_keepdims_grad(g, x, axis, keepdims), x),),
    dtypes=_NUMERIC)


def _mean_impl(x, axis, keepdims):
    if axis is None:
        n = x.size
    else:
        n = 1
        for a in axis:
            n *= x.shape[a]
    if x.dtype.kind in "iu":
        total = np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
        quotient = total // max(n, 1)  # TF divides integers truncating toward zero
        if x.dtype.kind == "i":
            quotient = quotient + ((total % max(n, 1) != 0) & (total < 0)).astype(x.dtype)
        return np.asarray(quotient, dtype=x.dtype)
    if x.dtype in _HALF:  # accumulate in float32
        total = np.add.reduce(x, axis=axis, dtype=np.float32, keepdims=keepdims)
        return np.asarray(total / n if n else total * np.nan).astype(x.dtype)
    total = np.add.reduce(x, axis=axis, keepdims=keepdims)
    return total / n if n else total * np.nan


reduce_mean_p = primitive(
    "reduce_mean", impl=_mean_impl, shape_rule=_reduce_rule,
    grad=lambda g, out, x, axis, keepdims: (
        _divide_by_count(_broadcast_grad(_keepdims_grad(g, x, axis, keepdims), x), x, axis),),
    dtypes=_NUMERIC)


def reduce_sum(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Sum of elements across `axis` (all axes when None).

    >>> tf.reduce_sum([[1, 2], [3, 4]], axis=0)  # [4, 6]
    """
    x = _tensor(input_tensor)
    return reduce_sum_p.bind(x, axis=_axes(axis, x.ndim, "Sum"), keepdims=bool(keepdims))


def reduce_mean(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Mean across `axis`; integer tensors stay integer (division truncates), as in TF."""
    x = _tensor(input_tensor)
    return reduce_mean_p.bind(x, axis=_axes(axis, x.ndim, "Mean"), keepdims=bool(keepdims))


# --- max, min -------------------------------------------------------------------------------
def _extreme_impl(function, empty):
    def impl(x, axis, keepdims):
        if x.size == 0:
            initial = empty(x.dtype)
            return np.asarray(function(x, axis=axis, keepdims=keepdims, initial=initial))
        return function(x, axis=axis, keepdims=keepdims)
    return impl


def _lowest(dtype):
    return np.iinfo(dtype).min if dtype.kind in "iu" else -np.inf


def _highest(dtype):
    return np.iinfo(dtype).max if dtype.kind in "iu" else np.inf


def _extreme_grad(g, out, x, axis, keepdims):
    # Ties share the gradient equally, as TF does.
    out_b = _keepdims_grad(out, x, axis, keepdims)
    g_b = _keepdims_grad(g, x, axis, keepdims)
    chosen = cast(equal(x, out_b), g.dtype)
    count = reduce_sum_p.bind(chosen, axis=axis, keepdims=True)
    return (multiply(realdiv(chosen, count), g_b),)


reduce_max_p = primitive("reduce_max", impl=_extreme_impl(np.max, _lowest),
                         shape_rule=_reduce_rule, grad=_extreme_grad, dtypes=_REAL)
reduce_min_p = primitive("reduce_min", impl=_extreme_impl(np.min, _highest),
                         shape_rule=_reduce_rule, grad=_extreme_grad, dtypes=_REAL)


def reduce_max(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Maximum across `axis`; the gradient is split equally among tied maxima."""
    x = _tensor(input_tensor)
    return reduce_max_p.bind(x, axis=_axes(axis, x.ndim, "Max"), keepdims=bool(keepdims))


def reduce_min(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Minimum across `axis`; the gradient is split equally among tied minima."""
    x = _tensor(input_tensor)
    return reduce_min_p.bind(x, axis=_axes(axis, x.ndim, "Min"), keepdims=bool(keepdims))


# --- prod -----------------------------------------------------------------------------------
def _others_product(x, product_of_nonzero, zero_count, zero):
    """The product of the other elements of each element's group, finite at zeros.

    `product_of_nonzero` and `zero_count` are per group, broadcast (or gathered) to x.
    """
    safe = add(x, zero)  # zeros replaced by ones
    none_zero = cast(equal(zero_count, 0), x.dtype)
    one_zero = cast(equal(zero_count, 1), x.dtype)
    return add(multiply(realdiv(product_of_nonzero, safe), none_zero),
               multiply(multiply(product_of_nonzero, one_zero), zero))


def _prod_grad(g, out, x, axis, keepdims):
    zero = cast(equal(x, 0), x.dtype)
    product = reduce_prod_p.bind(add(x, zero), axis=axis, keepdims=True)
    zero_count = reduce_sum_p.bind(zero, axis=axis, keepdims=True)
    others = _others_product(x, product, zero_count, zero)
    return (multiply(others, _keepdims_grad(g, x, axis, keepdims)),)


def _prod_impl(x, axis, keepdims):
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


reduce_prod_p = primitive("reduce_prod", impl=_prod_impl, shape_rule=_reduce_rule,
                          grad=_prod_grad, dtypes=_NUMERIC)


def reduce_prod(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Product across `axis`; its gradient stays finite where inputs are zero."""
    x = _tensor(input_tensor)
    return reduce_prod_p.bind(x, axis=_axes(axis, x.ndim, "Prod"), keepdims=bool(keepdims))


# --- logsumexp, euclidean norm, variance, std ----------------------------------------------
def _logsumexp_impl(x, axis, keepdims):
    if x.size == 0:
        return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0).astype(x.dtype)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    if not keepdims:
        out = np.reshape(out, reduced_shape(x.shape, axis, False))
    return out.astype(x.dtype, copy=False)


def _logsumexp_grad(g, out, x, axis, keepdims):
    from eagerflow.ops.math import exp

    weights = exp(subtract(x, _keepdims_grad(out, x, axis, keepdims)))  # softmax over axis
    return (multiply(weights, _keepdims_grad(g, x, axis, keepdims)),)


reduce_logsumexp_p = primitive("reduce_logsumexp", impl=_logsumexp_impl,
                               shape_rule=_reduce_rule, grad=_logsumexp_grad,
                               dtypes=_FLOAT[:4])


def reduce_logsumexp(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """log(sum(exp(x))) across `axis`, computed without overflow (max subtracted first)."""
    x = _tensor(input_tensor)
    return reduce_logsumexp_p.bind(x, axis=_axes(axis, x.ndim, "LogSumExp"),
                                   keepdims=bool(keepdims))


def _euclidean_impl(x, axis, keepdims):
    if x.dtype.kind == "c":
        return np.sqrt(np.sum(x * x.conj(), axis=axis, keepdims=keepdims, dtype=x.dtype))
    if x.dtype.kind in "iu":
        squares = np.sum(x.astype(np.float64) ** 2, axis=axis, keepdims=keepdims)
        return np.asarray(np.sqrt(squares)).astype(x.dtype)
    wide = x.astype(np.float32) if x.dtype.itemsize < 4 else x
    return np.asarray(np.sqrt(np.sum(wide * wide, axis=axis, keepdims=keepdims))).astype(x.dtype)


def _euclidean_grad(g, out, x, axis, keepdims):
    scale = realdiv(_keepdims_grad(g, x, axis, keepdims), _keepdims_grad(out, x, axis, keepdims))
    return (multiply(x, scale),)


reduce_euclidean_norm_p = primitive("reduce_euclidean_norm", impl=_euclidean_impl,
                                    shape_rule=_reduce_rule, grad=_euclidean_grad,
                                    dtypes=_NUMERIC)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """sqrt(sum(x**2)) across `axis`."""
    x = _tensor(input_tensor)
    return reduce_euclidean_norm_p.bind(x, axis=_axes(axis, x.ndim, "EuclideanNorm"),
                                        keepdims=bool(keepdims))


def _require_float(x, op: str) -> None:
    if not (x.dtype.is_floating or x.dtype.is_complex):
        raise TypeError(f"{op}: input must be either real or complex, got {x.dtype.name}. "
                        f"Cast it with tf.cast(x, tf.float32).")


def reduce_variance(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Population variance across `axis` (floating point inputs; complex give real)."""
    x = _tensor(input_tensor)
    _require_float(x, "reduce_variance")
    axes = _axes(axis, x.ndim, "Variance")
    deviation = subtract(x, reduce_mean_p.bind(x, axis=axes, keepdims=True))
    if x.dtype.is_complex:
        from eagerflow.ops.math import abs as magnitude

        deviation = magnitude(deviation)
    return reduce_mean_p.bind(multiply(deviation, deviation), axis=axes, keepdims=bool(keepdims))


def reduce_std(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Population standard deviation across `axis` (floating point inputs only)."""
    x = _tensor(input_tensor)
    _require_float(x, "reduce_std")
    if x.dtype.is_complex:
        from eagerflow.ops.math import sqrt

        return sqrt(reduce_variance(x, axis, keepdims))
    axes = _axes(axis, x.ndim, "Std")
    deviation = subtract(x, reduce_mean_p.bind(x, axis=axes, keepdims=True))
    norm = reduce_euclidean_norm_p.bind(deviation, axis=axes, keepdims=bool(keepdims))
    n = _count(x, axes)
    if n is not None:  # sqrt(sum(d**2) / n) without a sqrt op
        return multiply(norm, 1.0 / np.sqrt(n)) if n else realdiv(norm, 0.0)
    root_n = reduce_euclidean_norm_p.bind(ones_like(x), axis=axes, keepdims=bool(keepdims))
    return realdiv(norm, root_n)


# --- any, all ---------------------------------------------------------------------------------
reduce_any_p = primitive("reduce_any", impl=lambda x, axis, keepdims: np.any(
    x, axis=axis, keepdims=keepdims), shape_rule=_reduce_rule, dtypes=[np.bool_])
reduce_all_p = primitive("reduce_all", impl=lambda x, axis, keepdims: np.all(
    x, axis=axis, keepdims=keepdims), shape_rule=_reduce_rule, dtypes=[np.bool_])


def reduce_any(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Logical or across `axis` of a boolean tensor."""
    x = _tensor(input_tensor)
    return reduce_any_p.bind(x, axis=_axes(axis, x.ndim, "Any"), keepdims=bool(keepdims))


def reduce_all(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Logical and across `axis` of a boolean tensor."""
    x = _tensor(input_tensor)
    return reduce_all_p.bind(x, axis=_axes(axis, x.ndim, "All"), keepdims=bool(keepdims))


def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None) -> Tensor:
    """The number of non-zero elements across `axis` (as `dtype`, int64 by default)."""
    x = _tensor(input)
    zero = False if x.dtype.is_bool else b"" if x.dtype == dtypes.string else 0
    nonzero = not_equal(x, zero)
    return reduce_sum(cast(nonzero, dtype), axis, bool(keepdims))


# --- argmax, argmin ---------------------------------------------------------------------------
def _arg_rule(x: Spec, axis, output_type) -> Spec:
    return Spec(reduced_shape(x.shape, (axis,), False), dtypes.from_numpy(output_type))


def _arg_impl(function):
    method = getattr(np.ndarray, function.__name__)  # np.argmax's work minus its dispatch

    def impl(x, axis, output_type):
        if x.ndim and x.shape[axis % x.ndim] == 0:
            raise InvalidArgumentError(None, None, f"Reduction axis {axis} is empty in shape "
                                                   f"{list(x.shape)}")
        found = method(x, axis=axis) if type(x) is np.ndarray else function(x, axis=axis)
        return np.asarray(found).astype(output_type, copy=False)
    return impl


argmax_p = primitive("argmax", impl=_arg_impl(np.argmax), shape_rule=_arg_rule,
                     dtypes=_REAL + [np.bool_])
argmin_p = primitive("argmin", impl=_arg_impl(np.argmin), shape_rule=_arg_rule,
                     dtypes=_REAL + [np.bool_])


def _arg_axis(x, axis, op):
    axis = 0 if axis is None else int(_static(axis, "axis"))
    rank = x.ndim
    return axis if rank is None else normalize_axis(axis, rank, op)


def argmax(input, axis=None, output_type=dtypes.int64, name=None) -> Tensor:
    """Index of the largest value along `axis` (default 0); the first one on ties."""
    x = _tensor(input)
    return argmax_p.bind(x, axis=_arg_axis(x, axis, "ArgMax"),
                         output_type=dtypes.as_dtype(output_type)._numpy)


def argmin(input, axis=None, output_type=dtypes.int64, name=None) -> Tensor:
    """Index of the smallest value along `axis` (default 0); the first one on ties."""
    x = _tensor(input)
    return argmin_p.bind(x, axis=_arg_axis(x, axis, "ArgMin"),
                         output_type=dtypes.as_dtype(output_type)._numpy)


# --- cumsum, cumprod --------------------------------------------------------------------------
def _scan_impl(function, identity):
    def impl(x, axis, exclusive, reverse):
        if reverse:
            x = np.flip(x, axis)
        out = function(x, axis=axis, dtype=x.dtype)
        if exclusive:
            shifted = np.empty_like(out)
            head = [slice(None)] * out.ndim
            head[axis] = slice(0, 1)
            shifted[tuple(head)] = identity
            head[axis] = slice(1, None)
            tail = [slice(None)] * out.ndim
            tail[axis] = slice(None, -1)
            shifted[tuple(head)] = out[tuple(tail)]
            out = shifted
        return np.ascontiguousarray(np.flip(out, axis)) if reverse else out
    return impl


def _scan_rule(x: Spec, axis, exclusive, reverse) -> Spec:
    return x


cumsum_p = primitive(
    "cumsum", impl=_scan_impl(np.cumsum, 0), shape_rule=_scan_rule,
    grad=lambda g, out, x, axis, exclusive, reverse: (
        cumsum_p.bind(g, axis=axis, exclusive=exclusive, reverse=not reverse),),
    dtypes=_NUMERIC)


def _cumprod_grad(g, out, x, axis, exclusive, reverse):
    # TF's rule: reverse-cumsum of (out * g), divided by x (not finite where x == 0).
    summed = cumsum_p.bind(multiply(out, g), axis=axis, exclusive=exclusive, reverse=not reverse)
    return (realdiv(summed, x),)


cumprod_p = primitive("cumprod", impl=_scan_impl(np.cumprod, 1), shape_rule=_scan_rule,
                      grad=_cumprod_grad, dtypes=_NUMERIC)


def _scan_axis(x, axis, op):
    axis = int(_static(axis, "axis"))
    rank = x.ndim
    if rank == 0:
        raise InvalidArgumentError(None, None, f"{op}: input must be at least rank 1, got a "
                                               f"scalar.")
    return axis if rank is None else normalize_axis(axis, rank, op)


def cumsum(x, axis=0, exclusive: bool = False, reverse: bool = False, name=None) -> Tensor:
    """Cumulative sum along `axis`; `exclusive` starts from 0, `reverse` sums from the end.

    >>> tf.cumsum([1, 2, 3], exclusive=True)  # [0, 1, 3]
    """
    x = _tensor(x)
    return cumsum_p.bind(x, axis=_scan_axis(x, axis, "Cumsum"), exclusive=bool(exclusive),
                         reverse=bool(reverse))


def cumprod(x, axis=0, exclusive: bool = False, reverse: bool = False, name=None) -> Tensor:
    """Cumulative product along `axis`; `exclusive` starts from 1, `reverse` from the end."""
    x = _tensor(x)
    return cumprod_p.bind(x, axis=_scan_axis(x, axis, "Cumprod"), exclusive=bool(exclusive),
                          reverse=bool(reverse))


# --- gather/scatter along an axis: the gradients of sort and top_k ---------------------------
def _along_rule(x: Spec, indices: Spec, axis) -> Spec:
    return Spec(indices.shape, x.dtype)


take_along_axis_p = primitive(
    "take_along_axis", impl=lambda x, indices, axis: np.take_along_axis(x, indices, axis),
    shape_rule=_along_rule,
    grad=lambda g, out, x, indices, axis: (
        scatter_along_axis_p.bind(g, indices, x, axis=axis), None),
    same_dtype=False)


def _scatter_along_impl(values, indices, donor, axis):
    # Indices are unique along `axis` (a permutation or its first k entries).
    out = np.zeros(np.shape(donor), values.dtype)
    np.put_along_axis(out, indices, values, axis)
    return out


scatter_along_axis_p = primitive(
    "scatter_along_axis", impl=_scatter_along_impl,
    shape_rule=lambda values, indices, donor, axis: Spec(donor.shape, values.dtype),
    grad=lambda g, out, values, indices, donor, axis: (
        take_along_axis_p.bind(g, indices, axis=axis), None, None),
    same_dtype=False)


def _argsort_impl(x, axis, descending, index_type):
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(index_type, copy=False)
    # Stable descending: equal values keep their order (TF's top_k puts lower indices first).
    order = np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
    return (x.shape[axis] - 1 - order).astype(index_type, copy=False)


argsort_p = primitive(
    "argsort", impl=_argsort_impl,
    shape_rule=lambda x, axis, descending, index_type: Spec(
        x.shape, dtypes.from_numpy(index_type)),
    dtypes=_REAL)


def _direction(direction) -> bool:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"Unknown direction: {direction!r}. Expected 'ASCENDING' or "
                         f"'DESCENDING'.")
    return direction == "DESCENDING"


def argsort(values, axis=-1, direction="ASCENDING", stable: bool = False, name=None) -> Tensor:
    """Indices (int32) that sort `values` along `axis`; ties keep their order."""
    x = _tensor(values)
    axis = _scan_axis(x, axis, "argsort")
    return argsort_p.bind(x, axis=axis, descending=_direction(direction),
                          index_type=np.dtype(np.int32))


def _sort_impl(x, axis, descending):
    out = np.sort(x, axis=axis)
    return np.ascontiguousarray(np.flip(out, axis)) if descending else out


def _sort_grad(g, out, x, axis, descending):
    # The permutation is recomputed here, so that the forward pass is one plain sort.
    order = argsort_p.bind(x, axis=axis, descending=descending, index_type=np.dtype(np.int32))
    return (scatter_along_axis_p.bind(g, order, x, axis=axis),)


sort_p = primitive("sort", impl=_sort_impl,
                   shape_rule=lambda x, axis, descending: x, grad=_sort_grad, dtypes=_REAL)


def sort(values, axis=-1, direction="ASCENDING", name=None) -> Tensor:
    """`values` sorted along `axis`; differentiable (the gradient follows the permutation)."""
    x = _tensor(values)
    return sort_p.bind(x, axis=_scan_axis(x, axis, "sort"), descending=_direction(direction))


# --- top_k ------------------------------------------------------------------------------------
TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])
TopKV2.__doc__ = "The result of `top_k`: (values, indices) with named fields."


def _top_k_rule(x: Spec, k, index_type):
    if x.shape is None:
        return Spec(None, x.dtype), Spec(None, dtypes.from_numpy(index_type))
    if not x.shape:
        raise InvalidArgumentError(None, None, "top_k: input must be at least rank 1, got a "
                                               "scalar. [Op:TopKV2]")
    if x.shape[-1] is not None and x.shape[-1] < k:
        raise InvalidArgumentError(None, None, f"input must have at least k columns. Had "
                                               f"{x.shape[-1]}, needed {k} [Op:TopKV2]")
    shape = x.shape[:-1] + (k,)
    return Spec(shape, x.dtype), Spec(shape, dtypes.from_numpy(index_type))


def _top_k_impl(x, k, index_type):
    if x.ndim == 0 or x.shape[-1] < k:
        _top_k_rule(Spec(x.shape, dtypes.from_numpy(x.dtype)), k, index_type)
    if 0 < k and 4 * k < x.shape[-1] and x.dtype.kind == "f":
        # Partition, then order the k chosen by (value descending, index ascending); valid
        # when no value equal to the k-th one was left out (else TF's lower-index-first rule
        # needs the full stable sort below).
        chosen = np.argpartition(-x, k - 1, axis=-1)[..., :k]
        values = np.take_along_axis(x, chosen, -1)
        kth = values.min(axis=-1, keepdims=True)
        if np.all(np.count_nonzero(x >= kth, axis=-1) == k):
            order = np.lexsort((chosen, -values), axis=-1)
            indices = np.take_along_axis(chosen, order, -1).astype(index_type, copy=False)
            return np.take_along_axis(values, order, -1), indices
    indices = _argsort_impl(x, -1, True, index_type)[..., :k]
    return np.take_along_axis(x, indices, -1), indices


top_k_p = primitive(
    "top_k", impl=_top_k_impl, shape_rule=_top_k_rule,
    grad=lambda g, out, x, k, index_type: (
        scatter_along_axis_p.bind(g[0], out[1], x, axis=-1),),
    multiple_results=True, dtypes=_REAL)


def top_k(input, k=1, sorted: bool = True, index_type=dtypes.int32, name=None) -> TopKV2:
    """The `k` largest entries of the last axis and their indices (lower index first on ties).

    Returns a pair with fields `.values` and `.indices`; the gradient flows to the chosen
    entries.
    """
    k = int(_static(k, "k"))
    if k < 0:
        raise InvalidArgumentError(None, None, f"Need k >= 0, got {k} [Op:TopKV2]")
    values, indices = top_k_p.bind(_tensor(input), k=k,
                                   index_type=dtypes.as_dtype(index_type)._numpy)
    return TopKV2(values, indices)


# --- add_n ------------------------------------------------------------------------------------
def _add_n_rule(*xs: Spec) -> Spec:
    shape = None
    for x in xs:
        if x.shape is None:
            continue
        if shape is None:
            shape = x.shape
            continue
        if len(shape) != len(x.shape) or any(
                a is not None and b is not None and a != b for a, b in zip(shape, x.shape)):
            raise InvalidArgumentError(None, None, f"add_n: all inputs must have the same "
                                                   f"shape, got {[x.shape for x in xs]} "
                                                   f"[Op:AddN]")
        shape = tuple(a if a is not None else b for a, b in zip(shape, x.shape))
    return Spec(shape, xs[0].dtype)


def _add_n_impl(*xs):
    shape = xs[0].shape
    if any(x.shape != shape for x in xs):
        raise InvalidArgumentError(None, None, f"add_n: all inputs must have the same shape, "
                                               f"got {[list(x.shape) for x in xs]} [Op:AddN]")
    out = np.array(xs[0], copy=True)  # an ndarray even for rank 0 (NumPy scalars are not)
    for x in xs[1:]:
        np.add(out, x, out=out)
    return out


add_n_p = primitive("add_n", impl=_add_n_impl, shape_rule=_add_n_rule,
                    grad=lambda g, out, *xs: (g,) * len(xs), dtypes=_NUMERIC + [object],
                    commutative=True)


def add_n(inputs, name=None) -> Tensor:
    """Elementwise sum of a list of tensors of the same shape and dtype."""
    if isinstance(inputs, Tensor):
        inputs = [inputs]
    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors; got an empty list.")
    if len(inputs) == 1:
        return _tensor(inputs[0])
    return add_n_p.bind(*inputs)


# --- segment reductions -----------------------------------------------------------------------
def _segment_rule(data: Spec, ids: Spec, num_segments, sorted_ids) -> Spec:
    if data.shape is None or ids.shape is None:
        return Spec(None, data.dtype)
    rank = len(ids.shape)
    if sorted_ids and rank != 1:
        raise InvalidArgumentError(None, None, f"segment_ids should be a vector, got shape "
                                               f"{list(ids.shape)}")
    if len(data.shape) < rank or any(a is not None and b is not None and a != b
                                     for a, b in zip(data.shape, ids.shape)):
        raise InvalidArgumentError(None, None, f"data.shape = {list(data.shape)} does not start "
                                               f"with segment_ids.shape = {list(ids.shape)}")
    return Spec((num_segments,) + tuple(data.shape[rank:]), data.dtype)


def _check_segment_ids(data, ids, num_segments, sorted_ids) -> int:
    """Validate ids as TF's CPU kernels do and return the number of segments."""
    if sorted_ids:
        if ids.ndim != 1 or data.ndim == 0 or ids.shape[0] != data.shape[0]:
            raise InvalidArgumentError(None, None, f"segment_ids should be a vector of size "
                                                   f"data.shape[0]; got segment_ids shape "
                                                   f"{list(ids.shape)} and data shape "
                                                   f"{list(data.shape)}")
        if ids.size and (ids[0] < 0 or np.any(ids[1:] < ids[:-1])):
            raise InvalidArgumentError(None, None, f"segment ids must be non-negative and "
                                                   f"sorted (non-decreasing); got "
                                                   f"{ids.tolist()}. Use tf.math.unsorted_"
                                                   f"segment_* for unsorted ids.")
        if num_segments is None:
            num_segments = int(ids[-1]) + 1 if ids.size else 0
    elif data.shape[:ids.ndim] != ids.shape:
        raise InvalidArgumentError(None, None, f"data.shape = {list(data.shape)} does not start "
                                               f"with segment_ids.shape = {list(ids.shape)}")
    if ids.size and ids.max() >= num_segments:
        raise InvalidArgumentError(None, None, f"segment_ids has the value {int(ids.max())}, "
                                               f"out of range [0, {num_segments})")
    return num_segments


def _segment_impl(ufunc, identity, sorted_empty):
    def impl(data, ids, num_segments, sorted_ids):
        n = _check_segment_ids(data, ids, num_segments, sorted_ids)
        rest = data.shape[ids.ndim:]
        flat_ids = ids.reshape(-1)
        flat = data.reshape((flat_ids.size,) + rest)
        if flat_ids.size and flat_ids.min() < 0:  # unsorted ops drop negative ids
            keep = flat_ids >= 0
            flat_ids, flat = flat_ids[keep], flat[keep]
        out = np.full((n,) + rest, identity(data.dtype), data.dtype)
        ufunc.at(out, flat_ids, flat)
        if sorted_ids and sorted_empty is not None:  # TF's sorted kernels fill empty ones
            empty = np.bincount(flat_ids, minlength=n) == 0
            out[empty] = sorted_empty
        return out
    return impl


def _gather_segments_impl(values, ids, num_segments, sorted_ids):
    out = np.take(values, np.maximum(ids, 0), axis=0)
    if ids.size and ids.min() < 0:
        out[ids < 0] = 0
    return out


gather_segments_p = primitive(
    "gather_segments", impl=_gather_segments_impl,
    shape_rule=lambda values, ids, num_segments, sorted_ids: Spec(
        None if values.shape is None or ids.shape is None
        else tuple(ids.shape) + tuple(values.shape[1:]), values.dtype),
    grad=lambda g, out, values, ids, num_segments, sorted_ids: (
        segment_sum_p.bind(g, ids, num_segments=num_segments, sorted_ids=sorted_ids), None),
    same_dtype=False)


def _gather(values, ids, num_segments, sorted_ids):
    """values[ids] along axis 0 (zero rows for negative ids): the adjoint of a segment sum."""
    return gather_segments_p.bind(values, ids, num_segments=num_segments, sorted_ids=sorted_ids)


def _segment_sum_grad(g, out, data, ids, num_segments, sorted_ids):
    return _gather(g, ids, num_segments, sorted_ids), None


def _segment_extreme_grad(g, out, data, ids, num_segments, sorted_ids):
    chosen = cast(equal(data, _gather(out, ids, num_segments, sorted_ids)), g.dtype)
    count = segment_sum_p.bind(chosen, ids, num_segments=num_segments, sorted_ids=sorted_ids)
    share = _gather(realdiv(g, count), ids, num_segments, sorted_ids)
    return multiply(share, chosen), None


def _segment_prod_grad(g, out, data, ids, num_segments, sorted_ids):
    attrs = dict(num_segments=num_segments, sorted_ids=sorted_ids)
    zero = cast(equal(data, 0), data.dtype)
    product = _gather(segment_prod_p.bind(add(data, zero), ids, **attrs), ids, **attrs)
    zero_count = _gather(segment_sum_p.bind(zero, ids, **attrs), ids, **attrs)
    others = _others_product(data, product, zero_count, zero)
    return multiply(others, _gather(g, ids, **attrs)), None


def _zero(dtype):
    return 0


def _one(dtype):
    return 1


def _limit_low(dtype):
    return dtypes.from_numpy(dtype).min  # numeric_limits<T>::lowest(), as TF


def _limit_high(dtype):
    return dtypes.from_numpy(dtype).max


segment_sum_p = primitive("segment_sum", impl=_segment_impl(np.add, _zero, None),
                          shape_rule=_segment_rule, grad=_segment_sum_grad, same_dtype=False,
                          dtypes=_NUMERIC)
segment_prod_p = primitive("segment_prod", impl=_segment_impl(np.multiply, _one, None),
                           shape_rule=_segment_rule, grad=_segment_prod_grad, same_dtype=False,
                           dtypes=_NUMERIC)
segment_max_p = primitive("segment_max", impl=_segment_impl(np.maximum, _limit_low, 0),
                          shape_rule=_segment_rule, grad=_segment_extreme_grad,
                          same_dtype=False, dtypes=_REAL)
segment_min_p = primitive("segment_min", impl=_segment_impl(np.minimum, _limit_high, 0),
                          shape_rule=_segment_rule, grad=_segment_extreme_grad,
                          same_dtype=False, dtypes=_REAL)


def _ids_tensor(segment_ids) -> Tensor:
    ids = _tensor(segment_ids)
    if not ids.dtype.is_integer:
        raise TypeError(f"segment_ids must be an int32 or int64 tensor, got {ids.dtype.name}")
    return ids


def _sorted_count(ids: Tensor) -> int | None:
    if isinstance(ids, EagerTensor):
        value = np.asarray(ids._value)
        return int(value.reshape(-1)[-1]) + 1 if value.size else 0
    return None


def _num_segments(num_segments) -> int:
    n = int(_static(num_segments, "num_segments"))
    if n < 0:
        raise InvalidArgumentError(None, None, f"num_segments must be non-negative, got {n}")
    return n


def _segment_call(prim, data, segment_ids, num_segments):
    ids = _ids_tensor(segment_ids)
    if num_segments is None:
        return prim.bind(data, ids, num_segments=_sorted_count(ids), sorted_ids=True)
    return prim.bind(data, ids, num_segments=_num_segments(num_segments), sorted_ids=False)


def segment_sum(data, segment_ids, name=None) -> Tensor:
    """Sums of the rows of `data` per segment; `segment_ids` is sorted, one id per row.

    >>> tf.math.segment_sum([5, 1, 7, 2], [0, 0, 1, 1])  # [6, 9]
    """
    return _segment_call(segment_sum_p, data, segment_ids, None)


def segment_prod(data, segment_ids, name=None) -> Tensor:
    """Products per segment (sorted ids); empty segments give 1."""
    return _segment_call(segment_prod_p, data, segment_ids, None)


def segment_max(data, segment_ids, name=None) -> Tensor:
    """Maxima per segment (sorted ids); empty segments give 0, as TF."""
    return _segment_call(segment_max_p, data, segment_ids, None)


def segment_min(data, segment_ids, name=None) -> Tensor:
    """Minima per segment (sorted ids); empty segments give 0, as TF."""
    return _segment_call(segment_min_p, data, segment_ids, None)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None) -> Tensor:
    """Sums per segment for ids in any order (negative ids are dropped); output dim 0 is
    `num_segments`."""
    return _segment_call(segment_sum_p, data, segment_ids, num_segments)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None) -> Tensor:
    """Products per segment (ids in any order); empty segments give 1."""
    return _segment_call(segment_prod_p, data, segment_ids, num_segments)


def unsorted_segment_max(data, segment_ids, num_segments, name=None) -> Tensor:
    """Maxima per segment (ids in any order); empty segments give the dtype's lowest value."""
    return _segment_call(segment_max_p, data, segment_ids, num_segments)


def unsorted_segment_min(data, segment_ids, num_segments, name=None) -> Tensor:
    """Minima per segment (ids in any order); empty segments give the dtype's highest value."""
    return _segment_call(segment_min_p, data, segment_ids, num_segments)


def _segment_mean(data, segment_ids, num_segments):
    data = _tensor(data)
    ids = _ids_tensor(segment_ids)
    total = _segment_call(segment_sum_p, data, ids, num_segments)
    count = _segment_call(segment_sum_p, ones_like(ids, dtype=data.dtype), ids, num_segments)
    count = add(count, cast(equal(count, 0), data.dtype))  # empty segments: mean 0
    rank = total.ndim if total.ndim is not None else data.ndim - ids.ndim + 1
    count = reshape(count, [-1] + [1] * (rank - 1))
    if data.dtype.is_integer:  # TF's integer mean truncates
        return cast(realdiv(cast(total, dtypes.float64), cast(count, dtypes.float64)),
                    data.dtype)
    return realdiv(total, count)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None) -> Tensor:
    """Sums per segment divided by sqrt(number of entries); empty segments give 0."""
    from eagerflow.ops.math import sqrt

    data = _tensor(data)
    _require_float(data, "unsorted_segment_sqrt_n")
    ids = _ids_tensor(segment_ids)
    total = _segment_call(segment_sum_p, data, ids, num_segments)
    count = _segment_call(segment_sum_p, ones_like(ids, dtype=data.dtype), ids, num_segments)
    count = add(count, cast(equal(count, 0), data.dtype))
    rank = total.ndim if total.ndim is not None else data.ndim - ids.ndim + 1
    return realdiv(total, reshape(sqrt(count), [-1] + [1] * (rank - 1)))


def segment_mean(data, segment_ids, name=None) -> Tensor:
    """Means per segment (sorted ids); empty segments give 0."""
    return _segment_mean(data, segment_ids, None)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None) -> Tensor:
    """Means per segment (ids in any order); empty segments give 0."""
    return _segment_mean(data, segment_ids, num_segments)


# --- bincount, confusion_matrix -----------------------------------------------------------------
def _bincount_rule(arr: Spec, *weights, size, minlength, maxlength, dtype, binary_output,
                   axis):
    out_dtype = dtypes.from_numpy(dtype)
    if axis is None:
        return Spec((size,), out_dtype)
    rows = None if arr.shape is None else arr.shape[0]
    return Spec((rows, size), out_dtype)


def _bincount_size(arr, minlength, maxlength) -> int:
    size = int(arr.max()) + 1 if arr.size else 0
    if minlength is not None:
        size = max(size, minlength)
    if maxlength is not None:
        size = min(size, maxlength)
    return size


def _bincount_impl(arr, *weights, size, minlength, maxlength, dtype, binary_output, axis):
    if arr.size and arr.min() < 0:
        raise InvalidArgumentError(None, None, "Input arr must be non-negative! [Op:Bincount]")
    if size is None:
        size = _bincount_size(arr, minlength, maxlength)
    rows = 1 if axis is None else arr.shape[0]
    flat = arr.reshape(rows, -1)
    w = weights[0].reshape(rows, -1) if weights else None
    keep = flat < size
    index = (flat + size * np.arange(rows)[:, None])[keep]
    if w is None:
        out = np.bincount(index, minlength=rows * size)
    else:
        out = np.bincount(index, weights=w[keep].astype(np.float64), minlength=rows * size)
    if binary_output:
        out = out > 0
    out = out.astype(dtype).reshape(rows, size)
    return out[0] if axis is None else out


bincount_p = primitive("bincount", impl=_bincount_impl, shape_rule=_bincount_rule,
                       same_dtype=False, dtypes=[np.int32, np.int64])


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output: bool = False) -> Tensor:
    """Counts of each value in the non-negative integer tensor `arr` (weighted by `weights`).

    The length is max(arr) + 1, at least `minlength` and at most `maxlength` (larger values
    are dropped). `axis=-1` counts each row of a 2-D `arr` separately.
    """
    arr = _tensor(arr)
    if axis not in (None, 0, -1):
        raise ValueError(f"Unsupported axis value {axis}. Only 0 and -1 are currently "
                         f"supported.")
    axis = None if axis in (None, 0) else -1
    if axis == -1 and arr.ndim != 2:
        raise InvalidArgumentError(None, None, f"bincount with axis=-1 needs a 2-D arr, got "
                                               f"shape {arr.shape}")
    minlength = None if minlength is None else int(_static(minlength, "minlength"))
    maxlength = None if maxlength is None else int(_static(maxlength, "maxlength"))
    size = None  # known when the values are (eager), or when min and max length agree
    if isinstance(arr, EagerTensor):
        value = np.asarray(arr._value)
        size = _bincount_size(value, minlength, maxlength) if value.min(initial=0) >= 0 else None
    elif minlength is not None and minlength == maxlength:
        size = minlength
    inputs = [arr]
    out_dtype = dtypes.as_dtype(dtype)
    if weights is not None:
        weights = _tensor(weights)
        if weights._shape_tuple() != arr._shape_tuple():
            raise InvalidArgumentError(None, None, f"bincount: weights shape {weights.shape} "
                                                   f"must match arr shape {arr.shape}")
        inputs.append(weights)
        out_dtype = weights.dtype
    if binary_output and weights is not None:
        raise ValueError("Arguments `binary_output` and `weights` are mutually exclusive.")
    return bincount_p.bind(*inputs, size=size, minlength=minlength, maxlength=maxlength,
                           dtype=out_dtype._numpy, binary_output=bool(binary_output), axis=axis)


def _confusion_rule(labels: Spec, predictions: Spec, weights: Spec, num_classes):
    broadcast_shapes(labels.shape, predictions.shape, "confusion_matrix")
    return Spec((num_classes, num_classes), weights.dtype)


def _confusion_impl(labels, predictions, weights, num_classes):
    labels, predictions = labels.reshape(-1), predictions.reshape(-1)
    if labels.shape != predictions.shape:
        raise InvalidArgumentError(None, None, f"confusion_matrix: labels and predictions "
                                               f"must have the same shape, got {labels.size} "
                                               f"and {predictions.size} values")
    values = np.concatenate([labels, predictions])
    if values.size and values.min() < 0:
        raise InvalidArgumentError(None, None, "`labels` and `predictions` must be "
                                               "non-negative, got negative values.")
    n = num_classes
    if n is None:
        n = int(values.max()) + 1 if values.size else 0
    if values.size and values.max() >= n:
        raise InvalidArgumentError(None, None, f"`labels` and `predictions` must be less than "
                                               f"num_classes = {n}, got {int(values.max())}.")
    out = np.zeros((n, n), weights.dtype)
    np.add.at(out, (labels, predictions), np.broadcast_to(weights.reshape(-1), labels.shape))
    return out


confusion_matrix_p = primitive("confusion_matrix", impl=_confusion_impl,
                               shape_rule=_confusion_rule, same_dtype=False)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32,
                     name=None) -> Tensor:
    """The [num_classes, num_classes] matrix counting (label, prediction) pairs.

    Rows are labels, columns predictions; `weights` weighs each pair. Without `num_classes`
    it is max(labels, predictions) + 1.
    """
    labels, predictions = _tensor(labels), _tensor(predictions)
    dtype = dtypes.as_dtype(dtype)
    if num_classes is None and isinstance(labels, EagerTensor) and isinstance(
            predictions, EagerTensor):
        top = max(np.max(labels._value, initial=-1), np.max(predictions._value, initial=-1))
        num_classes = int(top) + 1
    n = None if num_classes is None else int(_static(num_classes, "num_classes"))
    if weights is None:
        weights = ones_like(labels, dtype=dtype)
    else:
        weights = _tensor(weights)
        weights = weights if weights.dtype == dtype else cast(weights, dtype)
    return confusion_matrix_p.bind(labels, predictions, weights, num_classes=n)
