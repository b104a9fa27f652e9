"""Elementwise math (`tf.math`, `tf.bitwise`): arithmetic, comparisons, logic, unary functions.

Binary ops broadcast like NumPy and require equal dtypes (Python scalars take
the tensor's dtype). Gradients un-broadcast with the one shared helper and
conjugate like TF's, so complex inputs get TF's (conjugate) gradients.
"""

from __future__ import annotations

import math as _pymath

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import Tensor, convert_to_tensor, make_constant
from eagerflow.ops.array import cast, unbroadcast, zeros_like
from eagerflow.ops.quiet_fp import quiet_off, quiet_on
from eagerflow.ops.rules import (
    broadcast_rule,
    broadcast_shapes,
    compare_rule,
    same_as_first,
    to_bool_rule,
)

__all__ = [
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "complex", "cos",
    "cosh", "divide", "equal", "exp", "floor", "greater", "greater_equal", "less", "less_equal",
    "logical_and", "logical_not", "logical_or", "maximum", "minimum", "multiply", "negative",
    "not_equal", "pow", "realdiv", "round", "scalar_mul", "sigmoid", "sign", "sin", "sinh",
    "sqrt", "square", "subtract", "tan", "tanh", "truediv", "truncatediv", "truncatemod",
]
NAMESPACES = {
    "math": __all__ + [
        "angle", "ceil", "conj", "divide_no_nan", "expm1", "floordiv", "floormod", "imag",
        "is_finite", "is_inf", "is_nan", "log", "log1p", "log_sigmoid", "logical_xor", "mod",
        "multiply_no_nan", "nextafter", "polyval", "real", "reciprocal", "reciprocal_no_nan",
        "rint", "rsqrt", "softplus", "squared_difference", "xdivy", "xlog1py", "xlogy",
    ],
    "bitwise": ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift",
                "right_shift"],
}

_bf16 = dtypes.bfloat16._numpy
_REAL_FLOAT = [np.float16, np.float32, np.float64, _bf16]
_COMPLEX = [np.complex64, np.complex128]
_FLOAT = _REAL_FLOAT + _COMPLEX
_INT = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
_REAL = _REAL_FLOAT + _INT
_NUMERIC = _REAL + _COMPLEX
_BOOL = [np.bool_]


def _quiet(kernel):
    """Wrap a NumPy kernel so it gives inf/nan silently, as TF does."""
    def quiet(*arrays):
        token = quiet_on()
        try:
            return kernel(*arrays)
        finally:
            quiet_off(token)

    quiet.__name__ = getattr(kernel, "__name__", "kernel")
    if isinstance(kernel, np.ufunc):
        quiet.ufunc = kernel  # lets the fusion pass write it with out= under np.errstate
    return quiet


def _conj(x):
    """conj(x) for complex tensors; real tensors are returned as they are (no op)."""
    return conj_p.bind(x) if x.dtype.is_complex else x


def _unary(name, impl, grad=None, allowed=_FLOAT, shape_rule=same_as_first):
    return primitive(name, impl=impl, shape_rule=shape_rule, grad=grad, dtypes=allowed,
                     elementwise=True)


def _binary(name, impl, grad=None, allowed=_NUMERIC, shape_rule=broadcast_rule, **traits):
    if shape_rule is broadcast_rule or shape_rule is compare_rule:
        shape_rule = _named_broadcast_rule(name, shape_rule is compare_rule)
    return primitive(name, impl=impl, shape_rule=shape_rule, grad=grad, dtypes=allowed,
                     elementwise=True, **traits)


def _named_broadcast_rule(name: str, to_bool: bool):
    """The broadcasting rule, naming the op in its error (outputs bool for comparisons)."""
    def rule(x: Spec, y: Spec) -> Spec:
        return Spec(broadcast_shapes(x.shape, y.shape, name), dtypes.bool if to_bool else x.dtype)
    return rule


def _int_division_check(y, op: str) -> None:
    if y.dtype.kind in "iu" and not np.all(y):
        raise InvalidArgumentError(None, None, f"Integer division by zero [Op:{op}]. Guard "
                                   "the divisor or use tf.math.divide_no_nan on floats.")


# --- arithmetic -----------------------------------------------------------------------------
# add/subtract/multiply stay bare ufuncs: they are the hottest kernels.
add_p = _binary(
    "add", np.add, lambda g, out, x, y: (unbroadcast(g, x), unbroadcast(g, y)),
    allowed=_NUMERIC + [object], commutative=True)

