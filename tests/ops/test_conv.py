"""Convolutions and pooling: TF's padding and shape rules, errors, gradients at ties and
edges, and conv nets inside tf.function. Their harness cases (values against naive loop
references, shape rules, gradients) are in test_nn.py's table, which the registry test runs."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.primitive import Spec
from tests.ops.test_nn import FILT, IMG, conv_ref, conv_transpose_ref, f32, gradient


@pytest.mark.parametrize("size,k,stride,dilation", [
    (5, 3, 1, 1), (5, 3, 2, 1), (6, 3, 2, 1), (6, 2, 2, 1), (7, 3, 3, 2), (4, 5, 1, 1),
    (1, 3, 2, 1), (8, 4, 3, 1)])
def test_same_padding_output_and_placement(size, k, stride, dilation):
    x = f32(1, size, 1, 1)
    w = f32(k, 1, 1, 1)
    out = tf.nn.conv2d(x, w, [stride, 1], "SAME", dilations=[dilation, 1]).numpy()
    assert out.shape[1] == -(-size // stride)
    np.testing.assert_allclose(out, conv_ref(x, w, (stride, 1), "SAME", (dilation, 1)),
                               rtol=1e-5, atol=1e-6)


def test_same_padding_puts_the_odd_element_after():
    # A 2-tap filter [1, 10] over [1, 2, 3, 4]: SAME pads one zero after, none before.
    x = np.arange(1, 5, dtype=np.float32).reshape(1, 4, 1)
    w = np.array([1, 10], np.float32).reshape(2, 1, 1)
    out = tf.nn.conv1d(x, w, 1, "SAME").numpy().reshape(-1)
    np.testing.assert_allclose(out, [21, 32, 43, 4])


def test_valid_output_size():
    out = tf.nn.conv2d(f32(2, 7, 6, 3), f32(3, 2, 3, 4), [2, 3], "VALID")
    assert out.shape == (2, 3, 2, 4)


def test_conv_shape_rule_with_unknown_dims():
    from eagerflow.ops import conv as nn

    rule = nn.conv_p.shape_rule
    spec = rule(Spec((None, 9, None, 3), tf.float32), Spec((3, 3, 3, 8), tf.float32),
                strides=(2, 2), padding="SAME", dilations=(1, 1), channels_first=False)
    assert spec.shape == (None, 5, None, 8)
    spec = rule(Spec((None, 9, 9, 3), tf.float32), Spec(None, tf.float32), strides=(1, 1),
                padding="VALID", dilations=(1, 1), channels_first=False)
    assert spec.shape == (None, None, None, None)
    pool = nn.max_pool_p.shape_rule(Spec((4, 3, None, 7), tf.float32), ksize=(2, 2),
                                    strides=(2, 2), padding="VALID", channels_first=True)
    assert pool.shape == (4, 3, None, 3)


def test_conv_channel_mismatch_names_the_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.nn.conv2d(f32(1, 5, 5, 2), f32(3, 3, 3, 4), 1, "SAME")
    message = str(info.value)
    assert "[1, 5, 5, 2]" in message and "[3, 3, 3, 4]" in message and "in_channels" in message


def test_conv_channel_mismatch_in_shape_rule():
    from eagerflow.ops import conv as nn

    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[None, 5, 5, 2\]"):
        nn.conv_p.shape_rule(Spec((None, 5, 5, 2), tf.float32), Spec((3, 3, 4, 4), tf.float32),
                             strides=(1, 1), padding="SAME", dilations=(1, 1),
                             channels_first=False)


def test_conv_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="output size would be negative"):
        tf.nn.conv2d(f32(1, 2, 2, 1), f32(3, 3, 1, 1), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be 4-D"):
        tf.nn.conv2d(f32(5, 5, 1), f32(3, 3, 1, 1), 1, "VALID")
    with pytest.raises(ValueError, match="strides should be of length 1, 2 or 4"):
        tf.nn.conv2d(IMG, FILT, [1, 1, 1], "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch and depth"):
        tf.nn.conv2d(IMG, FILT, [2, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="padding"):
        tf.nn.conv2d(IMG, FILT, 1, "FULL")
    with pytest.raises(ValueError, match="batch and channel"):
        tf.nn.conv2d(IMG, FILT, 1, [[1, 0], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(ValueError, match="data_format"):
        tf.nn.conv2d(IMG, FILT, 1, "SAME", data_format="HWCN")
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.conv2d(tf.constant(IMG), tf.constant(FILT.astype(np.float64)), 1, "SAME")


def test_conv2d_transpose_checks_output_shape():
    with pytest.raises(tf.errors.InvalidArgumentError, match="doesn't match computed"):
        tf.nn.conv2d_transpose(f32(1, 3, 3, 3), FILT, [1, 9, 9, 2], 2, "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="channels"):
        tf.nn.conv2d_transpose(f32(1, 3, 3, 3), FILT, [1, 5, 5, 4], 2, "SAME")


def test_pool_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="output size would be negative"):
        tf.nn.max_pool2d(f32(1, 2, 2, 1), 3, 1, "VALID")
    with pytest.raises(ValueError, match="padding"):
        tf.nn.avg_pool2d(f32(1, 4, 4, 1), 2, 1, [[0, 0], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.avg_pool2d(tf.constant(np.ones((1, 4, 4, 1), np.int32)), 2, 2, "VALID")


def test_max_pool_gradient_goes_to_the_first_maximum_of_ties():
    x = np.array([[5.0, 5.0], [1.0, 5.0]], np.float32).reshape(1, 2, 2, 1)
    g = gradient(lambda z: tf.nn.max_pool2d(z, 2, 2, "VALID"), x)
    np.testing.assert_array_equal(g.reshape(2, 2), [[1, 0], [0, 0]])


def test_avg_pool_same_divides_by_the_count_of_real_inputs():
    out = tf.nn.avg_pool2d(np.ones((1, 5, 5, 1), np.float32), 3, 2, "SAME").numpy()
    np.testing.assert_array_equal(out, np.ones((1, 3, 3, 1)))


def test_conv_gradient_matches_conv2d_transpose():
    x, w = tf.constant(f32(2, 6, 5, 2)), tf.constant(FILT)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.conv2d(x, w, 2, "SAME")
    g = f32(*y.shape)
    dx = tape.gradient(y, x, output_gradients=tf.constant(g))
    np.testing.assert_allclose(dx.numpy(), tf.nn.conv2d_transpose(g, w, [2, 6, 5, 2], 2,
                                                                  "SAME").numpy(), rtol=1e-5)


def test_conv_net_step_traced_with_unknown_batch_matches_eager():
    w = tf.Variable(f32(3, 3, 2, 4))
    b = tf.Variable(f32(4))

    def step(x, y):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, 1, "SAME"), b))
            h = tf.nn.avg_pool2d(tf.nn.max_pool2d(h, 2, 2, "SAME"), 2, 1, "VALID")
            logits = tf.reduce_sum(h, axis=[1, 2])
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
        return [loss] + tape.gradient(loss, [w, b])

    traced = tf.function(step, input_signature=[tf.TensorSpec([None, 7, None, 2], tf.float32),
                                                tf.TensorSpec([None], tf.int32)])
    for batch, width in [(3, 7), (1, 5)]:
        x, y = f32(batch, 7, width, 2), np.arange(batch, dtype=np.int32) % 4
        for got, want in zip(traced(x, y), step(tf.constant(x), tf.constant(y))):
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_conv2d_transpose_traced_with_a_dynamic_batch_in_output_shape():
    w = tf.constant(FILT)

    def upsample(x):
        return tf.nn.conv2d_transpose(x, w, [tf.shape(x)[0], 6, 6, 2], 2, "SAME")

    traced = tf.function(upsample, input_signature=[tf.TensorSpec([None, 3, 3, 3], tf.float32)])
    x = f32(2, 3, 3, 3)
    np.testing.assert_allclose(traced(x).numpy(), conv_transpose_ref(x, FILT, [2, 6, 6, 2], 2),
                               rtol=1e-5, atol=1e-5)
