"""tf.map_fn, tf.scan, tf.foldl, tf.foldr: values vs NumPy, eager == compiled (also with an
unknown length), nested structures, gradients through the traced loop, errors."""

import numpy as np
import pytest

import eagerflow as tf

X = np.arange(6.0).reshape(3, 2)


def _both(fn, *args):
    """fn(*args) eagerly and inside tf.function with an unknown first dimension."""
    eager = fn(*args)
    specs = [tf.TensorSpec([None, *np.shape(a)[1:]], tf.float64) for a in args]
    compiled = tf.function(fn, input_signature=specs)(*args)
    return eager, compiled


def _assert_same(eager, compiled, expected):
    for e, c, want in zip(tf.nest.flatten(eager), tf.nest.flatten(compiled),
                          tf.nest.flatten(expected)):
        np.testing.assert_allclose(e.numpy(), want)
        np.testing.assert_allclose(c.numpy(), want)


def test_map_fn_values_structures_and_signature():
    eager, compiled = _both(lambda x: tf.map_fn(lambda r: r * 2.0, x), X)
    _assert_same(eager, compiled, X * 2)
    eager, compiled = _both(
        lambda x: tf.map_fn(lambda r: tf.reduce_sum(r), x, fn_output_signature=tf.float64), X)
    _assert_same(eager, compiled, X.sum(axis=1))
    eager, compiled = _both(
        lambda x: tf.map_fn(lambda pair: (pair[0] + pair[1], pair[0] * pair[1]), (x, x)), X)
    _assert_same(eager, compiled, (2 * X, X * X))


def test_scan_forward_reverse_and_with_initializer():
    v = X[:, 0]
    eager, compiled = _both(lambda x: tf.scan(lambda a, e: a + e, x), v)
    _assert_same(eager, compiled, np.cumsum(v))
    eager, compiled = _both(lambda x: tf.scan(lambda a, e: a + e, x, reverse=True), v)
    _assert_same(eager, compiled, np.cumsum(v[::-1])[::-1])
    eager, compiled = _both(
        lambda x: tf.scan(lambda a, e: a * 2.0 + e, x, initializer=tf.constant(1.0, tf.float64)),
        v)
    expected, acc = [], 1.0
    for e in v:
        acc = acc * 2 + e
        expected.append(acc)
    _assert_same(eager, compiled, np.array(expected))


def test_folds():
    v = np.array([1.0, 2.0, 3.0, 4.0])
    eager, compiled = _both(lambda x: tf.foldl(lambda a, e: a * e, x), v)
    _assert_same(eager, compiled, 24.0)
    eager, compiled = _both(
        lambda x: tf.foldr(lambda a, e: a - e, x, initializer=tf.constant(0.0, tf.float64)), v)
    _assert_same(eager, compiled, -10.0)


def test_gradient_through_the_traced_loop_matches_finite_differences():
    x = tf.constant(X)

    def loss(value):
        return tf.reduce_sum(tf.map_fn(lambda r: tf.sin(r) * r, value))

    compiled = tf.function(loss)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = compiled(x)
    np.testing.assert_allclose(tape.gradient(total, x).numpy(), np.cos(X) * X + np.sin(X),
                               rtol=1e-10)


def test_scalars_are_refused():
    with pytest.raises(ValueError, match="1\\+ dimensional"):
        tf.map_fn(lambda r: r, tf.constant(1.0))


def test_vectorized_map_equals_map_fn():
    eager, compiled = _both(lambda x: tf.vectorized_map(lambda r: tf.reduce_sum(x * r, 1), x), X)
    _assert_same(eager, compiled, X @ X.T)
