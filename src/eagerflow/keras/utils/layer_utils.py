"""`keras.utils.get_source_inputs`: the `Input` tensors a symbolic tensor was computed from."""

from __future__ import annotations

from typing import Any

__all__ = ["get_source_inputs"]


def get_source_inputs(tensor: Any) -> list:
    """Returns the list of input tensors necessary to compute `tensor`.

    Follows each tensor's `_keras_history` back through the layer calls to the tensors made by
    `tf.keras.Input`, in first-found order without repeats. A value that is not a Keras
    symbolic tensor is returned as is.
    """
    if getattr(tensor, "_keras_history", None) is None:
        return tensor
    sources: list = []
    stack, seen = [tensor], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        layer, node_index, _ = current._keras_history
        nodes = getattr(layer, "_inbound_nodes", None)
        node = nodes[node_index] if nodes else None
        inputs = list(getattr(node, "input_tensors", None) or []) if node is not None else []
        parents = [t for t in inputs
                   if t is not current and getattr(t, "_keras_history", None) is not None]
        if not parents:  # an Input (or a tensor whose history stops here)
            if all(current is not known for known in sources):
                sources.append(current)
            continue
        stack.extend(reversed(parents))
    return sources
