"""Buffer reuse: an elementwise ufunc node writes its result into a dead input (`out=x`).

The input must be a value this graph computed into a fresh array (a ufunc's or a fused node's
result), not read by any later node, read before only by nodes that keep no reference to it
(ufunc nodes: so no view of it and no variable holding it exists), not a graph output, and of
the output's exact static shape and dtype. Placeholders, constants, variable reads and the
results of view-making ops (reshape, transpose, identity, ...) belong to someone else or may
alias and are never written.
"""

from __future__ import annotations

from eagerflow.compiler.passes.fuse import fits_into, gives_dtype, ufunc_of, value_users
from eagerflow.graph.ir import Graph, SourceOp

__all__ = ["reuse_buffers", "InPlaceOp"]


class InPlaceOp:
    """A ufunc node writing into input `position`; `impl` is the op's own kernel."""

    elementwise = True
    commutative = stateful = side_effect = random = multiple_results = same_dtype = False
    fresh_output = True
    grad = None
    dtypes = None

    def __init__(self, op, ufunc, quiet: bool, position: int) -> None:
        self.op = op
        self.ufunc = ufunc
        self.quiet = quiet
        self.position = position
        self.impl = op.impl
        self.name = f"{op.name}[out={position}]"
        self.kernel_name = op.name

    def __repr__(self) -> str:
        return f"<InPlaceOp {self.name}>"

    def shape_rule(self, *specs):
        return self.op.shape_rule(*specs)

    def emit(self, node, args: list, outs: list, emitter) -> list:
        function = emitter.bind(f"{self.ufunc.__name__}_", self.ufunc)
        where = f"  # {node.location}" if node.location else ""
        line = f"{outs[0]} = {function}({', '.join(args)}, out={args[self.position]}){where}"
        if self.quiet:
            return ["with np.errstate(all='ignore'):", "    " + line]
        return [line]


def _ufunc_node(node):
    """(ufunc, quiet) for a single-output elementwise node computed by a ufunc, else None."""
    op = node.op
    if (isinstance(op, SourceOp) or not op.elementwise or op.stateful or op.multiple_results
            or len(node.outputs) != 1 or node.attrs):
        return None
    form = ufunc_of(op)
    if form is None or form[0].nin != len(node.inputs) or form[0].nout != 1:
        return None
    if not gives_dtype(form[0], node.inputs, (), node.outputs[0]):
        return None
    return form


def _fresh(value) -> bool:
    """The value is an array its producer allocated (never a view, an input or a constant)."""
    node = value.node
    if getattr(node.op, "fresh_output", False):
        return True
    return _ufunc_node(node) is not None


def _keeps_no_reference(node) -> bool:
    """Reading a value in this node leaves no alias of it behind (fresh results only)."""
    return getattr(node.op, "fresh_output", False) or _ufunc_node(node) is not None


def reuse_buffers(graph: Graph) -> Graph:
    """Mark ufunc nodes that can write into a dead input (run last: it relies on use counts)."""
    users = value_users(graph)
    outputs = {id(v) for v in graph.outputs if v is not None}
    for node in graph.nodes:
        form = _ufunc_node(node)
        if form is None:
            continue
        out = node.outputs[0]
        if out._dtype._numpy.kind == "O":
            continue
        for position, x in enumerate(node.inputs):
            readers = users.get(id(x), ())
            if id(x) in outputs or not readers or readers[-1] is not node or not _fresh(x):
                continue  # users are listed in program order: this node must be the last
            if not all(r is node or _keeps_no_reference(r) for r in readers):
                continue
            others = [v._shape for v in node.inputs if v is not x]
            if x._dtype == out._dtype and x._shape == out._shape and fits_into(x._shape, others):
                node.op = InPlaceOp(node.op, form[0], form[1], position)
                break
    return graph