subtract_p = _binary(
    "subtract", np.subtract,
    lambda g, out, x, y: (unbroadcast(g, x), unbroadcast(negative(g), y)))

multiply_p = _binary(
    "multiply", np.multiply,
    lambda g, out, x, y: (unbroadcast(multiply(g, _conj(y)), x),
                          unbroadcast(multiply(_conj(x), g), y)),
    commutative=True)


def _realdiv_grad(g, out, x, y):
    gx = realdiv(g, _conj(y))
    return unbroadcast(gx, x), unbroadcast(negative(multiply(gx, _conj(out))), y)  # -g x/y^2


realdiv_p = _binary("realdiv", _quiet(np.divide), _realdiv_grad, allowed=_FLOAT)


def _floordiv_impl(x, y):
    if x.dtype.kind in "iu":
        _int_division_check(y, "FloorDiv")
        return np.floor_divide(x, y)
    with np.errstate(all="ignore"):
        return np.floor(np.divide(x, y))  # TF: floor(x / y), not NumPy's fmod-exact floor


floordiv_p = _binary("floordiv", _floordiv_impl, None, allowed=_REAL)


def _floormod_impl(x, y):
    if x.dtype.kind in "iu":
        _int_division_check(y, "FloorMod")
    with np.errstate(all="ignore"):
        return np.mod(x, y)


floormod_p = _binary(
    "floormod", _floormod_impl,
    lambda g, out, x, y: (unbroadcast(g, x),
                          unbroadcast(multiply(g, negative(floordiv(x, y))), y)),
    allowed=_REAL)


def _truncatediv_impl(x, y):
    if x.dtype.kind in "iu":
        _int_division_check(y, "TruncateDiv")
        q = np.floor_divide(x, y)
        # floor -> toward zero: add one where the signs differ and the division is inexact
        return q + ((np.mod(x, y) != 0) & ((x < 0) != (y < 0))).astype(q.dtype)
    with np.errstate(all="ignore"):
        return np.trunc(np.divide(x, y))


truncatediv_p = _binary("truncatediv", _truncatediv_impl, None, allowed=_REAL)


def _truncatemod_impl(x, y):
    if x.dtype.kind in "iu":
        _int_division_check(y, "TruncateMod")
    with np.errstate(all="ignore"):
        return np.fmod(x, y)


truncatemod_p = _binary("truncatemod", _truncatemod_impl, None, allowed=_REAL)


def _pow_impl(x, y):
    if x.dtype.kind == "i" and np.any(y < 0):
        raise InvalidArgumentError(None, None, "Integers to negative integer powers are not "
                                   "allowed [Op:Pow]. Cast the base to a float dtype first.")
    token = quiet_on()
    try:
        return np.power(x, y)
    finally:
        quiet_off(token)


def _pow_grad(g, out, x, y):
    gx = multiply(g, _conj(multiply(y, pow(x, subtract(y, 1)))))
    # d/dy x^y = x^y log(x), taken as 0 where x <= 0 (real) or x == 0 (complex), as TF
    if x.dtype.is_complex:
        safe = cast(not_equal(x, 0), x.dtype)
        log_x = multiply(log(add(x, subtract(1, safe))), safe)
    else:
        positive = cast(greater(x, 0), x.dtype)
        log_x = multiply(log(maximum(x, _tiny(x.dtype))), positive)
    gy = multiply(g, _conj(multiply(out, log_x)))
    return unbroadcast(gx, x), unbroadcast(gy, y)


def _tiny(dtype) -> float:
    return float(np.finfo(dtype._numpy).tiny) if dtype._numpy.kind == "f" else 1e-38


pow_p = _binary("pow", _pow_impl, _pow_grad)

negative_p = _unary("negative", np.negative, lambda g, out, x: (negative(g),), allowed=_NUMERIC)


def _real_dtype_rule(x: Spec) -> Spec:
    """complex64 -> float32, complex128 -> float64; real dtypes stay."""
    return Spec(x.shape, x.dtype.real_dtype)


def _abs_grad(g, out, x):
    if x.dtype.is_complex:
        zero = zeros_like(g)
        return (divide_no_nan(multiply(complex(g, zero), x), complex(out, zero)),)
    return (multiply(g, sign(x)),)


abs_p = _unary("abs", np.abs, _abs_grad, allowed=_NUMERIC, shape_rule=_real_dtype_rule)

