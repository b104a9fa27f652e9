"""Random image augmentation: RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
RandomContrast, RandomBrightness and RandomCrop.

They act only when called with `training=True` (otherwise they return the images, or for
RandomCrop a centre crop). Random parameters are drawn with tf.random ops, so every call of a
compiled function or tf.data pipeline draws fresh ones; the geometric warps then resample the
images with tf.keras's projective-transform rules (fill modes reflect / wrap / constant /
nearest, bilinear or nearest interpolation)."""

from __future__ import annotations

import math

import numpy as np

import eagerflow as tf
from eagerflow.core.shape import TensorShape
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.layers.preprocessing.base import numpy_kernel
from eagerflow.keras.layers.preprocessing.image_preprocessing import (
    apply_matrices,
    image_size,
    resize_matrix,
    smart_crop_window,
)
from eagerflow.keras.layers.regularization import _in_training

__all__ = ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
           "RandomContrast", "RandomBrightness", "RandomCrop"]

HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL = "horizontal", "vertical", "horizontal_and_vertical"
_FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _factor_range(layer_name: str, factor, what: str) -> tuple[float, float]:
    """`factor` as (lower, upper): a number f means (-f, f)."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"Layer {layer_name}: `{what}` must be a number or a pair "
                             f"(lower, upper). Received: {what}={factor}")
        lower, upper = float(factor[0]), float(factor[1])
    else:
        lower, upper = -float(factor), float(factor)
    if upper < lower:
        raise ValueError(f"Layer {layer_name}: `{what}` lower bound {lower} is greater than "
                         f"its upper bound {upper}. Received: {what}={factor}")
    return lower, upper


def _as_batch(images):
    images = tf.convert_to_tensor(images)
    if images.shape.rank not in (3, 4):
        raise ValueError("Image augmentation layers expect images of shape (height, width, "
                         "channels) or (batch, height, width, channels); received shape "
                         f"{images.shape}.")
    single = images.shape.rank == 3
    return (tf.expand_dims(images, 0) if single else images), single


def _map_coordinates(coord: np.ndarray, size: int, fill_mode: str) -> np.ndarray:
    """Out-of-image input coordinates folded back inside as tf.keras's fill modes do."""
    if fill_mode == "constant" or size <= 1 and fill_mode != "nearest":
        return coord if fill_mode == "constant" else np.zeros_like(coord)
    if fill_mode == "reflect":
        period = 2.0 * size
        coord = np.where(coord < 0, np.where(coord < -period, coord + period * np.trunc(
            -coord / period), coord), coord)
        coord = np.where(coord < 0, np.where(coord < -size, coord + period, -coord - 1), coord)
        over = coord > size - 1
        folded = coord - period * np.trunc(coord / period)
        folded = np.where(folded >= size, period - folded - 1, folded)
        coord = np.where(over, folded, coord)
    elif fill_mode == "wrap":
        span = size - 1
        coord = np.where(coord < 0, coord + size * (np.trunc(-coord / span) + 1),
                         np.where(coord > size - 1, coord - size * np.trunc(coord / span),
                                  coord))
    return np.clip(coord, 0, size - 1)


