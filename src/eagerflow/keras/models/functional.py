"""Functional models: a graph of layer calls from `tf.keras.Input`s to outputs.

The graph is the `Node`s recorded when layers were called on KerasTensors. Calling the
model replays those nodes in topological order on real tensors (each through the layer's
`__call__`, so eager, traced and masked calls behave as for any layer). The config is
Keras 3's layout (layers with `inbound_nodes` of `__keras_tensor__` references) and
Keras 2 configs load too.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import nest
from eagerflow.keras.keras_tensor import KerasTensor
from eagerflow.keras.layers.input_layer import InputLayer
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.models.model import Model, layer_list_children
from eagerflow.keras.trainer import Trainer

__all__ = ["Functional"]


class Functional(Model):
    """A model defined by its inputs and outputs (`tf.keras.Model(inputs=..., outputs=...)`)."""

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True,
                 **kwargs) -> None:
        unknown = set(kwargs) - {"dtype", "dynamic", "autocast"}
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)[0]!r} "
                            "(functional Model)")
        Layer.__init__(self, name=name, trainable=trainable,
                       **{k: v for k, v in kwargs.items() if k in ("dtype", "dynamic")})
        Trainer.__init__(self)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs) -> None:
        if isinstance(inputs, dict):
            inputs = {key: inputs[key] for key in inputs}
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        self.inputs = nest.flatten(inputs)
        self.outputs = nest.flatten(outputs)
        for tensor in self.inputs:
            if not isinstance(tensor, KerasTensor) or not isinstance(
                    tensor._keras_history[0], InputLayer):
                raise ValueError("All `inputs` of a functional model must come from "
                                 "`tf.keras.Input`. Received: "
                                 f"{tensor!r} (missing previous layer metadata).")
        for tensor in self.outputs:
            if not isinstance(tensor, KerasTensor) or tensor._keras_history is None:
                raise ValueError("Output tensors of a Functional model must be the output of "
                                 f"a TensorFlow `Layer` (thus holding past layer metadata). "
                                 f"Found: {tensor!r}")
        self._nodes_in_order, layers = _topological_order(self.inputs, self.outputs)
        self._functional_layers = layers
        for layer in layers:
            if all(layer is not known for known in self._tracked_layers):
                self._tracked_layers.append(layer)
        self.input_names = [tensor._keras_history[0].name for tensor in self.inputs]
        self.output_names = _output_names(self.outputs)
        self._input_index = {id(tensor): index for index, tensor in enumerate(self.inputs)}
        self.built = True
        self._build_input_shape = nest.map_structure(lambda t: t.shape, inputs)

    @property
    def layers(self) -> list:
        return list(self._functional_layers)

    @property
    def input(self):
        return self._nested_inputs if not isinstance(self._nested_inputs, (list, tuple)) or \
            len(self.inputs) > 1 else self.inputs[0]

    @property
    def output(self):
        return self._nested_outputs if not isinstance(self._nested_outputs, (list, tuple)) or \
            len(self.outputs) > 1 else self.outputs[0]

    @property
    def input_shape(self):
        shapes = [tuple(t.shape.as_list()) for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [tuple(t.shape.as_list()) for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_spec(self):
        return None

    @input_spec.setter
    def input_spec(self, value) -> None:
        pass

    def build(self, input_shape) -> None:
        self.built = True

    def call(self, inputs, training=None, mask=None):
        """Replay the recorded layer calls on `inputs` (structured like the model's inputs)."""
        values = {}
        flat_inputs = self._flatten_call_inputs(inputs)
        for tensor, value in zip(self.inputs, flat_inputs):
            values[id(tensor)] = _as_input_tensor(value, tensor.dtype)
        for node in self._nodes_in_order:
            args = _substitute(node.call_args, values)
            kwargs = _substitute(node.call_kwargs, values)
            if training is not None and node.layer._expects_training_arg and \
                    kwargs.get("training") is None:
                kwargs["training"] = training
            outputs = node.layer(*args, **kwargs)
            for tensor, value in zip(node.output_tensors, nest.flatten(outputs)):
                values[id(tensor)] = value
        return nest.pack_sequence_as(self._nested_outputs,
                                     [values[id(t)] for t in self.outputs])

    def _flatten_call_inputs(self, inputs) -> list:
        if isinstance(inputs, dict) and not isinstance(self._nested_inputs, dict):
            try:
                return [inputs[name] for name in self.input_names]
            except KeyError as exc:
                raise ValueError(f"Missing data for input {exc.args[0]!r}. You passed a data "
                                 f"dictionary with keys {sorted(inputs)}. Expected the "
                                 f"following keys: {self.input_names}") from None
        if isinstance(self._nested_inputs, dict) and isinstance(inputs, dict):
            return [inputs[key] for key in self._nested_inputs]
        flat = nest.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f'Layer "{self.name}" expects {len(self.inputs)} input(s), but it '
                             f"received {len(flat)} input tensors. Inputs received: "
                             f"{_describe(flat)}")
        return flat

    def _convert_inputs(self, inputs):
        return inputs

    # --- configuration ------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras 3's functional config: layers with inbound nodes, input and output layers."""
        from eagerflow.keras.saving import serialize_keras_object

        node_numbers = _node_numbers(self._nodes_in_order, self.inputs)
        layer_configs = []
        for layer in self.layers:
            entry = serialize_keras_object(layer)
            entry["name"] = layer.name
            inbound = []
            for node in layer._inbound_nodes:
                if id(node) not in node_numbers or node.is_input:
                    continue
                inbound.append({"args": _serialize_arguments(node.call_args, node_numbers),
                                "kwargs": _serialize_arguments(node.call_kwargs, node_numbers)})
            entry["inbound_nodes"] = inbound
            layer_configs.append(entry)

        def reference(tensor):
            layer, node_index, tensor_index = tensor._keras_history
            node = layer._inbound_nodes[node_index]
            return [layer.name, node_numbers.get(id(node), 0), tensor_index]

        inputs = nest.map_structure(reference, self._nested_inputs)
        outputs = nest.map_structure(reference, self._nested_outputs)
        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": inputs if isinstance(self._nested_inputs, (list, tuple, dict))
                else [inputs],
                "output_layers": outputs if isinstance(self._nested_outputs, (list, tuple,
                                                                              dict))
                else [outputs]}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuild the layers and replay their calls in the order the config lists them."""
        from eagerflow.keras.models.functional_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)

    def _trackable_children(self) -> dict:
        return layer_list_children(self)


def _as_input_tensor(value, dtype):
    """A model input as a tensor of the Input's dtype (NumPy float64 data becomes float32)."""
    from eagerflow.core.tensor import Tensor, convert_to_tensor
    from eagerflow.ops.math import cast

    if not isinstance(value, Tensor):
        array = np.asarray(value)
        if array.dtype.kind in "fiub" and array.dtype != dtype.as_numpy_dtype:
            array = array.astype(dtype.as_numpy_dtype)
        return convert_to_tensor(array)
    if value.dtype != dtype:
        return cast(value, dtype)
    return value