sign_p = _unary("sign", np.sign, lambda g, out, x: (zeros_like(x),), allowed=_NUMERIC)

square_p = _unary(
    "square", np.square, lambda g, out, x: (multiply(g, _conj(multiply(x, 2))),),
    allowed=_NUMERIC)

reciprocal_p = _unary(
    "reciprocal", _quiet(np.reciprocal),
    lambda g, out, x: (multiply(g, negative(_conj(square(out)))),))

def _squared_difference_impl(x, y):
    d = x - y
    return d * np.conj(d) if d.dtype.kind == "c" else d * d


def _squared_difference_grad(g, out, x, y):
    gx = multiply(g, _conj(multiply(subtract(x, y), 2)))
    return unbroadcast(gx, x), unbroadcast(negative(gx), y)


squared_difference_p = _binary("squared_difference", _squared_difference_impl,
                               _squared_difference_grad)


_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _scalar_divide_no_nan(x, y):
    """x / y (0 where y == 0) of two float32/float64 scalars in Python floats: the same
    correctly rounded quotient as NumPy's, for a fraction of the cost (metric results)."""
    divisor = float(y)
    if divisor == 0.0:
        return np.zeros((), x.dtype)
    quotient = float(x) / divisor
    # (`abs` here is this module's op: compare both signs by hand)
    if x.dtype is _FLOAT32 and (_FLOAT32_MAX < quotient < _pymath.inf or
                                -_pymath.inf < quotient < -_FLOAT32_MAX):
        with np.errstate(over="ignore"):  # rounds to +-inf in float32, silently as TF
            return np.array(quotient, x.dtype)
    return np.array(quotient, x.dtype)


def _divide_no_nan_impl(x, y):
    if x.ndim == 0 and y.ndim == 0 and x.dtype == y.dtype and (
            x.dtype is _FLOAT32 or x.dtype is _FLOAT64):
        return _scalar_divide_no_nan(x, y)
    with np.errstate(all="ignore"):
        return np.where(y == 0, np.zeros((), x.dtype), np.divide(x, y)).astype(x.dtype,
                                                                                copy=False)


divide_no_nan_p = _binary(
    "divide_no_nan", _divide_no_nan_impl,
    lambda g, out, x, y: (unbroadcast(divide_no_nan(g, _conj(y)), x),
                          unbroadcast(multiply(g, _conj(divide_no_nan(
                              divide_no_nan(negative(x), y), y))), y)),
    allowed=_FLOAT)


def _multiply_no_nan_impl(x, y):
    with np.errstate(all="ignore"):
        return np.where(y == 0, np.zeros((), x.dtype), np.multiply(x, y)).astype(x.dtype,
                                                                                 copy=False)


multiply_no_nan_p = _binary(
    "multiply_no_nan", _multiply_no_nan_impl,
    lambda g, out, x, y: (unbroadcast(multiply_no_nan(g, _conj(y)), x),
                          unbroadcast(multiply_no_nan(_conj(x), g), y)),
    allowed=_FLOAT)


def _extremum_grad(select):
    """maximum/minimum: the gradient goes to the selected input; ties go to x, as TF."""
    def grad(g, out, x, y):
        mask = cast(select(x, y), g.dtype)
        gx = multiply(g, mask)
        return unbroadcast(gx, x), unbroadcast(subtract(g, gx), y)
    return grad


maximum_p = _binary("maximum", np.maximum, _extremum_grad(lambda x, y: greater_equal(x, y)),
                    allowed=_REAL, commutative=True)
minimum_p = _binary("minimum", np.minimum, _extremum_grad(lambda x, y: less_equal(x, y)),
                    allowed=_REAL, commutative=True)


# --- exponentials, logarithms, powers -------------------------------------------------------
sqrt_p = _unary("sqrt", _quiet(np.sqrt),
                lambda g, out, x: (multiply(realdiv(g, _conj(out)), 0.5),))

rsqrt_p = _unary(
    "rsqrt", _quiet(lambda x: np.reciprocal(np.sqrt(x))),
    lambda g, out, x: (multiply(g, _conj(multiply(multiply(out, square(out)), -0.5))),))

exp_p = _unary("exp", _quiet(np.exp), lambda g, out, x: (multiply(g, _conj(out)),))

expm1_p = _unary("expm1", _quiet(np.expm1),
                 lambda g, out, x: (multiply(g, _conj(add(out, 1))),))

log_p = _unary("log", _quiet(np.log), lambda g, out, x: (realdiv(g, _conj(x)),))

