"""tf.image as a whole (eagerflow/ops/image/): its namespaces, TF's errors across the ops, and
every stored TF reference checked by some image test module."""

import importlib

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.ops import image as image_ops
from tests.ops.image_reference import I4, J4, NMS_BOXES, NMS_SCORES, REF, RGB, X1, X7, P, V, image


def test_every_reference_is_checked():
    jobs = ["helpers", "geometry", "resizing", "color", "quality", "boxes"]
    checked = [name for job in jobs
               for name, _ in importlib.import_module(f"tests.ops.test_image_{job}").TF_CASES]
    assert sorted(REF) == sorted(checked)


def test_errors():
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        image.flip_left_right(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="'size' must be a 1-D Tensor of 2 elements"):
        image.resize(X1, [3])
    with pytest.raises(ValueError, match="Resize method is not implemented"):
        image.resize(X1, [3, 3], method="cubic")
    with pytest.raises(ValueError, match="width must be >= target \\+ offset"):
        image.crop_to_bounding_box(X7, 0, 5, 2, 5)
    with pytest.raises(ValueError, match="offset_height must be >= 0"):
        image.crop_to_bounding_box(X7, -1, 0, 2, 2)
    with pytest.raises(ValueError, match="height must be <= target - offset"):
        image.pad_to_bounding_box(X7, 2, 0, 8, 9)
    with pytest.raises(ValueError, match="central_fraction must be within \\(0, 1\\]"):
        image.central_crop(X7, 1.5)
    with pytest.raises(ValueError, match="image_gradients expects a 4D tensor"):
        image.image_gradients(X7)
    with pytest.raises(tf.errors.InvalidArgumentError, match="last dimension.*3"):
        image.rgb_to_hsv(X7)
    with pytest.raises(ValueError, match="Gamma should be a non-negative"):
        image.adjust_gamma(RGB, -1.0)
    with pytest.raises(ValueError, match="max_delta must be <= 0.5"):
        image.random_hue(RGB, 0.7)
    with pytest.raises(ValueError, match="upper must be > lower"):
        image.random_contrast(RGB, 0.5, 0.5)
    with pytest.raises(ValueError, match="max_delta must be non-negative"):
        image.random_brightness(RGB, -0.1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="filter_size=11"):
        image.ssim(I4, J4, 1.0)
    with pytest.raises(ValueError, match="not compatible"):
        image.psnr(I4, I4[:, :4], 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="iou_threshold"):
        image.non_max_suppression(NMS_BOXES, NMS_SCORES, 3, 1.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="sizes must be"):
        image.extract_patches(P, [2, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(AttributeError, match="floating point or integer"):
        image.convert_image_dtype(V, tf.string)


def test_namespaces():
    assert tf.image.ResizeMethod.LANCZOS3 == "lanczos3"
    for name in image_ops.NAMESPACES["image"]:
        assert hasattr(tf.image, name), name
