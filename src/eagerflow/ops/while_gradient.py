"""Gradients of traced `tf.while_loop`s from saved intermediates (TF's stacks, functionally).

When a tape watches a loop's inputs, the body's vector-Jacobian product is traced once into a
joint graph and split in two: the part that needs no cotangent runs in the forward loop, which
pushes the values the other part reads (the residuals) onto a stack each iteration; the
gradient is one sweep node that walks the stack newest first running only the cotangent part.
Nothing of the forward body is recomputed. The stack is an immutable linked list of frames
(push is O(1), and a replayed graph never sees another run's frames). Loops that no tape
records save nothing. A sweep that must itself be differentiated (gradients of gradients) is
differentiated through the replaying gradient of ops/control_flow.py, which it equals.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.context import state
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import Tensor
from eagerflow.graph.interpreter import replay, run_arrays
from eagerflow.graph.ir import CONSTANT, PLACEHOLDER, Graph, Node, SymbolicTensor

__all__: list = []  # internal: used by ops.control_flow

STACK_SPEC = Spec((), dtypes.resource)


# --- the stack of saved iterations ------------------------------------------------------------
class _Frame:
    """One iteration's residuals on top of the frames of the iterations before it."""

    __slots__ = ("values", "below")

    def __init__(self, values: tuple, below) -> None:
        self.values = values
        self.below = below

    def __repr__(self) -> str:
        return f"<while-loop stack frame of {len(self.values)} values>"


def _unwrap(stack):
    """Eager dispatch hands the stack over as a 0-d object array; compiled code as itself."""
    if type(stack) is np.ndarray:
        return stack.item()
    return stack


def _push_impl(stack, *values):
    return _Frame(values, _unwrap(stack))


stack_new_p = primitive("while_stack_new", impl=lambda: None,
                        shape_rule=lambda: STACK_SPEC, same_dtype=False, stateful=True)
stack_push_p = primitive("while_stack_push", impl=_push_impl,
                         shape_rule=lambda stack, *values: STACK_SPEC, same_dtype=False)


# --- the plan: forward and backward halves of the body's VJP --------------------------------
class GradientPlan:
    """What a saving loop's gradient needs: the backward half of the body's VJP, the
    residual specs the stack frames hold, and the stack-free forward body (for the
    recomputing gradient used when a gradient must itself be differentiated)."""

    def __init__(self, backward_graph: Graph, residual_specs: tuple, float_vars: list,
                 float_captures: list, forward_graph: Graph, cond_graph: Graph) -> None:
        self.backward_graph = backward_graph
        self.residual_specs = residual_specs
        self.float_vars = float_vars
        self.float_captures = float_captures
        self.forward_graph = forward_graph
        self.cond_graph = cond_graph
        self._pruned: dict = {}

    def backward_for(self, wanted: tuple) -> Graph:
        """The backward half computing only the loop variables' cotangents and the gradients
        of the `wanted` (slot, capture) pairs (the rest is dead code, dropped when compiled)."""
        graph = self._pruned.get(wanted)
        if graph is None:
            full = self.backward_graph
            n_float = len(self.float_vars)
            graph = Graph(full.name)
            graph.nodes, graph.inputs = full.nodes, full.inputs
            graph.outputs = full.outputs[:n_float] + [full.outputs[n_float + slot]
                                                      for slot, _ in wanted]
            self._pruned[wanted] = graph
        return graph

    def __repr__(self) -> str:
        return (f"<GradientPlan {len(self.residual_specs)} residuals, backward "
                f"{len(self.backward_graph.nodes)} nodes>")


_FORWARD, _INVARIANT, _BACKWARD = "forward", "invariant", "backward"


