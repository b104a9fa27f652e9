"""Model configs as JSON or YAML text (`model.to_json()`, `model_from_json`, YAML likewise).

JSON goes through the checked parser; YAML only through `yaml.safe_load`/`safe_dump`, with
tags, anchors and aliases refused, so no text can name a Python object or blow up in memory.
"""

from __future__ import annotations

import json
from typing import Any

from eagerflow.keras.saving import config_dialects, safety
from eagerflow.keras.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["model_from_config", "model_from_json", "model_from_yaml", "model_to_json",
           "model_to_yaml"]


def model_config_dict(model: Any) -> dict:
    """What `to_json` writes, as tf_keras does: class_name, config (tf_keras node lists, which
    Keras 3 reads too), keras_version and backend."""
    serialized = serialize_keras_object(model)
    config = config_dialects.model_config_for_tf_keras(
        {"class_name": serialized["class_name"], "config": serialized["config"]},
        config_dialects.call_parameters(model))
    registered = serialized.get("registered_name")
    if isinstance(registered, str) and ">" in registered:
        config["class_name"] = registered
    else:  # Keras 3 needs to know a built-in model's module; tf_keras ignores it
        config = {"module": serialized.get("module"), **config, "registered_name": registered}
    config["keras_version"] = config_dialects.legacy_keras_version()
    config["backend"] = "tensorflow"
    return config



def model_to_json(model: Any, **kwargs) -> str:
    """The model's architecture as Keras JSON text (`json.dumps` kwargs such as indent pass)."""
    return json.dumps(model_config_dict(model), **kwargs)


def model_from_config(config: dict, custom_objects: dict | None = None) -> Any:
    """A new, uncompiled model from a config dict (Keras 3 or Keras 2 layout)."""
    if not isinstance(config, dict):
        raise TypeError("model_from_config expects a config dict such as model.get_config() "
                        f"wrapped as {{'class_name': ..., 'config': ...}}. Received: {config!r}")
    config = {k: v for k, v in config.items() if k not in ("keras_version", "backend",
                                                           "compile_config")}
    safety.check_config_tree(config, "model config")
    config = config_dialects.tf_keras_node_indices_to_eagerflow(config)
    return deserialize_keras_object(config, custom_objects=custom_objects)


def model_from_json(json_string: str | bytes, custom_objects: dict | None = None) -> Any:
    """`tf.keras.models.model_from_json(model.to_json())` -> an uncompiled model."""
    return model_from_config(safety.load_json(json_string, "model JSON"), custom_objects)


def model_to_yaml(model: Any, **kwargs) -> str:
    """The model's architecture as YAML text (plain data only, via yaml.safe_dump)."""
    import yaml

    return yaml.safe_dump(model_config_dict(model), **kwargs)


def _check_yaml_tokens(text: str) -> None:
    import yaml

    opening = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken,
               yaml.BlockSequenceStartToken, yaml.BlockMappingStartToken)
    closing = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)
    depth = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, opening):
            depth += 1
            if depth > safety.LIMITS.max_json_depth:
                raise ValueError(f"Model YAML nests more than {safety.LIMITS.max_json_depth} "
                                 "levels deep; refusing a file built to exhaust the parser.")
        elif isinstance(token, closing):
            depth -= 1
        if isinstance(token, yaml.TagToken):
            raise ValueError(f"Refusing the YAML tag {token.value[0]}{token.value[1]!s}: model "
                             "YAML holds plain data only (tags such as !!python/object could "
                             "name Python objects).")
        if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
            raise ValueError("Refusing YAML anchors/aliases in a model config: they can expand "
                             "to exponential size (a 'billion laughs' file).")


def model_from_yaml(yaml_string: str | bytes, custom_objects: dict | None = None) -> Any:
    """A model from `to_yaml()` text, parsed with yaml.safe_load only (never yaml.load)."""
    import yaml

    if isinstance(yaml_string, (bytes, bytearray)):
        try:
            yaml_string = bytes(yaml_string).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"Model YAML is not valid UTF-8 ({error}).") from None
    if not isinstance(yaml_string, str):
        raise TypeError(f"model_from_yaml expects text. Received: {type(yaml_string)}")
    if len(yaml_string) > safety.LIMITS.max_json_bytes:
        raise ValueError(f"Model YAML is {len(yaml_string)} characters, over the limit of "
                         f"{safety.LIMITS.max_json_bytes}.")
    try:
        _check_yaml_tokens(yaml_string)
        config = yaml.safe_load(yaml_string)
    except yaml.YAMLError as error:
        raise ValueError(f"Model YAML could not be parsed safely: {error}") from None
    except RecursionError:
        raise ValueError("Model YAML nests too deeply; refused.") from None
    return model_from_config(config, custom_objects)
