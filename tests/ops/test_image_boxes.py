"""Boxes (eagerflow/ops/image/boxes.py): non-max suppression against a brute-force NumPy greedy,
crop_and_resize, bounding-box sampling and drawing: values against TF 2.21
(tests/ops/image_reference.py), NumPy and closed forms; gradients against finite differences;
eager, tf.function and unknown dims."""


import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case
from tests.ops.image_reference import (
    _N,
    GBOX,
    GIMG,
    NMS_BOXES,
    NMS_SCORES,
    check_tf_reference,
    image,
    ref,
    tf_cases,
)

TF_CASES = tf_cases("boxes")


@pytest.mark.parametrize("name,compute", TF_CASES, ids=[c[0] for c in TF_CASES])
def test_matches_tensorflow(name, compute):
    check_tf_reference(name, compute)


CASES = [
    OpCase("crop_and_resize", lambda i, b, n: image.crop_and_resize(i, b, n, (3, 4)),
           (GIMG, GBOX, np.array([1, 0], np.int32)), rtol=1e-4, atol=1e-5),
    OpCase("crop_and_resize_nearest",
           lambda i, b, n: image.crop_and_resize(i, b, n, (3, 2), "nearest"),
           (GIMG, GBOX, np.array([0, 1], np.int32)), grad=(0,)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op_case(case):
    check_case(case)


def _greedy_nms(boxes, scores, limit, threshold):
    def iou(a, b):
        ya, xa = np.minimum(a[:2], a[2:]), np.maximum(a[:2], a[2:])
        yb, xb = np.minimum(b[:2], b[2:]), np.maximum(b[:2], b[2:])
        inter = np.prod(np.clip(np.minimum(xa, xb) - np.maximum(ya, yb), 0, None))
        return inter / (np.prod(xa - ya) + np.prod(xb - yb) - inter)

    keep = []
    for i in sorted(range(len(scores)), key=lambda k: (-scores[k], k)):
        if len(keep) < limit and all(iou(boxes[i], boxes[j]) <= threshold for j in keep):
            keep.append(i)
    return keep


def test_nms_matches_greedy_reference():
    rng = np.random.RandomState(4)
    centers, sizes = rng.uniform(0, 1, (40, 2)), rng.uniform(0.05, 0.4, (40, 2))
    boxes = np.concatenate([centers - sizes / 2, centers + sizes / 2], 1).astype(np.float32)
    boxes[::5] = boxes[::5][:, [2, 3, 0, 1]]  # corners in the other order
    scores = rng.uniform(0, 1, 40).astype(np.float32)
    for threshold in (0.0, 0.3, 0.7):
        got = image.non_max_suppression(boxes, scores, 15, threshold).numpy()
        assert got.dtype == np.int32
        assert got.tolist() == _greedy_nms(boxes, scores, 15, threshold)
    traced = tf.function(lambda b, s: image.non_max_suppression(b, s, 15, 0.3))(boxes, scores)
    assert traced.numpy().tolist() == _greedy_nms(boxes, scores, 15, 0.3)


def test_nms_padded_batched():
    boxes = np.stack([NMS_BOXES, NMS_BOXES[::-1]])
    scores = np.stack([NMS_SCORES, NMS_SCORES[::-1]])
    index, valid = image.non_max_suppression_padded(boxes, scores, 8, 0.3)
    count = int(ref("nms_padded_valid"))
    assert index.shape == (2, 8) and valid.numpy().tolist() == [count, count]
    np.testing.assert_array_equal(index.numpy()[0], ref("nms_padded"))
    np.testing.assert_array_equal(_N - 1 - index.numpy()[1, :count], ref("nms_padded")[:count])
    index, valid = image.non_max_suppression_padded(NMS_BOXES, NMS_SCORES, 4, 0.3)
    assert index.numpy().tolist() == ref("nms_padded")[:4].tolist() and int(valid) == 4


def test_combined_nms_shapes_and_padding():
    boxes = np.repeat(NMS_BOXES[None, :, None], 2, 0)
    scores = np.stack([np.stack([NMS_SCORES, NMS_SCORES[::-1]], -1)] * 2)
    out = image.combined_non_max_suppression(boxes, scores, 2, 10, 0.3, 0.5, pad_per_class=True)
    assert [o.shape for o in out] == [(2, 4, 4), (2, 4), (2, 4), (2,)]
    assert out[3].numpy().tolist() == [4, 4]
    assert np.all(np.diff(out[1].numpy(), axis=1) <= 0)  # best first
    assert set(out[2].numpy().ravel().tolist()) == {0.0, 1.0}


def test_sample_distorted_bounding_box_constraints():
    box = np.array([[[0.1, 0.2, 0.5, 0.9]]], np.float32)
    for seed in range(5):
        begin, size, bbox = image.stateless_sample_distorted_bounding_box(
            [100, 80, 3], box, seed=(seed, 1), min_object_covered=0.5,
            aspect_ratio_range=(0.5, 2.0), area_range=(0.1, 0.9))
        (y, x, zero), (h, w, minus_one) = begin.numpy(), size.numpy()
        assert zero == 0 and minus_one == -1 and y + h <= 100 and x + w <= 80
        assert 0.1 * 8000 <= h * w <= 0.9 * 8000 and 0.5 <= w / h <= 2.0 + 0.05
        inter = max(min(y + h, 50) - max(y, 10), 0) * max(min(x + w, 72) - max(x, 16), 0)
        assert inter / (40 * 56) >= 0.5
        np.testing.assert_allclose(bbox.numpy(), [[[y / 100, x / 80, (y + h) / 100,
                                                    (x + w) / 80]]], rtol=1e-6)
        again = image.stateless_sample_distorted_bounding_box(
            [100, 80, 3], box, seed=(seed, 1), min_object_covered=0.5,
            aspect_ratio_range=(0.5, 2.0), area_range=(0.1, 0.9))
        assert again[0].numpy().tolist() == begin.numpy().tolist()
    begin, size, _ = image.sample_distorted_bounding_box([10, 10, 1], np.zeros((1, 0, 4)),
                                                         use_image_if_no_bounding_boxes=True)
    assert size.numpy()[2] == -1 and begin.dtype == tf.int32


def test_draw_bounding_boxes():
    canvas = np.zeros((1, 12, 14, 3), np.float32)
    boxes = np.array([[[0.1, 0.1, 0.5, 0.6]]], np.float32)
    out = image.draw_bounding_boxes(canvas, boxes, np.array([[1, 0, 0, 1]], np.float32)).numpy()
    top, left, bottom, right = int(0.1 * 11), int(0.1 * 13), int(0.5 * 11), int(0.6 * 13)
    outline = np.zeros((12, 14), bool)
    outline[top, left:right + 1] = outline[bottom, left:right + 1] = True
    outline[top:bottom + 1, left] = outline[top:bottom + 1, right] = True
    np.testing.assert_array_equal(out[0, ..., 0] == 1, outline)
    assert out[..., 1:].max() == 0
