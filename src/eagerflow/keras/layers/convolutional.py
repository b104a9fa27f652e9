"""Convolution layers (tf.keras.layers.Conv1D/2D/3D, their transposes, depthwise and separable
convolutions)."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.layers.layer import InputSpec, Layer
from eagerflow.keras.layers.layer_args import (
    _add_weight_from_args,
    _check_rank,
    _conv_output_length,
    _deconv_output_length,
    _fold_batch_dims,
    _get,
    _normalize_data_format,
    _normalize_padding,
    _normalize_tuple,
    _op_format,
    _serialize,
    _set_weight_args,
    _shape_list,
    _weight_args_config,
)

__all__ = [
    "Conv", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
    "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
    "SeparableConv2D", "Convolution1D", "Convolution2D", "Convolution3D",
    "Convolution2DTranspose", "Convolution3DTranspose", "SeparableConvolution1D",
    "SeparableConvolution2D",
]


# --- convolutions ----------------------------------------------------------------------------
class Conv(Layer):
    """N-D convolution layer: `activation(conv(inputs, kernel) + bias)`.

    The kernel has shape kernel_size + (input_channels // groups, filters).
    """

    _rank = 2

    def __init__(self, rank: int | None = None, filters: int | None = None, kernel_size=None,
                 strides=1, padding: str = "valid", data_format: str | None = None,
                 dilation_rate=1, groups: int = 1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rank = rank = self._rank if rank is None else int(rank)
        if filters is not None and not isinstance(filters, int):
            filters = int(filters)
        if filters is not None and filters <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters}.")
        self.filters = filters
        self.groups = int(groups or 1)
        if filters is not None and filters % self.groups:
            raise ValueError(f"The number of filters must be evenly divisible by the number "
                             f"of groups. Received: groups={self.groups}, filters={filters}.")
        self.kernel_size = _normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = _normalize_tuple(strides, rank, "strides")
        allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        self.padding = _normalize_padding(padding, allowed)
        self.data_format = _normalize_data_format(data_format)
        self.dilation_rate = _normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.activation = _get("activations", activation)
        self.use_bias = bool(use_bias)
        _set_weight_args(self, "kernel", kernel_initializer, kernel_regularizer,
                         kernel_constraint)
        _set_weight_args(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        # the base Layer adds activity_regularizer(outputs) / batch to `losses` after `call`
        self._activity_regularizer = _get("regularizers", activity_regularizer)
        if self.padding == "causal" and self.data_format == "channels_first":
            raise ValueError("Causal padding is only supported for `Conv1D` with "
                             "data_format='channels_last'.")
        self.input_spec = InputSpec(min_ndim=rank + 2)

    # channel axis of the (folded) input, as a negative index
    @property
    def _channel_axis(self) -> int:
        return -1 - self.rank if self.data_format == "channels_first" else -1

    def _input_channels(self, shape: list) -> int:
        _check_rank(self, shape, self.rank + 2)
        channels = shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs should be defined. The "
                             f"input_shape received is {tuple(shape)}, where axis "
                             f"{self._channel_axis} (0-based) is the channel dimension, which was "
                             f"found to be `None`.")
        return channels

    def _kernel_shape(self, channels: int) -> tuple:
        return self.kernel_size + (channels // self.groups, self.filters)

    def build(self, input_shape) -> None:
        shape = _shape_list(input_shape)
        channels = self._input_channels(shape)
        if channels % self.groups:
            raise ValueError(f'Layer "{self.name}": the number of input channels must be '
                             f"evenly divisible by the number of groups. Received "
                             f"groups={self.groups}, but the input has {channels} channels "
                             f"(full input shape is {tuple(shape)}).")
        self._add_kernels(channels)
        self.bias = (_add_weight_from_args(self, "bias", (self._output_channels(channels),))
                     if self.use_bias else None)
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={self._channel_axis: channels})
        self.built = True

    def _add_kernels(self, channels: int) -> None:
        """Create the kernel weight(s), before the bias (the order of `layer.weights`)."""
        self.kernel = _add_weight_from_args(self, "kernel", self._kernel_shape(channels))

    def _convolve(self, inputs):
        fmt = _op_format(self.data_format, self.rank)
        padding = self.padding.upper()
        if self.padding == "causal":  # pad the front of the time axis, then a valid conv
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs = tf.pad(inputs, [[0, 0], [left, 0], [0, 0]])
            padding = "VALID"

        def conv(x, kernel):
            return tf.nn.convolution(x, kernel, strides=list(self.strides), padding=padding,
                                     data_format=fmt, dilations=list(self.dilation_rate))
        if self.groups == 1:
            return conv(inputs, self.kernel)
        axis = 1 if self.data_format == "channels_first" else self.rank + 1
        pieces = tf.split(inputs, self.groups, axis=axis)
        kernels = tf.split(self.kernel, self.groups, axis=-1)
        return tf.concat([conv(x, k) for x, k in zip(pieces, kernels)], axis=axis)

    def call(self, inputs):
        inputs, restore = _fold_batch_dims(inputs, self.rank + 2)
        outputs = self._convolve(inputs)
        if self.use_bias:
            fmt = "NC..." if self.data_format == "channels_first" else "N...C"
            outputs = tf.nn.bias_add(outputs, self.bias, data_format=fmt)
        return restore(self.activation(outputs))

    def _spatial_output(self, sizes: list) -> list:
        return [_conv_output_length(size, self.kernel_size[i], self.padding, self.strides[i],
                                    self.dilation_rate[i]) for i, size in enumerate(sizes)]

    def _output_channels(self, channels):
        return self.filters

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = _shape_list(input_shape)
        _check_rank(self, shape, self.rank + 2)
        n = self.rank
        if self.data_format == "channels_first":
            outer, channels, sizes = shape[:-n - 1], shape[-n - 1], shape[-n:]
            out = outer + [self._output_channels(channels)] + self._spatial_output(sizes)
        else:
            outer, sizes, channels = shape[:-n - 1], shape[-n - 1:-1], shape[-1]
            out = outer + self._spatial_output(sizes) + [self._output_channels(channels)]
        return tf.TensorShape(out)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": _serialize("activations", self.activation),
            "use_bias": self.use_bias,
            **_weight_args_config(self, "kernel", "bias", activity=True),
        })
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if cls is not Conv:
            config.pop("rank", None)
        return cls(**config)


class Conv1D(Conv):
    """1-D convolution over (batch, steps, channels); padding may also be 'causal'."""

    _rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs) -> None:
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv2D(Conv):
    """2-D convolution over (batch, rows, cols, channels) (or channels_first)."""

    _rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs) -> None:
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv3D(Conv):
    """3-D convolution over (batch, depth, rows, cols, channels) (or channels_first)."""

    _rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs) -> None:
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class _ConvTranspose(Conv):
    """Transposed convolution (the gradient of a convolution with respect to its input).

    The kernel has shape kernel_size + (filters, input_channels).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs) -> None:
        kwargs.pop("groups", None)
        super().__init__(self._rank, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, 1, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
        if output_padding is None:
            self.output_padding = None
        else:
            self.output_padding = _normalize_tuple(output_padding, self.rank, "output_padding",
                                                   allow_zero=True)
            for pad, stride in zip(self.output_padding, self.strides):
                if pad >= stride:
                    raise ValueError(f"Strides must be greater than output padding. Received "
                                     f"strides={self.strides}, "
                                     f"output_padding={self.output_padding}.")

    def _kernel_shape(self, channels: int) -> tuple:
        return self.kernel_size + (self.filters, channels)

    def _spatial_output(self, sizes: list) -> list:
        pads = self.output_padding or (None,) * self.rank
        return [_deconv_output_length(size, self.kernel_size[i], self.padding, pads[i],
                                      self.strides[i], self.dilation_rate[i])
                for i, size in enumerate(sizes)]

    def _convolve(self, inputs):
        shape = inputs.shape.as_list()
        n = self.rank
        sizes = shape[2:] if self.data_format == "channels_first" else shape[1:-1]
        if None in sizes:
            return self._transpose_by_conv(inputs)
        spatial = self._spatial_output(sizes)
        batch = shape[0] if shape[0] is not None else tf.shape(inputs)[0]
        if self.data_format == "channels_first":
            output_shape = [batch, self.filters] + spatial
        else:
            output_shape = [batch] + spatial + [self.filters]
        return tf.nn.conv_transpose(inputs, self.kernel, output_shape, list(self.strides),
                                    padding=self.padding.upper(),
                                    data_format=_op_format(self.data_format, n),
                                    dilations=list(self.dilation_rate))

    def _transpose_by_conv(self, inputs):
        """The same result for inputs of unknown spatial size: insert stride - 1 zeros
        between positions, convolve (full padding) with the flipped kernel, then crop. All
        crop offsets depend only on kernel, stride and padding, so they are static."""
        n = self.rank
        first = self.data_format == "channels_first"
        x = tf.transpose(inputs, [0] + list(range(2, n + 2)) + [1]) if first else inputs
        for i, stride in enumerate(self.strides):
            if stride > 1:
                axis = i + 1
                shape = tf.shape(x)
                spread = tf.stack([x] + [tf.zeros_like(x)] * (stride - 1), axis=axis + 1)
                merged = tf.concat([shape[:axis], shape[axis:axis + 1] * stride,
                                    shape[axis + 1:]], axis=0)
                index = [slice(None)] * (n + 2)
                index[axis] = slice(None, 1 - stride)  # drop the zeros after the last one
                static = x.shape.as_list()
                if static[axis] is not None:
                    static[axis] = (static[axis] - 1) * stride + 1
                x = tf.ensure_shape(tf.reshape(spread, merged)[tuple(index)], static)
        kernel = tf.reverse(self.kernel, axis=list(range(n)))
        kernel = tf.transpose(kernel, list(range(n)) + [n + 1, n])
        spans = [(k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate)]
        full_pad = [[0, 0]] + [[span - 1, span - 1] for span in spans] + [[0, 0]]
        y = tf.nn.convolution(tf.pad(x, full_pad), kernel, strides=1, padding="VALID",
                              data_format=_op_format("channels_last", n),
                              dilations=list(self.dilation_rate))
        # y has length (size - 1) * stride + span; the output is y[before : before + out]
        # with zeros past y's end
        pads = self.output_padding or (None,) * n
        crops, tails = [], []
        for stride, span, kernel_size, dilation, pad in zip(
                self.strides, spans, self.kernel_size, self.dilation_rate, pads):
            length = 10 * stride + span  # any size works: the offsets do not depend on it
            out = _deconv_output_length(11, kernel_size, self.padding, pad, stride, dilation)
            before = max(length - out, 0) // 2 if self.padding == "same" else 0
            extra = max(before + out - length, 0)
            crops.append((before, extra + length - (before + out)))
            tails.append(extra)
        y = tf.pad(y, [[0, 0]] + [[0, extra] for extra in tails] + [[0, 0]])
        index = [slice(None)] + [slice(a, -b if b else None) for a, b in crops] + [slice(None)]
        y = y[tuple(index)]
        return tf.transpose(y, [0, n + 1] + list(range(1, n + 1))) if first else y

    def get_config(self) -> dict:
        config = super().get_config()
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution (upsampling the steps axis by `strides`)."""

    _rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"); kernel (h, w, filters, in_channels)."""

    _rank = 2


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution; kernel (d, h, w, filters, in_channels)."""

    _rank = 3


class _DepthwiseConv(Conv):
    """Each input channel convolved with its own `depth_multiplier` filters (1-D or 2-D)."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs) -> None:
        for key in ("filters", "groups", "kernel_initializer", "kernel_regularizer",
                    "kernel_constraint"):
            kwargs.pop(key, None)
        super().__init__(self._rank, None, kernel_size, strides, padding, data_format,
                         dilation_rate, 1, activation, use_bias, None, bias_initializer,
                         None, bias_regularizer, activity_regularizer, None, bias_constraint,
                         **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        _set_weight_args(self, "depthwise", depthwise_initializer, depthwise_regularizer,
                         depthwise_constraint)

    def _add_kernels(self, channels: int) -> None:
        self.depthwise_kernel = _add_weight_from_args(
            self, "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            "depthwise")

    def _output_channels(self, channels):
        return None if channels is None else channels * self.depth_multiplier

    def _depthwise(self, inputs, kernel):
        """depthwise_conv2d; 1-D inputs get a unit rows axis (kernel too)."""
        strides, dilations = list(self.strides), list(self.dilation_rate)
        padding = self.padding.upper()
        if self.rank == 2:
            fmt = _op_format(self.data_format, 2)
            return tf.nn.depthwise_conv2d(inputs, kernel, strides, padding,
                                          data_format=fmt, dilations=dilations)
        if self.padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs = tf.pad(inputs, [[0, 0], [left, 0], [0, 0]])
            padding = "VALID"
        axis = 2 if self.data_format == "channels_first" else 1
        fmt = _op_format(self.data_format, 2)
        x = tf.expand_dims(inputs, axis)
        y = tf.nn.depthwise_conv2d(x, tf.expand_dims(kernel, 0), [1] + strides,
                                   padding, data_format=fmt, dilations=[1] + dilations)
        return tf.squeeze(y, [axis])

    def _convolve(self, inputs):
        return self._depthwise(inputs, self.depthwise_kernel)

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key, None)  # tf_keras keeps "groups" (always 1) in these configs
        config.update({
            "depth_multiplier": self.depth_multiplier,
            **_weight_args_config(self, "depthwise"),
        })
        return config


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution; depthwise_kernel (k, in_channels, depth_multiplier)."""

    _rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution; depthwise_kernel (h, w, in_channels, depth_multiplier)."""

    _rank = 2


class _UnusedKernelArgs:
    """The plain-Conv kernel_* arguments tf_keras's separable convs accept and report."""

    def __init__(self, kernel_initializer, kernel_regularizer, kernel_constraint) -> None:
        _set_weight_args(self, "kernel", kernel_initializer, kernel_regularizer,
                         kernel_constraint)


class _SeparableConv(_DepthwiseConv):
    """A depthwise convolution followed by a pointwise (1x1) convolution to `filters`."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs) -> None:
        # tf_keras's separable convs accept and report the (unused) plain-Conv kernel_* args
        unused = {key: kwargs.pop(key, default) for key, default in (
            ("kernel_initializer", "glorot_uniform"), ("kernel_regularizer", None),
            ("kernel_constraint", None))}
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)
        self.filters = int(filters)
        _set_weight_args(self, "pointwise", pointwise_initializer, pointwise_regularizer,
                         pointwise_constraint)
        self._unused_kernel_args = _UnusedKernelArgs(**unused)

    def _add_kernels(self, channels: int) -> None:
        super()._add_kernels(channels)
        self.pointwise_kernel = _add_weight_from_args(
            self, "pointwise_kernel",
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters), "pointwise")

    def _output_channels(self, channels):
        return self.filters

    def _convolve(self, inputs):
        depthwise = self._depthwise(inputs, self.depthwise_kernel)
        return tf.nn.convolution(depthwise, self.pointwise_kernel, strides=1, padding="VALID",
                                 data_format=_op_format(self.data_format, self.rank))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "filters": self.filters,
            **_weight_args_config(self._unused_kernel_args, "kernel"),
            **_weight_args_config(self, "pointwise"),
        })
        return config


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1-D convolution (depthwise_kernel, pointwise_kernel, bias)."""

    _rank = 1


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2-D convolution (depthwise_kernel, pointwise_kernel, bias)."""

    _rank = 2


# Keras's aliases.
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
