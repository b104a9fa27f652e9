"""Array ops (`tf.reshape`, `tf.concat`, `tf.pad`, `tf.range`, ...): shapes, dtypes, layout.

Each primitive is one block: kernel, shape rule, gradient. Composites are
plain functions of primitives. Gradients that scatter (gather, slicing,
boolean_mask, pad, tile, repeat) have a primitive of their own whose
gradient is the forward op again, so every order of derivative works.
"""

from __future__ import annotations

import builtins
from collections import namedtuple

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
from eagerflow.ops.rules import as_tensor, broadcast_shapes, normalize_axis, same_as_first

__all__ = [
    "constant", "identity", "identity_n", "stop_gradient", "cast", "reshape", "zeros", "ones",
    "zeros_like", "ones_like", "fill", "eye", "range", "linspace", "lin_space", "stack",
    "unstack", "shape", "shape_n", "rank", "size", "transpose", "expand_dims", "squeeze",
    "concat", "split", "tile", "pad", "one_hot", "reverse", "roll", "broadcast_to", "meshgrid",
    "repeat", "unique", "unique_with_counts", "sequence_mask", "clip_by_value", "ensure_shape",
    "searchsorted", "newaxis", "broadcast_static_shape", "broadcast_dynamic_shape",
    "reverse_sequence", "dynamic_partition", "dynamic_stitch", "unravel_index",
]
NAMESPACES: dict = {"linalg": ["eye"]}

newaxis = None
_pyrange = builtins.range  # this module defines tf.range
_INDEX_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))


_t = as_tensor


def _error(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(None, None, message)


def _static(value, what: str, op: str):
    """The Python value of an argument TF also takes as a tensor (axis, perm, shape, ...)."""
    if isinstance(value, Tensor):
        if not isinstance(value, EagerTensor):
            raise TypeError(f"{op}: `{what}` must be known when tracing; got the symbolic "
                            f"tensor {value!r}. Pass a Python value or a constant.")
        return np.asarray(value._value).tolist()
    if hasattr(value, "_variable_read"):
        return np.asarray(value.numpy()).tolist()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_static(v, what, op) for v in value]
    return value


def _static_int(value, what: str, op: str) -> int:
    if type(value) is int:
        return value
    value = _static(value, what, op)
    if isinstance(value, list):
        if len(value) != 1:
            raise _error(f"{op}: `{what}` must be a scalar, got {value}.")
        value = value[0]
    if isinstance(value, float) and not value.is_integer():
        raise TypeError(f"{op}: `{what}` must be an integer, got {value!r}.")
    return int(value)


def _static_ints(value, what: str, op: str) -> tuple:
    if type(value) in (list, tuple) and all(type(v) is int for v in value):
        return tuple(value)
    value = _static(value, what, op)
    if not isinstance(value, list):
        value = [value]
    return tuple(int(v) for v in np.asarray(value).reshape(-1).tolist())


def _index_tensor(indices, op: str, what: str = "indices") -> Tensor:
    indices = _t(indices)
    if indices.dtype._numpy not in _INDEX_DTYPES:
        raise TypeError(f"Value passed to parameter '{what}' of {op} has DataType "
                        f"{indices.dtype.name} not in list of allowed values: int32, int64")
    return indices


def _require_same_dtype(op: str, first: Tensor, other: Tensor, position: int) -> None:
    if first.dtype != other.dtype:
        raise _error(f"cannot compute {op} as input #{position}(zero-based) was expected to be a "
                     f"{first.dtype.name} tensor but is a {other.dtype.name} tensor. Cast one "
                     f"side with tf.cast so that both have the same dtype. [Op:{op}]")


def _replace_dim(shape: tuple, axis: int, dims: tuple) -> tuple:
    return tuple(shape[:axis]) + tuple(dims) + tuple(shape[axis + 1:])


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
    """`tensor` with a new shape of the same element count (one dim may be -1).

    Inside tf.function the shape may hold run-time values (`[tf.shape(x)[0], -1]`).
    """
    hint, dynamic = _shape_operand(shape, "Reshape")
    if dynamic is not None:
        return reshape_dynamic_p.bind(tensor, dynamic, hint=hint)
    return reshape_p.bind(tensor, shape=hint)


# --- shapes known only at run time (inside tf.function) -------------------------------------
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


