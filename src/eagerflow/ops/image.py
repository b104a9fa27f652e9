"""Image ops (`tf.image`): geometry, resizing, colour, quality metrics, boxes and codecs.

Every op is a composite of existing primitives (so gradients, tracing and unknown dims
come for free); resampling is a gather of a few source rows per output row and a weighted
sum, with the per-axis indices and weights computed in NumPy (at trace time when the sizes
are static, by a numpy_function when they are not). Data-dependent ops without gradients
(non-max suppression, glimpses, bounding-box sampling, PNG/JPEG/GIF/BMP/WebP coding) run a
NumPy/Pillow kernel through `numpy_function`, so they also work inside tf.function and
tf.data; Pillow is imported only when an image is first coded.
"""

from __future__ import annotations

import functools
import io as _io

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops import array as _array
from eagerflow.ops import control_flow as _control
from eagerflow.ops import conv as _conv
from eagerflow.ops import indexing as _indexing
from eagerflow.ops import linalg as _linalg
from eagerflow.ops import math as _math
from eagerflow.ops import random as _random
from eagerflow.ops import reduce as _reduce
from eagerflow.ops import script as _script

__all__: list = []
IMAGE_NAMES = [
    "ResizeMethod", "resize", "resize_with_pad", "resize_with_crop_or_pad",
    "crop_to_bounding_box", "pad_to_bounding_box", "central_crop", "extract_patches",
    "flip_left_right", "flip_up_down", "rot90", "transpose", "random_flip_left_right",
    "random_flip_up_down", "stateless_random_flip_left_right", "stateless_random_flip_up_down",
    "random_crop", "stateless_random_crop", "adjust_brightness", "adjust_contrast",
    "adjust_gamma", "adjust_saturation", "adjust_hue", "random_brightness", "random_contrast",
    "random_saturation", "random_hue", "stateless_random_brightness",
    "stateless_random_contrast", "stateless_random_saturation", "stateless_random_hue",
    "rgb_to_grayscale", "grayscale_to_rgb", "rgb_to_hsv", "hsv_to_rgb", "rgb_to_yuv",
    "yuv_to_rgb", "rgb_to_yiq", "yiq_to_rgb", "per_image_standardization",
    "convert_image_dtype", "image_gradients", "sobel_edges", "total_variation", "psnr", "ssim",
    "ssim_multiscale", "non_max_suppression", "non_max_suppression_with_scores",
    "non_max_suppression_padded", "crop_and_resize", "draw_bounding_boxes",
    "decode_png", "decode_jpeg", "decode_gif", "decode_bmp", "decode_image", "encode_png",
    "encode_jpeg", "is_jpeg", "extract_jpeg_shape", "combined_non_max_suppression",
    "sample_distorted_bounding_box", "stateless_sample_distorted_bounding_box",
    "adjust_jpeg_quality", "random_jpeg_quality", "stateless_random_jpeg_quality",
    "decode_and_crop_jpeg", "non_max_suppression_overlaps", "extract_glimpse", "decode_webp",
]
IO_NAMES = ["decode_png", "decode_jpeg", "decode_gif", "decode_bmp", "decode_image",
            "encode_png", "encode_jpeg", "is_jpeg", "extract_jpeg_shape", "decode_and_crop_jpeg",
            "decode_webp"]
NAMESPACES = {"image": IMAGE_NAMES, "io": IO_NAMES}


# =============================================================================================
# Helpers: tensors in, static values, ranks.
# =============================================================================================
def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _static(value):
    """A value TF accepts as a tensor, as a Python value when it is known now (else the tensor)."""
    if isinstance(value, Tensor):
        try:
            return np.asarray(value).tolist()
        except Exception:  # a symbolic tensor inside a trace: stays dynamic
            return value
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _is_static(value) -> bool:
    return not isinstance(value, Tensor)


def _rank(image: Tensor, op: str, allowed=(3, 4), name: str = "image") -> int:
    rank = image.shape.rank
    if rank is None:
        raise ValueError(f"{op}: '{name}' must have a known rank ({' or '.join(map(str, allowed))})"
                         f"; set its shape (e.g. with tf.ensure_shape) before calling.")
    if rank not in allowed:
        dims = " or ".join(str(r) for r in allowed)
        raise ValueError(f"'{name}' (shape {image.shape}) must have either {dims} dimensions."
                         if len(allowed) > 1 else
                         f"'{name}' (shape {image.shape}) must be {dims}-dimensional.")
    return rank


def _dims(x: Tensor) -> list:
    """The dims of `x`: Python ints where static, scalar int32 tensors where not."""
    static = x.shape.as_list()
    if None not in static:
        return static
    dynamic = _array.shape(x)
    return [d if d is not None else dynamic[i] for i, d in enumerate(static)]


def _as_batch(image: Tensor, op: str):
    """A 4-D view of a 3- or 4-D image, and a function undoing it."""
    if _rank(image, op) == 4:
        return image, lambda y: y
    return _array.expand_dims(image, 0), lambda y: _array.squeeze(y, [0])


def _float_image(image: Tensor):
    """The image as float (ints are converted to float32 in [0, 1]) and its original dtype."""
    if image.dtype.is_floating:
        return image, image.dtype
    return convert_image_dtype(image, dtypes.float32), image.dtype


def _restore(image: Tensor, dtype) -> Tensor:
    return convert_image_dtype(image, dtype, saturate=True)


# =============================================================================================
# convert_image_dtype
# =============================================================================================
def _saturate_cast(x: Tensor, dtype) -> Tensor:
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_integer and x.dtype != dtype:
        info = np.iinfo(dtype._numpy)
        if x.dtype.is_floating:
            low = max(float(info.min), float(np.finfo(x.dtype._numpy).min))
            high = min(float(info.max), float(np.finfo(x.dtype._numpy).max))
            # The largest float below the int's max (int32 max is not a float32).
            rounded = x.dtype._numpy.type(high)
            if float(rounded) > high:
                high = float(np.nextafter(rounded, x.dtype._numpy.type(0)))
            x = _array.clip_by_value(x, low, high)
        else:
            src = np.iinfo(x.dtype._numpy)
            low, high = max(info.min, src.min), min(info.max, src.max)
            if low > src.min or high < src.max:
                x = _array.clip_by_value(x, low, high)
    return _math.cast(x, dtype)


def convert_image_dtype(image, dtype, saturate: bool = False, name=None) -> Tensor:
    """Convert an image to `dtype`, rescaling values: floats are in [0, 1), integers span
    [0, MAX]. Float -> int rounds by truncation of `x * (MAX + 0.5)`; `saturate` clips first."""
    image = _tensor(image)
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise AttributeError(f"convert_image_dtype: dtype must be either floating point or "
                             f"integer, got {dtype!r}.")
    if not (image.dtype.is_floating or image.dtype.is_integer):
        raise AttributeError(f"convert_image_dtype: image dtype must be either floating point "
                             f"or integer, got {image.dtype!r}.")
    if dtype == image.dtype:
        return _array.identity(image)
    if image.dtype.is_integer and dtype.is_integer:
        scale_in = int(np.iinfo(image.dtype._numpy).max)
        scale_out = int(np.iinfo(dtype._numpy).max)
        if scale_in > scale_out:
            scale = (scale_in + 1) // (scale_out + 1)
            scaled = _math.floordiv(image, _math.cast(scale, image.dtype))
            return _saturate_cast(scaled, dtype) if saturate else _math.cast(scaled, dtype)
        scale = (scale_out + 1) // (scale_in + 1)
        scaled = _saturate_cast(image, dtype) if saturate else _math.cast(image, dtype)
        return _math.multiply(scaled, _math.cast(scale, dtype))
    if image.dtype.is_floating and dtype.is_floating:
        return _math.cast(image, dtype)
    if image.dtype.is_integer:  # int -> float
        cast = _math.cast(image, dtype)
        return _math.multiply(cast, _math.cast(1.0 / np.iinfo(image.dtype._numpy).max, dtype))
    scale = float(np.iinfo(dtype._numpy).max) + 0.5  # float -> int
    scaled = _math.multiply(image, _math.cast(scale, image.dtype))
    return _saturate_cast(scaled, dtype) if saturate else _math.cast(scaled, dtype)


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
    return pad_to_bounding_box(cropped, pad_h, pad_w, th, tw)


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


