"""`model.summary()`: the table of layers, output shapes and parameter counts (tf.keras layout)."""

from __future__ import annotations

import numpy as np

__all__ = ["print_summary"]


def _count(weights) -> int:
    return int(sum(np.prod(w.shape.as_list(), dtype=np.int64) for w in weights))


def _shape_text(layer) -> str:
    try:
        shape = layer.output_shape
    except AttributeError:
        return "multiple"  # a layer called in Python code (subclassed model): tf.keras's word
    if isinstance(shape, list):
        return ", ".join(str(tuple(s)) for s in shape) if len(shape) > 1 else str(shape[0])
    return str(tuple(shape))


def _connections(layer, model) -> list:
    names = []
    model_layers = {id(known) for known in model.layers}
    for node in layer._inbound_nodes:
        for tensor in node.input_tensors:
            source, node_index, tensor_index = tensor._keras_history
            if id(source) in model_layers:
                names.append(f"{source.name}[{node_index}][{tensor_index}]")
    return names


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested: bool = False, show_trainable: bool = False) -> None:
    """Print (or pass line by line to `print_fn`) the model's summary table."""
    if print_fn is None:
        print_fn = print
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    from eagerflow.keras.models.functional import Functional

    layers = model.layers
    multiple_inputs = isinstance(model, Functional) and any(
        len(node.input_tensors) > 1 or len(layer._inbound_nodes) > 1
        for layer in layers for node in layer._inbound_nodes)
    if multiple_inputs:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    else:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def row(fields) -> str:
        line = ""
        for index, field in enumerate(fields):
            if index > 0:
                line = line[:-1] + " "
            line += " " + str(field)
            line = line[:positions[index]]
            line += " " * (positions[index] - len(line))
        return line

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_fn(row(headers))
    print_fn("=" * line_length)
    for index, layer in enumerate(layers):
        fields = [f"{layer.name} ({type(layer).__name__})", _shape_text(layer),
                  _count(layer.weights) if layer.built else 0]
        if multiple_inputs:
            connected = _connections(layer, model)
            fields.append(connected[0] if connected else "[]")
            print_fn(row(fields))
            for extra in connected[1:]:
                print_fn(row(["", "", "", extra]))
        else:
            print_fn(row(fields))
        print_fn("=" * line_length if index == len(layers) - 1 else "")
    if not layers:
        print_fn("=" * line_length)
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)