# --- creation -----------------------------------------------------------------------------
def _shape_argument(shape) -> tuple:
    if isinstance(shape, Tensor):
        return tuple(int(d) for d in np.asarray(shape).reshape(-1))
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def zeros(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """A tensor of `shape` filled with zeros."""
    dtype = dtypes.as_dtype(dtype)
    hint, dynamic = _shape_operand(shape, "Fill")
    if dynamic is not None:
        return fill_dynamic_p.bind(dynamic, make_constant(np.zeros((), dtype._numpy)), hint=hint)
    return make_constant(np.zeros(hint, dtype._numpy))


def ones(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """A tensor of `shape` filled with ones."""
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
        return tuple(Spec(None, x.dtype) for _ in _pyrange(num))
    axis = axis % len(x.shape)
    rest = x.shape[:axis] + x.shape[axis + 1:]
    return tuple(Spec(rest, x.dtype) for _ in _pyrange(num))


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


# --- identity_n / stop_gradient ----------------------------------------------------------------
def identity_n(input, name=None) -> list:
    """A list of tensors with the same values as `input` (a list of tensors)."""
    return [identity_p.bind(x) for x in input]


stop_gradient_p = primitive(
    "stop_gradient", impl=lambda x: x, shape_rule=same_as_first,
    grad=lambda g, out, x: (None,), same_dtype=False)


def stop_gradient(input, name=None) -> Tensor:
    """`input` unchanged, but gradients do not flow through it."""
    return stop_gradient_p.bind(input)


# --- transpose ----------------------------------------------------------------------------
def _check_perm(perm: tuple, rank: int) -> None:
    if len(perm) != rank:
        raise _error(f"transpose expects a vector of size {rank}. But input(1) is a vector of "
                     f"size {len(perm)} [Op:Transpose]")
    if sorted(perm) != list(_pyrange(rank)):
        missing = sorted(set(_pyrange(rank)) - set(perm))
        raise _error(f"{missing[0] if missing else perm} is missing from 'perm' argument "
                     f"{list(perm)}: it must be a permutation of 0..{rank - 1} [Op:Transpose]")


def _transpose_impl(x, perm, conjugate):
    out = np.transpose(x, perm)
    return np.conj(out) if conjugate else out


def _transpose_rule(x: Spec, perm, conjugate) -> Spec:
    if x.shape is None:
        return Spec(None if perm is None else (None,) * len(perm), x.dtype)
    if perm is None:
        return Spec(tuple(reversed(x.shape)), x.dtype)
    _check_perm(perm, len(x.shape))
    return Spec(tuple(x.shape[p] for p in perm), x.dtype)


def _transpose_grad(g, out, x, perm, conjugate):
    inverse = None if perm is None else tuple(int(p) for p in np.argsort(perm))
    return (transpose_p.bind(g, perm=inverse, conjugate=conjugate),)


transpose_p = primitive("transpose", impl=_transpose_impl, shape_rule=_transpose_rule,
                        grad=_transpose_grad)


def transpose(a, perm=None, conjugate=False, name="transpose") -> Tensor:
    """Permute the dimensions of `a` (reversed when `perm` is None); `conjugate` for complex."""
    a = _t(a)
    rank = a.ndim
    if perm is not None:
        perm = _static_ints(perm, "perm", "Transpose")
        if rank is not None:
            _check_perm(perm, rank)
    elif rank is not None:
        perm = tuple(reversed(_pyrange(rank)))
    return transpose_p.bind(a, perm=perm, conjugate=bool(conjugate) and a.dtype.is_complex)


def matrix_transpose(a, name="matrix_transpose", conjugate=False) -> Tensor:
    """Transpose the last two dimensions of a (batch of) matrix."""
    a = _t(a)
    rank = a.ndim
    if rank is None or rank < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  Received "
                         f"`a` = {a!r} with shape: {a.shape}")
    perm = tuple(_pyrange(rank - 2)) + (rank - 1, rank - 2)
    return transpose_p.bind(a, perm=perm, conjugate=bool(conjugate) and a.dtype.is_complex)


# --- expand_dims / squeeze ------------------------------------------------------------------
def _expand_dims_rule(x: Spec, axis) -> Spec:
    if x.shape is None:
        return x
    axis %= len(x.shape) + 1
    return Spec(x.shape[:axis] + (1,) + x.shape[axis:], x.dtype)


expand_dims_p = primitive(
    "expand_dims", impl=lambda x, axis: np.expand_dims(x, axis), shape_rule=_expand_dims_rule,
    grad=lambda g, out, x, axis: (reshape_like(g, x),))


def expand_dims(input, axis, name=None) -> Tensor:
    """`input` with a dimension of size 1 inserted at `axis` (in [-rank-1, rank])."""
    input = _t(input)
    axis = _static_int(axis, "axis", "ExpandDims")
    rank = input.ndim
    if rank is not None:
        if not -rank - 1 <= axis <= rank:
            raise _error(f"Tried to expand dim index {axis} for tensor with {rank} dimensions. "
                         f"[Op:ExpandDims]")
        axis %= rank + 1
    return expand_dims_p.bind(input, axis=axis)


def _squeeze_check(shape: tuple, axis: tuple) -> None:
    for a in axis:
        if shape[a] is not None and shape[a] != 1:
            raise _error(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                         f"{shape[a]} for input of shape {list(shape)} [Op:Squeeze]")


def _squeeze_impl(x, axis):
    if axis is None:
        return np.squeeze(x)
    axis = tuple(a % x.ndim for a in axis)
    _squeeze_check(x.shape, axis)
    return np.squeeze(x, axis)


def _squeeze_rule(x: Spec, axis) -> Spec:
    if x.shape is None:
        return x
    if axis is None:
        if None in x.shape:
            return Spec(None, x.dtype)
        return Spec(tuple(d for d in x.shape if d != 1), x.dtype)
    rank = len(x.shape)
    axis = tuple(normalize_axis(a, rank, "Squeeze") for a in axis)
    _squeeze_check(x.shape, axis)
    return Spec(tuple(d for i, d in enumerate(x.shape) if i not in axis), x.dtype)


squeeze_p = primitive("squeeze", impl=_squeeze_impl, shape_rule=_squeeze_rule,
                      grad=lambda g, out, x, axis: (reshape_like(g, x),))


def squeeze(input, axis=None, name=None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in `axis`)."""
    input = _t(input)
    if axis is not None:
        axis = _static_ints(axis, "axis", "Squeeze")
        rank = input.ndim
        if rank is not None:
            axis = tuple(normalize_axis(a, rank, "Squeeze") for a in axis)
            _squeeze_check(input._shape_tuple(), axis)
    return squeeze_p.bind(input, axis=axis)


# --- concat / split ---------------------------------------------------------------------------
def _concat_shape(shapes: list, axis: int, op: str = "ConcatV2") -> tuple | None:
    known = [s for s in shapes if s is not None]
    if not known:
        return None
    rank = len(known[0])
    axis = normalize_axis(axis, rank, op)
    out = list(known[0])
    for index, s in enumerate(known):
        if len(s) != rank:
            raise _error(f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                         f"{list(known[0])} vs. shape[{index}] = {list(s)} [Op:{op}]")
        for i, d in enumerate(s):
            if i == axis:
                continue
            if out[i] is None:
                out[i] = d
            elif d is not None and d != out[i]:
                raise _error(f"ConcatOp : Dimension {i} in both shapes must be equal: shape[0] "
                             f"= {list(known[0])} vs. shape[{index}] = {list(s)} [Op:{op}]")
    sizes = [None if s is None else s[axis] for s in shapes]
    out[axis] = None if None in sizes else sum(sizes)
    return tuple(out)


def _concat_impl(*xs, axis):
    try:
        return np.concatenate(xs, axis=axis)
    except (ValueError, np.exceptions.AxisError):
        _concat_shape([np.shape(x) for x in xs], axis)
        raise


concat_p = primitive(
    "concat", impl=_concat_impl,
    shape_rule=lambda *xs, axis: Spec(_concat_shape([x.shape for x in xs], axis), xs[0].dtype),
    grad=lambda g, out, *xs, axis: tuple(split_like_p.bind(g, *xs, axis=axis)))


def _split_like_impl(g, *xs, axis):
    sizes = np.cumsum([np.shape(x)[axis] for x in xs])[:-1]
    return tuple(np.split(g, sizes, axis=axis))


def _split_like_rule(g: Spec, *xs, axis):
    outs = []
    for x in xs:
        if x.shape is not None:
            outs.append(Spec(x.shape, g.dtype))
        elif g.shape is not None:
            outs.append(Spec(_replace_dim(g.shape, axis % len(g.shape), (None,)), g.dtype))
        else:
            outs.append(Spec(None, g.dtype))
    return tuple(outs)


split_like_p = primitive(
    "split_like", impl=_split_like_impl, shape_rule=_split_like_rule,
    grad=lambda gs, outs, g, *xs, axis: (concat_p.bind(*gs, axis=axis),) + (None,) * len(xs),
    same_dtype=False, multiple_results=True)


def concat(values, axis, name="concat") -> Tensor:
    """Join tensors along an existing `axis` (negative counts from the end)."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    values = [_t(v) for v in values]
    if not values:
        raise ValueError("concat: `values` must hold at least one tensor.")
    axis = _static_int(axis, "axis", "ConcatV2")
    rank = next((v.ndim for v in values if v.ndim is not None), None)
    if rank is not None:
        if not -rank <= axis < max(rank, 1) or rank == 0:
            raise _error(f"ConcatOp : Expected concatenating dimensions in the range [{-rank}, "
                         f"{rank}), but got {axis} [Op:ConcatV2]")
        axis %= rank
    if len(values) == 1:
        return identity_p.bind(values[0])
    return concat_p.bind(*values, axis=axis)


def _split_sizes(dim: int, sizes, num) -> list:
    if sizes is None:
        if dim % num:
            raise _error(f"Number of ways to split should evenly divide the split dimension, "
                         f"but got split_dim (size = {dim}) and num_split {num} [Op:Split]")
        return [dim // num] * num
    if -1 in sizes:
        rest = dim - (sum(sizes) + 1)
        if rest < 0:
            raise _error(f"Determined shape must either match input shape along split_dim "
                         f"exactly if fully specified, or be less than the size of the input "
                         f"along split_dim if not fully specified.  Got: {sum(sizes) + 1} "
                         f"[Op:SplitV]")
        sizes = [rest if s == -1 else s for s in sizes]
    if sum(sizes) != dim or min(sizes, default=0) < 0:
        raise _error(f"Determined shape must either match input shape along split_dim exactly "
                     f"if fully specified, or be less than the size of the input along "
                     f"split_dim if not fully specified.  Got: {sum(sizes)} (sizes {list(sizes)},"
                     f" dimension size {dim}) [Op:SplitV]")
    return list(sizes)


def _split_impl(x, sizes, num, axis):
    pieces = _split_sizes(x.shape[axis], sizes, num)
    return tuple(np.split(x, np.cumsum(pieces)[:-1], axis=axis))


def _split_rule(x: Spec, sizes, num, axis):
    count = num if sizes is None else len(sizes)
    if x.shape is None:
        return tuple(Spec(None, x.dtype) for _ in _pyrange(count))
    axis = normalize_axis(axis, len(x.shape), "Split")
    dim = x.shape[axis]
    pieces = [None] * count if dim is None else _split_sizes(dim, sizes, num)
    if dim is None and sizes is not None and -1 not in sizes:
        pieces = list(sizes)
    return tuple(Spec(_replace_dim(x.shape, axis, (p,)), x.dtype) for p in pieces)


split_p = primitive(
    "split", impl=_split_impl, shape_rule=_split_rule,
    grad=lambda gs, outs, x, sizes, num, axis: (concat_p.bind(*gs, axis=axis),),
    multiple_results=True)


def split(value, num_or_size_splits, axis=0, num=None, name="split") -> list:
    """Split `value` along `axis` into `num_or_size_splits` equal pieces, or pieces of the
    given sizes (one size may be -1); returns a list of tensors."""
    value = _t(value)
    axis = _static_int(axis, "axis", "Split")
    rank = value.ndim
    if rank is not None:
        axis = normalize_axis(axis, rank, "Split")
    splits = _static(num_or_size_splits, "num_or_size_splits", "Split")
    if isinstance(splits, list):
        sizes, count = tuple(int(s) for s in splits), None
        if sizes.count(-1) > 1:
            raise _error(f"Split: only one size may be -1, got {list(sizes)} [Op:SplitV]")
    else:
        sizes, count = None, int(splits)
        if count <= 0:
            raise ValueError(f"Split: num_or_size_splits must be positive, got {count}")
    if rank is not None and value.shape[axis] is not None:
        _split_sizes(value._shape_tuple()[axis], sizes, count)
    return list(split_p.bind(value, sizes=sizes, num=count, axis=axis))


def unstack(value, num=None, axis=0, name="unstack") -> list:
    """Split `value` along `axis` into a list of tensors of one rank less."""
    value = _t(value)
    shape = value._shape_tuple()
    if shape is None:
        if num is None:
            raise ValueError("Cannot infer argument `num` from shape <unknown>")
    else:
        axis = normalize_axis(axis, len(shape), "Unpack")
        if num is None:
            num = shape[axis]
            if num is None:
                raise ValueError(f"Cannot infer argument `num` from shape {value.shape}")
    return list(unstack_p.bind(value, axis=axis, num=int(num)))


# --- tile -------------------------------------------------------------------------------------
def _tile_rule(x: Spec, multiples) -> Spec:
    if x.shape is None:
        return Spec((None,) * len(multiples), x.dtype)
    if len(multiples) != len(x.shape):
        raise _error(f"Expected multiples argument to be a vector of length {len(x.shape)} but "
                     f"got length {len(multiples)} [Op:Tile]")
    return Spec(tuple(None if d is None else d * m for d, m in zip(x.shape, multiples)),
                x.dtype)


def _tile_impl(x, multiples):
    _tile_rule(Spec(x.shape, None), multiples)
    return np.tile(x, multiples) if multiples else np.array(x, copy=True)


def _untile_impl(g, x, multiples):
    interleaved = []
    for m, d in zip(multiples, np.shape(x)):
        interleaved += [m, d]
    summed = np.sum(np.reshape(g, interleaved), axis=tuple(_pyrange(0, 2 * len(multiples), 2)),
                    dtype=g.dtype)
    return np.reshape(summed, np.shape(x))


tile_p = primitive(
    "tile", impl=_tile_impl, shape_rule=_tile_rule,
    grad=lambda g, out, x, multiples: (untile_p.bind(g, x, multiples=multiples),))

untile_p = primitive(
    "untile", impl=_untile_impl, shape_rule=lambda g, x, multiples: Spec(x.shape, g.dtype),
    grad=lambda gg, out, g, x, multiples: (tile_p.bind(gg, multiples=multiples), None),
    same_dtype=False)


def _tile_dynamic_rule(x: Spec, multiples: Spec, hint) -> Spec:
    if x.shape is None or hint is None:
        return Spec(None if hint is None else (None,) * len(hint), x.dtype)
    return Spec(tuple(None if d is None or m is None else d * m for d, m in zip(x.shape, hint)),
                x.dtype)


tile_dynamic_p = primitive(
    "tile_dynamic", impl=lambda x, multiples, hint: _tile_impl(x, _dims(multiples)),
    shape_rule=_tile_dynamic_rule,
    grad=lambda g, out, x, multiples, hint: (untile_dynamic_p.bind(g, x, multiples), None),
    same_dtype=False)

untile_dynamic_p = primitive(
    "untile_dynamic", impl=lambda g, x, multiples: _untile_impl(g, x, _dims(multiples)),
    shape_rule=lambda g, x, multiples: Spec(x.shape, g.dtype),
    grad=lambda gg, out, g, x, multiples: (tile_dynamic_p.bind(gg, multiples, hint=None),
                                           None, None),
    same_dtype=False)


def tile(input, multiples, name=None) -> Tensor:
    """Repeat `input` `multiples[i]` times along each dimension i."""
    hint, dynamic = _shape_operand(multiples, "Tile")
    if dynamic is not None:
        return tile_dynamic_p.bind(input, dynamic, hint=hint)
    multiples = _static_ints(multiples, "multiples", "Tile")
    if any(m < 0 for m in multiples):
        raise _error(f"Expected multiples[i] >= 0, but got {list(multiples)} [Op:Tile]")
    return tile_p.bind(input, multiples=multiples)


# --- pad ----------------------------------------------------------------------------------------
_NUMPY_PAD_MODE = {"REFLECT": "reflect", "SYMMETRIC": "symmetric"}


def _check_paddings(shape: tuple, paddings: tuple, mode: str) -> None:
    if len(paddings) != len(shape):
        raise _error(f"The first dimension of paddings must be the rank of inputs"
                     f"[{len(paddings)},2], {list(shape)} [Op:Pad]")
    for axis, ((lo, hi), d) in enumerate(zip(paddings, shape)):
        if lo < 0 or hi < 0:
            raise _error(f"Paddings must be non-negative: {lo} {hi} [Op:Pad]")
        if d is None or mode == "CONSTANT":
            continue
        limit = d if mode == "SYMMETRIC" else d - 1
        if lo > limit or hi > limit:
            relation = "no greater than" if mode == "SYMMETRIC" else "less than"
            raise _error(f"paddings must be {relation} the dimension size: {lo}, {hi} not "
                         f"{relation} {d} (dimension {axis}) [Op:MirrorPad]")


def _pad_impl(x, paddings, mode, constant_values):
    _check_paddings(x.shape, paddings, mode)
    if mode == "CONSTANT":
        return np.pad(x, paddings, constant_values=constant_values)
    return np.pad(x, paddings, mode=_NUMPY_PAD_MODE[mode])


def _pad_rule(x: Spec, paddings, mode, constant_values) -> Spec:
    if x.shape is None:
        return Spec((None,) * len(paddings), x.dtype)
    _check_paddings(x.shape, paddings, mode)
    return Spec(tuple(None if d is None else d + lo + hi
                      for d, (lo, hi) in zip(x.shape, paddings)), x.dtype)


def _unpad_impl(g, x, paddings, mode):
    """The adjoint of pad: the core of `g`, plus (mirror modes) the reflected borders."""
    for axis, (lo, hi) in enumerate(paddings):
        n = g.shape[axis] - lo - hi
        moved = np.moveaxis(g, axis, 0)
        core = np.array(moved[lo:lo + n], copy=True)
        if mode != "CONSTANT":
            shift = 1 if mode == "REFLECT" else 0
            core[np.arange(lo)[::-1] + shift] += moved[:lo]
            core[n - 1 - shift - np.arange(hi)] += moved[lo + n:]
        g = np.moveaxis(core, 0, axis)
    return g


pad_p = primitive(
    "pad", impl=_pad_impl, shape_rule=_pad_rule,
    grad=lambda g, out, x, paddings, mode, constant_values: (
        unpad_p.bind(g, x, paddings=paddings, mode=mode),))

unpad_p = primitive(
    "unpad", impl=_unpad_impl, shape_rule=lambda g, x, paddings, mode: Spec(x.shape, g.dtype),
    grad=lambda gg, out, g, x, paddings, mode: (
        pad_p.bind(gg, paddings=paddings, mode=mode, constant_values=0), None),
    same_dtype=False)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None) -> Tensor:
    """Pad `tensor` with `paddings[i] = [before, after]` per dimension.

    `mode`: "CONSTANT" (with `constant_values`), "REFLECT" (mirror without the edge)
    or "SYMMETRIC" (mirror with the edge), case-insensitive as in TF.
    """
    tensor = _t(tensor)
    mode = str(mode).upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f'Value of argument `mode` expected to be one of "CONSTANT", "REFLECT",'
                         f' or "SYMMETRIC". Received `mode` = {mode}')
    flat = _static_ints(paddings, "paddings", "Pad")
    if len(flat) % 2:
        raise _error(f"paddings must be a matrix with 2 columns: {_static(paddings, '', '')}")
    pairs = tuple((flat[i], flat[i + 1]) for i in _pyrange(0, len(flat), 2))
    value = _static(constant_values, "constant_values", "Pad")
    value = np.asarray(value).astype(tensor.dtype._numpy).item() if mode == "CONSTANT" else 0
    if tensor.ndim is not None:
        _check_paddings(tensor._shape_tuple(), pairs, mode)
    return pad_p.bind(tensor, paddings=pairs, mode=mode, constant_values=value)


