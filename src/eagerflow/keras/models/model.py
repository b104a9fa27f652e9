"""`tf.keras.Model`: a layer with training (compile/fit/evaluate/predict) and saving.

`Model(inputs, outputs)` makes a functional model; subclassing `Model` and writing `call`
makes a model whose structure is Python code.
"""

from __future__ import annotations

from eagerflow.core.shape import TensorShape
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.trainer import Trainer

__all__ = ["Model"]


def _is_functional_call(args: tuple, kwargs: dict) -> bool:
    return len(args) >= 2 or ("inputs" in kwargs and "outputs" in kwargs) or (
        len(args) == 1 and "outputs" in kwargs)


class Model(Trainer, Layer):
    """Groups layers into an object with training and inference features.

    >>> inputs = tf.keras.Input(shape=(3,))
    >>> outputs = tf.keras.layers.Dense(2)(inputs)
    >>> model = tf.keras.Model(inputs=inputs, outputs=outputs)
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from eagerflow.keras.models.functional import Functional

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs) -> None:
        from eagerflow.keras.models.functional import Functional

        if _is_functional_call(args, kwargs) and not isinstance(self, Functional):
            # A subclass calling super().__init__(inputs, outputs): it becomes functional.
            object.__setattr__(self, "__class__", type(type(self).__name__,
                                                      (type(self), Functional), {}))
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(f"Model.__init__ got unexpected positional arguments {args!r}; "
                            "pass inputs and outputs (functional API) or keyword arguments.")
        allowed = {"name", "trainable", "dtype", "dynamic", "autocast"}
        unknown = set(kwargs) - allowed - {"inputs", "outputs"}
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)[0]!r} (Model)")
        Layer.__init__(self, **{k: v for k, v in kwargs.items() if k in allowed})
        Trainer.__init__(self)

    def __setattr__(self, name: str, value) -> None:
        if "_tracked_layers" not in self.__dict__ and not name.startswith("__"):
            raise RuntimeError(f"It looks like you are subclassing `Model` and you forgot to "
                               f"call `super().__init__()`. Always start with this line "
                               f"(setting {name!r}).")
        Layer.__setattr__(self, name, value)

    @property
    def layers(self) -> list:
        """The model's direct sub-layers, in the order they were assigned."""
        return [layer for layer in self._flatten_layers(include_self=False, recursive=False)]

    @property
    def weights(self) -> list:
        """Each layer's weights together, layer by layer, then the model's own (tf.keras's
        order: `get_weights()` of a TF model fits `set_weights()` here)."""
        from eagerflow.keras.layers.layer import _unique

        collected = []
        for layer in self.layers:
            collected.extend(layer.weights)
        collected.extend(self._own_trainable() + self._own_non_trainable())
        return _unique(collected)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A sub-layer by name or by index in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def reset_states(self) -> None:
        """Reset the state of every stateful layer (stateful RNNs), as between sequences."""
        for layer in self._flatten_layers(include_self=False):
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    def call(self, inputs, training=None, mask=None):
        raise NotImplementedError(
            f"Model {type(self).__name__} has no `call` method. When subclassing `Model`, "
            "define `call(self, inputs, training=None)` with the forward pass.")

    def build(self, input_shape) -> None:
        """Create the weights by running `call` once on symbolic inputs of `input_shape`."""
        if type(self).call is Model.call:
            raise ValueError("You cannot build your model by calling `build` if your layers "
                             "do not support float type inputs. Define `call` first.")
        if input_shape is None:
            raise ValueError("Input shape must be defined when calling `build()` on a "
                             "`Model` subclass.")
        _trace_call(self, input_shape)
        self._build_input_shape = input_shape
        self.built = True

    def _maybe_build(self, input_shapes) -> None:
        if type(self).build is Model.build:
            # The sub-layers build themselves during the call itself.
            self._build_input_shape = input_shapes
            self.built = True
            return
        Layer._maybe_build(self, input_shapes)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Print a table of the layers, their output shapes and parameter counts."""
        from eagerflow.keras.models.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable}
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from eagerflow.keras.models.functional import Functional

        if "layers" in config and "input_layers" in config:
            return Functional.from_config(config, custom_objects=custom_objects)
        try:
            return cls(**config)
        except TypeError as exc:
            raise TypeError(f"Unable to revive model {cls.__name__} from config: the "
                            f"subclass must implement get_config/from_config. ({exc})") from exc

    def to_json(self, **kwargs) -> str:
        """The model's architecture as Keras JSON (`tf.keras.models.model_from_json` reads it)."""
        from eagerflow.keras.saving import json_yaml

        return json_yaml.model_to_json(self, **kwargs)

    def to_yaml(self, **kwargs) -> str:
        """The model's architecture as YAML (safe: plain data only)."""
        from eagerflow.keras.saving import json_yaml

        return json_yaml.model_to_yaml(self, **kwargs)

    def _trackable_children(self) -> dict:
        children = Layer._trackable_children(self)
        children.pop("optimizer", None)
        if getattr(self, "optimizer", None) is not None:
            children["optimizer"] = self.optimizer
        return children


def layer_list_children(model: Model) -> dict:
    """Checkpoint children of a model made of a layer list (Sequential, functional), named as
    tf.keras names them: `layer_with_weights-N`, `layer-N` (model.layers order), `optimizer`."""
    children, with_weights = {}, 0
    for index, layer in enumerate(model.layers):
        if layer.weights:
            children[f"layer_with_weights-{with_weights}"] = layer
            with_weights += 1
        children[f"layer-{index}"] = layer
    if getattr(model, "optimizer", None) is not None:
        children["optimizer"] = model.optimizer
    return children


def _trace_call(model: Layer, input_shape) -> None:
    """Run `model` once on placeholders of `input_shape` in a scratch graph (builds weights)."""
    from eagerflow.core.primitive import Spec
    from eagerflow.graph.builder import GraphBuilder, tracing
    from eagerflow.graph.ir import Graph

    graph = Graph(f"{model.name}_build")
    builder = GraphBuilder(graph)

    def placeholder(shape):
        shape = TensorShape(shape)
        dims = tuple(shape.as_list()) if shape.rank is not None else None
        return graph.placeholder(Spec(dims, _as_dtype(model.dtype)), len(graph.inputs))

    if isinstance(input_shape, dict):
        inputs = {key: placeholder(value) for key, value in input_shape.items()}
    elif isinstance(input_shape, (list, tuple)) and input_shape and all(
            isinstance(s, (list, tuple, TensorShape)) for s in input_shape):
        inputs = [placeholder(s) for s in input_shape]
    else:
        inputs = placeholder(input_shape)
    with tracing(builder):
        model(inputs)
    model._clear_losses()


def _as_dtype(name):
    from eagerflow.core.dtypes import as_dtype

    return as_dtype(name)

