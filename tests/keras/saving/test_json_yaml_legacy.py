"""Model JSON/YAML text (Keras's layout, safe parsers only) and the legacy .h5 details:
attribute chunking, ":0" names, by_name loading, training config."""

import json

import h5py
import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import saving
from eagerflow.keras.saving import legacy_h5

from .helpers import X, functional_model, predictions, sequential_model


@pytest.mark.parametrize("build", [functional_model, sequential_model])
def test_json_round_trip(build):
    model = build(None)
    text = saving.model_to_json(model)
    parsed = json.loads(text)
    assert parsed["keras_version"] == tf.keras.__version__ and parsed["backend"] == "tensorflow"
    assert parsed["class_name"] == type(model).__name__
    rebuilt = saving.model_from_json(text)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_array_equal(predictions(rebuilt), predictions(model))
    assert tf.keras.models.model_from_json(model.to_json()).count_params() == model.count_params()


def test_model_from_config_accepts_keras2_layout():
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3],
                                                "dtype": "float32", "name": "in"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "relu"}}]}}
    model = saving.model_from_config(config)
    assert model(X).shape == (5, 2)
    with pytest.raises(TypeError, match="config dict"):
        saving.model_from_config("Sequential")


def test_yaml_round_trip_uses_plain_data():
    model = sequential_model(None)
    text = saving.model_to_yaml(model)
    assert "!!" not in text
    rebuilt = saving.model_from_yaml(text)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_array_equal(rebuilt(X).numpy(), model(X).numpy())


@pytest.mark.parametrize("text, match", [
    ("!!python/object/apply:os.system ['touch /tmp/pwned']", "tag"),
    ("class_name: !!python/name:builtins.eval ''", "tag"),
    ("a: &x [1]\nb: [*x, *x]", "anchors"),
    ("a: [unclosed", "parsed safely"),
    (b"\xff\xfe", "UTF-8"),
])
def test_yaml_refuses_tags_aliases_and_garbage(text, match):
    with pytest.raises(ValueError, match=match):
        saving.model_from_yaml(text)


def test_yaml_nesting_bomb_is_refused():
    with pytest.raises(ValueError):
        saving.model_from_yaml("[" * 5000 + "]" * 5000)


def test_json_refuses_code_paths():
    config = {"module": "os", "class_name": "system", "config": {}}
    with pytest.raises(TypeError, match="Could not"):
        saving.model_from_json(json.dumps(config))


def test_attribute_chunking_round_trip(tmp_path):
    names = [f"layer_{i:05d}_" + "x" * 40 for i in range(3000)]
    with h5py.File(tmp_path / "a.h5", "w") as h5file:
        legacy_h5.save_attributes(h5file, "layer_names", names)
        assert "layer_names" not in h5file.attrs and "layer_names1" in h5file.attrs
    with h5py.File(tmp_path / "a.h5", "r") as h5file:
        assert legacy_h5.load_attributes(h5file, "layer_names", "file") == names


def test_attribute_chunks_written_by_tf_keras_as_fixed_bytes(tmp_path):
    with h5py.File(tmp_path / "a.h5", "w") as h5file:
        h5file.attrs["weight_names0"] = np.array([b"d/kernel:0"])
        h5file.attrs["weight_names1"] = np.array([b"d/bias:0"])
    with h5py.File(tmp_path / "a.h5", "r") as h5file:
        assert legacy_h5.load_attributes(h5file, "weight_names", "f") == ["d/kernel:0",
                                                                          "d/bias:0"]


def test_full_legacy_file_layout(tmp_path):
    model = functional_model()
    path = tmp_path / "m.h5"
    saving.save_model(model, path)
    with h5py.File(path, "r") as h5file:
        assert h5file.attrs["backend"] == "tensorflow"
        config = json.loads(h5file.attrs["model_config"])
        d1 = next(e for e in config["config"]["layers"] if e["name"] == "d1")
        assert d1["inbound_nodes"] == [[["x", 0, 0, {}]]]  # tf_keras node lists
        assert "module" not in d1
        training = json.loads(h5file.attrs["training_config"])
        assert training["loss"] == "mse"
        assert training["optimizer_config"]["class_name"] == "Custom>Adam"
        assert training["optimizer_config"]["config"]["is_legacy_optimizer"] is False
        layer_names = list(h5file["model_weights"].attrs["layer_names"])
        assert layer_names == [layer.name for layer in model.layers]
        assert list(h5file["model_weights/d1"].attrs["weight_names"]) == ["d1/kernel:0",
                                                                          "d1/bias:0"]
        assert h5file["model_weights/d1/d1/kernel:0"].shape == (3, 4)
        assert list(h5file["optimizer_weights"].attrs["weight_names"])[0] == "iteration:0"


def test_by_name_loads_matching_layers_only(tmp_path):
    source = sequential_model(None)
    path = tmp_path / "w.h5"
    saving.save_weights(source, path)
    first = source.layers[0]
    target = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(3,), name=first.name),
                                  tf.keras.layers.Dense(7, name="other")])
    before_other = target.layers[1].get_weights()
    saving.load_weights(target, path, by_name=True)
    np.testing.assert_array_equal(target.layers[0].get_weights()[0], first.get_weights()[0])
    np.testing.assert_array_equal(target.layers[1].get_weights()[0], before_other[0])


def test_by_order_mismatch_names_the_counts(tmp_path):
    path = tmp_path / "w.h5"
    saving.save_weights(sequential_model(None), path)
    one_layer = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="1 layers with weights but the file holds 2"):
        saving.load_weights(one_layer, path)
    with pytest.raises(ValueError, match="skip_mismatch"):
        saving.load_weights(one_layer, path, skip_mismatch=True)


def test_skip_mismatch_by_name(tmp_path):
    path = tmp_path / "w.h5"
    source = sequential_model(None)
    saving.save_weights(source, path)
    target = tf.keras.Sequential([tf.keras.layers.Dense(5, input_shape=(3,),
                                                        name=source.layers[0].name)])
    before = target.get_weights()
    saving.load_weights(target, path, by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(target.get_weights()[0], before[0])
    with pytest.raises(ValueError, match="shape"):
        saving.load_weights(target, path, by_name=True)


def test_weights_only_file_is_not_a_model(tmp_path):
    path = tmp_path / "w.h5"
    saving.save_weights(sequential_model(None), path)
    with pytest.raises(ValueError, match="weights only"):
        saving.load_model(path)