# =============================================================================================
# Resizing: per axis, output pixel i = sum_k weights[i, k] * input[indices[i, k]].
# =============================================================================================
class ResizeMethod:
    """The names of tf.image.resize's interpolation methods."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
            "mitchellcubic")


def _lanczos(radius: float):
    def kernel(x):
        x = np.abs(x)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi ** 2 * x * x)
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, value))
    return kernel, radius


def _gaussian_kernel(x):
    x = np.abs(x)
    sigma = 1.5 / 3.0
    return np.where(x >= 1.5, 0.0, np.exp(-x * x / (2.0 * sigma * sigma)))


def _keys_cubic(x):
    x = np.abs(x)
    outer = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    inner = (1.5 * x - 2.5) * x * x + 1.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, outer, inner))


def _mitchell_cubic(x):
    x = np.abs(x)
    outer = (((-7.0 / 18.0) * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0
    inner = ((7.0 / 6.0) * x - 2.0) * x * x + 8.0 / 9.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, outer, inner))


def _triangle(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _box(x):
    x = np.abs(x)
    return np.where(x < 0.5, 1.0, np.where(x == 0.5, 0.5, 0.0))


_KERNELS = {
    "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0), "gaussian": (_gaussian_kernel, 1.5),
    "keyscubic": (_keys_cubic, 2.0), "mitchellcubic": (_mitchell_cubic, 2.0),
    "triangle": (_triangle, 1.0), "box": (_box, 1.0),
}


def _kernel_weights(in_size: int, out_size: int, kind: str, antialias: bool):
    """Sampling-kernel spans (as TF's ScaleAndTranslate, translation 0)."""
    kernel, radius = _KERNELS[kind]
    scale = np.float32(out_size) / np.float32(in_size)
    inv_scale = np.float32(1.0 / float(scale))
    kernel_scale = max(float(inv_scale), 1.0) if antialias else 1.0
    span = min(2 * int(np.ceil(radius * kernel_scale)) + 1, in_size)
    sample = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * inv_scale
    start = np.ceil(sample - np.float32(radius * kernel_scale) - np.float32(0.5))
    end = np.floor(sample + np.float32(radius * kernel_scale) - np.float32(0.5))
    start = np.clip(start, 0, in_size - 1).astype(np.int64)
    end = np.clip(end, 0, in_size - 1).astype(np.int64) + 1
    index = start[:, None] + np.arange(span)[None, :]
    inside = index < end[:, None]
    position = (index.astype(np.float32) + np.float32(0.5) - sample[:, None]).astype(np.float64)
    weights = np.where(inside, kernel(np.abs(position / kernel_scale)), 0.0).astype(np.float32)
    outside = (sample < 0) | (sample > in_size)
    weights[outside] = 0.0
    total = weights.sum(axis=1, keepdims=True, dtype=np.float32)
    normal = np.abs(total) >= 1000.0 * np.finfo(np.float32).tiny
    weights = np.where(normal, weights / np.where(normal, total, 1), weights)
    return np.minimum(index, in_size - 1).astype(np.int32), weights.astype(np.float32)


def _bilinear_weights(in_size: int, out_size: int):
    scale = np.float32(in_size) / np.float32(out_size)
    where = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(where)
    lower = np.maximum(floor, 0).astype(np.int32)
    upper = np.minimum(np.ceil(where), in_size - 1).astype(np.int32)
    lerp = (where - floor).astype(np.float32)
    return np.stack([lower, upper], 1), np.stack([1 - lerp, lerp], 1).astype(np.float32)


def _cubic_table(a: float = -0.5, size: int = 1024):
    x = np.arange(size + 1, dtype=np.float64) / size
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + 1
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return near.astype(np.float32), far.astype(np.float32)


_CUBIC_NEAR, _CUBIC_FAR = _cubic_table()


def _bicubic_weights(in_size: int, out_size: int):
    """Keys cubic (a = -0.5) with a 1024-entry coefficient table, out-of-image taps dropped and
    the rest renormalised (TF's ResizeBicubic with half-pixel centres)."""
    scale = np.float32(in_size) / np.float32(out_size)
    where = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    base = np.floor(where).astype(np.int64)
    offset = np.rint((where - base) * np.float32(1024)).astype(np.int64)
    taps = [_CUBIC_FAR[offset], _CUBIC_NEAR[offset], _CUBIC_NEAR[1024 - offset],
            _CUBIC_FAR[1024 - offset]]
    index = base[:, None] + np.arange(-1, 3)[None, :]
    weights = np.stack(taps, 1)
    weights = np.where((index >= 0) & (index < in_size), weights, 0).astype(np.float32)
    total = weights.sum(axis=1, keepdims=True, dtype=np.float32)
    weights = np.where(np.abs(total) >= 1000.0 * np.finfo(np.float32).tiny,
                       weights / np.where(total == 0, 1, total), weights)
    return np.clip(index, 0, in_size - 1).astype(np.int32), weights.astype(np.float32)


def _area_weights(in_size: int, out_size: int):
    """Box averages over the exact source interval of each output pixel (TF's ResizeArea)."""
    scale = np.float32(in_size) / np.float32(out_size)
    low = np.arange(out_size, dtype=np.float32) * scale
    high = np.arange(1, out_size + 1, dtype=np.float32) * scale
    start = np.floor(low).astype(np.int64)
    span = int(np.max(np.ceil(high).astype(np.int64) - start)) if out_size else 1
    index = start[:, None] + np.arange(span)[None, :]
    overlap = (np.minimum(index + 1, high[:, None]) - np.maximum(index, low[:, None]))
    weights = np.clip(overlap, 0, None).astype(np.float32) / scale
    return np.minimum(index, in_size - 1).astype(np.int32), weights.astype(np.float32)


def _nearest_weights(in_size: int, out_size: int):
    scale = np.float32(in_size) / np.float32(out_size)
    where = np.floor((np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale)
    index = np.clip(where, 0, in_size - 1).astype(np.int32)[:, None]
    return index, np.ones(index.shape, np.float32)


@functools.lru_cache(maxsize=256)
def _axis_weights(in_size: int, out_size: int, method: str, antialias: bool):
    """(indices [out, taps] int32, weights [out, taps] float32) resampling one axis."""
    if in_size <= 0 or out_size <= 0:
        return np.zeros((max(out_size, 0), 1), np.int32), np.zeros((max(out_size, 0), 1),
                                                                   np.float32)
    if method == "nearest":
        return _nearest_weights(in_size, out_size)
    if method == "area":
        return _area_weights(in_size, out_size)
    if method == "bilinear" and not antialias:
        return _bilinear_weights(in_size, out_size)
    if method == "bicubic" and not antialias:
        return _bicubic_weights(in_size, out_size)
    kind = {"bilinear": "triangle", "bicubic": "keyscubic"}.get(method, method)
    return _kernel_weights(in_size, out_size, kind, antialias)


def _taps_sum(images: Tensor, axis: int, index: np.ndarray, weights: np.ndarray) -> Tensor:
    """sum_k weights[:, k] * gather(images, index[:, k]) along `axis`: one gather per tap, so
    no [.., out, taps, ..] intermediate is built (taps are few: 1 to a few dozen)."""
    trailing = (1,) * (4 - axis - 1)
    total = None
    for k in range(index.shape[1]):
        column = weights[:, k]
        if not column.any():
            continue
        term = _indexing.gather(images, convert_to_tensor(index[:, k]), axis=axis)
        if not np.all(column == 1):
            scale = convert_to_tensor(column.reshape((-1,) + trailing).astype(
                images.dtype._numpy))
            term = _math.multiply(term, scale)
        total = term if total is None else _math.add(total, term)
    if total is None:  # every weight is zero (sampling outside the image)
        total = _math.multiply(_indexing.gather(images, convert_to_tensor(index[:, 0]),
                                                axis=axis), _math.cast(0, images.dtype))
    return total


def _resample_axis(images: Tensor, axis: int, in_size, out_size, method: str,
                   antialias: bool) -> Tensor:
    """Resample axis `axis` of a 4-D batch from `in_size` to `out_size` samples."""
    if _is_static(in_size) and _is_static(out_size):
        if in_size == out_size and method in ("nearest", "area", "bilinear") \
                and not (antialias and method == "bilinear"):
            return images
        index, weights = _axis_weights(int(in_size), int(out_size), method, antialias)
        return _taps_sum(images, axis, index, weights)

    def compute(n_in, n_out):
        return _axis_weights(int(n_in), int(n_out), method, antialias)

    # Sizes known only at run time: the taps come from a numpy_function, their count unknown.
    sizes = [_math.cast(s, dtypes.int32) for s in (in_size, out_size)]
    index, weights = _script.numpy_function(compute, sizes, [dtypes.int32, dtypes.float32])
    index = _array.ensure_shape(index, [None, None])
    weights = _array.ensure_shape(weights, [None, None])
    gathered = _indexing.gather(images, index, axis=axis)
    if method == "nearest":
        return _array.squeeze(gathered, [axis + 1])
    weights = _math.cast(weights, images.dtype)
    for _ in range(4 - axis - 1):  # broadcast over the axes after the resampled one
        weights = _array.expand_dims(weights, -1)
    return _reduce.reduce_sum(_math.multiply(gathered, weights), axis=axis + 1)


def _resize(images: Tensor, height, width, method: str, antialias: bool) -> Tensor:
    """Resize a 4-D batch (dtype kept) to `height x width`."""
    dims = _dims(images)
    out = _resample_axis(images, 1, dims[1], height, method, antialias)
    return _resample_axis(out, 2, dims[2], width, method, antialias)


def _size_arg(size) -> list:
    size = _static(size)
    if isinstance(size, Tensor):
        if size.shape.as_list() != [2]:
            raise ValueError(f"'size' must be a 1-D Tensor of 2 elements: new_height, new_width;"
                             f" got shape {size.shape}.")
        return [size[0], size[1]]
    if not isinstance(size, (list, tuple)) or len(size) != 2:
        raise ValueError(f"'size' must be a 1-D Tensor of 2 elements: new_height, new_width; "
                         f"got {size!r}.")
    size = [_static(s) for s in size]
    for s in size:
        if _is_static(s) and (not isinstance(s, (int, np.integer)) or s <= 0):
            raise ValueError(f"'size' must contain positive integers (new_height, new_width); "
                             f"got {size!r}.")
    return size


def _aspect_size(dims: list, size: list) -> list:
    """The largest size within `size` keeping the image's aspect ratio (TF rounds half even)."""
    height, width = dims[-3], dims[-2]
    if all(_is_static(v) for v in (height, width, *size)):
        scale = min(np.float32(size[0]) / np.float32(height),
                    np.float32(size[1]) / np.float32(width))
        return [int(np.rint(np.float32(scale) * np.float32(height))),
                int(np.rint(np.float32(scale) * np.float32(width)))]
    h = _math.cast(height, dtypes.float32)
    w = _math.cast(width, dtypes.float32)
    scale = _math.minimum(_math.cast(size[0], dtypes.float32) / h,
                          _math.cast(size[1], dtypes.float32) / w)
    return [_math.cast(_math.round(scale * h), dtypes.int32),
            _math.cast(_math.round(scale * w), dtypes.int32)]


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None) -> Tensor:
    """Resize images to `size` = [new_height, new_width] (half-pixel centres, as TF 2).

    The result is float32, except for `nearest`, which keeps the images' dtype. `antialias`
    widens the kernel when downsampling; `area` always averages.
    """
    images = _tensor(images)
    _rank(images, "resize", name="images")
    method = str(method).lower()
    if method not in _METHODS:
        raise ValueError(f"Resize method is not implemented: {method!r}. Use one of "
                         f"{', '.join(_METHODS)}.")
    size = _size_arg(size)
    batch, restore = _as_batch(images, "resize")
    if preserve_aspect_ratio:
        size = _aspect_size(_dims(batch), size)
    if method != "nearest":
        if not images.dtype.is_floating and not images.dtype.is_integer:
            raise TypeError(f"resize: images must be numeric, got {images.dtype!r}.")
        batch = _math.cast(batch, dtypes.float32)
    return restore(_resize(batch, size[0], size[1], method, bool(antialias)))


def resize_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR,
                    antialias=False) -> Tensor:
    """Resize keeping the aspect ratio so the image fits, then zero-pad it to the target."""
    image = _tensor(image)
    batch, restore = _as_batch(image, "resize_with_pad")
    th, tw = _static(target_height), _static(target_width)
    _check_box(tw, "target_width", 1)
    _check_box(th, "target_height", 1)
    dims = _dims(batch)
    height, width = dims[1], dims[2]
    if all(_is_static(v) for v in (height, width, th, tw)):
        f32 = np.float32
        ratio = max(f32(width) / f32(tw), f32(height) / f32(th))
        new_h_float, new_w_float = f32(height) / ratio, f32(width) / ratio
        new_h, new_w = int(np.floor(new_h_float)), int(np.floor(new_w_float))
        pad_h = max(0, int(np.floor((f32(th) - new_h_float) / f32(2))))
        pad_w = max(0, int(np.floor((f32(tw) - new_w_float) / f32(2))))
    else:
        def f(v):
            return _math.cast(v, dtypes.float32)
        ratio = _math.maximum(f(width) / f(tw), f(height) / f(th))
        new_h_float, new_w_float = f(height) / ratio, f(width) / ratio
        new_h = _math.cast(_math.floor(new_h_float), dtypes.int32)
        new_w = _math.cast(_math.floor(new_w_float), dtypes.int32)
        pad_h = _math.maximum(0, _math.cast(_math.floor((f(th) - new_h_float) / 2), dtypes.int32))
        pad_w = _math.maximum(0, _math.cast(_math.floor((f(tw) - new_w_float) / 2), dtypes.int32))
    resized = resize(batch, [new_h, new_w], method=method, antialias=antialias)
    return restore(pad_to_bounding_box(resized, pad_h, pad_w, th, tw))


