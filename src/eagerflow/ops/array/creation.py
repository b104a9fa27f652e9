"""Tensors made from a shape or a range (`tf.zeros`, `tf.fill`, `tf.one_hot`, `tf.eye`,
`tf.range`, `tf.linspace`, `tf.meshgrid`, `tf.sequence_mask`)."""

from __future__ import annotations

import builtins

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.context import state
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import (
    EagerTensor,
    Tensor,
    constant_array,
    convert_to_tensor,
    make_constant,
)
from eagerflow.ops.array.arguments import (
    _error,
    _pyrange,
    _shape_argument,
    _static_int,
    _t,
    keras_call_if_symbolic,
)
from eagerflow.ops.array.basics import (
    _is_symbolic,
    _shape_operand,
    broadcast_like,
    cast,
    fill_dynamic_p,
    reshape,
    unbroadcast,
)
from eagerflow.ops.array.layout import broadcast_to_p
from eagerflow.ops.rules import broadcast_shapes

__all__ = [
    "zeros", "ones", "zeros_like", "ones_like", "fill", "eye", "range", "linspace", "lin_space",
    "one_hot", "meshgrid", "sequence_mask",
]
NAMESPACES: dict = {"linalg": ["eye"]}


# --- zeros / ones / fill -------------------------------------------------------------------
def zeros(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """A tensor of `shape` filled with zeros."""
    symbolic = keras_call_if_symbolic(shape)
    if symbolic is not None:
        return symbolic
    dtype = dtypes.as_dtype(dtype)
    hint, dynamic = _shape_operand(shape, "Fill")
    if dynamic is not None:
        return fill_dynamic_p.bind(dynamic, make_constant(np.zeros((), dtype._numpy)), hint=hint)
    return make_constant(np.zeros(hint, dtype._numpy))


def ones(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """A tensor of `shape` filled with ones."""
    symbolic = keras_call_if_symbolic(shape)
    if symbolic is not None:
        return symbolic
    dtype = dtypes.as_dtype(dtype)
    hint, dynamic = _shape_operand(shape, "Fill")
    if dynamic is not None:
        return fill_dynamic_p.bind(dynamic, make_constant(np.ones((), dtype._numpy)), hint=hint)
    return make_constant(np.ones(hint, dtype._numpy))


def _fill_like_rule(x: Spec, value, dtype) -> Spec:
    return Spec(x.shape, dtypes.from_numpy(dtype))


def _fill_like_impl(x, value, dtype):
    return np.full(np.shape(x), value, dtype)


fill_like_p = primitive("fill_like", impl=_fill_like_impl, shape_rule=_fill_like_rule,
                        grad=lambda g, out, x, value, dtype: (None,), same_dtype=False)


def zeros_like(input, dtype=None, name=None) -> Tensor:
    """Zeros with the (run-time) shape of `input`."""
    input = input if isinstance(input, Tensor) else convert_to_tensor(input)
    dtype = input.dtype if dtype is None else dtypes.as_dtype(dtype)
    return fill_like_p.bind(input, value=0, dtype=dtype._numpy)


def ones_like(input, dtype=None, name=None) -> Tensor:
    input = input if isinstance(input, Tensor) else convert_to_tensor(input)
    dtype = input.dtype if dtype is None else dtypes.as_dtype(dtype)
    return fill_like_p.bind(input, value=1, dtype=dtype._numpy)


def fill(dims, value, name=None) -> Tensor:
    """A tensor of shape `dims` filled with the scalar `value` (differentiable in value)."""
    symbolic = keras_call_if_symbolic(dims)
    if symbolic is not None:
        return symbolic
    value = _t(value)
    if value.shape.rank != 0:
        raise InvalidArgumentError(None, None, f"Fill: value must be a scalar, got shape "
                                   f"{value.shape}")
    hint, dynamic = _shape_operand(dims, "Fill")
    if dynamic is None:
        if isinstance(value, EagerTensor) and state.plain:
            return make_constant(np.full(hint, value._value, value.dtype._numpy))
        dynamic = make_constant(np.array(hint, np.int64).reshape(len(hint)))
    return fill_dynamic_p.bind(dynamic, value, hint=hint)


# --- one_hot -------------------------------------------------------------------------------
def _one_hot_impl(indices, on, off, depth, axis):
    hot = np.expand_dims(indices, -1) == np.arange(depth)
    if axis != -1:
        hot = np.moveaxis(hot, -1, axis)
    return np.where(hot, on, off)


def _one_hot_rule(indices: Spec, on: Spec, off: Spec, depth, axis) -> Spec:
    if indices.shape is None:
        return Spec(None, on.dtype)
    rank = len(indices.shape) + 1
    position = rank - 1 if axis == -1 else axis
    return Spec(indices.shape[:position] + (depth,) + indices.shape[position:], on.dtype)


one_hot_p = primitive("one_hot", impl=_one_hot_impl, shape_rule=_one_hot_rule, grad=None,
                      same_dtype=False)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None,
            name=None) -> Tensor:
    """One-hot vectors of length `depth` for `indices` (out-of-range indices give all off)."""
    indices = _t(indices)
    if indices.dtype.name not in ("uint8", "int8", "int32", "int64"):
        raise TypeError(f"Value passed to parameter 'indices' has DataType "
                        f"{indices.dtype.name} not in list of allowed values: uint8, int8, "
                        f"int32, int64")
    depth = _static_int(depth, "depth", "OneHot")
    if depth < 0:
        raise _error(f"depth must be non-negative, got: {depth} [Op:OneHot]")
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    else:
        for value in (on_value, off_value):
            if isinstance(value, Tensor) or hasattr(value, "_variable_read"):
                dtype = value.dtype
                break
            if value is not None and dtype is None:
                dtype = convert_to_tensor(value).dtype
        dtype = dtype or dtypes.float32
    on = convert_to_tensor(1 if on_value is None else on_value, dtype=dtype) \
        if not isinstance(on_value, Tensor) else on_value
    off = convert_to_tensor(0 if off_value is None else off_value, dtype=dtype) \
        if not isinstance(off_value, Tensor) else off_value
    if on.dtype != dtype or off.dtype != dtype:
        raise TypeError(f"dtype {dtype.name} of on_value/off_value does not match: on_value "
                        f"{on.dtype.name}, off_value {off.dtype.name}")
    axis = -1 if axis is None else _static_int(axis, "axis", "OneHot")
    rank = indices.ndim
    if rank is not None:
        if not -1 <= axis <= rank:
            raise _error(f"Expected axis to be -1 or between [0, {rank + 1}).  But received: "
                         f"{axis} [Op:OneHot]")
    return one_hot_p.bind(indices, on, off, depth=depth, axis=axis)


# --- meshgrid ------------------------------------------------------------------------------
def meshgrid(*args, **kwargs) -> list:
    """Coordinate grids from 1-D tensors; `indexing="xy"` (default) or "ij"."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"Invalid keywords argument(s): {', '.join(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"'{indexing}'")
    tensors = [reshape(_t(a), [-1]) for a in args]
    count = len(tensors)
    if count == 0:
        return []
    shapes = []
    for i in _pyrange(count):
        target = [1] * count
        target[i] = -1
        if indexing == "xy" and count >= 2 and i < 2:
            target[i], target[1 - i] = 1, -1
        shapes.append(target)
    grids = [reshape(t, s) for t, s in zip(tensors, shapes)]
    full = builtins.tuple(builtins.max(d) if None not in d else None
                          for d in zip(*[g._shape_tuple() for g in grids]))
    if None not in full:
        return [broadcast_to_p.bind(g, shape=full) for g in grids]
    donor = grids[0]
    for g in grids[1:]:
        donor = _broadcast_pair(donor, g)
    return [broadcast_like(g, donor) for g in grids]


def _broadcast_pair(a: Tensor, b: Tensor) -> Tensor:
    """A tensor of the broadcast shape of a and b (values of a), for run-time shapes."""
    from eagerflow.ops import math

    return math.add(zeros_like(b, dtype=a.dtype), a)




# --- sequence_mask -------------------------------------------------------------------------
def _sequence_mask_impl(lengths, maxlen, dtype):
    if maxlen is None:
        maxlen = int(np.max(lengths)) if np.size(lengths) else 0
    mask = np.expand_dims(lengths, -1) > np.arange(max(maxlen, 0))
    return mask.astype(dtype)


sequence_mask_p = primitive(
    "sequence_mask", impl=_sequence_mask_impl,
    shape_rule=lambda lengths, maxlen, dtype: Spec(
        None if lengths.shape is None else lengths.shape + (maxlen,), dtypes.from_numpy(dtype)),
    grad=None, same_dtype=False)


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None) -> Tensor:
    """mask[i..., j] = j < lengths[i...], of width `maxlen` (default: max(lengths))."""
    lengths = _t(lengths)
    if not lengths.dtype.is_integer:
        raise TypeError(f"sequence_mask: `lengths` must be integers, got {lengths.dtype.name}")
    dtype = dtypes.as_dtype(dtype)._numpy
    if _is_symbolic(maxlen):
        return sequence_mask_dynamic_p.bind(lengths, maxlen, dtype=dtype)
    if maxlen is not None:
        maxlen = _static_int(maxlen, "maxlen", "SequenceMask")
    return sequence_mask_p.bind(lengths, maxlen=maxlen, dtype=dtype)


sequence_mask_dynamic_p = primitive(
    "sequence_mask_dynamic",
    impl=lambda lengths, maxlen, dtype: _sequence_mask_impl(lengths, int(maxlen), dtype),
    shape_rule=lambda lengths, maxlen, dtype: Spec(
        None if lengths.shape is None else lengths.shape + (None,), dtypes.from_numpy(dtype)),
    grad=None, same_dtype=False)


# --- eye / range / linspace ----------------------------------------------------------------
def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None) -> Tensor:
    """An identity matrix [num_rows, num_columns], optionally repeated over `batch_shape`."""
    rows = _static_int(num_rows, "num_rows", "eye")
    columns = rows if num_columns is None else _static_int(num_columns, "num_columns", "eye")
    matrix = np.eye(rows, columns, dtype=dtypes.as_dtype(dtype)._numpy)
    if batch_shape is not None:
        batch = _shape_argument(batch_shape)
        matrix = np.array(np.broadcast_to(matrix, batch + matrix.shape))
    return make_constant(matrix)


def range(start, limit=None, delta=1, dtype=None, name="range") -> Tensor:  # noqa: A001
    """[start, start + delta, ...) up to `limit`; tf.range(n) counts from 0.

    The dtype is inferred as TF does: the widest of the arguments' dtypes
    (Python ints int32, Python floats float32), or `dtype` when given.
    """
    symbolic = keras_call_if_symbolic(start, limit, delta)
    if symbolic is not None:
        return symbolic
    if limit is None:
        start, limit = 0, start
    values = [v._variable_read() if hasattr(v, "_variable_read") else v
              for v in (start, limit, delta)]
    if any(_is_symbolic(v) for v in values):
        return _range_dynamic(values, dtype)
    arrays = [v._value if isinstance(v, EagerTensor) else constant_array(v) for v in values]
    for a in arrays:
        if a.ndim != 0:
            raise _error(f"Range: start, limit and delta must be scalars, got shape "
                         f"{list(a.shape)} [Op:Range]")
    if dtype is None:  # the widest of the arguments' dtypes, as TF
        order = [np.int32, np.int64, np.float16, np.float32, np.float64]
        kind = builtins.max((a.dtype for a in arrays),
                            key=lambda d: order.index(d.type) if d.type in order else 0)
        dtype = dtypes.from_numpy(kind)
    else:
        dtype = dtypes.as_dtype(dtype)
    start_v, limit_v, delta_v = (a.item() for a in arrays)
    if delta_v == 0:
        raise _error("Requires delta != 0: 0 [Op:Range]")
    if (delta_v > 0 and start_v > limit_v) or (delta_v < 0 and start_v < limit_v):
        raise _error(f"Requires start <= limit when delta > 0: {start_v}/{limit_v} [Op:Range]"
                     if delta_v > 0 else
                     f"Requires start >= limit when delta < 0: {start_v}/{limit_v} [Op:Range]")
    numpy_dtype = dtype._numpy
    if numpy_dtype.kind in "iu":
        out = np.arange(start_v, limit_v, delta_v).astype(numpy_dtype)
    else:
        count = int(np.ceil((limit_v - start_v) / delta_v))
        out = (start_v + np.arange(count, dtype=np.float64) * delta_v).astype(numpy_dtype)
    return make_constant(out)


def _range_impl(start, limit, delta):
    if delta == 0:
        raise _error("Requires delta != 0: 0 [Op:Range]")
    if start.dtype.kind in "iu":
        return np.arange(start, limit, delta, dtype=start.dtype)
    count = max(int(np.ceil((limit - start) / delta)), 0)
    return (start + np.arange(count, dtype=np.float64) * delta).astype(start.dtype)


range_p = primitive(
    "range", impl=_range_impl, shape_rule=lambda start, limit, delta: Spec((None,), start.dtype),
    grad=None)


def _range_dynamic(values: list, dtype) -> Tensor:
    """tf.range with run-time bounds (inside tf.function)."""
    tensors = [v if isinstance(v, Tensor) else None for v in values]
    if dtype is None:
        order = ["int32", "int64", "float16", "float32", "float64"]
        kinds = [t.dtype for t in tensors if t is not None]
        kinds += [convert_to_tensor(v).dtype for v, t in zip(values, tensors) if t is None]
        dtype = builtins.max(kinds, key=lambda d: order.index(d.name) if d.name in order else 0)
    dtype = dtypes.as_dtype(dtype)
    operands = [cast(t, dtype) if t is not None else convert_to_tensor(v, dtype=dtype)
                for v, t in zip(values, tensors)]
    return range_p.bind(*operands)


def _linspace_impl(start, stop, num, axis):
    out = np.linspace(start, stop, num, axis=axis)
    return out.astype(np.result_type(start, stop))


def _linspace_rule(start: Spec, stop: Spec, num, axis) -> Spec:
    shape = broadcast_shapes(start.shape, stop.shape, "LinSpace")
    if shape is None:
        return Spec(None, start.dtype)
    position = axis % (len(shape) + 1)
    return Spec(shape[:position] + (num,) + shape[position:], start.dtype)


def _linspace_grad(g, out, start, stop, num, axis):
    from eagerflow.ops import math, reduce

    rank = len(g._shape_tuple())
    position = axis % rank
    t = np.linspace(0.0, 1.0, num) if num > 1 else np.zeros(num)
    weights_shape = [1] * rank
    weights_shape[position] = num
    t = make_constant(t.reshape(weights_shape).astype(g.dtype._numpy))
    g_stop = reduce.reduce_sum(math.multiply(g, t), axis=position)
    g_start = math.subtract(reduce.reduce_sum(g, axis=position), g_stop)
    return (unbroadcast(g_start, start), unbroadcast(g_stop, stop))


linspace_p = primitive("linspace", impl=_linspace_impl, shape_rule=_linspace_rule,
                       grad=_linspace_grad)


def linspace(start, stop, num, name=None, axis=0) -> Tensor:
    """`num` evenly spaced values from `start` to `stop` inclusive (batched over the shapes
    of start and stop, the new dimension at `axis`)."""
    start, stop = _t(start), _t(stop)
    if not start.dtype.is_floating:
        raise TypeError(f"Value passed to parameter 'start' has DataType {start.dtype.name} "
                        f"not in list of allowed values: bfloat16, float16, float32, float64")
    num = _static_int(num, "num", "LinSpace")
    axis = _static_int(axis, "axis", "LinSpace")
    return linspace_p.bind(start, stop, num=num, axis=axis)


lin_space = linspace
