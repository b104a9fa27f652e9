"""Special functions (`tf.math.erf`, `erfc`, `erfinv`, `ndtri`, `lgamma`, `digamma`,
`polygamma`): vectorized NumPy kernels (no SciPy), with gradients of every order.
"""

from __future__ import annotations

import math as _pymath

import numpy as np

from eagerflow.core.tensor import Tensor
from eagerflow.ops.array import ones_like, unbroadcast
from eagerflow.ops.math import (
    _REAL_FLOAT,
    _binary,
    _unary,
    add,
    exp,
    multiply,
    negative,
    square,
)

__all__ = ["erfinv", "ndtri"]
NAMESPACES = {"math": ["erf", "erfc", "erfinv", "ndtri", "lgamma", "digamma", "polygamma"]}


# --- erf and its inverse ------------------------------------------------------------------------
# NumPy has no erf. Chebyshev interpolants are fitted once, at import, on values from
# math.erf/erfc: erf(x)/x in u = x^2 on [0, 4], erfcx(x) = exp(x^2) erfc(x) on [2, 8], and
# erfc's asymptotic series beyond 8. All are within ~1e-14 (relative) of libm in float64.
def _chebyshev_fit(fn, degree: int, lo: float, hi: float) -> np.ndarray:
    nodes = np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))
    values = np.array([fn(lo + (hi - lo) * (t + 1) / 2) for t in nodes])
    return np.polynomial.chebyshev.chebfit(nodes, values, degree)


def _erf_over_x(u):
    """erf(x) / x as a function of u = x^2 (smooth, even in x)."""
    return _pymath.erf(_pymath.sqrt(u)) / _pymath.sqrt(u) if u > 0 else 2 / _pymath.sqrt(_pymath.pi)


def _erfcx_scalar(x):
    return _pymath.erfc(x) * _pymath.exp(x * x)


_ERF_SMALL = _chebyshev_fit(_erf_over_x, 18, 0.0, 4.0)
_ERFCX_MID = _chebyshev_fit(_erfcx_scalar, 26, 2.0, 8.0)
# float32 and narrower: fewer terms (errors ~1e-8, below float32's resolution), as monomials
# in the mapped variable for Horner's rule (well conditioned at these degrees)
_ERF_SMALL_32 = np.polynomial.chebyshev.cheb2poly(
    _chebyshev_fit(_erf_over_x, 9, 0.0, 4.0)).astype(np.float32)
_ERFCX_MID_32 = np.polynomial.chebyshev.cheb2poly(
    _chebyshev_fit(_erfcx_scalar, 7, 2.0, 4.0)).astype(np.float32)


def _chebval(t, coef):
    """Clenshaw's recurrence for sum(coef[k] T_k(t)), in place (t's dtype)."""
    t2 = t + t
    b1 = np.full_like(t, coef[-1])
    b2 = np.zeros_like(t)
    tmp = np.empty_like(t)
    for c in coef[-2:0:-1]:
        np.multiply(t2, b1, out=tmp)
        tmp -= b2
        tmp += c
        b1, b2, tmp = tmp, b1, b2
    np.multiply(t, b1, out=tmp)
    tmp -= b2
    tmp += coef[0]
    return tmp


def _erfcx_large(x):
    """exp(x^2) erfc(x) for x >= 8 by its asymptotic series (converged to float64)."""
    z = 1.0 / (2.0 * x * x)
    total = term = np.ones_like(x)
    for k in range(1, 16):
        term = term * (-(2 * k - 1) * z)
        total = total + term
    return total / (x * _pymath.sqrt(_pymath.pi))


def _erf64(x):
    """erf of a float64 array, vectorized, by region of |x|."""
    ax = np.abs(x)
    out = np.sign(x)  # |x| >= 8: erf = +-1 in float64; nan stays nan
    small = ax < 2.0
    xs = x[small]
    out[small] = xs * _chebval(xs * xs / 2.0 - 1.0, _ERF_SMALL)
    mid = ~small & (ax < 8.0)
    am = ax[mid]
    out[mid] = np.copysign(1.0 - np.exp(-am * am) * _chebval((am - 5.0) / 3.0, _ERFCX_MID),
                           x[mid])
    return out


