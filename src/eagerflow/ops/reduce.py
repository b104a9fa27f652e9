"""Reductions (`tf.reduce_sum`, `tf.reduce_mean`, ...) over axes, with `keepdims`."""

from __future__ import annotations

import numpy as np

from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops.array import broadcast_like, reshape_like
from eagerflow.ops.rules import reduced_shape

__all__ = ["reduce_sum"]
NAMESPACES = {"math": ["reduce_sum"]}


def _axes(axis, rank: int | None):
    """`axis` as a sorted tuple of non-negative ints, or None for all axes."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        axis = np.asarray(axis).tolist()
    if isinstance(axis, (int, np.integer)):
        axis = [int(axis)]
    axis = [int(a) for a in axis]
    if rank is None:
        return tuple(axis)
    return tuple(sorted({a % rank if rank else 0 for a in axis}))


def _reduce_rule(x: Spec, axis, keepdims) -> Spec:
    return Spec(reduced_shape(x.shape, axis, keepdims), x.dtype)


def _keepdims_grad(g, x, axis, keepdims):
    """Reshape a reduction's output gradient so that it broadcasts against x."""
    if keepdims or axis == ():
        return g
    from eagerflow.ops.array import reshape

    shape = x._shape_tuple()
    if shape is not None and None not in shape:
        kept = tuple(1 if (axis is None or i in axis) else d for i, d in enumerate(shape))
        return reshape(g, kept)
    return expand_reduced_p.bind(g, x, axis=axis)


expand_reduced_p = primitive(
    "expand_reduced",
    impl=lambda g, x, axis: np.reshape(g, reduced_shape(np.shape(x), axis, True)),
    shape_rule=lambda g, x, axis: Spec(reduced_shape(x.shape, axis, True), g.dtype),
    grad=lambda gg, out, g, x, axis: (reshape_like(gg, g), None), same_dtype=False)


def _sum_impl(x, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


reduce_sum_p = primitive(
    "reduce_sum", impl=_sum_impl, shape_rule=_reduce_rule,
    grad=lambda g, out, x, axis, keepdims: (
        broadcast_like(_keepdims_grad(g, x, axis, keepdims), x),))


def reduce_sum(input_tensor, axis=None, keepdims: bool = False, name=None) -> Tensor:
    """Sum of elements across `axis` (all axes when None)."""
    x = input_tensor if isinstance(input_tensor, Tensor) else convert_to_tensor(input_tensor)
    return reduce_sum_p.bind(x, axis=_axes(axis, x.ndim), keepdims=bool(keepdims))
