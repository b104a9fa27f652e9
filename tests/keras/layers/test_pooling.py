"""Pooling layers against NumPy reshape-reductions, eager vs tf.function, configs, errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import pooling
from tests.keras.layers.family_support import (
    assert_eager_matches_compiled,
    config_round_trip,
)


def _random(*shape):
    return np.random.uniform(-1, 1, shape).astype(np.float32)


def test_max_and_average_pooling2d_match_reshape():
    x = _random(2, 6, 4, 3)
    blocks = x.reshape(2, 3, 2, 2, 2, 3)
    assert_eager_matches_compiled(pooling.MaxPooling2D(), x, blocks.max(axis=(2, 4)))
    assert_eager_matches_compiled(pooling.AveragePooling2D(), x, blocks.mean(axis=(2, 4)))


def test_pooling1d_and_3d():
    x = _random(2, 8, 3)
    blocks = x.reshape(2, 4, 2, 3)
    assert_eager_matches_compiled(pooling.MaxPooling1D(), x, blocks.max(axis=2))
    assert_eager_matches_compiled(pooling.AveragePooling1D(), x, blocks.mean(axis=2))
    y = _random(1, 4, 4, 2, 2)
    blocks3 = y.reshape(1, 2, 2, 2, 2, 1, 2, 2)
    assert_eager_matches_compiled(pooling.MaxPooling3D(), y, blocks3.max(axis=(2, 4, 6)))
    assert_eager_matches_compiled(pooling.AveragePooling3D(), y, blocks3.mean(axis=(2, 4, 6)))


def test_strides_and_same_padding():
    x = _random(1, 5, 5, 1)
    layer = pooling.MaxPooling2D(pool_size=3, strides=2, padding="same")
    out = assert_eager_matches_compiled(layer, x)
    # SAME with stride 2 on 5: output 3, window starts at -1+2i (pad 1 before, 1 after)
    padded = np.pad(x[0, :, :, 0], 1, constant_values=-np.inf)
    expected = np.array([[padded[2 * i:2 * i + 3, 2 * j:2 * j + 3].max() for j in range(3)]
                         for i in range(3)])
    np.testing.assert_allclose(out[0, :, :, 0], expected, rtol=1e-6)
    assert layer.compute_output_shape((None, 5, 5, 1)).as_list() == [None, 3, 3, 1]
    average = pooling.AveragePooling2D(pool_size=3, strides=2, padding="same")
    out = average(x).numpy()[0, :, :, 0]
    padded = np.pad(x[0, :, :, 0], 1)
    counts = np.pad(np.ones((5, 5)), 1)
    expected = np.array([[padded[2 * i:2 * i + 3, 2 * j:2 * j + 3].sum()
                          / counts[2 * i:2 * i + 3, 2 * j:2 * j + 3].sum()
                          for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_channels_first_pooling():
    x = _random(2, 3, 4, 6)
    layer = pooling.MaxPooling2D(data_format="channels_first")
    expected = x.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5))
    assert_eager_matches_compiled(layer, x, expected)
    assert layer.compute_output_shape((None, 3, 4, 6)).as_list() == [None, 3, 2, 3]


@pytest.mark.parametrize("cls,reduce,axes", [
    (pooling.GlobalMaxPooling1D, np.max, (1,)),
    (pooling.GlobalAveragePooling1D, np.mean, (1,)),
    (pooling.GlobalMaxPooling2D, np.max, (1, 2)),
    (pooling.GlobalAveragePooling2D, np.mean, (1, 2)),
    (pooling.GlobalMaxPooling3D, np.max, (1, 2, 3)),
    (pooling.GlobalAveragePooling3D, np.mean, (1, 2, 3)),
])
def test_global_pooling(cls, reduce, axes):
    shape = (2,) + (3,) * len(axes) + (4,)
    x = _random(*shape)
    assert_eager_matches_compiled(cls(), x, reduce(x, axis=axes))
    kept = cls(keepdims=True)
    out = assert_eager_matches_compiled(kept, x, reduce(x, axis=axes, keepdims=True))
    assert out.shape == tuple(kept.compute_output_shape(shape).as_list())
    first = cls(data_format="channels_first")
    moved = np.moveaxis(x, -1, 1)
    assert_eager_matches_compiled(first, moved, reduce(x, axis=axes))


def test_global_average_pooling1d_with_mask():
    x = _random(2, 4, 3)
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    layer = pooling.GlobalAveragePooling1D()
    out = layer(x, mask=tf.constant(mask)).numpy()
    np.testing.assert_allclose(out[0], x[0, :2].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(out[1], x[1].mean(axis=0), rtol=1e-5)


def test_pooling_gradient_routes_to_max():
    x = tf.constant(np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1))
    layer = pooling.MaxPooling2D()
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x))
    grad = tape.gradient(y, x).numpy()[0, :, :, 0]
    expected = np.zeros((4, 4))
    expected[1::2, 1::2] = 1
    np.testing.assert_array_equal(grad, expected)


def test_configs_and_errors():
    x = _random(2, 4, 4, 3)
    layer = pooling.MaxPooling2D(pool_size=(2, 1), strides=1, padding="same", name="mp")
    config = config_round_trip(layer, x)
    assert config == {"name": "mp", "trainable": True, "dtype": "float32",
                      "pool_size": [2, 1], "padding": "same", "strides": [1, 1],
                      "data_format": "channels_last"}
    config = config_round_trip(pooling.GlobalAveragePooling2D(keepdims=True), x)
    assert config["keepdims"] is True and config["data_format"] == "channels_last"
    assert pooling.AveragePooling1D().get_config()["strides"] == (2,)
    with pytest.raises(ValueError) as info:
        pooling.MaxPooling2D(name="mp_err")(np.zeros((2, 4, 4), np.float32))
    assert str(info.value) == ('Input 0 of layer "mp_err" is incompatible with the layer: '
                               "expected ndim=4, found ndim=3. Full shape received: (2, 4, 4)")
    with pytest.raises(ValueError, match="pool_size"):
        pooling.MaxPooling2D(pool_size=(2, 2, 2))
    with pytest.raises(ValueError, match="padding"):
        pooling.AveragePooling2D(padding="full")


@pytest.mark.parametrize("factory,shape", [
    (lambda **kw: pooling.MaxPooling1D(**kw), (2, 6, 3)),
    (lambda **kw: pooling.AveragePooling2D(pool_size=3, strides=2, padding="same", **kw),
     (2, 5, 5, 2)),
    (lambda **kw: pooling.MaxPooling3D(**kw), (1, 4, 4, 2, 2)),
    (lambda **kw: pooling.GlobalAveragePooling1D(**kw), (2, 4, 3)),
    (lambda **kw: pooling.GlobalMaxPooling2D(keepdims=True, **kw), (2, 3, 3, 2)),
])
def test_layer_harness(factory, shape):
    from tests.keras.layer_harness import check_layer

    # distinct values keep max pooling away from ties, where its gradient jumps
    values = np.random.default_rng(2).permutation(np.prod(shape)).reshape(shape)
    check_layer(factory, (values / np.prod(shape)).astype(np.float32), max_gradient_checks=4)
