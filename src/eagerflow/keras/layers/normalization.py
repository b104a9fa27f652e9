"""Normalization layers: BatchNormalization (batch statistics in training, moving statistics in
inference), LayerNormalization, GroupNormalization and UnitNormalization."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.layers.layer import InputSpec, Layer
from eagerflow.keras.layers.layer_args import (
    _add_weight_from_args,
    _get,
    _serialize,
    _set_weight_args,
    _shape_list,
    _weight_args_config,
)
from eagerflow.keras.layers.regularization import _in_training

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization",
           "UnitNormalization"]


def _axes_list(axis, name: str) -> list:
    if isinstance(axis, (list, tuple)):
        axes = list(axis)
    else:
        axes = [axis]
    if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"Expected an int or a list/tuple of ints for the argument '{name}', "
                        f"but received: {axis}")
    return axes


def _resolve_axes(layer: Layer, axes: list, shape: list) -> list:
    """Positive, sorted axes; each inside the input's rank and of known size."""
    rank = len(shape)
    resolved = []
    for axis in axes:
        positive = axis + rank if axis < 0 else axis
        if not 0 <= positive < rank:
            raise ValueError(f'Layer "{layer.name}": invalid axis {axis} for an input of rank '
                             f"{rank} (shape {tuple(shape)}).")
        if shape[positive] is None:
            raise ValueError(f'Layer "{layer.name}": axis {axis} of the input has no defined '
                             f"size; input shape received: {tuple(shape)}.")
        resolved.append(positive)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f'Layer "{layer.name}": duplicate axes in {axes}.')
    return sorted(resolved)


def _reshape_param(param, broadcast_shape: list | None):
    return param if broadcast_shape is None else tf.reshape(param, broadcast_shape)


class _Normalization(Layer):
    """Shared parts: the axis, epsilon, center/scale and gamma/beta weights."""

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else _axes_list(axis, "axis")
        _axes_list(axis, "axis")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        _set_weight_args(self, "beta", beta_initializer, beta_regularizer, beta_constraint)
        _set_weight_args(self, "gamma", gamma_initializer, gamma_regularizer, gamma_constraint)
        self.supports_masking = True

    def _add_gamma_beta(self, param_shape) -> None:
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = _add_weight_from_args(self, "gamma", param_shape,
                                               dtype=self._param_dtype())
        if self.center:
            self.beta = _add_weight_from_args(self, "beta", param_shape,
                                              dtype=self._param_dtype())

    def _param_dtype(self) -> str:
        # float16 layers keep their parameters in float32, as Keras
        return "float32" if self.dtype in ("float16", "bfloat16") else self.dtype

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        return tf.TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **_weight_args_config(self, "beta", "gamma"),
        })
        return config


