"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, UpSampling1D/2D/3D,
ZeroPadding1D/2D/3D and Cropping1D/2D/3D."""

from __future__ import annotations

import numpy as np

import eagerflow as tf
from eagerflow.keras.layers.layer import InputSpec, Layer
from eagerflow.keras.layers.layer_args import (
    _normalize_data_format,
    _normalize_tuple,
    _shape_list,
)

__all__ = [
    "Flatten", "Reshape", "Permute", "RepeatVector", "UpSampling1D", "UpSampling2D",
    "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D",
    "Cropping2D", "Cropping3D",
]


def _product(dims) -> int | None:
    """The product of the dims, or None if any is unknown."""
    if any(d is None for d in dims):
        return None
    return int(np.prod(dims, dtype=np.int64))


class Flatten(Layer):
    """Flattens every axis but the batch: (batch, ...) -> (batch, prod(...))."""

    def __init__(self, data_format: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_format = _normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rank = inputs.shape.rank
        if self.data_format == "channels_first" and rank is not None and rank > 2:
            # flatten in channels_last order, as Keras, so weights port across formats
            inputs = tf.transpose(inputs, [0] + list(range(2, rank)) + [1])
        if rank == 1:
            return tf.expand_dims(inputs, 1)
        inner = _product(inputs.shape.as_list()[1:])
        if inner is None:
            return tf.reshape(inputs, tf.stack([tf.shape(inputs)[0], -1]))
        return tf.reshape(inputs, [-1, inner])

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = _shape_list(input_shape)
        if len(shape) == 1:
            return tf.TensorShape([shape[0], 1])
        return tf.TensorShape([shape[0], _product(shape[1:])])

    def get_config(self) -> dict:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (a tuple of ints; one may be -1)."""

    def __init__(self, target_shape, **kwargs) -> None:
        super().__init__(**kwargs)
        target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(d < -1 or d == 0
                                                         for d in target_shape):
            raise ValueError(f"There must be at most one unknown dimension (-1) and no zero "
                             f"or negative sizes in `target_shape`. Received: "
                             f"target_shape={target_shape}")
        self.target_shape = target_shape

    def _fix_unknown(self, input_shape: list) -> list:
        """The target shape with -1 resolved from the sample size, checked for size."""
        target = list(self.target_shape)
        size = _product(input_shape[1:])
        known = _product([d for d in target if d != -1])
        if size is None:
            return [None if d == -1 else d for d in target]
        if -1 in target:
            if known == 0 or size % known:
                raise ValueError(self._size_error(input_shape))
            target[target.index(-1)] = size // known
        elif size != known:
            raise ValueError(self._size_error(input_shape))
        return target

    def _size_error(self, input_shape: list) -> str:
        return (f'Layer "{self.name}": total size of new array must be unchanged, '
                f"input_shape = {list(input_shape[1:])}, output_shape = "
                f"{list(self.target_shape)}")

    def call(self, inputs):
        shape = inputs.shape.as_list()
        target = self._fix_unknown(shape)
        if None not in target:  # a static target keeps the static output shape
            return tf.reshape(inputs, [-1] + target)
        batch = tf.shape(inputs)[:1]
        dynamic = tf.constant([-1 if d is None else d for d in target], tf.int32)
        outputs = tf.reshape(inputs, tf.concat([batch, dynamic], 0))
        return tf.ensure_shape(outputs, [shape[0]] + target)  # keep the known dims static

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = _shape_list(input_shape)
        return tf.TensorShape([shape[0]] + self._fix_unknown(shape))

    def get_config(self) -> dict:
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Permute(Layer):
    """Permutes the non-batch axes: `dims` is a permutation of 1..rank-1 (batch excluded)."""

    def __init__(self, dims, **kwargs) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set "
                             f"of indices in `dims` must be consecutive and start from 1. "
                             f"Received: dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return tf.transpose(inputs, [0] + list(self.dims))

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = _shape_list(input_shape)
        return tf.TensorShape([shape[0]] + [shape[d] for d in self.dims])

    def get_config(self) -> dict:
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(Layer):
    """Repeats a (batch, features) input `n` times: (batch, n, features)."""

    def __init__(self, n: int, **kwargs) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n).__name__}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return tf.tile(tf.expand_dims(inputs, 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = _shape_list(input_shape)
        return tf.TensorShape([shape[0], self.n, shape[1]])

    def get_config(self) -> dict:
        config = super().get_config()
        config["n"] = self.n
        return config


def _spatial_axes(data_format: str, rank: int) -> list:
    """Axes of the spatial dims of a (rank + 2)-D input."""
    return list(range(2, rank + 2)) if data_format == "channels_first" else list(
        range(1, rank + 1))


def _one_axis_config(config: dict, key: str) -> dict:
    """The config of a 1-D layer (UpSampling1D, ZeroPadding1D, Cropping1D): no data_format
    (always channels_last), and `key` as the value of its one axis."""
    config.pop("data_format")
    config[key] = config[key][0]
    return config


def _bilinear_matrix(size: int, factor: int) -> np.ndarray:
    """(size * factor, size) weights of half-pixel bilinear resizing (as tf.image.resize)."""
    out = size * factor
    centres = (np.arange(out) + 0.5) / factor - 0.5
    centres = np.clip(centres, 0, size - 1)
    low = np.floor(centres).astype(int)
    high = np.minimum(low + 1, size - 1)
    frac = centres - low
    matrix = np.zeros((out, size))
    matrix[np.arange(out), low] += 1 - frac
    matrix[np.arange(out), high] += frac
    return matrix


class _UpSampling(Layer):
    """Repeats each spatial position `size` times along its axis (nearest neighbour), or, in 2-D
    with interpolation='bilinear', resizes by half-pixel bilinear interpolation."""

    _rank = 2

    def __init__(self, size=2, data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs) -> None:
        super().__init__(**kwargs)
        self.size = _normalize_tuple(size, self._rank, "size")
        self.data_format = _normalize_data_format(data_format)
        if interpolation not in ("nearest", "bilinear") or (
                interpolation == "bilinear" and self._rank != 2):
            raise ValueError(f"`interpolation` argument should be one of: \"nearest\" or "
                             f"\"bilinear\" (2-D only). Received: {interpolation!r}.")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def call(self, inputs):
        axes = _spatial_axes(self.data_format, self._rank)
        outputs = inputs
        if self.interpolation == "bilinear":
            return self._bilinear(inputs, axes)
        for axis, factor in zip(axes, self.size):
            if factor != 1:
                outputs = tf.repeat(outputs, factor, axis=axis)
        return outputs

    def _bilinear(self, inputs, axes):
        sizes = [inputs.shape.as_list()[a] for a in axes]
        if None in sizes:
            raise ValueError(f'Layer "{self.name}": bilinear upsampling needs known spatial '
                             f"sizes; received input shape {tuple(inputs.shape.as_list())}.")
        rows = tf.constant(_bilinear_matrix(sizes[0], self.size[0]), inputs.dtype)
        cols = tf.constant(_bilinear_matrix(sizes[1], self.size[1]), inputs.dtype)
        if self.data_format == "channels_first":
            return tf.einsum("ih,jw,nchw->ncij", rows, cols, inputs)
        return tf.einsum("ih,jw,nhwc->nijc", rows, cols, inputs)

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = _shape_list(input_shape)
        for axis, factor in zip(_spatial_axes(self.data_format, self._rank), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tf.TensorShape(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        if self._rank == 2:
            config["interpolation"] = self.interpolation
        return config


class UpSampling1D(_UpSampling):
    """Repeats each step `size` times: (batch, steps, features) -> (batch, steps * size, ...)."""

    _rank = 1

    def __init__(self, size: int = 2, **kwargs) -> None:
        kwargs.pop("data_format", None)
        super().__init__(size, "channels_last", **kwargs)

    def get_config(self) -> dict:
        return _one_axis_config(super().get_config(), "size")


class UpSampling2D(_UpSampling):
    """Upsamples rows and cols by `size` (nearest or bilinear)."""

    _rank = 2


class UpSampling3D(_UpSampling):
    """Upsamples depth, rows and cols by `size` (nearest)."""

    _rank = 3


def _pairs(value, rank: int, name: str) -> tuple:
    """An int, n ints or n (before, after) pairs as n pairs of non-negative ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        pairs = ((value, value),) * rank
    else:
        value = tuple(value)
        if len(value) != rank and not (rank == 1 and len(value) == 2):
            raise ValueError(f"`{name}` should have {rank} elements. Received: {name}={value}")
        if rank == 1:
            pairs = (tuple(_normalize_tuple(value, 2, name, allow_zero=True)),)
        else:
            pairs = tuple(tuple(_normalize_tuple(v, 2, name, allow_zero=True))
                          if not isinstance(v, int) else (v, v) for v in value)
    if any(a < 0 for pair in pairs for a in pair):
        raise ValueError(f"`{name}` must be non-negative. Received: {name}={value}")
    return pairs


class _PerAxisPairs(Layer):
    """ZeroPadding and Cropping: (before, after) amounts for each spatial axis, kept in the
    attribute (and config key) `_argument`; each axis grows by `_sign` * (before + after)."""

    _rank = 2
    _argument = "padding"
    _sign = 1

    def __init__(self, amounts, data_format: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        setattr(self, self._argument, _pairs(amounts, self._rank, self._argument))
        self.data_format = _normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _axis_pairs(self):
        """(spatial axis, (before, after)) for each spatial axis."""
        return zip(_spatial_axes(self.data_format, self._rank), getattr(self, self._argument))

    def _check(self, shape: list) -> None:
        """Raise for input shapes the layer cannot take (none by default)."""

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = _shape_list(input_shape)
        self._check(shape)
        for axis, (a, b) in self._axis_pairs():
            shape[axis] = None if shape[axis] is None else shape[axis] + self._sign * (a + b)
        return tf.TensorShape(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({self._argument: getattr(self, self._argument),
                       "data_format": self.data_format})
        return config


class _ZeroPadding(_PerAxisPairs):
    """Pads the spatial axes with zeros: `padding` (before, after) per axis."""

    def __init__(self, padding=1, data_format: str | None = None, **kwargs) -> None:
        super().__init__(padding, data_format, **kwargs)

    def call(self, inputs):
        paddings = [[0, 0] for _ in range(self._rank + 2)]
        for axis, pair in self._axis_pairs():
            paddings[axis] = list(pair)
        return tf.pad(inputs, paddings)


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis of (batch, steps, features) with zeros."""

    _rank = 1

    def __init__(self, padding=1, **kwargs) -> None:
        kwargs.pop("data_format", None)
        super().__init__(padding, "channels_last", **kwargs)

    def get_config(self) -> dict:
        return _one_axis_config(super().get_config(), "padding")


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and cols with zeros: int, (rows, cols) or ((top, bottom), (left, right))."""

    _rank = 2


class ZeroPadding3D(_ZeroPadding):
    """Pads depth, rows and cols with zeros."""

    _rank = 3


class _Cropping(_PerAxisPairs):
    """Removes (before, after) positions from each spatial axis."""

    _argument = "cropping"
    _sign = -1

    def __init__(self, cropping=0, data_format: str | None = None, **kwargs) -> None:
        super().__init__(cropping, data_format, **kwargs)

    def _check(self, shape: list) -> None:
        for axis, (a, b) in self._axis_pairs():
            if shape[axis] is not None and a + b >= shape[axis]:
                raise ValueError(f"`cropping` parameter of `{type(self).__name__}` layer must "
                                 f"be smaller than the input size. Received: inputs.shape="
                                 f"{tuple(shape)}, cropping={self.cropping}")

    def call(self, inputs):
        shape = inputs.shape.as_list()
        self._check(shape)
        index = [slice(None)] * (self._rank + 2)
        for axis, (a, b) in self._axis_pairs():
            index[axis] = slice(a, -b if b else None)
        return inputs[tuple(index)]


class Cropping1D(_Cropping):
    """Crops the steps axis of (batch, steps, features)."""

    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs) -> None:
        kwargs.pop("data_format", None)
        super().__init__(cropping, "channels_last", **kwargs)

    def get_config(self) -> dict:
        return _one_axis_config(super().get_config(), "cropping")


class Cropping2D(_Cropping):
    """Crops rows and cols: int, (rows, cols) or ((top, bottom), (left, right))."""

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs) -> None:
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops depth, rows and cols."""

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs) -> None:
        super().__init__(cropping, data_format, **kwargs)
