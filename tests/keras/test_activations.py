"""keras.activations: values vs NumPy closed forms, eager == tf.function, gradients vs finite
differences, and get/serialize/deserialize."""

import math

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import activations
from tests.keras.finite_differences import numeric_gradient

X = np.array([[-3.0, -1.5, -0.2, 0.0, 0.3, 1.0, 2.5, 7.0]])
_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(x))


def _sparsemax(x):
    z = -np.sort(-x, axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    cumulative = np.cumsum(z, axis=-1)
    support = (1 + k * z > cumulative)
    size = support.sum(-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, size - 1, -1) - 1) / size
    return np.maximum(x - tau, 0)


REFERENCE = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": _sigmoid,
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
    "log_softmax": lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)),
    "tanh": np.tanh,
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
    "softplus": _softplus,
    "softsign": lambda x: x / (np.abs(x) + 1),
    "swish": lambda x: x * _sigmoid(x),
    "silu": lambda x: x * _sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "exponential": np.exp,
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "linear": lambda x: x,
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "celu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "glu": lambda x: x[..., :4] * _sigmoid(x[..., 4:]),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "soft_shrink": lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0),
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "squareplus": lambda x: (x + np.sqrt(x ** 2 + 4)) / 2,
    "log_sigmoid": lambda x: -np.log1p(np.exp(-x)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
    "sparsemax": _sparsemax,
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_values_eager_and_compiled(name):
    fn = activations.get(name)
    x = tf.constant(X, tf.float32)
    eager = fn(x).numpy()
    compiled = tf.function(fn)(x).numpy()
    np.testing.assert_allclose(eager, REFERENCE[name](X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(compiled, eager, rtol=1e-6, atol=1e-7)


SMOOTH = ["sigmoid", "softmax", "log_softmax", "tanh", "selu", "softplus", "softsign",
          "swish", "gelu", "exponential", "mish", "elu", "celu", "tanh_shrink", "squareplus",
          "log_sigmoid"]


@pytest.mark.parametrize("name", SMOOTH)
def test_gradients_match_finite_differences(name):
    fn = activations.get(name)
    x0 = np.array([[-1.3, -0.4, 0.25, 0.9, 1.7]])
    weights = np.linspace(0.5, 1.5, x0.size).reshape(x0.shape)  # makes softmax's grad non-zero
    x = tf.constant(x0, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(fn(x) * weights)
    grad = tape.gradient(y, x).numpy()
    numeric = numeric_gradient(lambda a: np.sum(REFERENCE[name](a) * weights), x0)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


def test_relu_options_follow_tf_keras():
    x = tf.constant([-2.0, -0.5, 0.2, 1.0, 4.0, 9.0])
    xs = x.numpy()
    got = activations.relu(x, alpha=0.1, max_value=5.0, threshold=0.5).numpy()
    expected = np.where(xs > 0.5, np.minimum(xs, 5.0), 0.0) - 0.1 * np.maximum(0.5 - xs, 0)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    np.testing.assert_allclose(activations.relu(x, alpha=0.3).numpy(),
                               np.where(xs > 0, xs, 0.3 * xs), rtol=1e-6)
    np.testing.assert_allclose(activations.relu(x, max_value=6).numpy(), np.clip(xs, 0, 6))
    compiled = tf.function(lambda t: activations.relu(t, alpha=0.1, max_value=5.0,
                                                      threshold=0.5))
    np.testing.assert_allclose(compiled(x).numpy(), got, rtol=1e-6)


def test_elu_alpha_and_gelu_approximate():
    x = tf.constant([-2.0, -0.1, 0.5, 3.0], tf.float64)
    xs = x.numpy()
    np.testing.assert_allclose(activations.elu(x, alpha=0.5).numpy(),
                               np.where(xs > 0, xs, 0.5 * np.expm1(xs)))
    approx = 0.5 * xs * (1 + np.tanh(np.sqrt(2 / np.pi) * (xs + 0.044715 * xs ** 3)))
    np.testing.assert_allclose(activations.gelu(x, approximate=True).numpy(), approx,
                               rtol=1e-10)


def test_softmax_axes_and_rank_error():
    x0 = np.random.randn(2, 3, 4)
    x = tf.constant(x0)
    np.testing.assert_allclose(activations.softmax(x, axis=1).numpy(),
                               np.exp(x0) / np.exp(x0).sum(1, keepdims=True), rtol=1e-10)
    np.testing.assert_allclose(activations.softmax(x, axis=(1, 2)).numpy(),
                               np.exp(x0) / np.exp(x0).sum((1, 2), keepdims=True), rtol=1e-10)
    with pytest.raises(ValueError, match="1D"):
        activations.softmax(tf.constant([1.0, 2.0]))


def test_get_serialize_deserialize():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get(activations.tanh) is activations.tanh
    custom = lambda t: t * 2  # noqa: E731
    assert activations.get(custom) is custom
    for name in REFERENCE:
        fn = activations.get(name)
        assert activations.deserialize(activations.serialize(fn)) is fn
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(activations.swish) == "swish"
    # Keras 3 writes functions as dicts
    keras3 = {"module": "keras.activations", "class_name": "function", "config": "relu",
              "registered_name": "function"}
    assert activations.get(keras3) is activations.relu


def test_unknown_and_custom_objects():
    with pytest.raises(ValueError, match="Unknown activation function: 'foo'"):
        activations.get("foo")
    with pytest.raises(TypeError, match="Could not interpret activation"):
        activations.get(3)

    def double(t):
        return t * 2

    assert activations.deserialize("double", custom_objects={"double": double}) is double
    assert activations.serialize(double) == "double"


def test_activation_layer_configs_deserialize_to_layers():
    from eagerflow.keras.layers import activation_layers

    layer = activations.get({"class_name": "LeakyReLU", "config": {"alpha": 0.1}})
    assert isinstance(layer, activation_layers.LeakyReLU)
    np.testing.assert_allclose(layer(tf.constant([-1.0, 2.0])).numpy(), [-0.1, 2.0], rtol=1e-6)
    serialized = activations.serialize(layer)
    assert serialized["class_name"] == "LeakyReLU" and serialized["module"] == "keras.layers"


def test_threshold_sparsemax_axis_and_glu_errors():
    x = tf.constant([[-1.0, 0.5, 2.0]])
    np.testing.assert_allclose(activations.threshold(x, 0.4, -9.0).numpy(), [[-9.0, 0.5, 2.0]])
    x0 = np.random.randn(3, 5, 2)
    got = activations.sparsemax(tf.constant(x0), axis=1).numpy()
    np.testing.assert_allclose(got, np.moveaxis(_sparsemax(np.moveaxis(x0, 1, -1)), -1, 1),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-10)
    with pytest.raises(ValueError, match="even size"):
        activations.glu(tf.constant([[1.0, 2.0, 3.0]]))