def _extract(name: str, inputs: list, nodes: list, outputs: list) -> tuple[Graph, dict]:
    """A new graph of copies of `nodes`, with fresh placeholders for `inputs` (values of the
    source graph, or Specs for unused new inputs); returns it and the value mapping."""
    graph = Graph(name)
    mapping: dict = {}
    for value in inputs:
        spec = value if isinstance(value, Spec) else value.spec
        placeholder = graph.placeholder(spec, len(graph.inputs))
        if not isinstance(value, Spec):
            mapping[id(value)] = placeholder
    for node in nodes:
        if node.op is PLACEHOLDER:
            continue
        clone = Node(node.op, [mapping[id(v)] for v in node.inputs], dict(node.attrs),
                     node.location)
        clone.value = node.value
        clone.outputs = [SymbolicTensor(clone, i, out.spec, graph)
                         for i, out in enumerate(node.outputs)]
        for old, fresh in zip(node.outputs, clone.outputs):
            mapping[id(old)] = fresh
        graph.nodes.append(clone)
    graph.outputs = [None if v is None else mapping[id(v)] for v in outputs]
    return graph, mapping


def _classify(graph: Graph, kinds: dict) -> list:
    """The kind of each node: backward if it reads a cotangent; forward if it reads a
    loop variable or state; invariant (captures and constants only) otherwise."""
    result = []
    for node in graph.nodes:
        if node.op is PLACEHOLDER:
            continue
        if node.op is CONSTANT:
            kind = _INVARIANT
        else:
            seen = {kinds[id(v)] for v in node.inputs}
            if _BACKWARD in seen:
                kind = _BACKWARD
            elif _FORWARD in seen or node.op.stateful or node.op.side_effect:
                kind = _FORWARD
            else:
                kind = _INVARIANT
        for out in node.outputs:
            kinds[id(out)] = kind
        result.append((node, kind))
    return result


def gradient_wanted(values: list) -> bool:
    """True when a recording tape watches one of `values` (so it will record the loop)."""
    from eagerflow.ops.control_flow import _differentiable

    for tape in state.local.tapes:
        watched = tape._watched
        for value in values:
            if id(value) in watched and _differentiable(value):
                return True
    return False


def bind_saving_while(prim, inputs: list, cond_graph: Graph, body_graph: Graph, n_vars: int,
                      n_cond: int, maximum_iterations, out_specs: tuple):
    """Bind a while node whose body also pushes the residuals of its VJP onto a stack.

    Returns the loop's outputs for its `n_vars` variables, or None when no loop variable is
    differentiable (the caller binds the plain loop then).
    """
    from eagerflow.ops.control_flow import _differentiable

    body_captures = inputs[n_vars + n_cond:]
    float_vars = [i for i in range(n_vars) if _differentiable(body_graph.inputs[i])
                  and _differentiable(body_graph.outputs[i])]
    if not float_vars:
        return None
    plan_parts = _trace_body_vjp(body_graph, n_vars, body_captures, float_vars, out_specs)
    joint, joint_builder, float_captures = plan_parts
    n_body = len(body_graph.inputs)
    n_cots = len(float_vars)
    kinds: dict = {}
    for k, placeholder in enumerate(joint.inputs):
        kinds[id(placeholder)] = (_FORWARD if k < n_vars else
                                  _BACKWARD if n_body <= k < n_body + n_cots else _INVARIANT)
    classified = _classify(joint, kinds)
    outputs = joint.outputs
    new_values, grads = outputs[:n_vars], outputs[n_vars:]
    residuals, seen = [], set()
    used_by_backward = [v for node, kind in classified if kind is _BACKWARD for v in node.inputs]
    for value in used_by_backward + [v for v in grads if v is not None]:
        if kinds[id(value)] is _FORWARD and id(value) not in seen:
            seen.add(id(value))
            residuals.append(value)
    forward_nodes = [node for node, kind in classified if kind is not _BACKWARD]
    backward_nodes = [node for node, kind in classified if kind is not _FORWARD]
    state_inputs = joint.inputs[:n_vars]
    capture_inputs = joint.inputs[n_vars:n_body] + joint.inputs[n_body + n_cots:]
    cotangent_inputs = joint.inputs[n_body:n_body + n_cots]

    forward_graph, _ = _extract("while_body_forward", state_inputs + capture_inputs,
                                forward_nodes, new_values + residuals)
    saving_graph, mapping = _extract("while_body_saving",
                                     state_inputs + [STACK_SPEC] + capture_inputs,
                                     forward_nodes, new_values)
    stack_in = saving_graph.inputs[n_vars]
    push = saving_graph.add_node(stack_push_p, [stack_in] + [mapping[id(r)] for r in residuals],
                                 {}, [STACK_SPEC])
    saving_graph.outputs.append(push.outputs[0])
    backward_graph, _ = _extract("while_body_backward",
                                 residuals + cotangent_inputs + capture_inputs,
                                 backward_nodes, grads)
    saving_cond, _ = _extract("while_cond_saving",
                              cond_graph.inputs[:n_vars] + [STACK_SPEC]
                              + cond_graph.inputs[n_vars:], cond_graph.nodes, cond_graph.outputs)
    plan = GradientPlan(backward_graph, tuple(r.spec for r in residuals), float_vars,
                        float_captures, forward_graph, cond_graph)
    captures = list(body_captures) + [outer for outer, _ in joint_builder.captured]
    outputs = prim.bind(*inputs[:n_vars], stack_new_p.bind(), *inputs[n_vars:n_vars + n_cond],
                        *captures, cond_graph=saving_cond, body_graph=saving_graph,
                        n_vars=n_vars + 1, n_cond=n_cond, maximum_iterations=maximum_iterations,
                        out_specs=tuple(out_specs) + (STACK_SPEC,), plan=plan)
    return outputs[:n_vars]