# --- reverse / roll / broadcast_to --------------------------------------------------------------
reverse_p = primitive(
    "reverse", impl=lambda x, axis: np.flip(x, axis) if axis else x, shape_rule=same_as_first,
    grad=lambda g, out, x, axis: (reverse_p.bind(g, axis=axis),))


def reverse(tensor, axis, name=None) -> Tensor:
    """Reverse `tensor` along the dimensions in `axis`."""
    tensor = _t(tensor)
    axis = _static_ints(axis, "axis", "ReverseV2")
    rank = tensor.ndim
    if rank is not None:
        axis = tuple(normalize_axis(a, rank, "ReverseV2") for a in axis)
        if len(set(axis)) != len(axis):
            raise _error(f"axis {list(axis)} specified more than once. [Op:ReverseV2]")
    return reverse_p.bind(tensor, axis=axis)


roll_p = primitive(
    "roll", impl=lambda x, shift, axis: np.roll(x, shift, axis), shape_rule=same_as_first,
    grad=lambda g, out, x, shift, axis: (
        roll_p.bind(g, shift=tuple(-s for s in shift), axis=axis),))


def roll(input, shift, axis, name=None) -> Tensor:
    """Shift elements along `axis` by `shift` places, wrapping around."""
    input = _t(input)
    axis = _static_ints(axis, "axis", "Roll")
    if _is_symbolic(shift):
        return _roll_by_run_time_shift(input, shift, axis)
    shift = _static_ints(shift, "shift", "Roll")
    if len(shift) != len(axis):
        raise _error(f"shift and axis must have the same size: {len(shift)} vs {len(axis)} "
                     f"[Op:Roll]")
    rank = input.ndim
    if rank is not None:
        axis = tuple(normalize_axis(a, rank, "Roll") for a in axis)
    return roll_p.bind(input, shift=shift, axis=axis)


