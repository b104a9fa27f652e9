"""Indexing ops: slicing (`tensor[...]`, `tf.slice`, `tf.strided_slice`), `tf.gather`,
`tf.gather_nd`, `tf.scatter_nd`, `tf.tensor_scatter_nd_*`, `tf.where`, `tf.boolean_mask`.

Gradients that scatter have a primitive of their own whose gradient is the
forward op again, so every order of derivative works.
"""

from __future__ import annotations

import builtins
import functools

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.context import state
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import (
    EagerTensor,
    Tensor,
    convert_to_tensor,
    wrap,
)
from eagerflow.ops.array import (
    _error,
    _index_tensor,
    _pyrange,
    _require_same_dtype,
    _shape_argument,
    _static,
    _static_int,
    _static_ints,
    _t,
    cast,
    unbroadcast,
    unstack,
    zeros_like,
)
from eagerflow.ops.rules import broadcast_shapes, normalize_axis

__all__ = [
    "slice", "strided_slice", "gather", "gather_nd", "scatter_nd", "tensor_scatter_nd_update",
    "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_max",
    "tensor_scatter_nd_min", "where", "boolean_mask",
]
NAMESPACES: dict = {}


# --- slicing: one primitive for tf.slice, tf.strided_slice and tensor[...] ---------------------
# A slice is a static `spec`: a tuple of entries ("int", i), ("slice", begin, end, step),
# ("new",) or ("ell",), with NumPy/Python semantics (negative indices, clamped slice bounds).
# A bound that is a symbolic scalar tensor (inside a trace) is ("dyn", k): the k-th extra input.
_SLICE_TYPE_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                     "scalar tf.int32/tf.int64 tensors are valid indices")


def _bound(value, dyn):
    return int(dyn[value[1]]) if type(value) is tuple else value


@functools.lru_cache(maxsize=1024)
def _static_index(spec: tuple) -> tuple:
    return _numpy_index(spec, ())


def _numpy_index(spec: tuple, dyn) -> tuple:
    index = []
    for entry in spec:
        kind = entry[0]
        if kind == "int":
            index.append(_bound(entry[1], dyn))
        elif kind == "slice":
            index.append(builtins.slice(_bound(entry[1], dyn), _bound(entry[2], dyn),
                                        _bound(entry[3], dyn)))
        elif kind == "new":
            index.append(None)
        else:
            index.append(Ellipsis)
    return tuple(index)


def _sliced_shape(shape: tuple, spec: tuple, dyn=None) -> tuple:
    """The shape `spec` selects from `shape` (None dims where bounds or sizes are unknown);
    raises TF's errors for too many indices and static out-of-range integers."""
    consumed = sum(1 for e in spec if e[0] in ("int", "slice"))
    rank = len(shape)
    if consumed > rank:
        raise _error(f"Index out of range using input dim {rank}; input has only {rank} dims "
                     f"[Op:StridedSlice]")
    if not any(e[0] == "ell" for e in spec):
        spec = spec + (("ell",),)
    out = []
    dim = 0
    for entry in spec:
        kind = entry[0]
        if kind == "ell":
            count = rank - consumed
            out.extend(shape[dim:dim + count])
            dim += count
        elif kind == "new":
            out.append(1)
        elif kind == "int":
            size, i = shape[dim], entry[1]
            if dyn is not None and type(i) is tuple:
                i = int(dyn[i[1]])
            if size is not None and type(i) is int and not -size <= i < size:
                raise _error(f"slice index {i} of dimension {dim} out of bounds. "
                             f"[Op:StridedSlice]")
            dim += 1
        else:
            size = shape[dim]
            bounds = entry[1:]
            if dyn is not None:
                bounds = tuple(_bound(b, dyn) for b in bounds)
            if size is None or any(type(b) is tuple for b in bounds):
                out.append(None)
            else:
                out.append(len(_pyrange(*builtins.slice(*bounds).indices(size))))
            dim += 1
    return tuple(out)


def _strided_slice_impl(x, *dyn, spec):
    index = _numpy_index(spec, dyn) if dyn else _static_index(spec)
    try:
        return np.asarray(x[index])
    except IndexError:
        _sliced_shape(np.shape(x), spec, dyn)
        raise


def _strided_slice_rule(x: Spec, *dyn, spec) -> Spec:
    if x.shape is None:
        return x
    return Spec(_sliced_shape(x.shape, spec), x.dtype)


def _strided_slice_grad(g, out, x, *dyn, spec):
    return (strided_slice_assign_p.bind(zeros_like(x), g, *dyn, spec=spec),) + (None,) * len(dyn)


strided_slice_p = primitive(
    "strided_slice", impl=_strided_slice_impl, shape_rule=_strided_slice_rule,
    grad=_strided_slice_grad, same_dtype=False)