def transform_images(images: np.ndarray, transforms: np.ndarray, fill_mode: str,
                     interpolation: str, fill_value: float) -> np.ndarray:
    """Apply one projective transform `[a0, a1, a2, b0, b1, b2, c0, c1]` per image: output
    pixel (x, y) reads input ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
    k = c0 x + c1 y + 1 (TF's ImageProjectiveTransformV3)."""
    images = np.asarray(images)
    batch, height, width, channels = images.shape
    out = np.empty(images.shape, dtype=np.float32)
    ys, xs = np.meshgrid(np.arange(height, dtype=np.float32),
                         np.arange(width, dtype=np.float32), indexing="ij")
    for b in range(batch):
        a0, a1, a2, b0, b1, b2, c0, c1 = np.asarray(transforms[b], dtype=np.float32)
        k = c0 * xs + c1 * ys + 1.0
        safe_k = np.where(k == 0, 1.0, k)
        x = _map_coordinates((a0 * xs + a1 * ys + a2) / safe_k, width, fill_mode)
        y = _map_coordinates((b0 * xs + b1 * ys + b2) / safe_k, height, fill_mode)
        image = images[b].astype(np.float32)

        def read(row, col, image=image):
            inside = (row >= 0) & (row < height) & (col >= 0) & (col < width)
            values = image[np.clip(row, 0, height - 1), np.clip(col, 0, width - 1)]
            return np.where(inside[..., None], values, np.float32(fill_value))

        if interpolation == "nearest":
            # C's round(): halves away from zero (np.round would round them to even).
            result = read((np.sign(y) * np.floor(np.abs(y) + 0.5)).astype(np.int64),
                          (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64))
        else:
            y0, x0 = np.floor(y), np.floor(x)
            y1, x1 = y0 + 1, x0 + 1
            r0, r1 = y0.astype(np.int64), y1.astype(np.int64)
            q0, q1 = x0.astype(np.int64), x1.astype(np.int64)
            top = (x1 - x)[..., None] * read(r0, q0) + (x - x0)[..., None] * read(r0, q1)
            bottom = (x1 - x)[..., None] * read(r1, q0) + (x - x0)[..., None] * read(r1, q1)
            result = (y1 - y)[..., None] * top + (y - y0)[..., None] * bottom
        out[b] = np.where((k == 0)[..., None], np.float32(fill_value), result)
    return out.astype(images.dtype if images.dtype.kind == "f" else np.float32)


def _layer_kwargs(kwargs: dict) -> dict:
    """The Layer arguments, without tf_keras's `rng_type` config key (eagerflow draws from
    tf.random ops whatever the generator type TF used)."""
    kwargs = dict(kwargs)
    rng_type = kwargs.pop("rng_type", None)
    if rng_type not in (None, "stateful", "stateless", "legacy_stateful"):
        raise ValueError(f"Invalid `rng_type` received: {rng_type!r}. Valid `rng_type` are "
                         "['stateless', 'stateful', 'legacy_stateful'].")
    return kwargs


class _RandomTransform(Layer):
    """Base of the geometric augmentations: draw one transform per image, then warp."""

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(**_layer_kwargs(kwargs))
        if fill_mode not in _FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Only `reflect`, "
                                      "`wrap`, `constant` and `nearest` are supported.")
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Only "
                                      "`nearest` and `bilinear` are supported.")
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.seed = seed
        self.fill_value = float(fill_value)

    def _transforms(self, batch, height, width):
        raise NotImplementedError  # each subclass draws its own transforms

    def _warp(self, images):
        images, single = _as_batch(images)
        batch = tf.shape(images)[0]
        height, width = image_size(images)
        transforms = self._transforms(batch, tf.cast(height, tf.float32),
                                      tf.cast(width, tf.float32))
        dtype = images.dtype if images.dtype.is_floating else tf.float32

        def kernel(array, matrices):
            return transform_images(array, matrices, self.fill_mode, self.interpolation,
                                    self.fill_value).astype(dtype.as_numpy_dtype)

        out = numpy_kernel(kernel, [images, transforms], dtype, images.shape)
        return out[0] if single else out

    def call(self, inputs, training=None):
        return _in_training(training, lambda: self._warp(inputs), lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape):
        return TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "interpolation": self.interpolation, "seed": self.seed})
        return config


def _uniform(batch, lower: float, upper: float, seed):
    return tf.random.uniform(tf.reshape(batch, [1]), minval=lower, maxval=upper, seed=seed)