def _roll_by_run_time_shift(input, shift, axis: tuple) -> Tensor:
    """Roll by a shift known only at run time: a gather of (i - shift) mod n on each axis."""
    from eagerflow.ops import indexing, math

    shifts = [shift] if shift.shape.rank == 0 else unstack(shift, num=len(axis))
    if len(shifts) != len(axis):
        raise _error(f"shift and axis must have the same size: {len(shifts)} vs {len(axis)} "
                     f"[Op:Roll]")
    for amount, dimension in zip(shifts, axis):
        length = cast(shape(input)[dimension], amount.dtype)
        positions = range(0, length, dtype=amount.dtype)
        indices = math.floormod(positions - amount, length)
        input = indexing.gather(input, indices, axis=dimension)
    return input


def _broadcast_to_rule(x: Spec, shape) -> Spec:
    if x.shape is not None:
        out = broadcast_shapes(x.shape, shape, "BroadcastTo")
        if len(x.shape) > len(shape) or any(
                a is not None and a != b for a, b in zip(out, shape)):
            raise _error(f"Unable to broadcast tensor of shape {list(x.shape)} to tensor of "
                         f"shape {list(shape)} [Op:BroadcastTo]")
    return Spec(tuple(shape), x.dtype)


def _broadcast_to_impl(x, shape):
    try:
        return np.broadcast_to(x, shape)
    except ValueError:
        raise _error(f"Unable to broadcast tensor of shape {list(np.shape(x))} to tensor of "
                     f"shape {list(shape)} [Op:BroadcastTo]") from None


