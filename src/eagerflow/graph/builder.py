"""The tracer context: while a GraphBuilder is current, every op adds a node.

`Primitive.bind` hands each op to the current builder (through the slot in
core/context.py). The builder captures eager tensors as constants, variables
by reference (a handle read at run time), and values of an enclosing graph as
inputs of this one (for cond/while_loop bodies).
"""

from __future__ import annotations

import os
import sys

from eagerflow.core import dtypes
from eagerflow.core.context import state
from eagerflow.core.errors import InaccessibleTensorError, InvalidArgumentError, OpError
from eagerflow.core.primitive import Spec
from eagerflow.core.tensor import EagerTensor
from eagerflow.graph.ir import Graph, SymbolicTensor, assign_variable_p, read_variable_p

__all__ = ["GraphBuilder", "user_location", "tracing", "init_scope"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_location() -> str | None:
    """'file:line' of the innermost frame outside eagerflow (the user's source line)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) or filename.endswith("demo.py"):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return None


class GraphBuilder:
    """Builds `graph` from the ops run while it is current.

    `outer` is the builder of the enclosing graph for sub-graphs (branches and
    loop bodies); their references to outer values become extra inputs listed in
    `captured` (outer value, inner placeholder).
    """

    def __init__(self, graph: Graph, outer: GraphBuilder | None = None,
                 on_variable_created=None, outer_tapes: tuple = ()) -> None:
        self.graph = graph
        self.outer = outer
        self.outer_tapes = outer_tapes    # tapes recording where this sub-graph is used
        self.no_hoist: set = set()        # ids of variables read through the handle inside
        self.hoisted: dict = {}           # id(variable) -> (variable, captured outer read)
        self.assigned: dict = {}          # id(variable) -> variable assigned in this graph
        self.captured: list = []          # (captured value, inner placeholder) for sub-graphs
        self._captures: dict = {}         # id(outer object) -> inner value
        self._keepalive: list = []        # objects whose id is a key above
        self.variable_handles: dict = {}  # id(variable) -> handle value in this graph
        self.on_variable_created = on_variable_created or (lambda variable: None)
        self.read_variables: dict = {}    # id(variable) -> variable, in first-read order

    # --- the builder interface used by core ---------------------------------------------
    def apply(self, prim, tensors, attrs: dict):
        inputs = [self.capture(t) for t in tensors]
        specs = [Spec(t._shape, t._dtype) for t in inputs]
        location = user_location()
        try:
            prim.check_dtypes([s.dtype for s in specs])
            result = prim.shape_rule(*specs, **attrs)
        except (OpError, ValueError, TypeError) as exc:
            raise _at_location(exc, prim.name, specs, location) from None
        out_specs = list(result) if prim.multiple_results else [result]
        node = self.graph.add_node(prim, inputs, attrs, out_specs, location)
        if prim.multiple_results:
            return tuple(node.outputs)
        return node.outputs[0]

    def constant(self, array) -> SymbolicTensor:
        return self.graph.constant(array)

    def read_variable(self, variable) -> SymbolicTensor:
        if self.outer is not None and id(variable) not in self.no_hoist:
            return self._hoisted_read(variable)
        self.read_variables.setdefault(id(variable), variable)
        handle = self.handle_of(variable)
        return self.apply(read_variable_p, [handle],
                          {"shape": variable.shape.as_tuple(), "dtype": variable.dtype._numpy})

    def _hoisted_read(self, variable) -> SymbolicTensor:
        """A sub-graph reads a variable it does not assign in the enclosing graph, so that
        tapes there see the read and gradients reach the variable."""
        entry = self.hoisted.get(id(variable))
        if entry is None:
            previous_builder = state.set_builder(self.outer)
            previous_tapes = state.set_tapes(self.outer_tapes)
            try:
                outer_value = variable._variable_read()
            finally:
                state.set_builder(previous_builder)
                state.set_tapes(previous_tapes)
            entry = (variable, self.capture(outer_value))
            self.hoisted[id(variable)] = entry
        return entry[1]

    def assign_variable(self, variable, value) -> None:
        self.assigned[id(variable)] = variable
        handle = self.handle_of(variable)
        self.apply(assign_variable_p, [handle, value], {})

    def lift_initial_value(self, initial_value):
        """A variable initializer run outside the graph: callables eagerly, symbolic values
        evaluated from constants."""
        from eagerflow.graph.interpreter import evaluate_constant

        if callable(initial_value):
            with init_scope():
                return initial_value()
        if isinstance(initial_value, SymbolicTensor):
            return evaluate_constant(initial_value)
        return initial_value

    # --- capturing ------------------------------------------------------------------------
    def handle_of(self, variable) -> SymbolicTensor:
        handle = self.variable_handles.get(id(variable))
        if handle is None:
            if self.outer is not None:
                outer_handle = self.outer.handle_of(variable)
                handle = self._capture_outer(outer_handle)
            else:
                handle = self.graph.constant(variable)
            self.variable_handles[id(variable)] = handle
            self._keepalive.append(variable)
        return handle

    def capture(self, value):
        if isinstance(value, SymbolicTensor):
            if value.graph is self.graph:
                return value
            return self._capture_outer(value)
        if isinstance(value, EagerTensor):
            inner = self._captures.get(id(value))
            if inner is None:
                inner = self.graph.constant(value._value)
                self._captures[id(value)] = inner
                self._keepalive.append(value)
            return inner
        raise TypeError(f"Cannot use {value!r} as a graph input")

    def _capture_outer(self, value: SymbolicTensor) -> SymbolicTensor:
        inner = self._captures.get(id(value))
        if inner is not None:
            return inner
        if self.outer is None:
            raise InaccessibleTensorError(
                f"The tensor {value.name} cannot be accessed from here, because it was defined "
                f"in another function or code block ({value.graph.name}). Return it from that "
                f"block, or use a tf.TensorArray to carry values out of a loop.")
        if value.graph is not self.outer.graph:
            self.outer.capture(value)  # the enclosing graphs capture it too, down to its own
        inner = self.graph.placeholder(Spec(value._shape, value._dtype), len(self.graph.inputs))
        # The value as the user's code holds it (not the enclosing graph's placeholder for it):
        # the node using this sub-graph takes it as an input, so tapes that watch it see it.
        self.captured.append((value, inner))
        self._captures[id(value)] = inner
        self._keepalive.append(value)
        return inner


def _at_location(exc: Exception, op: str, specs, location: str | None) -> Exception:
    shapes = ", ".join(
        ("<unknown>" if s.shape is None else str(list(s.shape))) + f" {s.dtype.name}"
        for s in specs)
    where = f"\n  in user code: {location}" if location else ""
    message = f"{exc}\n  while tracing op {op!r} with inputs [{shapes}]{where}"
    if isinstance(exc, OpError):
        return type(exc)(None, None, message)
    if isinstance(exc, (ValueError, TypeError)):
        return type(exc)(message)
    return InvalidArgumentError(None, None, message)


class tracing:
    """Context manager making `builder` current for the ops run inside it.

    Tapes recording outside a function trace are hidden inside it (they see the
    function's call as one op instead); sub-graph traces keep them.
    """

    def __init__(self, builder: GraphBuilder, keep_tapes: bool = False) -> None:
        self.builder = builder
        self.keep_tapes = keep_tapes
        self._previous = None
        self._tapes = None

    def __enter__(self) -> GraphBuilder:
        if not self.keep_tapes:
            self._tapes = state.set_tapes(())
        self._previous = state.set_builder(self.builder)
        return self.builder

    def __exit__(self, *exc_info) -> None:
        state.set_builder(self._previous)
        if not self.keep_tapes:
            state.set_tapes(self._tapes)


class init_scope:
    """Leave any trace and tape: ops inside run eagerly (`tf.init_scope`)."""

    def __enter__(self) -> None:
        self._tapes = state.set_tapes(())
        self._builder = state.set_builder(None)

    def __exit__(self, *exc_info) -> None:
        state.set_builder(self._builder)
        state.set_tapes(self._tapes)


def is_resource(value) -> bool:
    return getattr(value, "dtype", None) is dtypes.resource
