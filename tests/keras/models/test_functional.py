"""Functional models: graph building, replay eager and compiled, config round trips."""

import numpy as np
import pytest

import eagerflow as tf

RNG = np.random.default_rng(1)


def _seed_model():
    text_input_a = tf.keras.Input(shape=(None,), dtype="int32")
    text_input_b = tf.keras.Input(shape=(None,), dtype="int32")
    shared_embedding = tf.keras.layers.Embedding(1000, 16)
    encoded_a = shared_embedding(text_input_a)
    encoded_b = shared_embedding(text_input_b)
    prediction_a = tf.keras.layers.Dense(1, activation="sigmoid", name="prediction_a")(encoded_a)
    prediction_b = tf.keras.layers.Dense(1, activation="sigmoid", name="prediction_b")(encoded_b)
    return tf.keras.Model(inputs=[text_input_a, text_input_b],
                          outputs=[prediction_a, prediction_b])


def test_seed_two_input_shared_embedding_model():
    model = _seed_model()
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "InputLayer", "Embedding", "Dense", "Dense"]
    assert model.output_names == ["prediction_a", "prediction_b"]
    assert len(model.layers[2]._inbound_nodes) == 2  # the shared layer is called twice
    a = RNG.integers(0, 1000, (3, 5)).astype(np.int32)
    b = RNG.integers(0, 1000, (3, 7)).astype(np.int32)
    out_a, out_b = model([a, b])
    embedding, kernel_a, bias_a = (model.layers[2].get_weights()[0],
                                   *model.get_layer("prediction_a").get_weights())
    expected_a = 1 / (1 + np.exp(-(embedding[a] @ kernel_a + bias_a)))
    np.testing.assert_allclose(out_a.numpy(), expected_a, rtol=1e-5, atol=1e-6)
    assert out_b.shape == (3, 7, 1)
    compiled = tf.function(lambda x, y: model([x, y]))
    np.testing.assert_allclose(compiled(a, b)[1].numpy(), out_b.numpy(), rtol=1e-6)


def test_inputs_by_name_and_wrong_count():
    model = _seed_model()
    names = model.input_names
    a = np.zeros((2, 3), np.int32)
    out = model({names[0]: a, names[1]: a})
    assert out[0].shape == (2, 3, 1)
    with pytest.raises(ValueError, match="expects 2 input"):
        model([a])


def test_residual_connection_and_topological_order():
    inputs = tf.keras.Input(shape=(4,))
    hidden = tf.keras.layers.Dense(4, activation="relu", name="h")(inputs)
    added = tf.keras.layers.Dense(4, name="skip")(hidden) + inputs
    model = tf.keras.Model(inputs, added)
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    h_kernel, h_bias = model.get_layer("h").get_weights()
    s_kernel, s_bias = model.get_layer("skip").get_weights()
    expected = np.maximum(x @ h_kernel + h_bias, 0) @ s_kernel + s_bias + x
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_disconnected_graph_is_reported():
    a = tf.keras.Input(shape=(2,))
    b = tf.keras.Input(shape=(2,))
    out = tf.keras.layers.Dense(1)(b)
    with pytest.raises(ValueError, match="Graph disconnected"):
        tf.keras.Model(a, out)


def test_inputs_must_come_from_input():
    with pytest.raises(ValueError, match="tf.keras.Input"):
        tf.keras.Model(np.ones((2, 2)), tf.keras.Input(shape=(2,)))


def test_config_round_trip_rebuilds_the_same_graph():
    model = _seed_model()
    config = model.get_config()
    assert [entry["class_name"] for entry in config["layers"]] == [
        "InputLayer", "InputLayer", "Embedding", "Dense", "Dense"]
    embedding_entry = config["layers"][2]
    assert len(embedding_entry["inbound_nodes"]) == 2
    history = embedding_entry["inbound_nodes"][1]["args"][0]["config"]["keras_history"]
    assert history == [config["layers"][1]["name"], 0, 0]
    clone = tf.keras.Model.from_config(config)
    clone.set_weights(model.get_weights())
    a = RNG.integers(0, 1000, (2, 4)).astype(np.int32)
    for original, rebuilt in zip(model([a, a]), clone([a, a])):
        np.testing.assert_allclose(rebuilt.numpy(), original.numpy(), rtol=1e-6)


def test_functional_subclass_with_super_init():
    class Wrapped(tf.keras.Model):
        def __init__(self):
            inputs = tf.keras.Input(shape=(2,))
            super().__init__(inputs, tf.keras.layers.Dense(3)(inputs))

    model = Wrapped()
    assert isinstance(model, Wrapped)
    assert model(np.ones((1, 2), np.float32)).shape == (1, 3)
    assert len(model.weights) == 2


def test_training_flag_reaches_inner_layers():
    seen = []

    class Probe(tf.keras.layers.Layer):
        def call(self, inputs, training=None):
            seen.append(training)
            return inputs

    inputs = tf.keras.Input(shape=(2,))
    model = tf.keras.Model(inputs, Probe()(inputs))
    seen.clear()
    model(np.ones((1, 2), np.float32), training=True)
    model(np.ones((1, 2), np.float32))
    assert seen == [True, None]
