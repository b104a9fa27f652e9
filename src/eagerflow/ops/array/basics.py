"""Value and shape basics (`tf.constant`, `tf.cast`, `tf.reshape`, `tf.shape`, ...) and the
primitives for shapes known only at run time, which the other array families build on."""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
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
from eagerflow.ops.rules import broadcast_shapes, same_as_first

__all__ = [
    "constant", "identity", "identity_n", "stop_gradient", "cast", "reshape", "shape",
    "shape_n", "rank", "size", "clip_by_value",
]
NAMESPACES: dict = {}


# --- constant ------------------------------------------------------------------------------
def constant(value, dtype=None, shape=None, name="Const") -> Tensor:
    """A tensor holding `value` (Python floats -> float32, ints -> int32, as TF).

    With `shape`, a scalar (or one-element) value is broadcast to it; otherwise
    the element count must match and the value is reshaped.
    """
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    array = constant_array(value, dtype)
    if isinstance(value, np.ndarray) and array is value:
        array = array.copy()  # a tensor never aliases a user's array
    if shape is not None:
        shape = _shape_argument(shape)
        if array.size == 1:
            array = np.broadcast_to(array.reshape(()), shape).copy()
        elif array.size == int(np.prod(shape)):
            array = array.reshape(shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor "
                            f"{value!r} (converted from {value!r}) has {array.size} elements, "
                            f"but got `shape` {shape} with {int(np.prod(shape))} elements).")
    return make_constant(array)


# --- identity ------------------------------------------------------------------------------
identity_p = primitive(
    "identity", impl=lambda x: x, shape_rule=same_as_first,
    grad=lambda g, out, x: (g,), same_dtype=False)


def identity(input, name=None) -> Tensor:
    """Return a tensor with the same value (a new tensor object)."""
    return identity_p.bind(input)


# --- cast ----------------------------------------------------------------------------------
def _cast_impl(x, dtype):
    if x.dtype.kind == "c" and dtype.kind != "c":
        x = x.real
    if dtype.kind == "O":
        raise InvalidArgumentError(None, None, "Cast: casting to tf.string is not supported; "
                                   "use tf.strings.as_string.")
    return x.astype(dtype) if isinstance(x, np.ndarray) else dtype.type(x)


def _cast_grad(g, out, x, dtype):
    source = x.dtype
    if not (source.is_floating or source.is_complex):
        return (None,)
    return (cast(g, source),)


cast_p = primitive(
    "cast", impl=_cast_impl,
    shape_rule=lambda x, dtype: Spec(x.shape, dtypes.from_numpy(dtype)),
    grad=_cast_grad, elementwise=True)


def cast(x, dtype, name=None) -> Tensor:
    """`x` converted to `dtype` (floats to ints truncate toward zero, as TF)."""
    dtype = dtypes.as_dtype(dtype)
    x = convert_to_tensor(x) if not isinstance(x, Tensor) else x
    if x.dtype is dtype:
        return x
    return cast_p.bind(x, dtype=dtype._numpy)