def _strided_slice_assign_impl(x, value, *dyn, spec):
    index = _numpy_index(spec, dyn) if dyn else _static_index(spec)
    target = np.shape(x[index])
    if np.shape(value) != target:
        raise _error(f"sliced l-value shape {list(target)} does not match r-value shape "
                     f"{list(np.shape(value))}. Automatic broadcasting not yet implemented. "
                     f"[Op:StridedSliceAssign]")
    out = np.array(x, copy=True)
    out[index] = value
    return out


def _strided_slice_assign_rule(x: Spec, value: Spec, *dyn, spec) -> Spec:
    if x.dtype != value.dtype:
        raise _error(f"strided slice assignment: the value's dtype {value.dtype.name} differs "
                     f"from the target's dtype {x.dtype.name}")
    if x.shape is not None and value.shape is not None:
        target = _sliced_shape(x.shape, spec)
        if len(target) != len(value.shape) or any(
                a is not None and b is not None and a != b for a, b in zip(target, value.shape)):
            raise _error(f"sliced l-value shape {list(target)} does not match r-value shape "
                         f"{list(value.shape)}. Automatic broadcasting not yet implemented. "
                         f"[Op:StridedSliceAssign]")
    return x


def _strided_slice_assign_grad(g, out, x, value, *dyn, spec):
    return (strided_slice_assign_p.bind(g, zeros_like(value), *dyn, spec=spec),
            strided_slice_p.bind(g, *dyn, spec=spec)) + (None,) * len(dyn)


strided_slice_assign_p = primitive(
    "strided_slice_assign", impl=_strided_slice_assign_impl,
    shape_rule=_strided_slice_assign_rule, grad=_strided_slice_assign_grad, same_dtype=False)


def _index_bound(value, dyn: list):
    """A slice bound or integer index: a Python int, or ("dyn", k) for a symbolic scalar."""
    if isinstance(value, (int, np.integer)):
        return int(value)  # Python bools are integers here, as in TF
    dtype = getattr(value, "dtype", None)
    if dtype is not None and not isinstance(dtype, dtypes.DType):
        try:
            dtype = dtypes.as_dtype(dtype)
        except (TypeError, ValueError):
            dtype = None
    shape = value._shape_tuple() if isinstance(value, Tensor) else getattr(value, "shape", None)
    rank = None if shape is None or getattr(shape, "rank", 0) is None else len(shape)
    if dtype is None or dtype.name not in ("int16", "int32", "int64") or rank != 0:
        raise TypeError(f"{_SLICE_TYPE_ERROR}, got {value!r}")
    if isinstance(value, EagerTensor) or isinstance(value, np.ndarray):
        return int(np.asarray(value))
    read = getattr(value, "_variable_read", None)
    if read is not None:
        value = read()
        if isinstance(value, EagerTensor):
            return int(value._value)
    dyn.append(value)
    return ("dyn", len(dyn) - 1)


def _slice_bound(value, dyn: list):
    return value if value is None or type(value) is int else _index_bound(value, dyn)


def _parse_index(slice_spec) -> tuple:
    """A Python index (what follows `tensor[`) as (spec, dynamic scalar inputs)."""
    kind = type(slice_spec)
    if kind is not tuple:
        slice_spec = tuple(slice_spec) if kind is list else (slice_spec,)
    spec, dyn = [], []
    ellipsis = False
    for item in slice_spec:
        kind = type(item)
        if kind is int:
            spec.append(("int", item))
        elif kind is builtins.slice:
            step = _slice_bound(item.step, dyn)
            if step == 0:
                raise _error("strides[0] must be non-zero [Op:StridedSlice]")
            spec.append(("slice", _slice_bound(item.start, dyn), _slice_bound(item.stop, dyn),
                         step))
        elif item is Ellipsis:
            if ellipsis:
                raise ValueError("Multiple ellipses in slice spec not allowed")
            ellipsis = True
            spec.append(("ell",))
        elif item is None:
            spec.append(("new",))
        else:
            spec.append(("int", _index_bound(item, dyn)))
    return tuple(spec), dyn


def _is_bool_index(slice_spec) -> bool:
    if isinstance(slice_spec, bool):
        return True
    dtype = getattr(slice_spec, "dtype", None)
    if isinstance(slice_spec, (Tensor, np.ndarray)) or hasattr(slice_spec, "_variable_read"):
        return dtype == dtypes.bool or dtype == np.bool_
    return False


def getitem(tensor, slice_spec, var=None) -> Tensor:
    """`tensor[slice_spec]`: TF's indexing (ints, slices with steps, `...`, tf.newaxis,
    scalar integer tensors; a boolean tensor selects with tf.boolean_mask)."""
    kind = type(slice_spec)
    if state.plain and type(tensor) is EagerTensor and _basic(slice_spec):
        # Eager and untaped, ints/slices/...: NumPy's basic indexing is TF's, with no dispatch.
        try:
            return wrap(tensor._value[slice_spec])
        except IndexError:
            pass  # the primitive raises TF's error
    if kind is not tuple and kind is not int and kind is not builtins.slice and \
            _is_bool_index(slice_spec):
        return boolean_mask(tensor, slice_spec)
    spec, dyn = _parse_index(slice_spec)
    return strided_slice_p.bind(tensor, *dyn, spec=spec)


