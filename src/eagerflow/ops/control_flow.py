"""Control flow: `tf.cond`, `tf.case`, `tf.switch_case`, `tf.while_loop`, `tf.TensorArray`.

Eagerly they are plain Python. While tracing, branches and loop bodies are
traced into sub-graphs held by one node; code generation turns the node into
a Python `if` or `while` calling the compiled sub-graphs. A loop a tape records
saves what its gradient needs as it runs (ops/while_gradient.py); other gradients
replay the sub-graphs under a tape (recomputing the forward values), written with
these same ops, so they work eagerly, compiled and to higher order.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes, nest
from eagerflow.core.context import state
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.shape import TensorShape
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.graph.builder import GraphBuilder, tracing
from eagerflow.graph.interpreter import replay, run_arrays
from eagerflow.graph.ir import CONSTANT, PLACEHOLDER, Graph, SymbolicTensor
from eagerflow.ops.while_gradient import bind_saving_while, gradient_wanted, replay_saving_while

__all__ = ["cond", "case", "switch_case", "while_loop", "TensorArray", "control_dependencies",
           "no_op", "group"]
NAMESPACES: dict = {}


def _tracing() -> bool:
    return not state.plain and state.local.builder is not None


def _is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)


def _graph_is_stateful(graph: Graph) -> tuple[bool, bool]:
    """(stateful, side_effect) of any node in the graph or its sub-graphs."""
    stateful = side_effect = False
    stack = [graph]
    while stack:
        g = stack.pop()
        for node in g.nodes:
            if node.op is PLACEHOLDER or node.op is CONSTANT:
                continue
            stateful |= node.op.stateful
            side_effect |= node.op.side_effect
            stack.extend(v for v in node.attrs.values() if isinstance(v, Graph))
    return stateful, side_effect


def _trace_subgraph(fn, specs: list, name: str, args_structure=None):
    """Trace `fn` on placeholders of `specs` in a sub-graph of the current trace.

    Returns (graph, builder, result). Variables assigned inside are read through their
    handle (a second trace makes that so when the first one hoisted their reads).
    """
    outer = state.local.builder
    no_hoist: set = set()
    for _ in range(2):
        graph = Graph(name)
        builder = GraphBuilder(graph, outer=outer, outer_tapes=state.local.tapes,
                               on_variable_created=outer.on_variable_created)
        builder.no_hoist = set(no_hoist)
        placeholders = [graph.placeholder(spec, i) for i, spec in enumerate(specs)]
        args = placeholders if args_structure is None else nest.pack_sequence_as(
            args_structure, placeholders)
        with tracing(builder):
            result = fn(*args) if args_structure is None else fn(args)
            flat = _flatten_result(result, builder)
        stale = set(builder.hoisted) & set(builder.assigned)
        if not stale:
            break
        no_hoist |= stale
    outer.assigned.update(builder.assigned)
    return graph, builder, result, flat


def _flatten_result(result, builder: GraphBuilder) -> list:
    """Graph values for the leaves of a branch/body result (Python numbers become constants)."""
    flat = []
    for leaf in nest.flatten(result):
        if isinstance(leaf, TensorArray):
            leaf = leaf._graph_handle()
        if leaf is None:
            flat.append(None)
            continue
        if not isinstance(leaf, Tensor):
            leaf = convert_to_tensor(leaf)
        flat.append(builder.capture(leaf))
    return flat


def _resolve_resource(value):
    """The Variable behind a resource value (for replays of sub-graphs)."""
    if hasattr(value, "_variable_read"):
        return value
    if isinstance(value, SymbolicTensor) and value._dtype is dtypes.resource:
        node = value.node
        if node.op is CONSTANT:
            return node.value
        builder = state.local.builder
        while builder is not None:
            for key, handle in builder.variable_handles.items():
                if handle is value:
                    return next(v for v in builder._keepalive if id(v) == key)
            builder = builder.outer
    return value


def _vjp(graph: Graph, inputs: list, cotangents: list) -> list:
    """Gradients of the graph's float outputs (seeded with `cotangents`) w.r.t. `inputs`."""
    from eagerflow.autodiff.tape import GradientTape  # autodiff sits above ops

    inputs = [_resolve_resource(x) for x in inputs]
    with GradientTape(watch_accessed_variables=False) as tape:
        for x in inputs:
            if _differentiable(x):
                tape.watch(x)
        outs = replay(graph, inputs)
    targets, seeds = [], []
    for out, g in zip(outs, cotangents):
        if out is not None and g is not None and _differentiable(out):
            targets.append(out)
            seeds.append(g)
    if not targets:
        return [None] * len(inputs)
    return tape.gradient(targets, inputs, output_gradients=seeds)


def _differentiable(x) -> bool:
    """Floating values, and TensorArray handles (their gradient is a list of gradients)."""
    dtype = getattr(x, "dtype", None)
    return dtype is not None and (dtype.is_floating or dtype.is_complex
                                  or dtype is dtypes.variant) and not isinstance(x, TensorArray)


