"""Dense, Embedding, Activation, Lambda, Identity: values, compiled, symbolic, config, gradients."""

import numpy as np
import pytest

import eagerflow as tf
from tests.keras.layer_harness import check_layer

RNG = np.random.default_rng(0)


def _dense_reference(layer, x):
    kernel, bias = layer.get_weights()
    return np.tanh(x @ kernel + bias)


def test_dense_2d():
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    check_layer(lambda **kw: tf.keras.layers.Dense(5, activation="tanh", **kw), x,
                expected=_dense_reference, expected_output_shape=(4, 5))


def test_dense_3d_applies_on_last_axis():
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)

    def reference(layer, x):
        kernel, bias = layer.get_weights()
        return np.einsum("btf,fu->btu", x, kernel) + bias

    check_layer(lambda **kw: tf.keras.layers.Dense(2, **kw), x, expected=reference,
                expected_output_shape=(2, 3, 2))


def test_dense_without_bias_and_weight_names():
    layer = tf.keras.layers.Dense(3, use_bias=False, name="proj")
    layer(np.ones((1, 2), np.float32))
    assert [w.name for w in layer.weights] == ["proj/kernel:0"]
    assert layer.count_params() == 6


def test_dense_rejects_bad_units_and_wrong_input():
    with pytest.raises(ValueError, match="units"):
        tf.keras.layers.Dense(0)
    layer = tf.keras.layers.Dense(3)
    layer(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r'layer "dense.*expected axis -1 .* value 4'):
        layer(np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match="min_ndim=2, found ndim=1"):
        tf.keras.layers.Dense(3)(np.ones((4,), np.float32))


def test_dense_casts_float64_numpy_input_to_float32():
    layer = tf.keras.layers.Dense(2)
    out = layer(np.ones((1, 3)))
    assert out.dtype == tf.float32


def test_embedding_lookup_and_mask():
    ids = np.array([[1, 2, 0], [3, 0, 0]], np.int32)

    def reference(layer, ids):
        return layer.get_weights()[0][ids]

    check_layer(lambda **kw: tf.keras.layers.Embedding(5, 4, **kw), ids, expected=reference,
                expected_output_shape=(2, 3, 4))
    layer = tf.keras.layers.Embedding(5, 4, mask_zero=True)
    out = layer(ids)
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)


def test_embedding_gradient_accumulates_repeated_ids():
    layer = tf.keras.layers.Embedding(4, 2)
    ids = tf.constant([[1, 1, 3]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(ids))
    grad = tf.convert_to_tensor(tape.gradient(loss, layer.embeddings))
    np.testing.assert_allclose(grad.numpy(), [[0, 0], [2, 2], [0, 0], [1, 1]])


def test_activation_and_identity():
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    check_layer(lambda **kw: tf.keras.layers.Activation("relu", **kw), x,
                expected=np.maximum(x, 0), check_gradients=False)
    check_layer(lambda **kw: tf.keras.layers.Identity(**kw), x, expected=x)


def test_lambda_layer():
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    layer = tf.keras.layers.Lambda(lambda t, scale: t * scale, arguments={"scale": 3.0})
    np.testing.assert_allclose(layer(x).numpy(), 3 * x, rtol=1e-6)
    compiled = tf.function(lambda t: layer(t))
    np.testing.assert_allclose(compiled(x).numpy(), 3 * x, rtol=1e-6)
    with pytest.raises(TypeError, match="callable"):
        tf.keras.layers.Lambda(3)


def test_operators_on_keras_tensors_make_layers():
    inputs = tf.keras.Input(shape=(3,))
    outputs = (inputs * 2.0 + 1.0)[:, :2]
    model = tf.keras.Model(inputs, outputs)
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(model(x).numpy(), (x * 2 + 1)[:, :2], rtol=1e-6)
    assert outputs.shape.as_list() == [None, 2]


def test_operator_layer_is_a_saveable_tf_op_lambda():
    from eagerflow.keras.layers.core import OperatorLayer

    layer = OperatorLayer(tf.math.multiply)
    assert type(layer).__name__ == "TFOpLambda" and layer.name.startswith("tf.math.multiply")
    config = layer.get_config()
    assert config["function"] == "math.multiply"
    clone = OperatorLayer.from_config(config)
    x = np.array([[1.0, -2.0]], np.float32)
    np.testing.assert_allclose(clone(x, y=3.0).numpy(), x * 3.0)
    compiled = tf.function(lambda t: clone(t, y=3.0))
    np.testing.assert_allclose(compiled(x).numpy(), x * 3.0)
    with pytest.raises(ValueError, match="pure tf"):
        OperatorLayer(lambda a, b: a + b)
