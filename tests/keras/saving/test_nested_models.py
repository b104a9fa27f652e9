"""Nested models in tf_keras-dialect configs (legacy `.h5`, `to_json`): tf_keras numbers a
nested model's calls from node 1 (its node 0 is its own construction); eagerflow from 0."""

import json
import os

import h5py
import numpy as np

import eagerflow as tf

DATA = os.path.join(os.path.dirname(__file__), "data")
EXPECTED = np.load(os.path.join(DATA, "tfk_nested_outputs.npz"))


def _nested_model():
    inner_in = tf.keras.Input((3,), name="inner_in")
    inner = tf.keras.Model(inner_in, tf.keras.layers.Dense(4, activation="tanh",
                                                           name="inner_d")(inner_in),
                           name="inner")
    head = tf.keras.Sequential([tf.keras.Input((8,)), tf.keras.layers.Dense(2, name="head_d")],
                               name="head")
    left, right = tf.keras.Input((3,), name="left"), tf.keras.Input((3,), name="right")
    joined = tf.keras.layers.Concatenate(name="cat")([inner(left), inner(right)])
    return tf.keras.Model([left, right], [head(joined), inner(left)])


def _outputs(model):
    x, y = EXPECTED["x"], EXPECTED["y"]
    eager = [o.numpy() for o in model([x, y])]
    traced = tf.function(lambda a, b: model([a, b]))(tf.constant(x), tf.constant(y))
    for left, right in zip(eager, traced):
        np.testing.assert_allclose(left, right.numpy(), rtol=1e-6, atol=1e-6)
    return eager


def _references(config):
    layers = config["config"]["layers"]
    return ({entry["name"]: entry["inbound_nodes"] for entry in layers},
            config["config"]["output_layers"])


def test_reads_tf_keras_nested_models():
    model = tf.keras.models.load_model(os.path.join(DATA, "tfk_nested.h5"))
    first, second = _outputs(model)
    np.testing.assert_allclose(first, EXPECTED["out0"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(second, EXPECTED["out1"], rtol=1e-5, atol=1e-6)


def test_writes_nested_node_numbers_as_tf_keras(tmp_path):
    _nested_model().save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as ours, \
            h5py.File(os.path.join(DATA, "tfk_nested.h5"), "r") as theirs:
        ours_config = json.loads(ours.attrs["model_config"])
        theirs_config = json.loads(theirs.attrs["model_config"])
    assert _references(ours_config) == _references(theirs_config)


def test_h5_and_json_round_trips_of_nested_models(tmp_path):
    model = _nested_model()
    expected = _outputs(model)
    model.save(tmp_path / "m.h5")
    loaded = tf.keras.models.load_model(tmp_path / "m.h5")
    for left, right in zip(_outputs(loaded), expected):
        np.testing.assert_allclose(left, right, rtol=1e-6, atol=1e-6)
    rebuilt = tf.keras.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    for left, right in zip(_outputs(rebuilt), expected):
        np.testing.assert_allclose(left, right, rtol=1e-6, atol=1e-6)


def test_keras_zip_keeps_keras3_numbering(tmp_path):
    model = _nested_model()
    model.save(tmp_path / "m.keras")
    loaded = tf.keras.models.load_model(tmp_path / "m.keras")
    for left, right in zip(_outputs(loaded), _outputs(model)):
        np.testing.assert_allclose(left, right, rtol=1e-6, atol=1e-6)
