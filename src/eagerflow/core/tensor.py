"""`tf.Tensor`: the immutable tensor type, its eager form, and value conversion.

`Tensor` holds the API shared by eager and symbolic tensors; `EagerTensor`
wraps one NumPy array (`_value`). Python operators are installed from the op
library through `install_operators`, so each one goes through the same
dispatch as the public function it mirrors.
"""

from __future__ import annotations

import numbers

import numpy as np

from eagerflow.core import dtypes as _dtypes
from eagerflow.core.dtypes import NUMPY_TO_DTYPE, DType
from eagerflow.core.errors import OperatorNotAllowedInGraphError
from eagerflow.core.shape import TensorShape

__all__ = ["Tensor", "EagerTensor", "Reference", "convert_to_tensor", "constant_array",
           "wrap", "install_operators", "register_tensor_conversion_function", "is_tensor"]

_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1


class Reference:
    """A hashable handle on a tensor or variable (`x.ref()`), compared by identity."""

    __slots__ = ("_object",)

    def __init__(self, obj) -> None:
        self._object = obj

    def deref(self):
        return self._object

    def __hash__(self) -> int:
        return id(self._object)

    def __eq__(self, other) -> bool:
        return isinstance(other, Reference) and other._object is self._object

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._object!r}>"


class Tensor:
    """A multi-dimensional array with a dtype and a (possibly partial) static shape.

    Tensors are immutable. Eagerly they wrap a NumPy array; while tracing a
    `tf.function` they are symbolic values of the graph being built.
    """

    __slots__ = ()
    __array_priority__ = 100

    # Subclasses provide: _shape_tuple() -> tuple (None for unknown dims) | None, dtype.

    @property
    def shape(self) -> TensorShape:
        return TensorShape._from_tuple(self._shape_tuple())

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int | None:
        dims = self._shape_tuple()
        return None if dims is None else len(dims)

    @property
    def rank(self) -> int | None:
        return self.ndim

    def ref(self) -> Reference:
        """A hashable reference to this tensor, for use as a dict key or set member."""
        return Reference(self)

    experimental_ref = ref

    def __hash__(self) -> int:
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __len__(self) -> int:
        dims = self._shape_tuple()
        if not dims:
            raise TypeError("Scalar tensor has no `len()`")
        if dims[0] is None:
            raise TypeError(f"len is not well defined for a symbolic Tensor of shape "
                            f"{self.shape}: its first dimension is unknown. Use tf.shape(x)[0].")
        return dims[0]

    def __iter__(self):
        dims = self._shape_tuple()
        if not dims:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for index in range(len(self)):
            yield self[index]

    def __bool__(self) -> bool:
        raise OperatorNotAllowedInGraphError(
            "Using a symbolic tf.Tensor as a Python bool is not allowed. Inside tf.function, "
            "AutoGraph turns `if`/`while` on tensors into tf.cond/tf.while_loop; this use was "
            "not converted (autograph=False, or a construct AutoGraph leaves to Python). Use "
            "tf.cond or tf.while_loop here.")

    def __index__(self) -> int:
        raise TypeError("Only integer scalar eager tensors can be used as an index.")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return convert_to_tensor, (self.numpy(),)


