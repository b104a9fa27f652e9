"""The older tf.keras.layers.experimental(.preprocessing) names point at the same classes."""

import numpy as np

import eagerflow as tf


def test_old_names():
    experimental = tf.keras.layers.experimental
    assert experimental.preprocessing.Normalization is tf.keras.layers.Normalization
    assert experimental.preprocessing.StringLookup is tf.keras.layers.StringLookup
    assert experimental.EinsumDense is tf.keras.layers.EinsumDense
    layer = experimental.preprocessing.Rescaling(1 / 255)
    np.testing.assert_allclose(layer(np.full((1, 2), 255.0, np.float32)).numpy(), [[1.0, 1.0]])
