"""Boxes (`tf.image.non_max_suppression` and its variants, `crop_and_resize`,
`draw_bounding_boxes`, `sample_distorted_bounding_box`): data-dependent ops without gradients
run a NumPy kernel through numpy_function, so they also work inside tf.function."""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops import array as _array
from eagerflow.ops import indexing as _indexing
from eagerflow.ops import math as _math
from eagerflow.ops import random as _random
from eagerflow.ops import script as _script
from eagerflow.ops.image.helpers import _dims, _is_static, _rank, _static, _tensor

__all__: list = []
NAMESPACES: dict = {
    "image": [
        "non_max_suppression", "non_max_suppression_with_scores",
        "non_max_suppression_padded", "crop_and_resize", "draw_bounding_boxes",
        "combined_non_max_suppression", "sample_distorted_bounding_box",
        "stateless_sample_distorted_bounding_box", "non_max_suppression_overlaps",
    ],
    "io": [],
}


# =============================================================================================
# Boxes: non-max suppression, crop_and_resize, draw_bounding_boxes.
# =============================================================================================
def _iou_with(boxes: np.ndarray, i: int, others: np.ndarray) -> np.ndarray:
    """IoU of box i with boxes[others] (corners in any order; empty boxes give 0)."""
    lo = np.minimum(boxes[:, :2], boxes[:, 2:])
    hi = np.maximum(boxes[:, :2], boxes[:, 2:])
    area = np.prod(hi - lo, axis=1)
    inter_lo = np.maximum(lo[i], lo[others])
    inter_hi = np.minimum(hi[i], hi[others])
    inter = np.prod(np.clip(inter_hi - inter_lo, 0, None), axis=1)
    union = area[i] + area[others] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where((area[i] <= 0) | (area[others] <= 0) | (union <= 0), 0.0, inter / union)
    return iou


