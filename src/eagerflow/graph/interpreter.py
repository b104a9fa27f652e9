"""The reference interpreter: run a Graph node by node.

`replay` calls each op through `bind`, so it works in whatever context is
current: eagerly, under a tape (gradients of a function call), or inside
another trace. `run_arrays` calls the kernels on NumPy arrays and raises the
op's error with the user's source line: compiled code falls back to it to
explain a failure.
"""

from __future__ import annotations

from eagerflow.core.errors import OpError
from eagerflow.core.primitive import op_error
from eagerflow.core.tensor import make_constant
from eagerflow.graph.ir import CONSTANT, PLACEHOLDER, Graph, assign_variable_p, read_variable_p

__all__ = ["replay", "run_arrays", "evaluate_constant"]


def replay(graph: Graph, inputs: list) -> list:
    """Evaluate `graph.outputs` for `inputs` (tensors, or Variables for resource inputs)."""
    env: dict = {}
    for placeholder, value in zip(graph.inputs, inputs):
        env[id(placeholder)] = value
    for node in graph.nodes:
        op = node.op
        if op is PLACEHOLDER:
            continue
        if op is CONSTANT:
            value = node.value
            env[id(node.outputs[0])] = (value if hasattr(value, "_variable_read")
                                        else make_constant(value))
            continue
        args = [env[id(v)] for v in node.inputs]
        if op is read_variable_p:
            env[id(node.outputs[0])] = args[0]._variable_read()
            continue
        if op is assign_variable_p:
            args[0].assign(args[1])
            continue
        replay_op = getattr(op, "replay", None)  # control flow rebuilds itself from its graphs
        result = op.bind(*args, **node.attrs) if replay_op is None else replay_op(node, args)
        if op.multiple_results:
            for out, value in zip(node.outputs, result):
                env[id(out)] = value
        else:
            env[id(node.outputs[0])] = result
    return [env[id(v)] if v is not None else None for v in graph.outputs]


def run_arrays(graph: Graph, arrays: list) -> list:
    """Run the kernels on NumPy arrays; a failing op raises naming itself and the user line."""
    env: dict = {}
    for placeholder, value in zip(graph.inputs, arrays):
        env[id(placeholder)] = value
    for node in graph.nodes:
        op = node.op
        if op is PLACEHOLDER:
            continue
        if op is CONSTANT:
            env[id(node.outputs[0])] = node.value
            continue
        args = [env[id(v)] for v in node.inputs]
        try:
            result = op.impl(*args, **node.attrs)
        except OpError:
            raise
        except Exception as exc:
            error = op_error(op, exc, args)
            if node.location:
                error = type(error)(None, None, f"{error.message}\n  in user code: "
                                                f"{node.location}")
            raise error from None
        if op.multiple_results:
            for out, value in zip(node.outputs, result):
                env[id(out)] = value
        else:
            env[id(node.outputs[0])] = result
    return [env[id(v)] for v in graph.outputs]


def evaluate_constant(value) -> object:
    """The array of a symbolic value that depends on no graph input (variable initializers)."""
    graph = value.graph
    needed = {id(value.node)}
    for node in reversed(graph.nodes):
        if id(node) in needed:
            if node.op is PLACEHOLDER:
                raise ValueError(
                    "A tf.Variable created inside tf.function has an initial value that depends "
                    "on the function's inputs. Pass a callable or a value computed outside, or "
                    "create the variable outside the function.")
            needed.update(id(v.node) for v in node.inputs)
    env: dict = {}
    for node in graph.nodes:
        if id(node) not in needed:
            continue
        if node.op is CONSTANT:
            env[id(node.outputs[0])] = node.value
            continue
        args = [env[id(v)] for v in node.inputs]
        result = node.op.impl(*args, **node.attrs)
        outs = result if node.op.multiple_results else (result,)
        for out, r in zip(node.outputs, outs):
            env[id(out)] = r
    return env[id(value)]
