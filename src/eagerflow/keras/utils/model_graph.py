"""The layer graph `plot_model` draws: one node per layer with its label fields, one edge per
pair of connected layers, read from the functional-API graph (`Node`s and `_keras_history`).

Only duck-typed attributes are used (`layers`, `outputs`, `_inbound_nodes`, `inbound_layers`,
`input_tensors`), so the module imports nothing from the model classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from eagerflow.core import nest

__all__ = ["GraphNode", "ModelGraph", "PlotOptions", "build_model_graph"]


@dataclass(frozen=True)
class PlotOptions:
    """What a layer's box shows (the `show_*` flags of `plot_model`)."""

    show_shapes: bool = False
    show_dtype: bool = False
    show_layer_names: bool = True
    expand_nested: bool = False
    show_layer_activations: bool = False
    show_trainable: bool = False


@dataclass
class GraphNode:
    """One box: the layer it stands for and the text fields Keras puts in its label."""

    key: str
    layer: Any
    name: str
    class_name: str
    activation: str | None = None
    dtype: str | None = None
    input_shape: str | None = None
    output_shape: str | None = None
    trainable: bool | None = None
    whole_model: bool = False  # a model without a layer graph, drawn as one box of its name

    def title(self, options: PlotOptions) -> str:
        """'name (ClassName)', or just the class when layer names are hidden."""
        if options.show_layer_names:
            return f"{self.name} ({self.class_name})"
        return self.class_name

    def detail_rows(self) -> list[str]:
        """The optional rows under the title, in the order Keras stacks them."""
        rows = []
        if self.activation is not None:
            rows.append(f"activation: {self.activation}")
        if self.dtype is not None:
            rows.append(f"dtype: {self.dtype}")
        if self.input_shape is not None:
            rows.append(f"input: {self.input_shape}")
        if self.output_shape is not None:
            rows.append(f"output: {self.output_shape}")
        if self.trainable is not None:
            rows.append("trainable: " + ("T" if self.trainable else "NT"))
        return rows


@dataclass
class Cluster:
    """The boxes of a nested model drawn expanded (`expand_nested=True`)."""

    name: str
    members: list[int] = field(default_factory=list)


@dataclass
class ModelGraph:
    """Boxes and arrows of a model: `edges` are (source, destination) indices into `nodes`."""

    name: str
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    _edge_set: set = field(default_factory=set, repr=False)

    def add_edge(self, source: int, destination: int) -> None:
        """Add an arrow once (a layer called twice on the same input still gets one)."""
        if source != destination and (source, destination) not in self._edge_set:
            self._edge_set.add((source, destination))
            self.edges.append((source, destination))


def build_model_graph(model: Any, options: PlotOptions = PlotOptions(),
                      layer_range: list[str] | tuple[str, str] | None = None) -> ModelGraph:
    """The graph of `model`'s layers as `plot_model` draws it.

    A model without a layer graph (a subclassed model) is a single box named after the model.

    Raises:
        ValueError: the model is not built, or `layer_range` is malformed or matches no layer.
    """
    if not getattr(model, "built", True):
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    graph = ModelGraph(name=getattr(model, "name", type(model).__name__))
    _add_model(graph, model, options, layer_range, prefix="")
    return graph


# -- reading the model --------------------------------------------------------------------------

def _safe(obj: Any, attribute: str, default: Any = None) -> Any:
    """An attribute that may be a property raising for an unconnected or unbuilt layer."""
    try:
        return getattr(obj, attribute)
    except (AttributeError, ValueError, RuntimeError, TypeError):
        return default


def _is_sequential(model: Any) -> bool:
    return any(cls.__name__ == "Sequential" for cls in type(model).__mro__)


def _is_wrapper(layer: Any) -> bool:
    """A layer wrapping another (`Bidirectional`, `TimeDistributed`): labelled with both."""
    inner = getattr(layer, "layer", None)
    return inner is not None and hasattr(inner, "name") and any(
        cls.__name__ in ("Wrapper", "Bidirectional", "TimeDistributed")
        for cls in type(layer).__mro__)


def _network_structure(model: Any) -> tuple[list, set | None, bool] | None:
    """(layers in drawing order, ids of the model's nodes or None if unknown, chain flag).

    None when the model has no layer graph to draw. The node ids keep a layer shared with
    another model from bringing that model's connections along.
    """
    if _safe(model, "_is_graph_network") is False:
        return None
    layers = list(_safe(model, "layers", None) or [])
    outputs = [t for t in nest.flatten(_safe(model, "outputs", None) or [])
               if getattr(t, "_keras_history", None) is not None]
    if outputs:
        node_ids, reached = _walk_back(outputs)
        known = {id(layer) for layer in layers}
        inputs = [t._keras_history[0] for t in nest.flatten(_safe(model, "inputs", None) or [])
                  if getattr(t, "_keras_history", None) is not None]
        extra = []  # input layers `model.layers` leaves out (tf_keras Sequential does)
        for layer in inputs + reached:
            if id(layer) not in known:
                known.add(id(layer))
                extra.append(layer)
        return extra + layers, node_ids, False
    if _is_sequential(model) and layers:
        return layers, None, True
    if _safe(model, "_is_graph_network") and layers:
        return layers, None, False
    return None