class BatchNormalization(_Normalization):
    """Normalizes each feature (along `axis`) by the batch's mean and variance in training,
    and by moving averages of them in inference.

    In training the moving statistics move towards the batch ones:
    `moving = moving * momentum + batch * (1 - momentum)`. As tf_keras (whose fused kernel
    runs for 4-D and 5-D inputs normalized on the channel axis) the moving variance of such inputs
    takes the unbiased batch variance (n / (n - 1)); other inputs use the biased one. A layer
    with `trainable = False` always runs in inference mode (TF 2 behaviour).
    """

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized: bool = False, **kwargs) -> None:
        for unsupported in ("renorm", "virtual_batch_size", "adjustment"):
            if kwargs.get(unsupported):
                raise ValueError(f"BatchNormalization: `{unsupported}` is not supported.")
            kwargs.pop(unsupported, None)
        for ignored in ("fused", "renorm_clipping", "renorm_momentum"):
            kwargs.pop(ignored, None)
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.momentum = float(momentum)
        self.synchronized = bool(synchronized)  # one replica: same as unsynchronized
        self.moving_mean_initializer = _get("initializers", moving_mean_initializer)
        self.moving_variance_initializer = _get("initializers", moving_variance_initializer)

    def build(self, input_shape) -> None:
        shape = _shape_list(input_shape)
        if not shape:
            raise ValueError(f'Input has undefined rank or is a scalar (layer "{self.name}").')
        axes = _resolve_axes(self, _axes_list(self.axis, "axis"), shape)
        self._axes = axes
        self.axis = list(axes)  # as tf_keras: built layers report positive axes ([3], not -1)
        self._reduction_axes = [i for i in range(len(shape)) if i not in axes]
        if len(axes) == 1:
            param_shape = (shape[axes[0]],)
            self._broadcast_shape = None if axes[0] == len(shape) - 1 else [
                shape[i] if i in axes else 1 for i in range(len(shape))]
        else:
            param_shape = tuple(shape[i] if i in axes else 1 for i in range(len(shape)))
            self._broadcast_shape = None
        rank = len(shape)
        self._unbiased_moving_variance = rank in (4, 5) and axes in ([1], [rank - 1])
        self._add_gamma_beta(param_shape)
        self.moving_mean = self.add_weight(
            name="moving_mean", shape=param_shape, initializer=self.moving_mean_initializer,
            trainable=False, dtype=self._param_dtype())
        self.moving_variance = self.add_weight(
            name="moving_variance", shape=param_shape,
            initializer=self.moving_variance_initializer, trainable=False,
            dtype=self._param_dtype())
        self.input_spec = InputSpec(ndim=len(shape), axes={a: shape[a] for a in axes})
        self.built = True

    def _normalize(self, inputs, mean, variance):
        gamma = None if self.gamma is None else _reshape_param(self.gamma, self._broadcast_shape)
        beta = None if self.beta is None else _reshape_param(self.beta, self._broadcast_shape)
        return tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, self.epsilon)

    def _inference(self, inputs):
        mean = _reshape_param(self.moving_mean, self._broadcast_shape)
        variance = _reshape_param(self.moving_variance, self._broadcast_shape)
        return self._normalize(inputs, mean, variance)

    def _training(self, inputs):
        compute = tf.cast(inputs, tf.float32) if inputs.dtype in (tf.float16,
                                                                  tf.bfloat16) else inputs
        mean, variance = tf.nn.moments(compute, self._reduction_axes, keepdims=True)
        outputs = tf.cast(self._normalize(compute, mean, variance), inputs.dtype)
        param_shape = self.moving_mean.shape
        batch_mean = tf.reshape(mean, param_shape)
        batch_variance = tf.reshape(variance, param_shape)
        if self._unbiased_moving_variance:
            count = tf.cast(tf.size(compute) // tf.size(batch_mean), batch_variance.dtype)
            batch_variance = batch_variance * count / tf.maximum(count - 1.0, 1.0)
        decay = 1.0 - self.momentum
        self.moving_mean.assign_sub((self.moving_mean - batch_mean) * decay)
        self.moving_variance.assign_sub((self.moving_variance - batch_variance) * decay)
        return outputs

    def call(self, inputs, training=None, mask=None):
        if not self.trainable:
            training = False  # a frozen BatchNormalization runs in inference mode (TF 2)
        return _in_training(training, lambda: self._training(inputs),
                            lambda: self._inference(inputs))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "momentum": self.momentum,
            "moving_mean_initializer": _serialize("initializers",
                                                  self.moving_mean_initializer),
            "moving_variance_initializer": _serialize("initializers",
                                                      self.moving_variance_initializer),
        })
        if self.synchronized:
            config["synchronized"] = True
        return config