def _basic_item(item) -> bool:
    kind = type(item)
    if kind is int or item is None or item is Ellipsis:
        return True
    if kind is builtins.slice:
        start, stop, step = item.start, item.stop, item.step
        return ((start is None or type(start) is int) and (stop is None or type(stop) is int)
                and (step is None or (type(step) is int and step != 0)))
    return False


def _basic(key) -> bool:
    """Python ints, int slices, `...` and None only (no tensors, lists or booleans)."""
    if type(key) is tuple:
        for item in key:
            if not _basic_item(item):
                return False
        return True
    return _basic_item(key)


def _bits(mask: int, count: int) -> list:
    return [bool(mask >> i & 1) for i in _pyrange(count)]


def _bound_list(values, dyn: list, what: str) -> list:
    if isinstance(values, Tensor) and not isinstance(values, EagerTensor):
        values = unstack(values)
    elif not isinstance(values, (list, tuple)):
        values = _static(values, what, "StridedSlice")
        values = values if isinstance(values, list) else [values]
    return [_index_bound(v, dyn) if isinstance(v, Tensor) else int(v) for v in values]


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None) -> Tensor:
    """Slice with TF's masks: bit i of `begin_mask`/`end_mask` ignores begin[i]/end[i],
    `ellipsis_mask` makes entry i an ellipsis, `new_axis_mask` a new axis of size 1 and
    `shrink_axis_mask` an integer index (removing the dimension)."""
    dyn: list = []
    begin = _bound_list(begin, dyn, "begin")
    end = _bound_list(end, dyn, "end")
    strides = [1] * len(begin) if strides is None else _bound_list(strides, dyn, "strides")
    if not len(begin) == len(end) == len(strides):
        raise ValueError(f"Expected begin, end, and strides to be 1D equal size tensors, but "
                         f"got shapes [{len(begin)}], [{len(end)}], and [{len(strides)}] instead.")
    count = len(begin)
    spec = []
    ellipsis_bits, new_bits = _bits(ellipsis_mask, count), _bits(new_axis_mask, count)
    shrink_bits = _bits(shrink_axis_mask, count)
    begin_bits, end_bits = _bits(begin_mask, count), _bits(end_mask, count)
    if sum(ellipsis_bits) > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed")
    for i in _pyrange(count):
        if ellipsis_bits[i]:
            spec.append(("ell",))
        elif new_bits[i]:
            spec.append(("new",))
        elif shrink_bits[i]:
            spec.append(("int", begin[i]))
        else:
            if strides[i] == 0:
                raise _error(f"strides[{i}] must be non-zero [Op:StridedSlice]")
            spec.append(("slice", None if begin_bits[i] else begin[i],
                         None if end_bits[i] else end[i], strides[i]))
    return strided_slice_p.bind(input_, *dyn, spec=tuple(spec))


def _check_slice_bounds(shape: tuple, begin: tuple, size: tuple) -> None:
    """TF's Slice checks: begin[i] in [0, d], size[i] in [0, d - begin[i]] or -1."""
    if len(begin) != len(size) or (shape is not None and len(begin) != len(shape)):
        raise _error(f"Expected begin and size arguments to be 1-D tensors of size "
                     f"{len(shape) if shape is not None else len(begin)}, but got shapes "
                     f"[{len(begin)}] and [{len(size)}] instead. [Op:Slice]")
    for i, (b, s) in enumerate(zip(begin, size)):
        d = None if shape is None else shape[i]
        if d is not None:
            if not 0 <= b <= d:
                raise _error(f"Expected begin[{i}] in [0, {d}], but got {b} [Op:Slice]")
            if s != -1 and not 0 <= s <= d - b:
                raise _error(f"Expected size[{i}] in [0, {d - b}], but got {s} [Op:Slice]")
        elif b < 0 or s < -1:
            raise _error(f"Slice: begin {list(begin)} and size {list(size)} must be >= 0 "
                         f"(size may be -1) [Op:Slice]")


def _slice_dynamic_impl(x, begin, size, hint):
    begin, size = tuple(int(b) for b in begin), tuple(int(s) for s in size)
    _check_slice_bounds(x.shape, begin, size)
    return x[tuple(builtins.slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))]


def _unslice_dynamic_impl(g, x, begin):
    """The adjoint of slice: zeros of x's shape with `g` placed at `begin`."""
    out = np.zeros(np.shape(x), g.dtype)
    out[tuple(builtins.slice(int(b), int(b) + n) for b, n in zip(begin, g.shape))] = g
    return out


def _slice_dynamic_grad(g, out, x, begin, size, hint):
    return unslice_dynamic_p.bind(g, x, begin), None, None