log1p_p = _unary("log1p", _quiet(np.log1p),
                 lambda g, out, x: (realdiv(g, _conj(add(x, 1))),))


def _sigmoid_impl(x):
    if x.dtype.kind == "c":
        with np.errstate(all="ignore"):
            return np.reciprocal(1 + np.exp(-x))
    # 1 / (1 + exp(-x)) in one buffer: accurate in both tails (exp(-x) -> inf gives 0).
    out = np.negative(x, out=np.empty(np.shape(x), x.dtype))
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1
    result = np.reciprocal(out, out=out)
    return result if isinstance(x, np.ndarray) else result[()]


sigmoid_p = _unary(
    "sigmoid", _sigmoid_impl,
    lambda g, out, x: (multiply(g, _conj(multiply(out, subtract(1, out)))),))


def _softplus_impl(x):
    with np.errstate(over="ignore"):
        return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)


softplus_p = _unary("softplus", _softplus_impl,
                    lambda g, out, x: (multiply(g, sigmoid(x)),), allowed=_REAL_FLOAT)


# --- trigonometric and hyperbolic -------------------------------------------------------------
sin_p = _unary("sin", np.sin, lambda g, out, x: (multiply(g, _conj(cos(x))),))
cos_p = _unary("cos", np.cos, lambda g, out, x: (negative(multiply(g, _conj(sin(x)))),))
tan_p = _unary("tan", _quiet(np.tan),
               lambda g, out, x: (multiply(g, _conj(add(square(out), 1))),))  # sec^2
tanh_p = _unary("tanh", np.tanh,
                lambda g, out, x: (multiply(g, _conj(subtract(1, square(out)))),))
sinh_p = _unary("sinh", _quiet(np.sinh), lambda g, out, x: (multiply(g, _conj(cosh(x))),))
cosh_p = _unary("cosh", _quiet(np.cosh), lambda g, out, x: (multiply(g, _conj(sinh(x))),))
asin_p = _unary("asin", _quiet(np.arcsin),
                lambda g, out, x: (realdiv(g, _conj(sqrt(subtract(1, square(x))))),))
acos_p = _unary("acos", _quiet(np.arccos),
                lambda g, out, x: (negative(realdiv(g, _conj(sqrt(subtract(1, square(x)))))),))
atan_p = _unary("atan", np.arctan, lambda g, out, x: (realdiv(g, _conj(add(square(x), 1))),))
asinh_p = _unary("asinh", np.arcsinh, lambda g, out, x: (realdiv(g, _conj(cosh(out))),))
acosh_p = _unary("acosh", _quiet(np.arccosh),
                 lambda g, out, x: (realdiv(g, _conj(sinh(out))),))
atanh_p = _unary("atanh", _quiet(np.arctanh),
                 lambda g, out, x: (realdiv(g, _conj(subtract(1, square(x)))),))


def _atan2_grad(g, out, y, x):
    scale = realdiv(g, add(square(x), square(y)))
    return unbroadcast(multiply(scale, x), y), unbroadcast(negative(multiply(scale, y)), x)


atan2_p = _binary("atan2", _quiet(np.arctan2), _atan2_grad, allowed=_REAL_FLOAT)


# --- rounding and classification (not differentiable) ---------------------------------------------
floor_p = _unary("floor", np.floor, allowed=_REAL_FLOAT)
ceil_p = _unary("ceil", np.ceil, allowed=_REAL_FLOAT)
round_p = _unary("round", np.round, allowed=_REAL)  # half to even, as TF
rint_p = _unary("rint", np.rint, allowed=_REAL_FLOAT)
nextafter_p = _binary("nextafter", np.nextafter, allowed=[np.float32, np.float64])
is_nan_p = _unary("is_nan", np.isnan, allowed=_REAL_FLOAT, shape_rule=to_bool_rule)
is_inf_p = _unary("is_inf", np.isinf, allowed=_REAL_FLOAT, shape_rule=to_bool_rule)
is_finite_p = _unary("is_finite", np.isfinite, allowed=_REAL_FLOAT, shape_rule=to_bool_rule)


# --- complex numbers ------------------------------------------------------------------------------
conj_p = _unary("conj", np.conj, lambda g, out, x: (conj(g),), allowed=_COMPLEX)


real_p = _unary("real", np.real, lambda g, out, x: (complex(g, zeros_like(g)),),
                allowed=_COMPLEX, shape_rule=_real_dtype_rule)