def _topological_order(inputs: list, outputs: list):
    """The nodes between inputs and outputs in an order where every node follows the ones it
    reads, and the layers in the order of their first node (inputs first)."""
    input_ids = {id(tensor) for tensor in inputs}
    order, state = [], {}

    def visit(node, path):
        key = id(node)
        if state.get(key) == "done":
            return
        if state.get(key) == "active":
            raise ValueError(f"The functional graph has a cycle through layer "
                             f"{node.layer.name}.")
        state[key] = "active"
        for tensor in node.input_tensors:
            if id(tensor) in input_ids:
                continue
            parent = tensor.node
            if parent is None or parent.is_input:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {tensor!r} at layer "
                    f'"{node.layer.name}". The following previous layers were accessed '
                    f"without issue: {[n.layer.name for n in order]}")
            visit(parent, path)
        state[key] = "done"
        order.append(node)

    for tensor in outputs:
        if id(tensor) in input_ids:
            continue
        visit(tensor.node, [])
    return order, _layers_by_depth(inputs, outputs)


def _layers_by_depth(inputs: list, outputs: list) -> list:
    """`model.layers` in tf.keras's order: deepest first (inputs), layers of equal depth in
    the order a depth-first walk from the outputs first meets them. Files written by TF list
    weights in this order, so it decides which saved weights go to which layer."""
    first_seen, post_order, finished = {}, [], set()
    stop = {id(tensor) for tensor in inputs}

    def walk(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in finished:
            return
        first_seen.setdefault(id(layer), (len(first_seen), layer))
        if id(tensor) not in stop:
            for parent in node.input_tensors:
                walk(parent)
        finished.add(id(node))
        post_order.append(node)

    for tensor in outputs:
        walk(tensor)
    for tensor in inputs:  # an input no output uses still belongs to the model
        first_seen.setdefault(id(tensor._keras_history[0]),
                              (len(first_seen), tensor._keras_history[0]))
    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):
        depth = node_depth.setdefault(id(node), 0)
        layer_depth[id(node.layer)] = max(depth, layer_depth.get(id(node.layer), 0))
        for parent in node.input_tensors:
            parent_node = parent.node
            node_depth[id(parent_node)] = max(depth + 1, node_depth.get(id(parent_node), 0))
    deepest = max(layer_depth.values(), default=0)
    for tensor in inputs:  # input layers sit below everything
        layer_depth.setdefault(id(tensor._keras_history[0]), deepest + 1)
    entries = sorted(first_seen.values(),
                     key=lambda item: (-layer_depth.get(id(item[1]), 0), item[0]))
    return [layer for _, layer in entries]


