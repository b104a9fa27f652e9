"""Code generation: an optimized Graph becomes Python source calling the kernels directly.

Constants, kernels and variable handles are bound once as globals of the
generated module; the body does no dtype checks, no wrapping and no tape
bookkeeping. Variable reads and writes are plain attribute accesses on the
handle, so the code sees every assignment made between calls.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from eagerflow.graph.ir import CONSTANT, PLACEHOLDER, Graph, assign_variable_p, read_variable_p

__all__ = ["generate_source", "compile_graph"]


def _is_literal(value) -> bool:
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, tuple):
        return all(_is_literal(v) for v in value)
    return False


class _Emitter:
    def __init__(self) -> None:
        self.globals: dict = {"np": np}
        self.names: dict = {}
        self._by_object: dict = {}

    def subgraph(self, graph: Graph) -> str:
        """The global name of a sub-graph (branch, loop body) compiled to its own function."""
        key = ("graph", id(graph))
        name = self._by_object.get(key)
        if name is None:
            from eagerflow.compiler.pipeline import optimize

            name = f"sub_{graph.name}_{len(self.globals)}"
            self.globals[name] = compile_graph(optimize(graph), graph.name)
            self._by_object[key] = name
            self.globals.setdefault("_subgraphs", []).append(graph)
        return name

    def bind(self, prefix: str, obj) -> str:
        key = (prefix, id(obj))
        name = self._by_object.get(key)
        if name is None:
            name = f"{prefix}{len(self.globals)}"
            self.globals[name] = obj
            self._by_object[key] = name
        return name


def _kernel_name(emitter: _Emitter, node) -> tuple[str, str]:
    """The callable's global name and the keyword text for the node's attrs."""
    op = node.op
    base = getattr(op, "kernel_name", None) or op.name
    attrs = node.attrs
    if not attrs:
        return emitter.bind(f"{base}_", op.impl), ""
    if all(_is_literal(v) for v in attrs.values()):
        text = ", ".join(f"{k}={v!r}" for k, v in attrs.items())
        return emitter.bind(f"{base}_", op.impl), text
    bound = functools.partial(op.impl, **attrs)
    name = f"{base}_{len(emitter.globals)}"
    emitter.globals[name] = bound
    return name, ""


def generate_source(graph: Graph, name: str = "compiled") -> tuple[str, dict]:
    """Python source of a function computing `graph.outputs` from `graph.inputs`."""
    emitter = _Emitter()
    names = emitter.names
    params = []
    for index, value in enumerate(graph.inputs):
        names[id(value)] = f"a{index}"
        params.append(f"a{index}")
    lines = [f"def {name}({', '.join(params)}):"]
    counter = 0
    for node in graph.nodes:
        op = node.op
        if op is PLACEHOLDER:
            continue
        if op is CONSTANT:
            value = node.value
            prefix = "var" if hasattr(value, "_variable_read") else "const"
            names[id(node.outputs[0])] = emitter.bind(prefix, value)
            continue
        args = [names[id(v)] for v in node.inputs]
        outs = []
        for out in node.outputs:
            names[id(out)] = f"t{counter}"
            outs.append(f"t{counter}")
            counter += 1
        comment = f"  # {node.location}" if node.location else ""
        if op is read_variable_p:
            lines.append(f"    {outs[0]} = {args[0]}._value{comment}")
            continue
        if op is assign_variable_p:
            value = args[1]
            if node.inputs[1].node.op is PLACEHOLDER:  # the caller's array: never alias it
                value = f"np.array({value}, copy=True)"
            lines.append(f"    {args[0]}._value = {value}{comment}")
            continue
        emit = getattr(op, "emit", None)
        if emit is not None:  # ops that generate their own code (control flow, fusions)
            lines.extend("    " + line for line in emit(node, args, outs, emitter))
            continue
        kernel, keywords = _kernel_name(emitter, node)
        call_args = ", ".join(args + ([keywords] if keywords else []))
        if op.multiple_results:
            target = (", ".join(outs) + ("," if len(outs) == 1 else "") + " = ") if outs else ""
        else:
            target = f"{outs[0]} = "
        lines.append(f"    {target}{kernel}({call_args}){comment}")
    results = [names[id(v)] if v is not None else "None" for v in graph.outputs]
    lines.append(f"    return ({', '.join(results)}{',' if len(results) == 1 else ''})")
    return "\n".join(lines) + "\n", emitter.globals


def compile_graph(graph: Graph, name: str = "compiled"):
    """Generate and compile the graph; the function has `.python_source`."""
    source, namespace = generate_source(graph, name)
    code = compile(source, f"<eagerflow compiled {graph.name}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source, never user data
    function = namespace[name]
    function.python_source = source
    return function