def _zeros_like(x):
    if x.dtype is dtypes.variant:
        return ta_zeros_like_p.bind(x)
    from eagerflow.ops.array import zeros_like

    return zeros_like(x)


def _add(a, b):
    if a.dtype is dtypes.variant:
        return ta_add_p.bind(a, b)
    from eagerflow.ops.math import add

    return add(a, b)


# --- cond -------------------------------------------------------------------------------------
def _cond_rule(pred, *inputs, out_specs, **attrs):
    return tuple(out_specs)


def _cond_impl(pred, *inputs, true_graph, false_graph, n_true, out_specs):
    if np.asarray(pred).reshape(()):
        return tuple(run_arrays(true_graph, list(inputs[:n_true])))
    return tuple(run_arrays(false_graph, list(inputs[n_true:])))


def _cond_emit(node, args, outs, emitter):
    true_fn = emitter.subgraph(node.attrs["true_graph"])
    false_fn = emitter.subgraph(node.attrs["false_graph"])
    n_true = node.attrs["n_true"]
    target = (", ".join(outs) + ("," if len(outs) == 1 else "") + " = ") if outs else ""
    return [f"if {args[0]}:",
            f"    {target}{true_fn}({', '.join(args[1:1 + n_true])})",
            "else:",
            f"    {target}{false_fn}({', '.join(args[1 + n_true:])})"]


def _cond_grad(g, outs, pred, *inputs, true_graph, false_graph, n_true, out_specs):
    wanted = [i for i, x in enumerate(inputs) if _differentiable(x)]
    if not wanted:
        return (None,) * (1 + len(inputs))

    def branch(graph, offset, count):
        def compute():
            grads = _vjp(graph, list(inputs[offset:offset + count]), list(g))
            full = []
            for i in wanted:
                local = i - offset
                got = grads[local] if 0 <= local < count else None
                full.append(_zeros_like(inputs[i]) if got is None else got)
            return full
        return compute

    results = cond(pred, branch(true_graph, 0, n_true),
                   branch(false_graph, n_true, len(inputs) - n_true))
    grads = [None] * len(inputs)
    for i, value in zip(wanted, results):
        grads[i] = value
    return (None, *grads)


def _cond_replay(node, args):
    n_true = node.attrs["n_true"]
    true_graph, false_graph = node.attrs["true_graph"], node.attrs["false_graph"]
    inputs = [_resolve_resource(a) for a in args[1:]]
    result = cond(args[0], lambda: replay(true_graph, inputs[:n_true]),
                  lambda: replay(false_graph, inputs[n_true:]))
    return tuple(result) if result is not None else ()


cond_p = primitive("cond", impl=_cond_impl, shape_rule=_cond_rule, grad=_cond_grad,
                   same_dtype=False, multiple_results=True)
stateful_cond_p = primitive("stateful_cond", impl=_cond_impl, shape_rule=_cond_rule,
                            grad=_cond_grad, same_dtype=False, multiple_results=True,
                            stateful=True, side_effect=True)
for _prim in (cond_p, stateful_cond_p):
    _prim.emit = _cond_emit
    _prim.replay = _cond_replay


