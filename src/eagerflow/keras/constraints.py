"""`tf.keras.constraints`: projections applied to a weight after each optimizer update.

A constraint maps a weight tensor to its projected value (bounded norm, non-negative, unit
norm); `get`/`serialize`/`deserialize` map them to and from layer configs.
"""

from __future__ import annotations

from typing import Any

import eagerflow as tf
from eagerflow.keras import backend
from eagerflow.keras.serialization_helpers import (
    deserialize_object,
    get_object,
    serialize_object,
)

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "RadialConstraint",
           "max_norm", "non_neg", "unit_norm", "min_max_norm", "radial_constraint", "get",
           "serialize", "deserialize"]


class Constraint:
    """Base class: `__call__(w)` returns the projected weight (the identity here)."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-safe dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _norms(w, axis):
    return tf.sqrt(tf.reduce_sum(tf.square(w), axis=axis, keepdims=True))


def _epsilon(dtype):
    return tf.constant(backend.epsilon(), dtype)


class MaxNorm(Constraint):
    """Rescales the slices along `axis` whose L2 norm exceeds `max_value` down to it
    (axis=0 for Dense kernels: each unit's incoming weights; [0, 1, 2] for Conv2D)."""

    def __init__(self, max_value: float = 2, axis: int | list = 0) -> None:
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = tf.clip_by_value(norms, tf.constant(0, w.dtype),
                                   tf.constant(self.max_value, w.dtype))
        return w * (desired / (_epsilon(w.dtype) + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        return w * tf.cast(tf.greater_equal(w, 0.0), w.dtype)


class UnitNorm(Constraint):
    """Scales the slices along `axis` to unit L2 norm."""

    def __init__(self, axis: int | list = 0) -> None:
        self.axis = axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        return w / (_epsilon(w.dtype) + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each slice's L2 norm into [min_value, max_value]; `rate` < 1 moves it only part
    of the way each step."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: int | list = 0) -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        clipped = tf.clip_by_value(norms, tf.constant(self.min_value, w.dtype),
                                   tf.constant(self.max_value, w.dtype))
        rate = tf.constant(self.rate, w.dtype)
        desired = rate * clipped + (1.0 - rate) * norms
        return w * (desired / (_epsilon(w.dtype) + norms))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class RadialConstraint(Constraint):
    """Makes each (height, width) slice of a 4-D conv kernel radially symmetric: all cells at
    the same (Chebyshev) distance from the centre take one value. As in tf_keras, ring r takes
    the diagonal element `w[d, d]` with d = c - 1 + r for odd sizes 2c + 1, and d = c - 1 for
    the centre block, c + r for outer rings, for even sizes 2c.
    """

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        if w.shape.rank != 4:
            raise ValueError(f"The weight tensor must have rank 4. Received weight tensor with "
                             f"shape: {w.shape}")
        height, width = w.shape[0], w.shape[1]
        if height != width or height < 2:
            raise ValueError("RadialConstraint needs a square kernel of size >= 2. Received: "
                             f"kernel size ({height}, {width})")
        rings, sources = _radial_pattern(height)
        diagonal = tf.gather_nd(w, [[d, d] for d in sources])  # (num_rings, in, out)
        return tf.einsum("rio,hwr->hwio", diagonal, tf.constant(rings, w.dtype))


def _radial_pattern(size: int) -> tuple[list, list[int]]:
    """One-hot (size, size, num_rings) ring membership, and each ring's source index."""
    centre = size // 2
    if size % 2:
        ring_of = [abs(i - centre) for i in range(size)]
        sources = [centre - 1 + r for r in range(centre + 1)]
    else:
        ring_of = [centre - 1 - i if i < centre else i - centre for i in range(size)]
        sources = [centre - 1] + [centre + r for r in range(1, centre)]
    num_rings = len(sources)
    rings = [[[1.0 if max(ring_of[i], ring_of[j]) == r else 0.0 for r in range(num_rings)]
              for j in range(size)] for i in range(size)]
    return rings, sources


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
radial_constraint = RadialConstraint

_OBJECTS: dict[str, Any] = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm,
    "MinMaxNorm": MinMaxNorm, "RadialConstraint": RadialConstraint, "max_norm": MaxNorm,
    "maxnorm": MaxNorm, "non_neg": NonNeg, "nonneg": NonNeg, "unit_norm": UnitNorm,
    "unitnorm": UnitNorm, "min_max_norm": MinMaxNorm, "radial_constraint": RadialConstraint,
}


def serialize(constraint: Constraint) -> dict:
    """`{"module": "keras.constraints", "class_name": ..., "config": ..., ...}`."""
    return serialize_object(constraint, module="keras.constraints")


def deserialize(config: dict | str, custom_objects: dict | None = None,
                use_legacy_format: bool = False) -> Constraint:
    """The constraint described by a serialized dict or a name ('max_norm', 'non_neg', ...)."""
    return deserialize_object(config, _OBJECTS, custom_objects, "constraint")


def get(identifier: Any) -> Constraint | None:
    """The constraint for a layer argument: None -> None, a name or dict -> a new instance,
    a callable -> itself."""
    return get_object(identifier, deserialize, "constraint function", base=Constraint)
