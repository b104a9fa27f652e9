"""Tests of Normalization, Discretization and Rescaling: values against NumPy and tf_keras
2.21, adapt on arrays and datasets, weights and configs, compiled and symbolic calls."""

import numpy as np
import pytest

import eagerflow as tf
from tests.keras.layer_harness import check_layer

layers = tf.keras.layers
X = np.arange(12, dtype="float32").reshape(4, 3) ** 1.5


def test_normalization_adapt_matches_numpy_and_tf_keras():
    layer = layers.Normalization(name="normalization")
    layer.adapt(X)
    assert [(w.name, tuple(w.shape), w.dtype.name) for w in layer.weights] == [
        ("normalization/mean:0", (3,), "float32"), ("normalization/variance:0", (3,), "float32"),
        ("normalization/count:0", (), "int64")]
    assert layer.trainable_weights == []
    np.testing.assert_allclose(layer.weights[0].numpy(), X.mean(0), rtol=1e-6)
    np.testing.assert_allclose(layer.weights[1].numpy(), X.var(0), rtol=1e-5)
    assert int(layer.weights[2].numpy()) == 4
    out = layer(X).numpy()
    np.testing.assert_allclose(out, (X - X.mean(0)) / X.std(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[0], [-1.141009, -1.193667, -1.222108], atol=1e-5)  # tf_keras
    check_layer(lambda **kw: _adapted(layers.Normalization(**kw)), X, check_gradients=False)


def _adapted(layer):
    layer.adapt(X)
    return layer


def test_normalization_adapt_on_dataset_batches_equals_whole_array():
    data = np.random.default_rng(0).standard_normal((50, 4, 3)).astype("float32") * 3 + 1
    whole = layers.Normalization(axis=(1, 2))
    whole.adapt(data)
    batched = layers.Normalization(axis=(1, 2))
    batched.adapt(tf.data.Dataset.from_tensor_slices(data).batch(7))
    assert tuple(batched.weights[0].shape) == (4, 3)
    np.testing.assert_allclose(batched.weights[0].numpy(), data.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(batched.weights[1].numpy(), data.var(0), rtol=1e-4)
    np.testing.assert_allclose(batched(data).numpy(), whole(data).numpy(), atol=1e-5)
    scalar = layers.Normalization(axis=None)
    scalar.adapt(data, batch_size=16)
    np.testing.assert_allclose(scalar(data).numpy(), (data - data.mean()) / data.std(),
                               atol=1e-4)


def test_normalization_given_statistics_invert_and_config():
    layer = layers.Normalization(mean=[1.0, 2, 3], variance=[4.0, 4, 0], invert=True)
    np.testing.assert_allclose(layer(X).numpy(), [1.0, 2, 3] + X * [2.0, 2, 1e-7], rtol=1e-6)
    assert layer.weights == []
    config = layer.get_config()
    assert config["mean"] == [1.0, 2.0, 3.0] and config["invert"] is True
    clone = layers.Normalization.from_config(config)
    np.testing.assert_allclose(clone(X).numpy(), layer(X).numpy())
    compiled = tf.function(lambda x: layer(x))
    np.testing.assert_allclose(compiled(X).numpy(), layer(X).numpy())


def test_normalization_state_saves_through_weights():
    layer = layers.Normalization()
    layer.adapt(X)
    clone = layers.Normalization.from_config(layer.get_config())
    clone.build((None, 3))
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(X).numpy(), layer(X).numpy())
    model = tf.keras.Sequential([tf.keras.Input((3,)), layer, layers.Dense(1)])
    assert model(X).shape == (4, 1)


def test_normalization_errors():
    with pytest.raises(ValueError, match="may not be 0"):
        layers.Normalization(axis=0)
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="cannot\n?.*adapted|cannot also be adapted"):
        layers.Normalization(mean=1.0, variance=1.0).adapt(X)
    with pytest.raises(TypeError, match="adapt"):
        layers.Normalization().adapt({"a": X})


def test_discretization_boundaries_and_adapt_match_tf_keras():
    layer = layers.Discretization(num_bins=4)
    layer.adapt(np.arange(12, dtype="float64"))
    assert layer.bin_boundaries == [2.0, 5.0, 8.0]  # as tf_keras adapts this data
    values = np.array([[-1.0, 2.9, 3, 8.5, 100]])
    np.testing.assert_array_equal(layer(values).numpy(), [[0, 1, 1, 3, 3]])
    assert layer(values).dtype == tf.int64
    compiled = tf.function(lambda x: layer(x))
    np.testing.assert_array_equal(compiled(values).numpy(), [[0, 1, 1, 3, 3]])
    clone = layers.Discretization.from_config(layer.get_config())
    np.testing.assert_array_equal(clone(values).numpy(), [[0, 1, 1, 3, 3]])
    one_hot = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array([-1.0, 0.5, 3])).numpy(), np.eye(3))
    check_layer(lambda **kw: layers.Discretization(bin_boundaries=[0.0, 1.0], **kw),
                np.array([[-1.0, 0.0, 1.0, 0.5]], "float32"),
                expected=np.array([[0, 1, 2, 1]]), check_gradients=False)


def test_discretization_errors():
    with pytest.raises(ValueError, match="num_bins"):
        layers.Discretization(num_bins=-1)
    with pytest.raises(ValueError, match="should not be set"):
        layers.Discretization(num_bins=5, bin_boundaries=[1.0])
    with pytest.raises(ValueError, match="output_mode"):
        layers.Discretization(bin_boundaries=[1.0], output_mode="bad")


def test_rescaling():
    pixels = np.array([[0, 128, 255]], dtype="uint8")
    layer = layers.Rescaling(1 / 127.5, offset=-1)
    np.testing.assert_allclose(layer(pixels).numpy(), [[-1.0, 128 / 127.5 - 1, 1.0]], atol=1e-6,
                               rtol=1e-6)
    assert layer.get_config()["scale"] == pytest.approx(1 / 127.5)
    check_layer(lambda **kw: layers.Rescaling([0.5, 2.0], offset=1.0, **kw),
                np.ones((2, 2), "float32"), expected=np.array([[1.5, 3.0]] * 2))