# =============================================================================================
# Colour: brightness, contrast, gamma, colour spaces, saturation and hue.
# =============================================================================================
def adjust_brightness(image, delta) -> Tensor:
    """Add `delta` to every channel (integer images are shifted in [0, 1] and saturated back)."""
    image = _tensor(image)
    flt, dtype = _float_image(image)
    adjusted = _math.add(flt, _math.cast(_tensor(delta), flt.dtype))
    return _restore(adjusted, dtype)


def adjust_contrast(images, contrast_factor) -> Tensor:
    """Scale each channel's distance from its per-image mean by `contrast_factor`."""
    images = _tensor(images)
    _rank(images, "adjust_contrast", (3, 4, 5), "images")
    flt, dtype = _float_image(images)
    mean = _reduce.reduce_mean(flt, axis=[-3, -2], keepdims=True)
    factor = _math.cast(_tensor(contrast_factor), flt.dtype)
    adjusted = _math.add(_math.multiply(_math.subtract(flt, mean), factor), mean)
    return _restore(adjusted, dtype)


def adjust_gamma(image, gamma=1, gain=1) -> Tensor:
    """`gain * image ** gamma` on [0, 1] values (integer images are converted and back)."""
    image = _tensor(image)
    if image.dtype in (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.bfloat16):
        flt, dtype = image, image.dtype
    else:
        flt, dtype = convert_image_dtype(image, dtypes.float32), image.dtype
    gamma_value = _static(gamma)
    if _is_static(gamma_value) and np.any(np.asarray(gamma_value) < 0):
        raise ValueError(f"adjust_gamma: Gamma should be a non-negative real number, got "
                         f"{gamma_value}.")
    gamma_t = _math.cast(_tensor(gamma), flt.dtype)
    gain_t = _math.cast(_tensor(gain), flt.dtype)
    adjusted = _math.multiply(gain_t, _math.pow(flt, gamma_t))
    return _restore(adjusted, dtype)


