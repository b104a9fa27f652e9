"""Pooling layers: Max/AveragePooling1D/2D/3D over windows and the Global* poolings that
reduce every spatial axis."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.layers.layer import InputSpec, Layer
from eagerflow.keras.layers.layer_args import (
    _check_rank,
    _conv_output_length,
    _normalize_data_format,
    _normalize_padding,
    _normalize_tuple,
    _op_format,
    _shape_list,
)

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalAvgPool3D",
]


class _Pooling(Layer):
    """Max or average over `pool_size` windows moved by `strides` (default: pool_size)."""

    _rank = 2
    _pool = "max"

    def __init__(self, pool_size=2, strides=None, padding: str = "valid",
                 data_format: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        n = self._rank
        self.pool_size = _normalize_tuple(pool_size, n, "pool_size")
        strides = self.pool_size if strides is None else strides
        self.strides = _normalize_tuple(strides, n, "strides")
        self.padding = _normalize_padding(padding)
        self.data_format = _normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=n + 2)

    def call(self, inputs):
        function = tf.nn.max_pool if self._pool == "max" else tf.nn.avg_pool
        return function(inputs, list(self.pool_size), list(self.strides), self.padding.upper(),
                        data_format=_op_format(self.data_format, self._rank))

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = _shape_list(input_shape)
        _check_rank(self, shape, self._rank + 2, exact=True)
        first = self.data_format == "channels_first"
        sizes = shape[2:] if first else shape[1:-1]
        out = [_conv_output_length(size, self.pool_size[i], self.padding, self.strides[i])
               for i, size in enumerate(sizes)]
        if first:
            return tf.TensorShape(shape[:2] + out)
        return tf.TensorShape([shape[0]] + out + [shape[-1]])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


class _Pooling1D(_Pooling):
    _rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling1D(_Pooling1D):
    """Max over windows of `pool_size` steps: (batch, steps, features)."""

    _pool = "max"


class AveragePooling1D(_Pooling1D):
    """Mean over windows of `pool_size` steps (padding cells are not counted)."""

    _pool = "avg"


class _Pooling2D(_Pooling):
    _rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _Pooling3D(_Pooling):
    _rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling2D):
    """Max over `pool_size` windows of (batch, rows, cols, channels)."""

    _pool = "max"


class AveragePooling2D(_Pooling2D):
    """Mean over `pool_size` windows of (batch, rows, cols, channels)."""

    _pool = "avg"


class MaxPooling3D(_Pooling3D):
    """Max over `pool_size` windows of (batch, depth, rows, cols, channels)."""

    _pool = "max"


class AveragePooling3D(_Pooling3D):
    """Mean over `pool_size` windows of (batch, depth, rows, cols, channels)."""

    _pool = "avg"


class _GlobalPooling(Layer):
    """Max or mean over every spatial axis; `keepdims` keeps them with size 1."""

    _rank = 2
    _pool = "max"

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_format = _normalize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self.supports_masking = self._rank == 1 and self._pool == "avg"

    def _axes(self) -> list:
        n = self._rank
        return list(range(2, n + 2)) if self.data_format == "channels_first" else list(
            range(1, n + 1))

    def call(self, inputs, mask=None):
        axes = self._axes()
        if self._pool == "max":
            return tf.reduce_max(inputs, axis=axes, keepdims=self.keepdims)
        if mask is not None:  # GlobalAveragePooling1D averages the unmasked steps only
            weights = tf.cast(mask, inputs.dtype)
            weights = tf.expand_dims(weights, 1 if self.data_format == "channels_first" else 2)
            total = tf.reduce_sum(inputs * weights, axis=axes, keepdims=self.keepdims)
            return total / tf.reduce_sum(weights, axis=axes, keepdims=self.keepdims)
        return tf.reduce_mean(inputs, axis=axes, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = _shape_list(input_shape)
        _check_rank(self, shape, self._rank + 2, exact=True)
        axes = self._axes()
        if self.keepdims:
            return tf.TensorShape([1 if i in axes else d for i, d in enumerate(shape)])
        return tf.TensorShape([d for i, d in enumerate(shape) if i not in axes])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class _Global1D(_GlobalPooling):
    _rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs) -> None:
        super().__init__(data_format, keepdims, **kwargs)


class GlobalMaxPooling1D(_Global1D):
    """Max over the steps axis: (batch, steps, features) -> (batch, features)."""

    _pool = "max"


class GlobalAveragePooling1D(_Global1D):
    """Mean over the steps axis; with a mask, over the unmasked steps."""

    _pool = "avg"


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over rows and cols: (batch, rows, cols, channels) -> (batch, channels)."""

    _rank = 2
    _pool = "max"


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over rows and cols: (batch, rows, cols, channels) -> (batch, channels)."""

    _rank = 2
    _pool = "avg"


class GlobalMaxPooling3D(_GlobalPooling):
    """Max over depth, rows and cols."""

    _rank = 3
    _pool = "max"


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over depth, rows and cols."""

    _rank = 3
    _pool = "avg"


# Keras's aliases.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
