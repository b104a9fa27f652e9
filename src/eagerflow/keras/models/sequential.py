"""`tf.keras.Sequential`: a plain stack of layers, each feeding the next.

When the input shape is known (an `Input`/`InputLayer` first, or `input_shape=` on the first
layer) the stack is connected as a functional graph right away, so `summary()`, output
shapes and `plot_model` work before any data is seen; otherwise it is built on first call.
"""

from __future__ import annotations

from eagerflow.core.shape import TensorShape
from eagerflow.keras.keras_tensor import KerasTensor
from eagerflow.keras.layers.input_layer import Input, InputLayer
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.models.model import Model, _trace_call, layer_list_children

__all__ = ["Sequential"]


class Sequential(Model):
    """A model that applies `layers` one after another.

    >>> model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu",
    ...                                                    input_shape=(4,)),
    ...                              tf.keras.layers.Dense(1)])
    """

    def __init__(self, layers=None, name: str | None = None, trainable: bool = True,
                 **kwargs) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._stack: list = []
        self._input_layer = None
        self.inputs = None
        self.outputs = None
        if layers:
            if not isinstance(layers, (list, tuple)):
                layers = [layers]
            for layer in layers:
                self.add(layer)

    @property
    def layers(self) -> list:
        """The layers of the stack (the input layer excluded, as in tf.keras)."""
        return list(self._stack)

    def add(self, layer) -> None:
        """Append a layer to the stack (an `Input` tensor or InputLayer sets the input shape)."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError("The added layer must be an instance of class Layer. Received: "
                            f"layer={layer} of type {type(layer)}.")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential "
                                 "model.")
            self._input_layer = layer
            self._tracked_layers.append(layer)
            self.built = False
            return
        if any(layer.name == existing.name for existing in self._stack):
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name '{layer.name}' is already the name of a layer in "
                             "this model. Update the `name` argument to pass a unique name.")
        self._stack.append(layer)
        self._tracked_layers.append(layer)
        if self._input_layer is None and len(self._stack) == 1 and \
                layer._batch_input_shape is not None:
            self._input_layer = Input(batch_shape=layer._batch_input_shape,
                                      dtype=layer.dtype)._keras_history[0]
        if self._input_layer is not None and self.outputs and len(self._stack) > 1:
            self._connect_last()  # only the new layer: the others keep their one node
        elif self._input_layer is not None:
            self._connect()
        else:
            self.built = False

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._tracked_layers[:] = [known for known in self._tracked_layers if known is not layer]
        if self._input_layer is not None and self._stack:
            self.outputs = [self._stack[-1].get_output_at(-1)]  # no new nodes
        elif not self._stack:
            self.outputs = None
            self.built = self._input_layer is not None
        return layer

    def _connect(self) -> None:
        """Call the stack on the input's KerasTensor so every layer has shapes and a node."""
        tensor = self._input_layer._input_tensor
        self.inputs = [tensor]
        for layer in self._stack:
            tensor = layer(tensor)
            if isinstance(tensor, (list, tuple)) and len(tensor) != 1:
                raise ValueError("All layers in a Sequential model should have a single output "
                                 f"tensor. Layer {layer.name} returned {len(tensor)}.")
        self.outputs = [tensor]
        self.built = True
        self._build_input_shape = self._input_layer.batch_shape

    def _connect_last(self) -> None:
        """Call the newly added layer on the stack's current symbolic output."""
        layer = self._stack[-1]
        tensor = layer(self.outputs[0])
        if isinstance(tensor, (list, tuple)) and len(tensor) != 1:
            raise ValueError("All layers in a Sequential model should have a single output "
                             f"tensor. Layer {layer.name} returned {len(tensor)}.")
        self.outputs = [tensor]

    @property
    def input_names(self) -> list:
        return [self._input_layer.name] if self._input_layer is not None else []

    @property
    def output_names(self) -> list:
        return [self._stack[-1].name] if self._stack else []

    @property
    def input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        return Layer.input_shape.fget(self)

    @property
    def output_shape(self):
        if self.outputs:
            return tuple(self.outputs[0].shape.as_list())
        return Layer.output_shape.fget(self)

    @property
    def input(self):
        return self.inputs[0] if self.inputs else Layer.input.fget(self)

    @property
    def output(self):
        return self.outputs[0] if self.outputs else Layer.output.fget(self)

    def build(self, input_shape=None) -> None:
        """Build the stack for `input_shape` (batch dimension included)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("You must provide an `input_shape` argument.")
            input_shape = self._input_layer.batch_shape
        if self._input_layer is None:
            shape = TensorShape(input_shape).as_list()
            self._input_layer = Input(batch_shape=tuple(shape), dtype=self.dtype)._keras_history[0]
            if self._stack:
                self._connect()
                return
        if not self._stack:
            self.built = True
            return
        if not self.built:
            _trace_call(self, input_shape)
        self.built = True

    def __call__(self, *args, **kwargs):
        if not self.built and self._input_layer is None and args:
            self._first_input_dtype = _input_dtype(args[0], self.dtype)
        return super().__call__(*args, **kwargs)

    def _maybe_build(self, input_shapes) -> None:
        if self.built:
            return
        shape = input_shapes
        if self._input_layer is None and isinstance(shape, TensorShape) and shape.rank:
            dims = shape.as_list()
            dtype = getattr(self, "_first_input_dtype", None) or self.dtype
            self._input_layer = Input(batch_shape=(None,) + tuple(dims[1:]),
                                      dtype=dtype)._keras_history[0]
            self._connect()
            return
        self.built = True

    def call(self, inputs, training=None, mask=None):
        outputs = inputs
        for layer in self._stack:
            kwargs = {}
            if layer._expects_training_arg and training is not None:
                kwargs["training"] = training
            outputs = layer(outputs, **kwargs)
        return outputs

    def _convert_inputs(self, inputs):
        if self._input_layer is not None and not isinstance(inputs, KerasTensor):
            import eagerflow as tf

            converted = Layer._convert_inputs(self, inputs)
            wanted = tf.as_dtype(self._input_layer.dtype)
            if hasattr(converted, "dtype") and converted.dtype != wanted and (
                    converted.dtype.is_floating or wanted.is_floating):
                converted = tf.cast(converted, wanted)
            return converted
        return Layer._convert_inputs(self, inputs)

    def get_config(self) -> dict:
        from eagerflow.keras.saving import serialize_keras_object

        layer_configs = []
        if self._input_layer is not None:
            layer_configs.append(serialize_keras_object(self._input_layer))
        layer_configs.extend(serialize_keras_object(layer) for layer in self._stack)
        config = {"name": self.name, "trainable": self.trainable, "layers": layer_configs}
        if self._build_input_shape is not None:
            shape = self._build_input_shape
            config["build_input_shape"] = list(TensorShape(shape).as_list()) if not isinstance(
                shape, (list, tuple)) or all(not isinstance(s, (list, tuple)) for s in shape) \
                else shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from eagerflow.keras.saving import deserialize_keras_object

        if isinstance(config, list):  # the oldest Keras layout: just the layer list
            config = {"layers": config}
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config.get("layers", []):
            layer = deserialize_keras_object(entry, custom_objects=custom_objects,
                                             printable_module_name="layer")
            model.add(layer)
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model

    def _trackable_children(self) -> dict:
        return layer_list_children(self)


def _input_dtype(value, float_dtype: str) -> str | None:
    """The dtype the first call's data has: strings and integers as they are, floats in the
    model's float type."""
    import numpy as np

    from eagerflow.core import nest

    leaves = nest.flatten(value)
    if len(leaves) != 1:
        return None
    dtype = getattr(leaves[0], "dtype", None)
    if dtype is None:
        dtype = np.asarray(leaves[0]).dtype
    name = getattr(dtype, "name", str(dtype))
    if name == "string" or getattr(dtype, "kind", None) in ("U", "S", "O"):
        return "string"
    if name.startswith(("int", "uint")):
        return name
    if name == "bool":
        return "bool"
    return float_dtype