def _channels(images: Tensor, op: str, count: int = 3) -> None:
    last = images.shape.as_list()[-1] if images.shape.rank else None
    if images.shape.rank == 0 or (last is not None and last != count):
        raise InvalidArgumentError(None, None, f"{op}: the last dimension of the images must be "
                                   f"{count} (got shape {images.shape}).")


def _matrix_transform(images, kernel: list, op: str) -> Tensor:
    images = _tensor(images)
    _channels(images, op)
    if not images.dtype.is_floating:
        raise TypeError(f"{op}: images must be a float tensor, got {images.dtype!r}; convert "
                        f"with tf.image.convert_image_dtype first.")
    matrix = convert_to_tensor(np.asarray(kernel, dtype=images.dtype._numpy))
    return _linalg.tensordot(images, matrix, [[-1], [0]])


_RGB_TO_YUV = [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
               [0.114, 0.43601035, -0.10001026]]
_YUV_TO_RGB = [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]]
_RGB_TO_YIQ = [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617],
               [0.114, -0.32134392, 0.31119955]]
_YIQ_TO_RGB = [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021],
               [0.6208248, -0.64720424, 1.70423049]]


def rgb_to_yuv(images) -> Tensor:
    """RGB in [0, 1] to YUV (Y in [0, 1], U and V around 0)."""
    return _matrix_transform(images, _RGB_TO_YUV, "rgb_to_yuv")


def yuv_to_rgb(images) -> Tensor:
    """YUV to RGB: the inverse of rgb_to_yuv."""
    return _matrix_transform(images, _YUV_TO_RGB, "yuv_to_rgb")


def rgb_to_yiq(images) -> Tensor:
    """RGB in [0, 1] to YIQ."""
    return _matrix_transform(images, _RGB_TO_YIQ, "rgb_to_yiq")


def yiq_to_rgb(images) -> Tensor:
    """YIQ to RGB: the inverse of rgb_to_yiq."""
    return _matrix_transform(images, _YIQ_TO_RGB, "yiq_to_rgb")


def rgb_to_grayscale(images, name=None) -> Tensor:
    """Luma (0.2989 R + 0.5870 G + 0.1140 B) as one channel, in the images' dtype."""
    images = _tensor(images)
    _channels(images, "rgb_to_grayscale")
    flt, dtype = _float_image(images)
    weights = convert_to_tensor(np.array([0.2989, 0.5870, 0.1140], flt.dtype._numpy))
    gray = _array.expand_dims(_linalg.tensordot(flt, weights, [[-1], [-1]]), -1)
    return convert_image_dtype(gray, dtype)


def grayscale_to_rgb(images, name=None) -> Tensor:
    """Repeat a single channel three times."""
    images = _tensor(images)
    _channels(images, "grayscale_to_rgb", 1)
    if images.shape.rank is not None and images.shape.rank < 2:
        raise ValueError(f"grayscale_to_rgb: images must be at least 2-D, got {images.shape}.")
    return _array.concat([images, images, images], axis=-1)


def _split_channels(images: Tensor) -> list:
    return _array.unstack(images, axis=-1) if images.shape.as_list()[-1] == 3 else \
        [images[..., i] for i in range(3)]


def rgb_to_hsv(images, name=None) -> Tensor:
    """RGB in [0, 1] to hue, saturation, value, all in [0, 1]."""
    images = _tensor(images)
    _channels(images, "rgb_to_hsv")
    if not images.dtype.is_floating:
        raise TypeError(f"rgb_to_hsv: images must be a float tensor, got {images.dtype!r}.")
    red, green, blue = _split_channels(images)
    value = _math.maximum(_math.maximum(red, green), blue)
    spread = value - _math.minimum(_math.minimum(red, green), blue)
    saturation = _math.divide_no_nan(spread, value)
    norm = _math.divide_no_nan(_array.ones_like(spread) / 6.0, spread)
    hue = _indexing.where(
        _math.equal(red, value), norm * (green - blue),
        _indexing.where(_math.equal(green, value), norm * (blue - red) + 2.0 / 6.0,
                        norm * (red - green) + 4.0 / 6.0))
    hue = _indexing.where(_math.greater(spread, 0.0), hue, _array.zeros_like(hue))
    hue = _indexing.where(_math.less(hue, 0.0), hue + 1.0, hue)
    return _array.stack([hue, saturation, value], axis=-1)


def hsv_to_rgb(images, name=None) -> Tensor:
    """Hue, saturation, value in [0, 1] to RGB."""
    images = _tensor(images)
    _channels(images, "hsv_to_rgb")
    if not images.dtype.is_floating:
        raise TypeError(f"hsv_to_rgb: images must be a float tensor, got {images.dtype!r}.")
    hue, saturation, value = _split_channels(images)
    chroma = saturation * value
    sixths = hue * 6.0
    # Each channel's share of the chroma is a clipped tent of the hue (in sixths of a turn).
    ramps = (_math.abs(sixths - 3.0) - 1.0, 2.0 - _math.abs(sixths - 2.0),
             2.0 - _math.abs(sixths - 4.0))
    outs = [value - chroma * (1.0 - _array.clip_by_value(r, 0.0, 1.0)) for r in ramps]
    return _array.stack(outs, axis=-1)


def _float_rgb(image, op: str):
    image = _tensor(image)
    _channels(image, op)
    return _float_image(image)


def adjust_saturation(image, saturation_factor, name=None) -> Tensor:
    """Multiply the HSV saturation by `saturation_factor` (clipped to [0, 1])."""
    flt, dtype = _float_rgb(image, "adjust_saturation")
    hue, saturation, value = _array.unstack(rgb_to_hsv(flt), axis=-1)
    factor = _math.cast(_tensor(saturation_factor), flt.dtype)
    saturation = _array.clip_by_value(saturation * factor, 0.0, 1.0)
    return _restore(hsv_to_rgb(_array.stack([hue, saturation, value], axis=-1)), dtype)


def adjust_hue(image, delta, name=None) -> Tensor:
    """Rotate the HSV hue by `delta` (a fraction of a full turn, in [-1, 1])."""
    flt, dtype = _float_rgb(image, "adjust_hue")
    delta_value = _static(delta)
    if _is_static(delta_value) and not -1.0 <= float(delta_value) <= 1.0:
        raise InvalidArgumentError(None, None, f"adjust_hue: delta must be in the interval "
                                   f"[-1, 1], got {delta_value}.")
    hue, saturation, value = _array.unstack(rgb_to_hsv(flt), axis=-1)
    hue = _math.floormod(hue + _math.cast(_tensor(delta), flt.dtype), 1.0)
    return _restore(hsv_to_rgb(_array.stack([hue, saturation, value], axis=-1)), dtype)


def per_image_standardization(image) -> Tensor:
    """`(x - mean) / max(stddev, 1/sqrt(num_elements))` per image (ints become float32)."""
    image = _tensor(image)
    _rank(image, "per_image_standardization", (3, 4, 5))
    flt = image if image.dtype.is_floating else _math.cast(image, dtypes.float32)
    dims = _dims(flt)
    count = dims[-1] * dims[-2] * dims[-3]
    count_t = _math.cast(count, flt.dtype)
    mean = _reduce.reduce_mean(flt, axis=[-1, -2, -3], keepdims=True)
    stddev = _reduce.reduce_std(flt, axis=[-1, -2, -3], keepdims=True)
    floor = _math.rsqrt(count_t)
    return _math.divide(_math.subtract(flt, mean), _math.maximum(stddev, floor))


# =============================================================================================
# Random augmentation (seeded like tf.random: op seed + global seed; stateless: a [2] seed).
# =============================================================================================
def _uniform(shape, low, high, seed, stateless: bool, dtype=dtypes.float32) -> Tensor:
    if stateless:
        return _random.stateless_uniform(shape, seed, low, high, dtype=dtype)
    return _random.uniform(shape, low, high, dtype=dtype, seed=seed)


