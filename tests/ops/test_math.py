"""Elementwise math ops: harness cases (values, shape rules, gradients), TF's dtype rules,
errors, edge cases, operators, and broadcasting properties."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import eagerflow as tf
from eagerflow.ops import namespace
from tests.harness import OpCase, check_case

rng = np.random.RandomState(0)


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def away_from_zero(*shape, low=0.3, high=2.0):
    """Values with |x| in [low, high] and random signs (no kink of abs/sign nearby)."""
    return (f32(*shape, low=low, high=high) * rng.choice([-1, 1], shape)).astype(np.float32)


def i32(*values):
    return np.array(values, np.int32)


def vectorized(fn):
    """A float32-in, float32-out NumPy reference from a scalar Python function."""
    return lambda x: np.vectorize(fn)(x.astype(np.float64)).astype(x.dtype)


def sigmoid_ref(x):
    return (1 / (1 + np.exp(-x.astype(np.float64)))).astype(x.dtype)


def softplus_ref(x):
    return np.log1p(np.exp(x.astype(np.float64))).astype(x.dtype)


def ndtri_ref(p):
    # Bisection on the normal CDF, vectorized: independent of the implementation under test.
    lo, hi = np.full(p.shape, -10.0), np.full(p.shape, 10.0)
    cdf = np.vectorize(lambda z: 0.5 * math.erfc(-z / math.sqrt(2)))
    for _ in range(80):
        mid = (lo + hi) / 2
        below = cdf(mid) < p
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return ((lo + hi) / 2).astype(p.dtype)


def erfinv_ref(x):
    return (ndtri_ref((x.astype(np.float64) + 1) / 2) / math.sqrt(2)).astype(x.dtype)


def digamma_ref(x, terms=1000):
    """psi(x) = -sum_{k<K} 1/(x+k) + psi(x+K), the last by its asymptotic series."""
    x = x.astype(np.float64)
    big = x + terms
    head = np.sum(1.0 / (x[..., None] + np.arange(terms)), axis=-1)
    return (np.log(big) - 0.5 / big - 1 / (12 * big ** 2) - head).astype(np.float32)


def polygamma_ref(n, x, terms=1000):
    """(-1)^(n+1) n! sum_k 1/(x+k)^(n+1), the tail by Euler-Maclaurin."""
    n, x = n.astype(np.float64), x.astype(np.float64)
    head = np.sum(1.0 / (x[..., None] + np.arange(terms)) ** (n[..., None] + 1), axis=-1)
    big = x + terms
    tail = 1 / (n * big ** n) + 1 / (2 * big ** (n + 1)) + (n + 1) / (12 * big ** (n + 2))
    fact = np.array([math.factorial(int(k)) for k in n])
    return ((-1) ** (n + 1) * fact * (head + tail)).astype(np.float32)


def cplx(a, b):
    return tf.complex(a, b)


CASES = [
    # arithmetic
    OpCase("add", tf.add, (f32(2, 3), f32(2, 3)), np.add, order=2),
    OpCase("add_broadcast", tf.add, (f32(3, 1), f32(4)), np.add),
    OpCase("add_int", tf.add, (i32(1, 2, 3), i32(4, 5, 6)), np.add),
    OpCase("add_python_scalar", lambda x: tf.add(x, 2), (f32(3),), lambda x: x + np.float32(2)),
    OpCase("subtract_broadcast", tf.subtract, (f32(2, 3, 4), f32(3, 1)), np.subtract, order=2),
    OpCase("multiply", tf.multiply, (f32(3, 4), f32(1, 4)), np.multiply, order=2),
    OpCase("scalar_mul", lambda x: tf.scalar_mul(3.0, x), (f32(2, 2),), lambda x: x * 3),
    OpCase("divide", tf.divide, (f32(3, 4), f32(4, low=0.5, high=2)), np.divide, order=2),
    OpCase("realdiv", tf.realdiv, (f32(2, 3), f32(2, 1, low=0.5, high=2)), np.divide, order=2),
    OpCase("truediv", tf.truediv, (f32(3), f32(3, low=0.5, high=2)), np.divide),
    OpCase("divide_int", tf.divide, (np.arange(6, dtype=np.int32), np.full(6, 4, np.int32)),
           lambda x, y: x / y),
    OpCase("divide_int16", tf.divide, (np.arange(4, dtype=np.int16), np.full(4, 3, np.int16)),
           lambda x, y: (x / y).astype(np.float32)),
    OpCase("floordiv_int", tf.math.floordiv, (i32(7, -7, 7, -7), i32(2, 2, -2, -2)),
           np.floor_divide),
    OpCase("floordiv_float", tf.math.floordiv, (f32(2, 3, low=-5, high=5),
                                                away_from_zero(3, low=0.5)),
           lambda x, y: np.floor(x / y), grad=()),
    OpCase("floormod_int", tf.math.floormod, (i32(7, -7, 7, -7), i32(3, 3, -3, -3)), np.mod),
    OpCase("floormod_float", tf.math.floormod, (np.array([5.3, -5.3, 2.2], np.float32),
                                                np.array([2.0, 2.0, -1.5], np.float32)),
           np.mod),
    OpCase("truncatediv", tf.truncatediv, (i32(7, -7, 7, -7, 6), i32(2, 2, -2, -2, 3)),
           lambda x, y: np.trunc(x / y).astype(np.int32)),
    OpCase("truncatemod", tf.truncatemod, (i32(7, -7, 7, -7), i32(3, 3, -3, -3)), np.fmod),
    OpCase("pow", tf.pow, (f32(2, 3, low=0.5, high=2), f32(2, 3)), np.power, order=2),
    OpCase("pow_broadcast_scalar", lambda x: tf.pow(x, 3.0), (f32(4),), lambda x: x ** 3,
           order=2),
    OpCase("pow_int", tf.pow, (i32(2, 3, -2), i32(3, 0, 3)), np.power),
    OpCase("negative", tf.negative, (f32(5),), np.negative, order=2),
    OpCase("abs", tf.abs, (away_from_zero(2, 3),), np.abs, order=2),
    OpCase("abs_int", tf.abs, (i32(-3, 0, 4),), np.abs),
    OpCase("sign", tf.sign, (np.array([-2.5, 0.0, 3.0], np.float32),), np.sign, grad=()),
    OpCase("sign_gradient", tf.sign, (away_from_zero(4),), np.sign, order=2),
    OpCase("sign_int", tf.sign, (i32(-4, 0, 9),), np.sign),
    OpCase("square", tf.square, (f32(2, 3),), np.square, order=2),
    OpCase("squared_difference", tf.math.squared_difference, (f32(2, 3), f32(3)),
           lambda x, y: (x - y) ** 2, order=2),
    OpCase("reciprocal", tf.math.reciprocal, (away_from_zero(4, low=0.5),), np.reciprocal,
           order=2),
    OpCase("maximum", tf.maximum, (f32(2, 3), f32(3)), np.maximum, order=2),
    OpCase("minimum", tf.minimum, (f32(2, 3), f32(2, 1)), np.minimum, order=2),
    OpCase("maximum_int", tf.maximum, (i32(1, 5, -2), i32(3, 2, -2)), np.maximum),
    OpCase("divide_no_nan_values", tf.math.divide_no_nan,
           (np.array([1.0, 2.0, 0.0], np.float32), np.array([0.0, 4.0, 0.0], np.float32)),
           lambda x, y: np.array([0.0, 0.5, 0.0], np.float32), grad=()),
    OpCase("divide_no_nan", tf.math.divide_no_nan, (f32(2, 3), away_from_zero(3, low=0.5)),
           np.divide, order=2),
    OpCase("multiply_no_nan", tf.math.multiply_no_nan, (f32(2, 3), f32(3)), np.multiply,
           order=2),
    OpCase("reciprocal_no_nan", tf.math.reciprocal_no_nan,
           (np.array([2.0, 0.0, -4.0], np.float32),),
           lambda x: np.array([0.5, 0.0, -0.25], np.float32), grad=()),
    # exponentials and logarithms
    OpCase("sqrt", tf.sqrt, (f32(2, 3, low=0.5, high=3),), np.sqrt, order=2),
    OpCase("rsqrt", tf.math.rsqrt, (f32(4, low=0.5, high=3),), lambda x: 1 / np.sqrt(x),
           order=2),
    OpCase("exp", tf.exp, (f32(2, 3),), np.exp, order=2),
    OpCase("expm1", tf.math.expm1, (f32(4),), np.expm1, order=2),
    OpCase("log", tf.math.log, (f32(4, low=0.5, high=3),), np.log, order=2),
    OpCase("log1p", tf.math.log1p, (f32(4, low=-0.5, high=3),), np.log1p, order=2),
    OpCase("sigmoid", tf.sigmoid, (f32(2, 3, low=-6, high=6),), sigmoid_ref, order=2),
    OpCase("log_sigmoid", tf.math.log_sigmoid, (f32(5, low=-6, high=6),),
           lambda x: np.log(sigmoid_ref(x)), order=2),
    OpCase("softplus", tf.math.softplus, (f32(2, 3, low=-6, high=6),), softplus_ref, order=2),
    OpCase("xlogy", tf.math.xlogy, (f32(3), f32(3, low=0.5, high=2)),
           lambda x, y: x * np.log(y), order=2),
    OpCase("xlog1py", tf.math.xlog1py, (f32(3), f32(3, low=0.5, high=2)),
           lambda x, y: x * np.log1p(y)),
    OpCase("xdivy", tf.math.xdivy, (f32(3), f32(3, low=0.5, high=2)), np.divide, order=2),
    OpCase("polyval", lambda x: tf.math.polyval([2.0, -1.0, 0.5], x), (f32(4),),
           lambda x: 2 * x * x - x + np.float32(0.5), order=2),
    # trigonometric and hyperbolic
    OpCase("sin", tf.sin, (f32(2, 3),), np.sin, order=2),
    OpCase("cos", tf.cos, (f32(2, 3),), np.cos, order=2),
    OpCase("tan", tf.tan, (f32(4, low=-1, high=1),), np.tan, order=2),
    OpCase("tanh", tf.tanh, (f32(2, 3),), np.tanh, order=2),
    OpCase("sinh", tf.sinh, (f32(4),), np.sinh, order=2),
    OpCase("cosh", tf.cosh, (f32(4),), np.cosh, order=2),
    OpCase("asin", tf.asin, (f32(4, low=-0.8, high=0.8),), np.arcsin, order=2),
    OpCase("acos", tf.acos, (f32(4, low=-0.8, high=0.8),), np.arccos, order=2),
    OpCase("atan", tf.atan, (f32(4),), np.arctan, order=2),
    OpCase("asinh", tf.asinh, (f32(4),), np.arcsinh, order=2),
    OpCase("acosh", tf.acosh, (f32(4, low=1.2, high=3),), np.arccosh, order=2),
    OpCase("atanh", tf.atanh, (f32(4, low=-0.8, high=0.8),), np.arctanh, order=2),
    OpCase("atan2", tf.atan2, (away_from_zero(2, 3), away_from_zero(3)), np.arctan2, order=2),
    # special functions
    OpCase("erf", tf.math.erf, (f32(2, 4, low=-3, high=3),), vectorized(math.erf), order=2),
    OpCase("erfc", tf.math.erfc, (f32(2, 4, low=-3, high=5),), vectorized(math.erfc),
           order=2),
    OpCase("erfinv", tf.math.erfinv, (f32(5, low=-0.9, high=0.9),), erfinv_ref, order=2,
           rtol=1e-4),
    OpCase("ndtri", tf.math.ndtri, (f32(5, low=0.05, high=0.95),), ndtri_ref, order=2,
           rtol=1e-4),
    OpCase("lgamma", tf.math.lgamma, (np.array([0.3, 1.5, 4.0, 12.5, -0.5, -2.5], np.float32),),
           vectorized(math.lgamma), order=2),
    OpCase("digamma", tf.math.digamma, (f32(5, low=0.3, high=8),), digamma_ref, order=2,
           rtol=1e-5),
    OpCase("polygamma", tf.math.polygamma,
           (np.array([1.0, 2.0, 3.0, 1.0], np.float32), f32(4, low=0.5, high=6)),
           polygamma_ref, grad=(1,), order=2, rtol=1e-5),
    OpCase("polygamma_zero_is_digamma", tf.math.polygamma,
           (np.zeros(3, np.float32), f32(3, low=0.5, high=6)),
           lambda n, x: digamma_ref(x), grad=(1,)),
    # rounding and classification
    OpCase("floor", tf.floor, (f32(6, low=-3, high=3),), np.floor, grad=()),
    OpCase("ceil", tf.math.ceil, (f32(6, low=-3, high=3),), np.ceil, grad=()),
    OpCase("round", tf.round, (np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4], np.float32),),
           lambda x: np.array([0.0, 2.0, 2.0, -0.0, -2.0, 2.0], np.float32), grad=()),
    OpCase("round_int", tf.round, (i32(1, -2),), lambda x: x),
    OpCase("rint", tf.math.rint, (np.array([0.5, 1.5, -2.5], np.float32),), np.rint, grad=()),
    OpCase("nextafter", tf.math.nextafter, (np.array([1.0, 1.0, -0.0], np.float32),
                                             np.array([2.0, 0.0, 1.0], np.float32)),
           np.nextafter, grad=()),
    OpCase("is_nan", tf.math.is_nan, (np.array([np.nan, 1.0, np.inf], np.float32),),
           np.isnan, grad=()),
    OpCase("is_inf", tf.math.is_inf, (np.array([np.nan, 1.0, -np.inf], np.float32),),
           np.isinf, grad=()),
    OpCase("is_finite", tf.math.is_finite, (np.array([np.nan, 1.0, np.inf], np.float32),),
           np.isfinite, grad=()),
    # complex numbers (gradients through real-valued compositions)
    OpCase("complex", tf.complex, (f32(3), f32(3)), lambda a, b: (a + 1j * b).astype(
        np.complex64), grad=()),
    OpCase("complex_real_imag", lambda a, b: tf.math.real(cplx(a, b)) * tf.math.imag(cplx(a, b)),
           (f32(3), f32(3)), lambda a, b: a * b, order=2),
    OpCase("complex_multiply", lambda a, b: tf.math.real(cplx(a, b) * cplx(b, a)),
           (f32(3), f32(3)), lambda a, b: np.zeros(3, np.float32), atol=1e-6, order=2),
    OpCase("complex_exp_imag", lambda a, b: tf.math.imag(tf.exp(cplx(a, b))), (f32(3), f32(3)),
           lambda a, b: np.imag(np.exp(a + 1j * b)).astype(np.float32), order=2),
    OpCase("complex_abs", lambda a, b: tf.abs(cplx(a, b)),
           (away_from_zero(3), away_from_zero(3)), lambda a, b: np.hypot(a, b), order=2),
    OpCase("complex_divide_conj", lambda a, b: tf.math.real(
        tf.math.conj(cplx(a, b)) / cplx(b, a)), (away_from_zero(3), away_from_zero(3)),
           lambda a, b: np.real((a - 1j * b) / (b + 1j * a)).astype(np.float32), order=2),
    OpCase("complex_angle", lambda a, b: tf.math.angle(cplx(a, b)),
           (away_from_zero(4), away_from_zero(4)), lambda a, b: np.arctan2(b, a), order=2),
    OpCase("complex_sin_sqrt", lambda a, b: tf.math.real(tf.sin(tf.sqrt(cplx(a, b)))),
           (f32(3, low=0.5, high=2), f32(3)),
           lambda a, b: np.real(np.sin(np.sqrt(a + 1j * b))).astype(np.float32)),
    # comparisons and logic
    OpCase("equal", tf.equal, (i32(1, 2, 3), i32(1, 0, 3)), np.equal),
    OpCase("not_equal", tf.not_equal, (f32(2, 3), f32(3)), np.not_equal, grad=()),
    OpCase("less", tf.less, (f32(2, 3), f32(3)), np.less, grad=()),
    OpCase("less_equal", tf.less_equal, (i32(1, 2, 3), i32(2, 2, 2)), np.less_equal),
    OpCase("greater", tf.greater, (f32(2, 3), f32(2, 1)), np.greater, grad=()),
    OpCase("greater_equal", tf.greater_equal, (i32(1, 2, 3), i32(2, 2, 2)), np.greater_equal),
    OpCase("logical_and", tf.logical_and, (np.array([True, True, False]), np.array([True])),
           np.logical_and),
    OpCase("logical_or", tf.logical_or, (np.array([True, False, False]),
                                         np.array([False, False, True])), np.logical_or),
    OpCase("logical_xor", tf.math.logical_xor, (np.array([True, False]), np.array([True, True])),
           np.logical_xor),
    OpCase("logical_not", tf.logical_not, (np.array([True, False]),), np.logical_not),
    # bitwise
    OpCase("bitwise_and", namespace("bitwise")["bitwise_and"], (i32(12, -1), i32(10, 7)),
           np.bitwise_and),
    OpCase("bitwise_or", namespace("bitwise")["bitwise_or"], (i32(12, -8), i32(10, 1)),
           np.bitwise_or),
    OpCase("bitwise_xor", namespace("bitwise")["bitwise_xor"],
           (np.array([12, 255], np.uint8), np.array([10, 1], np.uint8)), np.bitwise_xor),
    OpCase("invert", namespace("bitwise")["invert"], (np.array([0, 5, 255], np.uint8),),
           np.invert),
    OpCase("left_shift", namespace("bitwise")["left_shift"], (i32(1, 3, -1), i32(2, 4, 1)),
           np.left_shift),
    OpCase("right_shift", namespace("bitwise")["right_shift"], (i32(16, -16, 7), i32(2, 2, 1)),
           np.right_shift),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


# --- dtype rules ------------------------------------------------------------------------------
def test_python_scalars_take_the_tensor_dtype():
    assert (tf.constant([1, 2]) + 1).dtype == tf.int32
    assert (tf.constant([1.0]) * 2).dtype == tf.float32
    assert (2 * tf.constant([1.0], tf.float64)).dtype == tf.float64
    assert (tf.constant([1], tf.int64) ** 2).dtype == tf.int64
    assert tf.add(1, 2).dtype == tf.int32
    assert tf.add(1.0, 2.0).dtype == tf.float32


def test_int_tensor_plus_fractional_python_float_raises_type_error():
    with pytest.raises(TypeError, match="1.5"):
        tf.constant([1, 2]) + 1.5


def test_no_implicit_promotion_between_tensors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32.*float32"):
        tf.add(tf.constant([1]), tf.constant([1.0]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.multiply(tf.constant([1.0]), tf.constant([1.0], tf.float64))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant([1.0]) < tf.constant([1])  # noqa: B015


@pytest.mark.parametrize("dtype, expected", [
    (tf.int8, tf.float32), (tf.uint8, tf.float32), (tf.int16, tf.float32),
    (tf.uint16, tf.float32), (tf.int32, tf.float64), (tf.int64, tf.float64),
    (tf.float16, tf.float16), (tf.float32, tf.float32), (tf.float64, tf.float64)])
def test_truediv_result_dtype(dtype, expected):
    x = tf.constant([3, 4], dtype)
    out = x / tf.constant([2, 8], dtype)
    assert out.dtype == expected
    np.testing.assert_allclose(out.numpy(), [1.5, 0.5])


def test_truediv_rejects_mixed_dtypes_and_bool():
    with pytest.raises(TypeError, match="same dtype"):
        tf.truediv(tf.constant([1]), tf.constant([1.0]))
    with pytest.raises(TypeError, match="bool"):
        tf.constant([True]) / tf.constant([True])


def test_truediv_python_values_follow_the_tensor():
    assert (1 / tf.constant([2])).dtype == tf.float64
    np.testing.assert_allclose((1 / tf.constant([2.0])).numpy(), [0.5])
    v = tf.Variable([2.0, 4.0])
    np.testing.assert_allclose((2 / v).numpy(), [1.0, 0.5])
    np.testing.assert_allclose((v / 2).numpy(), [1.0, 2.0])


@pytest.mark.parametrize("fn", [tf.sqrt, tf.exp, tf.math.log, tf.sin, tf.tanh, tf.sigmoid,
                                tf.math.erf, tf.floor, tf.math.is_nan, tf.math.rsqrt])
def test_float_only_functions_reject_integers(fn):
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32"):
        fn(tf.constant([1, 2]))


def test_logic_ops_require_bool():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.logical_and(tf.constant([1]), tf.constant([1]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        namespace("bitwise")["bitwise_and"](tf.constant([1.0]), tf.constant([1.0]))


@pytest.mark.parametrize("dtype", [tf.float16, tf.float64, tf.bfloat16])
def test_unary_functions_keep_the_float_dtype(dtype):
    x = tf.constant([0.25, 0.5], dtype)
    for fn in (tf.sqrt, tf.exp, tf.sigmoid, tf.math.erf, tf.math.softplus, tf.tanh,
               tf.math.erfinv):
        assert fn(x).dtype == dtype, fn


def test_comparisons_return_bool():
    for fn in (tf.equal, tf.not_equal, tf.less, tf.less_equal, tf.greater, tf.greater_equal):
        assert fn(tf.constant([1.0]), 1.0).dtype == tf.bool


# --- errors ---------------------------------------------------------------------------------
def test_incompatible_shapes_raise_invalid_argument_naming_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Incompatible shapes: \[2\] vs. \[3\] \[Op:add\]"):
        tf.add(tf.zeros([2]), tf.zeros([3]))


def test_integer_pow_with_negative_exponent_raises():
    with pytest.raises(tf.errors.InvalidArgumentError, match="negative integer powers"):
        tf.pow(tf.constant([2, 3]), tf.constant([1, -1]))
    np.testing.assert_allclose(tf.pow(tf.constant([2.0]), -1.0).numpy(), [0.5])


@pytest.mark.parametrize("fn", [tf.math.floordiv, tf.math.floormod, tf.truncatediv,
                                tf.truncatemod])
def test_integer_division_by_zero_raises(fn):
    with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
        fn(tf.constant([4, 5]), tf.constant([2, 0]))


def test_realdiv_rejects_integers():
    with pytest.raises(tf.errors.InvalidArgumentError, match="realdiv"):
        tf.realdiv(tf.constant([4]), tf.constant([2]))


def test_bitwise_operators_reject_floats():
    x = tf.constant([1.0])
    with pytest.raises(TypeError, match="&"):
        x & x
    with pytest.raises(TypeError, match="~"):
        ~x  # noqa: B018


# --- edge cases and TF semantics -----------------------------------------------------------------
def test_float_inf_nan_are_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isneginf(tf.math.log(tf.constant(0.0)).numpy())
        assert np.isnan(tf.math.log(tf.constant(-1.0)).numpy())
        assert np.isnan(tf.sqrt(tf.constant(-1.0)).numpy())
        assert np.isinf((tf.constant(1.0) / 0.0).numpy())
        assert np.isnan((tf.constant(0.0) / 0.0).numpy())
        assert np.isinf(tf.exp(tf.constant(1000.0)).numpy())
        assert np.isinf(tf.pow(tf.constant(0.0), -1.0).numpy())
        assert np.isinf(tf.math.reciprocal(tf.constant(0.0)).numpy())
        assert np.isnan(tf.math.floormod(tf.constant(1.0), 0.0).numpy())
        assert np.isinf(tf.math.floordiv(tf.constant(1.0), 0.0).numpy())


def test_floor_division_and_modulo_follow_python_signs():
    x, y = tf.constant([7, -7, 7, -7]), tf.constant([2, 2, -2, -2])
    np.testing.assert_array_equal((x // y).numpy(), [3, -4, -4, 3])
    np.testing.assert_array_equal((x % tf.constant([3, 3, -3, -3])).numpy(), [1, 2, -2, -1])
    np.testing.assert_allclose((tf.constant([-7.5]) % 2.0).numpy(), [0.5])
    np.testing.assert_allclose((tf.constant([-7.5]) // 2.0).numpy(), [-4.0])
    assert tf.math.mod is tf.math.floormod


def test_float_floordiv_is_floor_of_the_quotient():
    # TF computes floor(x / y); NumPy's floor_divide would give 9 here
    assert tf.math.floordiv(tf.constant(1.0), tf.constant(0.1)).numpy() == 10.0


def test_truncated_division_rounds_toward_zero():
    np.testing.assert_array_equal(tf.truncatediv(tf.constant([-7, 7]), 2).numpy(), [-3, 3])
    np.testing.assert_array_equal(tf.truncatemod(tf.constant([-7, 7]), 2).numpy(), [-1, 1])
    np.testing.assert_allclose(tf.truncatediv(tf.constant([-7.5, 7.5]), 2.0).numpy(),
                               [-3.0, 3.0])


def test_round_is_bankers_rounding():
    out = tf.round(tf.constant([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5])).numpy()
    np.testing.assert_array_equal(out, [-2, -2, 0, 0, 2, 2, 4])


def test_maximum_minimum_gradient_ties_go_to_x():
    x, y = tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 1.0, 5.0])
    for fn, gx_expected in ((tf.maximum, [1, 1, 0]), (tf.minimum, [1, 0, 1])):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([x, y])
            out = fn(x, y)
        gx, gy = tape.gradient(out, [x, y])
        np.testing.assert_array_equal(gx.numpy(), gx_expected)
        np.testing.assert_array_equal(gy.numpy(), 1 - np.array(gx_expected))


def test_gradients_of_piecewise_constant_ops():
    x = tf.constant([0.3, -1.7])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        s, f, r = tf.sign(x), tf.floor(x), tf.round(x)
    np.testing.assert_array_equal(tape.gradient(s, x).numpy(), [0.0, 0.0])
    assert tape.gradient(f, x) is None
    assert tape.gradient(r, x) is None
    assert tape.gradient(tf.equal(x, x), x) is None


def test_abs_gradient_is_sign_and_zero_at_zero():
    x = tf.constant([-2.0, 0.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.abs(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [-1, 0, 1])


def test_pow_gradient_wrt_exponent_is_zero_for_nonpositive_base():
    x, y = tf.constant([0.0, 2.0]), tf.constant([2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(y)
        out = tf.pow(x, y)
    np.testing.assert_allclose(tape.gradient(out, y).numpy(), [0.0, 8 * math.log(2)])


def test_divide_no_nan_gradient_is_zero_where_divisor_is_zero():
    x, y = tf.constant([1.0, 2.0]), tf.constant([0.0, 4.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        out = tf.math.divide_no_nan(x, y)
    np.testing.assert_allclose(tape.gradient(out, x).numpy(), [0.0, 0.25])
    np.testing.assert_allclose(tape.gradient(out, y).numpy(), [0.0, -2 / 16])


def test_xlogy_xdivy_are_zero_where_x_is_zero():
    zero, y = tf.constant([0.0]), tf.constant([0.0])
    assert tf.math.xlogy(zero, y).numpy()[0] == 0.0
    assert tf.math.xdivy(zero, y).numpy()[0] == 0.0
    assert tf.math.multiply_no_nan(tf.constant([np.inf]), y).numpy()[0] == 0.0


def test_sigmoid_softplus_are_stable_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tf.constant([-1000.0, 0.0, 1000.0])
        np.testing.assert_array_equal(tf.sigmoid(x).numpy(), [0.0, 0.5, 1.0])
        np.testing.assert_allclose(tf.math.softplus(x).numpy(), [0.0, math.log(2), 1000.0])
        np.testing.assert_allclose(tf.math.log_sigmoid(x).numpy(), [-1000.0, -math.log(2), 0.0])


def test_angle_of_real_input():
    np.testing.assert_allclose(tf.math.angle(tf.constant([-2.0, 0.0, 3.0])).numpy(),
                               [math.pi, 0.0, 0.0])


def test_complex_helpers():
    z = tf.constant([3 + 4j, -1j], tf.complex64)
    assert tf.abs(z).dtype == tf.float32
    np.testing.assert_allclose(tf.abs(z).numpy(), [5.0, 1.0])
    np.testing.assert_allclose(tf.math.conj(z).numpy(), [3 - 4j, 1j])
    assert tf.math.real(z).dtype == tf.float32
    np.testing.assert_allclose(tf.math.imag(z).numpy(), [4.0, -1.0])
    x = tf.constant([1.0, 2.0])
    assert tf.math.real(x) is x and tf.math.conj(x) is x
    np.testing.assert_array_equal(tf.math.imag(x).numpy(), [0.0, 0.0])
    assert tf.complex(tf.constant(1.0, tf.float64), 2.0).dtype == tf.complex128
    np.testing.assert_allclose(tf.sign(z).numpy(), [0.6 + 0.8j, -1j], rtol=1e-6)


def test_strings_concatenate_and_compare():
    a, b = tf.constant(["ab", "c"]), tf.constant(["x", "y"])
    assert list(tf.add(a, b).numpy()) == [b"abx", b"cy"]
    np.testing.assert_array_equal(tf.equal(a, tf.constant(["ab", "d"])).numpy(), [True, False])


def test_right_shift_is_arithmetic_for_signed_integers():
    shift = namespace("bitwise")["right_shift"]
    np.testing.assert_array_equal(shift(tf.constant([-16]), 2).numpy(), [-4])
    np.testing.assert_array_equal(shift(tf.constant([240], tf.uint8),
                                        tf.constant([4], tf.uint8)).numpy(), [15])


_UNARY_FLOAT = ["abs", "acos", "asin", "asinh", "atan", "atanh", "ceil", "cos", "cosh", "erf",
                "erfc", "erfinv", "exp", "expm1", "floor", "is_finite", "is_inf", "is_nan",
                "log", "log1p", "log_sigmoid", "ndtri", "negative", "reciprocal",
                "reciprocal_no_nan", "rint", "round", "rsqrt", "sigmoid", "sign", "sin", "sinh",
                "softplus", "sqrt", "square", "tan", "tanh"]
_BINARY_FLOAT = ["add", "atan2", "divide", "divide_no_nan", "equal", "floordiv", "floormod",
                 "greater", "maximum", "minimum", "multiply", "multiply_no_nan", "pow",
                 "realdiv", "squared_difference", "subtract", "truediv", "truncatediv",
                 "truncatemod", "xdivy", "xlogy", "xlog1py"]


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_rank0_results_match_rank1(dtype):
    # Ops on rank-0 tensors hold NumPy scalars, not 0-d arrays: every kernel must take both.
    scalar = tf.constant(0.25, dtype) + tf.constant(0.45, dtype)
    vector = tf.constant([0.7], dtype)
    for name in _UNARY_FLOAT:
        fn = getattr(tf.math, name)
        out = fn(scalar)
        assert out.shape == () and out.dtype == fn(vector).dtype, name
        np.testing.assert_allclose(out.numpy(), fn(vector).numpy()[0], rtol=1e-6, err_msg=name)
    for name in _BINARY_FLOAT:
        fn = getattr(tf.math, name)
        out = fn(scalar, scalar)
        np.testing.assert_allclose(out.numpy(), fn(vector, vector).numpy()[0], rtol=1e-6,
                                   err_msg=name)
        assert out.shape == (), name


# --- Python operators ---------------------------------------------------------------------------
def test_arithmetic_operators():
    x = tf.constant([4.0, -3.0])
    np.testing.assert_allclose((x + 1).numpy(), [5, -2])
    np.testing.assert_allclose((1 - x).numpy(), [-3, 4])
    np.testing.assert_allclose((x * x).numpy(), [16, 9])
    np.testing.assert_allclose((x / 2).numpy(), [2, -1.5])
    np.testing.assert_allclose((12 / x).numpy(), [3, -4])
    np.testing.assert_allclose((x // 3).numpy(), [1, -1])
    np.testing.assert_allclose((x % 3).numpy(), [1, 0])
    np.testing.assert_allclose((x ** 2).numpy(), [16, 9])
    np.testing.assert_allclose((2 ** x).numpy(), [16, 0.125])
    np.testing.assert_allclose((-x).numpy(), [-4, 3])
    np.testing.assert_allclose(abs(x).numpy(), [4, 3])


def test_comparison_operators():
    x = tf.constant([1, 2, 3])
    np.testing.assert_array_equal((x < 2).numpy(), [True, False, False])
    np.testing.assert_array_equal((x <= 2).numpy(), [True, True, False])
    np.testing.assert_array_equal((x > 2).numpy(), [False, False, True])
    np.testing.assert_array_equal((x >= 2).numpy(), [False, True, True])
    np.testing.assert_array_equal((x == 2).numpy(), [False, True, False])
    np.testing.assert_array_equal((x != 2).numpy(), [True, False, True])
    np.testing.assert_array_equal((2 > x).numpy(), [True, False, False])


def test_equality_operator_edge_cases():
    x = tf.constant([1, 2])
    assert (x == None) is False  # noqa: E711 - TF's special case
    assert (x != None) is True  # noqa: E711
    mismatch = x == tf.constant([1, 2, 3])
    assert isinstance(mismatch, tf.Tensor) and mismatch.shape == () and not bool(mismatch)
    assert bool(x != tf.constant([1, 2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        x == tf.constant([1.0, 2.0])  # noqa: B015 - dtypes differ: TF raises


def test_logical_and_bitwise_operators():
    t, f = tf.constant([True, True]), tf.constant([True, False])
    np.testing.assert_array_equal((t & f).numpy(), [True, False])
    np.testing.assert_array_equal((t | f).numpy(), [True, True])
    np.testing.assert_array_equal((t ^ f).numpy(), [False, True])
    np.testing.assert_array_equal((~f).numpy(), [False, True])
    np.testing.assert_array_equal((False | f).numpy(), [True, False])
    i = tf.constant([12, 5])
    np.testing.assert_array_equal((i & 10).numpy(), [8, 0])
    np.testing.assert_array_equal((i | 3).numpy(), [15, 7])
    np.testing.assert_array_equal((3 ^ i).numpy(), [15, 6])
    np.testing.assert_array_equal((~i).numpy(), [-13, -6])


def test_operators_on_variables():
    v = tf.Variable([1.0, 2.0])
    np.testing.assert_allclose((v * 2 + 1).numpy(), [3, 5])
    np.testing.assert_array_equal((v > 1.5).numpy(), [False, True])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v ** 2 / 2)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [1, 2])


# --- namespaces ---------------------------------------------------------------------------------
def test_namespaces():
    assert tf.add is tf.math.add and tf.math.divide is tf.divide
    for name in ("log", "floordiv", "floormod", "logical_xor", "erf", "ceil", "rsqrt", "lgamma",
                 "digamma", "angle"):
        assert not hasattr(tf, name), name  # tf.math only in TF 2
        assert hasattr(tf.math, name), name
    for name in ("realdiv", "truncatediv", "truncatemod", "erfinv", "ndtri", "atan2",
                 "sigmoid", "round", "floor", "complex", "scalar_mul"):
        assert hasattr(tf, name), name
    assert set(namespace("bitwise")) == {"bitwise_and", "bitwise_or", "bitwise_xor", "invert",
                                         "left_shift", "right_shift"}


# --- broadcasting properties --------------------------------------------------------------------
_elements = st.floats(-100, 100, width=32, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4,
                                                                 max_side=4))
def test_broadcasting_matches_numpy(data, shapes):
    a = data.draw(hnp.arrays(np.float32, shapes.input_shapes[0], elements=_elements))
    b = data.draw(hnp.arrays(np.float32, shapes.input_shapes[1], elements=_elements))
    for fn, ref in ((tf.add, np.add), (tf.multiply, np.multiply), (tf.maximum, np.maximum)):
        out = fn(tf.constant(a), tf.constant(b)).numpy()
        assert out.shape == shapes.result_shape
        np.testing.assert_array_equal(out, ref(a, b))


@settings(max_examples=25, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
def test_broadcast_gradients_sum_back_to_input_shapes(shapes):
    a = tf.constant(np.ones(shapes.input_shapes[0], np.float32))
    b = tf.constant(np.ones(shapes.input_shapes[1], np.float32))
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        out = tf.reduce_sum(tf.add(a, b))
    ga, gb = tape.gradient(out, [a, b])
    total = int(np.prod(shapes.result_shape))
    assert ga.shape == a.shape and gb.shape == b.shape
    np.testing.assert_allclose(ga.numpy(), total / max(a.numpy().size, 1))
    np.testing.assert_allclose(gb.numpy(), total / max(b.numpy().size, 1))


@st.composite
def incompatible_shapes(draw):
    shape = draw(st.lists(st.integers(2, 4), min_size=1, max_size=4))
    axis = draw(st.integers(0, len(shape) - 1))
    other = list(shape)
    other[axis] = draw(st.integers(2, 5).filter(lambda d: d != shape[axis]))
    lead = draw(st.integers(0, len(other) - 1))
    return tuple(shape), tuple(other[lead:]) if axis >= lead else tuple(other)


@settings(max_examples=30, deadline=None)
@given(shapes=incompatible_shapes())
def test_incompatible_shapes_raise(shapes):
    a = tf.zeros(shapes[0])
    b = tf.zeros(shapes[1])
    for fn in (tf.add, tf.multiply, tf.maximum, tf.less):
        with pytest.raises(tf.errors.InvalidArgumentError):
            fn(a, b)


# --- divide_no_nan of two scalars: the Python-float fast path equals NumPy's float division ---
_SCALARS = [0.0, -0.0, 1.0, -3.0, 0.1, 1 / 3, 7e-39, 1e-45, 3e38, -3e38, 1e-30, math.inf,
            -math.inf, math.nan, 12345.678]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_divide_no_nan_of_scalars_equals_numpy_division_silently(dtype):
    for a in _SCALARS:
        for b in _SCALARS:
            x, y = np.array(a, dtype), np.array(b, dtype)
            with np.errstate(all="ignore"):
                expected = np.zeros((), dtype) if b == 0 else np.divide(x, y)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # TF gives inf/nan without warnings
                got = tf.math.divide_no_nan(x, y)
            assert got.dtype == tf.as_dtype(dtype) and got.shape == ()
            np.testing.assert_array_equal(got.numpy(), expected, err_msg=f"{a} / {b}")


def test_divide_no_nan_of_random_float32_scalars_rounds_like_float32_division():
    rng = np.random.default_rng(13)
    exponents = rng.integers(-40, 38, (2, 2000)).astype(np.float64)
    values = (rng.standard_normal((2, 2000)) * 10.0 ** exponents).astype(np.float32)
    fn = tf.function(tf.math.divide_no_nan)
    for a, b in values.T[:500]:
        with np.errstate(all="ignore"):
            expected = np.divide(a, b)
        assert tf.math.divide_no_nan(np.array(a), np.array(b)).numpy() == expected
        assert fn(np.array(a), np.array(b)).numpy() == expected
