"""Objects <-> Keras config dicts, resolving names only through an explicit allow-list.

`serialize_keras_object` writes Keras 3's layout (`module`, `class_name`, `config`,
`registered_name`, optional `build_config`/`compile_config`). `deserialize_keras_object` builds
objects back from data: a name read from a file is looked up in the custom-object registry or in
eagerflow's public Keras namespaces (filtered to the right base class); it is never imported.
"""

from __future__ import annotations

import importlib
import inspect
import types
from typing import Any

import numpy as np

from eagerflow.keras.saving import object_registration as registration
from eagerflow.keras.saving import op_layer_configs, safety

__all__ = ["deserialize_keras_object", "serialize_keras_object"]

# category -> (eagerflow module, base class name or None, whether plain functions are allowed)
_NAMESPACES: dict[str, tuple[str, str | None, bool]] = {
    "layers": ("eagerflow.keras.layers", "Layer", False),
    "models": ("eagerflow.keras.models", "Model", False),
    "optimizers": ("eagerflow.keras.optimizers", "Optimizer", False),
    "schedules": ("eagerflow.keras.optimizers.schedules", "LearningRateSchedule", False),
    "losses": ("eagerflow.keras.losses", "Loss", True),
    "metrics": ("eagerflow.keras.metrics", "Metric", True),
    "initializers": ("eagerflow.keras.initializers", "Initializer", False),
    "regularizers": ("eagerflow.keras.regularizers", "Regularizer", False),
    "constraints": ("eagerflow.keras.constraints", "Constraint", False),
    "activations": ("eagerflow.keras.activations", None, True),
}
_ALL_CATEGORIES = tuple(_NAMESPACES)

# Public names that are tools, not parts of a model: never reachable from a file (Keras's
# "non-modeling API" deny-list, and the gadgets of CVE-2025-8747 / CVE-2025-9906).
_DENIED_NAMES = frozenset({
    "get", "serialize", "deserialize", "load_model", "save_model", "load_weights",
    "save_weights", "model_from_json", "model_from_yaml", "model_from_config", "get_file",
    "enable_unsafe_deserialization", "register_keras_serializable", "custom_object_scope",
    "get_custom_objects", "load_img", "save_img", "image_dataset_from_directory",
    "text_dataset_from_directory", "audio_dataset_from_directory",
    "timeseries_dataset_from_array", "clear_session", "set_random_seed", "plot_model",
    "clone_model", "deserialize_keras_object", "serialize_keras_object",
})

# Keras module strings a file may carry -> the categories they may name.
_MODULE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "keras": ("models", "layers"),
    "keras.models": ("models",),
    "keras.src.models.functional": ("models",),
    "keras.src.models.sequential": ("models",),
    "keras.src.models.model": ("models",),
    "keras.src.engine.functional": ("models",),
    "keras.src.engine.sequential": ("models",),
    "keras.src.engine.training": ("models",),
    "keras.optimizers.schedules": ("schedules",),
    "keras.optimizers.legacy": ("optimizers",),
    "builtins": ("activations", "losses", "metrics"),  # Keras 3 writes functions this way
}
for _category in _ALL_CATEGORIES:
    if _category != "schedules":
        _MODULE_CATEGORIES[f"keras.{_category}"] = (_category,)
for _prefix in ("tf_keras", "tensorflow.keras"):
    for _key, _value in list(_MODULE_CATEGORIES.items()):
        if _key.startswith("keras") and (".src." not in _key or ".src.engine." in _key):
            _MODULE_CATEGORIES[_prefix + _key[len("keras"):]] = _value

_tables: dict[str, dict[str, Any]] = {}


def _table(category: str) -> dict[str, Any]:
    """name -> allowed object for one namespace, built from the namespace's public names."""
    if category in _tables:
        return _tables[category]
    module_name, base_name, functions_allowed = _NAMESPACES[category]
    try:
        module = importlib.import_module(module_name)  # a fixed eagerflow module, never a file's
    except ImportError:
        return {}
    base = getattr(module, base_name, None) if base_name else None
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    table: dict[str, Any] = {}
    for name in names:
        if name in _DENIED_NAMES or name.startswith("_"):
            continue
        obj = getattr(module, name, None)
        if inspect.isclass(obj):
            if base is not None and issubclass(obj, base):
                table[name] = obj
        elif functions_allowed and isinstance(obj, types.FunctionType):
            table[name] = obj
    if category == "models":
        # Functional and Sequential may live beside Model without being in models.__all__.
        for name in ("Functional", "Sequential", "Model"):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and base is not None and issubclass(obj, base):
                table.setdefault(name, obj)
    if table:
        _tables[category] = table
    return table


