"""Regularization layers: Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout and
ActivityRegularization, plus the training-flag helpers the normalization family shares.

Noise is drawn by tf.random ops at run time, so each call of a compiled function draws afresh;
it is applied only in training (`training=None` means inference, as in Keras)."""

from __future__ import annotations

from collections.abc import Callable

import eagerflow as tf
from eagerflow.keras.layers.layer import InputSpec, Layer
from eagerflow.keras.layers.layer_args import _normalize_data_format, _shape_list

__all__ = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
           "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization"]


def _training_flag(training):
    """True / False when the mode is known now (None = inference), else the bool tensor."""
    if training is None:
        return False
    if isinstance(training, tf.Tensor):
        try:
            return bool(training.numpy())
        except (AttributeError, TypeError, ValueError, NotImplementedError):
            return tf.cast(training, tf.bool)  # symbolic: decided when the graph runs
    return bool(training)


def _in_training(training, train_fn: Callable, infer_fn: Callable):
    """`train_fn()` in training, `infer_fn()` otherwise; a symbolic flag selects at run time."""
    flag = _training_flag(training)
    if flag is True:
        return train_fn()
    if flag is False:
        return infer_fn()
    return tf.cond(flag, train_fn, infer_fn)


def _check_rate(layer_name: str, rate) -> float:
    rate = float(rate)
    if not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                         f"value between 0 and 1. Received: rate={rate} (layer {layer_name})")
    return rate


class _TrainingNoise(Layer):
    """A layer that changes its inputs only in training (dropout or noise) and passes them
    through otherwise; masks pass through and the output shape is the input's."""

    _config_keys: tuple[str, ...] = ("seed",)

    def __init__(self, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.supports_masking = True

    def _passes_through(self) -> bool:
        """True when the layer is the identity in training too (e.g. rate 0)."""
        return False

    def _noisy(self, inputs):
        raise NotImplementedError(f"{type(self).__name__} must define `_noisy`.")

    def call(self, inputs, training=None):
        if self._passes_through():
            return tf.identity(inputs)
        return _in_training(training, lambda: self._noisy(inputs), lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        return tf.TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        for key in self._config_keys:
            value = getattr(self, key)
            config[key] = list(value) if isinstance(value, tuple) else value
        return config


class Dropout(_TrainingNoise):
    """Zero each input with probability `rate` in training, scaling the rest by 1 / (1 - rate).

    `noise_shape` (None entries take the input's size) shares one choice along its 1-dims.
    """

    _config_keys = ("rate", "noise_shape", "seed")

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(seed, **kwargs)
        self.rate = _check_rate(self.name, rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def _noise_shape(self):
        """The noise shape; None entries take the input's size when the op runs."""
        return None if self.noise_shape is None else list(self.noise_shape)

    def _passes_through(self) -> bool:
        return self.rate == 0

    def _noisy(self, inputs):
        if self.rate == 1:
            return tf.zeros_like(inputs)
        return tf.nn.dropout(inputs, self.rate, noise_shape=self._noise_shape(), seed=self.seed)


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep/drop choice per (sample, channel)."""

    _rank = 1

    def __init__(self, rate: float, data_format: str | None = None, **kwargs) -> None:
        kwargs.pop("noise_shape", None)
        super().__init__(rate, **kwargs)
        self.data_format = _normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _noise_shape(self):
        ones = [1] * self._rank
        if self.data_format == "channels_first":
            return [None, None] + ones
        return [None] + ones + [None]

    def get_config(self) -> dict:
        config = super().get_config()
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops entire 1-D feature maps of (batch, steps, channels)."""

    _rank = 1

    def __init__(self, rate: float, **kwargs) -> None:
        kwargs.pop("data_format", None)
        super().__init__(rate, data_format="channels_last", **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2-D feature maps (channels) of (batch, rows, cols, channels)."""

    _rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3-D feature maps (channels) of (batch, depth, rows, cols, channels)."""

    _rank = 3


def _random_normal_like(inputs, mean, stddev, seed):
    return tf.random.normal(tf.shape(inputs), mean=mean, stddev=stddev, dtype=inputs.dtype,
                            seed=seed)


class GaussianNoise(_TrainingNoise):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` in training."""

    _config_keys = ("stddev", "seed")

    def __init__(self, stddev: float, seed: int | None = None, **kwargs) -> None:
        super().__init__(seed, **kwargs)
        self.stddev = float(stddev)

    def _noisy(self, inputs):
        return inputs + _random_normal_like(inputs, 0.0, self.stddev, self.seed)


class _RatedNoise(_TrainingNoise):
    """Noise of a `rate` in (0, 1); any other rate in [0, 1] passes inputs through."""

    _config_keys = ("rate", "seed")

    def __init__(self, rate: float, seed: int | None = None, **kwargs) -> None:
        super().__init__(seed, **kwargs)
        self.rate = _check_rate(self.name, rate)

    def _passes_through(self) -> bool:
        return not 0 < self.rate < 1


class GaussianDropout(_RatedNoise):
    """Multiplies inputs by 1-centred Gaussian noise of stddev sqrt(rate / (1 - rate))."""

    def _noisy(self, inputs):
        stddev = (self.rate / (1.0 - self.rate)) ** 0.5
        return inputs * _random_normal_like(inputs, 1.0, stddev, self.seed)


class AlphaDropout(_RatedNoise):
    """Dropout for SELU networks: dropped units are set to SELU's negative saturation value
    and the result is scaled and shifted (a, b) so that mean and variance are kept."""

    _SELU_ALPHA = 1.6732632423543772848170429916717
    _SELU_SCALE = 1.0507009873554804934193349852946

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(rate, seed, **kwargs)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def _noisy(self, inputs):
        rate = self.rate
        saturation = -self._SELU_ALPHA * self._SELU_SCALE
        if self.noise_shape is None:
            shape = tf.shape(inputs)
        else:
            dynamic = tf.shape(inputs)
            shape = tf.stack([dynamic[i] if d is None else d
                              for i, d in enumerate(self.noise_shape)])
        kept = tf.cast(tf.random.uniform(shape, seed=self.seed) >= rate, inputs.dtype)
        a = ((1 - rate) * (1 + rate * saturation ** 2)) ** -0.5
        b = -a * saturation * rate
        return a * (inputs * kept + saturation * (1 - kept)) + b


class ActivityRegularization(Layer):
    """Identity that adds l1 * sum|x| + l2 * sum x^2 (divided by the batch size) to losses."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.supports_masking = True

    def call(self, inputs):
        if self.l1 or self.l2:
            penalty = 0.0
            if self.l1:
                penalty = penalty + self.l1 * tf.reduce_sum(tf.abs(inputs))
            if self.l2:
                penalty = penalty + self.l2 * tf.reduce_sum(tf.square(inputs))
            batch = tf.cast(tf.shape(inputs)[0], inputs.dtype)
            self.add_loss(penalty / batch)
        return tf.identity(inputs)

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        return tf.TensorShape(_shape_list(input_shape))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config
