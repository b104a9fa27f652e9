"""Models holding the user's own (registered or passed-in) layers and functions."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import saving

from .helpers import X, predictions


@saving.register_keras_serializable(package="test_custom")
class Scale(tf.keras.layers.Layer):
    """y = x * w + offset, with a trainable w and a config value."""

    def __init__(self, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="random_normal")
        self.built = True

    def call(self, inputs):
        return inputs * self.w + self.offset

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}


class Unregistered(Scale):
    pass


def _model(layer_class):
    inputs = tf.keras.Input((3,), name="x")
    outputs = tf.keras.layers.Dense(2)(layer_class(offset=0.5, name="scale")(inputs))
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_registered_layer_round_trip(tmp_path, suffix):
    model = _model(Scale)
    path = tmp_path / f"m{suffix}"
    saving.save_model(model, path)
    loaded = saving.load_model(path)
    assert isinstance(loaded.get_layer("scale"), Scale)
    assert loaded.get_layer("scale").offset == 0.5
    np.testing.assert_array_equal(predictions(loaded), predictions(model))


def test_registered_layer_config_names_it():
    config = saving.serialize_keras_object(Scale(offset=2.0, name="s"))
    assert config["registered_name"] == "test_custom>Scale"
    assert config["config"]["offset"] == 2.0


def test_unregistered_layer_needs_custom_objects(tmp_path):
    model = _model(Unregistered)
    path = tmp_path / "m.keras"
    saving.save_model(model, path)
    with pytest.raises(TypeError, match="Unregistered"):
        saving.load_model(path)
    loaded = saving.load_model(path, custom_objects={"Unregistered": Unregistered})
    np.testing.assert_array_equal(loaded(X).numpy(), model(X).numpy())
    with saving.custom_object_scope({"Unregistered": Unregistered}):
        assert isinstance(saving.load_model(path).get_layer("scale"), Unregistered)


@saving.register_keras_serializable(package="test_custom")
def square(x):
    return x * x


def test_lambda_with_registered_function_round_trip(tmp_path):
    inputs = tf.keras.Input((3,))
    model = tf.keras.Model(inputs, tf.keras.layers.Lambda(square)(inputs))
    saving.save_model(model, tmp_path / "m.keras")
    loaded = saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded(X).numpy(), X * X)
