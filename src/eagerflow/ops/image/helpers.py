"""Helpers shared by the image ops (tensors in, static values, ranks) and
`tf.image.convert_image_dtype`, which most of them use."""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops import array as _array
from eagerflow.ops import math as _math

__all__: list = []
NAMESPACES: dict = {
    "image": [
        "convert_image_dtype",
    ],
    "io": [],
}


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


def _with_known_dims(result: Tensor, known: dict) -> Tensor:
    """A traced result with the dims the arguments fix ({axis: size}) set on its static
    shape, as TF's shape inference gives them (eager results already have their shape)."""
    shape = result.shape
    if shape.rank is None or not hasattr(result, "set_shape") or hasattr(result, "_value"):
        return result
    dims = shape.as_list()
    for axis, size in known.items():
        if _is_static(size):
            dims[axis] = int(size)
    result.set_shape(dims)
    return result


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