def _trace_body_vjp(body_graph: Graph, n_vars: int, body_captures: list, float_vars: list,
                    out_specs: tuple):
    """Trace body + its VJP into one graph: inputs are the body's inputs, then one cotangent
    per float loop variable (then whatever the trace captured); outputs are the body's
    outputs, then the gradients of the float loop variables (never None) and of the float
    captures (None when unconnected). Returns (graph, builder, float capture positions)."""
    from eagerflow.autodiff.tape import GradientTape
    from eagerflow.ops.control_flow import _differentiable, _resolve_resource, _trace_subgraph
    from eagerflow.ops.control_flow import _zeros_like as zeros_like

    n_body = len(body_graph.inputs)
    variables = [None] * n_vars + [
        _resolve_resource(c) if c.dtype is dtypes.resource else None for c in body_captures]
    float_captures = [k for k in range(n_vars, n_body) if variables[k] is None
                      and _differentiable(body_graph.inputs[k])]
    specs = [p.spec for p in body_graph.inputs] + [out_specs[i] for i in float_vars]

    def joint(*placeholders):
        values = [placeholders[k] if variables[k] is None else variables[k]
                  for k in range(n_body)]
        cotangents = placeholders[n_body:]
        sources = [values[i] for i in float_vars] + [values[k] for k in float_captures]
        with GradientTape(watch_accessed_variables=False) as tape:
            for source in sources:
                tape.watch(source)
            outs = replay(body_graph, values)
        targets, seeds = [], []
        for slot, i in enumerate(float_vars):
            if isinstance(outs[i], Tensor) and _differentiable(outs[i]):
                targets.append(outs[i])
                seeds.append(cotangents[slot])
        grads = (tape.gradient(targets, sources, output_gradients=seeds) if targets
                 else [None] * len(sources))
        var_grads = []
        for slot, i in enumerate(float_vars):
            g = grads[slot]
            if g is None:  # unconnected: zeros shaped like this iteration's input, made from
                # the cotangent when the shape cannot change (so nothing is saved for it)
                spec = body_graph.inputs[i].spec
                same = (spec.dtype is not dtypes.variant and spec.shape is not None
                        and None not in spec.shape and spec.shape == out_specs[i].shape)
                g = zeros_like(cotangents[slot] if same else values[i])
            var_grads.append(g)
        return list(outs) + var_grads + list(grads[len(float_vars):])

    graph, builder, _, flat = _trace_subgraph(joint, specs, "while_body_vjp")
    graph.outputs = flat
    return graph, builder, [k - n_vars for k in float_captures]


