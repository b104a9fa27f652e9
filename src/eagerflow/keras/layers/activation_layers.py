"""Activation layers with parameters: ReLU, LeakyReLU, PReLU (a learned slope), ELU,
ThresholdedReLU and Softmax (with masking)."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.layers.layer import InputSpec, Layer
from eagerflow.keras.layers.layer_args import (
    _add_weight_from_args,
    _set_weight_args,
    _shape_list,
    _weight_args_config,
)

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax"]


class _Elementwise(Layer):
    """An elementwise activation: output shape = input shape; masks pass through."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        return tf.TensorShape(input_shape)


def _non_negative(layer: str, name: str, value) -> float | None:
    if value is None:
        return None
    value = float(value)
    if value < 0:
        raise ValueError(f"{name} of a {layer} layer cannot be a negative value. Received: "
                         f"{name}={value}")
    return value


class ReLU(_Elementwise):
    """`max_value` for x >= max_value, x for threshold <= x < max_value, and
    `negative_slope * (x - threshold)` below the threshold."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_value = _non_negative("ReLU", "max_value", max_value)
        self.negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _non_negative("ReLU", "threshold", threshold)

    def call(self, inputs):
        if self.threshold == 0 and self.negative_slope == 0:
            if self.max_value is None:
                return tf.nn.relu(inputs)
            if self.max_value == 6:
                return tf.nn.relu6(inputs)
        below = self.negative_slope * (inputs - self.threshold)
        outputs = tf.where(inputs >= self.threshold, inputs, below)
        if self.max_value is not None:
            outputs = tf.minimum(outputs, tf.cast(self.max_value, inputs.dtype))
        return outputs

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(_Elementwise):
    """x for x >= 0, `alpha * x` below (tf_keras's `alpha`; Keras 3's `negative_slope`)."""

    def __init__(self, alpha: float | None = None, negative_slope: float | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if alpha is None:
            alpha = 0.3 if negative_slope is None else negative_slope
        if alpha is None or float(alpha) < 0:
            raise ValueError(f"The alpha value of a Leaky ReLU layer cannot be None or "
                             f"negative, needs a float. Received: alpha={alpha}")
        self.alpha = float(alpha)

    def call(self, inputs):
        return tf.nn.leaky_relu(inputs, alpha=self.alpha)

    def get_config(self) -> dict:
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(_Elementwise):
    """Leaky ReLU with a learned slope per element (`alpha`, shape = input shape without the
    batch), shared (size 1) along `shared_axes`."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs) -> None:
        super().__init__(**kwargs)
        _set_weight_args(self, "alpha", alpha_initializer, alpha_regularizer, alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(a) for a in shared_axes]
        else:
            self.shared_axes = [int(shared_axes)]

    def build(self, input_shape) -> None:
        shape = _shape_list(input_shape)
        param_shape = list(shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(shape):
                raise ValueError(f'Layer "{self.name}": shared axis {axis} is out of range for '
                                 f"input shape {tuple(shape)} (axes are counted from 1, after "
                                 f"the batch).")
            param_shape[axis - 1] = 1
        if None in param_shape:
            raise ValueError(f'Layer "{self.name}": the alpha weight needs every non-shared '
                             f"axis to have a known size; received input shape {tuple(shape)}. "
                             f"Use `shared_axes` for the unknown ones.")
        self.alpha = _add_weight_from_args(self, "alpha", param_shape)
        axes = {i: shape[i] for i in range(1, len(shape)) if param_shape[i - 1] != 1}
        self.input_spec = InputSpec(ndim=len(shape), axes=axes)
        self.built = True

    def call(self, inputs):
        return tf.nn.relu(inputs) - self.alpha * tf.nn.relu(-inputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            **_weight_args_config(self, "alpha"),
            "shared_axes": self.shared_axes,
        })
        return config


class ELU(_Elementwise):
    """x for x > 0, `alpha * (exp(x) - 1)` otherwise."""

    def __init__(self, alpha: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError("Alpha of an ELU layer cannot be None, expecting a float. "
                             "Received: None")
        self.alpha = float(alpha)

    def call(self, inputs):
        if self.alpha == 1.0:
            return tf.nn.elu(inputs)
        return tf.where(inputs > 0, inputs, self.alpha * (tf.exp(tf.minimum(inputs, 0.0)) - 1))

    def get_config(self) -> dict:
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class ThresholdedReLU(_Elementwise):
    """x for x > theta, 0 otherwise."""

    def __init__(self, theta: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if theta is None or float(theta) < 0:
            raise ValueError(f"Theta of a Thresholded ReLU layer cannot be None or negative. "
                             f"Received: theta={theta}")
        self.theta = float(theta)

    def call(self, inputs):
        return inputs * tf.cast(inputs > self.theta, inputs.dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        config["theta"] = self.theta
        return config


class Softmax(_Elementwise):
    """Softmax over `axis` (an int or a list); masked positions (mask False) get ~0."""

    def __init__(self, axis=-1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, inputs, mask=None):
        if mask is not None:
            # a large negative number added where the mask is False (dtype.min for float16)
            large = -65500.0 if inputs.dtype == tf.float16 else -1e9
            inputs = inputs + (1.0 - tf.cast(mask, inputs.dtype)) * large
        if isinstance(self.axis, list):
            shifted = inputs - tf.stop_gradient(
                tf.reduce_max(inputs, axis=self.axis, keepdims=True))
            exp = tf.exp(shifted)
            return exp / tf.reduce_sum(exp, axis=self.axis, keepdims=True)
        return tf.nn.softmax(inputs, axis=self.axis)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config
