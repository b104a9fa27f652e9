"""AutoGraph (`tf.autograph`): Python control flow on tensors inside tf.function.

`convert_for_tracing(f)` is what tf.function traces: `f` rewritten so that
`if`/`while`/`for` on tensors become tf.cond / tf.while_loop while Python
conditions stay Python. Modules: parser (source -> AST), analysis (names read,
written, live), converters/ (one per construct), operators and loops (runtime),
py_builtins (print/len/range), conversion (pipeline, cache, converted_call).
"""

from eagerflow.autograph import experimental
from eagerflow.autograph.conversion import convert, convert_for_tracing, converted_call
from eagerflow.autograph.conversion import to_code as _to_code

__all__ = ["to_code", "to_graph", "experimental", "convert_for_tracing", "set_verbosity",
           "trace"]


def to_code(entity, recursive: bool = True, experimental_optional_features=None) -> str:
    """The Python source AutoGraph generates for `entity` (a function or method).

    >>> print(tf.autograph.to_code(f))   # shows ag__.if_stmt(...), ag__.while_stmt(...)
    """
    return _to_code(entity)


def to_graph(entity, recursive: bool = True, experimental_optional_features=None):
    """`entity` converted: a function whose tensor `if`/`while`/`for` build graph control flow
    when it runs inside tf.function (and that runs as ordinary Python eagerly)."""
    return convert_for_tracing(entity)


def set_verbosity(level, alsologtostdout: bool = False) -> None:
    """Accepted for compatibility (AutoGraph here logs only its could-not-convert warning)."""


def trace(*args) -> None:
    """Print the arguments at trace time (`tf.autograph.trace`)."""
    print(*args)