def _random_flip(image, axis: int, seed, stateless: bool, op: str) -> Tensor:
    image = _tensor(image)
    rank = _rank(image, op)
    if rank == 3:
        flip = _math.less(_uniform([], 0.0, 1.0, seed, stateless), 0.5)
        return _indexing.where(flip, _array.reverse(image, [axis]), image)
    batch = _dims(image)[0]
    draws = _uniform(_array.stack([batch]) if not _is_static(batch) else [batch], 0.0, 1.0,
                     seed, stateless)
    flips = _array.reshape(_math.greater_equal(draws, 0.5), [-1, 1, 1, 1])
    return _indexing.where(flips, _array.reverse(image, [axis + 1]), image)


def random_flip_left_right(image, seed=None) -> Tensor:
    """Mirror each image horizontally with probability 1/2."""
    return _random_flip(image, 1, seed, False, "random_flip_left_right")


def random_flip_up_down(image, seed=None) -> Tensor:
    """Mirror each image vertically with probability 1/2."""
    return _random_flip(image, 0, seed, False, "random_flip_up_down")


def stateless_random_flip_left_right(image, seed) -> Tensor:
    """random_flip_left_right, deterministic in `seed` (shape [2])."""
    return _random_flip(image, 1, seed, True, "stateless_random_flip_left_right")


def stateless_random_flip_up_down(image, seed) -> Tensor:
    """random_flip_up_down, deterministic in `seed` (shape [2])."""
    return _random_flip(image, 0, seed, True, "stateless_random_flip_up_down")


def _random_crop(value, size, seed, stateless: bool) -> Tensor:
    value = _tensor(value)
    size = [int(s) for s in _static(size)]
    dims = _dims(value)
    if len(size) != len(dims):
        raise ValueError(f"random_crop: size {size} must have one entry per dim of the value "
                         f"(shape {value.shape}).")
    for d, s in zip(dims, size):
        if _is_static(d) and d < s:
            raise InvalidArgumentError(None, None, f"random_crop: Need value.shape >= size, got "
                                       f"{value.shape} and {size}.")
    limit = _array.stack([_math.cast(d, dtypes.int32) - s + 1 for d, s in zip(dims, size)])
    draws = _uniform([len(size)], 0.0, 1.0, seed, stateless)
    offset = _math.cast(_math.floor(draws * _math.cast(limit, dtypes.float32)), dtypes.int32)
    offset = _math.minimum(offset, limit - 1)
    return _window(value, [offset[i] for i in range(len(size))], size)


def random_crop(value, size, seed=None, name=None) -> Tensor:
    """A window of `size` at a uniformly random offset."""
    return _random_crop(value, size, seed, False)


def stateless_random_crop(value, size, seed, name=None) -> Tensor:
    """random_crop, deterministic in `seed` (shape [2])."""
    return _random_crop(value, size, seed, True)


def _check_range(lower, upper, op: str) -> None:
    if upper <= lower:
        raise ValueError(f"{op}: upper must be > lower (got lower={lower}, upper={upper}).")
    if lower < 0:
        raise ValueError(f"{op}: lower must be non-negative (got {lower}).")


