"""Normalization layers against their formulas; moving statistics eagerly and compiled."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import normalization as norm
from tests.keras.layers.family_support import (
    assert_eager_matches_compiled,
    config_round_trip,
)


def _random(*shape):
    return np.random.uniform(-2, 3, shape).astype(np.float32)


def _names(layer):
    return [w.name.split("/")[-1].split(":")[0] for w in layer.weights]


def test_batch_norm_weights_and_inference_uses_moving_statistics():
    x = _random(6, 3)
    layer = norm.BatchNormalization(name="bn")
    layer(x)
    assert _names(layer) == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.trainable for w in layer.weights] == [True, True, False, False]
    gamma, beta = np.array([1.5, 0.5, 2.0]), np.array([0.1, -0.2, 0.3])
    mean, var = np.array([0.2, -0.1, 1.0]), np.array([2.0, 0.5, 1.5])
    layer.set_weights([gamma, beta, mean, var])
    expected = (x - mean) / np.sqrt(var + 1e-3) * gamma + beta
    assert_eager_matches_compiled(layer, x, expected)  # training=None: inference
    assert_eager_matches_compiled(layer, x, expected, training=False)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mean, rtol=1e-6)


def test_batch_norm_training_normalizes_and_updates_moving_statistics():
    x = _random(8, 3)
    layer = norm.BatchNormalization(momentum=0.9, epsilon=1e-5)
    out = layer(x, training=True).numpy()
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * x.var(0), rtol=1e-5)


def test_batch_norm_moving_statistics_inside_tf_function():
    x = _random(8, 3)
    eager, compiled = norm.BatchNormalization(momentum=0.5), norm.BatchNormalization(
        momentum=0.5)
    step = tf.function(lambda t: compiled(t, training=True))
    for _ in range(3):
        eager(x, training=True)
        step(x)
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(3):
        mean, var = 0.5 * mean + 0.5 * x.mean(0), 0.5 * var + 0.5 * x.var(0)
    for layer in (eager, compiled):
        np.testing.assert_allclose(layer.moving_mean.numpy(), mean, rtol=1e-5)
        np.testing.assert_allclose(layer.moving_variance.numpy(), var, rtol=1e-5)
    infer = tf.function(lambda t: compiled(t, training=False))
    np.testing.assert_allclose(infer(x).numpy(), (x - mean) / np.sqrt(var + 1e-3),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(compiled.moving_mean.numpy(), mean, rtol=1e-5)  # unchanged


def test_batch_norm_4d_uses_unbiased_moving_variance_like_tf_keras():
    x = _random(2, 3, 3, 2)
    layer = norm.BatchNormalization(momentum=0.5)
    layer(x, training=True)
    n = 18
    flat = x.reshape(-1, 2)
    np.testing.assert_allclose(layer.moving_variance.numpy(),
                               0.5 + 0.5 * flat.var(0) * n / (n - 1), rtol=1e-5)
    out = layer(x, training=True).numpy()  # the output itself uses the biased variance
    np.testing.assert_allclose(out, ((flat - flat.mean(0)) / np.sqrt(flat.var(0) + 1e-3))
                               .reshape(x.shape), rtol=1e-4, atol=1e-4)


def test_batch_norm_channels_first_axis_and_multi_axis():
    x = _random(4, 3, 2, 2)
    layer = norm.BatchNormalization(axis=1, center=False)
    out = layer(x, training=True).numpy()
    assert _names(layer) == ["gamma", "moving_mean", "moving_variance"]
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    assert layer.gamma.shape.as_list() == [3]
    multi = norm.BatchNormalization(axis=[1, 2])
    multi(x)
    assert [w.shape.as_list() for w in multi.weights] == [[1, 3, 2, 1]] * 4
    out = multi(x, training=True).numpy()
    mean, var = x.mean(axis=(0, 3), keepdims=True), x.var(axis=(0, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)


def test_frozen_batch_norm_runs_in_inference_mode():
    x = _random(5, 2)
    layer = norm.BatchNormalization()
    layer(x)
    layer.trainable = False
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.0)


def test_batch_norm_gradient_in_training_mode():
    x = tf.constant(np.random.uniform(-1, 1, (5, 2)))
    layer = norm.BatchNormalization(dtype="float64")
    layer(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x, training=True) * tf.constant([[1.0, 2.0]], tf.float64))
    grad_x, grad_gamma = tape.gradient(y, [x, layer.gamma])
    # the sum over the batch of a batch-normalized column is 0, so d/dx of it is ~0
    np.testing.assert_allclose(grad_x.numpy(), 0.0, atol=1e-6)
    np.testing.assert_allclose(grad_gamma.numpy(), 0.0, atol=1e-6)


def test_layer_normalization():
    x = _random(3, 4, 5)
    layer = norm.LayerNormalization(name="ln")
    layer(x)
    gamma, beta = np.random.uniform(0.5, 1.5, 5), np.random.uniform(-1, 1, 5)
    layer.set_weights([gamma, beta])
    assert _names(layer) == ["gamma", "beta"]
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-3) * gamma + beta
    assert_eager_matches_compiled(layer, x, expected, atol=1e-4)
    multi = norm.LayerNormalization(axis=[1, 2])
    multi(x)
    assert [w.shape.as_list() for w in multi.weights] == [[4, 5], [4, 5]]
    mean, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    assert_eager_matches_compiled(multi, x, (x - mean) / np.sqrt(var + 1e-3), atol=1e-4)
    middle = norm.LayerNormalization(axis=1)
    mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    assert_eager_matches_compiled(middle, x, (x - mean) / np.sqrt(var + 1e-3), atol=1e-4)


def test_group_normalization():
    x = _random(2, 3, 3, 6)
    layer = norm.GroupNormalization(groups=3, epsilon=1e-5)
    layer(x)
    gamma, beta = np.arange(1, 7, dtype=np.float32), np.ones(6, np.float32)
    layer.set_weights([gamma, beta])
    grouped = x.reshape(2, 3, 3, 3, 2)
    mean = grouped.mean(axis=(1, 2, 4), keepdims=True)
    var = grouped.var(axis=(1, 2, 4), keepdims=True)
    expected = ((grouped - mean) / np.sqrt(var + 1e-5)).reshape(x.shape) * gamma + beta
    assert_eager_matches_compiled(layer, x, expected, atol=1e-4)
    with pytest.raises(ValueError, match="multiple"):
        norm.GroupNormalization(groups=4)(x)
    with pytest.raises(ValueError, match="cannot be more"):
        norm.GroupNormalization(groups=8)(x)
    first = norm.GroupNormalization(groups=2, axis=1)
    y = np.moveaxis(x, -1, 1)
    grouped = y.reshape(2, 2, 3, 3, 3)
    mean = grouped.mean(axis=(2, 3, 4), keepdims=True)
    var = grouped.var(axis=(2, 3, 4), keepdims=True)
    assert_eager_matches_compiled(first, y, ((grouped - mean) / np.sqrt(var + 1e-3))
                                  .reshape(y.shape), atol=1e-4)


def test_unit_normalization():
    x = _random(3, 4)
    expected = x / np.linalg.norm(x, axis=-1, keepdims=True)
    assert_eager_matches_compiled(norm.UnitNormalization(), x, expected)
    both = norm.UnitNormalization(axis=[0, 1])
    assert_eager_matches_compiled(both, x, x / np.linalg.norm(x))
    assert both.get_config()["axis"] == [0, 1]


def test_configs_round_trip():
    x = _random(4, 3)
    layer = norm.BatchNormalization(momentum=0.9, epsilon=1e-4, center=False, name="bn_cfg")
    layer(x)
    config = config_round_trip(layer, x)
    for key in ("axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
                "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer",
                "beta_regularizer", "gamma_regularizer", "beta_constraint",
                "gamma_constraint"):
        assert key in config
    assert config["momentum"] == 0.9
    assert config["axis"] == [1]  # tf_keras reports the built layer's positive axes
    assert norm.BatchNormalization().get_config()["axis"] == -1  # unbuilt: as given
    config_round_trip(norm.LayerNormalization(), x)
    config = config_round_trip(norm.GroupNormalization(groups=3), x)
    assert config["groups"] == 3
    config_round_trip(norm.UnitNormalization(), x)
    # tf_keras configs may carry keys of features eagerflow ignores
    norm.BatchNormalization.from_config({"name": "b", "fused": None, "renorm_momentum": 0.99,
                                         "synchronized": False})


def test_errors():
    with pytest.raises(ValueError, match="invalid axis 3"):
        norm.BatchNormalization(axis=3)(np.zeros((2, 3), np.float32))
    layer = norm.BatchNormalization(name="bn_err")
    layer(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="expected axis 1 of input shape to have value 3"):
        layer(np.zeros((2, 4), np.float32))
    with pytest.raises(TypeError, match="axis"):
        norm.LayerNormalization(axis="last")


@pytest.mark.parametrize("factory,shape,kwargs", [
    (lambda **kw: norm.BatchNormalization(**kw), (4, 3), {}),
    (lambda **kw: norm.BatchNormalization(axis=1, **kw), (4, 3, 2, 2), {"training": True}),
    (lambda **kw: norm.LayerNormalization(**kw), (2, 3, 4), {}),
    (lambda **kw: norm.LayerNormalization(axis=[1, 2], **kw), (2, 3, 4), {}),
    (lambda **kw: norm.GroupNormalization(groups=2, **kw), (2, 3, 4), {}),
    (lambda **kw: norm.UnitNormalization(**kw), (2, 5), {}),
])
def test_layer_harness(factory, shape, kwargs):
    from tests.keras.layer_harness import check_layer

    x = np.random.default_rng(3).uniform(-1, 2, shape).astype(np.float32)
    check_layer(factory, x, call_kwargs=kwargs, max_gradient_checks=4)


def test_layer_normalization_keras3_rms_scaling():
    # Keras 3 configs carry rms_scaling; True scales by the variance (Keras 3's formula)
    x = _random(2, 5)
    layer = norm.LayerNormalization.from_config({"name": "ln3", "axis": -1, "epsilon": 1e-3,
                                                 "center": True, "scale": True,
                                                 "rms_scaling": True})
    out = assert_eager_matches_compiled(layer, x)
    assert _names(layer) == ["gamma"]
    np.testing.assert_allclose(out, x / np.sqrt(x.var(-1, keepdims=True) + 1e-3), rtol=1e-5)
    assert layer.get_config()["rms_scaling"] is True
    assert "rms_scaling" not in norm.LayerNormalization().get_config()


def test_batch_norm_symbolic_training_flag_selects_at_run_time():
    x = _random(8, 3)
    layer = norm.BatchNormalization(momentum=0.5)
    step = tf.function(lambda t, flag: layer(t, training=flag))
    inferred = step(x, tf.constant(False)).numpy()
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.0)
    np.testing.assert_allclose(inferred, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    trained = step(x, tf.constant(True)).numpy()
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(trained, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3),
                               rtol=1e-4, atol=1e-5)


def test_fit_updates_moving_statistics_and_predict_uses_them():
    rng = np.random.default_rng(9)
    x = (rng.normal(size=(32, 4)) * 3 + 2).astype(np.float32)
    y = rng.normal(size=(32, 1)).astype(np.float32)
    bn = norm.BatchNormalization(momentum=0.5)
    model = tf.keras.Sequential([tf.keras.Input((4,)), bn,
                                 tf.keras.layers.Dropout(0.5), tf.keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=32, epochs=4, verbose=0)  # compiled train_step, training=True
    # four updates with the same full batch: moving = (1 - 0.5 ** 4) * batch statistic
    np.testing.assert_allclose(bn.moving_mean.numpy(), (1 - 0.5 ** 4) * x.mean(0), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_variance.numpy(),
                               0.5 ** 4 + (1 - 0.5 ** 4) * x.var(0), rtol=1e-4)
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(first, second)  # inference: no dropout, moving statistics
    kernel, bias = model.layers[-1].get_weights()
    gamma, beta, mean, var = bn.get_weights()
    expected = ((x - mean) / np.sqrt(var + 1e-3) * gamma + beta) @ kernel + bias
    np.testing.assert_allclose(first, expected, rtol=1e-4, atol=1e-5)
