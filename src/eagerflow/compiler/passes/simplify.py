"""Algebraic simplification: x*1, x+0, x-0, x/1, identity, -(-x), no-op casts, transpose and
reshape chains.

A rule replaces a node's output by a value that already exists only when that value has exactly
the same static dtype and shape, so consumers and graph outputs see the same spec. The replaced
node is left dead for DCE. `rewire` (shared with cse and fold) resolves replaced values.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core.primitive import REGISTRY
from eagerflow.graph.ir import CONSTANT, PLACEHOLDER, Graph

__all__ = ["simplify", "resolve_inputs", "resolve_outputs"]


def resolve(value, mapping: dict):
    """`value` after following the replacements in `mapping` (id(old) -> new)."""
    while value is not None and id(value) in mapping:
        value = mapping[id(value)]
    return value


def resolve_inputs(node, mapping: dict) -> None:
    """Point the node's inputs at replacement values (passes sweep in program order, so every
    replacement of an input is known when its user is reached)."""
    if mapping and any(id(v) in mapping for v in node.inputs):
        node.inputs = [resolve(v, mapping) for v in node.inputs]


def resolve_outputs(graph: Graph, mapping: dict) -> None:
    if mapping:
        graph.outputs = [resolve(v, mapping) for v in graph.outputs]


def hides_state(node) -> bool:
    """The node holds sub-graphs (cond/while bodies) with a stateful op inside: it must not
    be merged or folded even if its own op is not marked stateful."""
    stack = [v for v in node.attrs.values() if isinstance(v, Graph)]
    while stack:
        graph = stack.pop()
        for inner in graph.nodes:
            if inner.op is not PLACEHOLDER and (inner.op.stateful or inner.op.side_effect):
                return True
            stack.extend(v for v in inner.attrs.values() if isinstance(v, Graph))
    return False


def same_spec(a, b) -> bool:
    return a._shape == b._shape and a._dtype == b._dtype


def constant_array(value):
    """The NumPy value of a constant graph value, or None."""
    node = value.node
    if node.op is CONSTANT and isinstance(node.value, (np.ndarray, np.generic)):
        return node.value
    return None


def _neutral(const, x, target) -> bool:
    """`const` equals `target` everywhere and broadcasting it against `x` cannot grow `x`.

    Complex 1 is not neutral: (inf+0j) * (1+0j) is inf+nanj. Real 0 is neutral up to the sign
    of zero (-0.0 + 0.0 is +0.0), which, like TF's optimizer, x + 0 -> x ignores.
    """
    array = constant_array(const)
    if array is None or array.dtype != x._dtype._numpy or array.dtype.kind in "OcV":
        return False
    shape = np.shape(array)
    if shape:
        if x._shape is None or len(x._shape) < len(shape):
            return False
        for c, d in zip(reversed(shape), reversed(x._shape)):
            if c != 1 and c != d:
                return False
    return bool(np.all(array == target))


def _ops() -> dict:
    names = ["identity", "cast", "negative", "add", "subtract", "multiply", "realdiv", "divide",
             "truediv", "reshape", "transpose"]
    return {name: REGISTRY.get(name) for name in names}


def _producer(value, op):
    node = value.node
    return node if op is not None and node.op is op else None


def _plain_perm(node):
    """A transpose's perm when it is a static tuple and no other attr (conjugate=True) is set."""
    perm = node.attrs.get("perm")
    if not isinstance(perm, tuple) or any(v for k, v in node.attrs.items() if k != "perm"):
        return None
    return perm


def _simplified(node, ops: dict):
    """The existing value the node's (single) output equals, or None. May rewrite `node` in
    place (composed transposes, collapsed reshapes)."""
    op = node.op
    inputs = node.inputs
    if op is ops["identity"]:
        return inputs[0]
    if op is ops["cast"]:
        x = inputs[0]
        return x if node.attrs.get("dtype") == x._dtype._numpy else None
    if op is ops["negative"]:
        inner = _producer(inputs[0], op)
        return inner.inputs[0] if inner is not None else None
    if len(inputs) == 2:
        x, y = inputs
        if op is ops["add"]:
            return x if _neutral(y, x, 0) else y if _neutral(x, y, 0) else None
        if op is ops["multiply"]:
            return x if _neutral(y, x, 1) else y if _neutral(x, y, 1) else None
        if op is ops["subtract"]:
            return x if _neutral(y, x, 0) else None
        if op is not None and op in (ops["realdiv"], ops["divide"], ops["truediv"]):
            return x if _neutral(y, x, 1) else None
    if op is ops["reshape"]:
        inner = _producer(inputs[0], op)
        if inner is not None:  # reshape(reshape(x, a), b) == reshape(x, b)
            node.inputs = [inner.inputs[0]]
        x = node.inputs[0]
        if x._shape is not None and None not in x._shape:
            return x  # same static shape: checked by same_spec below
        return None
    if op is ops["transpose"]:
        perm = _plain_perm(node)
        if perm is None:
            return None
        inner = _producer(inputs[0], op)
        inner_perm = _plain_perm(inner) if inner is not None else None
        if isinstance(inner_perm, tuple) and len(inner_perm) == len(perm):
            perm = tuple(inner_perm[p] for p in perm)  # y = x.T(p1).T(p2): y_i = x_{p1[p2[i]]}
            node.inputs = [inner.inputs[0]]
            node.attrs = {**node.attrs, "perm": perm}
        return node.inputs[0] if perm == tuple(range(len(perm))) else None
    return None


def simplify(graph: Graph) -> Graph:
    """Apply the algebraic identities in one program-order sweep."""
    ops = _ops()
    mapping: dict = {}
    for node in graph.nodes:
        resolve_inputs(node, mapping)
        if len(node.outputs) != 1 or not node.inputs or node.op.stateful:
            continue
        if not any(node.op is op for op in ops.values() if op is not None):
            continue
        out = node.outputs[0]
        value = _simplified(node, ops)
        if value is not None and value is not out and same_spec(value, out):
            mapping[id(out)] = value
    resolve_outputs(graph, mapping)
    return graph