class RandomRotation(_RandomTransform):
    """Rotates each image by a random angle in `factor * 2π` (a number f: (-f, f))."""

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor
        self._lower, self._upper = _factor_range(self.name, factor, "factor")

    def _transforms(self, batch, height, width):
        angles = _uniform(batch, self._lower * 2 * math.pi, self._upper * 2 * math.pi,
                          self.seed)
        cos, sin = tf.cos(angles), tf.sin(angles)
        x_offset = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2.0
        y_offset = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2.0
        zeros = tf.zeros_like(angles)
        return tf.stack([cos, -sin, x_offset, sin, cos, y_offset, zeros, zeros], axis=1)

    def get_config(self) -> dict:
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomZoom(_RandomTransform):
    """Zooms each image by a random factor: `height_factor` f draws a height zoom in
    [1 + lower, 1 + upper] (positive = zoom out); `width_factor` None keeps the aspect."""

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height = _factor_range(self.name, height_factor, "height_factor")
        self._width = (None if width_factor is None else
                       _factor_range(self.name, width_factor, "width_factor"))
        for lower, _ in [self._height] + ([self._width] if self._width else []):
            if lower < -1.0:
                raise ValueError(f"Layer {self.name}: zoom factors must be >= -1. Received: "
                                 f"height_factor={height_factor}, width_factor={width_factor}")

    def _transforms(self, batch, height, width):
        height_zoom = _uniform(batch, 1.0 + self._height[0], 1.0 + self._height[1], self.seed)
        width_zoom = height_zoom if self._width is None else _uniform(
            batch, 1.0 + self._width[0], 1.0 + self._width[1], self.seed)
        x_offset = ((width - 1.0) / 2.0) * (1.0 - width_zoom)
        y_offset = ((height - 1.0) / 2.0) * (1.0 - height_zoom)
        zeros = tf.zeros_like(height_zoom)
        return tf.stack([width_zoom, zeros, x_offset, zeros, height_zoom, y_offset, zeros,
                         zeros], axis=1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"height_factor": self.height_factor,
                       "width_factor": self.width_factor})
        return config


class RandomTranslation(_RandomTransform):
    """Shifts each image by random fractions of its height and width."""

    def __init__(self, height_factor, width_factor, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height = _factor_range(self.name, height_factor, "height_factor")
        self._width = _factor_range(self.name, width_factor, "width_factor")

    def _transforms(self, batch, height, width):
        dy = _uniform(batch, self._height[0], self._height[1], self.seed) * height
        dx = _uniform(batch, self._width[0], self._width[1], self.seed) * width
        ones, zeros = tf.ones_like(dx), tf.zeros_like(dx)
        return tf.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"height_factor": self.height_factor,
                       "width_factor": self.width_factor})
        return config


class RandomFlip(Layer):
    """Flips each image left-right and/or up-down with probability 1/2 (per image)."""

    def __init__(self, mode: str = HORIZONTAL_AND_VERTICAL, seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(**_layer_kwargs(kwargs))
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode "
                             f"argument {mode}")
        self.mode = mode
        self.seed = seed

    def _flip(self, inputs):
        images, single = _as_batch(inputs)
        batch = tf.shape(images)[0]
        out = images
        for axis, active in ((2, self.mode != VERTICAL), (1, self.mode != HORIZONTAL)):
            if active:
                flip = tf.reshape(_uniform(batch, 0.0, 1.0, self.seed) < 0.5, [-1, 1, 1, 1])
                out = tf.where(flip, tf.reverse(out, axis=[axis]), out)
        return out[0] if single else out

    def call(self, inputs, training=None):
        return _in_training(training, lambda: self._flip(inputs), lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape):
        return TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"mode": self.mode, "seed": self.seed})
        return config


