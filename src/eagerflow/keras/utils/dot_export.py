"""`keras.utils.model_to_dot`: a model's layer graph as Graphviz DOT source, with Keras's
record labels (`name|Class`, activation, dtype, shapes, trainable). No pydot needed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eagerflow.keras.utils.io_utils import write_text_atomically
from eagerflow.keras.utils.model_graph import GraphNode, ModelGraph, PlotOptions, build_model_graph

__all__ = ["DotEdge", "DotGraph", "DotNode", "model_to_dot"]


def _record_text(text: str) -> str:
    """Text inside a Graphviz record label: structure characters escaped."""
    for char in "\\{}|<>\"":
        text = text.replace(char, "\\" + char)
    return text


def _dot_label(node: GraphNode, options: PlotOptions) -> str:
    """Keras's record label: name|class, then activation, dtype, shapes, trainable."""
    if node.whole_model:
        return _record_text(node.name)
    label = _record_text(node.class_name)
    if node.activation is not None:
        label = f"{{{label}|{_record_text(node.activation)}}}"
    if options.show_layer_names:
        label = f"{_record_text(node.name)}|{label}"
    if node.dtype is not None:
        label = f"{label}|{_record_text(node.dtype)}"
    if node.input_shape is not None:
        label = (f"{{{label}}}|{{input:|output:}}|{{{{{_record_text(node.input_shape)}}}|"
                 f"{{{_record_text(node.output_shape or '?')}}}}}")
    if node.trainable is not None:
        label = f"{'T' if node.trainable else 'NT'}|{label}"
    return label


@dataclass(frozen=True)
class DotNode:
    name: str
    label: str

    def get_name(self) -> str:
        return self.name

    def get_label(self) -> str:
        return self.label


@dataclass(frozen=True)
class DotEdge:
    source: str
    destination: str

    def get_source(self) -> str:
        return self.source

    def get_destination(self) -> str:
        return self.destination


class DotGraph:
    """DOT source of a model plot, with the parts of `pydot.Dot` that callers use."""

    def __init__(self, graph: ModelGraph, options: PlotOptions, rankdir: str, dpi: float,
                 subgraph: bool = False) -> None:
        self.name = graph.name
        self.rankdir = rankdir
        self.dpi = dpi
        self.subgraph = subgraph
        self._nodes = [DotNode(node.key, _dot_label(node, options)) for node in graph.nodes]
        self._edges = [DotEdge(graph.nodes[s].key, graph.nodes[t].key) for s, t in graph.edges]
        self._clusters = [(c.name, [graph.nodes[i].key for i in c.members])
                          for c in graph.clusters]

    def get_nodes(self) -> list[DotNode]:
        return list(self._nodes)

    def get_edges(self) -> list[DotEdge]:
        return list(self._edges)

    def to_string(self) -> str:
        """The graph in the DOT language (what `dot` would read)."""
        def quote(text: str) -> str:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

        if self.subgraph:
            lines = [f"subgraph {quote('cluster_' + self.name)} {{", "style=dashed;",
                     f"label={quote(self.name)};", "labeljust=l;"]
        else:
            lines = ["digraph G {", "concentrate=True;", f"dpi={self.dpi};",
                     f"rankdir={self.rankdir};", "node [shape=record];"]
        clustered = {key for _, keys in self._clusters for key in keys}
        for name, keys in self._clusters:
            lines.append(f"subgraph {quote('cluster_' + name)} {{")
            lines += ["style=dashed;", f"label={quote(name)};", "labeljust=l;"]
            lines += [f"{quote(n.name)} [label=\"{n.label}\"];" for n in self._nodes
                      if n.name in keys]
            lines.append("}")
        lines += [f"{quote(n.name)} [label=\"{n.label}\"];" for n in self._nodes
                  if n.name not in clustered]
        lines += [f"{quote(e.source)} -> {quote(e.destination)};" for e in self._edges]
        lines.append("}")
        return "\n".join(lines) + "\n"

    __str__ = to_string

    def write(self, path: str | os.PathLike) -> None:
        """Write the DOT source to `path`."""
        write_text_atomically(os.fspath(path), self.to_string())


def model_to_dot(model: Any, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB",
                 expand_nested: bool = False, dpi: float = 96, subgraph: bool = False,
                 layer_range: Sequence[str] | None = None, show_layer_activations: bool = False,
                 show_trainable: bool = False) -> DotGraph:
    """Convert a Keras model to dot format (a `DotGraph`; `.to_string()` gives the source).

    Arguments are those of `plot_model`; `subgraph=True` gives a dashed cluster for nesting.

    Raises:
        ValueError: if the model is not built, or for a bad `rankdir` or `layer_range`.
    """
    from eagerflow.keras.utils.graph_layout import RANK_DIRECTIONS

    if rankdir not in RANK_DIRECTIONS:
        raise ValueError(f"rankdir must be one of {RANK_DIRECTIONS}. Received: rankdir={rankdir!r}")
    options = PlotOptions(show_shapes=show_shapes, show_dtype=show_dtype,
                          show_layer_names=show_layer_names, expand_nested=expand_nested,
                          show_layer_activations=show_layer_activations,
                          show_trainable=show_trainable)
    graph = build_model_graph(model, options, layer_range)
    return DotGraph(graph, options, rankdir, dpi, subgraph=subgraph)
