"""`tf.keras.regularizers`: weight penalties a layer adds to the model's losses.

A regularizer maps a weight tensor to a scalar penalty (L1, L2, both, or orthogonality of
rows/columns); `get`/`serialize`/`deserialize` map them to and from layer configs.
"""

from __future__ import annotations

import math
from typing import Any

import eagerflow as tf
from eagerflow.keras.serialization_helpers import (
    deserialize_object,
    get_object,
    serialize_object,
)

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]


def _check_penalty(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) \
            or math.isinf(value):
        raise ValueError(f"Value {value!r} is not a valid regularization penalty number for "
                         f"`{name}`, expected a finite int or float value.")
    return float(value)


class Regularizer:
    """Base class: `__call__(x)` returns a scalar penalty for the weight tensor `x`."""

    def __call__(self, x):
        return tf.constant(0.0)

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-safe dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x ** 2)`."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _check_penalty(l1, "l1")
        self.l2 = _check_penalty(l2, "l2")

    def __call__(self, x):
        x = tf.convert_to_tensor(x)
        penalty = tf.constant(0.0, x.dtype)
        if self.l1:
            penalty += tf.constant(self.l1, x.dtype) * tf.reduce_sum(tf.abs(x))
        if self.l2:
            penalty += tf.constant(self.l2, x.dtype) * tf.reduce_sum(tf.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(|x|)`."""

    def __init__(self, l1: float = 0.01, **kwargs) -> None:
        l1 = kwargs.pop("l", l1)  # the Keras 2.0 argument name
        if kwargs:
            raise TypeError(f"L1() got unexpected keyword arguments {sorted(kwargs)}")
        self.l1 = _check_penalty(l1, "l1")

    def __call__(self, x):
        x = tf.convert_to_tensor(x)
        return tf.constant(self.l1, x.dtype) * tf.reduce_sum(tf.abs(x))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(x ** 2)`."""

    def __init__(self, l2: float = 0.01, **kwargs) -> None:
        l2 = kwargs.pop("l", l2)  # the Keras 2.0 argument name
        if kwargs:
            raise TypeError(f"L2() got unexpected keyword arguments {sorted(kwargs)}")
        self.l2 = _check_penalty(l2, "l2")

    def __call__(self, x):
        x = tf.convert_to_tensor(x)
        return tf.constant(self.l2, x.dtype) * tf.reduce_sum(tf.square(x))

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (`mode="rows"`) or columns (`"columns"`) of a 2-D weight towards being
    orthogonal: `factor` times the mean |cosine| between distinct pairs."""

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        if mode not in ("rows", "columns"):
            raise ValueError("Invalid value for argument `mode`. Expected one of "
                             f"{{'rows', 'columns'}}. Received: mode={mode}")
        self.factor = _check_penalty(factor, "factor")
        self.mode = mode

    def __call__(self, x):
        x = tf.convert_to_tensor(x)
        if x.shape.rank != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={x.shape}")
        if self.mode == "rows":
            normalized = tf.math.l2_normalize(x, axis=1)
            product = tf.matmul(normalized, normalized, transpose_b=True)
        else:
            normalized = tf.math.l2_normalize(x, axis=0)
            product = tf.matmul(normalized, normalized, transpose_a=True)
        size = product.shape[0]
        off_diagonal = product * (1.0 - tf.eye(size, dtype=x.dtype))
        num_pairs = size * (size - 1) / 2.0
        return tf.constant(self.factor * 0.5, x.dtype) * tf.math.divide_no_nan(
            tf.reduce_sum(tf.abs(off_diagonal)), tf.constant(num_pairs, x.dtype))

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """An L1L2 regularizer with both penalties (0.01 each by default)."""
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

_OBJECTS: dict[str, Any] = {
    "Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer, "l1": L1, "l2": L2, "l1_l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def serialize(regularizer: Regularizer) -> dict:
    """`{"module": "keras.regularizers", "class_name": ..., "config": ..., ...}`."""
    return serialize_object(regularizer, module="keras.regularizers")


def deserialize(config: dict | str, custom_objects: dict | None = None,
                use_legacy_format: bool = False) -> Regularizer:
    """The regularizer described by a serialized dict or a name ('l1', 'l2', 'l1_l2')."""
    return deserialize_object(config, _OBJECTS, custom_objects, "regularizer")


def get(identifier: Any) -> Regularizer | None:
    """The regularizer for a layer argument: None -> None, a name or dict -> a new instance,
    a callable -> itself."""
    return get_object(identifier, deserialize, "regularizer", base=Regularizer)
