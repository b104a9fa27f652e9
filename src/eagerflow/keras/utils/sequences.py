"""`keras.utils.pad_sequences`: a list of variable-length sequences as one padded NumPy array
(the usual first step before an Embedding or RNN layer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["pad_sequences"]


def pad_sequences(sequences: Iterable, maxlen: int | None = None, dtype: Any = "int32",
                  padding: str = "pre", truncating: str = "pre",
                  value: Any = 0.0) -> np.ndarray:
    """Pads sequences to the same length.

    Sequences longer than `maxlen` are cut (at the start with `truncating="pre"`, at the end
    with `"post"`); shorter ones are filled with `value` (before with `padding="pre"`, after
    with `"post"`). Elements may themselves be arrays: all must share one shape.

    Args:
        sequences: List of sequences (each a list or array, possibly of arrays).
        maxlen: Length of the output sequences; None means the longest sequence's length.
        dtype: Type of the output (use `object` for variable-length strings).
        padding: 'pre' or 'post': pad before or after each sequence.
        truncating: 'pre' or 'post': remove values from sequences longer than `maxlen`,
            at the beginning or at the end.
        value: Padding value.

    Returns:
        NumPy array of shape `(len(sequences), maxlen) + element_shape`.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
        array([[2, 3],
               [0, 4]], dtype=int32)
    """
    if not hasattr(sequences, "__len__") and not isinstance(sequences, Iterable):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    sequences = list(sequences)
    lengths = []
    for index, sequence in enumerate(sequences):
        if not hasattr(sequence, "__len__"):
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable "
                             f"{sequence!r} at position {index}")
        lengths.append(len(sequence))
    element_shape: tuple = ()
    for sequence in sequences:  # element shape of the first non-empty sequence
        if len(sequence):
            element_shape = np.asarray(sequence).shape[1:]
            break
    is_text_dtype = np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and np.dtype(dtype) != object and not is_text_dtype:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable length "
                         "strings.")
    if maxlen is None:
        maxlen = max(lengths, default=0)
    if maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative integer. Received: maxlen={maxlen}")
    padded = np.full((len(sequences), maxlen) + element_shape, value, dtype=dtype)
    for index, sequence in enumerate(sequences):
        if not len(sequence) or maxlen == 0:
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != element_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position "
                             f"{index} is different from expected shape {element_shape}")
        if padding == "post":
            padded[index, :len(kept)] = kept
        else:
            padded[index, maxlen - len(kept):] = kept
    return padded
