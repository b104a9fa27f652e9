"""Tests of EinsumDense: kernel/bias shapes and outputs against tf_keras 2.21 and NumPy, the
layer harness (eager, compiled, symbolic, config, gradients) and equation errors."""

import numpy as np
import pytest

import eagerflow as tf
from tests.keras.layer_harness import check_layer

EinsumDense = tf.keras.layers.EinsumDense


def det(shape, k):
    return np.sin(np.arange(np.prod(shape)) * 0.37 + k).reshape(shape).astype("float32")


# (equation, output_shape, bias_axes, input shape, weight shapes, output shape, first outputs
#  with tanh and det weights as recorded from tf_keras)
CASES = [
    ("ab,bc->ac", 4, "c", (2, 3), [(3, 4), (4,)], (2, 4),
     [-0.3580985, -0.79351854, -0.9275747, -0.96247935]),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 3, 5), [(5, 2, 3), (2, 3)], (2, 3, 2, 3),
     [0.17863682, -0.3637707, -0.71209776, -0.8567454]),
    ("...b,bc->...c", 4, None, (2, 3, 5), [(5, 4)], (2, 3, 4),
     [0.22719285, 0.13311021, 0.01845665, -0.09915868]),
    ("ab...,bc->ac...", 4, "c", (2, 3, 5), [(3, 4), (4, 1)], (2, 4, 5),
     [0.94472265, 0.96156895, 0.9566929, 0.9225068]),
    ("abc,cd->abd", (3, 4), "bd", (2, 3, 5), [(5, 4), (3, 4)], (2, 3, 4),
     [0.35604337, -0.09225859, -0.49666446, -0.7275348]),
]


@pytest.mark.parametrize("equation,output_shape,bias_axes,input_shape,weight_shapes,"
                         "out_shape,first", CASES)
def test_einsum_dense_matches_tf_keras(equation, output_shape, bias_axes, input_shape,
                                       weight_shapes, out_shape, first):
    x = det(input_shape, 1)

    def factory(**kwargs):
        return EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes,
                           activation="tanh", **kwargs)

    layer = factory()
    layer(x)
    assert [tuple(w.shape) for w in layer.weights] == weight_shapes
    layer.set_weights([det(w.shape, 2 + i) for i, w in enumerate(layer.weights)])
    outputs = layer(x).numpy()
    assert outputs.shape == out_shape
    np.testing.assert_allclose(outputs.ravel()[:4], first, atol=1e-6)
    kernel = layer.weights[0].numpy()
    bias = layer.weights[1].numpy() if bias_axes else 0.0
    expected = np.tanh(np.einsum(equation, x, kernel) + bias)
    check_layer(factory, x, expected=lambda built, _: np.tanh(
        np.einsum(equation, x, built.kernel.numpy()) +
        (built.bias.numpy() if built.bias is not None else 0.0)))
    np.testing.assert_allclose(outputs, expected, atol=1e-6)


def test_einsum_dense_names_config_and_output_shape():
    layer = EinsumDense("...b,bc->...c", output_shape=4, bias_axes="c", name="einsum_dense")
    layer(det((2, 3, 5), 0))
    assert [w.name for w in layer.weights] == ["einsum_dense/kernel:0", "einsum_dense/bias:0"]
    config = layer.get_config()
    assert config["output_shape"] == [4] and config["equation"] == "...b,bc->...c"
    assert config["bias_axes"] == "c" and config["activation"] == "linear"
    assert layer.compute_output_shape((2, 3, 5)).as_list() == [2, 3, 4]
    symbolic = EinsumDense("abc,cde->abde", output_shape=(None, 2, 3))(tf.keras.Input((7, 5)))
    assert symbolic.shape.as_list() == [None, 7, 2, 3]


def test_einsum_dense_errors():
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        EinsumDense("abc,cd", output_shape=3)(det((2, 3, 4), 1))
    with pytest.raises(ValueError, match="Bias dimension 'x'"):
        EinsumDense("ab,bc->ac", output_shape=3, bias_axes="x")(det((2, 3), 1))
    with pytest.raises(ValueError, match="do not match at shared dimension"):
        EinsumDense("abc,cd->abd", output_shape=(9, 4))(det((2, 3, 5), 1))
    with pytest.raises(ValueError, match="Weight dimension 'z'"):
        EinsumDense("ab,bz->a", output_shape=())(det((2, 3), 1))
