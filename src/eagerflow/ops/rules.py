"""Shape/dtype rules shared by many primitives, and the un-broadcasting helpers.

Rules take `Spec`s (shape tuples with `None` for unknown dims, and a dtype)
and compute nothing; they raise TF's errors for shapes that cannot work.
"""

from __future__ import annotations

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec
from eagerflow.core.tensor import Tensor, convert_to_tensor

__all__ = ["as_tensor", "same_as_first", "broadcast_shapes", "broadcast_rule", "compare_rule",
           "to_bool_rule", "normalize_axis", "reduced_shape", "spec_of", "require_rank"]


def as_tensor(x) -> Tensor:
    """`x` as a tensor: tensors as they are, anything else through convert_to_tensor (which
    stacks lists holding tensors, so gradients reach their elements)."""
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def spec_of(tensor) -> Spec:
    """The Spec of a tensor (eager or symbolic)."""
    return Spec(tensor._shape_tuple(), tensor.dtype)


def same_as_first(x: Spec, *rest, **attrs) -> Spec:
    """Unary elementwise: the output is like the input."""
    return x


def broadcast_shapes(a: tuple | None, b: tuple | None, op: str = "op") -> tuple | None:
    """NumPy broadcasting of two static shapes; `None` dims stay unknown unless the other is
    known and not 1."""
    if a is None or b is None:
        return None
    if len(a) < len(b):
        a, b = b, a
    b = (1,) * (len(a) - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None or x == y:
            out.append(x)
        else:
            raise InvalidArgumentError(
                None, None,
                f"Incompatible shapes: {list(a)} vs. {list(b)} [Op:{op}]. Each dimension must "
                f"be equal or 1 to broadcast.")
    return tuple(out)


def broadcast_rule(x: Spec, y: Spec, **attrs) -> Spec:
    return Spec(broadcast_shapes(x.shape, y.shape), x.dtype)


def compare_rule(x: Spec, y: Spec, **attrs) -> Spec:
    return Spec(broadcast_shapes(x.shape, y.shape), dtypes.bool)


def to_bool_rule(x: Spec, **attrs) -> Spec:
    return Spec(x.shape, dtypes.bool)


def normalize_axis(axis: int, rank: int, op: str = "op") -> int:
    if not -rank <= axis < max(rank, 1):
        raise InvalidArgumentError(
            None, None, f"{op}: axis {axis} is out of bounds for a tensor of rank {rank}; it "
                        f"must be in [-{rank}, {rank}).")
    return axis % rank if rank else 0


def reduced_shape(shape: tuple | None, axis, keepdims: bool, op: str = "reduce") -> tuple | None:
    """The shape after reducing `axis` (None: all axes; a tuple of ints)."""
    if shape is None:
        return None
    rank = len(shape)
    axes = range(rank) if axis is None else {normalize_axis(a, rank, op) for a in axis}
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def require_rank(spec: Spec, rank: int, op: str, what: str = "input") -> None:
    if spec.shape is not None and len(spec.shape) != rank:
        raise InvalidArgumentError(None, None, f"{op}: {what} must be rank {rank}, got shape "
                                   f"{list(spec.shape)}.")
