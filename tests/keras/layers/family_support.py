"""Shared checks for the layer-family tests (convolutional, pooling, normalization, ...)."""

from __future__ import annotations

import json

import numpy as np

import eagerflow as tf


def run_eager_and_compiled(layer, inputs, **call_kwargs):
    """(eager output, tf.function output) of `layer(inputs, **call_kwargs)` as NumPy arrays."""
    eager = layer(inputs, **call_kwargs)
    compiled = tf.function(lambda x: layer(x, **call_kwargs))(inputs)
    return (tf.nest.map_structure(lambda t: t.numpy(), eager),
            tf.nest.map_structure(lambda t: t.numpy(), compiled))


def assert_eager_matches_compiled(layer, inputs, expected=None, atol=1e-5, **call_kwargs):
    """Run both ways, compare with each other and (if given) with `expected`; return output."""
    eager, compiled = run_eager_and_compiled(layer, inputs, **call_kwargs)
    np.testing.assert_allclose(eager, compiled, rtol=1e-5, atol=atol)
    if expected is not None:
        np.testing.assert_allclose(eager, expected, rtol=1e-4, atol=atol)
    return eager


def config_round_trip(layer, inputs, **call_kwargs):
    """A layer rebuilt from get_config with the same weights gives the same output."""
    layer(inputs, **call_kwargs)
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    clone(inputs, **call_kwargs)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(inputs, **call_kwargs).numpy(),
                               layer(inputs, **call_kwargs).numpy(), rtol=1e-6, atol=1e-6)
    return config