def _output_names(outputs: list) -> list:
    names, counts = [], {}
    for tensor in outputs:
        name = tensor._keras_history[0].name
        counts[name] = counts.get(name, 0) + 1
        names.append(name if counts[name] == 1 else f"{name}_{counts[name] - 1}")
    return names


def _substitute(structure, values: dict):
    def replace(value):
        if isinstance(value, KerasTensor):
            return values[id(value)]
        return value

    return nest.map_structure(replace, structure)


def _node_numbers(nodes: list, inputs: list) -> dict:
    """Node index of every node in the model, counted among its layer's nodes in the model."""
    numbers, per_layer = {}, {}
    all_nodes = [tensor.node for tensor in inputs] + list(nodes)
    for node in all_nodes:
        if id(node) in numbers:
            continue
        count = per_layer.get(id(node.layer), 0)
        numbers[id(node)] = count
        per_layer[id(node.layer)] = count + 1
    return numbers


def _serialize_arguments(structure, node_numbers: dict):
    def convert(value):
        if isinstance(value, KerasTensor):
            layer, node_index, tensor_index = value._keras_history
            node = layer._inbound_nodes[node_index]
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": value.shape.as_list() if value.shape.rank is not None
                               else None,
                               "dtype": value.dtype.name,
                               "keras_history": [layer.name, node_numbers.get(id(node), 0),
                                                 tensor_index]}}
        if hasattr(value, "numpy"):
            return value.numpy().tolist()
        return value

    if isinstance(structure, tuple):
        return [_serialize_arguments(item, node_numbers) for item in structure]
    if isinstance(structure, list):
        return [_serialize_arguments(item, node_numbers) for item in structure]
    if isinstance(structure, dict):
        return {key: _serialize_arguments(item, node_numbers) for key, item in structure.items()}
    return convert(structure)


def _describe(values: list) -> str:
    return ", ".join(f"<shape={tuple(getattr(v, 'shape', ()))}>" for v in values)