def _unslice_dynamic_grad(gg, out, g, x, begin):
    from eagerflow.ops.array import shape

    return (slice_dynamic_p.bind(gg, begin, shape(g, out_type=dtypes.int64),
                                 hint=g._shape_tuple()), None, None)


# tf.slice with begin or size known only at run time; `hint` is the output shape as far as the
# trace knows it (None entries: known only at run time).
slice_dynamic_p = primitive(
    "slice_dynamic", impl=_slice_dynamic_impl,
    shape_rule=lambda x, begin, size, hint: Spec(hint, x.dtype),
    grad=_slice_dynamic_grad, same_dtype=False)

unslice_dynamic_p = primitive(
    "unslice_dynamic", impl=_unslice_dynamic_impl,
    shape_rule=lambda g, x, begin: Spec(x.shape, g.dtype),
    grad=_unslice_dynamic_grad, same_dtype=False)


def _slice_output_hint(shape: tuple | None, begin: tuple | None, size: tuple | None):
    """The static output shape of a run-time slice: size[i] when known, d - begin[i] for
    size -1 when both are known, else None (None overall when the rank is unknown)."""
    rank = next((len(v) for v in (size, begin, shape) if v is not None), None)
    if rank is None:
        return None
    begin = begin or (None,) * rank
    size = size or (None,) * rank
    shape = shape or (None,) * rank
    dims = []
    for d, b, s in zip(shape, begin, size):
        if s is not None and s >= 0:
            dims.append(s)
        elif s == -1 and d is not None and b is not None:
            dims.append(d - b)
        else:
            dims.append(None)
    return tuple(dims)


def _run_time_slice(input_, begin, size) -> Tensor:
    """tf.slice where begin or size is a traced value: one primitive over int64 operands."""
    from eagerflow.ops.array import _shape_operand
    from eagerflow.ops.array import constant as make_tensor

    operands = []
    for value, what, lowest in ((begin, "begin", 0), (size, "size", -1)):
        hint, tensor = _shape_operand(value, "Slice")
        if tensor is None:
            tensor = make_tensor(np.asarray(hint, np.int64).reshape(-1))
        if hint is not None and any(b is not None and b < lowest for b in hint):
            raise _error(f"Slice: {what} {list(hint)} must be >= 0 (size may be -1) [Op:Slice]")
        operands.append((hint, tensor))
    (begin_hint, begin), (size_hint, size) = operands
    shape = input_._shape_tuple()
    for hint in (begin_hint, size_hint):
        if hint is not None and shape is not None and len(hint) != len(shape):
            raise _error(f"Expected begin and size arguments to be 1-D tensors of size "
                         f"{len(shape)}, but got shapes [{len(hint)}] instead. [Op:Slice]")
    hint = _slice_output_hint(shape, begin_hint, size_hint)
    return slice_dynamic_p.bind(input_, begin, size, hint=hint)


def _has_run_time_entries(value) -> bool:
    if isinstance(value, Tensor) and not isinstance(value, EagerTensor):
        return True
    return isinstance(value, (list, tuple)) and any(
        isinstance(v, Tensor) and not isinstance(v, EagerTensor) for v in value)


def slice(input_, begin, size, name=None) -> Tensor:
    """The block of `input_` starting at `begin` of shape `size` (-1: to the end).

    Inside tf.function `begin` and `size` may be values known only at run time (tensors, or
    lists holding scalar tensors); the output keeps every dim the trace can tell.
    """
    input_ = _t(input_)
    if _has_run_time_entries(begin) or _has_run_time_entries(size):
        return _run_time_slice(input_, begin, size)
    begin = _static_ints(begin, "begin", "Slice")
    size = _static_ints(size, "size", "Slice")
    shape = input_._shape_tuple()
    _check_slice_bounds(shape, begin, size)
    spec = [("slice", b, None if s == -1 else b + s, 1) for b, s in zip(begin, size)]
    result = strided_slice_p.bind(input_, spec=tuple(spec))
    if hasattr(result, "set_shape") and shape is not None and None in shape:
        # Dims the input does not know yet: the requested sizes are the output's.
        result.set_shape([None if s == -1 else s for s in size])
    return result


# --- gather / gather_nd and their scatter-add adjoints -----------------------------------------
def _check_indices(indices, limit: int, op: str) -> None:
    if indices.size and (indices.min() < 0 or indices.max() >= limit):
        bad = indices[(indices < 0) | (indices >= limit)].reshape(-1)[0]
        position = np.argwhere((indices < 0) | (indices >= limit))[0].tolist()
        raise _error(f"indices{position} = {bad} is not in [0, {limit}) [Op:{op}]")


def _gather_parts(shape: tuple, axis: int, batch_dims: int) -> tuple:
    """params as [B, n, A, C]: batch, the gathered axis, the dims between, the dims after."""
    batch = int(np.prod(shape[:batch_dims], dtype=np.int64))
    between = int(np.prod(shape[batch_dims:axis], dtype=np.int64))
    after = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return batch, shape[axis], between, after


