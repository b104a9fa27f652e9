"""Dropout-family layers: inference is the identity, training draws fresh noise each call
(also inside tf.function), statistics match the definitions."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import regularization as reg
from tests.keras.layers.family_support import config_round_trip


def _ones(*shape):
    return np.ones(shape, np.float32)


@pytest.mark.parametrize("layer_factory", [
    lambda: reg.Dropout(0.5), lambda: reg.SpatialDropout1D(0.5),
    lambda: reg.GaussianNoise(1.0), lambda: reg.GaussianDropout(0.5),
])
def test_inference_is_identity(layer_factory):
    x = np.random.uniform(size=(4, 5, 3)).astype(np.float32)
    layer = layer_factory()
    for training in (None, False):
        np.testing.assert_array_equal(layer(x, training=training).numpy(), x)
        compiled = tf.function(lambda t, training=training: layer(t, training=training))
        np.testing.assert_array_equal(compiled(x).numpy(), x)


def test_dropout_training_scales_kept_units_and_draws_fresh_masks():
    x = _ones(200, 50)
    layer = reg.Dropout(0.25)
    out = layer(x, training=True).numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02
    step = tf.function(lambda t: layer(t, training=True))
    first, second = step(x).numpy(), step(x).numpy()
    assert not np.array_equal(first, second)  # fresh randomness at each compiled call
    assert abs((first == 0).mean() - 0.25) < 0.02


def test_dropout_noise_shape_and_edge_rates():
    x = _ones(100, 4, 6)
    out = reg.Dropout(0.5, noise_shape=(None, 1, 6))(x, training=True).numpy()
    assert (out == out[:, :1, :]).all()  # the same choice along the size-1 axis
    np.testing.assert_array_equal(reg.Dropout(0.0)(x, training=True).numpy(), x)
    np.testing.assert_array_equal(reg.Dropout(1.0)(x, training=True).numpy(), 0.0)
    with pytest.raises(ValueError, match="rate"):
        reg.Dropout(1.5)


def test_spatial_dropout_drops_whole_channels():
    x = _ones(64, 5, 8)
    out = reg.SpatialDropout1D(0.5)(x, training=True).numpy()
    assert (out == out[:, :1, :]).all()
    assert 0.3 < (out[:, 0] == 0).mean() < 0.7
    y = _ones(16, 3, 3, 8)
    out = reg.SpatialDropout2D(0.5)(y, training=True).numpy()
    assert (out == out[:, :1, :1, :]).all()
    first = reg.SpatialDropout2D(0.5, data_format="channels_first")
    out = first(np.moveaxis(y, -1, 1), training=True).numpy()
    assert (out == out[:, :, :1, :1]).all()
    z = _ones(4, 2, 2, 2, 6)
    out = reg.SpatialDropout3D(0.5)(z, training=True).numpy()
    assert (out == out[:, :1, :1, :1, :]).all()
    with pytest.raises(ValueError, match="expected ndim=3"):
        reg.SpatialDropout1D(0.5)(_ones(2, 3))


def test_gaussian_noise_and_dropout_statistics():
    x = _ones(400, 100)
    noisy = reg.GaussianNoise(0.5)(x, training=True).numpy() - 1
    assert abs(noisy.mean()) < 0.01 and abs(noisy.std() - 0.5) < 0.01
    dropped = reg.GaussianDropout(0.2)(x, training=True).numpy()
    assert abs(dropped.mean() - 1) < 0.01
    assert abs(dropped.std() - np.sqrt(0.2 / 0.8)) < 0.01
    step = tf.function(lambda t: reg.GaussianNoise(1.0)(t, training=True))
    assert not np.array_equal(step(x).numpy(), step(x).numpy())


def test_symbolic_training_flag_selects_at_run_time():
    x = _ones(50, 20)
    layer = reg.Dropout(0.5)
    step = tf.function(lambda t, flag: layer(t, training=flag))
    np.testing.assert_array_equal(step(x, tf.constant(False)).numpy(), x)
    assert (step(x, tf.constant(True)).numpy() == 0).any()


def test_activity_regularization_adds_loss():
    x = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)
    layer = reg.ActivityRegularization(l1=0.1, l2=0.01)
    out = layer(x)
    np.testing.assert_array_equal(out.numpy(), x)
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 2
    assert len(layer.losses) == 1
    np.testing.assert_allclose(layer.losses[0].numpy(), expected, rtol=1e-6)


def test_configs():
    x = _ones(2, 3, 4)
    config = config_round_trip(reg.Dropout(0.3, noise_shape=(None, 1, 4), seed=3), x)
    assert config["rate"] == 0.3 and config["noise_shape"] == [None, 1, 4]
    assert config["seed"] == 3
    config_round_trip(reg.SpatialDropout1D(0.2), x)
    assert config_round_trip(reg.GaussianNoise(0.1, seed=1), x)["stddev"] == 0.1
    assert config_round_trip(reg.GaussianDropout(0.1), x)["rate"] == 0.1
    config = config_round_trip(reg.ActivityRegularization(l1=0.5), x)
    assert config["l1"] == 0.5 and config["l2"] == 0.0
    # a tf_keras SpatialDropout2D config (noise_shape and seed, no data_format)
    layer = reg.SpatialDropout2D.from_config(
        {"name": "sd", "trainable": True, "dtype": "float32", "rate": 0.5,
         "noise_shape": None, "seed": None})
    assert layer.data_format == "channels_last"


@pytest.mark.parametrize("factory", [
    lambda **kw: reg.Dropout(0.5, **kw),
    lambda **kw: reg.SpatialDropout1D(0.5, **kw),
    lambda **kw: reg.GaussianNoise(0.3, **kw),
    lambda **kw: reg.GaussianDropout(0.3, **kw),
    lambda **kw: reg.ActivityRegularization(l1=0.1, **kw),
])
def test_layer_harness_inference(factory):
    from tests.keras.layer_harness import check_layer

    x = np.random.default_rng(4).uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    check_layer(factory, x, expected=x, max_gradient_checks=4)


def test_alpha_dropout_keeps_selu_statistics():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((500, 200)).astype(np.float32)  # zero mean, unit variance
    layer = reg.AlphaDropout(0.2)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    out = layer(x, training=True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    # dropped units all take one value: a * saturation + b
    saturation = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.2) * (1 + 0.2 * saturation ** 2)) ** -0.5
    dropped = a * saturation - a * saturation * 0.2
    assert abs(np.isclose(out, dropped, atol=1e-6).mean() - 0.2) < 0.01
    step = tf.function(lambda t: layer(t, training=True))
    assert not np.array_equal(step(x).numpy(), step(x).numpy())
    assert config_round_trip(reg.AlphaDropout(0.1, seed=2), x[:2])["rate"] == 0.1