def random_brightness(image, max_delta, seed=None) -> Tensor:
    """adjust_brightness by a delta drawn uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError(f"random_brightness: max_delta must be non-negative, got {max_delta}.")
    return adjust_brightness(image, _uniform([], -max_delta, max_delta, seed, False))


def stateless_random_brightness(image, max_delta, seed) -> Tensor:
    """random_brightness, deterministic in `seed`."""
    if max_delta < 0:
        raise ValueError(f"stateless_random_brightness: max_delta must be non-negative, got "
                         f"{max_delta}.")
    return adjust_brightness(image, _uniform([], -max_delta, max_delta, seed, True))


def random_contrast(image, lower, upper, seed=None) -> Tensor:
    """adjust_contrast by a factor drawn uniformly from [lower, upper)."""
    _check_range(lower, upper, "random_contrast")
    return adjust_contrast(image, _uniform([], lower, upper, seed, False))


def stateless_random_contrast(image, lower, upper, seed) -> Tensor:
    """random_contrast, deterministic in `seed`."""
    _check_range(lower, upper, "stateless_random_contrast")
    return adjust_contrast(image, _uniform([], lower, upper, seed, True))


def random_saturation(image, lower, upper, seed=None) -> Tensor:
    """adjust_saturation by a factor drawn uniformly from [lower, upper)."""
    _check_range(lower, upper, "random_saturation")
    return adjust_saturation(image, _uniform([], lower, upper, seed, False))


def stateless_random_saturation(image, lower, upper, seed) -> Tensor:
    """random_saturation, deterministic in `seed`."""
    _check_range(lower, upper, "stateless_random_saturation")
    return adjust_saturation(image, _uniform([], lower, upper, seed, True))


def _check_hue_delta(max_delta, op: str) -> None:
    if max_delta > 0.5:
        raise ValueError(f"{op}: max_delta must be <= 0.5, got {max_delta}.")
    if max_delta < 0:
        raise ValueError(f"{op}: max_delta must be non-negative, got {max_delta}.")


def random_hue(image, max_delta, seed=None) -> Tensor:
    """adjust_hue by a delta drawn uniformly from [-max_delta, max_delta), max_delta <= 0.5."""
    _check_hue_delta(max_delta, "random_hue")
    return adjust_hue(image, _uniform([], -max_delta, max_delta, seed, False))


def stateless_random_hue(image, max_delta, seed) -> Tensor:
    """random_hue, deterministic in `seed`."""
    _check_hue_delta(max_delta, "stateless_random_hue")
    return adjust_hue(image, _uniform([], -max_delta, max_delta, seed, True))


# =============================================================================================
# Gradients, edges and quality metrics.
# =============================================================================================
def image_gradients(image) -> tuple:
    """(dy, dx): forward differences along height and width, zero in the last row/column."""
    image = _tensor(image)
    if image.shape.rank != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not "
                         f"{image.shape}.")
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    dy = _array.pad(dy, [[0, 0], [0, 1], [0, 0], [0, 0]])
    dx = _array.pad(dx, [[0, 0], [0, 0], [0, 1], [0, 0]])
    return dy, dx


_SOBEL_Y = ((-1, -2, -1), (0, 0, 0), (1, 2, 1))


def sobel_edges(image) -> Tensor:
    """Sobel responses [batch, h, w, d, 2] (dy then dx) with reflected borders."""
    image = _tensor(image)
    _rank(image, "sobel_edges", (4,))
    padded = _array.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    dims = _dims(image)
    height, width = dims[1], dims[2]

    def window(i: int, j: int) -> Tensor:
        return _window(padded, [0, i, j, 0], [-1, height, width, -1])

    shifted = {(i, j): window(i, j) for i in range(3) for j in range(3)}
    outs = []
    for kernel in (_SOBEL_Y, tuple(zip(*_SOBEL_Y))):
        total = None
        for i in range(3):
            for j in range(3):
                if kernel[i][j]:
                    term = shifted[i, j] * float(kernel[i][j])
                    total = term if total is None else total + term
        outs.append(total)
    return _array.stack(outs, axis=-1)


def total_variation(images, name=None) -> Tensor:
    """Sum of absolute differences of neighbouring pixels (per image for a batch)."""
    images = _tensor(images)
    rank = _rank(images, "total_variation", name="images")
    axes = [0, 1, 2] if rank == 3 else [1, 2, 3]
    rows = images[..., 1:, :, :] - images[..., :-1, :, :]
    cols = images[..., :, 1:, :] - images[..., :, :-1, :]
    return _reduce.reduce_sum(_math.abs(rows), axis=axes) + \
        _reduce.reduce_sum(_math.abs(cols), axis=axes)


def _metric_inputs(a, b, max_val, op: str):
    a, b = _tensor(a), _tensor(b)
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: the two images must have the same dtype, got {a.dtype!r} and "
                        f"{b.dtype!r}.")
    sa, sb = a.shape.as_list() if a.shape.rank else [], b.shape.as_list() if b.shape.rank else []
    if a.shape.rank is not None and b.shape.rank is not None:
        if a.shape.rank < 3 or b.shape.rank < 3:
            raise ValueError(f"{op}: images must have at least 3 dims [.., h, w, c], got "
                             f"{a.shape} and {b.shape}.")
        for x, y in zip(sa[::-1][:3], sb[::-1][:3]):
            if x is not None and y is not None and x != y:
                raise ValueError(f"{op}: image shapes {a.shape} and {b.shape} are not "
                                 f"compatible.")
    work = a.dtype if a.dtype.is_floating and a.dtype != dtypes.float16 else dtypes.float32
    max_t = _math.cast(_tensor(max_val), a.dtype)
    max_t = convert_image_dtype(max_t, work)
    return convert_image_dtype(a, work), convert_image_dtype(b, work), max_t


def psnr(a, b, max_val, name=None) -> Tensor:
    """Peak signal-to-noise ratio in dB per image: 20 log10(max_val) - 10 log10(MSE)."""
    a, b, max_t = _metric_inputs(a, b, max_val, "psnr")
    mse = _reduce.reduce_mean(_math.squared_difference(a, b), axis=[-3, -2, -1])
    ln10 = np.log(10.0)
    return 20.0 * _math.log(max_t) / ln10 - (10.0 / ln10) * _math.log(mse)


def _gaussian_window(size: int, sigma: float, channels: int, dtype) -> Tensor:
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.square(coords) * (-0.5 / (sigma * sigma))
    g = (g[None, :] + g[:, None]).reshape(-1)
    g = np.exp(g - g.max())
    g = (g / g.sum()).reshape(size, size, 1, 1)
    return convert_to_tensor(np.tile(g, (1, 1, channels, 1)).astype(dtype._numpy))


def _ssim_parts(x: Tensor, y: Tensor, max_t: Tensor, filter_size: int, filter_sigma: float,
                k1: float, k2: float):
    """(luminance, contrast-structure) maps [..., h', w', c] of two equal-shape batches."""
    shape = x.shape.as_list()
    channels = shape[-1]
    if channels is None:
        raise ValueError(f"ssim needs a static channel count, got shape {x.shape}.")
    height, width = shape[-3], shape[-2]
    for dim in (height, width):
        if dim is not None and dim < filter_size:
            raise InvalidArgumentError(None, None, f"ssim: the images (shape {x.shape}) must be "
                                       f"at least filter_size={filter_size} pixels high and "
                                       f"wide.")
    window = _gaussian_window(filter_size, filter_sigma, channels, x.dtype)
    lead = _dims(x)[:-3]

    def reducer(v: Tensor) -> Tensor:
        flat = _array.reshape(v, [-1] + _dims(v)[-3:])
        out = _conv.depthwise_conv2d(flat, window, [1, 1, 1, 1], "VALID")
        return _array.reshape(out, lead + _dims(out)[1:])

    c1 = (k1 * max_t) ** 2
    c2 = (k2 * max_t) ** 2
    mean0, mean1 = reducer(x), reducer(y)
    num0 = mean0 * mean1 * 2.0
    den0 = _math.square(mean0) + _math.square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(x * y) * 2.0
    den1 = reducer(_math.square(x) + _math.square(y))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    return luminance, cs


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         return_index_map=False) -> Tensor:
    """Structural similarity per image (Wang et al. 2004) with an 11x11 Gaussian window."""
    x, y, max_t = _metric_inputs(img1, img2, max_val, "ssim")
    luminance, cs = _ssim_parts(x, y, max_t, int(filter_size), float(filter_sigma), k1, k2)
    if return_index_map:
        return _reduce.reduce_mean(luminance * cs, axis=[-1])
    per_channel = _reduce.reduce_mean(luminance * cs, axis=[-3, -2])
    return _reduce.reduce_mean(per_channel, axis=[-1])


_MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ssim_multiscale(img1, img2, max_val, power_factors=_MSSSIM_WEIGHTS, filter_size=11,
                    filter_sigma=1.5, k1=0.01, k2=0.03) -> Tensor:
    """Multi-scale SSIM: contrast-structure at each 2x-downsampled scale, luminance at the
    last, combined with `power_factors`."""
    x, y, max_t = _metric_inputs(img1, img2, max_val, "ssim_multiscale")
    lead = _dims(x)[:-3]
    values = []
    for scale, _ in enumerate(power_factors):
        if scale:
            pooled = []
            for img in (x, y):
                dims = _dims(img)
                if not all(_is_static(d) for d in dims[-3:-1]):
                    raise ValueError("ssim_multiscale needs static height and width.")
                pad = [[0, 0]] * 1 + [[0, dims[-3] % 2], [0, dims[-2] % 2], [0, 0]]
                flat = _array.reshape(img, [-1] + dims[-3:])
                flat = _array.pad(flat, pad, mode="SYMMETRIC")
                down = _conv.avg_pool2d(flat, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
                pooled.append(_array.reshape(down, lead + _dims(down)[1:]))
            x, y = pooled
        luminance, cs = _ssim_parts(x, y, max_t, int(filter_size), float(filter_sigma), k1, k2)
        cs_mean = _reduce.reduce_mean(cs, axis=[-3, -2])
        if scale == len(power_factors) - 1:
            values.append(_reduce.reduce_mean(luminance * cs, axis=[-3, -2]))
        else:
            values.append(cs_mean)
    stacked = _math.maximum(_array.stack(values, axis=-1), 0.0)
    powers = convert_to_tensor(np.asarray(power_factors, x.dtype._numpy))
    ms = _reduce.reduce_prod(_math.pow(stacked, powers), axis=[-1])
    return _reduce.reduce_mean(ms, axis=[-1])


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
# Codecs: PNG, JPEG, GIF, BMP through Pillow (imported when an image is first coded).
# =============================================================================================
def _pillow():
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow is a dependency
        raise ImportError("tf.image encode/decode ops need Pillow: pip install pillow") from exc
    return Image


def _bytes_of(contents) -> bytes:
    value = np.asarray(contents)
    value = value.item() if value.shape == () else value
    if isinstance(value, str):
        return value.encode("latin-1")
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidArgumentError(None, None, f"image decoding: contents must be a scalar "
                                   f"string tensor, got {type(value).__name__} of shape "
                                   f"{np.shape(contents)}.")
    return bytes(value)


def _sniff(data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:4] in (b"GIF8",):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "unknown"


_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _open(data: bytes, kind: str, gray_jpeg: bool = False):
    Image = _pillow()
    try:
        picture = Image.open(_io.BytesIO(data))
        if gray_jpeg and picture.format == "JPEG" and picture.mode != "L":
            picture.draft("L", picture.size)  # libjpeg's own grayscale output (its Y plane)
        picture.load()
    except Exception as exc:
        raise InvalidArgumentError(None, None, f"decode_{kind}: the contents are not a valid "
                                   f"{kind.upper()} image ({exc}).") from None
    return picture


def _native_pixels(picture) -> np.ndarray:
    """Pixels [h, w, c] of a Pillow image with the channels stored in the file (1 to 4)."""
    mode = picture.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        return np.asarray(picture).astype(np.uint16)[..., None]
    if mode == "1":
        mode, picture = "L", picture.convert("L")
    elif mode == "P":
        target = "RGBA" if "transparency" in picture.info else "RGB"
        mode, picture = target, picture.convert(target)
    elif mode == "PA":
        mode, picture = "RGBA", picture.convert("RGBA")
    elif mode not in _MODES.values():
        mode, picture = "RGB", picture.convert("RGB")
    array = np.asarray(picture)
    return array.reshape(array.shape[:2] + (-1,))


def _bmp_pixels(data: bytes):
    """Pixels of an uncompressed 24- or 32-bit BMP (BGR(A) rows, bottom-up unless the height
    is negative), or None for other BMPs (left to Pillow). 32-bit BMPs keep their alpha."""
    if len(data) < 54:
        return None
    offset = int.from_bytes(data[10:14], "little")
    width = int.from_bytes(data[18:22], "little", signed=True)
    height = int.from_bytes(data[22:26], "little", signed=True)
    bits = int.from_bytes(data[28:30], "little")
    compression = int.from_bytes(data[30:34], "little")
    if bits not in (24, 32) or compression not in (0, 3) or width <= 0 or height == 0:
        return None
    depth = bits // 8
    stride = (width * depth + 3) // 4 * 4
    rows = abs(height)
    if offset + stride * rows > len(data):
        raise InvalidArgumentError(None, None, f"decode_bmp: the BMP data is truncated (needs "
                                   f"{offset + stride * rows} bytes, got {len(data)}).")
    pixels = np.frombuffer(data, np.uint8, stride * rows, offset).reshape(rows, stride)
    pixels = pixels[:, :width * depth].reshape(rows, width, depth)
    if height > 0:
        pixels = pixels[::-1]
    order = [2, 1, 0, 3] if depth == 4 else [2, 1, 0]
    return np.ascontiguousarray(pixels[..., order])


def _gray(rgb: np.ndarray) -> np.ndarray:
    """libpng's RGB -> gray as TF's decoders use it: (9797 R + 19234 G + 3737 B) >> 15."""
    wide = rgb.astype(np.int64)
    gray = (9797 * wide[..., 0] + 19234 * wide[..., 1] + 3737 * wide[..., 2]) >> 15
    return gray.astype(rgb.dtype)[..., None]


def _to_channels(picture, channels: int) -> np.ndarray:
    """Pixels [h, w, c] of a Pillow image, as `channels` channels (0: as in the file)."""
    return _convert_channels(_native_pixels(picture), channels)


def _convert_channels(array: np.ndarray, channels: int) -> np.ndarray:
    """Gray, gray+alpha, RGB or RGBA pixels as `channels` channels, as TF's decoders do."""
    have = array.shape[-1]
    if channels in (0, have):
        return array
    opaque = np.full(array.shape[:2] + (1,), np.iinfo(array.dtype).max, array.dtype)
    color, alpha = (array[..., :1], array[..., 1:2]) if have <= 2 else \
        (array[..., :3], array[..., 3:4])
    if have == 1 or have == 3:
        alpha = opaque
    if channels in (1, 2):
        gray = color if have <= 2 else _gray(color)
        return gray if channels == 1 else np.concatenate([gray, alpha], -1)
    rgb = np.repeat(color, 3, -1) if have <= 2 else color
    return rgb if channels == 3 else np.concatenate([rgb, alpha], -1)