def _gather_impl(params, indices, axis, batch_dims):
    _check_indices(indices, params.shape[axis], "GatherV2")
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
    batch, n, between, after = _gather_parts(params.shape, axis, batch_dims)
    p = params.reshape(batch, between, n, after).transpose(0, 2, 1, 3)
    idx = indices.reshape(batch, -1)
    picked = p[np.arange(batch)[:, None], idx]  # [B, I, A, C]
    picked = picked.transpose(0, 2, 1, 3)        # [B, A, I, C]
    shape = (params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:])
    return picked.reshape(shape)


def _gather_rule(params: Spec, indices: Spec, axis, batch_dims) -> Spec:
    if params.shape is None or indices.shape is None:
        return Spec(None, params.dtype)
    shape = params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]
    return Spec(shape, params.dtype)


def _gather_grad_impl(g, indices, params, axis, batch_dims):
    out = np.zeros(params.shape, g.dtype)
    batch, n, between, after = _gather_parts(params.shape, axis, batch_dims)
    count = int(np.prod(indices.shape[batch_dims:], dtype=np.int64))
    z = out.reshape(batch, between, n, after).transpose(0, 2, 1, 3)  # a view of out
    src = g.reshape(batch, between, count, after).transpose(0, 2, 1, 3)
    np.add.at(z, (np.arange(batch)[:, None], indices.reshape(batch, count)), src)
    return out


gather_p = primitive(
    "gather", impl=_gather_impl, shape_rule=_gather_rule,
    grad=lambda g, out, params, indices, axis, batch_dims: (
        gather_grad_p.bind(g, indices, params, axis=axis, batch_dims=batch_dims), None),
    same_dtype=False)

# Unsorted segment sum of `g` into zeros shaped like `params`: the adjoint of gather.
gather_grad_p = primitive(
    "gather_grad", impl=_gather_grad_impl,
    shape_rule=lambda g, indices, params, axis, batch_dims: Spec(params.shape, g.dtype),
    grad=lambda gg, out, g, indices, params, axis, batch_dims: (
        gather_p.bind(gg, indices, axis=axis, batch_dims=batch_dims), None, None),
    same_dtype=False)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None) -> Tensor:
    """Slices of `params` along `axis` at `indices` (indices out of range raise)."""
    params = _t(params)
    indices = _index_tensor(indices, "GatherV2")
    batch_dims = _static_int(batch_dims, "batch_dims", "GatherV2")
    axis = batch_dims if axis is None else _static_int(axis, "axis", "GatherV2")
    prank, irank = params.ndim, indices.ndim
    if batch_dims < 0:
        if irank is None:
            raise ValueError("gather: a negative batch_dims needs indices of known rank")
        batch_dims += irank
    if prank is None:
        if axis < 0:
            raise ValueError("gather: a negative axis needs params of known rank")
    else:
        axis = normalize_axis(axis, prank, "GatherV2")
        if irank is not None and batch_dims > irank:
            raise ValueError(f"`batch_dims` (which is {batch_dims}) must be less than or equal "
                             f"to the rank of `indices` (which is {irank}).")
        if axis < batch_dims:
            raise ValueError(f"`batch_dims` (which is {batch_dims}) must be less than or equal "
                             f"to `axis` (which is {axis}).")
        pshape, ishape = params._shape_tuple(), indices._shape_tuple()
        if ishape is not None:
            for i in _pyrange(batch_dims):
                if pshape[i] is not None and ishape[i] is not None and pshape[i] != ishape[i]:
                    raise _error(f"params.shape[{i}]: {pshape[i]} should be equal to "
                                 f"indices.shape[{i}]: {ishape[i]} [Op:GatherV2]")
    return gather_p.bind(params, indices, axis=axis, batch_dims=batch_dims)


def _nd_parts(params_shape: tuple, indices_shape: tuple, batch_dims: int) -> tuple:
    """(batch size, index depth K, number of index tuples per batch, slice shape)."""
    depth = indices_shape[-1]
    batch = int(np.prod(params_shape[:batch_dims], dtype=np.int64))
    count = int(np.prod(indices_shape[batch_dims:-1], dtype=np.int64))
    return batch, depth, count, tuple(params_shape[batch_dims + depth:])


def _nd_positions(params_shape, indices, batch_dims, op):
    """Flat positions into params viewed as [B * prod(indexed dims), slice...]."""
    batch, depth, count, _ = _nd_parts(params_shape, indices.shape, batch_dims)
    indexed = params_shape[batch_dims:batch_dims + depth]
    idx = indices.reshape(batch, count, depth)
    limits = np.asarray(indexed, dtype=np.int64)
    bad = (idx < 0) | (idx >= limits)
    if bad.any():
        where_bad = np.argwhere(bad.reshape(indices.shape[:-1] + (depth,)).any(-1))[0]
        raise _error(f"indices{where_bad.tolist()} = {indices[tuple(where_bad)].tolist()} does "
                     f"not index into param shape {list(params_shape)}, node name: {op} "
                     f"[Op:{op}]")
    flat = np.ravel_multi_index(tuple(idx[..., k] for k in _pyrange(depth)), indexed) \
        if depth else np.zeros((batch, count), np.int64)
    inner = int(np.prod(indexed, dtype=np.int64))
    return flat + (np.arange(batch)[:, None] * inner), batch * inner