def _nms_numpy(boxes, scores, max_output, iou_threshold, score_threshold, sigma):
    """Greedy NMS (soft-NMS when sigma > 0): (indices int32, scores) of the kept boxes."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    scores = np.asarray(scores, np.float64).reshape(-1).copy()
    max_output = int(max_output)
    iou_threshold, score_threshold = float(iou_threshold), float(score_threshold)
    if boxes.shape[0] != scores.shape[0]:
        raise InvalidArgumentError(None, None, f"non_max_suppression: boxes ({boxes.shape[0]}) "
                                   f"and scores ({scores.shape[0]}) must have one row per box.")
    if not 0.0 <= iou_threshold <= 1.0:
        raise InvalidArgumentError(None, None, f"non_max_suppression: iou_threshold must be in "
                                   f"[0, 1], got {iou_threshold}.")
    if max_output < 0:
        raise InvalidArgumentError(None, None, f"non_max_suppression: max_output_size must be "
                                   f">= 0, got {max_output}.")
    alive = scores > score_threshold
    selected, kept_scores = [], []
    scale = -0.5 / sigma if sigma > 0 else 0.0
    while len(selected) < max_output and alive.any():
        candidates = np.flatnonzero(alive)
        best = candidates[np.argmax(scores[candidates])]  # ties: lowest index first
        selected.append(best)
        kept_scores.append(scores[best])
        alive[best] = False
        rest = np.flatnonzero(alive)
        if rest.size == 0:
            break
        iou = _iou_with(boxes, best, rest)
        if sigma > 0:
            # Soft-NMS (as TF) decays every overlapping score and never hard-suppresses.
            scores[rest] = scores[rest] * np.exp(scale * iou * iou)
            alive[rest] = scores[rest] > score_threshold
        else:
            alive[rest] = iou <= iou_threshold
    return np.asarray(selected, np.int32), np.asarray(kept_scores)


def _nms(boxes, scores, max_output_size, iou_threshold, score_threshold, sigma, op: str):
    boxes, scores = _tensor(boxes), _tensor(scores)
    if boxes.shape.rank is not None and (boxes.shape.rank != 2 or
                                         boxes.shape.as_list()[-1] not in (4, None)):
        raise ValueError(f"{op}: boxes must be [num_boxes, 4], got shape {boxes.shape}.")
    if scores.shape.rank is not None and scores.shape.rank != 1:
        raise ValueError(f"{op}: scores must be [num_boxes], got shape {scores.shape}.")
    score_dtype = scores.dtype

    def kernel(b, s, m, iou, thresh, sig):
        index, kept = _nms_numpy(b, s, m, iou, thresh, float(sig))
        return index, kept.astype(score_dtype._numpy)

    args = [boxes, scores, _math.cast(_tensor(max_output_size), dtypes.int32),
            _math.cast(_tensor(iou_threshold), dtypes.float32),
            _math.cast(_tensor(score_threshold), dtypes.float32),
            _math.cast(_tensor(sigma), dtypes.float32)]
    index, kept = _script.numpy_function(kernel, args, [dtypes.int32, score_dtype])
    return _array.ensure_shape(index, [None]), _array.ensure_shape(kept, [None])


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5,
                        score_threshold=float("-inf"), name=None) -> Tensor:
    """Indices of at most `max_output_size` boxes, by decreasing score, dropping any box whose
    IoU with a kept one exceeds `iou_threshold`. Boxes are [y1, x1, y2, x2]."""
    return _nms(boxes, scores, max_output_size, iou_threshold, score_threshold, 0.0,
                "non_max_suppression")[0]


def non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold=0.5,
                                    score_threshold=float("-inf"), soft_nms_sigma=0.0,
                                    name=None) -> tuple:
    """(indices, scores) of the kept boxes; `soft_nms_sigma > 0` decays every other score by
    exp(-iou^2 / (2 sigma)) instead of dropping overlaps (Soft-NMS; iou_threshold is unused)."""
    return _nms(boxes, scores, max_output_size, iou_threshold, score_threshold, soft_nms_sigma,
                "non_max_suppression_with_scores")


def non_max_suppression_padded(boxes, scores, max_output_size, iou_threshold=0.5,
                               score_threshold=float("-inf"), pad_to_max_output_size=False,
                               name=None, sorted_input=False, canonicalized_coordinates=False,
                               tile_size=512) -> tuple:
    """(indices, valid_outputs): NMS, batched over leading dims, with the indices zero-padded to
    `max_output_size` when `pad_to_max_output_size` (always for batched boxes)."""
    boxes, scores = _tensor(boxes), _tensor(scores)
    max_output = _static(max_output_size)
    if not _is_static(max_output):
        raise ValueError("non_max_suppression_padded: max_output_size must be known when the "
                         "op is built.")
    max_output = int(max_output)
    batched = boxes.shape.rank is not None and boxes.shape.rank > 2

    def kernel(b, s, iou, thresh):
        b = np.asarray(b).reshape((-1,) + np.shape(b)[-2:])
        s = np.asarray(s).reshape((-1, np.shape(s)[-1]))
        out = np.zeros((b.shape[0], max_output), np.int32)
        valid = np.zeros(b.shape[0], np.int32)
        for k in range(b.shape[0]):
            index, _ = _nms_numpy(b[k], s[k], max_output, iou, thresh, 0.0)
            out[k, :index.size] = index
            valid[k] = index.size
        return out, valid

    args = [boxes, scores, _math.cast(_tensor(iou_threshold), dtypes.float32),
            _math.cast(_tensor(score_threshold), dtypes.float32)]
    index, valid = _script.numpy_function(kernel, args, [dtypes.int32, dtypes.int32])
    if batched:
        lead = _dims(boxes)[:-2]
        return (_array.reshape(index, lead + [max_output]), _array.reshape(valid, lead))
    index = _array.reshape(index, [max_output])
    valid = _array.reshape(valid, [])
    if not pad_to_max_output_size:
        index = index[:valid]
    return index, valid


def crop_and_resize(image, boxes, box_indices, crop_size, method="bilinear",
                    extrapolation_value=0.0, name=None) -> Tensor:
    """Crops of the boxes (normalised [y1, x1, y2, x2]) from images `box_indices`, each
    resampled to `crop_size`; samples outside the image get `extrapolation_value`. float32."""
    image, boxes = _tensor(image), _tensor(boxes)
    box_indices = _math.cast(_tensor(box_indices), dtypes.int32)
    _rank(image, "crop_and_resize", (4,))
    if boxes.shape.rank is not None and boxes.shape.rank != 2:
        raise InvalidArgumentError(None, None, f"crop_and_resize: boxes must be 2-D [num_boxes,"
                                   f" 4], got shape {boxes.shape}.")
    method = str(method)
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"crop_and_resize: method must be 'bilinear' or 'nearest', got "
                         f"{method!r}.")
    crop = [int(v) for v in _static(crop_size)]
    if len(crop) != 2 or min(crop) <= 0:
        raise ValueError(f"crop_and_resize: crop_size must be 2 positive ints, got {crop}.")
    image = _math.cast(image, dtypes.float32) if image.dtype != dtypes.float64 else image
    boxes = _math.cast(boxes, image.dtype)
    dims = _dims(image)
    height = _math.cast(dims[1], image.dtype)
    width = _math.cast(dims[2], image.dtype)
    y1, x1, y2, x2 = _array.unstack(boxes, num=4, axis=1)

    def positions(low, high, size, count):
        low, high = _array.expand_dims(low, 1), _array.expand_dims(high, 1)
        if count > 1:
            steps = convert_to_tensor(np.arange(count, dtype=image.dtype._numpy) / (count - 1))
            return low * (size - 1) + steps * (high - low) * (size - 1)
        return 0.5 * (low + high) * (size - 1) + _array.zeros([1, 1], image.dtype)

    ys = positions(y1, y2, height, crop[0])  # [boxes, crop_h]
    xs = positions(x1, x2, width, crop[1])   # [boxes, crop_w]
    inside_y = _math.logical_and(_math.greater_equal(ys, 0.0), _math.less_equal(ys, height - 1))
    inside_x = _math.logical_and(_math.greater_equal(xs, 0.0), _math.less_equal(xs, width - 1))
    images = _indexing.gather(image, box_indices)  # [boxes, h, w, c]
    last_y = _math.cast(dims[1], dtypes.int32) - 1
    last_x = _math.cast(dims[2], dtypes.int32) - 1

    def take(rows, cols):
        rows = _math.minimum(_math.maximum(rows, 0), last_y)
        cols = _math.minimum(_math.maximum(cols, 0), last_x)
        picked = _indexing.gather(images, rows, axis=1, batch_dims=1)   # [b, ch, w, c]
        return _indexing.gather(picked, cols, axis=2, batch_dims=1)     # [b, ch, cw, c]

    if method == "nearest":
        # Half away from zero, as C's round (in-image positions are >= 0).
        out = take(_math.cast(_math.floor(ys + 0.5), dtypes.int32),
                   _math.cast(_math.floor(xs + 0.5), dtypes.int32))
    else:
        ys_stop, xs_stop = _array.stop_gradient(ys), _array.stop_gradient(xs)
        top = _math.floor(ys_stop)
        left = _math.floor(xs_stop)
        dy = _array.expand_dims(_array.expand_dims(ys - top, 2), 3)
        dx = _array.expand_dims(_array.expand_dims(xs - left, 1), 3)
        top_i, left_i = _math.cast(top, dtypes.int32), _math.cast(left, dtypes.int32)
        bottom_i = _math.cast(_math.ceil(ys_stop), dtypes.int32)
        right_i = _math.cast(_math.ceil(xs_stop), dtypes.int32)
        upper = take(top_i, left_i) + (take(top_i, right_i) - take(top_i, left_i)) * dx
        lower = take(bottom_i, left_i) + (take(bottom_i, right_i) - take(bottom_i, left_i)) * dx
        out = upper + (lower - upper) * dy
    mask = _math.logical_and(_array.expand_dims(inside_y, 2), _array.expand_dims(inside_x, 1))
    mask = _array.expand_dims(mask, 3)
    fill = _math.cast(_tensor(extrapolation_value), out.dtype)
    return _indexing.where(mask, out, _array.zeros_like(out) + fill)


_DEFAULT_COLORS = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1],
                            [0.5, 0, 0.5, 1], [0.5, 0.5, 0, 1], [0.5, 0, 0, 1], [0, 0, 0.5, 1],
                            [0, 1, 1, 1], [1, 0, 1, 1]], np.float32)


def _draw_boxes_numpy(images: np.ndarray, boxes: np.ndarray, colors: np.ndarray) -> np.ndarray:
    out = np.array(images, copy=True)
    _, height, width, depth = out.shape
    palette = colors if colors is not None and np.size(colors) else _DEFAULT_COLORS
    palette = np.asarray(palette, np.float64)
    for b in range(out.shape[0]):
        for k, box in enumerate(np.asarray(boxes[b], np.float64)):
            color = palette[k % len(palette)][:depth]
            if depth > palette.shape[1]:
                color = np.concatenate([color, np.ones(depth - palette.shape[1])])
            top = int(box[0] * (height - 1))
            left = int(box[1] * (width - 1))
            bottom = int(box[2] * (height - 1))
            right = int(box[3] * (width - 1))
            if top > bottom or left > right or top >= height or left >= width or \
                    bottom < 0 or right < 0:
                continue
            t, bt = max(top, 0), min(bottom, height - 1)
            lt, r = max(left, 0), min(right, width - 1)
            value = color.astype(out.dtype)
            if 0 <= top < height:
                out[b, top, lt:r + 1] = value
            if 0 <= bottom < height:
                out[b, bottom, lt:r + 1] = value
            if 0 <= left < width:
                out[b, t:bt + 1, left] = value
            if 0 <= right < width:
                out[b, t:bt + 1, right] = value
    return out


def draw_bounding_boxes(images, boxes, colors, name=None) -> Tensor:
    """Draw one-pixel box outlines (normalised [y1, x1, y2, x2]) on a batch of images,
    cycling through `colors` (RGBA rows)."""
    images, boxes = _tensor(images), _tensor(boxes)
    _rank(images, "draw_bounding_boxes", (4,), "images")
    colors = _math.cast(_tensor(colors if colors is not None else np.zeros((0, 4))),
                        dtypes.float32)

    def kernel(i, b, c):
        return _draw_boxes_numpy(i, b, c)

    out = _script.numpy_function(kernel, [images, _math.cast(boxes, dtypes.float32), colors],
                                 images.dtype)
    return _array.ensure_shape(out, images.shape.as_list())


# =============================================================================================
# Detection helpers: combined (per-class) NMS and Inception-style random crops.
# =============================================================================================
def _combined_nms_numpy(boxes, scores, per_class, total, iou_threshold, score_threshold,
                        pad_per_class, clip):
    batch, count, q = boxes.shape[:3]
    classes = scores.shape[2]
    detections = min(per_class * classes, total) if pad_per_class else total
    out_boxes = np.zeros((batch, detections, 4), np.float32)
    out_scores = np.zeros((batch, detections), np.float32)
    out_classes = np.zeros((batch, detections), np.float32)
    valid = np.zeros(batch, np.int32)
    for b in range(batch):
        found = []  # (score, class, box)
        for c in range(classes):
            class_boxes = boxes[b, :, c if q > 1 else 0]
            index, kept = _nms_numpy(class_boxes, scores[b, :, c], per_class, iou_threshold,
                                     score_threshold, 0.0)
            found += [(float(s), c, class_boxes[i]) for i, s in zip(index, kept)]
        found.sort(key=lambda item: -item[0])  # stable: ties keep class order
        found = found[:detections]
        valid[b] = len(found)
        for k, (score, c, box) in enumerate(found):
            out_boxes[b, k] = np.clip(box, 0.0, 1.0) if clip else box
            out_scores[b, k] = score
            out_classes[b, k] = c
    return out_boxes, out_scores, out_classes, valid


def combined_non_max_suppression(boxes, scores, max_output_size_per_class, max_total_size,
                                 iou_threshold=0.5, score_threshold=float("-inf"),
                                 pad_per_class=False, clip_boxes=True, name=None) -> tuple:
    """Per-class NMS over a batch, then the `max_total_size` best detections overall.

    boxes [batch, num_boxes, q, 4] (q = 1: shared by all classes), scores [batch, num_boxes,
    num_classes]. Returns (nmsed_boxes, nmsed_scores, nmsed_classes, valid_detections),
    zero-padded; classes are float32 as in TF.
    """
    boxes, scores = _tensor(boxes), _tensor(scores)
    if boxes.shape.rank != 4 or scores.shape.rank != 3:
        raise ValueError(f"combined_non_max_suppression: boxes must be [batch, num_boxes, q, 4]"
                         f" and scores [batch, num_boxes, num_classes]; got {boxes.shape} and "
                         f"{scores.shape}.")
    per_class, total = int(_static(max_output_size_per_class)), int(_static(max_total_size))
    if per_class <= 0 or total <= 0:
        raise InvalidArgumentError(None, None, "combined_non_max_suppression: max_output_size_"
                                   "per_class and max_total_size must be > 0, got "
                                   f"{per_class} and {total}.")
    classes = scores.shape.as_list()[2]
    if classes is None:
        raise ValueError("combined_non_max_suppression needs a static number of classes.")
    q = boxes.shape.as_list()[2]
    if q is not None and q not in (1, classes):
        raise InvalidArgumentError(None, None, f"combined_non_max_suppression: boxes' third dim "
                                   f"must be 1 or num_classes={classes}, got {q}.")
    iou, thresh = float(_static(iou_threshold)), float(_static(score_threshold))
    detections = min(per_class * classes, total) if pad_per_class else total

    def kernel(b, s):
        return _combined_nms_numpy(np.asarray(b, np.float32), np.asarray(s, np.float32),
                                   per_class, total, iou, thresh, bool(pad_per_class),
                                   bool(clip_boxes))

    outs = _script.numpy_function(kernel, [_math.cast(boxes, dtypes.float32),
                                           _math.cast(scores, dtypes.float32)],
                                  [dtypes.float32, dtypes.float32, dtypes.float32, dtypes.int32])
    batch = boxes.shape.as_list()[0]
    shapes = [[batch, detections, 4], [batch, detections], [batch, detections], [batch]]
    return tuple(_array.ensure_shape(o, s) for o, s in zip(outs, shapes))


def _sample_crop_numpy(rng, height: int, width: int, boxes: np.ndarray, min_covered: float,
                       ratio_range, area_range, attempts: int, use_image: bool):
    """TF's SampleDistortedBoundingBox search: (y, x, h, w) of a crop, whole image if none."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    rects = [(int(b[1] * width), int(b[0] * height), int(b[3] * width), int(b[2] * height))
             for b in boxes]
    if not rects:
        if not use_image:
            raise InvalidArgumentError(None, None, "sample_distorted_bounding_box: no bounding "
                                       "boxes given; pass use_image_if_no_bounding_boxes=True.")
        rects = [(0, 0, width, height)]

    def covers(x0, y0, x1, y1) -> bool:
        for bx0, by0, bx1, by1 in rects:
            area = (bx1 - bx0) * (by1 - by0)
            if area <= 0:
                continue
            inter = max(min(x1, bx1) - max(x0, bx0), 0) * max(min(y1, by1) - max(y0, by0), 0)
            if inter / area >= min_covered:
                return True
        return False

    min_area = area_range[0] * width * height
    max_area = area_range[1] * width * height
    for _ in range(attempts):
        ratio = rng.uniform() * (ratio_range[1] - ratio_range[0]) + ratio_range[0]
        crop_h = int(np.rint(np.sqrt(min_area / ratio)))
        max_h = int(np.rint(np.sqrt(max_area / ratio)))
        if np.rint(max_h * ratio) > width:
            max_h = int((width + 0.5 - 1e-7) / ratio)
        if np.rint(max_h * ratio) > width:
            max_h -= 1
        max_h = min(max_h, height)
        crop_h = min(crop_h, max_h)
        if crop_h < max_h:
            crop_h += int(rng.randint(max_h - crop_h + 1))
        crop_w = int(np.rint(crop_h * ratio))
        area = crop_w * crop_h
        if area < min_area:
            crop_h += 1
            crop_w = int(np.rint(crop_h * ratio))
            area = crop_w * crop_h
        if area > max_area:
            crop_h -= 1
            crop_w = int(np.rint(crop_h * ratio))
            area = crop_w * crop_h
        if area < min_area or area > max_area or not 0 < crop_w <= width or \
                not 0 < crop_h <= height:
            continue
        y = 0 if crop_h >= height else int(rng.randint(height - crop_h))
        x = 0 if crop_w >= width else int(rng.randint(width - crop_w))
        if covers(x, y, x + crop_w, y + crop_h):
            return y, x, crop_h, crop_w
    return 0, 0, height, width


