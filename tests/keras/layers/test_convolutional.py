"""Convolution layers against direct NumPy loops, eager vs tf.function, configs and errors."""

import itertools
import json

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import convolutional as conv
from tests.keras.layers.family_support import (
    assert_eager_matches_compiled,
    config_round_trip,
)


def _same_pads(size, k, s, d):
    span = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + span - size, 0)
    return total // 2, total - total // 2


def np_conv(x, w, strides=None, dilations=None, padding="valid"):
    """Direct N-D cross-correlation, channels_last: x (N, *S, C), w (*K, C, F)."""
    n = w.ndim - 2
    strides = strides or (1,) * n
    dilations = dilations or (1,) * n
    if padding == "same":
        pads = [_same_pads(x.shape[1 + i], w.shape[i], strides[i], dilations[i])
                for i in range(n)]
        x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    spans = [(w.shape[i] - 1) * dilations[i] + 1 for i in range(n)]
    outs = [(x.shape[1 + i] - spans[i]) // strides[i] + 1 for i in range(n)]
    y = np.zeros((x.shape[0], *outs, w.shape[-1]))
    for pos in itertools.product(*[range(o) for o in outs]):
        window = tuple(slice(p * s, p * s + span, d)
                       for p, s, span, d in zip(pos, strides, spans, dilations))
        patch = x[(slice(None),) + window]
        y[(slice(None),) + pos] = np.tensordot(patch, w, axes=n + 1)
    return y


def np_conv_transpose(x, w, stride, padding):
    """Transposed 2-D conv by scattering each input pixel: x (N, H, W, C), w (kh, kw, F, C)."""
    kh, kw = w.shape[:2]
    n, h, wd, _ = x.shape
    full = np.zeros((n, (h - 1) * stride + kh, (wd - 1) * stride + kw, w.shape[2]))
    for i, j in itertools.product(range(h), range(wd)):
        full[:, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
            "nc,abfc->nabf", x[:, i, j], w)
    if padding == "valid":
        return full
    out_h, out_w = h * stride, wd * stride
    top = max((h - 1) * stride + kh - out_h, 0) // 2
    left = max((wd - 1) * stride + kw - out_w, 0) // 2
    return full[:, top:top + out_h, left:left + out_w]


def _random(*shape):
    return np.random.uniform(-1, 1, shape).astype(np.float32)


@pytest.mark.parametrize("padding,strides,dilation", [
    ("valid", 1, 1), ("same", 1, 1), ("valid", 2, 1), ("same", 2, 1), ("same", 1, 2),
])
def test_conv2d_matches_numpy(padding, strides, dilation):
    x = _random(2, 7, 6, 3)
    layer = conv.Conv2D(4, (3, 2), strides=strides, padding=padding,
                                   dilation_rate=dilation, bias_initializer="ones")
    layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 3, 4) and bias.shape == (4,)
    expected = np_conv(x, kernel, (strides,) * 2, (dilation,) * 2, padding) + bias
    out = assert_eager_matches_compiled(layer, x, expected)
    assert out.shape == tuple(layer.compute_output_shape(x.shape).as_list())


def test_conv2d_weights_names_and_order():
    layer = conv.Conv2D(2, 3, name="c")
    layer(np.zeros((1, 5, 5, 3), np.float32))
    assert [w.name.split("/")[-1].split(":")[0] for w in layer.weights] == ["kernel", "bias"]
    assert layer.count_params() == 3 * 3 * 3 * 2 + 2
    assert not conv.Conv2D(2, 3, use_bias=False)(np.zeros((1, 4, 4, 1), np.float32)).shape[0] - 1


def test_conv2d_channels_first_matches_channels_last():
    x = _random(2, 6, 5, 3)
    last = conv.Conv2D(4, 3, padding="same", activation="relu")
    first = conv.Conv2D(4, 3, padding="same", activation="relu", data_format="channels_first")
    last(x)
    first(np.transpose(x, (0, 3, 1, 2)))
    first.set_weights(last.get_weights())
    expected = np.transpose(last(x).numpy(), (0, 3, 1, 2))
    assert_eager_matches_compiled(first, np.transpose(x, (0, 3, 1, 2)), expected)
    assert first.compute_output_shape((None, 3, 6, 5)).as_list() == [None, 4, 6, 5]


