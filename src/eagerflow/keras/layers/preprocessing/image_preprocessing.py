"""Image preprocessing layers: Resizing and CenterCrop (channels-last images, batched or not).

Bilinear and nearest resizing is a product with two interpolation matrices (rows, then
columns), built with tensor ops from the input's size, so it works for unknown sizes and is
differentiable; both follow tf.image.resize (half-pixel centers, no antialiasing). The other
methods (bicubic, area, lanczos, gaussian, mitchellcubic) call tf.image.resize."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.core.shape import TensorShape
from eagerflow.keras.layers.layer import Layer

__all__ = ["Resizing", "CenterCrop"]

_MATRIX_METHODS = ("bilinear", "nearest")  # done here as two interpolation matrices
_METHODS = _MATRIX_METHODS + ("bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                              "mitchellcubic")  # done by tf.image.resize


def resize_matrix(in_size, out_size: int, method: str, start=0, length=None):
    """(out_size, in_size) float32 weights that resample the window
    `[start, start + length)` of an axis of `in_size` pixels to `out_size` pixels."""
    length = in_size if length is None else length
    positions = tf.expand_dims(tf.range(in_size), 0)  # works for a symbolic size too

    def one_hot(index):
        return tf.cast(tf.equal(tf.expand_dims(index, -1), positions), tf.float32)

    scale = tf.cast(length, tf.float32) / float(out_size)
    centers = (tf.range(out_size, dtype=tf.float32) + 0.5) * scale
    last = tf.cast(length, tf.int32) - 1
    start = tf.cast(start, tf.int32)
    if method == "nearest":
        index = tf.minimum(tf.cast(tf.floor(centers), tf.int32), last)
        return one_hot(index + start)
    source = centers - 0.5
    floor = tf.floor(source)
    fraction = tf.expand_dims(source - floor, -1)
    lower = tf.clip_by_value(tf.cast(floor, tf.int32), 0, last) + start
    upper = tf.clip_by_value(tf.cast(floor, tf.int32) + 1, 0, last) + start
    return one_hot(lower) * (1.0 - fraction) + one_hot(upper) * fraction


def apply_matrices(images, rows, columns):
    """Resample channels-last `images` ([batch,] height, width, channels) by the matrices."""
    if not images.dtype.is_floating:
        images = tf.cast(images, tf.float32)
    if images.dtype != tf.float32:
        rows, columns = tf.cast(rows, images.dtype), tf.cast(columns, images.dtype)
    batched = images.shape.rank == 4
    if not batched:
        images = tf.expand_dims(images, 0)
    out = tf.einsum("hH,bHWc->bhWc", rows, images)
    out = tf.einsum("wW,bhWc->bhwc", columns, out)
    return out if batched else out[0]


def image_size(images):
    """(height, width) of channels-last images, static ints when known, else tensors."""
    shape = images.shape.as_list()
    dynamic = tf.shape(images)
    rank = len(shape)
    height = shape[rank - 3] if shape[rank - 3] is not None else dynamic[rank - 3]
    width = shape[rank - 2] if shape[rank - 2] is not None else dynamic[rank - 2]
    return height, width


def smart_crop_window(height, width, target_height: int, target_width: int):
    """The largest centred window with the target aspect ratio: (top, left, rows, cols)."""
    crop_height = tf.minimum(tf.cast(height, tf.int32), tf.cast(
        tf.cast(width * target_height, tf.float32) / target_width, tf.int32))
    crop_width = tf.minimum(tf.cast(width, tf.int32), tf.cast(
        tf.cast(height * target_width, tf.float32) / target_height, tf.int32))
    top = (tf.cast(height, tf.int32) - crop_height) // 2
    left = (tf.cast(width, tf.int32) - crop_width) // 2
    return top, left, crop_height, crop_width


def _check_image_rank(layer: Layer, images) -> None:
    if images.shape.rank not in (3, 4):
        raise ValueError(f"Layer {layer.name} expects images of shape (height, width, "
                         f"channels) or (batch, height, width, channels); received shape "
                         f"{images.shape}.")


def _output_image_shape(input_shape, height: int, width: int) -> TensorShape:
    dims = TensorShape(input_shape).as_list()
    return TensorShape(dims[:-3] + [height, width] + dims[-1:])


class Resizing(Layer):
    """Resizes images to `(height, width)` (optionally cropping to the target aspect ratio
    first, so the content is not distorted)."""

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        if interpolation not in _METHODS:
            raise ValueError(f"Layer {self.name}: interpolation {interpolation!r} is not "
                             f"supported by eagerflow; use one of {list(_METHODS)}.")
        self.height = int(height)
        self.width = int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio

    def call(self, inputs):
        _check_image_rank(self, inputs)
        height, width = image_size(inputs)
        if self.crop_to_aspect_ratio:
            top, left, rows, cols = smart_crop_window(height, width, self.height, self.width)
        else:
            top, left, rows, cols = 0, 0, height, width
        if self.interpolation not in _MATRIX_METHODS:
            if self.crop_to_aspect_ratio:
                inputs = tf.image.crop_to_bounding_box(inputs, top, left, rows, cols)
            outputs = tf.image.resize(inputs, [self.height, self.width],
                                      method=self.interpolation)
            return tf.cast(outputs, self.dtype)
        row_matrix = resize_matrix(height, self.height, self.interpolation, top, rows)
        column_matrix = resize_matrix(width, self.width, self.interpolation, left, cols)
        outputs = apply_matrices(inputs, row_matrix, column_matrix)
        return outputs if outputs.dtype == tf.as_dtype(self.dtype) else tf.cast(outputs,
                                                                                self.dtype)

    def compute_output_shape(self, input_shape):
        return _output_image_shape(input_shape, self.height, self.width)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio})
        return config


def center_crop_matrices(height, width, target_height: int, target_width: int):
    """Matrices of a centred crop, or of tf.keras's aspect-preserving upsizing when the image
    is smaller than the target on either axis."""
    fits = tf.logical_and(tf.greater_equal(height, target_height),
                          tf.greater_equal(width, target_width))
    crop_rows = resize_matrix(height, target_height, "nearest",
                              tf.maximum((tf.cast(height, tf.int32) - target_height) // 2, 0),
                              target_height)
    crop_columns = resize_matrix(width, target_width, "nearest",
                                 tf.maximum((tf.cast(width, tf.int32) - target_width) // 2, 0),
                                 target_width)
    top, left, rows, cols = smart_crop_window(height, width, target_height, target_width)
    upsize_rows = resize_matrix(height, target_height, "bilinear", top, rows)
    upsize_columns = resize_matrix(width, target_width, "bilinear", left, cols)
    return (tf.where(fits, crop_rows, upsize_rows), tf.where(fits, crop_columns, upsize_columns))


class CenterCrop(Layer):
    """Crops the central `(height, width)` region of images (images smaller than that are
    resized up, keeping their aspect ratio, as tf.keras does)."""

    def __init__(self, height: int, width: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.height = int(height)
        self.width = int(width)

    def call(self, inputs):
        _check_image_rank(self, inputs)
        height, width = image_size(inputs)
        rows, columns = center_crop_matrices(height, width, self.height, self.width)
        outputs = apply_matrices(inputs, rows, columns)
        return outputs if outputs.dtype == tf.as_dtype(self.dtype) else tf.cast(outputs,
                                                                                self.dtype)

    def compute_output_shape(self, input_shape):
        return _output_image_shape(input_shape, self.height, self.width)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