broadcast_to_p = primitive(
    "broadcast_to", impl=_broadcast_to_impl, shape_rule=_broadcast_to_rule,
    grad=lambda g, out, x, shape: (unbroadcast(g, x),))


def broadcast_to(input, shape, name=None) -> Tensor:
    """`input` broadcast to `shape` (NumPy rules)."""
    hint, dynamic = _shape_operand(shape, "BroadcastTo")
    if dynamic is not None:
        return broadcast_to_dynamic_p.bind(input, dynamic, hint=hint)
    return broadcast_to_p.bind(input, shape=hint)


broadcast_to_dynamic_p = primitive(
    "broadcast_to_dynamic", impl=lambda x, shape, hint: _broadcast_to_impl(x, _dims(shape)),
    shape_rule=lambda x, shape, hint: Spec(_hint_shape(hint), x.dtype),
    grad=lambda g, out, x, shape, hint: (unbroadcast(g, x), None), same_dtype=False)


# --- one_hot ------------------------------------------------------------------------------------
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


# --- shape_n / rank / size ----------------------------------------------------------------------
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


# --- meshgrid / repeat ----------------------------------------------------------------------------
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


def _repeat_impl(x, repeats, axis):
    return np.repeat(x, repeats, axis=axis)


def _repeat_rule(x: Spec, repeats, axis) -> Spec:
    if x.shape is None:
        return x
    d = x.shape[axis]
    if isinstance(repeats, tuple):
        if d is not None and len(repeats) not in (1, d):
            raise _error(f"repeat: `repeats` has {len(repeats)} entries for a dimension of "
                         f"size {d}")
        n = sum(repeats) if len(repeats) != 1 else (None if d is None else d * repeats[0])
    else:
        n = None if d is None else d * repeats
    return Spec(_replace_dim(x.shape, axis, (n,)), x.dtype)


