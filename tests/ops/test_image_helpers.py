"""convert_image_dtype (eagerflow/ops/image/helpers.py): every dtype pair against TF 2.21
(tests/ops/image_reference.py), eager and inside tf.function, and the uint8 round trip."""

import numpy as np
import pytest

import eagerflow as tf
from tests.ops.image_reference import V, check_tf_reference, image, tf_cases

TF_CASES = tf_cases("helpers")


@pytest.mark.parametrize("name,compute", TF_CASES, ids=[c[0] for c in TF_CASES])
def test_matches_tensorflow(name, compute):
    check_tf_reference(name, compute)


def test_float_conversions_round_trip():
    u8 = np.arange(256, dtype=np.uint8)
    back = image.convert_image_dtype(image.convert_image_dtype(u8, tf.float32), tf.uint8)
    np.testing.assert_array_equal(back.numpy(), u8)
    assert image.convert_image_dtype(u8, tf.uint8).dtype == tf.uint8
    assert image.convert_image_dtype(V, tf.float16).dtype == tf.float16
