"""The flat graph IR: a Graph is a list of Nodes in program order.

A Node applies one op (a Primitive, or one of the source ops below) to input
values and yields SymbolicTensors with a static Spec. Sub-graphs (cond and
while_loop bodies) are Graphs held in a node's attrs.
"""

from __future__ import annotations

import itertools

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import OperatorNotAllowedInGraphError
from eagerflow.core.primitive import Primitive, Spec, primitive
from eagerflow.core.tensor import Tensor

__all__ = ["Graph", "Node", "SymbolicTensor", "SourceOp", "PLACEHOLDER", "CONSTANT",
           "read_variable_p", "assign_variable_p"]


class SourceOp:
    """An op with no kernel: graph inputs and constants. Has the traits passes read."""

    elementwise = commutative = random = multiple_results = side_effect = False
    grad = None

    def __init__(self, name: str, stateful: bool) -> None:
        self.name = name
        self.stateful = stateful

    def __repr__(self) -> str:
        return f"<SourceOp {self.name}>"


PLACEHOLDER = SourceOp("placeholder", stateful=True)
CONSTANT = SourceOp("constant", stateful=False)


# Variables: a handle (a constant holding the Variable, or a placeholder) is read and
# assigned by stateful primitives, so compiled code sees the storage at run time.
read_variable_p = primitive(
    "read_variable", impl=lambda handle, shape, dtype: handle._value,
    shape_rule=lambda handle, shape, dtype: Spec(shape, dtypes.from_numpy(dtype)),
    grad=None, same_dtype=False, stateful=True)


def _assign_impl(handle, value):
    handle._value = value
    return ()


assign_variable_p = primitive(
    "assign_variable", impl=_assign_impl, shape_rule=lambda handle, value: (),
    grad=None, same_dtype=False, side_effect=True, multiple_results=True)

_node_ids = itertools.count()


class Node:
    """One op application. `value` holds a constant's array; `location` the user's line."""

    __slots__ = ("op", "inputs", "attrs", "outputs", "value", "location", "id")

    def __init__(self, op, inputs: list, attrs: dict, location: str | None = None) -> None:
        self.op = op
        self.inputs = inputs
        self.attrs = attrs
        self.outputs: list = []
        self.value = None
        self.location = location
        self.id = next(_node_ids)

    def __repr__(self) -> str:
        return f"<Node {self.op.name} #{self.id}>"


class SymbolicTensor(Tensor):
    """A value of a graph under construction: a node's output with a static shape and dtype."""

    __slots__ = ("node", "index", "_shape", "_dtype", "graph", "_keras_mask", "__weakref__")

    def __init__(self, node: Node, index: int, spec: Spec, graph: Graph) -> None:
        self.node = node
        self.index = index
        self._shape = None if spec.shape is None else tuple(spec.shape)
        self._dtype = spec.dtype
        self.graph = graph

    def _shape_tuple(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self) -> str:
        return f"{self.node.op.name}_{self.node.id}:{self.index}"

    @property
    def op(self) -> Node:
        return self.node

    @property
    def spec(self) -> Spec:
        return Spec(self._shape, self._dtype)

    def set_shape(self, shape) -> None:
        from eagerflow.core.shape import TensorShape

        merged = TensorShape._from_tuple(self._shape).merge_with(shape)
        self._shape = merged.as_tuple()

    def numpy(self):
        raise NotImplementedError(
            "Cannot convert a symbolic tf.Tensor to a numpy array: it has no value while "
            "tf.function is tracing. Return it from the function, or use tf.print to see it.")

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(
            f"Cannot convert a symbolic tf.Tensor ({self.name}) to a numpy array. This error "
            "may indicate that you're trying to pass a Tensor to a NumPy call, which is not "
            "supported inside tf.function.")

    def __iter__(self):
        if self._shape is None or not self._shape or self._shape[0] is None:
            raise OperatorNotAllowedInGraphError(
                "Iterating over a symbolic tf.Tensor whose first dimension is unknown is not "
                "allowed outside a loop AutoGraph converts. Use `for i in tf.range(n)` in a "
                "tf.function, tf.unstack, or give the first dimension a static size.")
        return super().__iter__()

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self.shape} dtype={self._dtype.name}>"

    __str__ = __repr__


class Graph:
    """A traced function body: nodes in program order, its inputs and its outputs."""

    def __init__(self, name: str = "graph") -> None:
        self.name = name
        self.nodes: list[Node] = []
        self.inputs: list[SymbolicTensor] = []
        self.outputs: list = []          # flat list of output values (SymbolicTensors)

    def add_node(self, op, inputs: list, attrs: dict, specs: list, location=None) -> Node:
        node = Node(op, inputs, attrs, location)
        node.outputs = [SymbolicTensor(node, i, spec, self) for i, spec in enumerate(specs)]
        self.nodes.append(node)
        return node

    def constant(self, value) -> SymbolicTensor:
        if isinstance(value, (np.ndarray, np.generic)):
            spec = Spec(np.shape(value), dtypes.from_numpy(np.asarray(value).dtype))
        else:  # a Variable (handle) or another Python object bound at run time
            spec = Spec((), dtypes.resource)
        node = self.add_node(CONSTANT, [], {}, [spec])
        node.value = value
        return node.outputs[0]

    def placeholder(self, spec: Spec, index: int) -> SymbolicTensor:
        node = self.add_node(PLACEHOLDER, [], {"index": index}, [spec])
        value = node.outputs[0]
        self.inputs.append(value)
        return value

    def __str__(self) -> str:
        from eagerflow.graph.printer import format_graph

        return format_graph(self)

    def __repr__(self) -> str:
        return f"<Graph {self.name}: {len(self.nodes)} nodes>"


def is_primitive(op) -> bool:
    return isinstance(op, Primitive)


def copy_graph(graph: Graph) -> Graph:
    """A deep copy of the node list (new Nodes and values; attrs and constants shared), so that
    passes can rewrite it in place while the traced original stays intact."""
    new = Graph(graph.name)
    mapping: dict = {}
    for node in graph.nodes:
        clone = Node(node.op, [mapping.get(id(v), v) for v in node.inputs], dict(node.attrs),
                     node.location)
        clone.value = node.value
        clone.outputs = [SymbolicTensor(clone, i, out.spec, new) for i, out in
                         enumerate(node.outputs)]
        for old, fresh in zip(node.outputs, clone.outputs):
            mapping[id(old)] = fresh
        new.nodes.append(clone)
    new.inputs = [mapping[id(v)] for v in graph.inputs]
    new.outputs = [None if v is None else mapping.get(id(v), v) for v in graph.outputs]
    return new
