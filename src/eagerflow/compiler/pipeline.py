"""THE ordered pass list, and `optimize`, which runs it on a copy of a traced graph.

Order: simplify first (identities and no-op casts vanish, so CSE sees through them); CSE
(duplicate constants and ops merge, which gives folding fewer, shared nodes); fold (constant
subtrees become constants); simplify again (folding makes new 1s and 0s: x * (3 - 2)); CSE
again (folded constants that came out equal merge); DCE (everything replaced is dropped; the
last two passes count users, so they must see live nodes only); fuse (elementwise trees into
one in-place kernel); memory (the remaining ufunc nodes write into dead inputs).
"""

from __future__ import annotations

from eagerflow.compiler.passes.cse import eliminate_common_subexpressions
from eagerflow.compiler.passes.dce import eliminate_dead_code
from eagerflow.compiler.passes.fold import fold_constants
from eagerflow.compiler.passes.fuse import fuse
from eagerflow.compiler.passes.memory import reuse_buffers
from eagerflow.compiler.passes.simplify import simplify
from eagerflow.graph.ir import Graph, copy_graph

__all__ = ["PASSES", "optimize"]

PASSES = [
    simplify,
    eliminate_common_subexpressions,
    fold_constants,
    simplify,
    eliminate_common_subexpressions,
    eliminate_dead_code,
    fuse,
    reuse_buffers,
]


def optimize(graph: Graph, passes=None) -> Graph:
    """Run the passes on a copy of `graph` (the traced original stays as it was)."""
    optimized = copy_graph(graph)
    for run in PASSES if passes is None else passes:
        optimized = run(optimized)
    return optimized