class EagerTensor(Tensor):
    """A tensor with a value: one NumPy array (or NumPy scalar for rank 0)."""

    __slots__ = ("_value", "_keras_mask", "__weakref__")

    def __init__(self, value) -> None:
        self._value = value

    def _shape_tuple(self) -> tuple:
        return self._value.shape

    @property
    def dtype(self) -> DType:
        return NUMPY_TO_DTYPE[self._value.dtype]

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    @property
    def name(self):
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    def set_shape(self, shape) -> None:
        if not TensorShape(shape).is_compatible_with(self._value.shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied "
                             f"shape {TensorShape(shape)}.")

    def numpy(self):
        """A copy of the value as a NumPy array (a NumPy scalar for rank 0)."""
        value = self._value
        if isinstance(value, np.ndarray):
            return value[()] if value.ndim == 0 else value.copy()
        return value

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self._value)
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def __bool__(self) -> bool:
        value = self._value
        if value.size != 1 and value.shape != ():
            raise ValueError("The truth value of an array with more than one element is "
                             "ambiguous. Use tf.reduce_any or tf.reduce_all.")
        return bool(value.reshape(()) if isinstance(value, np.ndarray) else value)

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def __index__(self) -> int:
        value = self._value
        if value.shape != () or value.dtype.kind not in "iu":
            raise TypeError("Only integer scalar tensors can be converted to an index; got "
                            f"shape {self.shape} and dtype {self.dtype.name}.")
        return int(value)

    def _scalar(self, kind: str):
        value = self._value
        if value.size != 1:
            raise TypeError(f"Only a tensor with one element can be converted to a Python "
                            f"{kind}; got shape {self.shape}.")
        return value.reshape(()).item() if isinstance(value, np.ndarray) else value

    def __format__(self, spec: str) -> str:
        if self._value.shape == ():
            return format(self._value.item(), spec)
        return format(str(self), spec)

    def __repr__(self) -> str:
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._value, repr)}>")

    def __str__(self) -> str:
        return f"tf.Tensor({_numpy_text(self._value, str)}, shape={self.shape}, " \
               f"dtype={self.dtype.name})"


def _numpy_text(value, how) -> str:
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return "\n" + how(value)
    return str(value[()] if isinstance(value, np.ndarray) else value)


def wrap(array) -> EagerTensor:
    """An EagerTensor around `array` (no copy; a NumPy scalar becomes a 0-d array)."""
    tensor = _new_eager(EagerTensor)
    tensor._value = array if type(array) is np.ndarray else np.asarray(array)
    return tensor


_new_eager = object.__new__


def is_tensor(x) -> bool:
    """True for tensors and the objects TF treats as tensors (variables)."""
    return isinstance(x, Tensor) or hasattr(x, "_variable_read")


# ---------------------------------------------------------------------------
# Conversion of Python values, NumPy arrays and tensor-like objects.

_CONVERSION_FUNCTIONS: list = []  # (types, function) registered by users


def register_tensor_conversion_function(base_type, conversion_func, priority: int = 100):
    """Register `conversion_func(value, dtype=None, name=None, as_ref=False)` for a type."""
    _CONVERSION_FUNCTIONS.append((priority, base_type, conversion_func))
    _CONVERSION_FUNCTIONS.sort(key=lambda item: item[0])


def _infer_python_dtype(array: np.ndarray) -> np.ndarray:
    """Apply TF's inference to a NumPy array made from Python values.

    Floats become float32, ints int32 (int64 when a value does not fit),
    strings bytes objects.
    """
    kind = array.dtype.kind
    if kind == "f":
        return array.astype(np.float32)
    if kind in "iu":
        if array.size and (array.min() < _INT32_MIN or array.max() > _INT32_MAX):
            return array.astype(np.int64)
        return array.astype(np.int32)
    if kind in "USO":
        return _as_string_array(array)
    return array


def _as_string_array(array: np.ndarray) -> np.ndarray:
    out = np.empty(array.shape, dtype=object)
    flat = out.reshape(-1)
    for index, item in enumerate(array.reshape(-1)):
        if isinstance(item, str):
            item = item.encode("utf-8")
        elif isinstance(item, np.bytes_):
            item = bytes(item)
        elif not isinstance(item, bytes):
            raise TypeError(f"Failed to convert elements of {array!r} to Tensor: {item!r} is "
                            "not a string.")
        flat[index] = item
    return out