def _sample_distorted(image_size, bounding_boxes, seed_tensor, min_object_covered,
                      aspect_ratio_range, area_range, max_attempts, use_image) -> tuple:
    ratio_range = tuple(float(v) for v in (aspect_ratio_range or (0.75, 1.33)))
    area_range = tuple(float(v) for v in (area_range or (0.05, 1.0)))
    attempts = int(max_attempts or 100)
    covered = float(_static(min_object_covered))
    if ratio_range[0] <= 0 or ratio_range[1] < ratio_range[0]:
        raise InvalidArgumentError(None, None, f"sample_distorted_bounding_box: "
                                   f"aspect_ratio_range must be positive and ordered, got "
                                   f"{ratio_range}.")
    if not 0 < area_range[0] <= area_range[1] <= 1:
        raise InvalidArgumentError(None, None, f"sample_distorted_bounding_box: area_range must"
                                   f" be within (0, 1] and ordered, got {area_range}.")

    def kernel(size, boxes, seed):
        height, width = int(size[0]), int(size[1])
        rng = np.random.RandomState(np.asarray(seed, np.int64).ravel() % (2 ** 32))
        y, x, h, w = _sample_crop_numpy(rng, height, width, boxes, covered, ratio_range,
                                        area_range, attempts, bool(use_image))
        begin = np.array([y, x, 0], np.asarray(size).dtype)
        size_out = np.array([h, w, -1], np.asarray(size).dtype)
        box = np.array([[[y / height, x / width, (y + h) / height, (x + w) / width]]],
                       np.float32)
        return begin, size_out, box

    image_size = _tensor(image_size)
    out = _script.numpy_function(kernel, [image_size, _math.cast(_tensor(bounding_boxes),
                                                                 dtypes.float32), seed_tensor],
                                 [image_size.dtype, image_size.dtype, dtypes.float32])
    return tuple(_array.ensure_shape(o, s) for o, s in zip(out, ([3], [3], [1, 1, 4])))


