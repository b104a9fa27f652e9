"""Reshaping layers against NumPy, eager vs tf.function, output shapes, configs, errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import reshaping as rs
from tests.keras.layers.family_support import (
    assert_eager_matches_compiled,
    config_round_trip,
)


def _random(*shape):
    return np.random.uniform(-1, 1, shape).astype(np.float32)


def _check_shape(layer, x, out):
    assert out.shape == tuple(layer.compute_output_shape(x.shape).as_list())


def test_flatten():
    x = _random(2, 3, 4, 5)
    layer = rs.Flatten()
    _check_shape(layer, x, assert_eager_matches_compiled(layer, x, x.reshape(2, -1)))
    first = rs.Flatten(data_format="channels_first")
    # channels_first flattens in channels_last order, as Keras
    assert_eager_matches_compiled(first, x, np.transpose(x, (0, 2, 3, 1)).reshape(2, -1))
    vector = _random(4)
    np.testing.assert_array_equal(rs.Flatten()(vector).numpy(), vector[:, None])
    assert rs.Flatten().compute_output_shape((None, 3, None)).as_list() == [None, None]
    compiled = tf.function(lambda t: rs.Flatten()(t),
                           input_signature=[tf.TensorSpec((None, 3, 4), tf.float32)])
    np.testing.assert_array_equal(compiled(x[:, :, :, 0]).numpy(), x[:, :, :, 0].reshape(2, 12))


def test_reshape():
    x = _random(2, 3, 4)
    layer = rs.Reshape((4, 3))
    _check_shape(layer, x, assert_eager_matches_compiled(layer, x, x.reshape(2, 4, 3)))
    inferred = rs.Reshape((-1, 2))
    out = assert_eager_matches_compiled(inferred, x, x.reshape(2, 6, 2))
    _check_shape(inferred, x, out)
    assert inferred.compute_output_shape((None, 3, 4)).as_list() == [None, 6, 2]
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        rs.Reshape((5, 5))(x)
    with pytest.raises(ValueError, match="at most one unknown"):
        rs.Reshape((-1, -1))
    compiled = tf.function(lambda t: layer(t),
                           input_signature=[tf.TensorSpec((None, 3, 4), tf.float32)])
    np.testing.assert_array_equal(compiled(x).numpy(), x.reshape(2, 4, 3))
    assert config_round_trip(layer, x)["target_shape"] == [4, 3]


def test_permute_and_repeat_vector():
    x = _random(2, 3, 4, 5)
    layer = rs.Permute((3, 1, 2))
    out = assert_eager_matches_compiled(layer, x, np.transpose(x, (0, 3, 1, 2)))
    _check_shape(layer, x, out)
    assert config_round_trip(layer, x)["dims"] == [3, 1, 2]
    with pytest.raises(ValueError, match="consecutive"):
        rs.Permute((0, 1))
    y = _random(2, 3)
    repeat = rs.RepeatVector(4)
    out = assert_eager_matches_compiled(repeat, y, np.repeat(y[:, None], 4, axis=1))
    _check_shape(repeat, y, out)
    assert config_round_trip(repeat, y)["n"] == 4
    with pytest.raises(ValueError, match="expected ndim=2"):
        repeat(x)


def test_upsampling_nearest():
    x = _random(2, 3, 4)
    up1 = rs.UpSampling1D(size=3)
    _check_shape(up1, x, assert_eager_matches_compiled(up1, x, np.repeat(x, 3, axis=1)))
    assert config_round_trip(up1, x)["size"] == 3
    y = _random(2, 2, 3, 4)
    up2 = rs.UpSampling2D(size=(2, 3))
    expected = np.repeat(np.repeat(y, 2, axis=1), 3, axis=2)
    _check_shape(up2, y, assert_eager_matches_compiled(up2, y, expected))
    config = config_round_trip(up2, y)
    assert config["size"] == [2, 3] and config["interpolation"] == "nearest"
    first = rs.UpSampling2D(data_format="channels_first")
    assert_eager_matches_compiled(first, y, np.repeat(np.repeat(y, 2, axis=2), 2, axis=3))
    z = _random(1, 2, 2, 2, 1)
    up3 = rs.UpSampling3D(size=2)
    expected = np.repeat(np.repeat(np.repeat(z, 2, 1), 2, 2), 2, 3)
    assert_eager_matches_compiled(up3, z, expected)


def test_upsampling_bilinear_matches_tf_resize():
    # expected values from tf.image.resize(x, (4, 6), "bilinear") in TensorFlow 2.21
    x = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]], np.float32).reshape(1, 2, 3, 1)
    layer = rs.UpSampling2D(size=2, interpolation="bilinear")
    out = assert_eager_matches_compiled(layer, x)[0, :, :, 0]
    expected = np.array([
        [1.0, 1.25, 1.75, 2.5, 3.5, 4.0],
        [1.5, 1.8125, 2.4375, 3.375, 4.625, 5.25],
        [2.5, 2.9375, 3.8125, 5.125, 6.875, 7.75],
        [3.0, 3.5, 4.5, 6.0, 8.0, 9.0]])
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="interpolation"):
        rs.UpSampling2D(interpolation="cubic")


def test_zero_padding():
    x = _random(2, 3, 4)
    pad1 = rs.ZeroPadding1D(padding=(1, 2))
    out = assert_eager_matches_compiled(pad1, x, np.pad(x, [(0, 0), (1, 2), (0, 0)]))
    _check_shape(pad1, x, out)
    assert config_round_trip(pad1, x)["padding"] == [1, 2]
    y = _random(2, 3, 4, 2)
    pad2 = rs.ZeroPadding2D(padding=((1, 0), (2, 3)))
    expected = np.pad(y, [(0, 0), (1, 0), (2, 3), (0, 0)])
    _check_shape(pad2, y, assert_eager_matches_compiled(pad2, y, expected))
    assert config_round_trip(pad2, y)["padding"] == [[1, 0], [2, 3]]
    symmetric = rs.ZeroPadding2D(padding=(1, 2), data_format="channels_first")
    assert_eager_matches_compiled(symmetric, y, np.pad(y, [(0, 0), (0, 0), (1, 1), (2, 2)]))
    z = _random(1, 2, 2, 2, 1)
    assert_eager_matches_compiled(rs.ZeroPadding3D(1), z,
                                  np.pad(z, [(0, 0), (1, 1), (1, 1), (1, 1), (0, 0)]))
    with pytest.raises(ValueError, match="padding"):
        rs.ZeroPadding2D(padding=(1, 2, 3))


def test_cropping():
    x = _random(2, 6, 4)
    crop1 = rs.Cropping1D(cropping=(1, 2))
    _check_shape(crop1, x, assert_eager_matches_compiled(crop1, x, x[:, 1:-2]))
    assert config_round_trip(crop1, x)["cropping"] == [1, 2]
    y = _random(2, 5, 6, 3)
    crop2 = rs.Cropping2D(cropping=((1, 0), (2, 1)))
    _check_shape(crop2, y, assert_eager_matches_compiled(crop2, y, y[:, 1:, 2:-1]))
    first = rs.Cropping2D(cropping=1, data_format="channels_first")
    assert_eager_matches_compiled(first, y, y[:, :, 1:-1, 1:-1])
    z = _random(1, 4, 4, 4, 1)
    assert_eager_matches_compiled(rs.Cropping3D(), z, z[:, 1:-1, 1:-1, 1:-1])
    with pytest.raises(ValueError, match="smaller than the input size"):
        rs.Cropping1D(cropping=(3, 3))(x)


def test_tf_keras_configs_load():
    configs = {
        rs.ZeroPadding1D: {"name": "zero_padding1d", "trainable": True, "dtype": "float32",
                           "padding": [1, 1]},
        rs.ZeroPadding2D: {"name": "zero_padding2d", "trainable": True, "dtype": "float32",
                           "padding": [[1, 1], [1, 1]], "data_format": "channels_last"},
        rs.Cropping2D: {"name": "cropping2d", "trainable": True, "dtype": "float32",
                        "cropping": [[0, 0], [0, 0]], "data_format": "channels_last"},
        rs.UpSampling1D: {"name": "up_sampling1d", "trainable": True, "dtype": "float32",
                          "size": 2},
        rs.Flatten: {"name": "flatten", "trainable": True, "dtype": "float32",
                     "data_format": "channels_last"},
    }
    for cls, config in configs.items():
        layer = cls.from_config(config)
        got = layer.get_config()
        for key, value in config.items():
            assert np.array_equal(np.asarray(got[key], dtype=object),
                                  np.asarray(value, dtype=object)), (cls, key)


@pytest.mark.parametrize("factory,shape", [
    (lambda **kw: rs.Flatten(**kw), (2, 3, 4)),
    (lambda **kw: rs.Reshape((-1, 2), **kw), (2, 3, 4)),
    (lambda **kw: rs.Permute((2, 1), **kw), (2, 3, 4)),
    (lambda **kw: rs.RepeatVector(3, **kw), (2, 4)),
    (lambda **kw: rs.UpSampling1D(2, **kw), (2, 3, 2)),
    (lambda **kw: rs.UpSampling2D(2, interpolation="bilinear", **kw), (1, 2, 3, 2)),
    (lambda **kw: rs.ZeroPadding2D(((1, 0), (0, 2)), **kw), (2, 2, 2, 1)),
    (lambda **kw: rs.Cropping2D(((1, 0), (0, 1)), **kw), (2, 3, 3, 1)),
])
def test_layer_harness(factory, shape):
    from tests.keras.layer_harness import check_layer

    x = np.random.default_rng(5).uniform(-1, 1, shape).astype(np.float32)
    check_layer(factory, x, max_gradient_checks=4)
