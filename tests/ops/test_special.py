"""Special functions: accuracy of erf, erfc, erfinv, ndtri and the gamma family against
Python's math module and closed forms. Their harness cases are in test_math.py's table."""

import math

import numpy as np

import eagerflow as tf


def test_erf_family_is_accurate_in_float64():
    x = np.concatenate([np.linspace(-7, 7, 2001), [0.0, 1e-8, 8.5, 20.0]])
    got = tf.math.erf(tf.constant(x)).numpy()
    want = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-300)
    xc = np.linspace(-3, 26, 2001)
    got = tf.math.erfc(tf.constant(xc)).numpy()
    np.testing.assert_allclose(got, [math.erfc(v) for v in xc], rtol=1e-11)
    edges = tf.math.erf(tf.constant([np.inf, -np.inf, np.nan])).numpy()
    np.testing.assert_array_equal(edges[:2], [1.0, -1.0])
    assert np.isnan(edges[2])


def test_erf_float32_is_within_a_few_ulps():
    x = np.concatenate([np.linspace(-6, 6, 20001), np.logspace(-30, 0, 200)]).astype(np.float32)
    got = tf.math.erf(tf.constant(x)).numpy()
    want = np.array([math.erf(v) for v in x.astype(np.float64)]).astype(np.float32)
    assert np.max(np.abs(got - want) / np.spacing(np.abs(want))) <= 4
    edges = tf.math.erf(tf.constant([np.inf, -np.inf, np.nan, -0.0, 0.5], tf.float32)).numpy()
    np.testing.assert_array_equal(edges[:2], [1.0, -1.0])
    assert np.isnan(edges[2]) and edges[3] == 0 and np.signbit(edges[3])
    # a nan must not send the other elements down the small-argument path
    np.testing.assert_allclose(edges[4], math.erf(0.5), rtol=1e-6)
    assert tf.math.erf(tf.constant([3.0, np.nan], tf.float32)).numpy()[0] == np.float32(
        math.erf(3.0))


def test_erfinv_and_ndtri_invert_erf_and_the_normal_cdf():
    y = np.concatenate([np.linspace(-0.999, 0.999, 501), [1 - 1e-12, -(1 - 1e-15)]])
    x = tf.math.erfinv(tf.constant(y)).numpy()
    np.testing.assert_allclose([math.erf(v) for v in x], y, rtol=1e-14, atol=1e-15)
    edges = tf.math.erfinv(tf.constant([1.0, -1.0, 1.5])).numpy()
    assert edges[0] == np.inf and edges[1] == -np.inf and np.isnan(edges[2])
    p = np.array([1e-300, 1e-20, 0.025, 0.5, 0.975, 1 - 1e-12])
    z = tf.math.ndtri(tf.constant(p)).numpy()
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
    np.testing.assert_allclose(cdf, p, rtol=1e-10)
    assert tf.math.ndtri(tf.constant(0.0)).numpy() == -np.inf


def test_gamma_family_edges():
    lg = tf.math.lgamma(tf.constant([0.0, -1.0, 1.0, 2.0, np.inf, 0.5])).numpy()
    np.testing.assert_array_equal(lg[:5], [np.inf, np.inf, 0.0, 0.0, np.inf])
    np.testing.assert_allclose(lg[5], math.log(math.sqrt(math.pi)), rtol=1e-6)
    d = tf.math.digamma(tf.constant([1.0, 0.0, -2.0, -0.5], tf.float64)).numpy()
    np.testing.assert_allclose(d[0], -0.5772156649015329, rtol=1e-14)
    assert np.isnan(d[1]) and np.isnan(d[2])
    np.testing.assert_allclose(d[3], 0.03648997397857652, rtol=1e-12)
    pg = tf.math.polygamma(tf.constant([1.0, 3.0, 1.5, -1.0], tf.float64),
                           tf.constant([1.0, 0.5, 1.0, 1.0], tf.float64)).numpy()
    np.testing.assert_allclose(pg[:2], [math.pi ** 2 / 6, math.pi ** 4], rtol=1e-13)
    assert np.isnan(pg[2]) and np.isnan(pg[3])  # the order must be a non-negative integer
