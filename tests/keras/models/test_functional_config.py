"""Rebuilding functional models from configs: Keras 3 and Keras 2 layouts, and bad configs."""

import numpy as np
import pytest

import eagerflow as tf
from tests.keras.models.test_functional import _seed_model


def test_keras2_config_layout_loads():
    config = {
        "name": "model", "layers": [
            {"class_name": "InputLayer", "name": "x",
             "config": {"batch_input_shape": [None, 3], "dtype": "float32", "name": "x"},
             "inbound_nodes": []},
            {"class_name": "Dense", "name": "d",
             "config": {"name": "d", "units": 2, "activation": "relu"},
             "inbound_nodes": [[["x", 0, 0, {}]]]},
        ],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}
    model = tf.keras.Model.from_config(config)
    assert model(np.ones((4, 3), np.float32)).shape == (4, 2)


def test_bad_config_references_are_refused():
    config = _seed_model().get_config()
    config["layers"][3]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = [
        "nowhere", 0, 0]
    with pytest.raises(ValueError, match="unknown layer 'nowhere'"):
        tf.keras.Model.from_config(config)



def test_duplicate_layer_names_are_refused():
    config = _seed_model().get_config()
    config["layers"][3]["name"] = config["layers"][4]["name"]
    with pytest.raises(ValueError, match="twice"):
        tf.keras.Model.from_config(config)


def test_a_layer_whose_input_never_comes_is_reported():
    config = _seed_model().get_config()
    history = config["layers"][3]["inbound_nodes"][0]["args"][0]["config"]["keras_history"]
    history[1] = 5  # a node of the embedding that does not exist
    with pytest.raises(ValueError, match="never produced"):
        tf.keras.Model.from_config(config)


def test_not_a_layer_list():
    with pytest.raises(ValueError, match="'layers' list"):
        tf.keras.Model.from_config({"layers": "dense", "input_layers": [], "output_layers": []})