def test_conv1d_causal_and_dilated():
    x = _random(2, 9, 3)
    layer = conv.Conv1D(2, 3, padding="causal", dilation_rate=2)
    layer(x)
    kernel, bias = layer.get_weights()
    padded = np.pad(x, [(0, 0), (4, 0), (0, 0)])
    expected = np_conv(padded, kernel, (1,), (2,)) + bias
    out = assert_eager_matches_compiled(layer, x, expected)
    assert out.shape == (2, 9, 2)
    # causal: output t does not depend on input after t
    changed = x.copy()
    changed[:, 5:] += 1.0
    np.testing.assert_allclose(layer(changed).numpy()[:, :5], out[:, :5], rtol=1e-6)


def test_conv3d_and_extra_batch_dims():
    x = _random(2, 4, 5, 4, 2)
    layer = conv.Conv3D(3, 2, strides=(1, 2, 1))
    layer(x)
    kernel, bias = layer.get_weights()
    assert_eager_matches_compiled(layer, x, np_conv(x, kernel, (1, 2, 1)) + bias)
    conv1 = conv.Conv1D(2, 3)
    y = _random(2, 3, 6, 4)  # two leading batch dims are folded and restored
    out = conv1(y).numpy()
    kernel, bias = conv1.get_weights()
    np.testing.assert_allclose(out, np_conv(y.reshape(6, 6, 4), kernel).reshape(2, 3, 4, 2)
                               + bias, rtol=1e-4, atol=1e-5)


def test_grouped_conv():
    x = _random(2, 5, 5, 4)
    layer = conv.Conv2D(6, 3, groups=2)
    layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 2, 6)
    expected = np.concatenate([np_conv(x[..., :2], kernel[..., :3]),
                               np_conv(x[..., 2:], kernel[..., 3:])], axis=-1) + bias
    assert_eager_matches_compiled(layer, x, expected)
    with pytest.raises(ValueError, match="divisible"):
        conv.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match=r"groups=2, but the input has 3 channels"):
        conv.Conv2D(4, 3, groups=2)(_random(1, 4, 4, 3))


@pytest.mark.parametrize("padding,stride", [("valid", 2), ("same", 2), ("same", 1),
                                            ("valid", 1)])
def test_conv2d_transpose_matches_scatter(padding, stride):
    x = _random(2, 3, 4, 3)
    layer = conv.Conv2DTranspose(2, 3, strides=stride, padding=padding)
    layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 2, 3)
    expected = np_conv_transpose(x, kernel, stride, padding) + bias
    out = assert_eager_matches_compiled(layer, x, expected)
    assert out.shape == tuple(layer.compute_output_shape(x.shape).as_list())


def test_conv_transpose_output_padding_and_1d():
    x = _random(1, 3, 3, 2)
    layer = conv.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1)
    assert layer(x).shape.as_list() == [1, 6, 6, 2]
    assert layer.compute_output_shape((None, 3, 3, 2)).as_list() == [None, 6, 6, 2]
    with pytest.raises(ValueError, match="greater than output padding"):
        conv.Conv2DTranspose(2, 3, strides=1, output_padding=1)
    one = conv.Conv1DTranspose(2, 2, strides=2)
    y = _random(2, 4, 3)
    out = assert_eager_matches_compiled(one, y)
    kernel, bias = one.get_weights()
    full = np.zeros((2, 8, 2))
    for i in range(4):
        full[:, 2 * i:2 * i + 2] += np.einsum("nc,afc->naf", y[:, i], kernel)
    np.testing.assert_allclose(out, full + bias, rtol=1e-4, atol=1e-5)


def test_depthwise_conv2d_matches_per_channel():
    x = _random(2, 6, 6, 3)
    layer = conv.DepthwiseConv2D(3, depth_multiplier=2, padding="same", strides=2)
    layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 3, 2) and bias.shape == (6,)
    parts = [np_conv(x[..., c:c + 1], kernel[:, :, c:c + 1, :], (2, 2), padding="same")
             for c in range(3)]
    expected = np.concatenate(parts, axis=-1) + bias
    assert_eager_matches_compiled(layer, x, expected)
    assert [w.name.split("/")[-1].split(":")[0] for w in layer.weights] == [
        "depthwise_kernel", "bias"]