class RandomContrast(Layer):
    """Scales each image's contrast by a random factor in [1 - lower, 1 + upper]:
    `(x - mean) * factor + mean` per channel, clipped to [0, 255] as in tf.keras."""

    def __init__(self, factor, seed: int | None = None, **kwargs) -> None:
        super().__init__(**_layer_kwargs(kwargs))
        self.factor = factor
        if isinstance(factor, (tuple, list)):
            self._lower, self._upper = float(factor[0]), float(factor[1])
        else:
            self._lower = self._upper = float(factor)
        if self._lower < 0.0 or self._upper < 0.0 or self._lower > 1.0:
            raise ValueError(f"Layer {self.name}: `factor` cannot have negative values or a "
                             f"lower bound greater than 1.0. Received: factor={factor}")
        self.seed = seed

    def _adjust(self, inputs):
        images, single = _as_batch(inputs)
        if not images.dtype.is_floating:
            images = tf.cast(images, tf.float32)
        factors = tf.reshape(_uniform(tf.shape(images)[0], 1.0 - self._lower,
                                      1.0 + self._upper, self.seed), [-1, 1, 1, 1])
        mean = tf.reduce_mean(images, axis=[1, 2], keepdims=True)
        out = tf.clip_by_value((images - mean) * tf.cast(factors, images.dtype) + mean,
                               0.0, 255.0)
        return out[0] if single else out

    def call(self, inputs, training=None):
        return _in_training(training, lambda: self._adjust(inputs),
                            lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape):
        return TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config


class RandomBrightness(Layer):
    """Adds a random delta, `factor` times the width of `value_range`, to each image, then
    clips to `value_range`."""

    def __init__(self, factor, value_range=(0, 255), seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(**_layer_kwargs(kwargs))
        self.factor = factor
        self._lower, self._upper = _factor_range(self.name, factor, "factor")
        if self._lower < -1.0 or self._upper > 1.0:
            raise ValueError(f"Layer {self.name}: `factor` values must be in [-1.0, 1.0]. "
                             f"Received: factor={factor}")
        if len(value_range) != 2:
            raise ValueError(f"Layer {self.name}: `value_range` must be a pair (low, high). "
                             f"Received: value_range={value_range}")
        self.value_range = [float(value_range[0]), float(value_range[1])]
        self.seed = seed

    def _adjust(self, inputs):
        images, single = _as_batch(inputs)
        if not images.dtype.is_floating:
            images = tf.cast(images, tf.float32)
        low, high = self.value_range
        delta = tf.reshape(_uniform(tf.shape(images)[0], self._lower, self._upper, self.seed),
                           [-1, 1, 1, 1]) * (high - low)
        out = tf.clip_by_value(images + tf.cast(delta, images.dtype), low, high)
        return out[0] if single else out

    def call(self, inputs, training=None):
        return _in_training(training, lambda: self._adjust(inputs),
                            lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape):
        return TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config


class RandomCrop(Layer):
    """In training, crops a random `(height, width)` window (one offset per batch); in
    inference (and for images smaller than the window), resizes the largest centred window of
    the target's aspect ratio to the target (tf.keras's smart_resize)."""

    def __init__(self, height: int, width: int, seed: int | None = None, **kwargs) -> None:
        super().__init__(**_layer_kwargs(kwargs))
        self.height = int(height)
        self.width = int(width)
        self.seed = seed

    def _crop(self, inputs, random: bool):
        images, single = _as_batch(inputs)
        height, width = image_size(images)
        top, left, window_rows, window_columns = smart_crop_window(height, width,
                                                                   self.height, self.width)
        rows = resize_matrix(height, self.height, "bilinear", top, window_rows)
        columns = resize_matrix(width, self.width, "bilinear", left, window_columns)
        if random:
            def offset(size, target):
                room = tf.maximum(tf.cast(size, tf.int32) - target + 1, 1)
                start = tf.random.uniform([], 0, room, dtype=tf.int32, seed=self.seed)
                window = tf.expand_dims(tf.range(target) + start, -1)
                exact = tf.cast(tf.equal(window, tf.expand_dims(tf.range(size), 0)),
                                tf.float32)
                return exact

            fits = tf.logical_and(tf.greater_equal(height, self.height),
                                  tf.greater_equal(width, self.width))
            rows = tf.where(fits, offset(height, self.height), rows)
            columns = tf.where(fits, offset(width, self.width), columns)
        out = apply_matrices(images, rows, columns)
        return out[0] if single else out

    def call(self, inputs, training=None):
        return _in_training(training, lambda: self._crop(inputs, True),
                            lambda: self._crop(inputs, False))

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        return TensorShape(dims[:-3] + [self.height, self.width] + dims[-1:])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config
