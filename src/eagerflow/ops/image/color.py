"""Colour (`tf.image.adjust_brightness`, `adjust_contrast`, `adjust_gamma`, colour spaces,
saturation and hue, `per_image_standardization`)."""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops import array as _array
from eagerflow.ops import indexing as _indexing
from eagerflow.ops import linalg as _linalg
from eagerflow.ops import math as _math
from eagerflow.ops import reduce as _reduce
from eagerflow.ops.image.helpers import (
    _dims,
    _float_image,
    _is_static,
    _rank,
    _restore,
    _static,
    _tensor,
    convert_image_dtype,
)

__all__: list = []
NAMESPACES: dict = {
    "image": [
        "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_saturation",
        "adjust_hue", "rgb_to_grayscale", "grayscale_to_rgb", "rgb_to_hsv", "hsv_to_rgb",
        "rgb_to_yuv", "yuv_to_rgb", "rgb_to_yiq", "yiq_to_rgb", "per_image_standardization",
    ],
    "io": [],
}


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
