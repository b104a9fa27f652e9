"""Resizing (eagerflow/ops/image/resizing.py): values against TF 2.21
(tests/ops/image_reference.py), NumPy and closed forms; gradients against finite differences;
eager, tf.function and unknown dims."""


import numpy as np
import pytest

import eagerflow as tf
from eagerflow.ops.image import resizing as resize_ops
from tests.harness import OpCase, check_case
from tests.ops.image_reference import G4, METHODS, check_tf_reference, image, img, tf_cases


def _resize_case(method, antialias, size=(3, 7)):
    return OpCase(f"resize_{method}_{antialias}",
                  lambda x: resize_ops._resize(x, size[0], size[1], method, antialias), (G4,),
                  rtol=1e-4, atol=1e-5)


TF_CASES = tf_cases("resizing")


@pytest.mark.parametrize("name,compute", TF_CASES, ids=[c[0] for c in TF_CASES])
def test_matches_tensorflow(name, compute):
    check_tf_reference(name, compute)


CASES = [_resize_case(m, a) for m in METHODS for a in (False, True)
         if not (m in ("nearest", "area") and a)] + [
    _resize_case("bilinear", False, (6, 2)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op_case(case):
    check_case(case)


@pytest.mark.parametrize("method", METHODS)
def test_resize_with_unknown_dims(method):
    data = img((2, 5, 6, 3))
    spec = tf.TensorSpec([None, None, None, 3], tf.float32)
    fn = tf.function(lambda x: image.resize(x, [4, 9], method, antialias=True),
                     input_signature=[spec])
    np.testing.assert_allclose(fn(data).numpy(),
                               image.resize(data, [4, 9], method, antialias=True).numpy(),
                               rtol=1e-6, atol=1e-6)


def test_resize_dtypes():
    u8 = (img((4, 5, 3)) * 255).astype(np.uint8)
    assert image.resize(u8, [2, 3], "nearest").dtype == tf.uint8
    for method in METHODS[:1] + METHODS[2:]:
        assert image.resize(u8, [2, 3], method).dtype == tf.float32
        assert image.resize(u8.astype(np.float64), [2, 3], method).dtype == tf.float32
    assert image.resize(u8.astype(np.float64), [2, 3], "nearest").dtype == tf.float64
    np.testing.assert_array_equal(image.resize(u8, [4, 5], "nearest").numpy(), u8)
    np.testing.assert_allclose(image.resize(u8, [4, 5], "bilinear").numpy(), u8)


def test_resize_bilinear_gradient_matches_tensorflow_rule():
    # TF's ResizeBilinearGrad scatters each output gradient to its two source rows/cols.
    x = tf.constant(img((1, 3, 4, 1)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = image.resize(x, [5, 2])
    grad = tape.gradient(y, x).numpy()
    assert grad.sum() == pytest.approx(10.0, rel=1e-6)  # weights of each output sum to 1
    assert np.all(grad >= 0)


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "area", "lanczos3"])
def test_resize_gradient_with_unknown_dims(method):
    data = img((1, 5, 6, 2))
    weights = img((1, 3, 8, 2), 5, 7, 3.0)

    def loss_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(image.resize(x, [3, 8], method, antialias=True) * weights)
        return tape.gradient(loss, x)

    spec = tf.TensorSpec([None, None, None, 2], tf.float32)
    traced = tf.function(loss_grad, input_signature=[spec])(data)
    np.testing.assert_allclose(traced.numpy(), loss_grad(tf.constant(data)).numpy(), rtol=1e-5,
                               atol=1e-6)
