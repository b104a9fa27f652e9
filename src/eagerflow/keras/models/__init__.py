"""`tf.keras.models`: Model, Sequential, and loading/saving whole models."""

from eagerflow.keras.models.functional import Functional
from eagerflow.keras.models.model import Model
from eagerflow.keras.models.sequential import Sequential

__all__ = ["Model", "Sequential", "Functional", "load_model", "save_model", "model_from_json",
           "model_from_yaml", "model_from_config", "clone_model"]


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True,
               **kwargs):
    """A model saved with `model.save` (`.keras` or `.h5`), compiled as it was when saved."""
    from eagerflow.keras.saving import load_model as load

    return load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode,
                **kwargs)


def save_model(model, filepath, overwrite: bool = True, save_format=None, **kwargs) -> None:
    from eagerflow.keras.saving import save_model as save

    save(model, filepath, overwrite=overwrite, save_format=save_format, **kwargs)


def model_from_json(json_string: str, custom_objects=None):
    """A new (untrained) model from `model.to_json()` text."""
    from eagerflow.keras.saving import json_yaml

    return json_yaml.model_from_json(json_string, custom_objects=custom_objects)


def model_from_yaml(yaml_string: str, custom_objects=None):
    """A new model from `model.to_yaml()` text (read with yaml.safe_load: data only)."""
    from eagerflow.keras.saving import json_yaml

    return json_yaml.model_from_yaml(yaml_string, custom_objects=custom_objects)


def model_from_config(config: dict, custom_objects=None):
    from eagerflow.keras.saving import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights."""
    from eagerflow.keras.saving import deserialize_keras_object, serialize_keras_object

    if clone_function is not None or input_tensors is not None:
        raise ValueError("clone_model: eagerflow clones through the model config; "
                         "`clone_function` and `input_tensors` are not supported.")
    return deserialize_keras_object(serialize_keras_object(model))