def _walk_back(outputs: list) -> tuple[set, list]:
    """Ids of the nodes that lead to `outputs`, and the layers met (iteratively, no recursion)."""
    node_ids: set = set()
    layers: list = []
    layer_ids: set = set()
    stack = [t._keras_history for t in outputs]
    while stack:
        layer, node_index, _ = stack.pop()
        node = layer._inbound_nodes[node_index]
        if id(node) in node_ids:
            continue
        node_ids.add(id(node))
        if id(layer) not in layer_ids:
            layer_ids.add(id(layer))
            layers.append(layer)
        for tensor in reversed(nest.flatten(getattr(node, "input_tensors", []) or [])):
            history = getattr(tensor, "_keras_history", None)
            if history is not None and history[0]._inbound_nodes[history[1]] is not node:
                stack.append(history)
    return node_ids, layers


def _layer_index_bounds(layers: list, layer_range) -> tuple[int, int]:
    """[start, stop) indices of `layers` covered by `layer_range` (two names or regexes)."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(f"layer_range must be of shape (2,). Received: layer_range = "
                         f"{layer_range} of length {len(layer_range)}")
    if not all(isinstance(item, str) for item in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}; layer names: {[la.name for la in layers]}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _format_shape(shape: Any) -> str:
    """'(None, 10)' for one shape, '[(None, 10), (None, 5)]' for several, as Keras prints."""
    if shape is None:
        return "?"
    if hasattr(shape, "as_list"):
        return "?" if getattr(shape, "rank", 0) is None else str(tuple(shape.as_list()))
    if isinstance(shape, list | tuple) and any(isinstance(s, list | tuple) or
                                               hasattr(s, "as_list") for s in shape):
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    return str(tuple(shape))


def _activation_name(layer: Any) -> str | None:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    for attribute in ("name", "__name__"):
        name = getattr(activation, attribute, None)
        if isinstance(name, str):
            return name
    return str(activation)


def _graph_node(layer: Any, key: str, options: PlotOptions) -> GraphNode:
    name, class_name = layer.name, type(layer).__name__
    if _is_wrapper(layer):
        name = f"{name}({layer.layer.name})"
        class_name = f"{class_name}({type(layer.layer).__name__})"
    node = GraphNode(key=key, layer=layer, name=name, class_name=class_name)
    if options.show_layer_activations:
        node.activation = _activation_name(layer)
    if options.show_dtype:
        dtype = _safe(layer, "dtype")
        node.dtype = "?" if dtype is None else str(getattr(dtype, "name", dtype))
    if options.show_shapes:
        output_shape = _safe(layer, "output_shape")
        input_shape = _safe(layer, "input_shape")
        if input_shape is None or input_shape == []:  # an InputLayer reads nothing
            input_shape = output_shape
        node.input_shape = _format_shape(input_shape)
        node.output_shape = _format_shape(output_shape)
    if options.show_trainable:
        node.trainable = bool(_safe(layer, "trainable", True))
    return node


# -- building the graph -------------------------------------------------------------------------

def _add_model(graph: ModelGraph, model: Any, options: PlotOptions, layer_range,
               prefix: str) -> tuple[int, int]:
    """Add `model`'s boxes and arrows to `graph`; return the indices of its first/last box."""
    structure = _network_structure(model)
    if structure is None:
        graph.nodes.append(GraphNode(key=prefix + str(id(model)), layer=model,
                                     name=model.name, class_name=type(model).__name__,
                                     whole_model=True))
        return len(graph.nodes) - 1, len(graph.nodes) - 1
    layers, node_ids, chain = structure
    start, stop = _layer_index_bounds(layers, layer_range)
    # index of each drawn layer: (box receiving its inputs, box giving its outputs)
    ends: dict[int, tuple[int, int]] = {}
    for layer in layers[start:stop]:
        nested = options.expand_nested and prefix.count("/") < 32 and \
            _network_structure(layer) is not None and hasattr(layer, "layers")
        if nested:
            cluster = Cluster(name=layer.name)
            first = len(graph.nodes)
            ends[id(layer)] = _add_model(graph, layer, options, None,
                                         prefix=f"{prefix}{id(layer)}/")
            cluster.members = list(range(first, len(graph.nodes)))
            graph.clusters.append(cluster)
        else:
            graph.nodes.append(_graph_node(layer, prefix + str(id(layer)), options))
            ends[id(layer)] = (len(graph.nodes) - 1, len(graph.nodes) - 1)
    drawn = layers[start:stop]
    if chain:
        for before, after in zip(drawn, drawn[1:]):
            graph.add_edge(ends[id(before)][1], ends[id(after)][0])
    else:
        for layer in drawn:
            for node in getattr(layer, "_inbound_nodes", []):
                inbound = nest.flatten(node.inbound_layers)
                if node_ids is not None and id(node) not in node_ids:
                    continue  # a call of a shared layer in another model
                if node_ids is None and not all(id(source) in ends for source in inbound):
                    continue
                for source in inbound:
                    if id(source) in ends:
                        graph.add_edge(ends[id(source)][1], ends[id(layer)][0])
    if not ends:
        return len(graph.nodes) - 1, len(graph.nodes) - 1
    return ends[id(drawn[0])][0], ends[id(drawn[-1])][1]
