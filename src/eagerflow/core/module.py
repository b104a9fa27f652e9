"""`tf.Module` (a container that finds its variables and sub-modules) and `tf.name_scope`.

A module's variables are found by walking its attributes (lists, tuples and
dicts too), so `tape.gradient(loss, model.trainable_variables)` works for any
object built from modules, as in TF.
"""

from __future__ import annotations

import re
import threading

from eagerflow.core.variable import Variable

__all__ = ["Module", "name_scope"]

_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]*$")
_scopes = threading.local()


def _current_scope() -> list:
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


class name_scope:
    """`with tf.name_scope("layer"):` — names ops and variables created inside (as a prefix).

    eagerflow keeps the scope for names only; it does not change what runs.
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"name_scope: name must be a string, got {name!r}")
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        stack = _current_scope()
        stack.append(self._name.rstrip("/"))
        return "/".join(s for s in stack if s) + "/"

    def __exit__(self, *exc_info) -> None:
        _current_scope().pop()


def _camel_to_snake(name: str) -> str:
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower()


class Module:
    """Base class of objects that own variables and sub-modules (`tf.Module`).

    >>> class Dense(tf.Module):
    ...     def __init__(self, n_in, n_out):
    ...         super().__init__()
    ...         self.w = tf.Variable(tf.ones([n_in, n_out]))
    >>> len(Dense(2, 3).trainable_variables)
    1
    """

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not _VALID_NAME.match(name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid "
                             "Python identifiers (e.g. a valid class name).")
        self._name = name
        self._scope_name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self) -> name_scope:
        return name_scope(self._scope_name)

    def _flatten(self, predicate) -> tuple:
        """Objects reachable through attributes (depth first, attribute names sorted, into
        lists, tuples, dicts and sub-modules) that satisfy `predicate`, each once."""
        found, seen = [], {id(self)}
        pending = [value for _, value in sorted(vars(self).items())]
        while pending:
            value = pending.pop(0)
            if id(value) in seen:
                continue
            seen.add(id(value))
            if predicate(value):
                found.append(value)
            if isinstance(value, Module):
                pending[:0] = [v for _, v in sorted(vars(value).items())]
            elif isinstance(value, dict):
                pending[:0] = [value[k] for k in sorted(value, key=str)]
            elif isinstance(value, (list, tuple)):
                pending[:0] = list(value)
        return tuple(found)

    @property
    def variables(self) -> tuple:
        """Every variable this module and its sub-modules hold."""
        return self._flatten(lambda v: isinstance(v, Variable))

    @property
    def trainable_variables(self) -> tuple:
        return self._flatten(lambda v: isinstance(v, Variable) and v.trainable)

    @property
    def non_trainable_variables(self) -> tuple:
        return self._flatten(lambda v: isinstance(v, Variable) and not v.trainable)

    @property
    def submodules(self) -> tuple:
        """Every module reachable from this one (not including itself)."""
        return self._flatten(lambda v: isinstance(v, Module))

    @classmethod
    def with_name_scope(cls, method):
        """Decorate a method so that it runs inside the module's name scope."""
        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        wrapped.__name__ = getattr(method, "__name__", "method")
        wrapped.__doc__ = getattr(method, "__doc__", None)
        return wrapped

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self._name!r}>"
