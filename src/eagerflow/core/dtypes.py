"""TF's DType objects (`tf.float32`, ...), their NumPy dtypes and `tf.as_dtype`.

A DType is a small immutable object; the eager hot path never builds one, it
maps a NumPy dtype to the shared instance with one dict lookup.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DType", "as_dtype",
    "float16", "half", "float32", "float64", "double", "bfloat16",
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "bool", "complex64", "complex128", "string", "resource", "variant",
]


class DType:
    """A TensorFlow element type such as `tf.float32`; wraps a NumPy dtype."""

    __slots__ = ("name", "_numpy", "_enum")

    def __init__(self, name: str, numpy_dtype: np.dtype, enum: int) -> None:
        self.name = name
        self._numpy = numpy_dtype
        self._enum = enum

    @property
    def as_numpy_dtype(self) -> type:
        """The NumPy scalar type (e.g. `np.float32`), as TF returns it."""
        return self._numpy.type

    @property
    def as_datatype_enum(self) -> int:
        """The `DataType` enum value of TF's protos (FLOAT = 1, ...)."""
        return self._enum

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    @property
    def is_floating(self) -> bool:
        return self.name in ("float16", "float32", "float64", "bfloat16")

    @property
    def is_integer(self) -> bool:
        return self.name.startswith(("int", "uint"))

    @property
    def is_unsigned(self) -> bool:
        return self.name.startswith("uint")

    @property
    def is_complex(self) -> bool:
        return self.name.startswith("complex")

    @property
    def is_bool(self) -> bool:
        return self.name == "bool"

    @property
    def is_numeric(self) -> bool:
        return self.name != "string"

    @property
    def size(self) -> int:
        return 0 if self.name == "string" else self._numpy.itemsize

    @property
    def min(self):
        """The smallest representable value (TF raises for bool, complex and string)."""
        return self._limit("min")

    @property
    def max(self):
        """The largest representable value."""
        return self._limit("max")

    def _limit(self, which: str):
        if self.is_floating:
            return getattr(_finfo(self._numpy), which)
        if self.is_integer:
            return getattr(np.iinfo(self._numpy), which)
        kind = "minimum" if which == "min" else "maximum"
        raise TypeError(f"Cannot find {kind} value of {self} with type {self!r}.")

    def is_compatible_with(self, other) -> bool:
        return self == as_dtype(other)

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        if other is None:
            return False
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: {self.name!r}>"

    def __reduce__(self):
        return as_dtype, (self.name,)


def _finfo(numpy_dtype: np.dtype):
    if numpy_dtype.name == "bfloat16":
        import ml_dtypes

        return ml_dtypes.finfo(numpy_dtype)
    return np.finfo(numpy_dtype)


def _bfloat16_numpy() -> np.dtype:
    import ml_dtypes

    return np.dtype(ml_dtypes.bfloat16)


float16 = DType("float16", np.dtype(np.float16), 19)
float32 = DType("float32", np.dtype(np.float32), 1)
float64 = DType("float64", np.dtype(np.float64), 2)
bfloat16 = DType("bfloat16", _bfloat16_numpy(), 14)
int8 = DType("int8", np.dtype(np.int8), 6)
int16 = DType("int16", np.dtype(np.int16), 5)
int32 = DType("int32", np.dtype(np.int32), 3)
int64 = DType("int64", np.dtype(np.int64), 9)
uint8 = DType("uint8", np.dtype(np.uint8), 4)
uint16 = DType("uint16", np.dtype(np.uint16), 17)
uint32 = DType("uint32", np.dtype(np.uint32), 22)
uint64 = DType("uint64", np.dtype(np.uint64), 23)
bool = DType("bool", np.dtype(np.bool_), 10)  # noqa: A001 - TF's public name
complex64 = DType("complex64", np.dtype(np.complex64), 8)
complex128 = DType("complex128", np.dtype(np.complex128), 18)
# Strings are NumPy object arrays holding `bytes`, as TF's tensors hold bytes.
string = DType("string", np.dtype(object), 7)
half = float16
double = float64
# A handle on a variable (graph inputs and captures only; never an element type of arrays).
resource = DType("resource", np.dtype(object), 20)
# A TensorArray's run-time list of arrays, flowing through graphs like a tensor.
variant = DType("variant", np.dtype(object), 21)

ALL = (float16, float32, float64, bfloat16, int8, int16, int32, int64, uint8, uint16,
       uint32, uint64, bool, complex64, complex128, string)
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(half=float16, double=float64, float=float32, int=int32, str=string,
                bytes=string, object=string)
_BY_NAME["resource"] = resource
_BY_NAME["variant"] = variant
_BY_ENUM = {d._enum: d for d in ALL}
_BY_ENUM[20] = resource
_BY_ENUM[21] = variant
# The eager hot path: NumPy dtype -> DType in one lookup.
NUMPY_TO_DTYPE: dict[np.dtype, DType] = {d._numpy: d for d in ALL}
NUMPY_TO_DTYPE[np.dtype("U")] = string
NUMPY_TO_DTYPE[np.dtype("S")] = string

FLOATING = frozenset(d._numpy for d in ALL if d.is_floating or d.is_complex)
"""NumPy dtypes a GradientTape differentiates (TF's trainable dtypes)."""


def from_numpy(numpy_dtype: np.dtype) -> DType:
    """The DType of a NumPy dtype; strings of any width map to `tf.string`."""
    try:
        return NUMPY_TO_DTYPE[numpy_dtype]
    except KeyError:
        if numpy_dtype.kind in "USO":
            return string
        raise TypeError(f"NumPy dtype {numpy_dtype} has no TensorFlow equivalent.") from None


def as_dtype(type_value) -> DType:
    """Convert a DType, name, NumPy dtype/type or Python type into a `tf.DType`.

    >>> as_dtype("float32") is float32
    True
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        found = _BY_NAME.get(type_value)
        if found is not None:
            return found
    elif isinstance(type_value, int) and not isinstance(type_value, type(True)):  # noqa: UP003
        found = _BY_ENUM.get(type_value)
        if found is not None:
            return found
    elif type_value is float:
        return float32
    elif type_value is int:
        return int32
    elif type_value is type(True):  # noqa: UP003 - `bool` is tf.bool here
        return bool
    elif type_value is complex:
        return complex128
    elif type_value is str or type_value is bytes:  # identity: tensors overload ==
        return string
    else:
        dtype_attr = getattr(type_value, "dtype", None)
        if isinstance(dtype_attr, DType):
            return dtype_attr
        try:
            return from_numpy(np.dtype(type_value))
        except TypeError:
            pass
    raise TypeError(f"Cannot convert {type_value!r} to EagerTensor dtype: not a valid TensorFlow "
                    "dtype (use e.g. tf.float32, 'int64' or np.float32).")
