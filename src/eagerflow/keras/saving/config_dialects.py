"""Rewrite eagerflow's model configs into the dialect each Keras reader expects.

eagerflow's layers speak tf_keras (e.g. `batch_input_shape` on a Sequential's first layer);
Keras 3 refuses some of those keys, and tf_keras cannot read Keras 3's functional node format.
These pure functions on config dicts make the files we write open in both.
"""

from __future__ import annotations

import copy
from typing import Any

from eagerflow.keras.saving import op_layer_configs

__all__ = ["call_parameters", "compile_config_for_keras3", "legacy_keras_version",
           "model_config_for_keras3", "model_config_for_tf_keras",
           "tf_keras_node_indices_to_eagerflow"]


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


def _as_tf_keras_references(value: Any) -> Any:
    """Keras 3 `__keras_tensor__` dicts inside call kwargs as tf_keras `[layer, node, tensor]`
    lists (how tf_keras writes MultiHeadAttention's `value` or an RNN's `initial_state`)."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        history = value.get("config", {}).get("keras_history")
        return list(history) if isinstance(history, list) else value
    if isinstance(value, dict):
        return {key: _as_tf_keras_references(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_tf_keras_references(item) for item in value]
    return value


def _node_for_tf_keras(node: Any, parameters: list[str] | None = None) -> Any:
    """One Keras 3 node as tf_keras writes it: a reference per tensor of the first call
    argument, each carrying the call kwargs; further positional arguments become kwargs named
    after the layer's `call` parameters (`parameters`, `self` excluded)."""
    if not isinstance(node, dict) or "args" not in node:
        return node  # already Keras 2 style
    args = list(node.get("args") or [])
    kwargs = {k: v for k, v in (node.get("kwargs") or {}).items() if v is not None}
    extra = args[1:]
    if extra and parameters is not None and len(parameters) > len(extra):
        for name, value in zip(parameters[1:], extra):
            if name in kwargs:
                raise ValueError(f"The call recorded in the model config passes {name!r} both "
                                 "positionally and as a keyword.")
            kwargs[name] = value
        args = args[:1]
    kwargs = _as_tf_keras_references(kwargs)
    return [history + [kwargs] for history in _history(args)]


def call_parameters(model: Any) -> dict[str, list[str]]:
    """Layer name -> names of the positional parameters of its `call` (without `self`), for
    every layer inside `model` (nested models too); used to name extra positional inputs."""
    import inspect

    layers = model._flatten_layers(include_self=False) if hasattr(
        model, "_flatten_layers") else getattr(model, "layers", [])
    found: dict[str, list[str]] = {}
    ambiguous: set[str] = set()
    for layer in layers:
        call = getattr(layer, "call", None)
        if not callable(call):
            continue
        try:
            signature = inspect.signature(call)
        except (TypeError, ValueError):
            continue
        positional = [p for p in signature.parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if positional and positional[0].name == "self":
            positional = positional[1:]
        names = [p.name for p in positional]
        if found.get(layer.name, names) != names:
            ambiguous.add(layer.name)  # same name in two nested models, different calls
        found.setdefault(layer.name, names)
    return {name: names for name, names in found.items() if name not in ambiguous}


def model_config_for_tf_keras(config: dict,
                              parameters: dict[str, list[str]] | None = None) -> dict:
    """Keras 3 functional nodes (`args`/`kwargs` with `__keras_tensor__`) as tf_keras lists
    (`[[layer, node_index, tensor_index, kwargs], ...]`), `batch_shape` as
    `batch_input_shape`, layer entries without `module` (Keras 3 then reads them the legacy
    way too). `parameters` (from `call_parameters(model)`) names extra positional call
    arguments, which tf_keras keeps as keyword arguments."""
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
                    layer_name = entry.get("name") or (inner or {}).get("name")
                    names = (parameters or {}).get(layer_name)
                    entry["inbound_nodes"] = [_node_for_tf_keras(n, names)
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
    for model_config in _model_configs(config):
        _shift_nested_model_references(model_config, +1)
    return config


# --- node indices of nested models ------------------------------------------------------------
# tf_keras counts a nested functional model's own construction as its node 0, so its configs
# call the first use of a nested model node 1 (`["inner_model", 1, 0]`); eagerflow (like
# Keras 3's own format) calls it node 0. Converted both ways on the Keras 2 node lists only.

def _model_configs(config: Any):
    """Every model config dict (one holding a `layers` list) in the tree, iteratively."""
    pending = [config]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("layers"), list):
                yield node
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def _skips_first_node(entry: Any) -> bool:
    """Whether tf_keras gives this layer entry a built-in first node: a functional model, or a
    Sequential that starts with an InputLayer (or an input shape)."""
    inner = entry.get("config") if isinstance(entry, dict) else None
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        return False
    if "input_layers" in inner:
        return True
    first = inner["layers"][0] if inner["layers"] else None
    if not isinstance(first, dict):
        return False
    first_config = first.get("config") if isinstance(first.get("config"), dict) else {}
    return first.get("class_name") == "InputLayer" or "batch_input_shape" in first_config \
        or "batch_shape" in first_config


def _is_reference(value: Any) -> bool:
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def _shifted(value: Any, names: set, delta: int) -> Any:
    """`value` with every `[name, node, tensor, ...]` reference to `names` moved by `delta`."""
    if _is_reference(value):
        shifted = list(value)
        if value[0] in names and (delta > 0 or value[1] >= 1):
            shifted[1] = value[1] + delta
        if len(shifted) == 4:
            shifted[3] = _shifted(shifted[3], names, delta)
        return shifted
    if isinstance(value, dict):
        return {key: _shifted(item, names, delta) for key, item in value.items()}
    if isinstance(value, list):
        return [_shifted(item, names, delta) for item in value]
    return value


def _has_legacy_nodes(model_config: dict) -> bool:
    return any(isinstance(node, list)
               for entry in model_config["layers"] if isinstance(entry, dict)
               for node in (entry.get("inbound_nodes") or []))


def _shift_nested_model_references(model_config: dict, delta: int) -> None:
    if not _has_legacy_nodes(model_config):
        return
    names = {entry.get("name") or entry["config"].get("name")
             for entry in model_config["layers"] if _skips_first_node(entry)}
    if not names:
        return
    for entry in model_config["layers"]:
        if isinstance(entry, dict) and isinstance(entry.get("inbound_nodes"), list):
            entry["inbound_nodes"] = [_shifted(node, names, delta) if isinstance(node, list)
                                      else node for node in entry["inbound_nodes"]]
    for key in ("input_layers", "output_layers"):
        if isinstance(model_config.get(key), list):
            model_config[key] = _shifted(model_config[key], names, delta)


def tf_keras_node_indices_to_eagerflow(config: dict) -> dict:
    """A copy of a tf_keras-dialect model config whose references to nested models use
    eagerflow's node numbering (tf_keras's node 1 is eagerflow's node 0)."""
    config = copy.deepcopy(config)
    for model_config in _model_configs(config):
        _shift_nested_model_references(model_config, -1)
    return config
