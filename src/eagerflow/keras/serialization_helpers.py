"""Shared helpers of the keras object modules (initializers, regularizers, constraints,
losses, metrics, activations): the Keras serialized form of an object, its lookup by name or
dict, the common `get(identifier)` rule, and snake_case default names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["registered_object", "serialize_object", "serialize_object_or_function",
           "deserialize_object", "get_object", "snake_case"]


def snake_case(class_name: str) -> str:
    """The default object name of a class name, as tf.Module makes it ('MeanIoU' ->
    'mean_io_u', 'L1L2' -> 'l1_l2', 'Conv2D' -> 'conv2_d')."""
    from eagerflow.core.module import _camel_to_snake

    return _camel_to_snake(class_name)


def registered_object(name: str) -> Any:
    """The custom object registered under `name` with keras.saving, or None."""
    try:
        from eagerflow.keras import saving
    except ImportError:
        return None
    lookup = getattr(saving, "get_registered_object", None)
    return lookup(name) if lookup is not None else None


def serialize_object(obj: Any, module: str) -> dict:
    """The Keras serialized form `{"module", "class_name", "config", "registered_name"}` of
    an object with `get_config()`; built-ins carry `module` and no registered name."""
    cls = type(obj)
    builtin = cls.__module__.startswith("eagerflow.keras.")
    if not builtin:
        try:
            from eagerflow.keras.saving import serialize_keras_object
        except ImportError:
            serialize_keras_object = None
        if serialize_keras_object is not None:
            return serialize_keras_object(obj)
    return {"module": module if builtin else cls.__module__, "class_name": cls.__name__,
            "config": obj.get_config(), "registered_name": None if builtin else cls.__name__}


def _unknown(kind: str, name: str) -> ValueError:
    return ValueError(
        f"Unknown {kind}: '{name}'. Please ensure you are using a "
        "`keras.utils.custom_object_scope` and that this object is included in the scope. See "
        "https://www.tensorflow.org/guide/keras/save_and_serialize"
        "#registering_the_custom_object for details.")


def _find(name: str, module_objects: dict, custom_objects: dict | None) -> Any:
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    registered = registered_object(name)
    if registered is not None:
        return registered
    return module_objects.get(name)


def deserialize_object(identifier: str | dict, module_objects: dict,
                       custom_objects: dict | None, kind: str) -> Any:
    """Rebuild an object from a name or a serialized dict (Keras 2 `{class_name, config}` or
    Keras 3 with `module`/`registered_name`); custom objects win over built-ins.

    A class found by name is instantiated (with its config if given); a function is returned.
    """
    if isinstance(identifier, str):
        found = _find(identifier, module_objects, custom_objects)
        if found is None:
            raise _unknown(kind, identifier)
        return found() if isinstance(found, type) else found
    if not isinstance(identifier, dict) or "class_name" not in identifier:
        raise ValueError(f"Could not interpret serialized {kind}: {identifier!r}. Expected a "
                         "name or a dict with 'class_name' and 'config'.")
    class_name = identifier["class_name"]
    config = identifier.get("config", {})
    if class_name == "function" or class_name == "__function__":
        # Keras 3 writes plain functions as {"class_name": "function", "config": "<name>"}.
        return deserialize_object(config, module_objects, custom_objects, kind)
    found = None
    registered_name = identifier.get("registered_name")
    if registered_name:
        found = _find(registered_name, {}, custom_objects)
    if found is None:
        found = _find(class_name, module_objects, custom_objects)
    if found is None:
        raise _unknown(kind, class_name)
    if isinstance(found, type):
        if hasattr(found, "from_config"):
            return found.from_config(dict(config or {}))
        return found(**(config or {}))
    return found


def serialize_object_or_function(obj: Any, base: type, module: str, what: str) -> dict:
    """A `base` instance (a Loss, a Metric) as `serialize_object(obj, module)`; a named
    function as the `{"class_name": "function", "config": name}` dict tf_keras writes."""
    if isinstance(obj, base):
        return serialize_object(obj, module=module)
    name = getattr(obj, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize {what} {obj!r}: it is neither a {base.__name__} "
                         "nor a named function.")
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def get_object(identifier: Any, deserialize: Callable[[Any], Any], what: str,
               base: type = object, hint: str = "") -> Any:
    """The object for a layer or compile argument, Keras's `get` rule: None -> None, a name or
    serialized dict -> `deserialize(identifier)`, a class (a subclass of `base`) -> a new
    instance, any other callable -> itself; anything else is a ValueError naming `what`."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {what} identifier: {identifier!r}{hint}")