def _unrepeat_impl(g, x, repeats, axis):
    n = np.shape(x)[axis]
    counts = np.broadcast_to(np.asarray(repeats, np.int64), (n,))
    owner = np.repeat(np.arange(n), counts)
    out = np.zeros(np.shape(x), g.dtype)
    np.add.at(np.moveaxis(out, axis, 0), owner, np.moveaxis(g, axis, 0))
    return out


repeat_p = primitive(
    "repeat", impl=_repeat_impl, shape_rule=_repeat_rule,
    grad=lambda g, out, x, repeats, axis: (unrepeat_p.bind(g, x, repeats=repeats, axis=axis),))

unrepeat_p = primitive(
    "unrepeat", impl=_unrepeat_impl, shape_rule=lambda g, x, repeats, axis: Spec(x.shape, g.dtype),
    grad=lambda gg, out, g, x, repeats, axis: (repeat_p.bind(gg, repeats=repeats, axis=axis),
                                               None),
    same_dtype=False)


def repeat(input, repeats, axis=None, name=None) -> Tensor:
    """Repeat each element (slice along `axis`) `repeats` times; axis None flattens first."""
    input = _t(input)
    if axis is None:
        input = reshape(input, [-1])
        axis = 0
    axis = _static_int(axis, "axis", "Repeat")
    if input.ndim is not None:
        axis = normalize_axis(axis, input.ndim, "Repeat")
    repeats = _static(repeats, "repeats", "Repeat")
    if isinstance(repeats, list):
        repeats = tuple(int(r) for r in np.asarray(repeats).reshape(-1))
        if len(repeats) == 1:
            repeats = repeats[0]
    else:
        repeats = int(repeats)
    if min(np.atleast_1d(repeats).tolist(), default=0) < 0:
        raise _error(f"repeat: `repeats` must be non-negative, got {repeats}")
    return repeat_p.bind(input, repeats=repeats, axis=axis)