def test_depthwise_conv1d_and_separable():
    x = _random(2, 7, 3)
    depthwise = conv.DepthwiseConv1D(3, depth_multiplier=2)
    depthwise(x)
    kernel, bias = depthwise.get_weights()
    expected = np.concatenate([np_conv(x[..., c:c + 1], kernel[:, c:c + 1])
                               for c in range(3)], axis=-1) + bias
    assert_eager_matches_compiled(depthwise, x, expected)

    separable = conv.SeparableConv2D(4, 3, depth_multiplier=2, padding="same")
    y = _random(2, 5, 5, 3)
    separable(y)
    dw, pw, b = separable.get_weights()
    assert dw.shape == (3, 3, 3, 2) and pw.shape == (1, 1, 6, 4) and b.shape == (4,)
    mid = np.concatenate([np_conv(y[..., c:c + 1], dw[:, :, c:c + 1], padding="same")
                          for c in range(3)], axis=-1)
    assert_eager_matches_compiled(separable, y, np_conv(mid, pw) + b)
    sep1 = conv.SeparableConv1D(2, 3)
    assert sep1(x).shape.as_list() == [2, 5, 2]


def test_conv_gradients_match_finite_differences():
    x = np.random.uniform(-1, 1, (1, 4, 4, 2))
    layer = conv.Conv2D(2, 2, strides=2, padding="same", dtype="float64", activation="tanh")
    layer(x)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) ** 2)
    grads = tape.gradient(loss, [xt, layer.kernel])
    eps = 1e-6
    kernel = layer.kernel.numpy()
    for index in [(0, 0, 0, 0), (1, 1, 1, 1), (0, 1, 1, 0)]:
        bumped = kernel.copy()
        bumped[index] += eps
        layer.kernel.assign(bumped)
        up = tf.reduce_sum(layer(xt) ** 2).numpy()
        bumped[index] -= 2 * eps
        layer.kernel.assign(bumped)
        down = tf.reduce_sum(layer(xt) ** 2).numpy()
        layer.kernel.assign(kernel)
        np.testing.assert_allclose(grads[1].numpy()[index], (up - down) / (2 * eps), rtol=1e-5)
    assert grads[0].shape == xt.shape


def test_config_round_trip_and_keras_config():
    x = _random(2, 5, 5, 3)
    layer = conv.Conv2D(4, 3, strides=2, padding="same", activation="relu", name="c2")
    layer(x)
    config = config_round_trip(layer, x)
    assert config["kernel_size"] == [3, 3] and config["strides"] == [2, 2]
    assert config["activation"] == "relu" and config["padding"] == "same"
    for key in ("filters", "dilation_rate", "groups", "use_bias", "kernel_initializer",
                "bias_initializer", "kernel_regularizer", "activity_regularizer",
                "kernel_constraint", "bias_constraint", "data_format"):
        assert key in config
    # a config written by tf_keras 2.21 (DepthwiseConv2D carries groups; separable kernel_*)
    keras_config = json.loads(
        '{"name": "depthwise_conv2d", "trainable": true, "dtype": "float32", "kernel_size": '
        '[3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", '
        '"dilation_rate": [1, 1], "groups": 1, "activation": "linear", "use_bias": true, '
        '"bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", '
        '"config": {}, "registered_name": null}, "bias_regularizer": null, '
        '"activity_regularizer": null, "bias_constraint": null, "depth_multiplier": 1, '
        '"depthwise_initializer": {"module": "keras.initializers", "class_name": '
        '"GlorotUniform", "config": {"seed": null}, "registered_name": null}, '
        '"depthwise_regularizer": null, "depthwise_constraint": null}')
    layer = conv.DepthwiseConv2D.from_config(keras_config)
    assert layer(x).shape.as_list() == [2, 3, 3, 3]
    for cls, args in [(conv.Conv2DTranspose, (2, 3)), (conv.SeparableConv2D, (2, 3)),
                      (conv.Conv1D, (2, 3))]:
        layer = cls(*args, name=f"x_{cls.__name__}")
        data = _random(2, 6, 3) if cls is conv.Conv1D else x
        layer(data)
        config_round_trip(layer, data)


