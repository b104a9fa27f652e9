"""Resizing (`tf.image.resize`, `resize_with_pad`): per axis, a gather of a few source rows
per output row and a weighted sum, the indices and weights computed in NumPy (at trace time
when the sizes are static, by a numpy_function when they are not)."""

from __future__ import annotations

import functools

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops import array as _array
from eagerflow.ops import indexing as _indexing
from eagerflow.ops import math as _math
from eagerflow.ops import reduce as _reduce
from eagerflow.ops import script as _script
from eagerflow.ops.image.geometry import _check_box, pad_to_bounding_box
from eagerflow.ops.image.helpers import (
    _as_batch,
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
        "ResizeMethod", "resize", "resize_with_pad",
    ],
    "io": [],
}


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
    resized = restore(_resize(batch, size[0], size[1], method, bool(antialias)))
    return _with_known_dims(resized, {-3: size[0], -2: size[1]})


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
