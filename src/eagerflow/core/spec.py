"""`tf.TensorSpec`: the static description (shape, dtype, name) of a tensor.

Used by tf.data's `element_spec`, `tf.function` input signatures and
`from_generator(output_signature=...)`. A spec holds no value.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes as _dtypes
from eagerflow.core.dtypes import NUMPY_TO_DTYPE, DType
from eagerflow.core.shape import TensorShape, as_shape

__all__ = ["TensorSpec"]


class TensorSpec:
    """Describes a tensor: `TensorSpec(shape, dtype=tf.float32, name=None)`.

    >>> TensorSpec(shape=(None, 3))
    TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=_dtypes.float32, name=None) -> None:
        self._shape = as_shape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._name = name

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> DType:
        return self._dtype

    @property
    def name(self):
        return self._name

    @property
    def value_type(self) -> type:
        from eagerflow.core.tensor import Tensor

        return Tensor

    @classmethod
    def from_tensor(cls, tensor, name=None) -> TensorSpec:
        """The spec of a tensor (or NumPy array / Python value converted as a tensor)."""
        shape, dtype = _shape_and_dtype(tensor)
        return cls(shape, dtype, name if name is not None else None)

    @classmethod
    def from_spec(cls, spec, name=None) -> TensorSpec:
        return cls(spec.shape, spec.dtype, name if name is not None else spec.name)

    def is_compatible_with(self, spec_or_tensor) -> bool:
        """True when dtypes are equal and shapes compatible (None dims match anything)."""
        if isinstance(spec_or_tensor, TensorSpec):
            shape, dtype = spec_or_tensor.shape, spec_or_tensor.dtype
        else:
            try:
                shape, dtype = _shape_and_dtype(spec_or_tensor)
            except (TypeError, ValueError):
                return False
        return self._dtype == dtype and self._shape.is_compatible_with(shape)

    def is_subtype_of(self, other) -> bool:
        return (isinstance(other, TensorSpec) and self._dtype == other.dtype
                and self._shape.is_subtype_of(other.shape)
                and (other.name is None or self._name == other.name))

    def most_specific_common_supertype(self, others):
        """The most specific spec that all of `self` and `others` are subtypes of, or None."""
        result = self
        for other in others:
            if not isinstance(other, TensorSpec) or other.dtype != self._dtype:
                return None
            name = result.name if result.name == other.name else None
            result = TensorSpec(result.shape.most_specific_compatible_shape(other.shape),
                                self._dtype, name)
        return result

    def most_specific_compatible_type(self, other) -> TensorSpec:
        """Deprecated TF name: like `most_specific_common_supertype([other])`; raises on dtype."""
        if not isinstance(other, TensorSpec) or other.dtype != self._dtype:
            raise ValueError(f"No TypeSpec is compatible with both {self} and {other}")
        return self.most_specific_common_supertype([other])

    def _unbatch(self) -> TensorSpec:
        if self._shape.rank == 0:
            raise ValueError("Unbatching a tensor is only supported for rank >= 1")
        return TensorSpec(self._shape[1:], self._dtype)

    def _batch(self, batch_size) -> TensorSpec:
        return TensorSpec(TensorShape([batch_size]).concatenate(self._shape), self._dtype)

    def __eq__(self, other) -> bool:
        return (type(other) is type(self) and self._dtype == other._dtype
                and self._shape == other._shape and self._name == other._name)

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((self._shape, self._dtype, self._name))

    def __repr__(self) -> str:
        name = repr(self._name) if self._name is not None else "None"
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={name})"

    def __reduce__(self):
        return TensorSpec, (self._shape.as_list() if self._shape.rank is not None else None,
                            self._dtype.name, self._name)


def _shape_and_dtype(value) -> tuple:
    dtype = getattr(value, "dtype", None)
    if isinstance(dtype, DType):
        return value.shape, dtype
    if isinstance(value, (np.ndarray, np.generic)):
        found = NUMPY_TO_DTYPE.get(value.dtype)
        if found is None:
            found = _dtypes.from_numpy(value.dtype)
        return value.shape, found
    from eagerflow.core.tensor import constant_array

    array = constant_array(value)
    return array.shape, NUMPY_TO_DTYPE[array.dtype]
