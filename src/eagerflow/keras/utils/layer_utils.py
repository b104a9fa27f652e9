"""Layer helpers: `get_source_inputs` (the `Input` tensors a symbolic tensor comes from) and
`warmstart_embedding_matrix` (an embedding for a new vocabulary that keeps learned rows)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

__all__ = ["get_source_inputs", "warmstart_embedding_matrix"]


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


def _vocabulary_list(vocabulary: Any) -> list:
    """Tokens of a list, tuple, array, 1-D tensor or vocabulary file (one token a line)."""
    if isinstance(vocabulary, str | os.PathLike) and not isinstance(vocabulary, np.ndarray):
        if not os.path.exists(vocabulary):
            raise ValueError(f"Vocabulary file {vocabulary} does not exist.")
        with open(vocabulary, encoding="utf-8") as handle:
            tokens = handle.read().splitlines()
    elif isinstance(vocabulary, list | tuple | np.ndarray) or hasattr(vocabulary, "numpy"):
        tokens = list(np.asarray(vocabulary).tolist()) if hasattr(vocabulary, "numpy") \
            else list(vocabulary)
    else:
        raise ValueError(f"Vocabulary is expected to be either a NumPy array, list, 1D tensor "
                         f"or a vocabulary text file. Instead type {type(vocabulary)} was "
                         "received.")
    if not tokens:
        raise ValueError("Vocabulary is expected to be either a NumPy array, list, 1D tensor or "
                         "a vocabulary text file with at least one token. Received 0 instead.")
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in tokens]


def warmstart_embedding_matrix(base_vocabulary: Any, new_vocabulary: Any, base_embeddings: Any,
                               new_embeddings_initializer: Any = "uniform"):
    """Embedding matrix for `new_vocabulary` that reuses the rows of tokens it shares with
    `base_vocabulary` (others come from `new_embeddings_initializer`).

    Used when a text model's vocabulary changes: the kept tokens keep what they learned.

    Returns:
        A tensor of shape `(len(new_vocabulary), embedding_dim)`.
    """
    import eagerflow as tf
    from eagerflow.keras import initializers

    base_tokens = _vocabulary_list(base_vocabulary)
    new_tokens = _vocabulary_list(new_vocabulary)
    base_embeddings = tf.convert_to_tensor(base_embeddings)
    if base_embeddings.shape.rank != 2 or base_embeddings.shape[0] != len(base_tokens):
        raise ValueError(f"`base_embeddings` must be a matrix with one row per token of "
                         f"`base_vocabulary` ({len(base_tokens)} rows). Received shape "
                         f"{base_embeddings.shape}")
    initializer = initializers.get(new_embeddings_initializer)
    embedding = tf.convert_to_tensor(initializer(
        shape=(len(new_tokens), base_embeddings.shape[1]), dtype=base_embeddings.dtype))
    base_index = {token: i for i, token in enumerate(base_tokens)}
    pairs = [(i, base_index[token]) for i, token in enumerate(new_tokens) if token in base_index]
    if pairs:
        new_rows = np.array([[new] for new, _ in pairs], dtype=np.int64)
        old_rows = np.array([old for _, old in pairs], dtype=np.int64)
        embedding = tf.tensor_scatter_nd_update(embedding, new_rows,
                                                tf.gather(base_embeddings, old_rows))
    return embedding
