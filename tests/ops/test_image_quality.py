"""Gradients, edges and quality metrics (eagerflow/ops/image/quality.py): values against TF 2.21
(tests/ops/image_reference.py), NumPy and closed forms; gradients against finite differences;
eager, tf.function and unknown dims."""


import numpy as np
import pytest

from tests.harness import OpCase, check_case
from tests.ops.image_reference import G4, GB, SSIM_A, SSIM_B, check_tf_reference, image, tf_cases


def _np_sobel(x):
    pad = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    h, w = x.shape[1:3]
    k = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float64)
    dy = sum(k[i, j] * pad[:, i:i + h, j:j + w] for i in range(3) for j in range(3))
    dx = sum(k.T[i, j] * pad[:, i:i + h, j:j + w] for i in range(3) for j in range(3))
    return np.stack([dy, dx], -1).astype(x.dtype)


TF_CASES = tf_cases("quality")


@pytest.mark.parametrize("name,compute", TF_CASES, ids=[c[0] for c in TF_CASES])
def test_matches_tensorflow(name, compute):
    check_tf_reference(name, compute)


CASES = [
    OpCase("image_gradients", lambda x: tuple(image.image_gradients(x)), (G4,),
           lambda x: [np.pad(np.diff(x, axis=1), [(0, 0), (0, 1), (0, 0), (0, 0)]),
                      np.pad(np.diff(x, axis=2), [(0, 0), (0, 0), (0, 1), (0, 0)])]),
    OpCase("sobel_edges", image.sobel_edges, (G4,), _np_sobel),
    OpCase("total_variation", image.total_variation, (G4,),
           lambda x: (np.abs(np.diff(x, axis=1)).sum((1, 2, 3)) +
                      np.abs(np.diff(x, axis=2)).sum((1, 2, 3))).astype(np.float32)),
    OpCase("psnr", lambda a, b: image.psnr(a, b, 1.0), (G4, GB),
           lambda a, b: np.float32([-10 * np.log10(np.mean((a - b) ** 2))]), order=2,
           rtol=1e-5),
    OpCase("ssim", lambda a, b: image.ssim(a, b, 1.0, filter_size=3), (SSIM_A, SSIM_B),
           rtol=1e-4, atol=1e-5),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op_case(case):
    check_case(case)