imag_p = _unary("imag", np.imag, lambda g, out, x: (complex(zeros_like(g), g),),
                allowed=_COMPLEX, shape_rule=_real_dtype_rule)


def _angle_grad(g, out, x):
    # d angle / d(re, im) = (-im, re) / |x|^2, packed as a complex gradient like TF's
    zero = zeros_like(g)
    return (negative(multiply(complex(g, zero), reciprocal(complex(imag(x), real(x))))),)


angle_p = _unary("angle", lambda x: np.arctan2(x.imag, x.real), _angle_grad, allowed=_COMPLEX,
                 shape_rule=_real_dtype_rule)


def _complex_impl(x, y):
    out = np.empty(np.broadcast_shapes(np.shape(x), np.shape(y)),
                   np.complex64 if x.dtype == np.float32 else np.complex128)
    out.real = x
    out.imag = y
    return out


def _complex_rule(x: Spec, y: Spec) -> Spec:
    kind = dtypes.complex64 if x.dtype == dtypes.float32 else dtypes.complex128
    return Spec(broadcast_shapes(x.shape, y.shape, "Complex"), kind)


complex_p = _binary(
    "complex", _complex_impl,
    lambda g, out, x, y: (unbroadcast(real(g), x), unbroadcast(imag(g), y)),
    allowed=[np.float32, np.float64], shape_rule=_complex_rule)


# --- comparisons and logic (not differentiable) ---------------------------------------------------
def _compare(name, ufunc, allowed=_REAL, commutative=False):
    return _binary(name, ufunc, None, allowed=allowed, shape_rule=compare_rule,
                   commutative=commutative)


equal_p = _compare("equal", np.equal, allowed=None, commutative=True)
not_equal_p = _compare("not_equal", np.not_equal, allowed=None, commutative=True)
less_p = _compare("less", np.less)
less_equal_p = _compare("less_equal", np.less_equal)
greater_p = _compare("greater", np.greater)
greater_equal_p = _compare("greater_equal", np.greater_equal)
logical_and_p = _compare("logical_and", np.logical_and, allowed=_BOOL, commutative=True)
logical_or_p = _compare("logical_or", np.logical_or, allowed=_BOOL, commutative=True)
logical_xor_p = _compare("logical_xor", np.logical_xor, allowed=_BOOL, commutative=True)
logical_not_p = _unary("logical_not", np.logical_not, allowed=_BOOL)

# --- bitwise (integers) ---------------------------------------------------------------------------
bitwise_and_p = _binary("bitwise_and", np.bitwise_and, allowed=_INT, commutative=True)
bitwise_or_p = _binary("bitwise_or", np.bitwise_or, allowed=_INT, commutative=True)
bitwise_xor_p = _binary("bitwise_xor", np.bitwise_xor, allowed=_INT, commutative=True)
invert_p = _unary("invert", np.invert, allowed=_INT)
left_shift_p = _binary("left_shift", np.left_shift, allowed=_INT)
right_shift_p = _binary("right_shift", np.right_shift, allowed=_INT)


# --- public functions -----------------------------------------------------------------------------
def add(x, y, name=None) -> Tensor:
    """x + y elementwise, with NumPy broadcasting (strings concatenate)."""
    return add_p.bind(x, y)


def subtract(x, y, name=None) -> Tensor:
    return subtract_p.bind(x, y)


def multiply(x, y, name=None) -> Tensor:
    return multiply_p.bind(x, y)


def scalar_mul(scalar, x, name=None) -> Tensor:
    """`scalar * x` for a scalar (Python number or rank-0 tensor)."""
    if isinstance(scalar, Tensor) and scalar.shape.rank not in (None, 0):
        raise ValueError(f"Only scalar multiply works, got shape {scalar.shape}")
    return multiply_p.bind(scalar, x)


def realdiv(x, y, name=None) -> Tensor:
    """x / y for floating and complex dtypes."""
    return realdiv_p.bind(x, y)


def _dtype_of(x):
    """The dtype of a tensor or variable; None for other values."""
    return x.dtype if isinstance(x, Tensor) or hasattr(x, "_variable_read") else None


# Integer dtypes that `/` casts to float, as TF's truediv table.
_TRUEDIV = {dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32,
            dtypes.int16: dtypes.float32, dtypes.uint16: dtypes.float32,
            dtypes.int32: dtypes.float64, dtypes.uint32: dtypes.float64,
            dtypes.int64: dtypes.float64, dtypes.uint64: dtypes.float64}


