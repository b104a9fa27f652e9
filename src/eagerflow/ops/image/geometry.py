"""Image geometry (`tf.image.flip_left_right`, `rot90`, crops, pads, `extract_patches`,
`extract_glimpse`)."""

from __future__ import annotations

import functools

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.tensor import Tensor
from eagerflow.ops import array as _array
from eagerflow.ops import control_flow as _control
from eagerflow.ops import indexing as _indexing
from eagerflow.ops import math as _math
from eagerflow.ops import random as _random
from eagerflow.ops import script as _script
from eagerflow.ops.image.helpers import (
    _dims,
    _is_static,
    _rank,
    _static,
    _tensor,
    _with_known_dims,
)

__all__: list = []
NAMESPACES: dict = {
    "image": [
        "resize_with_crop_or_pad", "crop_to_bounding_box", "pad_to_bounding_box",
        "central_crop", "extract_patches", "flip_left_right", "flip_up_down", "rot90",
        "transpose", "extract_glimpse",
    ],
    "io": [],
}


# =============================================================================================
# Geometry: flips, rotations, crops and pads.
# =============================================================================================
def flip_left_right(image, name=None) -> Tensor:
    """Mirror each image horizontally (reverse the width axis)."""
    image = _tensor(image)
    _rank(image, "flip_left_right")
    return _array.reverse(image, [-2])


def flip_up_down(image, name=None) -> Tensor:
    """Mirror each image vertically (reverse the height axis)."""
    image = _tensor(image)
    _rank(image, "flip_up_down")
    return _array.reverse(image, [-3])


def transpose(image, name=None) -> Tensor:
    """Swap the height and width axes of each image."""
    image = _tensor(image)
    rank = _rank(image, "transpose")
    perm = [1, 0, 2] if rank == 3 else [0, 2, 1, 3]
    return _array.transpose(image, perm)


def _rot90_static(image: Tensor, k: int) -> Tensor:
    k %= 4
    if k == 0:
        return image
    if k == 2:
        return _array.reverse(image, [-3, -2])
    if k == 1:
        return transpose(_array.reverse(image, [-2]))
    return _array.reverse(transpose(image), [-2])


def rot90(image, k=1, name=None) -> Tensor:
    """Rotate each image counter-clockwise by `k` quarter turns."""
    image = _tensor(image)
    _rank(image, "rot90")
    k = _static(k)
    if _is_static(k):
        return _rot90_static(image, int(k))
    branches = [functools.partial(_rot90_static, image, i) for i in range(4)]
    return _control.switch_case(_math.floormod(_math.cast(k, dtypes.int32), 4), branches)


def _check_box(value, what: str, minimum: int) -> None:
    if _is_static(value) and value < minimum:
        raise ValueError(f"{what} must be {'>=' if minimum == 0 else '>'} "
                         f"{0 if minimum == 0 else minimum - 1}, got {value}.")