def test_bad_input_errors():
    layer = conv.Conv2D(2, 3, name="conv2d_err")
    with pytest.raises(ValueError) as info:
        layer(np.zeros((2, 5, 5), np.float32))
    assert str(info.value) == ('Input 0 of layer "conv2d_err" is incompatible with the layer: '
                               "expected min_ndim=4, found ndim=3. Full shape received: "
                               "(2, 5, 5)")
    layer(np.zeros((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.zeros((1, 5, 5, 4), np.float32))
    with pytest.raises(ValueError, match="kernel_size"):
        conv.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        conv.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="filters"):
        conv.Conv2D(0, 3)
    with pytest.raises(ValueError, match="data_format"):
        conv.Conv2D(2, 3, data_format="NHWC")


def _harness_input(*shape):
    return np.random.default_rng(1).uniform(-1, 1, shape).astype(np.float32)


@pytest.mark.parametrize("factory,shape", [
    (lambda **kw: conv.Conv1D(2, 3, padding="causal", **kw), (2, 5, 3)),
    (lambda **kw: conv.Conv2D(2, (2, 3), strides=2, padding="same", activation="tanh", **kw),
     (2, 5, 5, 2)),
    (lambda **kw: conv.Conv3D(2, 2, **kw), (1, 3, 3, 3, 2)),
    (lambda **kw: conv.Conv2D(4, 2, groups=2, **kw), (2, 4, 4, 2)),
    (lambda **kw: conv.Conv2DTranspose(2, 3, strides=2, padding="same", **kw), (2, 3, 3, 2)),
    (lambda **kw: conv.Conv1DTranspose(2, 3, strides=2, **kw), (2, 4, 3)),
    (lambda **kw: conv.DepthwiseConv2D(2, depth_multiplier=2, **kw), (2, 4, 4, 2)),
    (lambda **kw: conv.SeparableConv2D(3, 2, padding="same", **kw), (2, 4, 4, 2)),
    (lambda **kw: conv.SeparableConv1D(3, 2, **kw), (2, 5, 2)),
])
def test_layer_harness(factory, shape):
    from tests.keras.layer_harness import check_layer

    check_layer(factory, _harness_input(*shape), max_gradient_checks=4)


@pytest.mark.parametrize("kwargs", [
    dict(strides=2, padding="valid"), dict(strides=2, padding="same"),
    dict(strides=3, padding="valid", kernel_size=2), dict(strides=3, padding="same",
                                                          kernel_size=2),
    dict(strides=2, padding="same", output_padding=1), dict(strides=1, padding="same"),
    dict(strides=2, padding="valid", dilation_rate=2, kernel_size=2),
    dict(strides=(2, 1), padding="same", data_format="channels_first"),
])
def test_conv_transpose_with_unknown_spatial_size(kwargs):
    kwargs = {"kernel_size": 3, **kwargs}
    layer = conv.Conv2DTranspose(2, **kwargs)
    first = kwargs.get("data_format") == "channels_first"
    x = _random(2, 3, 4, 5) if first else _random(2, 4, 5, 3)
    static = layer(x).numpy()  # the conv_transpose op, sizes known
    dynamic = tf.function(lambda t: layer(t), input_signature=[
        tf.TensorSpec((None, 3, None, None) if first else (None, None, None, 3), tf.float32)])
    np.testing.assert_allclose(dynamic(x).numpy(), static, rtol=1e-5, atol=1e-5)
    symbolic = layer(tf.keras.Input((3, None, None) if first else (None, None, 3)))
    assert symbolic.shape.as_list() == ([None, 2, None, None] if first
                                        else [None, None, None, 2])


@pytest.mark.parametrize("cls,shape,kwargs", [
    (conv.DepthwiseConv2D, (2, 6, 5, 3), dict(kernel_size=3, strides=2, padding="same",
                                              depth_multiplier=2)),
    (conv.DepthwiseConv1D, (2, 7, 3), dict(kernel_size=3, strides=2, padding="same")),
    (conv.SeparableConv2D, (2, 6, 5, 3), dict(filters=4, kernel_size=3, padding="same")),
    (conv.SeparableConv1D, (2, 7, 3), dict(filters=4, kernel_size=3, dilation_rate=2)),
    (conv.Conv3DTranspose, (1, 3, 3, 2, 2), dict(filters=2, kernel_size=2, strides=2)),
    (conv.Conv1D, (2, 7, 3), dict(filters=4, kernel_size=3, strides=2, padding="same")),
])
def test_channels_first_matches_channels_last(cls, shape, kwargs):
    x = _random(*shape)
    last = cls(**kwargs)
    expected = np.moveaxis(last(x).numpy(), -1, 1)
    first = cls(data_format="channels_first", **kwargs)
    moved = np.moveaxis(x, -1, 1)
    first(moved)
    first.set_weights(last.get_weights())
    assert_eager_matches_compiled(first, moved, expected)