def truediv(x, y, name=None) -> Tensor:
    """x / y; integers are cast to float first (int8/16 -> float32, int32/64 -> float64),
    so `tf.constant([1, 2]) / tf.constant([2, 4])` is float64 [0.5, 0.5]. The dtypes of x
    and y must match (TypeError otherwise, as TF)."""
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x, dtype_hint=_dtype_of(y))
    if not isinstance(y, Tensor):
        y = convert_to_tensor(y, dtype_hint=x.dtype)
    kind = x.dtype
    if kind is not y.dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {kind!r} != {y.dtype!r}. "
                        "Cast one of them with tf.cast.")
    if kind.is_integer:
        target = _TRUEDIV[kind]
        x, y = cast(x, target), cast(y, target)
    elif kind.is_bool or kind is dtypes.string:
        raise TypeError(f"Invalid dtype {kind!r} in __truediv__")
    return realdiv_p.bind(x, y)


divide = truediv


def floordiv(x, y, name=None) -> Tensor:
    """Floor division: rounds toward -inf (`x // y`); integer division by zero raises."""
    return floordiv_p.bind(x, y)


def floormod(x, y, name=None) -> Tensor:
    """Remainder of floor division (`x % y`): the result has the sign of `y`."""
    return floormod_p.bind(x, y)


mod = floormod


def truncatediv(x, y, name=None) -> Tensor:
    """Division rounding toward zero (C semantics)."""
    return truncatediv_p.bind(x, y)


def truncatemod(x, y, name=None) -> Tensor:
    """Remainder of truncated division: the result has the sign of `x`."""
    return truncatemod_p.bind(x, y)


def pow(x, y, name=None) -> Tensor:  # noqa: A001 - TF's public name
    """x ** y elementwise; integers to negative powers raise InvalidArgumentError."""
    return pow_p.bind(x, y)


def negative(x, name=None) -> Tensor:
    return negative_p.bind(x)


def abs(x, name=None) -> Tensor:  # noqa: A001 - TF's public name
    """|x|; for complex x the (real) magnitude."""
    return abs_p.bind(x)


def sign(x, name=None) -> Tensor:
    """-1, 0 or 1 by the sign of x (x / |x| for complex); the gradient is zero."""
    return sign_p.bind(x)


def square(x, name=None) -> Tensor:
    return square_p.bind(x)


def sqrt(x, name=None) -> Tensor:
    return sqrt_p.bind(x)


def rsqrt(x, name=None) -> Tensor:
    """1 / sqrt(x)."""
    return rsqrt_p.bind(x)


def reciprocal(x, name=None) -> Tensor:
    return reciprocal_p.bind(x)


def reciprocal_no_nan(x, name=None) -> Tensor:
    """1 / x, with 0 where x is 0."""
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return divide_no_nan_p.bind(np.ones((), x.dtype._numpy), x)


def squared_difference(x, y, name=None) -> Tensor:
    """(x - y) * conj(x - y)."""
    return squared_difference_p.bind(x, y)


def divide_no_nan(x, y, name=None) -> Tensor:
    """x / y, with 0 where y is 0 (even when x is 0, inf or nan)."""
    return divide_no_nan_p.bind(x, y)


div_no_nan = divide_no_nan


def multiply_no_nan(x, y, name=None) -> Tensor:
    """x * y, with 0 where y is 0 (even when x is inf or nan)."""
    return multiply_no_nan_p.bind(x, y)


def maximum(x, y, name=None) -> Tensor:
    """Elementwise max; the gradient goes to x where x >= y, else to y."""
    return maximum_p.bind(x, y)


def minimum(x, y, name=None) -> Tensor:
    """Elementwise min; the gradient goes to x where x <= y, else to y."""
    return minimum_p.bind(x, y)


def exp(x, name=None) -> Tensor:
    return exp_p.bind(x)


def expm1(x, name=None) -> Tensor:
    """exp(x) - 1, accurate for small x."""
    return expm1_p.bind(x)


def log(x, name=None) -> Tensor:
    """Natural logarithm; log(0) = -inf and log(-1) = nan, as TF."""
    return log_p.bind(x)


def log1p(x, name=None) -> Tensor:
    """log(1 + x), accurate for small x."""
    return log1p_p.bind(x)