def _window(x: Tensor, begin: list, size: list) -> Tensor:
    """x[begin : begin + size] per axis; static bounds slice, run-time ones gather a range."""
    if all(_is_static(v) for v in (*begin, *size)):
        return x[tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))]
    for axis, (start, count) in enumerate(zip(begin, size)):
        if _is_static(start) and _is_static(count) and (start, count) == (0, -1):
            continue
        if _is_static(count) and count == -1:
            count = _array.shape(x)[axis] - start
        start = _math.cast(start, dtypes.int32)
        index = _array.range(start, start + _math.cast(count, dtypes.int32))
        x = _indexing.gather(x, index, axis=axis)
    return x


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width,
                         name=None) -> Tensor:
    """The `target_height x target_width` window of each image whose top-left corner is at
    (`offset_height`, `offset_width`)."""
    image = _tensor(image)
    rank = _rank(image, "crop_to_bounding_box")
    values = [_static(v) for v in (offset_height, offset_width, target_height, target_width)]
    oh, ow, th, tw = values
    _check_box(ow, "offset_width", 0)
    _check_box(oh, "offset_height", 0)
    _check_box(tw, "target_width", 1)
    _check_box(th, "target_height", 1)
    height, width = image.shape.as_list()[-3:-1]
    if width is not None and _is_static(ow) and _is_static(tw) and width < tw + ow:
        raise ValueError(f"crop_to_bounding_box: width must be >= target + offset (image width "
                         f"{width}, target_width {tw}, offset_width {ow}).")
    if height is not None and _is_static(oh) and _is_static(th) and height < th + oh:
        raise ValueError(f"crop_to_bounding_box: height must be >= target + offset (image height "
                         f"{height}, target_height {th}, offset_height {oh}).")
    return _window(image, [0] * (rank - 3) + [oh, ow, 0], [-1] * (rank - 3) + [th, tw, -1])


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width,
                        name=None) -> Tensor:
    """Place each image at (`offset_height`, `offset_width`) in a zero canvas of
    `target_height x target_width`."""
    image = _tensor(image)
    rank = _rank(image, "pad_to_bounding_box")
    oh, ow, th, tw = (_static(v) for v in (offset_height, offset_width, target_height,
                                            target_width))
    _check_box(ow, "offset_width", 0)
    _check_box(oh, "offset_height", 0)
    dims = _dims(image)
    height, width = dims[-3], dims[-2]
    after_h = th - oh - height
    after_w = tw - ow - width
    if _is_static(after_h) and after_h < 0:
        raise ValueError(f"pad_to_bounding_box: height must be <= target - offset (image height "
                         f"{height}, target_height {th}, offset_height {oh}).")
    if _is_static(after_w) and after_w < 0:
        raise ValueError(f"pad_to_bounding_box: width must be <= target - offset (image width "
                         f"{width}, target_width {tw}, offset_width {ow}).")
    rows = [[0, 0]] * (rank - 3) + [[oh, after_h], [ow, after_w], [0, 0]]
    if all(_is_static(v) for row in rows for v in row):
        return _array.pad(image, rows)
    for axis, row in enumerate(rows):  # run-time padding: concatenate zero blocks
        if all(_is_static(v) and v == 0 for v in row):
            continue
        parts = []
        for amount in row:
            dims = _dims(image)
            dims[axis] = amount
            shape = _array.stack([_math.cast(d, dtypes.int32) for d in dims])
            parts.append(_array.fill(shape, _math.cast(0, image.dtype)))
        image = _array.concat([parts[0], image, parts[1]], axis=axis)
    return image


def _max(a, b):
    return max(a, b) if _is_static(a) and _is_static(b) else _math.maximum(a, b)


def _min(a, b):
    return min(a, b) if _is_static(a) and _is_static(b) else _math.minimum(a, b)


