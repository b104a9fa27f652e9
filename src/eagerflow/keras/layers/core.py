"""Core layers: Dense, Embedding, Activation, Lambda, Identity (and the hidden layer behind
operators on functional-API tensors)."""

from __future__ import annotations

from eagerflow.core.shape import TensorShape
from eagerflow.keras import activations, regularizers
from eagerflow.keras.layers.layer import InputSpec, Layer
from eagerflow.keras.layers.layer_args import (
    _add_weight_from_args,
    _set_weight_args,
    _weight_args_config,
)
from eagerflow.keras.layers.tf_op_layer import TFOpLambda

__all__ = ["Dense", "Embedding", "Activation", "Lambda", "Identity"]


class Dense(Layer):
    """`activation(inputs @ kernel + bias)` on the last axis of the inputs."""

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs) -> None:
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        units = int(units) if not isinstance(units, int) else units
        if units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        _set_weight_args(self, "kernel", kernel_initializer, kernel_regularizer,
                         kernel_constraint)
        _set_weight_args(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        input_shape = TensorShape(input_shape)
        last_dim = input_shape[-1] if input_shape.rank else None
        if last_dim is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.kernel = _add_weight_from_args(self, "kernel", (last_dim, self.units))
        self.bias = (_add_weight_from_args(self, "bias", (self.units,)) if self.use_bias
                     else None)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last_dim})
        self.built = True

    def call(self, inputs):
        import eagerflow as tf

        if inputs.dtype != self.kernel.dtype:
            inputs = tf.cast(inputs, self.kernel.dtype)
        if inputs.shape.rank == 2:
            outputs = tf.matmul(inputs, self.kernel)
        else:
            outputs = tf.tensordot(inputs, self.kernel, [[inputs.shape.rank - 1], [0]])
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = TensorShape(input_shape)
        return TensorShape(input_shape.as_list()[:-1] + [self.units])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **_weight_args_config(self, "kernel", "bias", activity=True),
        })
        return config


class Embedding(Layer):
    """Maps integer ids (any shape) to dense vectors: a row lookup in `embeddings`."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero: bool = False, input_length=None,
                 sparse: bool = False, **kwargs) -> None:
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,) if isinstance(input_length, int) \
                else tuple(input_length)
        kwargs.setdefault("autocast", False)
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        if input_dim <= 0 or output_dim <= 0:
            raise ValueError("Both `input_dim` and `output_dim` should be positive, Received "
                             f"input_dim = {input_dim} and output_dim = {output_dim}")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        _set_weight_args(self, "embeddings", embeddings_initializer, embeddings_regularizer,
                         embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length

    def build(self, input_shape=None) -> None:
        self.embeddings = _add_weight_from_args(self, "embeddings",
                                                (self.input_dim, self.output_dim))
        self.built = True

    def call(self, inputs):
        import eagerflow as tf

        if inputs.dtype not in (tf.int32, tf.int64):
            inputs = tf.cast(inputs, tf.int32)
        return tf.gather(self.embeddings, inputs)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        import eagerflow as tf

        return tf.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return TensorShape(TensorShape(input_shape).as_list() + [self.output_dim])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            **_weight_args_config(self, "embeddings", activity=True),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        })
        return config


class Activation(Layer):
    """Applies an activation function (by name or callable) to its input."""

    def __init__(self, activation, **kwargs) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Identity(Layer):
    """Returns its input unchanged (a placeholder in a model)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True


class Lambda(Layer):
    """Wraps a Python function as a layer (`Lambda(lambda x: x ** 2)`).

    Configs store the function by registered name only: eagerflow never saves or loads
    Python bytecode (a loaded file must not be able to run code).
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        import inspect

        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            parameters = {}
        self._function_takes_training = "training" in parameters
        self._function_takes_mask = "mask" in parameters

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._function_takes_mask:
            kwargs["mask"] = mask
        if self._function_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self) -> dict:
        from eagerflow.keras.saving import serialize_keras_object

        config = super().get_config()
        config.update({"function": serialize_keras_object(self.function),
                       "output_shape": self._output_shape, "arguments": self.arguments})
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuild with the function looked up by its registered name (never from bytecode)."""
        from eagerflow.keras.saving import deserialize_keras_object

        config = dict(config)
        config["function"] = deserialize_keras_object(config["function"],
                                                      custom_objects=custom_objects)
        return super().from_config(config)


# The hidden layer made by operators, slices and tf.* ops on functional-API tensors (`x + y`)
# is tf_keras's TFOpLambda; see tf_op_layer.py.
OperatorLayer = TFOpLambda
