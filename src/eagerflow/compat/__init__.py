"""`tf.compat`: byte/str helpers, shape-dimension helpers, and the bits of `tf.compat.v1` that
TF 2 programs still call (logging verbosity, reading event files back)."""

from __future__ import annotations

import os

from eagerflow.compat import v1

__all__ = ["as_bytes", "as_str", "as_text", "as_str_any", "path_to_str", "dimension_value",
           "dimension_at_index", "forward_compatible", "v1", "v2"]


def as_bytes(bytes_or_text, encoding: str = "utf-8") -> bytes:
    """`bytes_or_text` as bytes (text is encoded)."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding: str = "utf-8") -> str:
    """`bytes_or_text` as str (bytes are decoded)."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text).decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value, encoding: str = "utf-8") -> str:
    """str(value), decoding bytes."""
    if isinstance(value, (bytes, bytearray)):
        return as_text(value, encoding)
    return str(value)


def path_to_str(path) -> str:
    """A path-like object as a string path."""
    return os.fspath(path) if isinstance(path, os.PathLike) else path


def dimension_value(dimension):
    """The int value of a shape dimension (None when unknown)."""
    return getattr(dimension, "value", dimension)


def dimension_at_index(shape, index):
    """Dimension `index` of `shape` (None for an unknown rank)."""
    from eagerflow.core.shape import TensorShape

    shape = TensorShape(shape)
    return None if shape.rank is None else shape[index]


def forward_compatible(year: int, month: int, day: int) -> bool:
    """True: eagerflow has every forward-compatibility change of TF 2."""
    return True


def __getattr__(name: str):
    if name == "v2":
        import eagerflow

        return eagerflow
    raise AttributeError(f"module 'eagerflow.compat' has no attribute {name!r}")