def sigmoid(x, name=None) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow."""
    return sigmoid_p.bind(x)


def log_sigmoid(x, name=None) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return negative(softplus(negative(x)))


def softplus(features, name=None) -> Tensor:
    """log(exp(x) + 1), computed without overflow."""
    return softplus_p.bind(features)


def sin(x, name=None) -> Tensor:
    return sin_p.bind(x)


def cos(x, name=None) -> Tensor:
    return cos_p.bind(x)


def tan(x, name=None) -> Tensor:
    return tan_p.bind(x)


def tanh(x, name=None) -> Tensor:
    return tanh_p.bind(x)


def sinh(x, name=None) -> Tensor:
    return sinh_p.bind(x)


def cosh(x, name=None) -> Tensor:
    return cosh_p.bind(x)


def asin(x, name=None) -> Tensor:
    return asin_p.bind(x)


def acos(x, name=None) -> Tensor:
    return acos_p.bind(x)


def atan(x, name=None) -> Tensor:
    return atan_p.bind(x)


def asinh(x, name=None) -> Tensor:
    return asinh_p.bind(x)


def acosh(x, name=None) -> Tensor:
    return acosh_p.bind(x)


def atanh(x, name=None) -> Tensor:
    return atanh_p.bind(x)


def atan2(y, x, name=None) -> Tensor:
    """The angle of the point (x, y), in [-pi, pi]. Note the argument order (y, x)."""
    return atan2_p.bind(y, x)


def angle(input, name=None) -> Tensor:
    """The argument of a complex number; for real input 0 (x >= 0) or pi (x < 0)."""
    input = input if isinstance(input, Tensor) else convert_to_tensor(input)
    if input.dtype.is_complex:
        return angle_p.bind(input)
    return multiply(cast(less(input, 0), input.dtype), _pymath.pi)


def nextafter(x1, x2, name=None) -> Tensor:
    """The next representable value after x1 in the direction of x2."""
    return nextafter_p.bind(x1, x2)


def floor(x, name=None) -> Tensor:
    return floor_p.bind(x)


def ceil(x, name=None) -> Tensor:
    return ceil_p.bind(x)


def round(x, name=None) -> Tensor:  # noqa: A001 - TF's public name
    """Round to the nearest integer, halves to even (banker's rounding), as TF."""
    return round_p.bind(x)


def rint(x, name=None) -> Tensor:
    """Round to the nearest integer, halves to even."""
    return rint_p.bind(x)


def is_nan(x, name=None) -> Tensor:
    return is_nan_p.bind(x)


def is_inf(x, name=None) -> Tensor:
    return is_inf_p.bind(x)


def is_finite(x, name=None) -> Tensor:
    return is_finite_p.bind(x)


def xlogy(x, y, name=None) -> Tensor:
    """x * log(y), with 0 where x is 0."""
    x = x if isinstance(x, Tensor) else convert_to_tensor(x, dtype_hint=_dtype_of(y))
    return multiply_no_nan(log(y), x)


def xlog1py(x, y, name=None) -> Tensor:
    """x * log1p(y), with 0 where x is 0."""
    x = x if isinstance(x, Tensor) else convert_to_tensor(x, dtype_hint=_dtype_of(y))
    return multiply_no_nan(log1p(y), x)


def xdivy(x, y, name=None) -> Tensor:
    """x / y, with 0 where x is 0."""
    x = x if isinstance(x, Tensor) else convert_to_tensor(x, dtype_hint=_dtype_of(y))
    return multiply_no_nan(reciprocal(y), x)


def polyval(coeffs, x, name=None) -> Tensor:
    """coeffs[0] * x**(n-1) + ... + coeffs[n-1], by Horner's rule."""
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"coeffs must be a list of tensors, got {coeffs!r}")
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if not coeffs:
        return zeros_like(x)
    total = coeffs[0] if isinstance(coeffs[0], Tensor) else convert_to_tensor(
        coeffs[0], dtype_hint=x.dtype)
    for c in coeffs[1:]:
        total = add(c, multiply(total, x))
    return total


def conj(x, name=None) -> Tensor:
    """The complex conjugate; real tensors are returned unchanged."""
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return conj_p.bind(x) if x.dtype.is_complex else x


def real(input, name=None) -> Tensor:
    """The real part; real tensors are returned unchanged."""
    input = input if isinstance(input, Tensor) else convert_to_tensor(input)
    return real_p.bind(input) if input.dtype.is_complex else input


def imag(input, name=None) -> Tensor:
    """The imaginary part; zeros for real tensors."""
    input = input if isinstance(input, Tensor) else convert_to_tensor(input)
    return imag_p.bind(input) if input.dtype.is_complex else zeros_like(input)