def _erfcx64(x):
    """exp(x^2) erfc(x) for x >= 0 (scaled so that it never underflows)."""
    out = np.exp(x * x) * (1.0 - _erf64(x))  # x < 2
    mid = (x >= 2.0) & (x < 8.0)
    out[mid] = _chebval((x[mid] - 5.0) / 3.0, _ERFCX_MID)
    large = x >= 8.0
    out[large] = _erfcx_large(x[large])
    return out


def _erfc64(x):
    out = 1.0 - _erf64(x)  # accurate for x < 2 (erfc(2) ~ 5e-3)
    tail = x >= 2.0
    xt = x[tail]
    out[tail] = np.exp(-xt * xt) * _erfcx64(xt)
    return out


def _horner(t, coef):
    """sum(coef[k] t^k) by Horner's rule, in place (t's dtype)."""
    out = np.full_like(t, coef[-1])
    for c in coef[-2::-1]:
        out *= t
        out += c
    return out


def _erf32(x):
    """erf of a float32 array: both interpolants on clipped arguments, then a select (no
    gather/scatter: the hot path of exact GELU). |x| >= 4 gives +-1 in float32."""
    ax = np.abs(x)
    t = np.minimum(ax, np.float32(2))
    small = x * _horner(t * t * np.float32(0.5) - np.float32(1), _ERF_SMALL_32)
    if ax.max(initial=0) < 2.0:  # false when there is a nan
        return small
    b = np.clip(ax, np.float32(2), np.float32(4))
    large = 1 - np.exp(-b * b) * _horner(b - np.float32(3), _ERFCX_MID_32)
    return np.where(ax < 2, small, np.copysign(large, x))


def _erf_kernel(x):
    with np.errstate(all="ignore"):
        if x.dtype == np.float64:
            return _erf64(np.asarray(x).reshape(-1)).reshape(np.shape(x))
        flat = np.asarray(x, np.float32).reshape(-1)
        return _erf32(flat).reshape(np.shape(x)).astype(x.dtype, copy=False)


def _in_float64(fn):
    def kernel(x):
        with np.errstate(all="ignore"):
            flat = np.asarray(x, np.float64).reshape(-1)
            return fn(flat).reshape(np.shape(x)).astype(x.dtype, copy=False)

    kernel.__name__ = fn.__name__
    return kernel


_TWO_OVER_SQRT_PI = 2.0 / _pymath.sqrt(_pymath.pi)

erf_p = _unary(
    "erf", _erf_kernel,
    lambda g, out, x: (multiply(g, multiply(exp(negative(square(x))), _TWO_OVER_SQRT_PI)),),
    allowed=_REAL_FLOAT)

erfc_p = _unary(
    "erfc", _in_float64(_erfc64),
    lambda g, out, x: (multiply(g, multiply(exp(negative(square(x))), -_TWO_OVER_SQRT_PI)),),
    allowed=_REAL_FLOAT)


def _erfinv_magnitude(ax, om):
    """erfinv(ax) for ax in [0, 1], given om = 1 - ax computed exactly by the caller.

    Winitzki's closed form, refined by Newton steps on erf (ax < 1/2) or on erfc (the
    tails, written with om), so tails keep their relative accuracy down to om ~ 1e-300.
    """
    log_om = np.log(om)
    log_term = log_om + np.log1p(ax)  # log(1 - ax^2)
    a = 0.147
    first = 2.0 / (np.pi * a) + log_term / 2.0
    y = np.sqrt(np.sqrt(first * first - log_term / a) - first)
    tail = ax >= 0.5
    for _ in range(4):
        # centre: Newton on erf(y) - ax; tails: Newton on log(erfc(y)) - log(om), which is
        # nearly linear in y there (log erfc(y) = log erfcx(y) - y^2)
        scaled = _erfcx64(np.abs(y))
        step = np.where(tail, -(np.log(scaled) - y * y - log_om) * scaled / _TWO_OVER_SQRT_PI,
                        (_erf64(y) - ax) / (_TWO_OVER_SQRT_PI * np.exp(-y * y)))
        y = y - np.where(np.isfinite(step), step, 0.0)
    return np.where(om == 0.0, np.inf, y)


