"""Rewrite eagerflow's model configs into the dialect each Keras reader expects.

eagerflow's layers speak tf_keras (e.g. `batch_input_shape` on a Sequential's first layer);
Keras 3 refuses some of those keys, and tf_keras cannot read Keras 3's functional node format.
These pure functions on config dicts make the files we write open in both.
"""

from __future__ import annotations

import copy
from typing import Any

from eagerflow.keras.saving import op_layer_configs

__all__ = ["compile_config_for_keras3", "legacy_keras_version", "model_config_for_keras3",
           "model_config_for_tf_keras"]


def legacy_keras_version() -> str:
    """The tf_keras version eagerflow's Keras follows (written in Keras 2 style files)."""
    import eagerflow.keras

    return getattr(eagerflow.keras, "__version__", "2.21.0")


_COMPILE_DEFAULTS = {"run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def compile_config_for_keras3(config: dict) -> dict:
    """Keras 3 compares some compile options with numbers: write its defaults, not null."""
    config = dict(config)
    for key, default in _COMPILE_DEFAULTS.items():
        if config.get(key) is None:
            config[key] = default
    return config


def _layer_lists(config: Any):
    """Every `layers` list of a model config (nested models too), iteratively."""
    pending = [config]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("layers"), list):
                yield node["layers"]
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def model_config_for_keras3(config: dict) -> dict:
    """InputLayers use `batch_shape`; layers after an InputLayer drop `batch_input_shape`;
    operator layers become the Keras 3 operation classes of their ops where there is one."""
    config = copy.deepcopy(config)
    for layers in _layer_lists(config):
        for index, entry in enumerate(layers):
            if isinstance(entry, dict) and \
                    entry.get("class_name") in op_layer_configs.OP_LAYER_CLASSES:
                layers[index] = op_layer_configs.op_layer_for_keras3(entry)
        entries = [e for e in layers if isinstance(e, dict) and isinstance(e.get("config"), dict)]
        has_input = any(e.get("class_name") == "InputLayer" for e in entries)
        for entry in entries:
            inner = entry["config"]
            if entry.get("class_name") == "InputLayer":
                if "batch_input_shape" in inner:
                    inner["batch_shape"] = inner.pop("batch_input_shape")
            elif has_input:
                inner.pop("batch_input_shape", None)
    return config


def _history(value: Any) -> list:
    """[name, node_index, tensor_index] of every keras tensor inside a node's args."""
    found, pending = [], [value]
    while pending:
        node = pending.pop(0)
        if isinstance(node, dict) and node.get("class_name") == "__keras_tensor__":
            history = node.get("config", {}).get("keras_history")
            if isinstance(history, list) and len(history) == 3:
                found.append(list(history))
        elif isinstance(node, (list, tuple)):
            pending[:0] = list(node)
    return found


def _node_for_tf_keras(node: Any) -> Any:
    if not isinstance(node, dict) or "args" not in node:
        return node  # already Keras 2 style
    kwargs = {k: v for k, v in (node.get("kwargs") or {}).items() if v is not None}
    return [history + [kwargs] for history in _history(node["args"])]


def model_config_for_tf_keras(config: dict) -> dict:
    """Keras 3 functional nodes (`args`/`kwargs` with `__keras_tensor__`) as tf_keras lists
    (`[[layer, node_index, tensor_index, kwargs], ...]`), `batch_shape` as
    `batch_input_shape`, layer entries without `module` (Keras 3 then reads them the legacy
    way too)."""
    config = copy.deepcopy(config)
    for layers in _layer_lists(config):
        for entry in layers:
            if not isinstance(entry, dict):
                continue
            registered = entry.get("registered_name")
            if isinstance(registered, str) and ">" in registered:
                entry["class_name"] = registered  # tf_keras names custom classes "pkg>Name"
            for key in ("module", "registered_name", "build_config"):
                entry.pop(key, None)  # tf_keras writes layer entries as class_name + config
            inner = entry.get("config")
            if isinstance(inner, dict) and "batch_shape" in inner:
                inner["batch_input_shape"] = inner.pop("batch_shape")
            if isinstance(entry.get("inbound_nodes"), list):
                if entry.get("class_name") in op_layer_configs.OP_LAYER_CLASSES:
                    label = entry.get("name") or entry.get("class_name")
                    entry["inbound_nodes"] = [op_layer_configs.op_node_for_tf_keras(n, label)
                                              for n in entry["inbound_nodes"]]
                else:
                    entry["inbound_nodes"] = [_node_for_tf_keras(n)
                                              for n in entry["inbound_nodes"]]
    pending = [config]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for key in ("input_layers", "output_layers"):
                value = node.get(key)
                if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
                    node[key] = [value]
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return config
