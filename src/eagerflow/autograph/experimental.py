"""`tf.autograph.experimental`: do_not_convert, set_loop_options, Feature."""

from __future__ import annotations

import enum
import functools

__all__ = ["do_not_convert", "set_loop_options", "Feature"]


class Feature(enum.Enum):
    """Optional conversion features (accepted for compatibility; none change behaviour here)."""

    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"


def do_not_convert(func=None):
    """Decorator: AutoGraph calls `func` as is (its `if`/`while` stay plain Python)."""
    if func is None:
        return do_not_convert

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    wrapper.__ag_do_not_convert__ = True
    return wrapper


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None) -> None:
    """Options of the enclosing loop (read by the converter); a no-op when run as Python.

    Example: `tf.autograph.experimental.set_loop_options(shape_invariants=[(s,
    tf.TensorShape([None]))])` as the first statement of a `while` body.
    """
    return None
