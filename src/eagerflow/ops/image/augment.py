"""Random image augmentation (`tf.image.random_flip_left_right`, `random_crop`,
`stateless_random_brightness`, ...), seeded like tf.random."""

from __future__ import annotations

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.tensor import Tensor
from eagerflow.ops import array as _array
from eagerflow.ops import indexing as _indexing
from eagerflow.ops import math as _math
from eagerflow.ops import random as _random
from eagerflow.ops.image.color import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
)
from eagerflow.ops.image.geometry import _window
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
        "random_flip_left_right", "random_flip_up_down", "stateless_random_flip_left_right",
        "stateless_random_flip_up_down", "random_crop", "stateless_random_crop",
        "random_brightness", "random_contrast", "random_saturation", "random_hue",
        "stateless_random_brightness", "stateless_random_contrast",
        "stateless_random_saturation", "stateless_random_hue",
    ],
    "io": [],
}


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
    window = _window(value, [offset[i] for i in range(len(size))], size)
    return _with_known_dims(window, dict(enumerate(size)))


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
