"""keras.preprocessing re-exports the keras.utils helpers under their older names."""

import numpy as np

import eagerflow as tf


def test_old_names_point_at_the_utils_functions():
    preprocessing = tf.keras.preprocessing
    assert preprocessing.sequence.pad_sequences is tf.keras.utils.pad_sequences
    assert preprocessing.image.load_img is tf.keras.utils.load_img
    padded = preprocessing.sequence.pad_sequences([[1, 2], [3]], maxlen=3)
    np.testing.assert_array_equal(padded, [[0, 1, 2], [0, 0, 3]])
