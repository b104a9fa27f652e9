"""Activation layers against their closed forms, eager vs tf.function, configs and errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import activation_layers as act
from tests.keras.layers.family_support import (
    assert_eager_matches_compiled,
    config_round_trip,
)

X = np.array([[-3.0, -1.0, -0.2, 0.0, 0.3, 1.5, 4.0, 7.0]], np.float32)


@pytest.mark.parametrize("kwargs,expected", [
    ({}, np.maximum(X, 0)),
    ({"max_value": 6.0}, np.clip(X, 0, 6)),
    ({"max_value": 2.0, "negative_slope": 0.1}, np.where(X >= 0, np.minimum(X, 2.0), 0.1 * X)),
    ({"threshold": 1.0}, np.where(X >= 1.0, X, 0.0)),
    ({"threshold": 1.0, "negative_slope": 0.5}, np.where(X >= 1.0, X, 0.5 * (X - 1.0))),
])
def test_relu(kwargs, expected):
    layer = act.ReLU(**kwargs)
    assert_eager_matches_compiled(layer, X, expected)
    config = config_round_trip(layer, X)
    assert set(config) >= {"max_value", "negative_slope", "threshold"}


def test_leaky_relu_elu_thresholded():
    assert_eager_matches_compiled(act.LeakyReLU(), X, np.where(X >= 0, X, 0.3 * X))
    assert_eager_matches_compiled(act.LeakyReLU(alpha=0.1), X, np.where(X >= 0, X, 0.1 * X))
    keras3 = act.LeakyReLU.from_config({"name": "l", "negative_slope": 0.2})
    assert keras3.alpha == pytest.approx(0.2)
    assert config_round_trip(act.LeakyReLU(alpha=0.2), X)["alpha"] == pytest.approx(0.2)
    assert_eager_matches_compiled(act.ELU(), X, np.where(X > 0, X, np.exp(X) - 1))
    assert_eager_matches_compiled(act.ELU(alpha=0.5), X, np.where(X > 0, X, 0.5 * np.expm1(X)))
    assert_eager_matches_compiled(act.ThresholdedReLU(theta=1.0), X, np.where(X > 1, X, 0))
    with pytest.raises(ValueError, match="negative"):
        act.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="alpha"):
        act.LeakyReLU(alpha=-0.1)


def test_prelu_learns_slope_per_element_and_shared_axes():
    x = np.random.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    layer = act.PReLU()
    np.testing.assert_array_equal(layer(x).numpy(), np.maximum(x, 0))  # alpha starts at 0
    assert layer.alpha.shape.as_list() == [3, 4]
    alpha = np.random.uniform(0, 1, (3, 4)).astype(np.float32)
    layer.set_weights([alpha])
    assert_eager_matches_compiled(layer, x, np.where(x >= 0, x, alpha * x))
    shared = act.PReLU(shared_axes=[1])
    shared(x)
    assert shared.alpha.shape.as_list() == [1, 4]
    assert [w.name.split("/")[-1].split(":")[0] for w in shared.weights] == ["alpha"]
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(shared(x))
    grad = tape.gradient(y, shared.alpha).numpy()
    np.testing.assert_allclose(grad, np.minimum(x, 0).sum(axis=(0, 1))[None], rtol=1e-5)
    config = config_round_trip(shared, x)
    assert config["shared_axes"] == [1]
    with pytest.raises(ValueError, match="expected axis 2 of input shape to have value 4"):
        shared(np.zeros((2, 3, 5), np.float32))


def test_softmax_with_axis_and_mask():
    x = np.random.uniform(-2, 2, (2, 3, 4)).astype(np.float32)

    def np_softmax(v, axis):
        e = np.exp(v - v.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_eager_matches_compiled(act.Softmax(), x, np_softmax(x, -1))
    assert_eager_matches_compiled(act.Softmax(axis=1), x, np_softmax(x, 1))
    assert_eager_matches_compiled(act.Softmax(axis=[1, 2]), x, np_softmax(x, (1, 2)))
    mask = np.array([[True, True, False, False]] * 3 * 2).reshape(2, 3, 4)
    out = act.Softmax()(x, mask=tf.constant(mask)).numpy()
    np.testing.assert_allclose(out[..., 2:], 0, atol=1e-7)
    np.testing.assert_allclose(out[..., :2], np_softmax(x[..., :2], -1), rtol=1e-5)
    assert config_round_trip(act.Softmax(axis=1), x)["axis"] == 1


@pytest.mark.parametrize("factory", [
    lambda **kw: act.ReLU(max_value=0.8, negative_slope=0.1, **kw),
    lambda **kw: act.LeakyReLU(alpha=0.2, **kw),
    lambda **kw: act.PReLU(alpha_initializer="ones", shared_axes=[1], **kw),
    lambda **kw: act.ELU(alpha=0.7, **kw),
    lambda **kw: act.Softmax(axis=1, **kw),
])
def test_layer_harness(factory):
    from tests.keras.layer_harness import check_layer

    # values away from the kinks at 0 and 0.8, where finite differences straddle them
    x = np.random.default_rng(7).choice([-0.9, -0.5, -0.2, 0.3, 0.5, 1.2], (2, 3, 4))
    check_layer(factory, (x + 0.01 * np.arange(4)).astype(np.float32), max_gradient_checks=4)
