"""Elementwise math (`tf.math`): arithmetic, comparisons, logic and unary functions.

Binary ops broadcast like NumPy and require equal dtypes (Python scalars take
the tensor's dtype). Gradients un-broadcast with the one shared helper.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.primitive import primitive
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops.array import cast, unbroadcast
from eagerflow.ops.rules import broadcast_rule, compare_rule, same_as_first

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "realdiv", "negative", "exp", "log",
    "equal", "not_equal",
]
NAMESPACES = {"math": list(__all__)}

_NUMERIC = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
            np.uint8, np.uint16, np.uint32, np.uint64, np.complex64, np.complex128,
            dtypes.bfloat16._numpy]
_FLOAT = [np.float16, np.float32, np.float64, np.complex64, np.complex128,
          dtypes.bfloat16._numpy]


# --- arithmetic -----------------------------------------------------------------------------
add_p = primitive(
    "add", impl=np.add, shape_rule=broadcast_rule,
    grad=lambda g, out, x, y: (unbroadcast(g, x), unbroadcast(g, y)),
    dtypes=_NUMERIC + [object], elementwise=True, commutative=True)

subtract_p = primitive(
    "subtract", impl=np.subtract, shape_rule=broadcast_rule,
    grad=lambda g, out, x, y: (unbroadcast(g, x), unbroadcast(negative(g), y)),
    dtypes=_NUMERIC, elementwise=True)

multiply_p = primitive(
    "multiply", impl=np.multiply, shape_rule=broadcast_rule,
    grad=lambda g, out, x, y: (unbroadcast(multiply(g, y), x), unbroadcast(multiply(g, x), y)),
    dtypes=_NUMERIC, elementwise=True, commutative=True)


def _realdiv_impl(x, y):
    if x.dtype.kind in "iu":
        raise TypeError("realdiv is defined on floating and complex dtypes; integer division "
                        "is tf.math.truediv (to float64) or tf.math.floordiv")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(x, y)


realdiv_p = primitive(
    "realdiv", impl=_realdiv_impl, shape_rule=broadcast_rule,
    grad=lambda g, out, x, y: (unbroadcast(realdiv(g, y), x),
                               unbroadcast(negative(multiply(g, realdiv(out, y))), y)),
    dtypes=_FLOAT, elementwise=True)

negative_p = primitive(
    "negative", impl=np.negative, shape_rule=same_as_first,
    grad=lambda g, out, x: (negative(g),), dtypes=_NUMERIC, elementwise=True)


def _exp_impl(x):
    with np.errstate(over="ignore"):
        return np.exp(x)


exp_p = primitive(
    "exp", impl=_exp_impl, shape_rule=same_as_first,
    grad=lambda g, out, x: (multiply(g, out),), dtypes=_FLOAT, elementwise=True)


def _log_impl(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


log_p = primitive(
    "log", impl=_log_impl, shape_rule=same_as_first,
    grad=lambda g, out, x: (realdiv(g, x),), dtypes=_FLOAT, elementwise=True)

equal_p = primitive(
    "equal", impl=np.equal, shape_rule=compare_rule, grad=None,
    elementwise=True, commutative=True)

not_equal_p = primitive(
    "not_equal", impl=np.not_equal, shape_rule=compare_rule, grad=None,
    elementwise=True, commutative=True)


# --- public functions -------------------------------------------------------------------------
def add(x, y, name=None) -> Tensor:
    """x + y elementwise, with NumPy broadcasting."""
    return add_p.bind(x, y)


def subtract(x, y, name=None) -> Tensor:
    return subtract_p.bind(x, y)


def multiply(x, y, name=None) -> Tensor:
    return multiply_p.bind(x, y)


def realdiv(x, y, name=None) -> Tensor:
    """x / y for floating and complex dtypes."""
    return realdiv_p.bind(x, y)


def truediv(x, y, name=None) -> Tensor:
    """x / y; integer inputs are cast to float (int8/16 -> float32, int32/64 -> float64)."""
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x, dtype_hint=y.dtype if isinstance(y, Tensor) else None)
    if not isinstance(y, Tensor):
        y = convert_to_tensor(y, dtype_hint=x.dtype)
    if x.dtype.is_integer:
        target = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
        if y.dtype != x.dtype:
            realdiv_p.check_dtypes([x.dtype, y.dtype])
        x, y = cast(x, target), cast(y, target)
    return realdiv_p.bind(x, y)


divide = truediv


def negative(x, name=None) -> Tensor:
    return negative_p.bind(x)


def exp(x, name=None) -> Tensor:
    return exp_p.bind(x)


def log(x, name=None) -> Tensor:
    """Natural logarithm; log(0) = -inf and log(-1) = nan, as TF."""
    return log_p.bind(x)


def equal(x, y, name=None) -> Tensor:
    return equal_p.bind(x, y)


def not_equal(x, y, name=None) -> Tensor:
    return not_equal_p.bind(x, y)


def tensor_equals(x, y):
    """`x == y` on tensors: elementwise, or False when the operands cannot be compared."""
    if y is None:
        return False
    try:
        return equal_p.bind(x, y)
    except Exception:  # noqa: BLE001 - TF returns False, never raises
        return False


def tensor_not_equals(x, y):
    if y is None:
        return True
    try:
        return not_equal_p.bind(x, y)
    except Exception:  # noqa: BLE001 - TF returns True, never raises
        return True