# --- unique / sequence_mask -------------------------------------------------------------------
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


# --- eye / range / linspace -----------------------------------------------------------------------
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


# --- clip_by_value / ensure_shape / searchsorted ------------------------------------------------
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


def _shape_compatible(actual: tuple | None, expected: tuple | None) -> bool:
    if actual is None or expected is None:
        return True
    return len(actual) == len(expected) and all(
        a is None or b is None or a == b for a, b in zip(actual, expected))


def _expected_text(expected) -> str:
    return "<unknown>" if expected is None else "[" + ",".join(
        "?" if d is None else str(d) for d in expected) + "]"


def _ensure_shape_impl(x, shape):
    if not _shape_compatible(np.shape(x), shape):
        raise _error(f"Shape of tensor x {list(np.shape(x))} is not compatible with expected "
                     f"shape {_expected_text(shape)}. [Op:EnsureShape]")
    return x


def _ensure_shape_rule(x: Spec, shape) -> Spec:
    if not _shape_compatible(x.shape, shape):
        raise ValueError(f"Shape of tensor x {list(x.shape)} is not compatible with expected "
                         f"shape {_expected_text(shape)}.")
    if shape is None:
        return x
    if x.shape is None:
        return Spec(shape, x.dtype)
    return Spec(tuple(b if a is None else a for a, b in zip(x.shape, shape)), x.dtype)


ensure_shape_p = primitive(
    "ensure_shape", impl=_ensure_shape_impl, shape_rule=_ensure_shape_rule,
    grad=lambda g, out, x, shape: (g,), same_dtype=False)


def ensure_shape(x, shape, name=None) -> Tensor:
    """`x`, after checking (at run time too) that its shape is compatible with `shape`."""
    from eagerflow.core.shape import TensorShape

    if isinstance(shape, Tensor):
        shape = _static(shape, "shape", "EnsureShape")
    dims = TensorShape(shape).as_tuple()
    return ensure_shape_p.bind(_t(x), shape=dims)


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