def _erfinv64(x):
    """The inverse of erf: +-inf at +-1, nan outside [-1, 1]."""
    ax = np.abs(x)
    y = _erfinv_magnitude(np.minimum(ax, 1.0), np.maximum(1.0 - ax, 0.0))
    return np.copysign(np.where(ax > 1.0, np.nan, y), x)


def _ndtri64(p):
    """The inverse of the standard normal CDF: z = -sqrt(2) erfinv(1 - 2p) for p < 1/2,
    solved through the tail probability q = min(p, 1 - p) so that small q stay accurate."""
    q = np.clip(np.where(p < 0.5, p, 1.0 - p), 0.0, 0.5)
    z = -_pymath.sqrt(2.0) * _erfinv_magnitude(1.0 - 2.0 * q, 2.0 * q)
    z = np.where(p < 0.5, z, -z)
    return np.where((p < 0) | (p > 1), np.nan, z)


erfinv_p = _unary(
    "erfinv", _in_float64(_erfinv64),
    lambda g, out, x: (multiply(g, multiply(exp(square(out)), _pymath.sqrt(_pymath.pi) / 2)),),
    allowed=_REAL_FLOAT)

ndtri_p = _unary(
    "ndtri", _in_float64(_ndtri64),
    lambda g, out, x: (multiply(g, multiply(exp(multiply(square(out), 0.5)),
                                            _pymath.sqrt(2 * _pymath.pi))),),
    allowed=_REAL_FLOAT)


# --- gamma family -------------------------------------------------------------------------------
# Lanczos' approximation (g = 7, 9 terms) for lgamma, reflection below 1/2; digamma and
# polygamma by upward recurrence to x >= 10 (+ n), then their asymptotic series.
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330)  # B_2, B_4, ..., B_20


def _lgamma_right(x):
    """log|Gamma(x)| for x >= 1/2."""
    z = x - 1.0
    series = np.full_like(z, _LANCZOS[0])
    for i, c in enumerate(_LANCZOS[1:], 1):
        series += c / (z + i)
    t = z + 7.5
    return 0.5 * _pymath.log(2 * _pymath.pi) + (z + 0.5) * np.log(t) - t + np.log(series)


def _lgamma64(x):
    left = x < 0.5
    right = np.where(left, 1.0 - x, x)  # reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x)
    out = _lgamma_right(right)
    out = np.where(left, np.log(np.pi / np.abs(np.sin(np.pi * x))) - out, out)
    out = np.where((x == 1.0) | (x == 2.0), 0.0, out)  # exact zeros, as libm
    return np.where(np.isposinf(x) | ((x <= 0) & (x == np.floor(x))), np.inf, out)


def _digamma64(x):
    left = x < 0.5
    y = np.where(left, 1.0 - x, x)  # reflection: psi(1 - x) - psi(x) = pi cot(pi x)
    total = np.zeros_like(y)
    for _ in range(10):  # psi(y) = psi(y + 1) - 1 / y
        small = y < 10.0
        total -= np.where(small, 1.0 / y, 0.0)
        y = np.where(small, y + 1.0, y)
    inv2 = 1.0 / (y * y)
    series = np.zeros_like(y)
    for k in range(len(_BERNOULLI) - 1, -1, -1):
        series = series * inv2 + _BERNOULLI[k] / (2 * k + 2)
    out = total + np.log(y) - 0.5 / y - series * inv2
    out = np.where(left, out - np.pi / np.tan(np.pi * x), out)
    return np.where((x <= 0) & (x == np.floor(x)), np.nan, out)


