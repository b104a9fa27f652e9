"""tf.keras.saving: whole-model files (.keras, legacy .h5), weights files, configs, and the
custom-object registry. Loading never runs code from a file (see safety.py)."""

from eagerflow.keras.saving.json_yaml import (
    model_from_config,
    model_from_json,
    model_from_yaml,
    model_to_json,
    model_to_yaml,
)
from eagerflow.keras.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from eagerflow.keras.saving.safety import enable_unsafe_deserialization, in_safe_mode
from eagerflow.keras.saving.saving_api import load_model, load_weights, save_model, save_weights
from eagerflow.keras.saving.serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "enable_unsafe_deserialization",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "in_safe_mode",
    "load_model",
    "load_weights",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "model_to_json",
    "model_to_yaml",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
