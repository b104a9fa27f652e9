"""Common-subexpression elimination: merge nodes that compute the same value.

Two nodes merge when they apply the same op to the same input values (sorted for commutative
ops) with equal attrs; small constants merge when dtype, shape and bytes are equal. Stateful,
side-effect and random nodes (placeholders, assigns, RNG draws) never merge. Reads of one
variable merge only while no node that may write state runs between them: a read after an
assign is a different value.
"""

from __future__ import annotations

import numpy as np

from eagerflow.compiler.passes.simplify import (
    hides_state,
    resolve_inputs,
    resolve_outputs,
    same_spec,
)
from eagerflow.graph.ir import CONSTANT, PLACEHOLDER, Graph, read_variable_p

__all__ = ["eliminate_common_subexpressions", "MAX_CONSTANT_SIZE"]

MAX_CONSTANT_SIZE = 1024  # constants are compared by bytes up to this many elements


def _frozen(value):
    """A hashable key for an attr value that tells 1, 1.0 and True apart."""
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind == "O":
            return ("id", id(value))
        return ("array", type(value), value.dtype.str, np.shape(value), value.tobytes())
    if isinstance(value, (float, complex)):
        return (type(value), repr(value))  # tells 0.0 from -0.0
    hash(value)  # TypeError for unhashable values: the node is left alone
    return (type(value), value)


def _constant_key(value):
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind == "O" or np.size(value) > MAX_CONSTANT_SIZE:
            return None
        array = np.ascontiguousarray(value)
        return ("constant", type(value), value.dtype.str, array.shape, array.tobytes())
    return ("object", id(value))  # a variable handle or another object: the same object only


def _may_write_state(op) -> bool:
    """Conservatively: any stateful op but reads, placeholders and pure random draws."""
    if op.side_effect:
        return True
    return op.stateful and op is not read_variable_p and op is not PLACEHOLDER and not op.random


def _key(node):
    op = node.op
    if op is CONSTANT:
        return _constant_key(node.value)
    if op is read_variable_p:
        return ("read", id(node.inputs[0]), tuple(sorted(node.attrs.items())))
    if op.stateful or op.side_effect or op.random or not node.outputs or hides_state(node):
        return None
    inputs = [id(v) for v in node.inputs]
    if op.commutative:
        inputs.sort()
    try:
        attrs = tuple(sorted((k, _frozen(v)) for k, v in node.attrs.items()))
        hash(attrs)
    except TypeError:
        return None
    return (id(op), tuple(inputs), attrs)


def eliminate_common_subexpressions(graph: Graph) -> Graph:
    """Replace each repeated computation by its first occurrence (the repeat is left for DCE)."""
    mapping: dict = {}
    first: dict = {}
    for node in graph.nodes:
        resolve_inputs(node, mapping)
        if _may_write_state(node.op):
            first = {k: v for k, v in first.items() if k[0] != "read"}
        key = _key(node)
        if key is None:
            continue
        earlier = first.setdefault(key, node)
        if earlier is node or len(earlier.outputs) != len(node.outputs):
            continue
        if all(same_spec(a, b) for a, b in zip(earlier.outputs, node.outputs)):
            for old, new in zip(node.outputs, earlier.outputs):
                mapping[id(old)] = new
    resolve_outputs(graph, mapping)
    return graph