class LayerNormalization(_Normalization):
    """Normalizes each sample over `axis` (default the last): (x - mean) / sqrt(var + eps),
    then `gamma * x + beta` with gamma and beta of the shape of those axes.

    `rms_scaling=True` (Keras 3, deprecated there) computes `x * rsqrt(var + eps) * gamma`
    with no centering and no beta, exactly as Keras 3 does (its variance, not a mean square).
    """

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, rms_scaling: bool = False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape) -> None:
        shape = _shape_list(input_shape)
        axes = _resolve_axes(self, _axes_list(self.axis, "axis"), shape)
        self._axes = axes
        self.axis = list(axes)  # as tf_keras: built layers report positive axes ([3], not -1)
        param_shape = tuple(shape[a] for a in axes)
        self._broadcast_shape = None if axes == list(range(len(shape) - len(axes),
                                                           len(shape))) else [
            shape[i] if i in axes else 1 for i in range(len(shape))]
        if self.rms_scaling:
            scale, center = self.scale, self.center
            self.scale, self.center = True, False
            self._add_gamma_beta(param_shape)
            self.scale, self.center = scale, center
        else:
            self._add_gamma_beta(param_shape)
        self.built = True

    def call(self, inputs, mask=None):
        compute = tf.cast(inputs, tf.float32) if inputs.dtype in (tf.float16,
                                                                  tf.bfloat16) else inputs
        mean, variance = tf.nn.moments(compute, self._axes, keepdims=True)
        gamma = None if self.gamma is None else _reshape_param(self.gamma, self._broadcast_shape)
        if self.rms_scaling:
            outputs = compute * tf.math.rsqrt(variance + self.epsilon) * gamma
            return tf.cast(outputs, inputs.dtype)
        beta = None if self.beta is None else _reshape_param(self.beta, self._broadcast_shape)
        outputs = tf.nn.batch_normalization(compute, mean, variance, beta, gamma,
                                            self.epsilon)
        return tf.cast(outputs, inputs.dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        if self.rms_scaling:
            config["rms_scaling"] = True
        return config


class GroupNormalization(_Normalization):
    """Splits the channels (`axis`) into `groups` and normalizes each sample's group over the
    group's channels and all other non-batch axes; gamma and beta are per channel."""

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        if not isinstance(axis, int):
            raise TypeError(f"GroupNormalization: `axis` must be an int, got {axis!r}")
        self.groups = int(groups)

    def build(self, input_shape) -> None:
        shape = _shape_list(input_shape)
        (axis,) = _resolve_axes(self, [self.axis], shape)
        channels = shape[axis]
        if channels < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({channels}).")
        if channels % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({channels}).")
        self._channel_axis = axis
        self._rank = len(shape)
        self._add_gamma_beta((channels,))
        self.input_spec = InputSpec(ndim=len(shape), axes={axis: channels})
        self.built = True

    def call(self, inputs, mask=None):
        axis, rank = self._channel_axis, self._rank
        channels = inputs.shape.as_list()[axis]
        dynamic = tf.shape(inputs)
        grouped_shape = tf.concat([dynamic[:axis], [self.groups, channels // self.groups],
                                   dynamic[axis + 1:]], axis=0)
        compute = tf.cast(inputs, tf.float32) if inputs.dtype in (tf.float16,
                                                                  tf.bfloat16) else inputs
        grouped = tf.reshape(compute, grouped_shape)
        # reduce over every axis of the grouped tensor but batch and the group axis
        reduce_axes = [i for i in range(1, rank + 1) if i != axis]
        mean, variance = tf.nn.moments(grouped, reduce_axes, keepdims=True)
        normalized = (grouped - mean) * tf.math.rsqrt(variance + self.epsilon)
        outputs = tf.ensure_shape(tf.reshape(normalized, dynamic), inputs.shape)
        broadcast = [channels if i == axis else 1 for i in range(rank)]
        if self.gamma is not None:
            outputs = outputs * tf.reshape(self.gamma, broadcast)
        if self.beta is not None:
            outputs = outputs + tf.reshape(self.beta, broadcast)
        return tf.cast(outputs, inputs.dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        config = {"groups": self.groups, **config}
        return config


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over `axis`: x / sqrt(max(sum(x^2), 1e-12))."""

    def __init__(self, axis=-1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else _axes_list(axis, "axis")
        _axes_list(axis, "axis")
        self.supports_masking = True

    def call(self, inputs):
        compute = tf.cast(inputs, tf.float32) if inputs.dtype in (tf.float16,
                                                                  tf.bfloat16) else inputs
        return tf.cast(tf.nn.l2_normalize(compute, axis=self.axis, epsilon=1e-12),
                       inputs.dtype)

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        return tf.TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config