def constant_array(value, dtype: DType | None = None) -> np.ndarray:
    """The NumPy array `tf.constant(value, dtype)` holds (TF's inference and checks)."""
    if isinstance(value, EagerTensor):
        array = value._value
        if dtype is not None and array.dtype != dtype._numpy:
            array = _cast_checked(np.asarray(array), dtype, value)
        return array
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind in "USO":
            array = _as_string_array(array)
        if dtype is not None and array.dtype != dtype._numpy:
            array = _cast_checked(array, dtype, value)
        return array
    from_tensors = isinstance(value, (list, tuple)) and bool(value) and _contains_tensor(value)
    value_before_unwrap = value
    if from_tensors:
        value = _unwrap_nested(value)
    try:
        array = np.asarray(value)
        if array.dtype.kind in "SU":  # NumPy's fixed-width strings drop trailing NULs
            array = np.array(value, dtype=object)
    except ValueError:
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: "
                         f"{value!r}") from None
    if array.dtype == object and array.size and not isinstance(array.flat[0], (str, bytes)):
        raise TypeError(f"Failed to convert elements of {value!r} to Tensor. Consider casting "
                        "elements to a supported type.")
    if dtype is None and from_tensors:
        dtype = _first_tensor_dtype(value_before_unwrap)  # tensors' dtype wins, as in packing
    if dtype is None:
        return _infer_python_dtype(array)
    if dtype is _dtypes.string:
        return _as_string_array(array)
    if array.dtype.kind in "USO":
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    return _cast_checked(array, dtype, value)


def _contains_tensor(values) -> bool:
    return any(isinstance(v, Tensor) or hasattr(v, "_variable_read")
               or (isinstance(v, (list, tuple)) and _contains_tensor(v)) for v in values)


def _first_tensor_dtype(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            found = _first_tensor_dtype(v)
            if found is not None:
                return found
        elif isinstance(v, Tensor) or hasattr(v, "_variable_read"):
            return v.dtype
    return None


def _unwrap_nested(values):
    out = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.append(_unwrap_nested(v))
        elif isinstance(v, EagerTensor):
            out.append(v._value)
        elif hasattr(v, "_variable_read"):
            out.append(v.numpy())
        else:
            out.append(v)
    return out


def _cast_checked(array: np.ndarray, dtype: DType, original) -> np.ndarray:
    """Cast Python/NumPy data to `dtype`, refusing lossy float->int or overflow as TF does."""
    target = dtype._numpy
    source_kind = array.dtype.kind
    if source_kind == "c" and target.kind != "c":
        raise TypeError(f"Cannot convert {original!r} to EagerTensor of dtype {dtype.name}")
    if target.kind in "iub" and source_kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise TypeError(f"Cannot convert {original!r} to EagerTensor of dtype {dtype.name}")
    if target.kind in "iu" and source_kind in "iuf" and array.size:
        info = np.iinfo(target)
        if array.min() < info.min or array.max() > info.max:
            raise TypeError(f"Cannot convert {original!r} to EagerTensor of dtype "
                            f"{dtype.name}: value out of range")
    return array.astype(target)


def scalar_array(value, numpy_dtype: np.dtype):
    """A Python scalar as a NumPy scalar of the given dtype (binary-op partner conversion)."""
    if type(value) is float and numpy_dtype.kind in "iub" and not value.is_integer():
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype "
                        f"{NUMPY_TO_DTYPE[numpy_dtype].name}")
    try:
        return numpy_dtype.type(value)
    except (OverflowError, TypeError, ValueError):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype "
                        f"{NUMPY_TO_DTYPE.get(numpy_dtype, numpy_dtype)}") from None


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None) -> Tensor:
    """Convert `value` (tensor, variable, NumPy array, Python value) to a Tensor.

    `dtype` is required (a mismatching tensor raises); `dtype_hint` is used for
    Python values only when it fits them, as in TF.
    """
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with "
                             f"dtype {value.dtype.name}: {value!r}")
        return value
    read = getattr(value, "_variable_read", None)
    if read is not None:
        tensor = read()
        if dtype is not None and tensor.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for variable with "
                             f"dtype {tensor.dtype.name}")
        return tensor
    for _, base_type, function in _CONVERSION_FUNCTIONS:
        if isinstance(value, base_type):
            return function(value, dtype=dtype, name=name, as_ref=False)
    tf_tensor = getattr(value, "__tf_tensor__", None)
    if tf_tensor is not None:
        return tf_tensor(dtype, name)
    if isinstance(value, (list, tuple)) and value and _contains_tensor(value):
        # Auto-packing, as TF: the list becomes a stack op, so tapes and traces see it.
        tensor = _pack_nested(value)
        if dtype is not None and tensor.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for a list of "
                             f"tensors with dtype {tensor.dtype.name}")
        return tensor
    if dtype is None and dtype_hint is not None:
        try:
            return make_constant(constant_array(value, _dtypes.as_dtype(dtype_hint)))
        except (TypeError, ValueError):
            pass
    return make_constant(constant_array(value, dtype))


