"""Image geometry (eagerflow/ops/image/geometry.py): flips, rotations, crops, pads, patches and
glimpses: values against TF 2.21 (tests/ops/image_reference.py), NumPy and closed forms;
gradients against finite differences; eager, tf.function and unknown dims."""


import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case
from tests.ops.image_reference import G4, GLIMPSE, GRGB, check_tf_reference, image, img, tf_cases

TF_CASES = tf_cases("geometry")


@pytest.mark.parametrize("name,compute", TF_CASES, ids=[c[0] for c in TF_CASES])
def test_matches_tensorflow(name, compute):
    check_tf_reference(name, compute)


CASES = [
    OpCase("flip_left_right", image.flip_left_right, (G4,), lambda x: x[:, :, ::-1]),
    OpCase("flip_up_down", image.flip_up_down, (GRGB,), lambda x: x[::-1]),
    OpCase("rot90_1", lambda x: image.rot90(x, 1), (G4,), lambda x: np.rot90(x, 1, (1, 2))),
    OpCase("rot90_3", lambda x: image.rot90(x, -1), (GRGB,), lambda x: np.rot90(x, 3)),
    OpCase("rot90_2", lambda x: image.rot90(x, 2), (G4,), lambda x: np.rot90(x, 2, (1, 2))),
    OpCase("transpose", image.transpose, (G4,), lambda x: x.transpose(0, 2, 1, 3)),
    OpCase("crop_to_bounding_box", lambda x: image.crop_to_bounding_box(x, 1, 2, 2, 3), (G4,),
           lambda x: x[:, 1:3, 2:5]),
    OpCase("pad_to_bounding_box", lambda x: image.pad_to_bounding_box(x, 1, 0, 6, 7), (GRGB,),
           lambda x: np.pad(x, [(1, 3), (0, 4), (0, 0)])),
    OpCase("extract_patches", lambda x: image.extract_patches(
        x, [1, 2, 2, 1], [1, 1, 2, 1], [1, 1, 1, 1], "SAME"), (G4,)),
    OpCase("resize_with_crop_or_pad", lambda x: image.resize_with_crop_or_pad(x, 2, 8), (G4,),
           lambda x: np.pad(x[:, 1:3], [(0, 0), (0, 0), (1, 2), (0, 0)])),
    OpCase("central_crop", lambda x: image.central_crop(x, 0.5), (G4,),
           lambda x: x[:, 1:3, 1:4]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op_case(case):
    check_case(case)


def test_geometry_with_unknown_dims():
    data = img((7, 9, 2), 5, 17, 16.0)
    spec = tf.TensorSpec([None, None, 2], tf.float32)

    def ops(x):
        return (image.resize_with_crop_or_pad(x, 4, 12), image.central_crop(x, 0.5),
                image.resize_with_pad(x, 3, 5), image.crop_to_bounding_box(x, 1, 2, 3, 4),
                image.pad_to_bounding_box(x, 1, 2, 9, 13), image.sobel_edges(x[None]),
                image.resize(x, [10, 4], preserve_aspect_ratio=True),
                image.rot90(x, tf.constant(3)), image.per_image_standardization(x))

    traced = tf.function(ops, input_signature=[spec])(data)
    for got, want in zip(traced, ops(tf.constant(data))):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)
    assert traced[0].shape == (4, 12, 2)


def test_glimpse_noise_fills_outside_only():
    offsets = np.array([[0.9, 0.8], [-0.9, 0.0]], np.float32)
    zero = image.extract_glimpse(GLIMPSE, (3, 4), offsets, noise="zero").numpy()
    inside = zero != 0  # GLIMPSE has no zeros
    tf.random.set_seed(2)
    for noise in ("uniform", "gaussian"):
        noisy = image.extract_glimpse(GLIMPSE, (3, 4), offsets, noise=noise).numpy()
        np.testing.assert_array_equal(noisy[inside], zero[inside])
        assert not inside.all()
        for i in range(2):
            outside = noisy[i][~inside[i]]
            assert outside.min() >= GLIMPSE[i].min() and outside.max() <= GLIMPSE[i].max()
