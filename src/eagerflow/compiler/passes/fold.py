"""Constant folding: a node whose inputs are all constants runs at compile time.

Only non-stateful nodes fold, and only when each result has at most MAX_ELEMENTS elements (a
folded constant is held by the compiled function for its lifetime). A kernel that fails, or
that signals a floating-point problem, is left in the graph, so the error or warning happens
at run time, as it does eagerly.
"""

from __future__ import annotations

import numpy as np

from eagerflow.compiler.passes.simplify import (
    constant_array,
    hides_state,
    resolve_inputs,
    resolve_outputs,
)
from eagerflow.graph.ir import CONSTANT, Graph, Node, SourceOp, SymbolicTensor

__all__ = ["fold_constants", "MAX_ELEMENTS"]

MAX_ELEMENTS = 65536


def _static_size(value) -> int | None:
    shape = value._shape
    if shape is None or None in shape:
        return None
    return int(np.prod(shape, dtype=np.int64))


def _fits(array, value) -> bool:
    """The folded array is what the static spec promised (and small enough to keep)."""
    if not isinstance(array, (np.ndarray, np.generic)) or np.size(array) > MAX_ELEMENTS:
        return False
    if array.dtype != value._dtype._numpy:
        return False
    shape = value._shape
    return shape is None or (len(shape) == np.ndim(array) and all(
        d is None or d == s for d, s in zip(shape, np.shape(array))))


def _evaluate(node):
    """The node's results on its constant inputs, or None when folding must not happen."""
    arrays = [constant_array(v) for v in node.inputs]
    if any(a is None for a in arrays):
        return None
    for out in node.outputs:
        size = _static_size(out)
        if size is not None and size > MAX_ELEMENTS:
            return None
    try:
        with np.errstate(all="raise"):  # overflow, division by zero...: leave it to run time
            result = node.op.impl(*arrays, **node.attrs)
    except Exception:
        return None
    results = tuple(result) if node.op.multiple_results else (result,)
    if len(results) != len(node.outputs):
        return None
    if not all(_fits(r, out) for r, out in zip(results, node.outputs)):
        return None
    return results


def fold_constants(graph: Graph) -> Graph:
    """Turn every foldable node into constants (in place for single-output nodes)."""
    mapping: dict = {}
    nodes = []
    for node in graph.nodes:
        resolve_inputs(node, mapping)
        nodes.append(node)
        op = node.op
        if (isinstance(op, SourceOp) or op.stateful or op.side_effect or op.random
                or not node.outputs or hides_state(node)):
            continue
        results = _evaluate(node)
        if results is None:
            continue
        if len(node.outputs) == 1:  # the node becomes the constant; its output value stays
            node.op, node.inputs, node.attrs, node.value = CONSTANT, [], {}, results[0]
            continue
        nodes.pop()
        for out, array in zip(node.outputs, results):
            constant = Node(CONSTANT, [], {}, node.location)
            constant.value = array
            constant.outputs = [SymbolicTensor(constant, 0, out.spec, graph)]
            mapping[id(out)] = constant.outputs[0]
            nodes.append(constant)
    graph.nodes = nodes
    resolve_outputs(graph, mapping)
    return graph