# --- reshape -------------------------------------------------------------------------------
def _reshape_shape(shape: tuple | None, target: tuple, op: str = "Reshape") -> tuple:
    """Resolve one -1 in `target` when the input's element count is known."""
    if target.count(-1) > 1:
        raise InvalidArgumentError(None, None, f"{op}: only one input size may be -1, not "
                                   f"both in {list(target)}")
    if -1 not in target:
        return target
    known = 1
    for d in target:
        if d != -1:
            known *= d
    if shape is None or None in shape:
        return tuple(None if d == -1 else d for d in target)
    total = int(np.prod(shape, dtype=np.int64))
    if known == 0 or total % known:
        raise InvalidArgumentError(None, None, f"{op}: Input to reshape is a tensor with "
                                   f"{total} values, but the requested shape {list(target)} "
                                   f"cannot hold them.")
    return tuple(total // known if d == -1 else d for d in target)


def _reshape_rule(x: Spec, shape: tuple) -> Spec:
    out = _reshape_shape(x.shape, shape)
    if x.shape is not None and None not in x.shape and None not in out:
        if int(np.prod(x.shape)) != int(np.prod(out)):
            raise InvalidArgumentError(
                None, None, f"Input to reshape is a tensor with {int(np.prod(x.shape))} values, "
                f"but the requested shape has {int(np.prod(out))} [Op:Reshape]. Input shape "
                f"{list(x.shape)}, requested {list(shape)}.")
    return Spec(out, x.dtype)


def _reshape_impl(x, shape):
    try:
        return np.reshape(x, shape)
    except ValueError:
        raise InvalidArgumentError(
            None, None, f"Input to reshape is a tensor with {np.size(x)} values, but the "
            f"requested shape {list(shape)} does not hold that many [Op:Reshape]. Input shape "
            f"{list(np.shape(x))}.") from None


reshape_p = primitive(
    "reshape", impl=_reshape_impl, shape_rule=_reshape_rule,
    grad=lambda g, out, x, shape: (reshape_like(g, x),))


def _reshape_like_impl(x, donor):
    return np.reshape(x, np.shape(donor))


reshape_like_p = primitive(
    "reshape_like", impl=_reshape_like_impl,
    shape_rule=lambda x, donor: Spec(donor.shape, x.dtype),
    grad=lambda g, out, x, donor: (reshape_like(g, x), None), same_dtype=False)


def reshape_like(x, donor) -> Tensor:
    """`x` reshaped to `donor`'s (run-time) shape; used by gradient rules."""
    if x._shape_tuple() == donor._shape_tuple() and None not in (x._shape_tuple() or (None,)):
        return x
    return reshape_like_p.bind(x, donor)


def reshape(tensor, shape, name=None) -> Tensor:
    """`tensor` with a new shape of the same element count (one dim may be -1).

    Inside tf.function the shape may hold run-time values (`[tf.shape(x)[0], -1]`).
    """
    symbolic = keras_call_if_symbolic(shape)
    if symbolic is not None:
        return symbolic
    hint, dynamic = _shape_operand(shape, "Reshape")
    if dynamic is not None:
        return reshape_dynamic_p.bind(tensor, dynamic, hint=hint)
    return reshape_p.bind(tensor, shape=hint)


# --- shapes known only at run time (inside tf.function) ------------------------------------
def _is_symbolic(x) -> bool:
    return isinstance(x, Tensor) and not isinstance(x, EagerTensor)


def _shape_operand(shape, op: str) -> tuple:
    """(static shape, None), or (hint, 1-D int64 tensor) when some dims are run-time values;
    the hint holds the static entries and None for the others (None: unknown length)."""
    if _is_symbolic(shape):
        partial = partial_shape_value(shape)
        return (None if partial is None else tuple(partial)), cast(shape, dtypes.int64)
    if isinstance(shape, (list, tuple)) and any(_is_symbolic(d) for d in shape):
        parts, hint = [], []
        for d in shape:
            if _is_symbolic(d):
                parts.append(cast(d, dtypes.int64))
                hint.append(partial_scalar_value(d))
            else:
                d = _static_int(d, "shape", op)
                parts.append(make_constant(np.array(d, np.int64)))
                hint.append(d)
        from eagerflow.ops.array.joining import stack_p  # joining builds on this module

        return tuple(hint), stack_p.bind(*parts, axis=0)
    return _shape_argument(shape), None


def partial_shape_value(tensor, depth: int = 0) -> list | None:
    """The entries of a traced 1-D shape tensor known at trace time (None where not), as
    TF's constant_value_as_shape: through tf.shape(x), constants, casts, tf.stack of scalars,
    tf.concat and slices, so `tf.zeros(tf.shape(x))` keeps x's static dims."""
    length = tensor._shape_tuple()
    if not length or length[0] is None:
        return None
    unknown = [None] * length[0]
    node = getattr(tensor, "node", None)
    if node is None or depth > 16:
        return unknown
    name = node.op.name
    if name == "constant":
        values = [int(v) for v in np.asarray(node.value).reshape(-1)]
        return [v if v >= 0 else None for v in values]
    if name == "shape":
        source = node.inputs[0]._shape_tuple()
        return list(source) if source is not None else unknown
    if name == "cast":
        return partial_shape_value(node.inputs[0], depth + 1) or unknown
    if name == "stack" and node.attrs.get("axis") == 0:
        return [partial_scalar_value(item, depth + 1) for item in node.inputs]
    if name == "concat" and node.attrs.get("axis") == 0:
        parts = [partial_shape_value(item, depth + 1) for item in node.inputs]
        if all(part is not None for part in parts):
            joined = [d for part in parts for d in part]
            return joined if len(joined) == len(unknown) else unknown
    if name == "strided_slice":
        spec = node.attrs.get("spec", ())
        source = partial_shape_value(node.inputs[0], depth + 1)
        if source is not None and len(spec) == 1 and spec[0][0] == "slice":
            _, start, stop, step = spec[0]
            picked = source[slice(start, stop, step)]
            return picked if len(picked) == len(unknown) else unknown
    return unknown


def partial_scalar_value(tensor, depth: int = 0) -> int | None:
    """A traced scalar int's value when known at trace time (a constant or a static dim)."""
    node = getattr(tensor, "node", None)
    if node is None or depth > 16:
        return None
    name = node.op.name
    if name == "constant":
        value = np.asarray(node.value)
        return int(value) if value.ndim == 0 and int(value) >= 0 else None
    if name == "cast":
        return partial_scalar_value(node.inputs[0], depth + 1)
    if name == "strided_slice":
        spec = node.attrs.get("spec", ())
        if len(spec) == 1 and spec[0][0] == "int":
            source = partial_shape_value(node.inputs[0], depth + 1)
            index = spec[0][1]
            if source is not None and -len(source) <= index < len(source):
                return source[index]
    return None


def _dims(shape_tensor) -> tuple:
    return tuple(int(d) for d in np.asarray(shape_tensor).reshape(-1))


def _hint_shape(hint) -> tuple | None:
    return None if hint is None else tuple(None if d is None or d < 0 else d for d in hint)


reshape_dynamic_p = primitive(
    "reshape_dynamic", impl=lambda x, shape, hint: _reshape_impl(x, _dims(shape)),
    shape_rule=lambda x, shape, hint: Spec(_hint_shape(hint), x.dtype),
    grad=lambda g, out, x, shape, hint: (reshape_like(g, x), None), same_dtype=False)


def _fill_dynamic_grad(g, out, dims, value, hint):
    from eagerflow.ops import reduce

    return (None, reduce.reduce_sum(g))


fill_dynamic_p = primitive(
    "fill_dynamic", impl=lambda dims, value, hint: np.full(_dims(dims), value, value.dtype),
    shape_rule=lambda dims, value, hint: Spec(_hint_shape(hint), value.dtype),
    grad=_fill_dynamic_grad, same_dtype=False)


# --- shape ---------------------------------------------------------------------------------
shape_p = primitive(
    "shape", impl=lambda x, out_type: np.array(np.shape(x), dtype=out_type),
    shape_rule=lambda x, out_type: Spec(None if x.shape is None else (len(x.shape),),
                                        dtypes.from_numpy(out_type)),
    grad=None, same_dtype=False)


def shape(input, out_type=dtypes.int32, name=None) -> Tensor:
    """The (run-time) shape of `input` as a 1-D integer tensor."""
    return shape_p.bind(input, out_type=dtypes.as_dtype(out_type)._numpy)


# --- un-broadcasting: the one shared helper of broadcasting gradients ----------------------
def _sum_to_shape(g, shape: tuple):
    gshape = np.shape(g)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(_pyrange(lead)) + tuple(
        i + lead for i, d in enumerate(shape) if d == 1 and gshape[i + lead] != 1)
    summed = np.sum(g, axis=axes, keepdims=True, dtype=g.dtype) if axes else g
    return np.reshape(summed, shape)


unbroadcast_p = primitive(
    "unbroadcast", impl=lambda g, donor: _sum_to_shape(g, np.shape(donor)),
    shape_rule=lambda g, donor: Spec(donor.shape, g.dtype),
    grad=lambda gg, out, g, donor: (broadcast_like(gg, g), None), same_dtype=False)

broadcast_like_p = primitive(
    "broadcast_like", impl=lambda x, donor: np.broadcast_to(x, np.shape(donor)),
    shape_rule=lambda x, donor: Spec(donor.shape, x.dtype),
    grad=lambda g, out, x, donor: (unbroadcast(g, x), None), same_dtype=False)


def unbroadcast(g: Tensor, x: Tensor) -> Tensor:
    """Sum `g` over the axes along which `x` was broadcast, giving `x`'s shape."""
    gshape, xshape = g._shape_tuple(), x._shape_tuple()
    if gshape == xshape and gshape is not None and None not in gshape:
        return g
    return unbroadcast_p.bind(g, x)


def broadcast_like(x: Tensor, donor: Tensor) -> Tensor:
    """`x` broadcast to `donor`'s (run-time) shape."""
    xshape, dshape = x._shape_tuple(), donor._shape_tuple()
    if xshape == dshape and xshape is not None and None not in xshape:
        return x
    return broadcast_like_p.bind(x, donor)


# --- identity_n / stop_gradient ------------------------------------------------------------
def identity_n(input, name=None) -> list:
    """A list of tensors with the same values as `input` (a list of tensors)."""
    return [identity_p.bind(x) for x in input]


stop_gradient_p = primitive(
    "stop_gradient", impl=lambda x: x, shape_rule=same_as_first,
    grad=lambda g, out, x: (None,), same_dtype=False)


def stop_gradient(input, name=None) -> Tensor:
    """`input` unchanged, but gradients do not flow through it."""
    return stop_gradient_p.bind(input)


# --- shape_n / rank / size -----------------------------------------------------------------
def shape_n(input, out_type=dtypes.int32, name=None) -> list:
    """The shapes of a list of tensors."""
    return [shape(x, out_type=out_type) for x in input]


rank_p = primitive(
    "rank", impl=lambda x: np.array(np.ndim(x), np.int32),
    shape_rule=lambda x: Spec((), dtypes.int32), grad=None, same_dtype=False)


def rank(input, name=None) -> Tensor:
    """The number of dimensions of `input` as a scalar int32 tensor."""
    return rank_p.bind(input)


size_p = primitive(
    "size", impl=lambda x, out_type: np.array(np.size(x), out_type),
    shape_rule=lambda x, out_type: Spec((), dtypes.from_numpy(out_type)), grad=None,
    same_dtype=False)


def size(input, out_type=dtypes.int32, name=None) -> Tensor:
    """The number of elements of `input` as a scalar tensor."""
    return size_p.bind(input, out_type=dtypes.as_dtype(out_type)._numpy)


# --- clip_by_value -------------------------------------------------------------------------
def _clip_impl(t, low, high):
    out = np.minimum(np.maximum(t, low), high)
    if np.shape(out) != np.shape(t):
        raise _error(f"clip_by_value: the clip bounds (shapes {list(np.shape(low))} and "
                     f"{list(np.shape(high))}) must broadcast to t's shape {list(np.shape(t))} "
                     f"without changing it [Op:Minimum]")
    return out


def _clip_rule(t: Spec, low: Spec, high: Spec) -> Spec:
    shape = broadcast_shapes(t.shape, broadcast_shapes(low.shape, high.shape, "clip_by_value"),
                             "clip_by_value")
    if shape is not None and t.shape is not None and len(shape) == len(t.shape) and any(
            a is not None and b is not None and a != b for a, b in zip(shape, t.shape)):
        raise _error(f"clip_by_value: the clip bounds (shapes {low.shape}, {high.shape}) must "
                     f"broadcast to t's shape {list(t.shape)} without changing it")
    return Spec(t.shape if t.shape is not None else shape, t.dtype)


def _clip_grad(g, out, t, low, high):
    from eagerflow.ops import math
    from eagerflow.ops.array.creation import zeros_like
    from eagerflow.ops.indexing import select_p

    zeros = zeros_like(g)
    passed = math.equal(broadcast_like(t, out), out)  # ties at a bound pass to t, as TF
    at_high = math.equal(out, high)  # the upper bound is applied last
    to_high = select_p.bind(passed, zeros, select_p.bind(at_high, g, zeros))
    to_low = select_p.bind(passed, zeros, select_p.bind(at_high, zeros, g))
    return (unbroadcast(select_p.bind(passed, g, zeros), t), unbroadcast(to_low, low),
            unbroadcast(to_high, high))


clip_by_value_p = primitive("clip_by_value", impl=_clip_impl, shape_rule=_clip_rule,
                            grad=_clip_grad, elementwise=True)


def clip_by_value(t, clip_value_min, clip_value_max, name=None) -> Tensor:
    """`t` with values below `clip_value_min` / above `clip_value_max` set to those bounds."""
    t = _t(t)
    return clip_by_value_p.bind(t, clip_value_min, clip_value_max)