def _gather_nd_impl(params, indices, batch_dims):
    depth = indices.shape[-1]
    positions, rows = _nd_positions(params.shape, indices, batch_dims, "GatherNd")
    tail = params.shape[batch_dims + depth:]
    out = params.reshape((rows,) + tail)[positions.reshape(-1)]
    return out.reshape(indices.shape[:-1] + tail)


def _gather_nd_rule(params: Spec, indices: Spec, batch_dims) -> Spec:
    if params.shape is None or indices.shape is None or indices.shape[-1] is None:
        return Spec(None, params.dtype)
    depth = indices.shape[-1]
    if depth > len(params.shape) - batch_dims:
        raise _error(f"index innermost dimension length must be <= params rank; saw: {depth} "
                     f"vs. {len(params.shape) - batch_dims} [Op:GatherNd]")
    return Spec(indices.shape[:-1] + params.shape[batch_dims + depth:], params.dtype)


def _scatter_nd_add_into(out, indices, updates, batch_dims, op, ufunc=np.add):
    depth = indices.shape[-1]
    positions, rows = _nd_positions(out.shape, indices, batch_dims, op)
    tail = out.shape[batch_dims + depth:]
    ufunc.at(out.reshape((rows,) + tail), positions.reshape(-1),
             updates.reshape((-1,) + tail))
    return out


def _gather_nd_grad_impl(g, indices, params, batch_dims):
    out = np.zeros(params.shape, g.dtype)
    return _scatter_nd_add_into(out, indices, g, batch_dims, "GatherNd")


gather_nd_p = primitive(
    "gather_nd", impl=_gather_nd_impl, shape_rule=_gather_nd_rule,
    grad=lambda g, out, params, indices, batch_dims: (
        gather_nd_grad_p.bind(g, indices, params, batch_dims=batch_dims), None),
    same_dtype=False)

gather_nd_grad_p = primitive(
    "gather_nd_grad", impl=_gather_nd_grad_impl,
    shape_rule=lambda g, indices, params, batch_dims: Spec(params.shape, g.dtype),
    grad=lambda gg, out, g, indices, params, batch_dims: (
        gather_nd_p.bind(gg, indices, batch_dims=batch_dims), None, None),
    same_dtype=False)


def gather_nd(params, indices, batch_dims=0, name=None) -> Tensor:
    """Slices of `params` at the index tuples in the last dimension of `indices`."""
    params = _t(params)
    indices = _index_tensor(indices, "GatherNd")
    batch_dims = _static_int(batch_dims, "batch_dims", "GatherNd")
    if indices.ndim == 0:
        raise _error("indices must be at least a vector [Op:GatherNd]")
    return gather_nd_p.bind(params, indices, batch_dims=batch_dims)


# --- scatter_nd and tensor_scatter_nd_* ---------------------------------------------------------
def _check_scatter_shapes(shape, indices, updates, op: str) -> None:
    """updates.shape must be indices.shape[:-1] + shape[indices.shape[-1]:]."""
    if shape is None or indices is None or updates is None or indices[-1] is None:
        return
    depth = indices[-1]
    if depth > len(shape):
        raise _error(f"Index innermost dimension length must be <= output rank; saw: {depth} "
                     f"vs. {len(shape)} [Op:{op}]")
    expected = tuple(indices[:-1]) + tuple(shape[depth:])
    if len(expected) != len(updates) or any(
            a is not None and b is not None and a != b for a, b in zip(expected, updates)):
        outer = len(indices) - 1
        raise _error(f"Dimensions [0,{outer}) of indices[shape={list(indices)}] and "
                     f"updates[shape={list(updates)}] must match, and updates.shape[{outer}:]"
                     f" must equal shape[{depth}:] of the target of shape {list(shape)}; "
                     f"expected updates of shape {list(expected)} [Op:{op}]")


def _scatter_nd_impl(indices, updates, shape):
    _check_scatter_shapes(shape, indices.shape, updates.shape, "ScatterNd")
    out = np.zeros(shape, updates.dtype)
    return _scatter_nd_add_into(out, indices, updates, 0, "ScatterNd")


def _scatter_nd_rule(indices: Spec, updates: Spec, shape) -> Spec:
    _check_scatter_shapes(shape, indices.shape, updates.shape, "ScatterNd")
    return Spec(tuple(shape), updates.dtype)