def _polygamma64(n, x):
    """psi^(n)(x) for integer n >= 0 (n = 0: digamma); nan for other n and at the poles
    (x a non-positive integer)."""
    order, x = np.broadcast_arrays(n, x)
    valid = ((order >= 1) & (order == np.floor(order)) & ~((x <= 0) & (x == np.floor(x)))
             & (x > -_POLYGAMMA_SHIFTS + 20))
    n = np.where(valid, order, 1.0)
    y = np.where(valid, x, 1.0)
    sign = np.where(n % 2 == 1, 1.0, -1.0)  # (-1)^(n + 1)
    # psi^(n)(y) = psi^(n)(y + 1) + (-1)^(n + 1) n! / y^(n + 1), up to y >= 10 + n
    fact = np.exp(_lgamma64(n + 1.0))
    total = np.zeros_like(y)
    for _ in range(_POLYGAMMA_SHIFTS):
        small = y < 10.0 + n
        if not small.any():
            break
        total += np.where(small, fact * np.power(y, -(n + 1)), 0.0)
        y = np.where(small, y + 1.0, y)
    # asymptotic: (n-1)!/y^n + n!/(2 y^(n+1)) + sum_k B_2k (2k+n-1)!/((2k)! y^(2k+n))
    log_y = np.log(y)
    tail = np.exp(_lgamma64(n) - n * log_y) + 0.5 * fact * np.exp(-(n + 1) * log_y)
    for k, b in enumerate(_BERNOULLI, 1):
        tail += b * np.exp(_lgamma64(2 * k + n) - _lgamma64(2.0 * k + 1) - (2 * k + n) * log_y)
    out = np.where(valid, sign * (total + tail), np.nan)
    return np.where(order == 0, _digamma64(x), out)


_POLYGAMMA_SHIFTS = 1000  # x below about -980 is out of reach of the recurrence: nan


lgamma_p = _unary("lgamma", _in_float64(_lgamma64),
                  lambda g, out, x: (multiply(g, digamma(x)),), allowed=_REAL_FLOAT)
digamma_p = _unary("digamma", _in_float64(_digamma64),
                   lambda g, out, x: (multiply(g, polygamma(ones_like(x), x)),),
                   allowed=_REAL_FLOAT)


def _polygamma_impl(a, x):
    with np.errstate(all="ignore"):
        out = _polygamma64(np.asarray(a, np.float64), np.asarray(x, np.float64))
    return out.astype(x.dtype, copy=False)


polygamma_p = _binary(
    "polygamma", _polygamma_impl,
    lambda g, out, a, x: (None, unbroadcast(multiply(g, polygamma(add(a, 1), x)), x)),
    allowed=_REAL_FLOAT)

def erf(x, name=None) -> Tensor:
    """The Gauss error function."""
    return erf_p.bind(x)

def erfc(x, name=None) -> Tensor:
    """1 - erf(x), accurate where erf(x) is near 1."""
    return erfc_p.bind(x)

def erfinv(x, name=None) -> Tensor:
    """The inverse of erf on (-1, 1); +-inf at +-1 and nan outside."""
    return erfinv_p.bind(x)

def ndtri(x, name=None) -> Tensor:
    """The inverse of the standard normal CDF (the probit function)."""
    return ndtri_p.bind(x)

def lgamma(x, name=None) -> Tensor:
    """log|Gamma(x)|."""
    return lgamma_p.bind(x)

def digamma(x, name=None) -> Tensor:
    """psi(x) = d/dx lgamma(x); nan at non-positive integers."""
    return digamma_p.bind(x)

def polygamma(a, x, name=None) -> Tensor:
    """psi^(a)(x), the a-th derivative of digamma, for integer-valued a >= 0."""
    return polygamma_p.bind(a, x)
