"""Models of the layer families saved by real tf_keras 2.21 (legacy .h5) and Keras 3.15
(.keras) load here and predict what they predicted there (data/family_model_*).

The model: Conv2D -> BatchNormalization (trained, so moving statistics matter) ->
DepthwiseConv2D -> SeparableConv2D -> PReLU -> [MaxPooling2D, AveragePooling2D] ->
concatenate -> Conv2DTranspose -> LayerNormalization -> GroupNormalization -> ZeroPadding2D ->
Cropping2D -> UpSampling2D -> Conv2D -> Flatten -> Dropout -> Dense.
"""

import pathlib

import numpy as np
import pytest

import eagerflow as tf

DATA = pathlib.Path(__file__).parent / "data"


@pytest.mark.parametrize("name,filename", [("tf_keras", "family_model_tf_keras.h5"),
                                           ("keras3", "family_model_keras3.keras")])
def test_real_keras_model_predicts_the_same(name, filename):
    x = np.load(DATA / "family_model_input.npy")
    expected = np.load(DATA / f"family_model_{name}_output.npy")
    model = tf.keras.models.load_model(DATA / filename, compile=False)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-4, atol=1e-6)
    bn = next(layer for layer in model.layers if type(layer).__name__ == "BatchNormalization")
    assert not np.allclose(bn.moving_mean.numpy(), 0)  # trained statistics were loaded


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def test_loaded_layers_report_the_configs_tf_keras_wrote():
    import json

    import h5py

    path = DATA / "family_model_tf_keras.h5"
    with h5py.File(path, "r") as file:
        written = json.loads(file.attrs["model_config"])["config"]["layers"]
    model = tf.keras.models.load_model(path, compile=False)
    mine = {layer.name: json.loads(json.dumps(layer.get_config())) for layer in model.layers}
    for entry in written:
        if entry["class_name"] == "InputLayer":
            continue
        config = entry["config"]
        assert _same(mine[config["name"]], config), (entry["class_name"],
                                                     mine[config["name"]], config)