scatter_nd_p = primitive(
    "scatter_nd", impl=_scatter_nd_impl, shape_rule=_scatter_nd_rule,
    grad=lambda g, out, indices, updates, shape: (None, gather_nd_p.bind(g, indices,
                                                                         batch_dims=0)),
    same_dtype=False)


def scatter_nd(indices, updates, shape, name=None) -> Tensor:
    """Zeros of `shape` with `updates` added at `indices` (duplicates are summed)."""
    indices = _index_tensor(indices, "ScatterNd")
    return scatter_nd_p.bind(indices, _t(updates), shape=_shape_argument(shape))


_SCATTER_UFUNCS = {"update": None, "add": np.add, "sub": np.subtract, "max": np.maximum,
                   "min": np.minimum}


def _tensor_scatter_impl(tensor, indices, updates, mode):
    op = f"TensorScatter{mode.capitalize()}"
    _check_scatter_shapes(tensor.shape, indices.shape, updates.shape, op)
    out = np.array(tensor, copy=True)
    if mode == "update":
        depth = indices.shape[-1]
        positions, rows = _nd_positions(out.shape, indices, 0, op)
        tail = out.shape[depth:]
        out.reshape((rows,) + tail)[positions.reshape(-1)] = updates.reshape((-1,) + tail)
        return out
    return _scatter_nd_add_into(out, indices, updates, 0, op, _SCATTER_UFUNCS[mode])


def _tensor_scatter_rule(tensor: Spec, indices: Spec, updates: Spec, mode) -> Spec:
    if tensor.dtype != updates.dtype:
        raise _error(f"TensorScatter{mode.capitalize()}: tensor and updates must have the same "
                     f"dtype, got {tensor.dtype.name} and {updates.dtype.name}")
    _check_scatter_shapes(tensor.shape, indices.shape, updates.shape,
                          f"TensorScatter{mode.capitalize()}")
    return tensor


def _tensor_scatter_grad(g, out, tensor, indices, updates, mode):
    from eagerflow.ops import math

    if mode == "update":
        return (tensor_scatter_p.bind(g, indices, zeros_like(updates), mode="update"), None,
                gather_nd_p.bind(g, indices, batch_dims=0))
    if mode == "add":
        return (g, None, gather_nd_p.bind(g, indices, batch_dims=0))
    if mode == "sub":
        return (g, None, math.negative(gather_nd_p.bind(g, indices, batch_dims=0)))
    # max / min: the gradient goes to whichever won; ties share it equally.
    x_won = cast(math.equal(tensor, out), g.dtype)
    y_won = cast(math.equal(updates, gather_nd_p.bind(out, indices, batch_dims=0)), g.dtype)
    winners = math.add(x_won, scatter_nd_like_p.bind(indices, y_won, tensor))
    shared = math.truediv(g, winners)
    return (math.multiply(shared, x_won), None,
            math.multiply(gather_nd_p.bind(shared, indices, batch_dims=0), y_won))


tensor_scatter_p = primitive(
    "tensor_scatter_nd", impl=_tensor_scatter_impl, shape_rule=_tensor_scatter_rule,
    grad=_tensor_scatter_grad, same_dtype=False)

# scatter_nd into zeros shaped like a donor tensor (run-time shape); used by gradients.
scatter_nd_like_p = primitive(
    "scatter_nd_like",
    impl=lambda indices, updates, donor: _scatter_nd_add_into(
        np.zeros(np.shape(donor), updates.dtype), indices, updates, 0, "ScatterNd"),
    shape_rule=lambda indices, updates, donor: Spec(donor.shape, updates.dtype),
    grad=lambda g, out, indices, updates, donor: (
        None, gather_nd_p.bind(g, indices, batch_dims=0), None),
    same_dtype=False)


def _tensor_scatter(mode: str):
    def function(tensor, indices, updates, name=None) -> Tensor:
        tensor = _t(tensor)
        indices = _index_tensor(indices, f"TensorScatter{mode.capitalize()}")
        if not isinstance(updates, Tensor):
            updates = convert_to_tensor(updates, dtype=tensor.dtype)
        _require_same_dtype(f"TensorScatter{mode.capitalize()}", tensor, updates, 2)
        return tensor_scatter_p.bind(tensor, indices, updates, mode=mode)

    function.__name__ = f"tensor_scatter_nd_{mode}"
    function.__doc__ = (f"A copy of `tensor` with `updates` scattered at `indices` "
                        f"({mode} at each index).")
    return function


tensor_scatter_nd_update = _tensor_scatter("update")
tensor_scatter_nd_add = _tensor_scatter("add")
tensor_scatter_nd_sub = _tensor_scatter("sub")
tensor_scatter_nd_max = _tensor_scatter("max")
tensor_scatter_nd_min = _tensor_scatter("min")


# --- where / boolean_mask ---------------------------------------------------------------------
where_indices_p = primitive(
    "where_indices", impl=lambda c: np.argwhere(c).astype(np.int64),
    shape_rule=lambda c: Spec((None, None if c.shape is None else len(c.shape)), dtypes.int64),
    grad=None, same_dtype=False)


