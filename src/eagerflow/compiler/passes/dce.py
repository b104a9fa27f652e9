"""Dead-code elimination: drop nodes whose outputs no output or side effect needs."""

from __future__ import annotations

from eagerflow.graph.ir import PLACEHOLDER, Graph

__all__ = ["eliminate_dead_code"]


def eliminate_dead_code(graph: Graph) -> Graph:
    """Keep placeholders, side-effect nodes and everything they or the outputs depend on."""
    live = {id(v) for v in graph.outputs if v is not None}
    kept = []
    for node in reversed(graph.nodes):
        if (node.op is PLACEHOLDER or node.op.side_effect
                or any(id(out) in live for out in node.outputs)):
            kept.append(node)
            live.update(id(v) for v in node.inputs)
    kept.reverse()
    graph.nodes = kept
    return graph
