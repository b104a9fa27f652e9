"""Array ops (`tf.reshape`, `tf.cast`, `tf.zeros`, ...): shapes, dtypes and layout.

Each primitive is one block: kernel, shape rule, gradient. Composites are
plain functions of primitives.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import Tensor, constant_array, convert_to_tensor, make_constant
from eagerflow.ops.rules import same_as_first

__all__ = [
    "constant", "identity", "cast", "reshape", "zeros", "ones", "zeros_like", "ones_like", "fill",
    "stack", "shape",
]
NAMESPACES: dict = {}


def _static_shape(x) -> tuple | None:
    return x._shape_tuple() if isinstance(x, Tensor) else np.shape(x)


# --- constant -----------------------------------------------------------------------------
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


# --- identity -----------------------------------------------------------------------------
identity_p = primitive(
    "identity", impl=lambda x: x, shape_rule=same_as_first,
    grad=lambda g, out, x: (g,), same_dtype=False)


def identity(input, name=None) -> Tensor:
    """Return a tensor with the same value (a new tensor object)."""
    return identity_p.bind(input)


# --- cast ---------------------------------------------------------------------------------
def _cast_impl(x, dtype):
    if x.dtype.kind == "c" and dtype.kind != "c":
        x = x.real
    if dtype == object:
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


# --- reshape ------------------------------------------------------------------------------
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
    """`tensor` with a new shape of the same element count (one dim may be -1)."""
    if isinstance(shape, Tensor):
        shape = [int(d) for d in np.asarray(shape)]
    shape = tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else [shape]))
    return reshape_p.bind(tensor, shape=shape)


# --- creation -----------------------------------------------------------------------------
def _shape_argument(shape) -> tuple:
    if isinstance(shape, Tensor):
        return tuple(int(d) for d in np.asarray(shape).reshape(-1))
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def zeros(shape, dtype=dtypes.float32, name=None) -> Tensor:
    dtype = dtypes.as_dtype(dtype)
    return make_constant(np.zeros(_shape_argument(shape), dtype._numpy))


def ones(shape, dtype=dtypes.float32, name=None) -> Tensor:
    dtype = dtypes.as_dtype(dtype)
    return make_constant(np.ones(_shape_argument(shape), dtype._numpy))


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
    """A tensor of shape `dims` filled with the scalar `value`."""
    value = convert_to_tensor(value)
    if value.shape.rank != 0:
        raise InvalidArgumentError(None, None, f"Fill: value must be a scalar, got shape "
                                   f"{value.shape}")
    return make_constant(np.full(_shape_argument(dims), np.asarray(value), value.dtype._numpy))


# --- stack ----------------------------------------------------------------------------------
def _stack_rule(*specs, axis):
    shape = specs[0].shape
    for s in specs[1:]:
        if shape is None or s.shape is None:
            shape = shape or s.shape
            continue
        if len(s.shape) != len(shape) or any(a is not None and b is not None and a != b
                                             for a, b in zip(s.shape, shape)):
            raise InvalidArgumentError(None, None, f"Shapes of all inputs must match: values[0]"
                                       f".shape = {list(specs[0].shape)} != values[k].shape = "
                                       f"{list(s.shape)} [Op:Pack]")
    if shape is None:
        return Spec(None, specs[0].dtype)
    rank = len(shape) + 1
    axis = axis % rank
    return Spec(tuple(shape[:axis]) + (len(specs),) + tuple(shape[axis:]), specs[0].dtype)


def _stack_impl(*xs, axis):
    try:
        return np.stack(xs, axis=axis)
    except ValueError as exc:
        raise InvalidArgumentError(None, None, f"Shapes of all inputs must match: "
                                   f"{[list(np.shape(x)) for x in xs]} ({exc}) [Op:Pack]") from None


def _stack_grad(g, out, *xs, axis):
    return tuple(unstack_p.bind(g, axis=axis, num=len(xs)))


stack_p = primitive("stack", impl=_stack_impl, shape_rule=_stack_rule, grad=_stack_grad)


def _unstack_rule(x: Spec, axis, num):
    if x.shape is None:
        return tuple(Spec(None, x.dtype) for _ in range(num))
    axis = axis % len(x.shape)
    rest = x.shape[:axis] + x.shape[axis + 1:]
    return tuple(Spec(rest, x.dtype) for _ in range(num))


def _unstack_impl(x, axis, num):
    if np.shape(x)[axis] != num:
        raise InvalidArgumentError(None, None, f"Unpack: input has {np.shape(x)[axis]} entries "
                                   f"along axis {axis}, but num = {num}")
    return tuple(np.moveaxis(x, axis, 0))


unstack_p = primitive(
    "unstack", impl=_unstack_impl, shape_rule=_unstack_rule,
    grad=lambda g, out, x, axis, num: (stack_p.bind(*g, axis=axis),),
    multiple_results=True)


def stack(values, axis: int = 0, name="stack") -> Tensor:
    """Stack a list of same-shape tensors along a new `axis`."""
    return stack_p.bind(*values, axis=axis)


# --- shape ------------------------------------------------------------------------------
shape_p = primitive(
    "shape", impl=lambda x, out_type: np.array(np.shape(x), dtype=out_type),
    shape_rule=lambda x, out_type: Spec(None if x.shape is None else (len(x.shape),),
                                        dtypes.from_numpy(out_type)),
    grad=None, same_dtype=False)


def shape(input, out_type=dtypes.int32, name=None) -> Tensor:
    """The (run-time) shape of `input` as a 1-D integer tensor."""
    return shape_p.bind(input, out_type=dtypes.as_dtype(out_type)._numpy)


# --- un-broadcasting: the one shared helper of broadcasting gradients -------------------------
def _sum_to_shape(g, shape: tuple):
    gshape = np.shape(g)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
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