def _select_impl(c, x, y):
    return np.where(c, x, y)


def _select_rule(c: Spec, x: Spec, y: Spec) -> Spec:
    if x.dtype != y.dtype:
        raise _error(f"cannot compute SelectV2 as input #2(zero-based) was expected to be a "
                     f"{x.dtype.name} tensor but is a {y.dtype.name} tensor [Op:SelectV2]")
    if c.dtype != dtypes.bool:
        raise _error(f"SelectV2: condition must be bool, got {c.dtype.name} [Op:SelectV2]")
    shape = broadcast_shapes(broadcast_shapes(c.shape, x.shape, "SelectV2"), y.shape, "SelectV2")
    return Spec(shape, x.dtype)


def _select_grad(g, out, c, x, y):
    zeros = zeros_like(g)
    return (None, unbroadcast(select_p.bind(c, g, zeros), x),
            unbroadcast(select_p.bind(c, zeros, g), y))


select_p = primitive("select", impl=_select_impl, shape_rule=_select_rule, grad=_select_grad,
                     same_dtype=False)


def where(condition, x=None, y=None, name=None) -> Tensor:
    """With `x` and `y`: elements of x where `condition` else of y (broadcasting all three).

    With the condition only: the int64 coordinates [N, rank] of its true (non-zero)
    elements, in row-major order.
    """
    if (x is None) != (y is None):
        raise ValueError("x and y must both be non-None or both be None.")
    condition = _t(condition)
    if x is None:
        return where_indices_p.bind(condition)
    if condition.dtype != dtypes.bool:
        raise _error(f"where: `condition` must be a bool tensor, got {condition.dtype.name}")
    if not isinstance(x, Tensor) and isinstance(y, Tensor):
        x = convert_to_tensor(x, dtype_hint=y.dtype)
    x = _t(x)
    if not isinstance(y, Tensor):
        y = convert_to_tensor(y, dtype_hint=x.dtype)
    _require_same_dtype("SelectV2", x, y, 2)
    return select_p.bind(condition, x, y)


def _mask_index(axis: int, mask):
    return (builtins.slice(None),) * axis + (mask,)


def _boolean_mask_impl(tensor, mask, axis):
    return tensor[_mask_index(axis, mask)]


def _boolean_mask_rule(tensor: Spec, mask: Spec, axis) -> Spec:
    if tensor.shape is None or mask.shape is None:
        return Spec(None, tensor.dtype)
    return Spec(tensor.shape[:axis] + (None,) + tensor.shape[axis + len(mask.shape):],
                tensor.dtype)


def _boolean_unmask_impl(g, mask, tensor, axis):
    out = np.zeros(np.shape(tensor), g.dtype)
    out[_mask_index(axis, mask)] = g
    return out


boolean_mask_p = primitive(
    "boolean_mask", impl=_boolean_mask_impl, shape_rule=_boolean_mask_rule,
    grad=lambda g, out, tensor, mask, axis: (
        boolean_unmask_p.bind(g, mask, tensor, axis=axis), None),
    same_dtype=False)

boolean_unmask_p = primitive(
    "boolean_unmask", impl=_boolean_unmask_impl,
    shape_rule=lambda g, mask, tensor, axis: Spec(tensor.shape, g.dtype),
    grad=lambda gg, out, g, mask, tensor, axis: (
        boolean_mask_p.bind(gg, mask, axis=axis), None, None),
    same_dtype=False)


def boolean_mask(tensor, mask, axis=None, name="boolean_mask") -> Tensor:
    """The elements (or slices) of `tensor` where `mask` is true.

    `mask` (rank k) covers dimensions axis..axis+k-1 of `tensor`; those become
    one dimension of length count(mask).
    """
    tensor = _t(tensor)
    mask = _t(mask)
    if mask.dtype != dtypes.bool:
        raise TypeError(f"boolean_mask: mask must be a bool tensor, got {mask.dtype.name}")
    mshape, tshape = mask._shape_tuple(), tensor._shape_tuple()
    if mshape is None:
        raise ValueError("Number of mask dimensions must be specified, even if some dimensions"
                         " are None.  E.g. shape=[None] is ok, but shape=None is not.")
    if len(mshape) == 0:
        raise ValueError("mask cannot be scalar.")
    axis = 0 if axis is None else _static_int(axis, "axis", "boolean_mask")
    if tshape is not None:
        if axis < 0:
            axis += len(tshape)
        part = tshape[axis:axis + len(mshape)]
        if len(part) != len(mshape) or any(a is not None and b is not None and a != b
                                           for a, b in zip(part, mshape)):
            raise ValueError(f"Shapes {_shape_text(part)} and {_shape_text(mshape)} "
                             f"are incompatible")
    return boolean_mask_p.bind(tensor, mask, axis=axis)


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


