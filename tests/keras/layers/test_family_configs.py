"""Configs written by real tf_keras 2.21 and Keras 3.15 load into the layer families, and
the families write tf_keras's keys and values back."""

import json
import math
import pathlib

import numpy as np
import pytest

import eagerflow as tf

CONFIGS = json.loads((pathlib.Path(__file__).parent / "data" / "family_configs.json")
                     .read_text())
# where eagerflow's config differs from tf_keras's on purpose
KNOWN_EXTRA = {"SpatialDropout2D": {"data_format"}}  # Keras 3 writes it; tf_keras drops it


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-6)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("class_name", sorted(CONFIGS["tf_keras"]))
def test_tf_keras_config_round_trip(class_name):
    written = CONFIGS["tf_keras"][class_name]
    layer = getattr(tf.keras.layers, class_name).from_config(written)
    mine = json.loads(json.dumps(layer.get_config()))
    extra = set(mine) - set(written) - KNOWN_EXTRA.get(class_name, set())
    missing = set(written) - set(mine)
    assert not extra and not missing, (extra, missing)
    for key in set(mine) & set(written):
        assert _same(mine[key], written[key]), (key, mine[key], written[key])


def _without_initializer_axes(value):
    # Keras 3.15 writes input_axes/output_axes in GlorotUniform configs, which
    # eagerflow.keras.initializers does not accept yet (reported to its owner)
    if isinstance(value, dict):
        return {k: _without_initializer_axes(v) for k, v in value.items()
                if k not in ("input_axes", "output_axes")}
    return value


@pytest.mark.parametrize("class_name", sorted(CONFIGS["keras3"]))
def test_keras3_config_loads(class_name):
    serialized = CONFIGS["keras3"][class_name]
    layer = getattr(tf.keras.layers, class_name).from_config(
        _without_initializer_axes(serialized["config"]))
    config = layer.get_config()
    for key in ("axis", "filters", "kernel_size", "strides", "padding", "pool_size", "rate",
                "epsilon", "momentum", "size", "cropping", "target_shape", "dims", "n"):
        if key in serialized["config"]:
            assert _same(json.loads(json.dumps(config[key])), serialized["config"][key]), key


def test_keras3_layer_normalization_rms_config_computes_keras3_formula():
    config = dict(CONFIGS["keras3"]["LayerNormalization"]["config"], rms_scaling=True)
    layer = tf.keras.layers.LayerNormalization.from_config(config)
    x = np.array([[1.0, 2.0, 4.0]], np.float32)
    np.testing.assert_allclose(layer(x).numpy(), x / np.sqrt(x.var() + 1e-3), rtol=1e-5)
