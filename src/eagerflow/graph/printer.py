"""A readable text form of a Graph, one line per node, with the user's source line."""

from __future__ import annotations

import numpy as np

from eagerflow.graph.ir import CONSTANT, PLACEHOLDER, Graph

__all__ = ["format_graph", "format_spec"]


def format_spec(value) -> str:
    dtype = value.dtype.name
    if value._shape is None:
        return f"{dtype}[?]"
    dims = ",".join("?" if d is None else str(d) for d in value._shape)
    return f"{dtype}[{dims}]"


def _name(value, names: dict) -> str:
    return names.get(id(value), "?")


def _attr_text(value) -> str:
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, Graph):
        return f"<graph {value.name}: {len(value.nodes)} nodes>"
    return repr(value)


def format_graph(graph: Graph, indent: str = "") -> str:
    names: dict = {}
    for index, value in enumerate(graph.inputs):
        names[id(value)] = f"%in{index}"
    lines = []
    header = ", ".join(f"{names[id(v)]}: {format_spec(v)}" for v in graph.inputs)
    lines.append(f"{indent}graph {graph.name}({header}) {{")
    counter = 0
    for node in graph.nodes:
        if node.op is PLACEHOLDER:
            continue
        outs = []
        for out in node.outputs:
            names[id(out)] = f"%{counter}"
            counter += 1
            outs.append(f"{names[id(out)]}: {format_spec(out)}")
        target = (", ".join(outs) + " = ") if outs else ""
        if node.op is CONSTANT:
            value = node.value
            if isinstance(value, np.ndarray) and value.size > 6:
                text = f"array(shape={value.shape}, dtype={value.dtype})"
            elif hasattr(value, "_variable_read"):
                text = f"variable {value.name!r}"
            elif isinstance(value, (np.ndarray, np.generic)):
                array = np.asarray(value)
                text = str(array[()]) if array.ndim == 0 else np.array2string(array,
                                                                              separator=", ")
            else:
                text = repr(value)
            lines.append(f"{indent}  {target}constant {text}")
            continue
        args = ", ".join(_name(v, names) for v in node.inputs)
        attrs = ", ".join(f"{k}={_attr_text(v)}" for k, v in node.attrs.items())
        attrs = f" {{{attrs}}}" if attrs else ""
        where = f"    # {node.location}" if node.location else ""
        lines.append(f"{indent}  {target}{node.op.name}({args}){attrs}{where}")
    outputs = ", ".join(_name(v, names) if v is not None else "None" for v in graph.outputs)
    lines.append(f"{indent}  return ({outputs})")
    lines.append(f"{indent}}}")
    return "\n".join(lines)