def sample_distorted_bounding_box(image_size, bounding_boxes, seed=0, min_object_covered=0.1,
                                  aspect_ratio_range=None, area_range=None, max_attempts=None,
                                  use_image_if_no_bounding_boxes=None, name=None) -> tuple:
    """A random crop (begin, size, bbox) covering at least `min_object_covered` of some box,
    with aspect ratio and area in the given ranges (Inception-style augmentation)."""
    draw = _random.uniform([2], 0, 2 ** 31 - 1, dtype=dtypes.int32, seed=seed or None)
    return _sample_distorted(image_size, bounding_boxes, draw, min_object_covered,
                             aspect_ratio_range, area_range, max_attempts,
                             use_image_if_no_bounding_boxes)


def stateless_sample_distorted_bounding_box(image_size, bounding_boxes, seed,
                                            min_object_covered=0.1, aspect_ratio_range=None,
                                            area_range=None, max_attempts=None,
                                            use_image_if_no_bounding_boxes=None,
                                            name=None) -> tuple:
    """sample_distorted_bounding_box, deterministic in `seed` (shape [2])."""
    draw = _random.stateless_uniform([2], seed, 0, 2 ** 31 - 1, dtype=dtypes.int32)
    return _sample_distorted(image_size, bounding_boxes, draw, min_object_covered,
                             aspect_ratio_range, area_range, max_attempts,
                             use_image_if_no_bounding_boxes)


