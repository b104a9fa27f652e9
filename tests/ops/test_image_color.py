"""Colour ops (eagerflow/ops/image/color.py): values against TF 2.21
(tests/ops/image_reference.py), NumPy and closed forms; gradients against finite differences;
eager, tf.function and unknown dims."""


import numpy as np
import pytest

import eagerflow as tf
from eagerflow.ops.image import color as color_ops
from tests.harness import OpCase, check_case
from tests.ops.image_reference import BOXES, G4, GIMG, GRGB, U8, check_tf_reference, image, tf_cases


def _np_hsv(rgb):
    import colorsys

    flat = rgb.reshape(-1, 3).astype(np.float64)
    return np.array([colorsys.rgb_to_hsv(*p) for p in flat]).reshape(rgb.shape)


def _np_rgb(hsv):
    import colorsys

    flat = hsv.reshape(-1, 3).astype(np.float64)
    return np.array([colorsys.hsv_to_rgb(*p) for p in flat]).reshape(hsv.shape)


def _np_standardize(x):
    return ((x - x.mean()) / max(x.std(), 1 / np.sqrt(x.size))).astype(x.dtype)


TF_CASES = tf_cases("color")


@pytest.mark.parametrize("name,compute", TF_CASES, ids=[c[0] for c in TF_CASES])
def test_matches_tensorflow(name, compute):
    check_tf_reference(name, compute)


CASES = [
    OpCase("rgb_to_hsv", image.rgb_to_hsv, (GRGB,), lambda x: _np_hsv(x).astype(np.float32)),
    OpCase("hsv_to_rgb", image.hsv_to_rgb, (GRGB,), lambda x: _np_rgb(x).astype(np.float32)),
    OpCase("rgb_to_yuv", image.rgb_to_yuv, (GRGB,),
           lambda x: x @ np.array(color_ops._RGB_TO_YUV, np.float32)),
    OpCase("yuv_round_trip", lambda x: image.yuv_to_rgb(image.rgb_to_yuv(x)), (GRGB,),
           lambda x: x, atol=1e-5),
    # TF's YIQ matrices are inverses to about 1e-4 only.
    OpCase("yiq_round_trip", lambda x: image.yiq_to_rgb(image.rgb_to_yiq(x)), (GRGB,),
           lambda x: x, atol=1e-4),
    OpCase("rgb_to_grayscale", image.rgb_to_grayscale, (GRGB,),
           lambda x: (x @ np.array([0.2989, 0.587, 0.114], np.float32))[..., None]),
    OpCase("grayscale_to_rgb", image.grayscale_to_rgb, (GIMG,), lambda x: np.repeat(x, 3, -1)),
    OpCase("adjust_brightness", lambda x: image.adjust_brightness(x, 0.25), (GRGB,),
           lambda x: x + np.float32(0.25)),
    OpCase("adjust_contrast", lambda x: image.adjust_contrast(x, 1.5), (G4,),
           lambda x: (x - x.mean((1, 2), keepdims=True)) * 1.5 + x.mean((1, 2), keepdims=True)),
    OpCase("adjust_gamma", lambda x: image.adjust_gamma(x, 2.5, 0.7), (GRGB,),
           lambda x: 0.7 * x ** 2.5, order=2, rtol=1e-5),
    OpCase("adjust_saturation", lambda x: image.adjust_saturation(x, 0.6), (GRGB,),
           lambda x: _np_rgb(_np_hsv(x) * [1, 0.6, 1]).astype(np.float32)),
    OpCase("adjust_hue", lambda x: image.adjust_hue(x, 0.2), (GRGB,),
           lambda x: _np_rgb((_np_hsv(x) + [0.2, 0, 0]) % [1, 2, 2]).astype(np.float32)),
    OpCase("per_image_standardization", image.per_image_standardization, (GRGB,),
           _np_standardize),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op_case(case):
    check_case(case)


def test_color_ops_keep_integer_dtypes():
    for op in (lambda x: image.adjust_brightness(x, 0.1), lambda x: image.adjust_contrast(x, 2.),
               lambda x: image.adjust_gamma(x, 2.), lambda x: image.adjust_saturation(x, 2.),
               lambda x: image.adjust_hue(x, 0.1), image.rgb_to_grayscale):
        assert op(U8).dtype == tf.uint8
    assert image.per_image_standardization(U8).dtype == tf.float32
    assert image.crop_and_resize(U8[None], BOXES[:1], [0], (2, 2)).dtype == tf.float32


def test_hsv_round_trip_and_gray():
    back = image.hsv_to_rgb(image.rgb_to_hsv(GRGB))
    np.testing.assert_allclose(back.numpy(), GRGB, atol=1e-6)
    gray = np.full((1, 2, 3), 0.4, np.float32)
    np.testing.assert_allclose(image.rgb_to_hsv(gray).numpy(), [[[0, 0, 0.4]] * 2], atol=1e-7)
    np.testing.assert_allclose(image.rgb_to_hsv(np.zeros((1, 3), np.float32)).numpy(),
                               [[0, 0, 0]])
