"""Builtins in converted code: `print`, `len`, `range` with tensor arguments.

`converted_call` looks builtins up in OVERLOADS; with Python arguments each
overload is the builtin itself.
"""

from __future__ import annotations

import builtins

from eagerflow.autograph import operators as _ops
from eagerflow.core.tensor import Tensor

__all__ = ["print_", "len_", "range_", "OVERLOADS"]


def _symbolic_in(values) -> bool:
    return any(_ops._is_symbolic(v) for v in values)


def print_(*objects, **kwargs):
    """`print`: tf.print (printing at every call of the compiled function) given tensors."""
    if _symbolic_in(objects):
        import sys

        from eagerflow.ops import debugging

        sep = kwargs.pop("sep", " ")
        end = kwargs.pop("end", "\n")
        stream = kwargs.pop("file", None) or sys.stdout
        return debugging.print(*objects, sep=sep, end=end, output_stream=stream)
    return builtins.print(*objects, **kwargs)


def len_(value):
    """`len`: the static first dimension, or tf.shape(x)[0] when it is unknown while tracing."""
    if isinstance(value, Tensor) and _ops._is_symbolic(value):
        shape = value.shape
        if shape.rank == 0:
            raise ValueError("len requires a non-scalar tensor, got one with shape ()")
        if shape.rank is not None and shape[0] is not None:
            return shape[0]
        from eagerflow.ops import array

        return array.shape(value)[0]
    if type(value).__name__ == "TensorArray":
        return value.size()
    return builtins.len(value)


def range_(*args):
    """`range`: tf.range when a bound is a symbolic tensor (the loop then becomes a while_loop)."""
    if _symbolic_in(args):
        from eagerflow.ops import array

        return array.range(*args)
    return builtins.range(*args)


OVERLOADS = {builtins.print: print_, builtins.len: len_, builtins.range: range_}