def _categories_for(module: Any, class_name: str) -> tuple[str, ...]:
    if module is None:
        return _ALL_CATEGORIES
    if not isinstance(module, str):
        raise TypeError(f"Could not deserialize {class_name!r}: 'module' must be a string, "
                        f"got {module!r}.")
    categories = _MODULE_CATEGORIES.get(module)
    if categories is None:
        raise TypeError(
            f"Could not deserialize {class_name!r} from module {module!r}: eagerflow only "
            "builds objects from the public Keras namespaces (keras.layers, keras.models, "
            "keras.optimizers, keras.losses, keras.metrics, keras.initializers, "
            "keras.regularizers, keras.constraints, keras.activations) and registered custom "
            "objects. Register your own classes with "
            "@tf.keras.saving.register_keras_serializable() or pass custom_objects=.")
    return categories


def _lookup_builtin(name: str, categories: tuple[str, ...], functions: bool) -> Any | None:
    for category in categories:
        obj = _table(category).get(name)
        if obj is not None and (inspect.isclass(obj) != functions):
            return obj
    return None


def _refusal(what: str, name: Any, module: Any) -> TypeError:
    if isinstance(name, str) and name in _DENIED_NAMES:
        why = ("it is a non-modeling API (loading, saving, downloading or configuration "
               "function), which a model file may never call")
    else:
        why = ("it is neither a public Keras class/function of that namespace nor a registered "
               "custom object")
    return TypeError(
        f"Could not locate {what} {name!r} (module {module!r}): {why}. If it is yours, register "
        "it with @tf.keras.saving.register_keras_serializable() or pass custom_objects= .")


# ---------------------------------------------------------------- serialize

def _builtin_module(cls: type) -> str | None:
    module = cls.__module__ or ""
    if not module.startswith("eagerflow.keras."):
        return None
    if cls.__name__ == "Functional":
        return "keras.src.models.functional"
    if cls.__name__ == "Sequential":
        return "keras"
    if module.startswith("eagerflow.keras.optimizers.schedules"):
        return "keras.optimizers.schedules"
    category = module.split(".")[2]
    if category in _NAMESPACES:
        return f"keras.{category}"
    return "keras"