def _check_channels(channels, allowed, op: str) -> int:
    channels = int(_static(channels) or 0)
    if channels not in allowed:
        raise ValueError(f"{op}: channels must be one of {allowed}, got {channels}.")
    return channels


def _frames(picture, found: str, channels: int, kind: str) -> np.ndarray:
    """The frames [n, h, w, c] of a GIF (RGB) or WebP (as stored; RGBA when animated)."""
    count = getattr(picture, "n_frames", 1)
    if found == "gif" and channels not in (0, 3):
        raise InvalidArgumentError(None, None, f"decode_{kind}: GIF images have 3 channels; "
                                   f"channels={channels} was asked.")
    if count == 1 and found == "webp":
        return _to_channels(picture, channels)[None]
    mode = "RGB" if found == "gif" else "RGBA"
    frames = []
    for index in range(count):
        picture.seek(index)
        frames.append(np.asarray(picture.convert(mode)))
    return np.stack(frames)


def _decode(contents, kind: str, channels: int, out_dtype, animated: bool, shape) -> Tensor:
    contents = _tensor(contents)
    if contents.dtype != dtypes.string:
        raise TypeError(f"decode_{kind}: contents must be a string tensor, got "
                        f"{contents.dtype!r}.")
    np_dtype = dtypes.as_dtype(out_dtype)._numpy

    def kernel(value):
        data = _bytes_of(value)
        found = _sniff(data)
        if found == "unknown":  # as TF 2, every decode_* reads every supported format
            raise InvalidArgumentError(None, None, f"decode_{kind}: Unknown image file format. "
                                       f"One of JPEG, PNG, GIF, BMP, WebP required.")
        bmp = _bmp_pixels(data) if found == "bmp" else None
        picture = _open(data, found, gray_jpeg=channels == 1) if bmp is None else None
        if bmp is not None:
            frames = _convert_channels(bmp, channels)[None]
        elif found in ("gif", "webp"):  # formats with frames
            frames = _frames(picture, found, channels, kind)
        else:
            frames = _to_channels(picture, channels)[None]
        if animated and (kind in ("gif", "webp") or found in ("gif", "webp")):
            array = frames
        else:
            if frames.shape[0] > 1 and kind != "image":
                raise InvalidArgumentError(None, None, f"decode_{kind}: Got {frames.shape[0]} "
                                           f"frames, but animated images can only be decoded "
                                           f"by tf.io.decode_gif, decode_webp or decode_image.")
            array = frames[0]
        if array.dtype == np.uint16 and np_dtype == np.uint8:
            array = (array >> 8).astype(np.uint8)
        elif array.dtype == np.uint8 and np_dtype == np.uint16:
            array = array.astype(np.uint16) * 257
        return np.ascontiguousarray(array)

    source = np.uint16 if np_dtype == np.uint16 else np.uint8
    out = _script.numpy_function(kernel, [contents], dtypes.from_numpy(np.dtype(source)))
    if shape is not None:
        out = _array.ensure_shape(out, shape)
    if np_dtype not in (np.uint8, np.uint16):
        out = convert_image_dtype(out, dtypes.from_numpy(np.dtype(np_dtype)))
    return out


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None) -> Tensor:
    """Decode a PNG string into a uint8 (or uint16) tensor [height, width, channels]."""
    channels = _check_channels(channels, (0, 1, 2, 3, 4), "decode_png")
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16):
        raise TypeError(f"decode_png: dtype must be uint8 or uint16, got {dtype!r}.")
    return _decode(contents, "png", channels, dtype, False, [None, None, channels or None])


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None) -> Tensor:
    """Decode a JPEG string into a uint8 tensor [height, width, channels]."""
    channels = _check_channels(channels, (0, 1, 3), "decode_jpeg")
    out = _decode(contents, "jpeg", channels, dtypes.uint8, False, [None, None, channels or None])
    ratio = int(ratio)
    if ratio not in (1, 2, 4, 8):
        raise InvalidArgumentError(None, None, f"decode_jpeg: ratio must be 1, 2, 4 or 8, got "
                                   f"{ratio}.")
    if ratio > 1:
        dims = _dims(out)
        out = resize(out, [-(-dims[0] // ratio), -(-dims[1] // ratio)], method="area")
        out = _saturate_cast(_math.round(out), dtypes.uint8)
    return out


def decode_gif(contents, name=None) -> Tensor:
    """Decode a (possibly animated) GIF into uint8 frames [num_frames, height, width, 3]."""
    return _decode(contents, "gif", 0, dtypes.uint8, True, [None, None, None, 3])


def decode_bmp(contents, channels=0, name=None) -> Tensor:
    """Decode a BMP string into a uint8 tensor [height, width, channels]."""
    channels = _check_channels(channels, (0, 1, 3, 4), "decode_bmp")
    return _decode(contents, "bmp", channels, dtypes.uint8, False, [None, None, channels or None])


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None,
                 expand_animations=True) -> Tensor:
    """Decode a PNG, JPEG, GIF or BMP string (format sniffed from its first bytes).

    GIFs give [frames, h, w, 3] when `expand_animations`, other formats [h, w, c]. A float
    `dtype` rescales to [0, 1] as convert_image_dtype.
    """
    channels = _check_channels(channels or 0, (0, 1, 2, 3, 4), "decode_image")
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16, dtypes.float16, dtypes.float32,
                     dtypes.float64):
        raise ValueError(f"decode_image: dtype must be uint8, uint16, float16, float32 or "
                         f"float64, got {dtype!r}.")
    shape = None if expand_animations else [None, None, channels or None]
    return _decode(contents, "image", channels, dtype, bool(expand_animations), shape)


def _encode(image, op: str, save) -> Tensor:
    image = _tensor(image)
    _rank(image, op, (3,))

    def kernel(array):
        Image = _pillow()
        array = np.asarray(array)
        depth = array.shape[-1]
        if depth not in (1, 2, 3, 4):
            raise InvalidArgumentError(None, None, f"{op}: image must have 1 to 4 channels, got "
                                       f"shape {array.shape}.")
        buffer = _io.BytesIO()
        save(Image, array, buffer)
        out = np.empty((), object)
        out[()] = buffer.getvalue()
        return out

    return _array.ensure_shape(_script.numpy_function(kernel, [image], dtypes.string), [])


def encode_png(image, compression=-1, name=None) -> Tensor:
    """Encode a uint8 or uint16 image [height, width, channels] as a PNG string."""
    image = _tensor(image)
    if image.dtype not in (dtypes.uint8, dtypes.uint16):
        raise TypeError(f"encode_png: image must be uint8 or uint16, got {image.dtype!r}.")
    level = int(compression)
    level = 6 if level < 0 else min(level, 9)

    def save(Image, array, buffer):
        depth = array.shape[-1]
        if array.dtype == np.uint16:
            if depth != 1:
                raise InvalidArgumentError(None, None, "encode_png: 16-bit images with "
                                           f"{depth} channels need a PNG writer Pillow lacks; "
                                           "encode 1-channel uint16 or uint8 images.")
            picture = Image.fromarray(np.ascontiguousarray(array[..., 0], "<u2"))
        else:
            picture = Image.fromarray(array[..., 0] if depth == 1 else array, _MODES[depth])
        picture.save(buffer, format="PNG", compress_level=level)

    return _encode(image, "encode_png", save)


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None) -> Tensor:
    """Encode a uint8 image [height, width, 1 or 3] as a JPEG string."""
    image = _tensor(image)
    if image.dtype != dtypes.uint8:
        raise TypeError(f"encode_jpeg: image must be uint8, got {image.dtype!r}.")
    quality = int(quality)
    if not 0 <= quality <= 100:
        raise ValueError(f"encode_jpeg: quality must be in [0, 100], got {quality}.")

    def save(Image, array, buffer):
        depth = array.shape[-1]
        mode = {"grayscale": "L", "rgb": "RGB"}.get(format, "L" if depth == 1 else "RGB")
        if depth not in (1, 3):
            raise InvalidArgumentError(None, None, f"encode_jpeg: image must have 1 or 3 "
                                       f"channels, got shape {array.shape}.")
        picture = Image.fromarray(array[..., 0] if depth == 1 else array,
                                  "L" if depth == 1 else "RGB")
        if picture.mode != mode:
            picture = picture.convert(mode)
        dpi = (int(x_density), int(y_density))
        if density_unit == "cm":
            dpi = (round(x_density * 2.54), round(y_density * 2.54))
        picture.save(buffer, format="JPEG", quality=quality, progressive=bool(progressive),
                     optimize=bool(optimize_size), subsampling=2 if chroma_downsampling else 0,
                     dpi=dpi)

    return _encode(image, "encode_jpeg", save)