# --- the gradient of a saving loop ------------------------------------------------------------
def saving_while_grad(g, outs, inputs: tuple, cond_graph: Graph, body_graph: Graph, n_vars: int,
                      n_cond: int, maximum_iterations, out_specs: tuple, plan: GradientPlan,
                      needed: tuple | None = None):
    """The loop's input gradients: one backward-sweep node over the saved stack."""
    from eagerflow.ops.control_flow import _zeros_like as zeros_like

    n_state = n_vars - 1
    float_vars = plan.float_vars
    # Only the captures a gradient is asked for accumulate (the rest of the backward graph
    # is dead code in the compiled sweep).
    wanted = tuple((slot, k) for slot, k in enumerate(plan.float_captures)
                   if needed is None or needed[n_vars + n_cond + k])
    captures = list(inputs[n_vars + n_cond:])
    cotangents = [g[i] if g[i] is not None else zeros_like(outs[i]) for i in float_vars]
    result_specs = tuple([out_specs[i] for i in float_vars]
                         + [_spec_of(captures[k]) for _, k in wanted])
    forward_inputs = [_as_input(x) for x in inputs[:n_state] + inputs[n_vars:]]
    result = sweep_p.bind(outs[n_state], *cotangents, *forward_inputs, plan=plan,
                          n_state=n_state, n_cond=n_cond, maximum_iterations=maximum_iterations,
                          out_specs=tuple(out_specs[:n_state]), wanted=wanted,
                          result_specs=result_specs)
    grads = [None] * len(inputs)
    for slot, i in enumerate(float_vars):
        grads[i] = result[slot]
    for position, (_, k) in enumerate(wanted):
        grads[n_vars + n_cond + k] = result[len(float_vars) + position]
    return tuple(grads)


def _spec_of(value) -> Spec:
    return Spec(value._shape_tuple(), value.dtype)


def _as_input(value):
    """A value a node can take: a Variable (from a replay) becomes its handle in the trace."""
    if hasattr(value, "_variable_read") and state.local.builder is not None:
        return state.local.builder.handle_of(value)
    return value


# The backward sweep as one node: its code walks the stack calling the compiled backward half.
def _sweep(step, n_float: int, n_skip: int, wanted: tuple, stack, *rest):
    """Pop every frame, newest first: cotangents = step(residuals, cotangents, captures), and
    sum the gradients of the `wanted` (slot, capture) pairs step also returns."""
    from eagerflow.ops.control_flow import _list_add_impl

    cotangents = list(rest[:n_float])
    captures = list(rest[n_float + n_skip:])
    sums: list = [None] * len(wanted)
    frame = _unwrap(stack)
    while frame is not None:
        out = step(*frame.values, *cotangents, *captures)
        cotangents = list(out[:n_float])
        for position in range(len(wanted)):
            grad = out[n_float + position]
            if grad is None:
                continue
            total = sums[position]
            sums[position] = grad if total is None else (
                _list_add_impl(total, grad) if isinstance(total, list) else total + grad)
        frame = frame.below
    for position, (_, k) in enumerate(wanted):
        if sums[position] is None:
            capture = captures[k]
            sums[position] = ([None] * len(capture) if isinstance(capture, list)
                              else np.zeros_like(capture))
    return (*cotangents, *sums)


def _sweep_impl(stack, *rest, plan, n_state, n_cond, maximum_iterations, out_specs, wanted,
                result_specs):
    graph = plan.backward_for(wanted)
    n_float = len(plan.float_vars)
    return _sweep(lambda *values: run_arrays(graph, list(values)), n_float, n_state + n_cond,
                  wanted, stack, *rest)


def _sweep_emit(node, args, outs, emitter):
    attrs = node.attrs
    step = emitter.subgraph(attrs["plan"].backward_for(attrs["wanted"]))
    sweep = emitter.bind("while_sweep_", _sweep)
    n_float = len(attrs["plan"].float_vars)
    skip = attrs["n_state"] + attrs["n_cond"]
    target = ", ".join(outs) + ("," if len(outs) == 1 else "")
    return [f"{target} = {sweep}({step}, {n_float}, {skip}, {attrs['wanted']!r}, "
            f"{', '.join(args)})"]