def _serialize_function(fn: Any) -> dict:
    if fn.__name__ == "<lambda>":
        raise ValueError(
            f"Cannot serialize the lambda {fn!r}: eagerflow never stores Python bytecode. Define "
            "a named function, register it with @tf.keras.saving.register_keras_serializable(), "
            "and use that instead.")
    name = registration.get_registered_name(fn)
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def serialize_keras_object(obj: Any) -> Any:
    """A JSON-safe description of `obj` (Keras 3 layout) from which it can be rebuilt."""
    import eagerflow as tf

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(),
                                                      "dtype": str(obj.dtype)}}
    if isinstance(obj, tf.DType):
        return obj.name
    if isinstance(obj, tf.TensorShape):
        return obj.as_list() if obj.rank is not None else None
    if isinstance(obj, (tf.Tensor, tf.Variable)):
        return {"class_name": "__tensor__", "config": {"value": np.asarray(obj).tolist(),
                                                       "dtype": obj.dtype.name}}
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        return {str(key): serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return _serialize_function(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it is not a plain value and has no "
                        "get_config() method.")
    cls = type(obj)
    builtin_module = _builtin_module(cls)
    if builtin_module is not None and not registration.is_registered(cls):
        module, registered = builtin_module, None
        if cls.__name__ == "Functional":
            registered = "Functional"
    else:
        module = None if cls.__module__ == "__main__" else cls.__module__
        registered = registration.get_registered_name(cls)
    result = {"module": module, "class_name": cls.__name__,
              "config": serialize_keras_object(obj.get_config()), "registered_name": registered}
    build_config = _call_optional(obj, "get_build_config")
    if build_config is not None:
        result["build_config"] = serialize_keras_object(build_config)
    compile_config = _call_optional(obj, "get_compile_config", "_get_compile_config")
    if compile_config is not None:
        result["compile_config"] = serialize_keras_object(compile_config)
    return result


def _call_optional(obj: Any, *method_names: str) -> Any:
    for name in method_names:
        method = getattr(obj, name, None)
        if callable(method):
            return method()
    return None


# ---------------------------------------------------------------- deserialize

def _plain_value(class_name: str, inner: Any) -> Any:
    import eagerflow as tf

    if not isinstance(inner, dict):
        raise ValueError(f"{class_name} config must be a dict. Received: {inner!r}")
    if class_name == "__bytes__":
        return str(inner["value"]).encode("utf-8")
    if class_name == "__tuple__":
        return tuple(inner.get("value", ()))
    dtype = tf.as_dtype(inner.get("dtype", "float32"))
    if dtype.name in ("string", "resource", "variant"):
        raise ValueError(f"{class_name}: refusing dtype {dtype.name!r} in a config value.")
    array = np.asarray(inner.get("value"), dtype=dtype.as_numpy_dtype)
    return array if class_name == "__numpy__" else tf.constant(array)


def _resolve(config: dict, custom_objects: dict | None, module_objects: dict | None,
             functions: bool) -> Any:
    class_name = config.get("class_name")
    module = config.get("module")
    registered = config.get("registered_name")
    what = "function" if functions else "class"
    name = config.get("config") if functions else class_name
    if not isinstance(name, str):
        raise TypeError(f"Could not deserialize a {what}: its name must be a string. "
                        f"Received: {name!r}")
    # Registered / custom objects first (by registered name, then by plain name).
    for key in (registered, name):
        if isinstance(key, str) and key != "function":
            found = registration.get_registered_object(key, custom_objects, module_objects)
            if found is not None:
                return found
    if isinstance(registered, str) and registered not in (class_name, "function"):
        raise TypeError(
            f"Could not deserialize {class_name!r}: its registered_name {registered!r} is not a "
            "registered custom object (built-in classes carry no registered_name). Register it "
            "with @tf.keras.saving.register_keras_serializable() or pass custom_objects=.")
    if registered is not None and not isinstance(registered, str):
        raise TypeError(f"registered_name must be a string or null. Received: {registered!r}")
    if name in _DENIED_NAMES:
        raise _refusal(what, name, module)
    if not functions and name in op_layer_configs.OP_LAYER_CLASSES and (
            module is None or module in op_layer_configs.op_layer_modules()):
        from eagerflow.keras.layers import tf_op_layer  # its ops resolve via the allow-list

        return getattr(tf_op_layer, name)  # name is one of the two fixed class names
    categories = _categories_for(module, name)
    if name.startswith("Custom>") and not functions:  # tf_keras's name for its own optimizers
        name = name[len("Custom>"):]
    obj = _lookup_builtin(name, categories, functions)
    if obj is None:
        raise _refusal(what, name, module)
    return obj


def deserialize_keras_object(config: Any, custom_objects: dict | None = None,
                             safe_mode: bool = True, **kwargs) -> Any:
    """Rebuild an object from `serialize_keras_object` output (Keras 3 or Keras 2 layout).

    Names resolve through `custom_objects`, the custom-object registry and eagerflow's public
    Keras namespaces; anything else raises TypeError. Bytecode (Lambda) is refused always.
    """
    module_objects = kwargs.pop("module_objects", None)
    kwargs.pop("printable_module_name", None)
    with safety.SafeModeScope(safe_mode if safe_mode is False else None):
        # The whole tree is checked before anything is built, so no part of a config can run
        # ahead of the checks on a later part.
        safety.check_config_tree(config)
        config = op_layer_configs.with_op_layers_normalized(config)
        config = _without_inert_keys(config, custom_objects, module_objects)
        return _deserialize(config, custom_objects, module_objects)


def _deserialize(config: Any, custom_objects: dict | None, module_objects: dict | None) -> Any:
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = registration.get_registered_object(config, custom_objects, module_objects)
        return found if found is not None else config
    if isinstance(config, (list, tuple)):
        return [_deserialize(item, custom_objects, module_objects) for item in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not deserialize {config!r}: expected a config dict.")
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(value, custom_objects, module_objects)
                for key, value in config.items()}
    class_name = config["class_name"]
    inner = config["config"]
    if class_name in ("__bytes__", "__numpy__", "__tensor__", "__tuple__"):
        return _plain_value(class_name, inner)
    if class_name == "__keras_tensor__":
        return config  # read by Functional.from_config
    if class_name == "function" or (config.get("registered_name") == "function"):
        return _resolve(config, custom_objects, module_objects, functions=True)
    if class_name == "DTypePolicy" and config.get("module") in ("keras", "keras.mixed_precision"):
        return inner.get("name", "float32") if isinstance(inner, dict) else "float32"
    cls = _resolve(config, custom_objects, module_objects, functions=False)
    if not inspect.isclass(cls):
        # A registered function stored with class-style config (Keras 2 files).
        return cls
    if not isinstance(inner, dict):
        raise TypeError(f"Could not deserialize {class_name!r}: its config must be a dict. "
                        f"Received: {inner!r}")
    from_config = getattr(cls, "from_config", None)
    if from_config is None:
        raise TypeError(f"Could not deserialize {class_name!r}: the class has no from_config().")
    with registration.CustomObjectScope(custom_objects):
        try:
            instance = from_config(inner)
        except TypeError as error:
            raise TypeError(f"Could not build {class_name!r} from its config: {error}. "
                            f"Config: {_short(inner)}") from error
    build_config = config.get("build_config")
    if build_config:
        _build_from_config(instance, build_config)
    return instance


# Keras 3 config keys that eagerflow's tf_keras-style classes may not take; dropped only when
# they hold the value that means "feature off", so dropping them changes nothing.
_INERT_KERAS3_KEYS = {"optional": False, "quantization_config": None, "synchronized": False,
                      "input_axes": None, "output_axes": None, "lora_rank": None,
                      "lora_alpha": None, "loss_scale_factor": None,
                      "gradient_accumulation_steps": None,
                      # Keras 3.15 lookups: "floormod" with no salt is tf_keras's OOV hashing
                      "oov_method": "floormod", "salt": None}


def _drop_inert_keras3_keys(cls: type, inner: dict) -> dict:
    present = [key for key, off in _INERT_KERAS3_KEYS.items()
               if key in inner and inner[key] == off]
    if not present:
        return inner
    try:
        accepted = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return inner
    dropped = [key for key in present if key not in accepted]
    return {key: value for key, value in inner.items() if key not in dropped}


def _without_inert_keys(config: Any, custom_objects: dict | None,
                        module_objects: dict | None) -> Any:
    """A copy of the tree with inert Keras 3 keys dropped from every object config whose class
    does not take them (nested ones too: layers build their initializers themselves)."""
    if isinstance(config, list):
        return [_without_inert_keys(item, custom_objects, module_objects) for item in config]
    if not isinstance(config, dict):
        return config
    result = {key: _without_inert_keys(value, custom_objects, module_objects)
              for key, value in config.items()}
    inner = result.get("config")
    if isinstance(inner, dict) and isinstance(result.get("class_name"), str) \
            and not result["class_name"].startswith("__") and result["class_name"] != "function":
        try:
            cls = _resolve(result, custom_objects, module_objects, functions=False)
        except (TypeError, ValueError):
            return result  # refused later, with the full message, when it is built
        if inspect.isclass(cls):
            result["config"] = _drop_inert_keras3_keys(cls, inner)
        if result["class_name"] in _POLICY_FREE_OUTPUT_CLASSES \
                and isinstance(inner.get("dtype"), dict):
            # Keras 3 writes its float policy here but computes lookups in int64/string
            # whatever it says; eagerflow picks the same output dtype when none is given.
            result["config"] = {k: v for k, v in result["config"].items() if k != "dtype"}
    return result


# Layers whose output dtype Keras 3 derives from their options, not from the dtype policy.
_POLICY_FREE_OUTPUT_CLASSES = frozenset({"StringLookup", "IntegerLookup", "TextVectorization"})


def _build_from_config(instance: Any, build_config: dict) -> None:
    if getattr(instance, "built", True):
        return
    method = getattr(instance, "build_from_config", None)
    if callable(method):
        method(build_config)
        return
    input_shape = build_config.get("input_shape") if isinstance(build_config, dict) else None
    if input_shape is not None and callable(getattr(instance, "build", None)):
        import eagerflow as tf

        shape = (tf.TensorShape(input_shape) if _is_flat_shape(input_shape) else input_shape)
        instance.build(shape)
        if hasattr(instance, "built"):
            instance.built = True


def _is_flat_shape(shape: Any) -> bool:
    return isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, int)
                                                    for d in shape)


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