def resize_with_crop_or_pad(image, target_height, target_width, name=None) -> Tensor:
    """Centre-crop and/or zero-pad each image to `target_height x target_width`."""
    image = _tensor(image)
    _rank(image, "resize_with_crop_or_pad")
    th, tw = _static(target_height), _static(target_width)
    _check_box(tw, "target_width", 1)
    _check_box(th, "target_height", 1)
    dims = _dims(image)
    height, width = dims[-3], dims[-2]
    crop_h = _max((height - th) // 2, 0)
    crop_w = _max((width - tw) // 2, 0)
    pad_h = _max((th - height) // 2, 0)
    pad_w = _max((tw - width) // 2, 0)
    cropped = crop_to_bounding_box(image, crop_h, crop_w, _min(th, height), _min(tw, width))
    return _with_known_dims(pad_to_bounding_box(cropped, pad_h, pad_w, th, tw),
                            {-3: th, -2: tw})


def central_crop(image, central_fraction, name=None) -> Tensor:
    """The central `central_fraction` of each image along height and width."""
    image = _tensor(image)
    _rank(image, "central_crop")
    fraction = float(_static(central_fraction))
    if fraction <= 0.0 or fraction > 1.0:
        raise ValueError(f"central_fraction must be within (0, 1], got {fraction}.")
    if fraction == 1.0:
        return image
    dims = _dims(image)
    height, width = dims[-3], dims[-2]

    def start(size):
        if _is_static(size):
            return int((float(size) - float(size) * fraction) / 2)
        size_f = _math.cast(size, dtypes.float64)
        return _math.cast((size_f - size_f * fraction) / 2, dtypes.int32)

    top, left = start(height), start(width)
    return crop_to_bounding_box(image, top, left, height - top * 2, width - left * 2)


def _patch_indices(size: int, window: int, stride: int, rate: int, padding: str):
    """Row indices [out, window] of each patch (into the padded axis) and the padding."""
    effective = (window - 1) * rate + 1
    if padding == "VALID":
        out = (size - effective) // stride + 1
        before = 0
    else:
        out = -(-size // stride)
        total = max((out - 1) * stride + effective - size, 0)
        before = total // 2
    out = max(out, 0)
    index = np.arange(out)[:, None] * stride + np.arange(window)[None, :] * rate
    return index.astype(np.int32), before, max((out - 1) * stride + effective - size - before, 0)


def extract_patches(images, sizes, strides, rates, padding, name=None) -> Tensor:
    """Patches of `sizes[1] x sizes[2]` pixels, each flattened (row, column, depth) into the
    depth of a [batch, out_rows, out_cols, rows * cols * depth] result."""
    images = _tensor(images)
    _rank(images, "extract_patches", (4,), "images")
    padding = str(padding).upper()
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"extract_patches: padding must be 'VALID' or 'SAME', got {padding!r}.")
    sizes, strides, rates = (list(_static(v)) for v in (sizes, strides, rates))
    for label, value in (("sizes", sizes), ("strides", strides), ("rates", rates)):
        if len(value) != 4 or value[0] != 1 or value[3] != 1:
            raise InvalidArgumentError(None, None, f"extract_patches: {label} must be "
                                       f"[1, rows, cols, 1], got {value}.")
    height, width, depth = images.shape.as_list()[1:]
    if height is None or width is None or depth is None:
        raise ValueError(f"extract_patches needs static height, width and depth; got "
                         f"{images.shape}.")
    rows, top, bottom = _patch_indices(height, sizes[1], strides[1], rates[1], padding)
    cols, left, right = _patch_indices(width, sizes[2], strides[2], rates[2], padding)
    padded = _array.pad(images, [[0, 0], [top, bottom], [left, right], [0, 0]])
    by_rows = _indexing.gather(padded, rows, axis=1)          # [b, out_r, kr, w, d]
    patches = _indexing.gather(by_rows, cols, axis=3)         # [b, out_r, kr, out_c, kc, d]
    patches = _array.transpose(patches, [0, 1, 3, 2, 4, 5])   # [b, out_r, out_c, kr, kc, d]
    return _array.reshape(patches, [-1, rows.shape[0], cols.shape[0],
                                    sizes[1] * sizes[2] * depth])




def extract_glimpse(input, size, offsets, centered=True, normalized=True, noise="uniform",
                    name=None) -> Tensor:
    """Windows of `size` = [h, w] at `offsets` ([batch, 2] as y, x) from a [batch, h, w, c]
    batch; parts outside the image get `noise`: "uniform" (between the image's min and max),
    "gaussian" (each channel's mean and stddev, clipped) or "zero"."""
    images = _tensor(input)
    _rank(images, "extract_glimpse", (4,), "input")
    if noise not in ("uniform", "gaussian", "zero", ""):
        raise InvalidArgumentError(None, None, f"extract_glimpse: noise must be 'uniform', "
                                   f"'gaussian' or 'zero', got {noise!r}.")
    height, width = (int(v) for v in _static(size))
    offsets = _math.cast(_tensor(offsets), dtypes.float32)
    dims = _dims(images)
    draw_shape = [dims[0], height, width, dims[3]]
    if any(not _is_static(d) for d in draw_shape):
        draw_shape = _array.stack([_math.cast(d, dtypes.int32) for d in draw_shape])
    if noise == "gaussian":
        draws = _random.normal(draw_shape)
    elif noise in ("uniform", ""):
        draws = _random.uniform(draw_shape)
    else:
        draws = _array.zeros(draw_shape)

    def kernel(batch, where, random):
        batch = np.asarray(batch)
        count, in_h, in_w, depth = batch.shape
        out = np.zeros((count, height, width, depth), batch.dtype)
        flat = batch.reshape(count, -1, depth).astype(np.float32)
        for i in range(count):
            y, x = (float(v) for v in np.asarray(where[i], np.float32))
            if normalized:
                y, x = y * in_h, x * in_w
                if centered:
                    y, x = y / 2 + in_h / 2 - height / 2, x / 2 + in_w / 2 - width / 2
            elif centered:
                y, x = y + in_h / 2, x + in_w / 2
            top, left = int(np.float32(y)), int(np.float32(x))  # truncation, as C
            rows = top + np.arange(height)
            cols = left + np.arange(width)
            inside = ((rows >= 0) & (rows < in_h))[:, None] & ((cols >= 0) & (cols < in_w))
            if not inside.all():
                if noise == "gaussian":
                    mean, std = flat[i].mean(0), flat[i].std(0)
                    fill = np.clip(mean + random[i] * std, flat[i].min(0), flat[i].max(0))
                elif noise == "zero":
                    fill = np.zeros((height, width, depth), np.float32)
                else:
                    low = flat[i].min()
                    fill = low + random[i] * (flat[i].max() - low)
                out[i] = fill.astype(batch.dtype)
            r = np.clip(rows, 0, in_h - 1)
            c = np.clip(cols, 0, in_w - 1)
            out[i][inside] = batch[i][np.ix_(r, c)][inside]
        return out

    out = _script.numpy_function(kernel, [images, offsets, draws], images.dtype)
    return _array.ensure_shape(out, [images.shape.as_list()[0], height, width,
                                     images.shape.as_list()[3]])