def is_jpeg(contents, name=None) -> Tensor:
    """Whether a string starts with the JPEG magic bytes."""
    contents = _tensor(contents)
    out = _script.numpy_function(lambda v: np.asarray(_sniff(_bytes_of(v)) == "jpeg"),
                                 [contents], dtypes.bool)
    return _array.ensure_shape(out, [])


def extract_jpeg_shape(contents, output_type=dtypes.int32, name=None) -> Tensor:
    """[height, width, channels] of a JPEG, read from its header without decoding it."""
    contents = _tensor(contents)
    np_type = dtypes.as_dtype(output_type)._numpy

    def kernel(value):
        data = _bytes_of(value)
        if _sniff(data) != "jpeg":
            raise InvalidArgumentError(None, None, "extract_jpeg_shape: the contents are not a "
                                       "JPEG image.")
        picture = _pillow().open(_io.BytesIO(data))
        depth = {"L": 1, "RGB": 3, "CMYK": 4}.get(picture.mode, len(picture.getbands()))
        return np.asarray([picture.height, picture.width, depth], np_type)

    out = _script.numpy_function(kernel, [contents], dtypes.from_numpy(np.dtype(np_type)))
    return _array.ensure_shape(out, [3])



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


# =============================================================================================
# JPEG quality augmentation and cropped decoding.
# =============================================================================================
def adjust_jpeg_quality(image, jpeg_quality, dct_method="", name=None) -> Tensor:
    """Re-encode an RGB or gray image as JPEG at `jpeg_quality` and decode it (an artefact
    augmentation); float images come back as float in [0, 1]."""
    image = _tensor(image)
    _rank(image, "adjust_jpeg_quality", (3,))
    depth = image.shape.as_list()[-1]
    if depth not in (1, 3, None):
        raise InvalidArgumentError(None, None, f"adjust_jpeg_quality: image must have 1 or 3 "
                                   f"channels, got shape {image.shape}.")
    dtype = image.dtype
    as_bytes = convert_image_dtype(image, dtypes.uint8, saturate=True)
    quality = _math.cast(_tensor(jpeg_quality), dtypes.int32)

    def kernel(array, q):
        Image = _pillow()
        array = np.asarray(array)
        buffer = _io.BytesIO()
        picture = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
        picture.save(buffer, format="JPEG", quality=int(np.clip(q, 0, 100)))
        decoded = np.asarray(Image.open(_io.BytesIO(buffer.getvalue())).convert(picture.mode))
        return decoded.reshape(array.shape)

    out = _script.numpy_function(kernel, [as_bytes, quality], dtypes.uint8)
    out = _array.ensure_shape(out, image.shape.as_list())
    return convert_image_dtype(out, dtype, saturate=True)


def random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed=None) -> Tensor:
    """adjust_jpeg_quality at a quality drawn uniformly from [min, max)."""
    _check_quality(min_jpeg_quality, max_jpeg_quality, "random_jpeg_quality")
    quality = _random.uniform([], min_jpeg_quality, max_jpeg_quality, dtype=dtypes.int32,
                              seed=seed)
    return adjust_jpeg_quality(image, quality)


def stateless_random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed) -> Tensor:
    """random_jpeg_quality, deterministic in `seed`."""
    _check_quality(min_jpeg_quality, max_jpeg_quality, "stateless_random_jpeg_quality")
    quality = _random.stateless_uniform([], seed, min_jpeg_quality, max_jpeg_quality,
                                        dtype=dtypes.int32)
    return adjust_jpeg_quality(image, quality)


def _check_quality(low, high, op: str) -> None:
    if low < 0 or high < 0:
        raise ValueError(f"{op}: jpeg_quality must be non-negative (got {low}, {high}).")
    if low > 100 or high > 100:
        raise ValueError(f"{op}: jpeg_quality must be <= 100 (got {low}, {high}).")
    if low >= high:
        raise ValueError(f"{op}: `min_jpeg_quality` must be less than `max_jpeg_quality` (got "
                         f"{low}, {high}).")


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                         name=None) -> Tensor:
    """decode_jpeg, then the window `crop_window` = [y, x, height, width]."""
    decoded = decode_jpeg(contents, channels=channels, ratio=ratio)
    window = _static(crop_window)
    y, x, h, w = (window[i] for i in range(4))
    return crop_to_bounding_box(decoded, y, x, h, w)


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


def decode_webp(contents, channels=0, dtype=dtypes.uint8, name=None) -> Tensor:
    """Decode a WebP string into uint8 frames [num_frames, height, width, channels] (one frame
    for a still image, as TF)."""
    channels = _check_channels(channels, (0, 3, 4), "decode_webp")
    return _decode(contents, "webp", channels, dtypes.uint8, True,
                   [None, None, None, channels or None])
