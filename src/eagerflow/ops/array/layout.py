"""Ops that move or re-view elements (`tf.transpose`, `tf.expand_dims`, `tf.squeeze`,
`tf.reverse`, `tf.roll`, `tf.broadcast_to`, `tf.ensure_shape`, ...)."""

from __future__ import annotations

import builtins

import numpy as np

from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import Tensor
from eagerflow.ops.array.arguments import (
    _error,
    _index_tensor,
    _pyrange,
    _static,
    _static_int,
    _static_ints,
    _t,
    keras_call_if_symbolic,
)
from eagerflow.ops.array.basics import (
    _dims,
    _hint_shape,
    _is_symbolic,
    _shape_operand,
    cast,
    reshape_like,
    shape,
    unbroadcast,
)
from eagerflow.ops.array.joining import unstack
from eagerflow.ops.rules import broadcast_shapes, normalize_axis, same_as_first

__all__ = [
    "transpose", "expand_dims", "squeeze", "reverse", "roll", "broadcast_to", "ensure_shape",
    "newaxis", "broadcast_static_shape", "broadcast_dynamic_shape", "reverse_sequence",
]
NAMESPACES: dict = {}


newaxis = None


# --- transpose -----------------------------------------------------------------------------
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


# --- expand_dims / squeeze -----------------------------------------------------------------
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


# --- reverse / roll / broadcast_to ---------------------------------------------------------
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
    from eagerflow.ops.array.creation import range as tf_range

    shifts = [shift] if shift.shape.rank == 0 else unstack(shift, num=len(axis))
    if len(shifts) != len(axis):
        raise _error(f"shift and axis must have the same size: {len(shifts)} vs {len(axis)} "
                     f"[Op:Roll]")
    for amount, dimension in zip(shifts, axis):
        length = cast(shape(input)[dimension], amount.dtype)
        positions = tf_range(0, length, dtype=amount.dtype)
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
    symbolic = keras_call_if_symbolic(shape)
    if symbolic is not None:
        return symbolic
    hint, dynamic = _shape_operand(shape, "BroadcastTo")
    if dynamic is not None:
        return broadcast_to_dynamic_p.bind(input, dynamic, hint=hint)
    return broadcast_to_p.bind(input, shape=hint)


broadcast_to_dynamic_p = primitive(
    "broadcast_to_dynamic", impl=lambda x, shape, hint: _broadcast_to_impl(x, _dims(shape)),
    shape_rule=lambda x, shape, hint: Spec(_hint_shape(hint), x.dtype),
    grad=lambda g, out, x, shape, hint: (unbroadcast(g, x), None), same_dtype=False)


# --- ensure_shape --------------------------------------------------------------------------
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


# --- broadcast shapes / reverse_sequence ---------------------------------------------------
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
