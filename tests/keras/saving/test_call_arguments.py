"""Legacy `.h5` / JSON of layers called with extra inputs (MultiHeadAttention's `value`, `key`,
`attention_mask`): tf_keras keeps them as call keyword arguments holding tensor references."""

import json

import h5py
import numpy as np

import eagerflow as tf

RNG = np.random.default_rng(0)
INPUTS = [RNG.normal(size=(2, 4, 8)).astype("float32"),
          RNG.normal(size=(2, 5, 8)).astype("float32"), RNG.random((2, 4, 5)) > 0.3]


def _attention_model():
    query = tf.keras.Input((4, 8), name="q")
    value = tf.keras.Input((5, 8), name="v")
    mask = tf.keras.Input((4, 5), name="mask", dtype="bool")
    hidden = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")(
        query, value, value, mask)
    output = tf.keras.layers.MultiHeadAttention(num_heads=1, key_dim=2, name="mha2")(
        hidden, value=value, use_causal_mask=True)
    return tf.keras.Model([query, value, mask], output)


def _predict(model):
    eager = model(INPUTS).numpy()
    traced = tf.function(lambda a, b, c: model([a, b, c]))(*[tf.constant(x) for x in INPUTS])
    np.testing.assert_allclose(eager, traced.numpy(), rtol=1e-6, atol=1e-6)
    return eager


def _nodes(config):
    return {layer["name"]: layer["inbound_nodes"] for layer in config["config"]["layers"]}


def test_h5_writes_extra_positional_inputs_as_named_kwargs(tmp_path):
    model = _attention_model()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as h5file:
        config = json.loads(h5file.attrs["model_config"])
    nodes = _nodes(config)
    # The layout tf_keras 2.21 writes for the same calls (observed).
    assert nodes["mha"] == [[["q", 0, 0, {"value": ["v", 0, 0], "key": ["v", 0, 0],
                                          "attention_mask": ["mask", 0, 0]}]]]
    assert nodes["mha2"] == [[["mha", 0, 0, {"value": ["v", 0, 0],
                                           "use_causal_mask": True}]]]


def test_h5_round_trip_with_extra_call_inputs(tmp_path):
    model = _attention_model()
    expected = _predict(model)
    model.save(tmp_path / "m.h5")
    loaded = tf.keras.models.load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(_predict(loaded), expected, rtol=1e-6, atol=1e-6)


def test_json_round_trip_with_extra_call_inputs():
    model = _attention_model()
    nodes = _nodes(json.loads(model.to_json()))
    assert set(nodes["mha"][0][0][3]) == {"value", "key", "attention_mask"}
    rebuilt = tf.keras.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(_predict(rebuilt), _predict(model), rtol=1e-6, atol=1e-6)


def test_layer_with_list_input_keeps_one_reference_per_tensor(tmp_path):
    left, right = tf.keras.Input((2,), name="left"), tf.keras.Input((3,), name="right")
    joined = tf.keras.layers.Concatenate(name="cat")([left, right])
    model = tf.keras.Model([left, right], tf.keras.layers.Dense(1, name="out")(joined))
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as h5file:
        nodes = _nodes(json.loads(h5file.attrs["model_config"]))
    assert nodes["cat"] == [[["left", 0, 0, {}], ["right", 0, 0, {}]]]
    loaded = tf.keras.models.load_model(tmp_path / "m.h5")
    data = [np.ones((1, 2), "float32"), np.arange(3, dtype="float32")[None]]
    np.testing.assert_allclose(loaded(data).numpy(), model(data).numpy(), rtol=1e-6)


def test_reads_tf_keras_file_with_extra_call_inputs():
    import os

    data = os.path.join(os.path.dirname(__file__), "data")
    expected = np.load(os.path.join(data, "tfk_attention_outputs.npz"))
    model = tf.keras.models.load_model(os.path.join(data, "tfk_attention.h5"))
    inputs = [expected["q"], expected["v"], expected["mask"]]
    np.testing.assert_allclose(model(inputs).numpy(), expected["out"], rtol=1e-5, atol=1e-6)
    traced = tf.function(lambda a, b, c: model([a, b, c]))(*[tf.constant(x) for x in inputs])
    np.testing.assert_allclose(traced.numpy(), expected["out"], rtol=1e-5, atol=1e-6)


def test_nested_model_with_extra_call_inputs_round_trips(tmp_path):
    inner = _attention_model()
    query = tf.keras.Input((4, 8), name="outer_q")
    value = tf.keras.Input((5, 8), name="outer_v")
    mask = tf.keras.Input((4, 5), name="outer_mask", dtype="bool")
    model = tf.keras.Model([query, value, mask], inner([query, value, mask]))
    model.save(tmp_path / "m.h5")
    loaded = tf.keras.models.load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(_predict(loaded), _predict(model), rtol=1e-6, atol=1e-6)