def _merge_specs(a: SymbolicTensor, b: SymbolicTensor, index: int) -> Spec:
    if a._dtype != b._dtype:
        raise TypeError(f"true_fn and false_fn arguments to tf.cond must have the same number, "
                        f"type, and overall structure of return values: output {index} has "
                        f"dtype {a._dtype.name} in the true branch and {b._dtype.name} in the "
                        f"false branch.")
    shape = TensorShape._from_tuple(a._shape).most_specific_compatible_shape(
        TensorShape._from_tuple(b._shape))
    return Spec(shape.as_tuple(), a._dtype)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` if `pred` else `false_fn()`; traced, both branches become sub-graphs."""
    if true_fn is None or false_fn is None:
        raise TypeError("cond(): true_fn and false_fn arguments are required and must be "
                        "callables.")
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("true_fn and false_fn must be callable.")
    if not _tracing() or not _is_symbolic(pred):
        if isinstance(pred, Tensor) and pred.shape.rank not in (0, None):
            raise InvalidArgumentError(None, None, f"cond: pred must be a scalar, got shape "
                                       f"{pred.shape}")
        return true_fn() if bool(pred) else false_fn()
    if pred._dtype is not dtypes.bool or (pred._shape not in (None, ())):
        raise InvalidArgumentError(None, None, f"cond: pred must be a scalar bool tensor, got "
                                   f"{pred!r}")
    true_graph, true_builder, true_result, true_flat = _trace_subgraph(true_fn, [], "cond_true")
    false_graph, false_builder, false_result, false_flat = _trace_subgraph(false_fn, [],
                                                                           "cond_false")
    try:
        nest.assert_same_structure(true_result, false_result, check_types=False)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"true_fn and false_fn arguments to tf.cond must have the same number, "
                         f"type, and overall structure of return values.\n{exc}") from None
    if (None in true_flat) != (None in false_flat) or [v is None for v in true_flat] != [
            v is None for v in false_flat]:
        raise ValueError("tf.cond: one branch returned None where the other returned a tensor.")
    true_graph.outputs = [v for v in true_flat if v is not None]
    false_graph.outputs = [v for v in false_flat if v is not None]
    out_specs = tuple(_merge_specs(a, b, i) for i, (a, b) in
                      enumerate(zip(true_graph.outputs, false_graph.outputs)))
    inputs = ([pred] + [outer for outer, _ in true_builder.captured]
              + [outer for outer, _ in false_builder.captured])
    stateful = any(_graph_is_stateful(true_graph)) or any(_graph_is_stateful(false_graph))
    prim = stateful_cond_p if stateful else cond_p
    outputs = prim.bind(*inputs, true_graph=true_graph, false_graph=false_graph,
                        n_true=len(true_builder.captured), out_specs=out_specs)
    leaves = iter(outputs)
    flat = [None if v is None else next(leaves) for v in true_flat]
    flat = [_rewrap(original, value) for original, value in zip(nest.flatten(true_result), flat)]
    return nest.pack_sequence_as(true_result, flat)


def _rewrap(original, value):
    if isinstance(original, TensorArray):
        return original._with_handle(value)
    return value


def case(pred_fn_pairs, default=None, exclusive: bool = False, strict: bool = False,
         name="case"):
    """The function of the first pair whose predicate is true, else `default`."""
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else list(
        pred_fn_pairs)
    if not pairs and default is None:
        raise ValueError("case: pred_fn_pairs must not be empty when default is None.")
    if default is None:
        *pairs, (_, default) = pairs
    if exclusive and not _tracing():
        hits = sum(bool(p) for p, _ in pairs)
        if hits > 1:
            raise InvalidArgumentError(None, None, f"case: more than one condition evaluated "
                                       f"as True but exclusive=True ({hits} of {len(pairs)}).")

    def chain(index):
        if index == len(pairs):
            return default
        pred, fn = pairs[index]
        return lambda: cond(pred, fn, chain(index + 1))

    return chain(0)()


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """`branch_fns[branch_index]()`, or `default()` (the last branch) when out of range."""
    if isinstance(branch_fns, dict):
        items = sorted(branch_fns.items())
    else:
        items = list(enumerate(branch_fns))
    if not items:
        raise ValueError("switch_case: branch_fns must not be empty.")
    fallback = default if default is not None else items[-1][1]
    if not _tracing() or not _is_symbolic(branch_index):
        index = int(branch_index)
        for key, fn in items:
            if key == index:
                return fn()
        return fallback()
    from eagerflow.ops.math import equal

    def chain(position):
        if position == len(items):
            return fallback
        key, fn = items[position]
        return lambda: cond(equal(branch_index, key), fn, chain(position + 1))

    return chain(0)()


# --- while_loop -------------------------------------------------------------------------------
def _while_rule(*inputs, out_specs, **attrs):
    return tuple(out_specs)


def _while_impl(*inputs, cond_graph, body_graph, n_vars, n_cond, maximum_iterations, out_specs,
                plan=None):
    state_values = list(inputs[:n_vars])
    cond_captures = list(inputs[n_vars:n_vars + n_cond])
    body_captures = list(inputs[n_vars + n_cond:])
    count = 0
    while maximum_iterations is None or count < maximum_iterations:
        if not np.asarray(run_arrays(cond_graph, state_values + cond_captures)[0]).reshape(()):
            break
        state_values = list(run_arrays(body_graph, state_values + body_captures))
        count += 1
    return tuple(state_values)


def _while_emit(node, args, outs, emitter):
    attrs = node.attrs
    cond_fn = emitter.subgraph(attrs["cond_graph"])
    body_fn = emitter.subgraph(attrs["body_graph"])
    n_vars, n_cond = attrs["n_vars"], attrs["n_cond"]
    loop = [f"w{node.id}_{i}" for i in range(n_vars)]
    state_text = ", ".join(loop) + ("," if n_vars == 1 else "")
    cond_args = ", ".join(loop + args[n_vars:n_vars + n_cond])
    body_args = ", ".join(loop + args[n_vars + n_cond:])
    lines = [f"{state_text} = {', '.join(args[:n_vars])}{',' if n_vars == 1 else ''}"]
    limit = attrs["maximum_iterations"]
    if limit is None:
        lines += [f"while {cond_fn}({cond_args})[0]:",
                  f"    {state_text} = {body_fn}({body_args})"]
    else:
        lines += [f"for _ in range({int(limit)}):",
                  f"    if not {cond_fn}({cond_args})[0]:",
                  "        break",
                  f"    {state_text} = {body_fn}({body_args})"]
    if outs:
        lines.append(f"{', '.join(outs)}{',' if len(outs) == 1 else ''} = {state_text}")
    return lines


def _while_replay(node, args):
    attrs = node.attrs
    if attrs.get("plan") is not None:
        return replay_saving_while(node, args)
    n_vars, n_cond = attrs["n_vars"], attrs["n_cond"]
    args = [_resolve_resource(a) for a in args]
    cond_captures = args[n_vars:n_vars + n_cond]
    body_captures = args[n_vars + n_cond:]
    result = while_loop(
        lambda *vs: replay(attrs["cond_graph"], list(vs) + cond_captures)[0],
        lambda *vs: tuple(replay(attrs["body_graph"], list(vs) + body_captures)),
        tuple(args[:n_vars]), maximum_iterations=attrs["maximum_iterations"])
    return tuple(result)


def _while_grad(g, outs, *inputs, cond_graph, body_graph, n_vars, n_cond, maximum_iterations,
                out_specs, plan=None, needed=None):
    """Reverse mode through a loop. A loop traced under a tape saved its iterations' residuals
    (`plan`, see ops/while_gradient.py): one backward sweep reads them. Otherwise (and to
    differentiate such a sweep again) run the loop again saving the state entering each
    iteration (every loop variable, so counters and flags replay exactly), then sweep back
    from the last iteration to the first with the body's vector-Jacobian product (which
    replays the body). Only the captures in `needed` get gradients."""
    from eagerflow.ops.array import constant
    from eagerflow.ops.math import greater

    if plan is not None:
        from eagerflow.ops.while_gradient import saving_while_grad

        return saving_while_grad(g, outs, inputs, cond_graph=cond_graph, body_graph=body_graph,
                                 n_vars=n_vars, n_cond=n_cond,
                                 maximum_iterations=maximum_iterations, out_specs=out_specs,
                                 plan=plan, needed=needed)

    loop_vars = list(inputs[:n_vars])
    cond_captures = list(inputs[n_vars:n_vars + n_cond])
    body_captures = list(inputs[n_vars + n_cond:])
    float_vars = [i for i, v in enumerate(loop_vars) if _differentiable(v)]
    float_captures = [i for i, c in enumerate(body_captures) if _differentiable(c)
                      and (needed is None or needed[n_vars + n_cond + i])]
    if not float_vars:
        return (None,) * len(inputs)
    saved = [TensorArray(v.dtype, size=0, dynamic_size=True, infer_shape=False)
             for v in loop_vars]

    def forward_cond(count, *rest):
        return replay(cond_graph, [_resolve_resource(v) for v in
                                   list(rest[:n_vars]) + cond_captures])[0]

    def forward_body(count, *rest):
        values = list(rest[:n_vars])
        arrays = [ta.write(count, v) for ta, v in zip(rest[n_vars:], values)]
        new = replay(body_graph, [_resolve_resource(v) for v in values + body_captures])
        return (count + 1, *new[:n_vars], *arrays)

    result = while_loop(forward_cond, forward_body, (constant(0), *loop_vars, *saved),
                        maximum_iterations=maximum_iterations)
    iterations = result[0]
    saved = list(result[1 + n_vars:])
    var_grads = [g[i] if g[i] is not None else _zeros_like(loop_vars[i]) for i in float_vars]
    capture_grads = [_zeros_like(body_captures[i]) for i in float_captures]

    def backward_body(step, *rest):
        step = step - 1
        current = list(rest[:len(float_vars)])
        accumulated = list(rest[len(float_vars):])
        values = [ta.read(step) for ta in saved]
        cotangents = [None] * n_vars
        for slot, i in enumerate(float_vars):
            cotangents[i] = current[slot]
        grads = _vjp(body_graph, values + body_captures, cotangents)
        new_current = [grads[i] if grads[i] is not None else _zeros_like(values[i])
                       for i in float_vars]
        new_accumulated = [accumulated[slot] if grads[n_vars + i] is None
                           else _add(accumulated[slot], grads[n_vars + i])
                           for slot, i in enumerate(float_captures)]
        return (step, *new_current, *new_accumulated)

    back = while_loop(lambda step, *rest: greater(step, 0), backward_body,
                      (iterations, *var_grads, *capture_grads))
    grads = [None] * len(inputs)
    for slot, i in enumerate(float_vars):
        grads[i] = back[1 + slot]
    for slot, i in enumerate(float_captures):
        grads[n_vars + n_cond + i] = back[1 + len(float_vars) + slot]
    return tuple(grads)


while_p = primitive("while", impl=_while_impl, shape_rule=_while_rule, grad=_while_grad,
                    same_dtype=False, multiple_results=True)
stateful_while_p = primitive("stateful_while", impl=_while_impl, shape_rule=_while_rule,
                             grad=_while_grad, same_dtype=False, multiple_results=True,
                             stateful=True, side_effect=True)
for _prim in (while_p, stateful_while_p):
    _prim.emit = _while_emit
    _prim.replay = _while_replay


def _loop_leaf_spec(value, invariant, index: int) -> Spec:
    entering = TensorShape._from_tuple(value._shape_tuple())
    if invariant is not None:
        if not TensorShape(invariant).is_compatible_with(entering):
            raise ValueError(f"The shape invariant specified for loop variable {index} is not "
                             f"compatible with the initial shape of the loop variable. It enters "
                             f"the loop with shape {entering}, but the specified shape invariant "
                             f"is {TensorShape(invariant)}.")
        return Spec(TensorShape(invariant).as_tuple(), value.dtype)
    return Spec(entering.as_tuple(), value.dtype)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations: int = 10,
               back_prop: bool = True, swap_memory: bool = False, maximum_iterations=None,
               name=None, return_same_structure: bool = True):
    """Repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; returns the final vars.

    Traced, the loop becomes one node whose body and condition are sub-graphs
    (a Python `while` in the generated code). Shapes and dtypes of the loop
    variables must stay the same unless `shape_invariants` relaxes them.
    """
    if not callable(cond) or not callable(body):
        raise TypeError("while_loop: cond and body must be callable.")
    single = not isinstance(loop_vars, (list, tuple))
    structure = loop_vars if not single else [loop_vars]
    if maximum_iterations is not None and _is_symbolic(maximum_iterations):
        return _counted_while(cond, body, structure, single, shape_invariants,
                              maximum_iterations, back_prop)
    if maximum_iterations is not None:
        maximum_iterations = int(np.asarray(maximum_iterations))
    if not _tracing():
        result = _eager_while(cond, body, structure, single, maximum_iterations)
    else:
        result = _traced_while(cond, body, structure, single, shape_invariants,
                               maximum_iterations, back_prop)
    if not back_prop:  # TF's (deprecated) switch: no gradient flows through the loop
        from eagerflow.ops.array import stop_gradient

        result = nest.map_structure(
            lambda v: stop_gradient(v) if isinstance(v, Tensor) else v, result)
    return result


def _counted_while(cond, body, structure, single, shape_invariants, limit, back_prop):
    """A loop with a run-time `maximum_iterations`: a counter joins the loop variables."""
    from eagerflow.ops.array import cast
    from eagerflow.ops.math import less, logical_and

    limit = cast(limit, dtypes.int32)
    count = len(structure)

    def counted_cond(i, *values):
        return logical_and(less(i, limit), cond(*values))

    def counted_body(i, *values):
        new = _normalize_body_result(body(*values), structure)
        return (i + 1, *new)

    invariants = None if shape_invariants is None else [None] + list(
        shape_invariants if not single else [shape_invariants])
    result = while_loop(counted_cond, counted_body, [convert_to_tensor(0), *structure],
                        shape_invariants=invariants, back_prop=back_prop)
    values = list(result[1:1 + count])
    return values[0] if single else type(structure)(values) if not hasattr(
        structure, "_fields") else type(structure)(*values)


def _normalize_body_result(result, structure):
    if isinstance(structure, (list, tuple)) and len(structure) == 1 and not isinstance(
            result, (list, tuple)):
        result = type(structure)([result]) if isinstance(structure, list) else (result,)
    if isinstance(structure, (list, tuple)) and isinstance(result, (list, tuple)):
        result = type(structure)(result) if not hasattr(structure, "_fields") else result
    return result


def _eager_while(cond, body, structure, single, maximum_iterations):
    values = structure
    count = 0
    while maximum_iterations is None or count < maximum_iterations:
        if not bool(cond(*values)):
            break
        values = _normalize_body_result(body(*values), structure)
        nest.assert_same_structure(structure, values, check_types=False)
        count += 1
    return values[0] if single else values


def _traced_while(cond, body, structure, single, shape_invariants, maximum_iterations,
                  back_prop: bool = True):
    flat = nest.flatten(structure)
    # The loop's inputs are the values as the caller holds them (captured into this graph when
    # the node is built), so tapes watching them record the loop.
    values = []
    for leaf in flat:
        if isinstance(leaf, TensorArray):
            values.append(leaf._graph_handle())
        elif isinstance(leaf, Tensor):
            values.append(leaf)
        elif hasattr(leaf, "_variable_read"):
            values.append(leaf._variable_read())
        else:
            values.append(convert_to_tensor(leaf))
    invariants = (nest.flatten_up_to(structure, shape_invariants)
                  if shape_invariants is not None else [None] * len(values))
    specs = [_loop_leaf_spec(v, inv, i) for i, (v, inv) in enumerate(zip(values, invariants))]

    def rebuild(placeholders):
        leaves = [original._with_handle(p) if isinstance(original, TensorArray) else p
                  for original, p in zip(flat, placeholders)]
        return nest.pack_sequence_as(structure, leaves)

    def cond_fn(*placeholders):
        packed = rebuild(placeholders)
        result = cond(*packed)
        return result

    def body_fn(*placeholders):
        packed = rebuild(placeholders)
        result = _normalize_body_result(body(*packed), structure)
        try:
            nest.assert_same_structure(structure, result, check_types=False)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"while_loop: body must return the same structure as loop_vars. "
                             f"{exc}") from None
        return result

    cond_graph, cond_builder, _, cond_flat = _trace_subgraph(cond_fn, specs, "while_cond")
    if len(cond_flat) != 1 or cond_flat[0]._dtype is not dtypes.bool:
        raise TypeError("while_loop: cond must return a scalar boolean tensor.")
    cond_graph.outputs = cond_flat
    body_graph, body_builder, _, body_flat = _trace_subgraph(body_fn, specs, "while_body")
    for index, (spec, out) in enumerate(zip(specs, body_flat)):
        name = f"loop variable {index}"
        if out._dtype != spec.dtype:
            raise TypeError(f"Input '{name}' of while_loop enters the loop with type "
                            f"{spec.dtype.name}, but has type {out._dtype.name} after one "
                            f"iteration. The dtype of a loop variable must stay the same.")
        if not TensorShape._from_tuple(spec.shape).is_compatible_with(
                TensorShape._from_tuple(out._shape)):
            raise ValueError(
                f"Input tensor '{name}' enters the loop with shape "
                f"{TensorShape._from_tuple(spec.shape)}, but has shape "
                f"{TensorShape._from_tuple(out._shape)} after one iteration. To allow the shape "
                f"to vary across iterations, use the `shape_invariants` argument of "
                f"tf.while_loop to specify a less-specific shape.")
    body_graph.outputs = body_flat
    inputs = (values + [outer for outer, _ in cond_builder.captured]
              + [outer for outer, _ in body_builder.captured])
    stateful = any(_graph_is_stateful(cond_graph)) or any(_graph_is_stateful(body_graph))
    prim = stateful_while_p if stateful else while_p
    outputs = None
    if back_prop and gradient_wanted(inputs):  # a tape records the loop: save for its gradient
        outputs = bind_saving_while(prim, inputs, cond_graph, body_graph, len(values),
                                    len(cond_builder.captured), maximum_iterations, specs)
    if outputs is None:
        outputs = prim.bind(*inputs, cond_graph=cond_graph, body_graph=body_graph,
                            n_vars=len(values), n_cond=len(cond_builder.captured),
                            maximum_iterations=maximum_iterations, out_specs=tuple(specs))
    leaves = [original._with_handle(v) if isinstance(original, TensorArray) else v
              for original, v in zip(flat, outputs)]
    result = nest.pack_sequence_as(structure, leaves)
    return result[0] if single else result


# --- TensorArray ------------------------------------------------------------------------------
def _ta_new_impl(size, dynamic_size):
    return [None] * int(size)


def _ta_write_impl(handle, index, value, dynamic_size):
    # Copy on write: the handle that went in keeps its elements, so a gradient's replay of
    # this op (or of `size()` before it) sees what the forward pass saw.
    handle = list(handle)
    index = int(index)
    if index < 0:
        raise InvalidArgumentError(None, None, f"TensorArray: index {index} is negative.")
    if index >= len(handle):
        if not dynamic_size:
            raise InvalidArgumentError(None, None, f"Tried to write to index {index} but array "
                                       f"is not resizeable and size is: {len(handle)}")
        handle.extend([None] * (index + 1 - len(handle)))
    handle[index] = value
    return handle


def _ta_read_impl(handle, index, element_shape, dtype):
    index = int(index)
    if not 0 <= index < len(handle):
        raise InvalidArgumentError(None, None, f"Tried to read from index {index} but array size "
                                   f"is: {len(handle)}")
    value = handle[index]
    if value is None:
        return np.zeros([d or 0 for d in element_shape or ()], dtype._numpy)
    return value


def _ta_stack_impl(handle, element_shape, dtype):
    if not handle:
        return np.zeros([0] + [d or 0 for d in (element_shape or ())], dtype._numpy)
    items = [np.zeros_like(next(h for h in handle if h is not None)) if h is None else h
             for h in handle]
    return np.stack(items)


def _variant_rule(*specs, **attrs):
    return Spec((), dtypes.variant)


def _element_rule(handle, *rest, element_shape, dtype):
    return Spec(element_shape, dtype)


def _stack_rule(handle, element_shape, dtype):
    return Spec((None,) + tuple(element_shape) if element_shape is not None else None, dtype)


# Gradients of TensorArrays are lists too: entry i is the gradient of element i, None for zero.
def _grad_read_impl(gradients, index, donor):
    index = int(index)
    value = gradients[index] if index < len(gradients) else None
    return np.zeros_like(donor) if value is None else value


def _grad_scatter_impl(donor, index, value):
    out = [None] * max(len(donor), int(index) + 1)
    out[int(index)] = value
    return out


def _grad_stack_impl(gradients, donor):
    rows = [gradients[i] if i < len(gradients) and gradients[i] is not None
            else np.zeros_like(donor[i]) for i in range(len(donor))]
    return np.stack(rows) if rows else np.zeros_like(donor)


def _list_add_impl(a, b):
    out = list(a) + [None] * max(0, len(b) - len(a))
    for i, value in enumerate(b):
        if value is not None:
            out[i] = value if out[i] is None else out[i] + value
    return out


ta_grad_read_p = primitive(
    "tensor_array_grad_read", impl=_grad_read_impl,
    shape_rule=lambda gradients, index, donor: donor,
    grad=lambda g, out, gradients, index, donor: (ta_grad_scatter_p.bind(gradients, index, g),
                                                  None, None),
    same_dtype=False)
ta_grad_scatter_p = primitive(
    "tensor_array_grad_scatter", impl=_grad_scatter_impl, shape_rule=_variant_rule,
    grad=lambda g, out, donor, index, value: (None, None,
                                              ta_grad_read_p.bind(g, index, value)),
    same_dtype=False)
ta_grad_stack_p = primitive(
    "tensor_array_grad_stack", impl=_grad_stack_impl,
    shape_rule=lambda gradients, donor: donor,
    grad=lambda g, out, gradients, donor: (ta_unstack_p.bind(g), None), same_dtype=False)
ta_add_p = primitive("tensor_array_add", impl=_list_add_impl, shape_rule=_variant_rule,
                     grad=lambda g, out, a, b: (g, g), same_dtype=False)
ta_zeros_like_p = primitive("tensor_array_zeros_like", impl=lambda x: [None] * len(x),
                            shape_rule=_variant_rule, same_dtype=False)

ta_new_p = primitive("tensor_array_new", impl=_ta_new_impl, shape_rule=_variant_rule,
                     same_dtype=False, stateful=True)
ta_write_p = primitive(
    "tensor_array_write", impl=_ta_write_impl, shape_rule=_variant_rule,
    grad=lambda g, out, handle, index, value, dynamic_size: (
        g, None, ta_grad_read_p.bind(g, index, value)),
    same_dtype=False, stateful=True)
ta_read_p = primitive(
    "tensor_array_read", impl=_ta_read_impl, shape_rule=_element_rule,
    grad=lambda g, out, handle, index, element_shape, dtype: (
        ta_grad_scatter_p.bind(handle, index, g), None),
    same_dtype=False, stateful=True)
ta_stack_p = primitive(
    "tensor_array_stack", impl=_ta_stack_impl, shape_rule=_stack_rule,
    grad=lambda g, out, handle, element_shape, dtype: (ta_unstack_p.bind(g),),
    same_dtype=False, stateful=True)
ta_size_p = primitive("tensor_array_size", impl=lambda handle: np.int32(len(handle)),
                      shape_rule=lambda handle: Spec((), dtypes.int32), same_dtype=False,
                      stateful=True)
ta_unstack_p = primitive(
    "tensor_array_unstack", impl=lambda value: list(value), shape_rule=_variant_rule,
    grad=lambda g, out, value: (ta_grad_stack_p.bind(g, value),), same_dtype=False,
    stateful=True)


class TensorArray:
    """A list of same-dtype tensors that loops can write to (`tf.TensorArray`).

    Functional like TF's: `write`, `unstack` and `scatter` return the TensorArray
    to use afterwards. Eagerly it holds EagerTensors; while tracing, a graph value
    whose run-time form is a Python list.
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape: bool = True,
                 element_shape=None, colocate_with_first_write_call: bool = True, name=None):
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._element_shape = (TensorShape(element_shape) if element_shape is not None
                               else TensorShape(None))
        self._infer_shape = infer_shape
        if handle is not None:
            self._handle = handle
            self._items = None
            return
        size = 0 if size is None else size
        if _tracing():
            self._items = None
            self._handle = ta_new_p.bind(convert_to_tensor(size, dtype=dtypes.int32),
                                         dynamic_size=self._dynamic_size)
        else:
            self._items = [None] * int(size)
            self._handle = None

    # --- representation -----------------------------------------------------------------
    def _is_symbolic(self) -> bool:
        return self._handle is not None

    def _graph_handle(self):
        if self._handle is None:  # an eager TensorArray entering a trace: build it there
            builder = state.local.builder
            handle = ta_new_p.bind(convert_to_tensor(len(self._items), dtype=dtypes.int32),
                                   dynamic_size=self._dynamic_size)
            for index, item in enumerate(self._items):
                if item is not None:
                    handle = ta_write_p.bind(handle, convert_to_tensor(index, dtype=dtypes.int32),
                                             builder.capture(item),
                                             dynamic_size=self._dynamic_size)
            return handle
        return self._handle

    def _with_handle(self, handle) -> TensorArray:
        return TensorArray(self._dtype, dynamic_size=self._dynamic_size, handle=handle,
                           element_shape=self._element_shape, infer_shape=self._infer_shape)

    def _copy_eager(self, items: list) -> TensorArray:
        array = TensorArray(self._dtype, size=0, dynamic_size=self._dynamic_size,
                            element_shape=self._element_shape, infer_shape=self._infer_shape)
        array._items = items
        return array

    def _note_shape(self, value) -> None:
        if self._infer_shape:
            shape = TensorShape._from_tuple(value._shape_tuple())
            if self._element_shape.rank is not None and not self._element_shape.is_compatible_with(
                    shape):
                raise ValueError(f"Could not write to TensorArray: element shape {shape} is "
                                 f"incompatible with the TensorArray's element shape "
                                 f"{self._element_shape}.")
            self._element_shape = self._element_shape.merge_with(shape) if (
                self._element_shape.rank is not None) else shape

    def _attrs(self) -> dict:
        return {"element_shape": self._element_shape.as_tuple(), "dtype": self._dtype}

    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def handle(self):
        return self._handle

    @property
    def flow(self):
        return self._handle

    # --- operations -----------------------------------------------------------------------
    def write(self, index, value, name=None) -> TensorArray:
        value = convert_to_tensor(value, dtype=self._dtype)
        self._note_shape(value)
        if self._handle is None and not _is_symbolic(value) and not _is_symbolic(index):
            i = int(index)
            items = list(self._items)
            if i < 0:
                raise InvalidArgumentError(None, None, f"TensorArray: index {i} is negative.")
            if i >= len(items):
                if not self._dynamic_size:
                    raise InvalidArgumentError(None, None, f"Tried to write to index {i} but "
                                               f"array is not resizeable and size is: "
                                               f"{len(items)}")
                items.extend([None] * (i + 1 - len(items)))
            items[i] = value
            return self._copy_eager(items)
        handle = ta_write_p.bind(self._graph_handle(), convert_to_tensor(index, dtype=dtypes.int32),
                                 value, dynamic_size=self._dynamic_size)
        return self._with_handle(handle)

    def read(self, index, name=None):
        if self._handle is None and not _is_symbolic(index):
            i = int(index)
            if not 0 <= i < len(self._items):
                raise InvalidArgumentError(None, None, f"Tried to read from index {i} but array "
                                           f"size is: {len(self._items)}")
            item = self._items[i]
            if item is None:
                from eagerflow.ops.array import zeros
                return zeros(self._element_shape.as_list() if self._element_shape.rank
                             is not None else [], self._dtype)
            return item
        return ta_read_p.bind(self._graph_handle(), convert_to_tensor(index, dtype=dtypes.int32),
                              **self._attrs())

    def stack(self, name=None):
        if self._handle is None:
            from eagerflow.ops.array import stack, zeros
            if not self._items:
                shape = self._element_shape.as_list() if self._element_shape.rank is not None \
                    else []
                return zeros([0] + [d or 0 for d in shape], self._dtype)
            filled = [item if item is not None else self.read(i)
                      for i, item in enumerate(self._items)]
            return stack(filled)
        return ta_stack_p.bind(self._graph_handle(), **self._attrs())

    def gather(self, indices, name=None):
        from eagerflow.ops.array import stack
        if self._handle is None and not _is_symbolic(indices):
            return stack([self.read(int(i)) for i in np.asarray(indices).reshape(-1)])
        from eagerflow.ops.indexing import gather
        return gather(self.stack(), indices)

    def unstack(self, value, name=None) -> TensorArray:
        value = convert_to_tensor(value, dtype=self._dtype)
        if value.shape.rank is not None:
            self._element_shape = TensorShape._from_tuple(value._shape_tuple()[1:])
        if not _is_symbolic(value) and self._handle is None:
            from eagerflow.ops.array import unstack
            return self._copy_eager(list(unstack(value)) if value.shape[0] else [])
        return self._with_handle(ta_unstack_p.bind(value))

    def scatter(self, indices, value, name=None) -> TensorArray:
        value = convert_to_tensor(value, dtype=self._dtype)
        array = self
        for position, index in enumerate(np.asarray(indices).reshape(-1)):
            array = array.write(int(index), value[position])
        return array

    def concat(self, name=None):
        from eagerflow.ops.array import concat
        if self._handle is None:
            return concat([item for item in self._items if item is not None], axis=0)
        stacked = self.stack()
        from eagerflow.ops.array import reshape
        shape = self._element_shape.as_list()
        return reshape(stacked, [-1] + shape[1:])

    def size(self, name=None):
        if self._handle is None:
            return convert_to_tensor(len(self._items), dtype=dtypes.int32)
        return ta_size_p.bind(self._graph_handle())

    def close(self, name=None) -> None:
        return None

    def identity(self) -> TensorArray:
        return self

    def __repr__(self) -> str:
        return f"<TensorArray dtype={self._dtype.name} element_shape={self._element_shape}>"


# --- ordering -----------------------------------------------------------------------------
class control_dependencies:
    """`with tf.control_dependencies([op, ...]):` — accepted for TF programs.

    eagerflow needs no explicit dependencies: eagerly, ops run when called; in a traced
    graph, stateful ops (assigns, prints, asserts) keep their program order and are never
    removed, so what TF orders with control dependencies already runs in order.
    """

    def __init__(self, control_inputs) -> None:
        if control_inputs is not None and not isinstance(control_inputs, (list, tuple)):
            raise TypeError(f"control_inputs must be a list or tuple, got "
                            f"{type(control_inputs).__name__}")
        self.control_inputs = control_inputs

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info) -> None:
        return None


def no_op(name=None) -> None:
    """An op that does nothing (TF returns an Operation; eagerflow returns None)."""
    return None


def group(*inputs, name=None) -> None:
    """Groups ops for control dependencies; their effects already happen in program order."""
    return None