def _recompute(cotangents: list, forward_inputs: list, attrs: dict) -> list:
    """The sweep's results by the replaying gradient (differentiable: it re-runs the loop
    with eagerflow ops), for gradients of gradients and eager replays."""
    from eagerflow.ops.control_flow import _resolve_resource, _while_grad

    plan, n_state, n_cond = attrs["plan"], attrs["n_state"], attrs["n_cond"]
    g = [None] * n_state
    for slot, i in enumerate(plan.float_vars):
        g[i] = cotangents[slot]
    inputs = [_resolve_resource(x) for x in forward_inputs]
    grads = _while_grad(tuple(g), (None,) * n_state, *inputs, cond_graph=plan.cond_graph,
                        body_graph=plan.forward_graph, n_vars=n_state, n_cond=n_cond,
                        maximum_iterations=attrs["maximum_iterations"],
                        out_specs=attrs["out_specs"])
    return ([grads[i] for i in plan.float_vars]
            + [grads[n_state + n_cond + k] for _, k in attrs["wanted"]])


def _sweep_grad(g, outs, stack, *rest, **attrs):
    """Differentiate the sweep by differentiating the replaying gradient it equals."""
    from eagerflow.autodiff.tape import GradientTape
    from eagerflow.ops.array import identity
    from eagerflow.ops.control_flow import _differentiable, _resolve_resource

    n_float = len(attrs["plan"].float_vars)
    sources = [_resolve_resource(x) for x in rest]
    # One tensor may be several inputs (a loop variable's initial value and a capture):
    # distinct copies keep each input's gradient its own.
    sources = [identity(x) if isinstance(x, Tensor) and (x.dtype.is_floating
                                                         or x.dtype.is_complex) else x
               for x in sources]
    with GradientTape(watch_accessed_variables=False) as tape:
        for source in sources:
            if isinstance(source, Tensor) and _differentiable(source):
                tape.watch(source)
        results = _recompute(sources[:n_float], sources[n_float:], attrs)
    targets, seeds = [], []
    for value, seed in zip(results, g):
        if value is not None and seed is not None and _differentiable(value):
            targets.append(value)
            seeds.append(seed)
    watched = [s if isinstance(s, Tensor) and _differentiable(s) else None for s in sources]
    present = [s for s in watched if s is not None]
    grads = iter(tape.gradient(targets, present, output_gradients=seeds) if targets and present
                 else [None] * len(present))
    return (None, *[None if s is None else next(grads) for s in watched])


def _sweep_replay(node, args):
    """Re-emit the sweep in the current trace (so a replayed graph stays fast, and tapes
    record it with its gradient); eagerly, compute it by the replaying gradient."""
    n_float = len(node.attrs["plan"].float_vars)
    if state.plain or state.local.builder is None:
        return tuple(_recompute(list(args[1:1 + n_float]), list(args[1 + n_float:]),
                                node.attrs))
    return sweep_p.bind(*[_as_input(a) for a in args], **node.attrs)


def replay_saving_while(node, args) -> tuple:
    """Replay a saving loop: in a trace, the same node again (a sweep replayed after it reads
    its stack); eagerly, the loop in Python with an empty stack."""
    from eagerflow.ops.control_flow import _resolve_resource, while_loop

    if not state.plain and state.local.builder is not None:
        return node.op.bind(*[_as_input(a) for a in args], **node.attrs)
    attrs = node.attrs
    plan, n_state, n_cond = attrs["plan"], attrs["n_vars"] - 1, attrs["n_cond"]
    args = [_resolve_resource(a) for a in args]
    cond_captures = args[n_state + 1:n_state + 1 + n_cond]
    captures = args[n_state + 1 + n_cond:]
    result = while_loop(
        lambda *vs: replay(plan.cond_graph, list(vs) + cond_captures)[0],
        lambda *vs: tuple(replay(plan.forward_graph, list(vs) + captures)[:n_state]),
        tuple(args[:n_state]), maximum_iterations=attrs["maximum_iterations"])
    return (*result, stack_new_p.bind())


sweep_p = primitive("while_gradient_sweep", impl=_sweep_impl,
                    shape_rule=lambda *specs, result_specs, **attrs: tuple(result_specs),
                    grad=_sweep_grad, same_dtype=False, multiple_results=True)
sweep_p.emit = _sweep_emit
sweep_p.replay = _sweep_replay
