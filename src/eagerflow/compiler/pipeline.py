"""THE ordered pass list, and `optimize`, which runs it on a copy of a traced graph."""

from __future__ import annotations

from eagerflow.compiler.passes.dce import eliminate_dead_code
from eagerflow.graph.ir import Graph, copy_graph

__all__ = ["PASSES", "optimize"]

PASSES = [
    eliminate_dead_code,
]


def optimize(graph: Graph, passes=None) -> Graph:
    """Run the passes on a copy of `graph` (the traced original stays as it was)."""
    optimized = copy_graph(graph)
    for run in PASSES if passes is None else passes:
        optimized = run(optimized)
    return optimized