# --- broadcast shapes / reverse_sequence / partition and stitch / unravel_index ---------------
def broadcast_static_shape(shape_x, shape_y):
    """The broadcast of two TensorShapes (None dims allowed); ValueError if incompatible."""
    from eagerflow.core.shape import TensorShape

    x, y = TensorShape(shape_x).as_tuple(), TensorShape(shape_y).as_tuple()
    try:
        return TensorShape(broadcast_shapes(x, y, "BroadcastArgs"))
    except InvalidArgumentError:
        raise ValueError(f"Incompatible shapes for broadcasting: {TensorShape(shape_x)} and "
                         f"{TensorShape(shape_y)}") from None


def _broadcast_args_impl(sx, sy):
    try:
        return np.array(np.broadcast_shapes(tuple(sx.tolist()), tuple(sy.tolist())), sx.dtype)
    except ValueError:
        raise _error(f"Incompatible shapes: {sx.tolist()} vs. {sy.tolist()} "
                     f"[Op:BroadcastArgs]") from None


def _broadcast_args_rule(sx: Spec, sy: Spec) -> Spec:
    if sx.shape is None or sy.shape is None or None in sx.shape + sy.shape:
        return Spec((None,), sx.dtype)
    return Spec((builtins.max(sx.shape[0], sy.shape[0]),), sx.dtype)


broadcast_args_p = primitive("broadcast_args", impl=_broadcast_args_impl,
                             shape_rule=_broadcast_args_rule, grad=None)


def broadcast_dynamic_shape(shape_x, shape_y) -> Tensor:
    """The broadcast of two shapes given as 1-D integer tensors."""
    return broadcast_args_p.bind(_index_tensor(shape_x, "BroadcastArgs", "s0"),
                                 _index_tensor(shape_y, "BroadcastArgs", "s1"))


def _reverse_sequence_impl(x, lengths, seq_axis, batch_axis):
    steps, batch = x.shape[seq_axis], x.shape[batch_axis]
    lengths = lengths.astype(np.int64)
    if lengths.shape != (batch,) or lengths.min(initial=0) < 0 or lengths.max(initial=0) > steps:
        raise _error(f"ReverseSequence: seq_lengths must be a vector of {batch} values in "
                     f"[0, {steps}], got {lengths.tolist()} [Op:ReverseSequence]")
    t = np.arange(steps)
    source = np.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)  # [batch, steps]
    shape = [1] * x.ndim
    shape[batch_axis], shape[seq_axis] = batch, steps
    index = (source.T if batch_axis > seq_axis else source).reshape(shape)
    return np.take_along_axis(x, np.broadcast_to(index, x.shape), axis=seq_axis)


reverse_sequence_p = primitive(
    "reverse_sequence", impl=_reverse_sequence_impl,
    shape_rule=lambda x, lengths, seq_axis, batch_axis: x,
    grad=lambda g, out, x, lengths, seq_axis, batch_axis: (
        reverse_sequence_p.bind(g, lengths, seq_axis=seq_axis, batch_axis=batch_axis), None),
    same_dtype=False)


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None) -> Tensor:
    """Reverse the first `seq_lengths[b]` entries along `seq_axis` of each batch entry b."""
    input = _t(input)
    seq_lengths = _index_tensor(seq_lengths, "ReverseSequence", "seq_lengths")
    rank = input.ndim
    seq_axis = normalize_axis(_static_int(seq_axis, "seq_axis", "ReverseSequence"), rank,
                              "ReverseSequence")
    batch_axis = normalize_axis(0 if batch_axis is None else _static_int(
        batch_axis, "batch_axis", "ReverseSequence"), rank, "ReverseSequence")
    if seq_axis == batch_axis:
        raise _error(f"seq_axis == batch_axis == {seq_axis} [Op:ReverseSequence]")
    return reverse_sequence_p.bind(input, seq_lengths, seq_axis=seq_axis, batch_axis=batch_axis)


def dynamic_partition(data, partitions, num_partitions, name=None) -> list:
    """Split `data` into `num_partitions` tensors: output i holds the entries (slices) whose
    partition (over data's leading dims) is i, in order."""
    from eagerflow.ops import math

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


stitch_p = primitive(
    "dynamic_stitch", impl=_stitch_impl,
    shape_rule=lambda index, values: Spec(
        None if values.shape is None else (None,) + values.shape[1:], values.dtype),
    grad=lambda g, out, index, values: (None, gather_p.bind(g, index, axis=0, batch_dims=0)),
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


# The indexing family builds on this module; these of its primitives serve gradients and
# ops above (used at call time only), so they are imported last.
from eagerflow.ops.indexing import boolean_mask_p, gather_p, select_p  # noqa: E402