def _pack_nested(value):
    if isinstance(value, (list, tuple)):
        return PACK([_pack_nested(v) for v in value])
    return value


def make_constant(array) -> Tensor:
    """A tensor for a constant array: eager, or a graph constant while tracing."""
    from eagerflow.core.context import state

    builder = state.local.builder if not state.plain else None
    if builder is not None:
        return builder.constant(array)
    return wrap(array)


# Set by the op library: packs a list holding symbolic tensors with `stack`.
PACK = None

# Python operators TF overloads: dunder -> (op table key, reflected?).
OPERATORS = {
    "__add__": ("add", False), "__radd__": ("add", True),
    "__sub__": ("subtract", False), "__rsub__": ("subtract", True),
    "__mul__": ("multiply", False), "__rmul__": ("multiply", True),
    "__truediv__": ("truediv", False), "__rtruediv__": ("truediv", True),
    "__floordiv__": ("floordiv", False), "__rfloordiv__": ("floordiv", True),
    "__mod__": ("floormod", False), "__rmod__": ("floormod", True),
    "__pow__": ("pow", False), "__rpow__": ("pow", True),
    "__matmul__": ("matmul", False), "__rmatmul__": ("matmul", True),
    "__and__": ("logical_and_or_bitwise", False), "__rand__": ("logical_and_or_bitwise", True),
    "__or__": ("logical_or_or_bitwise", False), "__ror__": ("logical_or_or_bitwise", True),
    "__xor__": ("logical_xor_or_bitwise", False), "__rxor__": ("logical_xor_or_bitwise", True),
    "__lt__": ("less", False), "__le__": ("less_equal", False),
    "__gt__": ("greater", False), "__ge__": ("greater_equal", False),
    "__eq__": ("tensor_equals", False), "__ne__": ("tensor_not_equals", False),
    "__neg__": ("negative", None), "__abs__": ("abs", None),
    "__invert__": ("logical_not_or_bitwise", None), "__pos__": ("identity", None),
    "__getitem__": ("getitem", False),
}


def install_operators(table: dict, cls: type = Tensor) -> None:
    """Give `cls` (Tensor, Variable) its Python operators from `table` (op key -> function).

    Called once by the op library after it has registered its primitives.
    """
    for dunder, (key, reflected) in OPERATORS.items():
        function = table.get(key)
        if function is None:
            continue
        if reflected is None:
            method = _unary_method(function)
        elif reflected:
            method = _reflected_method(function)
        else:
            method = _binary_method(function)
        method.__name__ = dunder
        setattr(cls, dunder, method)
    if cls is Tensor:
        Tensor.__hash__ = _unhashable


def _unhashable(self):
    raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")


def _binary_method(function):
    def method(self, other):
        return function(self, other)
    return method


def _reflected_method(function):
    def method(self, other):
        return function(other, self)
    return method


def _unary_method(function):
    def method(self):
        return function(self)
    return method


def is_python_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, np.generic)
