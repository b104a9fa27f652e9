"""Input / InputLayer: shapes, names, config."""

import pytest

import eagerflow as tf


def test_input_shapes():
    assert tf.keras.Input(shape=(3,)).shape.as_list() == [None, 3]
    assert tf.keras.Input(shape=(3,), batch_size=8).shape.as_list() == [8, 3]
    assert tf.keras.Input(batch_shape=(2, None)).shape.as_list() == [2, None]
    assert tf.keras.Input(shape=5).shape.as_list() == [None, 5]


def test_input_layer_config_round_trip():
    layer = tf.keras.layers.InputLayer(input_shape=(4,), dtype="int32", name="ids")
    clone = tf.keras.layers.InputLayer.from_config(layer.get_config())
    assert clone.batch_shape == (None, 4) and clone.dtype == "int32" and clone.name == "ids"
    keras3 = tf.keras.layers.InputLayer.from_config(
        {"batch_shape": [None, 2], "dtype": "float32", "sparse": False, "name": "x"})
    assert keras3.batch_shape == (None, 2)


def test_errors():
    with pytest.raises(ValueError, match="input_shape"):
        tf.keras.layers.InputLayer()
    with pytest.raises(ValueError, match="sparse"):
        tf.keras.Input(shape=(2,), sparse=True)
