"""Rebuilding a functional model from its config (Keras 3 and Keras 2 layouts).

Layers are made through the saving registry (an allow-list: nothing in a config can name
code to import), then their recorded calls are replayed on KerasTensors in dependency order.
"""

from __future__ import annotations

from eagerflow.core import nest

__all__ = ["functional_from_config"]

MAX_LAYERS = 100_000


def functional_from_config(cls, config: dict, custom_objects=None):
    """A `cls` (Functional or a subclass) built from `config`."""
    from eagerflow.keras.saving import deserialize_keras_object
    from eagerflow.keras.saving.op_layer_configs import with_op_layers_normalized

    config = with_op_layers_normalized(config)  # tf_keras / Keras 3 operator layers
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError("A functional model config needs a 'layers' list, got "
                         f"{type(config).__name__}.")
    entries = config["layers"]
    if len(entries) > MAX_LAYERS:
        raise ValueError(f"The model config lists {len(entries)} layers; the limit is "
                         f"{MAX_LAYERS}.")
    layers, pending = {}, []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError(f"Each layer entry of a model config must be a dict, got {entry!r}")
        layer = deserialize_keras_object(entry, module_objects=None,
                                         custom_objects=custom_objects,
                                         printable_module_name="layer")
        name = entry.get("name") or entry.get("config", {}).get("name") or layer.name
        if name in layers:
            raise ValueError(f"The model config lists the layer name {name!r} twice; layer "
                             "names in a model must be unique.")
        layers[name] = layer
        for node_data in entry.get("inbound_nodes") or []:
            pending.append((layer, node_data))
    outputs_of = {name: [] for name in layers}  # layer name -> outputs per node (model order)
    for name, layer in layers.items():
        if type(layer).__name__ == "InputLayer":
            outputs_of[name].append(layer._inbound_nodes[0].outputs)
    progress = True
    while pending and progress:
        progress = False
        remaining = []
        for layer, node_data in pending:
            if any(other is layer for other, _ in remaining):
                remaining.append((layer, node_data))  # keep a layer's node order
                continue
            resolved = _resolve(node_data, outputs_of, layers)
            if resolved is None:
                remaining.append((layer, node_data))
                continue
            args, kwargs = resolved
            outputs = layer(*args, **kwargs)
            outputs_of[layer.name if layer.name in outputs_of else _name_of(layers, layer)
                       ].append(outputs)
            progress = True
        pending = remaining
    if pending:
        names = sorted({_name_of(layers, layer) for layer, _ in pending})
        raise ValueError(f"The model config cannot be rebuilt: the inputs of layers {names} "
                         "are never produced (a missing layer, a wrong node index or a cycle).")

    def lookup(reference):
        name, node_index, tensor_index = reference[:3]
        try:
            produced = nest.flatten(outputs_of[name][node_index])
            return produced[tensor_index]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"The model config refers to output {tensor_index} of node "
                             f"{node_index} of layer {name!r}, which does not exist.") from None

    inputs = _map_references(config.get("input_layers", []), lookup)
    outputs = _map_references(config.get("output_layers", []), lookup)
    model = cls(inputs=inputs, outputs=outputs, name=config.get("name"),
                trainable=config.get("trainable", True))
    return model


def _name_of(layers: dict, layer) -> str:
    for name, candidate in layers.items():
        if candidate is layer:
            return name
    return layer.name


def _is_reference(value) -> bool:
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def _map_references(structure, lookup):
    if _is_reference(structure):
        return lookup(structure)
    if isinstance(structure, dict):
        return {key: _map_references(value, lookup) for key, value in structure.items()}
    if isinstance(structure, list):
        mapped = [_map_references(item, lookup) for item in structure]
        return mapped[0] if len(mapped) == 1 else mapped
    raise ValueError(f"Unexpected entry in a model config's input/output layers: {structure!r}")


def _resolve(node_data, outputs_of: dict, layers: dict):
    """(args, kwargs) of one recorded call, or None while an input is not built yet."""
    missing = object()

    def tensor(name, node_index, tensor_index):
        if name not in outputs_of:
            raise ValueError(f"The model config refers to an unknown layer {name!r}.")
        produced = outputs_of[name]
        if node_index >= len(produced):
            return missing
        flat = nest.flatten(produced[node_index])
        if tensor_index >= len(flat):
            raise ValueError(f"The model config refers to output {tensor_index} of layer "
                             f"{name!r}, which has {len(flat)} outputs.")
        return flat[tensor_index]

    found_missing = []

    def convert(value, legacy=False):
        if legacy and _is_reference(value) and value[0] in outputs_of:
            # tf_keras writes tensors among call kwargs as [layer, node, tensor] lists
            # (MultiHeadAttention's `value`, an RNN's `initial_state`).
            value = {"class_name": "__keras_tensor__", "config": {"keras_history": value[:3]}}
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            history = value.get("config", {}).get("keras_history")
            if not _is_reference(history):
                raise ValueError(f"Bad keras_history in a model config: {history!r}")
            result = tensor(*history)
            if result is missing:
                found_missing.append(history)
            return result
        if isinstance(value, dict):
            return {key: convert(item, legacy) for key, item in value.items()}
        if isinstance(value, list):
            return [convert(item, legacy) for item in value]
        return value

    if isinstance(node_data, dict):  # Keras 3
        args = convert(node_data.get("args", []))
        kwargs = convert(node_data.get("kwargs", {}))
        if found_missing:
            return None
        return tuple(args), dict(kwargs)
    if isinstance(node_data, list):  # Keras 2: [[layer, node, tensor, kwargs], ...]
        tensors, kwargs = [], {}
        for reference in node_data:
            if not _is_reference(reference):
                raise ValueError(f"Bad inbound node entry in a model config: {reference!r}")
            result = tensor(*reference[:3])
            if result is missing:
                return None
            tensors.append(result)
            if len(reference) == 4 and isinstance(reference[3], dict):
                kwargs.update(convert(reference[3], legacy=True))
        if found_missing:
            return None
        return ((tensors[0] if len(tensors) == 1 else tensors),), kwargs
    raise ValueError(f"Bad inbound node in a model config: {node_data!r}")
