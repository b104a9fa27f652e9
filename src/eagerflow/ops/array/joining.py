"""Joining and splitting (`tf.stack`, `tf.concat`, `tf.split`, `tf.unstack`) and ops that
repeat or surround a tensor (`tf.tile`, `tf.pad`, `tf.repeat`)."""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import Tensor, make_constant
from eagerflow.ops.array.arguments import (
    _error,
    _pyrange,
    _replace_dim,
    _static,
    _static_int,
    _static_ints,
    _t,
    keras_call_if_symbolic,
)
from eagerflow.ops.array.basics import (
    _dims,
    _is_symbolic,
    _shape_operand,
    cast,
    identity_p,
    reshape,
)
from eagerflow.ops.rules import normalize_axis

__all__ = [
    "stack", "unstack", "concat", "split", "tile", "pad", "repeat",
]
NAMESPACES: dict = {}


# --- stack ---------------------------------------------------------------------------------
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


# --- concat / split ------------------------------------------------------------------------
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


# --- tile ----------------------------------------------------------------------------------
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
    symbolic = keras_call_if_symbolic(multiples)
    if symbolic is not None:
        return symbolic
    hint, dynamic = _shape_operand(multiples, "Tile")
    if dynamic is not None:
        return tile_dynamic_p.bind(input, dynamic, hint=hint)
    multiples = _static_ints(multiples, "multiples", "Tile")
    if any(m < 0 for m in multiples):
        raise _error(f"Expected multiples[i] >= 0, but got {list(multiples)} [Op:Tile]")
    return tile_p.bind(input, multiples=multiples)


# --- pad -----------------------------------------------------------------------------------
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


def _pairs(paddings) -> tuple:
    return tuple((int(lo), int(hi)) for lo, hi in np.asarray(paddings).reshape(-1, 2))


def _pad_dynamic_grad(g, out, x, paddings, mode, constant_values, hint):
    return unpad_dynamic_p.bind(g, x, paddings, mode=mode), None


def _unpad_dynamic_grad(gg, out, g, x, paddings, mode):
    return (pad_dynamic_p.bind(gg, paddings, mode=mode, constant_values=0,
                               hint=g._shape_tuple()), None, None)


# tf.pad with paddings known only at run time (an [n, 2] int64 operand); `hint` is the output
# shape as far as the trace knows it.
pad_dynamic_p = primitive(
    "pad_dynamic",
    impl=lambda x, paddings, mode, constant_values, hint: _pad_impl(
        x, _pairs(paddings), mode, constant_values),
    shape_rule=lambda x, paddings, mode, constant_values, hint: Spec(hint, x.dtype),
    grad=_pad_dynamic_grad, same_dtype=False)

unpad_dynamic_p = primitive(
    "unpad_dynamic",
    impl=lambda g, x, paddings, mode: _unpad_impl(g, x, _pairs(paddings), mode),
    shape_rule=lambda g, x, paddings, mode: Spec(x.shape, g.dtype),
    grad=_unpad_dynamic_grad, same_dtype=False)


def _run_time_paddings(paddings, rank: int | None) -> tuple:
    """(static (lo, hi) pairs with None where unknown, or None; [n, 2] int64 tensor) for
    paddings holding values known only at run time."""
    if _is_symbolic(paddings):
        shape = paddings._shape_tuple()
        if shape is not None and (len(shape) != 2 or shape[1] not in (None, 2)):
            raise _error(f"paddings must be a matrix with 2 columns: got shape {list(shape)} "
                         f"[Op:Pad]")
        rows = shape[0] if shape is not None and shape[0] is not None else rank
        pairs = None if rows is None else ((None, None),) * rows
        return pairs, cast(paddings, dtypes.int64)
    rows = [list(row) if isinstance(row, (list, tuple)) else row for row in paddings]
    if any(not isinstance(row, list) or len(row) != 2 for row in rows):
        raise _error(f"paddings must be a matrix with 2 columns: got {paddings!r} [Op:Pad]")
    hint, flat = _shape_operand([v for row in rows for v in row], "Pad")
    if flat is None:
        flat = make_constant(np.asarray(hint, np.int64))
    pairs = tuple((hint[i], hint[i + 1]) for i in _pyrange(0, len(hint), 2))
    return pairs, reshape(flat, [-1, 2])


def _run_time_pad(tensor, paddings, mode: str, value) -> Tensor:
    shape = tensor._shape_tuple()
    pairs, operand = _run_time_paddings(paddings, None if shape is None else len(shape))
    if pairs is not None and shape is not None and len(pairs) != len(shape):
        raise _error(f"The first dimension of paddings must be the rank of inputs"
                     f"[{len(pairs)},2], {list(shape)} [Op:Pad]")
    if pairs is None:
        hint = None
    else:
        shape = shape or (None,) * len(pairs)
        hint = tuple(None if None in (d, lo, hi) else d + lo + hi
                     for d, (lo, hi) in zip(shape, pairs))
    return pad_dynamic_p.bind(tensor, operand, mode=mode, constant_values=value, hint=hint)


def _has_run_time_entries(paddings) -> bool:
    if _is_symbolic(paddings):
        return True
    if not isinstance(paddings, (list, tuple)):
        return False
    return any(_is_symbolic(row) or (isinstance(row, (list, tuple))
                                     and any(_is_symbolic(v) for v in row)) for row in paddings)


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
    value = _static(constant_values, "constant_values", "Pad")
    value = np.asarray(value).astype(tensor.dtype._numpy).item() if mode == "CONSTANT" else 0
    if _has_run_time_entries(paddings):
        return _run_time_pad(tensor, paddings, mode, value)
    flat = _static_ints(paddings, "paddings", "Pad")
    if len(flat) % 2:
        raise _error(f"paddings must be a matrix with 2 columns: {_static(paddings, '', '')}")
    pairs = tuple((flat[i], flat[i + 1]) for i in _pyrange(0, len(flat), 2))
    if tensor.ndim is not None:
        _check_paddings(tensor._shape_tuple(), pairs, mode)
    return pad_p.bind(tensor, paddings=pairs, mode=mode, constant_values=value)


# --- repeat --------------------------------------------------------------------------------
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