def complex(real, imag, name=None) -> Tensor:  # noqa: A001 - TF's public name
    """real + imag * 1j: float32 parts give complex64, float64 parts complex128."""
    return complex_p.bind(real, imag)


def equal(x, y, name=None) -> Tensor:
    return equal_p.bind(x, y)


def not_equal(x, y, name=None) -> Tensor:
    return not_equal_p.bind(x, y)


def less(x, y, name=None) -> Tensor:
    return less_p.bind(x, y)


def less_equal(x, y, name=None) -> Tensor:
    return less_equal_p.bind(x, y)


def greater(x, y, name=None) -> Tensor:
    return greater_p.bind(x, y)


def greater_equal(x, y, name=None) -> Tensor:
    return greater_equal_p.bind(x, y)


def logical_and(x, y, name=None) -> Tensor:
    return logical_and_p.bind(x, y)


def logical_or(x, y, name=None) -> Tensor:
    return logical_or_p.bind(x, y)


def logical_xor(x, y, name="LogicalXor") -> Tensor:
    return logical_xor_p.bind(x, y)


def logical_not(x, name=None) -> Tensor:
    return logical_not_p.bind(x)


def bitwise_and(x, y, name=None) -> Tensor:
    return bitwise_and_p.bind(x, y)


def bitwise_or(x, y, name=None) -> Tensor:
    return bitwise_or_p.bind(x, y)


def bitwise_xor(x, y, name=None) -> Tensor:
    return bitwise_xor_p.bind(x, y)


def invert(x, name=None) -> Tensor:
    """Bitwise not (~x) of an integer tensor."""
    return invert_p.bind(x)


def left_shift(x, y, name=None) -> Tensor:
    return left_shift_p.bind(x, y)


def right_shift(x, y, name=None) -> Tensor:
    """Shift right; arithmetic (sign-filling) for signed integers."""
    return right_shift_p.bind(x, y)


# --- the functions behind Python operators (see core/tensor.py OPERATORS) ------------------------
def _logic_or_bits(logical, bitwise, symbol: str):
    def operator(x, y):
        kind = _dtype_of(x) or _dtype_of(y)
        if kind is dtypes.bool:
            return logical(x, y)
        if kind is not None and kind.is_integer:
            return bitwise(x, y)
        raise TypeError(f"unsupported operand dtype for {symbol}: {getattr(kind, 'name', kind)}"
                        "; it is defined on bool (logical) and integer (bitwise) tensors")
    operator.__name__ = f"{logical.__name__}_or_bitwise"
    return operator


logical_and_or_bitwise = _logic_or_bits(logical_and, bitwise_and, "&")
logical_or_or_bitwise = _logic_or_bits(logical_or, bitwise_or, "|")
logical_xor_or_bitwise = _logic_or_bits(logical_xor, bitwise_xor, "^")


def logical_not_or_bitwise(x):
    """`~x`: logical not of a bool tensor, bitwise invert of an integer tensor."""
    kind = x.dtype
    if kind is dtypes.bool:
        return logical_not_p.bind(x)
    if kind.is_integer:
        return invert_p.bind(x)
    raise TypeError(f"unsupported operand dtype for ~: {kind.name}; it is defined on bool "
                    "(logical) and integer (bitwise) tensors")


def _static_shape(v) -> tuple | None:
    if isinstance(v, Tensor):
        return v._shape_tuple()
    if hasattr(v, "_variable_read"):
        return tuple(v.shape.as_list())
    return np.shape(v)


def _shapes_broadcast(x, y) -> bool:
    try:
        broadcast_shapes(_static_shape(x), _static_shape(y))
    except InvalidArgumentError:
        return False
    return True


def tensor_equals(x, y):
    """`x == y` on tensors: elementwise, or a scalar False when the shapes cannot broadcast.

    Other errors (dtypes that differ, values that do not convert) raise, as in TF.
    """
    if y is None:
        return False
    try:
        return equal_p.bind(x, y)
    except InvalidArgumentError:
        if _shapes_broadcast(x, y):
            raise
        return make_constant(np.False_)


def tensor_not_equals(x, y):
    """`x != y` on tensors: elementwise, or a scalar True when the shapes cannot broadcast."""
    if y is None:
        return True
    try:
        return not_equal_p.bind(x, y)
    except InvalidArgumentError:
        if _shapes_broadcast(x, y):
            raise
        return make_constant(np.True_)
