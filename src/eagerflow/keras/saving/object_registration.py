"""The custom-object registry: the only way a user's own class or function becomes loadable.

Loading resolves names through eagerflow's public Keras namespaces plus the objects registered
here (`@register_keras_serializable`, `custom_object_scope`, `custom_objects=`); nothing else.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
]

# registered name ("package>Name") -> object, filled by @register_keras_serializable.
_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
# object -> registered name, so serialization can write the name an object was registered under.
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
_scopes = threading.local()


def _scope_stack() -> list[dict]:
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


class CustomObjectScope:
    """`with custom_object_scope({"Scale": Scale}):` makes those names loadable inside the block.

    Scopes nest; inner ones win. The mapping is name -> class or function.
    """

    def __init__(self, *custom_objects: dict | None) -> None:
        merged: dict[str, Any] = {}
        for mapping in custom_objects:
            if mapping is None:
                continue
            if not isinstance(mapping, dict):
                raise TypeError("custom_object_scope expects dicts of name -> class or function. "
                                f"Received: {mapping!r}")
            merged.update(mapping)
        self.custom_objects = merged

    def __enter__(self) -> CustomObjectScope:
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc_info) -> None:
        _scope_stack().pop()


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict[str, Any]:
    """The global registry dict (registered name -> object); editing it registers objects."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Decorator registering a class or function as `"<package>><name>"` so files can name it.

    >>> @register_keras_serializable(package="my_pkg")
    ... class Scale(tf.keras.layers.Layer): ...
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without '>'. "
                         f"Received: package={package!r}")

    def decorator(obj):
        object_name = name if name is not None else getattr(obj, "__name__", None)
        if not object_name:
            raise ValueError(f"Cannot register {obj!r}: it has no __name__; pass name=.")
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register class {obj.__name__}: it has no get_config() "
                             "method, so it cannot be saved.")
        registered = f"{package}>{object_name}"
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name `obj` was registered under, else its `__name__` (as Keras)."""
    try:
        registered = _GLOBAL_CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable
        registered = None
    if registered is not None:
        return registered
    return getattr(obj, "__name__", type(obj).__name__)


def is_registered(obj: Any) -> bool:
    """Whether `obj` was registered globally with @register_keras_serializable."""
    try:
        return obj in _GLOBAL_CUSTOM_NAMES
    except TypeError:
        return False


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None) -> Any | None:
    """Look `name` up in `custom_objects`, the active scopes, the global registry, then
    `module_objects` (a trusted dict supplied by eagerflow code). None when absent."""
    if not isinstance(name, str):
        return None
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    for scope in reversed(_scope_stack()):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None
