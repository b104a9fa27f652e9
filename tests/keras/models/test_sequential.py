"""Sequential: building with and without an input shape, add/pop, summary, config."""

import numpy as np
import pytest

import eagerflow as tf

RNG = np.random.default_rng(2)


def _stack(**first_kwargs):
    return tf.keras.Sequential([
        tf.keras.layers.Dense(8, activation="relu", **first_kwargs),
        tf.keras.layers.Dense(3, activation="softmax"),
    ])


def _reference(model, x):
    k1, b1, k2, b2 = model.get_weights()
    h = np.maximum(x @ k1 + b1, 0) @ k2 + b2
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_input_shape_builds_a_graph_at_once():
    model = _stack(input_shape=(4,))
    assert model.built
    assert model.output_shape == (None, 3)
    assert [layer.output_shape for layer in model.layers] == [(None, 8), (None, 3)]
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(model(x).numpy(), _reference(model, x), rtol=1e-5, atol=1e-6)


def test_deferred_build_on_first_call_eager_and_compiled():
    model = _stack()
    assert not model.built and model.weights == []
    x = RNG.standard_normal((2, 6)).astype(np.float32)
    compiled = tf.function(lambda t: model(t))
    out = compiled(x)  # the first call happens while tracing
    assert model.built and len(model.weights) == 4
    np.testing.assert_allclose(out.numpy(), _reference(model, x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(x).numpy(), out.numpy(), rtol=1e-6)


def test_input_object_first_and_add_pop():
    model = tf.keras.Sequential()
    model.add(tf.keras.Input(shape=(3,)))
    model.add(tf.keras.layers.Dense(2))
    model.add(tf.keras.layers.Dense(5))
    assert model.output_shape == (None, 5)
    popped = model.pop()
    assert isinstance(popped, tf.keras.layers.Dense)
    assert model.output_shape == (None, 2)
    assert len(model.layers) == 1
    with pytest.raises(TypeError, match="instance of class Layer"):
        model.add("dense")


def test_duplicate_layer_names_are_refused():
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, name="same")])
    with pytest.raises(ValueError, match="unique names"):
        model.add(tf.keras.layers.Dense(2, name="same"))


def test_summary_lists_layers_and_counts(capsys):
    model = _stack(input_shape=(4,))
    model.summary()
    text = capsys.readouterr().out
    assert f'Model: "{model.name}"' in text
    assert "(None, 8)" in text and "40" in text and "27" in text
    assert "Total params: 67" in text and "Non-trainable params: 0" in text


def test_summary_of_unbuilt_model_raises():
    with pytest.raises(ValueError, match="not yet been built"):
        _stack().summary()


def test_config_round_trip():
    model = _stack(input_shape=(4,))
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    clone = tf.keras.Sequential.from_config(config)
    clone.set_weights(model.get_weights())
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_trainable_false_moves_weights_to_non_trainable():
    model = _stack(input_shape=(4,))
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == 2
    model.trainable = False
    assert model.trainable_weights == []
