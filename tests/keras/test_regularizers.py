"""keras.regularizers: penalties vs NumPy, eager == tf.function, gradients, configs, errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import regularizers

W = np.random.RandomState(1).randn(3, 4)


def _orthogonal_reference(w, factor, mode):
    m = w if mode == "rows" else w.T
    unit = m / np.linalg.norm(m, axis=1, keepdims=True)
    product = unit @ unit.T
    size = product.shape[0]
    off = np.abs(product * (1 - np.eye(size))).sum()
    return factor * 0.5 * off / (size * (size - 1) / 2)


CASES = [
    (regularizers.L1(0.3), lambda w: 0.3 * np.abs(w).sum()),
    (regularizers.L2(0.2), lambda w: 0.2 * (w ** 2).sum()),
    (regularizers.L1L2(l1=0.1, l2=0.05), lambda w: 0.1 * np.abs(w).sum() + 0.05 * (w ** 2).sum()),
    (regularizers.L1L2(), lambda w: 0.0),
    (regularizers.l1_l2(), lambda w: 0.01 * np.abs(w).sum() + 0.01 * (w ** 2).sum()),
    (regularizers.OrthogonalRegularizer(0.5), lambda w: _orthogonal_reference(w, 0.5, "rows")),
    (regularizers.OrthogonalRegularizer(0.5, mode="columns"),
     lambda w: _orthogonal_reference(w, 0.5, "columns")),
]


@pytest.mark.parametrize("regularizer, reference", CASES, ids=lambda c: repr(c)[:40])
def test_penalties(regularizer, reference):
    eager = regularizer(tf.constant(W)).numpy()
    np.testing.assert_allclose(eager, reference(W), rtol=1e-10, atol=1e-12)
    compiled = tf.function(regularizer)(tf.constant(W)).numpy()
    np.testing.assert_allclose(compiled, eager, rtol=1e-12)
    assert regularizer(tf.constant(W, tf.float32)).dtype == tf.float32


def test_tf_keras_golden_orthogonal():
    value = regularizers.OrthogonalRegularizer()(np.arange(12.0, dtype="float32").reshape(3, 4))
    np.testing.assert_allclose(value.numpy(), 0.009224747, rtol=1e-6)


@pytest.mark.parametrize("regularizer", [regularizers.L1(0.3), regularizers.L2(0.2),
                                         regularizers.L1L2(0.1, 0.2)])
def test_gradients(regularizer):
    w = tf.Variable(W)
    with tf.GradientTape() as tape:
        penalty = regularizer(w)
    grad = tape.gradient(penalty, w).numpy()
    expected = (getattr(regularizer, "l1", 0.0) * np.sign(W)
                + 2 * getattr(regularizer, "l2", 0.0) * W)
    np.testing.assert_allclose(grad, expected, rtol=1e-12)


@pytest.mark.parametrize("regularizer", [c[0] for c in CASES])
def test_config_round_trip(regularizer):
    config = regularizers.serialize(regularizer)
    assert config["module"] == "keras.regularizers"
    rebuilt = regularizers.deserialize(config)
    assert type(rebuilt) is type(regularizer)
    assert rebuilt.get_config() == regularizer.get_config()
    np.testing.assert_allclose(rebuilt(W).numpy(), regularizer(W).numpy())


def test_get():
    assert regularizers.get(None) is None
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert regularizers.get("l1").get_config() == {"l1": 0.01}
    assert isinstance(regularizers.get("L1L2"), regularizers.L1L2)
    assert regularizers.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5
    fn = lambda w: tf.reduce_sum(w)  # noqa: E731
    assert regularizers.get(fn) is fn
    assert regularizers.L2(l=0.4).l2 == 0.4  # Keras 2.0 argument name


def test_errors():
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="Could not interpret regularizer"):
        regularizers.get(0.1)
    with pytest.raises(ValueError, match="not a valid regularization penalty"):
        regularizers.L2("big")
    with pytest.raises(ValueError, match="not a valid regularization penalty"):
        regularizers.L1(float("nan"))
    with pytest.raises(ValueError, match="Invalid value for argument `mode`"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="must have rank 2"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2)))
