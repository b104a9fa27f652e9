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

    def __int__(self):
        self.__array__()  # raises: a symbolic tensor has no number to give

    __float__ = __index__ = __int__

    def __iter__(self):
        """Slices along the first axis, as iterating a TF KerasTensor does (static length)."""
        first = self.shape.as_list()[0] if self.shape.rank else None
        if first is None:
            raise TypeError(f"Cannot iterate over {self!r}: its first dimension is unknown (or "
                            "it is a scalar). Use tf.unstack with `num=` or a layer instead.")
        return iter([self[index] for index in range(first)])

    def __tf_tensor__(self, dtype=None, name=None):
        """convert_to_tensor's hook: inside a public tf.* op the KerasTensor passes through
        (the op then becomes a TFOpLambda layer); anywhere else it has no value to give."""
        from eagerflow.keras import tf_op_dispatch

        if not tf_op_dispatch.public_op_running():
            self.__array__()  # raises the TypeError that explains what to do
        wanted = dtypes_module.as_dtype(dtype) if dtype is not None else self.dtype
        if wanted != self.dtype:
            raise ValueError(f"Tensor conversion requested dtype {wanted.name} for KerasTensor "
                             f"with dtype {self.dtype.name}: {self!r}")
        return self

    # Operators on symbolic tensors build hidden TFOpLambda layers named by the TF op they
    # apply, as tf.keras does, so that models using them can be saved and loaded.
    def _op(self, path: str, *args, **kwargs):
        import sys

        from eagerflow.keras import tf_op_dispatch
        from eagerflow.keras.layers.tf_op_layer import TFOpLambda

        # Inside a public tf.* op being recorded as one layer, its steps are that layer.
        running = tf_op_dispatch.running_op_outputs(sys._getframe(2))
        if running is not None:
            return running
        return TFOpLambda(path)(*args, **kwargs)

    def _shape_tuple(self) -> tuple | None:
        return tuple(self.shape.as_list()) if self.shape.rank is not None else None

    def __add__(self, other):
        return self._op("__operators__.add", self, other, name=None)

    def __radd__(self, other):
        # tf.__operators__.add needs a tensor first when the file is read by tf_keras; a
        # constant array on the left is written as tf.math.add, which converts it.
        path = "__operators__.add" if isinstance(other, (int, float)) else "math.add"
        return self._op(path, other, self, name=None)

    def __sub__(self, other):
        return self._op("math.subtract", self, other, name=None)

    def __rsub__(self, other):
        return self._op("math.subtract", other, self, name=None)

    def __mul__(self, other):
        return self._op("math.multiply", self, other, name=None)

    def __rmul__(self, other):
        return self._op("math.multiply", other, self, name=None)

    def __truediv__(self, other):
        return self._op("math.truediv", self, other, name=None)

    def __rtruediv__(self, other):
        return self._op("math.truediv", other, self, name=None)

    def __floordiv__(self, other):
        return self._op("math.floordiv", self, other, name=None)

    def __rfloordiv__(self, other):
        return self._op("math.floordiv", other, self, name=None)

    def __mod__(self, other):
        return self._op("math.floormod", self, other, name=None)

    def __rmod__(self, other):
        return self._op("math.floormod", other, self, name=None)

    def __pow__(self, other):
        return self._op("math.pow", self, other, name=None)

    def __rpow__(self, other):
        return self._op("math.pow", other, self, name=None)

    def __matmul__(self, other):
        return self._op("linalg.matmul", self, other, name=None)

    def __rmatmul__(self, other):
        return self._op("linalg.matmul", other, self, name=None)

    def __lt__(self, other):
        return self._op("math.less", self, other, name=None)

    def __le__(self, other):
        return self._op("math.less_equal", self, other, name=None)

    def __gt__(self, other):
        return self._op("math.greater", self, other, name=None)

    def __ge__(self, other):
        return self._op("math.greater_equal", self, other, name=None)

    def __and__(self, other):
        return self._op("math.logical_and", self, other, name=None)

    def __rand__(self, other):
        return self._op("math.logical_and", other, self, name=None)

    def __or__(self, other):
        return self._op("math.logical_or", self, other, name=None)

    def __ror__(self, other):
        return self._op("math.logical_or", other, self, name=None)

    def __xor__(self, other):
        return self._op("math.logical_xor", self, other, name=None)

    def __rxor__(self, other):
        return self._op("math.logical_xor", other, self, name=None)

    def __invert__(self):
        return self._op("math.logical_not", self, name=None)

    def __neg__(self):
        return self._op("math.negative", self, name=None)

    def __abs__(self):
        return self._op("math.abs", self, name=None)

    def __getitem__(self, key):
        from eagerflow.keras.layers.tf_op_layer import SlicingOpLambda, encode_slice_spec

        return SlicingOpLambda()(self, slice_spec=encode_slice_spec(key))

    __hash__ = object.__hash__  # comparisons build layers; identity stays the hash


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


def _install_op_dispatch() -> None:
    from eagerflow.keras import tf_op_dispatch

    tf_op_dispatch.install(KerasTensor)


_install_op_dispatch()