def non_max_suppression_overlaps(overlaps, scores, max_output_size, overlap_threshold=0.5,
                                 score_threshold=float("-inf"), name=None) -> Tensor:
    """Greedy NMS on a precomputed [n, n] overlap matrix: a box is dropped when its overlap with
    a kept box exceeds `overlap_threshold`."""
    overlaps, scores = _tensor(overlaps), _tensor(scores)
    if overlaps.shape.rank is not None and overlaps.shape.rank != 2:
        raise ValueError(f"non_max_suppression_overlaps: overlaps must be [num_boxes, "
                         f"num_boxes], got shape {overlaps.shape}.")

    def kernel(matrix, s, limit, threshold, minimum):
        matrix = np.asarray(matrix, np.float64)
        s = np.asarray(s, np.float64)
        if matrix.shape != (s.size, s.size):
            raise InvalidArgumentError(None, None, f"non_max_suppression_overlaps: overlaps "
                                       f"must be [{s.size}, {s.size}], got {matrix.shape}.")
        alive = s > float(minimum)
        kept = []
        while len(kept) < int(limit) and alive.any():
            candidates = np.flatnonzero(alive)
            best = candidates[np.argmax(s[candidates])]
            kept.append(best)
            alive[best] = False
            alive &= ~(matrix[best] > float(threshold))
        return np.asarray(kept, np.int32)

    args = [overlaps, scores, _math.cast(_tensor(max_output_size), dtypes.int32),
            _math.cast(_tensor(overlap_threshold), dtypes.float32),
            _math.cast(_tensor(score_threshold), dtypes.float32)]
    return _array.ensure_shape(_script.numpy_function(kernel, args, dtypes.int32), [None])
