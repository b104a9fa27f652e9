"""EinsumDense: a dense layer whose contraction is any Einstein-summation equation
(`"abc,cd->abd"`), with a kernel and an optional bias over chosen output axes."""

from __future__ import annotations

import re

from eagerflow.core.shape import TensorShape
from eagerflow.keras import activations, regularizers
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.layers.layer_args import (
    _add_weight_from_args,
    _set_weight_args,
    _weight_args_config,
)

__all__ = ["EinsumDense"]


def analyze_einsum_equation(equation: str, bias_axes: str | None, input_shape: list,
                            output_shape) -> tuple[list, list | None, list]:
    """Kernel shape, bias shape and full output shape (batch axis included) for
    `equation` applied to inputs of `input_shape` (as Keras derives them)."""
    dotted = equation.replace("...", "0")
    patterns = ((r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
                (r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
                (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False))
    for pattern, left_elided in patterns:
        match = re.match(pattern, dotted)
        if match:
            return _analyze_parts(*match.groups(), bias_axes, list(input_shape), output_shape,
                                  left_elided)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze_parts(input_spec: str, weight_spec: str, output_spec: str, bias_axes, input_shape,
                   output_shape, left_elided: bool):
    elided = len(input_shape) - len(input_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_axis = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_axis = {d: i + elided - len(output_shape) for i, d in enumerate(output_spec)}
    else:
        input_axis = {d: i for i, d in enumerate(input_spec)}
        output_axis = {d: i for i, d in enumerate(output_spec)}
    for dim in input_spec:
        if dim in output_axis:
            wanted = output_shape[output_axis[dim]]
            if wanted is not None and wanted != input_shape[input_axis[dim]]:
                raise ValueError(f"Input shape and output shape do not match at shared "
                                 f"dimension '{dim}'. Input shape is "
                                 f"{input_shape[input_axis[dim]]}, and output shape is "
                                 f"{wanted}.")
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(f"Dimension '{dim}' was specified in the output '{output_spec}' "
                             f"but has no corresponding dim in the input spec '{input_spec}' "
                             f"or weight spec '{weight_spec}'")
    kernel_shape = []
    for dim in weight_spec:
        if dim in input_axis:
            kernel_shape.append(input_shape[input_axis[dim]])
        elif dim in output_axis:
            kernel_shape.append(output_shape[output_axis[dim]])
        else:
            raise ValueError(f"Weight dimension '{dim}' did not have a match in either the "
                             f"input spec '{input_spec}' or the output spec '{output_spec}'. "
                             "For this layer, the weight must be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(f"Bias dimension '{char}' was requested, but is not part of "
                                 f"the output spec '{output_spec}'")
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [output_shape[output_axis[c]] if c in bias_axes else 1
                      for c in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * elided)
    return kernel_shape, bias_shape, output_shape


class EinsumDense(Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`.

    >>> layer = tf.keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 64),
    ...                                     bias_axes="d")
    >>> layer(tf.ones((2, 32, 128))).shape
    TensorShape([2, 32, 64])
    """

    def __init__(self, equation: str, output_shape, activation=None, bias_axes: str | None = None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs) -> None:
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense: `equation` must be a string such as 'ab,bc->ac'. "
                            f"Received: equation={equation!r}")
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = [output_shape]
        else:
            self.partial_output_shape = list(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        _set_weight_args(self, "kernel", kernel_initializer, kernel_regularizer,
                         kernel_constraint)
        _set_weight_args(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.full_output_shape = None

    def build(self, input_shape) -> None:
        input_shape = TensorShape(input_shape).as_list()
        kernel_shape, bias_shape, self.full_output_shape = analyze_einsum_equation(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError(f"EinsumDense {self.name}: the kernel shape {kernel_shape} for "
                             f"equation '{self.equation}' and inputs of shape {input_shape} "
                             "has undefined dimensions; give them in `output_shape` or the "
                             "input shape.")
        self.kernel = _add_weight_from_args(self, "kernel", kernel_shape)
        self.bias = (_add_weight_from_args(self, "bias", bias_shape) if bias_shape is not None
                     else None)
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = TensorShape(input_shape).as_list()
        return TensorShape(analyze_einsum_equation(self.equation, self.bias_axes, input_shape,
                                                   self.partial_output_shape)[2])

    def call(self, inputs):
        import eagerflow as tf

        if inputs.dtype != self.kernel.dtype:
            inputs = tf.cast(inputs, self.kernel.dtype)
        outputs = tf.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            outputs = outputs + self.bias
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            **_weight_args_config(self, "kernel", "bias", activity=True),
        })
        return config
