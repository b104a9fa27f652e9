"""Ops that sort elements into groups (`tf.unique`, `tf.searchsorted`, `tf.dynamic_partition`,
`tf.dynamic_stitch`, `tf.unravel_index`)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import EagerTensor, Tensor, convert_to_tensor
from eagerflow.ops.array.arguments import _error, _index_tensor, _pyrange, _t
from eagerflow.ops.array.basics import cast, reshape
from eagerflow.ops.array.joining import concat
from eagerflow.ops.array.layout import expand_dims

__all__ = [
    "unique", "unique_with_counts", "searchsorted", "dynamic_partition", "dynamic_stitch",
    "unravel_index",
]
NAMESPACES: dict = {}


# --- unique --------------------------------------------------------------------------------
Unique = namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _unique_impl(x, out_idx):
    if x.ndim != 1:
        raise _error(f"unique expects a 1D vector, got shape {list(x.shape)} [Op:Unique]")
    values, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                               return_counts=True)
    order = np.argsort(first, kind="stable")  # TF keeps the order of first occurrence
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    return (values[order], position[inverse.reshape(-1)].astype(out_idx),
            counts[order].astype(out_idx))


unique_p = primitive(
    "unique", impl=_unique_impl,
    shape_rule=lambda x, out_idx: (Spec((None,), x.dtype),
                                   Spec(x.shape, dtypes.from_numpy(out_idx)),
                                   Spec((None,), dtypes.from_numpy(out_idx))),
    grad=None, multiple_results=True)


def unique(x, out_idx=dtypes.int32, name=None) -> Unique:
    """(y, idx): the distinct values of the 1-D `x` in order of first occurrence, and the
    position in y of each element of x."""
    y, idx, _ = unique_p.bind(x, out_idx=dtypes.as_dtype(out_idx)._numpy)
    return Unique(y, idx)


def unique_with_counts(x, out_idx=dtypes.int32, name=None) -> UniqueWithCounts:
    """(y, idx, count): as `unique`, with how often each value occurs."""
    return UniqueWithCounts(*unique_p.bind(x, out_idx=dtypes.as_dtype(out_idx)._numpy))


# --- searchsorted --------------------------------------------------------------------------
def _searchsorted_impl(sorted_sequence, values, side, out_type):
    if sorted_sequence.ndim == 1 and values.ndim == 1:
        return np.searchsorted(sorted_sequence, values, side=side).astype(out_type)
    rows = sorted_sequence.reshape(-1, sorted_sequence.shape[-1])
    queries = values.reshape(-1, values.shape[-1])
    if rows.shape[0] != queries.shape[0]:
        raise _error(f"Leading dim_size of both tensors must match: {list(sorted_sequence.shape)}"
                     f" vs {list(values.shape)} [Op:LowerBound]")
    out = np.empty(queries.shape, out_type)
    for i in _pyrange(rows.shape[0]):  # one vectorized search per row
        out[i] = np.searchsorted(rows[i], queries[i], side=side)
    return out.reshape(values.shape)


searchsorted_p = primitive(
    "searchsorted", impl=_searchsorted_impl,
    shape_rule=lambda s, v, side, out_type: Spec(v.shape, dtypes.from_numpy(out_type)),
    grad=None)


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32,
                 name=None) -> Tensor:
    """Insertion positions of `values` in the innermost dimension of `sorted_sequence`."""
    if side not in ("left", "right"):
        raise ValueError(f"Argument `side` must be either 'right' or 'left'. Received: "
                         f"`side` = {side}.")
    sorted_sequence = _t(sorted_sequence)
    values = _t(values) if isinstance(values, Tensor) else convert_to_tensor(
        values, dtype=sorted_sequence.dtype)
    return searchsorted_p.bind(sorted_sequence, values, side=side,
                               out_type=dtypes.as_dtype(out_type)._numpy)


# --- partition and stitch / unravel_index --------------------------------------------------
def dynamic_partition(data, partitions, num_partitions, name=None) -> list:
    """Split `data` into `num_partitions` tensors: output i holds the entries (slices) whose
    partition (over data's leading dims) is i, in order."""
    from eagerflow.ops import math
    from eagerflow.ops.indexing import boolean_mask_p

    data = _t(data)
    partitions = _index_tensor(partitions, "DynamicPartition", "partitions")
    if isinstance(partitions, EagerTensor) and partitions._value.size:
        bad = (partitions._value < 0) | (partitions._value >= num_partitions)
        if bad.any():
            raise _error(f"partitions{np.argwhere(bad)[0].tolist()} = "
                         f"{partitions._value[bad][0]} is not in [0, {num_partitions}) "
                         f"[Op:DynamicPartition]")
    if partitions.ndim == 0:
        data, partitions = expand_dims(data, 0), expand_dims(partitions, 0)
    return [boolean_mask_p.bind(data, math.equal(partitions, i), axis=0)
            for i in _pyrange(int(num_partitions))]


def _stitch_impl(index, values):
    size = int(index.max()) + 1 if index.size else 0
    out = np.zeros((size,) + values.shape[1:], values.dtype)
    out[index] = values  # a later duplicate index wins, as TF
    return out


def _stitch_grad(g, out, index, values):
    from eagerflow.ops.indexing import gather_p  # indexing builds on the array families

    return (None, gather_p.bind(g, index, axis=0, batch_dims=0))


stitch_p = primitive(
    "dynamic_stitch", impl=_stitch_impl,
    shape_rule=lambda index, values: Spec(
        None if values.shape is None else (None,) + values.shape[1:], values.dtype),
    grad=_stitch_grad,
    same_dtype=False)


def dynamic_stitch(indices, data, name=None) -> Tensor:
    """Interleave `data[m]` into one tensor: merged[indices[m][i]] = data[m][i]."""
    indices = [_index_tensor(i, "DynamicStitch") for i in indices]
    data = [_t(d) for d in data]
    if len(indices) != len(data):
        raise ValueError(f"DynamicStitch: {len(indices)} index tensors but {len(data)} data "
                         f"tensors")
    flat_index = concat([reshape(i, [-1]) for i in indices], 0)
    flat_data = []
    for i, d in zip(indices, data):
        inner = d._shape_tuple()[len(i._shape_tuple()):]
        flat_data.append(reshape(d, [-1, *inner]))
    return stitch_p.bind(cast(flat_index, dtypes.int64), concat(flat_data, 0))


def _unravel_impl(indices, dims):
    if indices.size and (indices.min() < 0 or indices.max() >= np.prod(dims)):
        raise _error(f"index out of bounds for array with shape {dims.tolist()} "
                     f"[Op:UnravelIndex]")
    return np.array(np.unravel_index(indices, dims.tolist()), indices.dtype).reshape(
        (len(dims),) + indices.shape)


unravel_index_p = primitive(
    "unravel_index", impl=_unravel_impl,
    shape_rule=lambda indices, dims: Spec(
        None if dims.shape is None or indices.shape is None else dims.shape + indices.shape,
        indices.dtype),
    grad=None)


def unravel_index(indices, dims, name=None) -> Tensor:
    """The coordinates in a tensor of shape `dims` of flat `indices`: shape [len(dims), ...]."""
    indices = _index_tensor(indices, "UnravelIndex")
    if not isinstance(dims, Tensor):
        dims = convert_to_tensor(dims, dtype=indices.dtype)
    return unravel_index_p.bind(indices, dims)
