"""Symbolic tensors of the functional API (`tf.keras.Input`) and the nodes that connect layers.

A KerasTensor has a shape and a dtype but no value. Calling a layer on KerasTensors records a
`Node` (layer, the call's arguments, its outputs) instead of computing; a functional Model
replays those nodes on real tensors. Each output remembers where it came from in
`_keras_history = (layer, node_index, tensor_index)`.
"""

from __future__ import annotations

from eagerflow.core import dtypes as dtypes_module
from eagerflow.core import nest
from eagerflow.core.shape import TensorShape

__all__ = ["KerasTensor", "Node", "keras_tensors_in"]


class KerasTensor:
    """The output of a layer in a model being defined: shape (batch dim first), dtype, name."""

    def __init__(self, shape, dtype="float32", name: str | None = None) -> None:
        self.shape = TensorShape(shape)
        self.dtype = dtypes_module.as_dtype(dtype)
        self.name = name
        self._keras_history = None

    @property
    def ndim(self) -> int | None:
        return self.shape.rank

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def node(self) -> Node | None:
        if self._keras_history is None:
            return None
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name else ""
        shape = self.shape.as_list() if self.shape.rank is not None else None
        return f"<KerasTensor: shape={shape}, dtype={self.dtype.name}{name}>"

    def __bool__(self) -> bool:
        raise TypeError("A KerasTensor is symbolic: it has no value to test. Inside a model "
                        "definition use a layer (or tf.cond inside a layer's call) instead.")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"You are passing {self!r}, an intermediate Keras symbolic "
                        "input/output, to a function that needs a value (for example a NumPy "
                        "call). Wrap the computation in a layer (a Lambda layer or a subclass).")

    # Operators on symbolic tensors build hidden layers, as tf.keras does (TFOpLambda).
    def _operator(self, function, *others):
        from eagerflow.keras.layers.core import OperatorLayer

        return OperatorLayer(function)([self, *others])

    def __add__(self, other):
        return self._operator(lambda a, b: a + b, other)

    def __radd__(self, other):
        return self._operator(lambda a, b: b + a, other)

    def __sub__(self, other):
        return self._operator(lambda a, b: a - b, other)

    def __rsub__(self, other):
        return self._operator(lambda a, b: b - a, other)

    def __mul__(self, other):
        return self._operator(lambda a, b: a * b, other)

    def __rmul__(self, other):
        return self._operator(lambda a, b: b * a, other)

    def __truediv__(self, other):
        return self._operator(lambda a, b: a / b, other)

    def __rtruediv__(self, other):
        return self._operator(lambda a, b: b / a, other)

    def __matmul__(self, other):
        return self._operator(lambda a, b: a @ b, other)

    def __pow__(self, other):
        return self._operator(lambda a, b: a ** b, other)

    def __neg__(self):
        return self._operator(lambda a: -a)

    def __abs__(self):
        return self._operator(abs)

    def __getitem__(self, key):
        return self._operator(lambda a: a[key])


class Node:
    """One call of `layer` in a functional model: its arguments (KerasTensors among other
    values) and the KerasTensors it produced."""

    def __init__(self, layer, call_args: tuple, call_kwargs: dict, outputs) -> None:
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = keras_tensors_in((call_args, call_kwargs))
        self.output_tensors = nest.flatten(outputs)
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for index, tensor in enumerate(self.output_tensors):
            tensor._keras_history = (layer, node_index, index)

    @property
    def inbound_layers(self) -> list:
        """The layers whose outputs this call takes (empty for an InputLayer)."""
        return [tensor._keras_history[0] for tensor in self.input_tensors]

    @property
    def parent_nodes(self) -> list:
        return [tensor.node for tensor in self.input_tensors]

    @property
    def is_input(self) -> bool:
        return not self.input_tensors

    def __repr__(self) -> str:
        return f"<Node of {self.layer.name}: {len(self.input_tensors)} inputs>"


def keras_tensors_in(structure) -> list:
    """The KerasTensors inside a nested structure of call arguments, in order."""
    return [value for value in nest.flatten(structure) if isinstance(value, KerasTensor)]
