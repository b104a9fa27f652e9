"""Argument helpers shared by the array families: static values of tensor-or-Python
arguments, index dtype checks and TF's error messages."""

from __future__ import annotations

import builtins

import numpy as np

from eagerflow.core import primitive as _primitive
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.tensor import EagerTensor, Tensor
from eagerflow.ops.rules import as_tensor

_pyrange = builtins.range  # Python's range: the array package exports tf.range
_INDEX_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))


_t = as_tensor


def _error(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(None, None, message)


def _static(value, what: str, op: str):
    """The Python value of an argument TF also takes as a tensor (axis, perm, shape, ...)."""
    if isinstance(value, Tensor):
        if not isinstance(value, EagerTensor):
            raise TypeError(f"{op}: `{what}` must be known when tracing; got the symbolic "
                            f"tensor {value!r}. Pass a Python value or a constant.")
        return np.asarray(value._value).tolist()
    if hasattr(value, "_variable_read"):
        return np.asarray(value.numpy()).tolist()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_static(v, what, op) for v in value]
    return value


def _static_int(value, what: str, op: str) -> int:
    if type(value) is int:
        return value
    value = _static(value, what, op)
    if isinstance(value, list):
        if len(value) != 1:
            raise _error(f"{op}: `{what}` must be a scalar, got {value}.")
        value = value[0]
    if isinstance(value, float) and not value.is_integer():
        raise TypeError(f"{op}: `{what}` must be an integer, got {value!r}.")
    return int(value)


def _static_ints(value, what: str, op: str) -> tuple:
    if type(value) in (list, tuple) and all(type(v) is int for v in value):
        return tuple(value)
    value = _static(value, what, op)
    if not isinstance(value, list):
        value = [value]
    return tuple(int(v) for v in np.asarray(value).reshape(-1).tolist())


def _index_tensor(indices, op: str, what: str = "indices") -> Tensor:
    indices = _t(indices)
    if indices.dtype._numpy not in _INDEX_DTYPES:
        raise TypeError(f"Value passed to parameter '{what}' of {op} has DataType "
                        f"{indices.dtype.name} not in list of allowed values: int32, int64")
    return indices


def _require_same_dtype(op: str, first: Tensor, other: Tensor, position: int) -> None:
    if first.dtype != other.dtype:
        raise _error(f"cannot compute {op} as input #{position}(zero-based) was expected to be a "
                     f"{first.dtype.name} tensor but is a {other.dtype.name} tensor. Cast one "
                     f"side with tf.cast so that both have the same dtype. [Op:{op}]")


def _replace_dim(shape: tuple, axis: int, dims: tuple) -> tuple:
    return tuple(shape[:axis]) + tuple(dims) + tuple(shape[axis + 1:])


def _shape_argument(shape) -> tuple:
    if isinstance(shape, Tensor):
        return tuple(int(d) for d in np.asarray(shape).reshape(-1))
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


class _ShapeArgumentStandIn:
    """What a public op reports to the functional API's dispatch when a shape argument holds
    a Keras symbolic tensor (the op is recorded whole, by the public call)."""

    name = "shape argument"
    multiple_results = False


def keras_call_if_symbolic(*values):
    """When an argument (or an entry of a list argument) is a functional-API KerasTensor,
    record the calling public op as a layer and return its symbolic output; else None."""
    kinds = _primitive.SYMBOLIC_TYPES
    if not kinds:
        return None
    for value in values:
        entries = value if isinstance(value, (list, tuple)) else (value,)
        if any(isinstance(entry, kinds) for entry in entries):
            return _primitive.SYMBOLIC_CALL(_ShapeArgumentStandIn, values, {})
    return None
