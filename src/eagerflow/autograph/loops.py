"""Loop operators: `while_stmt` and `for_stmt` (Python loops, or tf.while_loop on tensors).

Loop state is the statement's state variables. In a tensor loop the carried
ones (defined before the loop, or used after it) become loop variables: Python
numbers turn into tensors, other Python values (None, strings, objects,
tf.Variables) must stay the same object, and every tensor keeps its dtype and
shape unless `set_loop_options(shape_invariants=...)` relaxes it.
"""

from __future__ import annotations

import numpy as np

from eagerflow.autograph import operators as _ops
from eagerflow.core import nest
from eagerflow.core.shape import TensorShape
from eagerflow.core.tensor import Tensor, convert_to_tensor

__all__ = ["while_stmt", "for_stmt"]

_error = _ops._state_error
_LIST_GROWS = (
    "'{name}' is a Python list that changes length inside a TensorFlow loop (a list cannot "
    "grow in a graph loop). Accumulate into a tf.TensorArray instead: `{name} = "
    "tf.TensorArray(dtype, size=0, dynamic_size=True)` before the loop, `{name} = "
    "{name}.write(i, x)` inside it, and `{name}.stack()` after it.")


# --- while -----------------------------------------------------------------------------------
def while_stmt(test, body, get_state, set_state, symbol_names, nouts, opts):
    """`while test(): body()`; a symbolic test (now or after some iterations) -> tf.while_loop."""
    opts = opts or {}
    condition = test()
    while True:
        if _ops._is_symbolic(condition):
            _tf_while(test, body, get_state, set_state, symbol_names, nouts, opts)
            return
        if not condition:
            return
        body()
        condition = test()


def _shape_text(shape: TensorShape) -> str:
    if shape.rank is None:
        return "<unknown>"
    return str(tuple(shape.as_list()))


def _fits(shape: TensorShape, invariant: TensorShape) -> bool:
    if invariant.rank is None:
        return True
    if shape.rank != invariant.rank:
        return False
    return all(i is None or s == i for s, i in zip(shape.as_list(), invariant.as_list()))


def _is_tensor_array(value) -> bool:
    return type(value).__name__ == "TensorArray"


class _LoopState:
    """The carried variables of one tensor loop and their checks."""

    def __init__(self, names, nouts, initial, opts, trial) -> None:
        self.names = list(names)
        self.initial = list(initial)
        live = set(self.names[:nouts])
        self.carried = [i for i, (name, value) in enumerate(zip(self.names, self.initial))
                        if not _ops._is_undefined(value) or name in live]
        for i in self.carried:
            value = self.initial[i]
            if isinstance(value, _ops.UndefinedReturnValue) and value.implicit_none:
                raise _error(NotImplementedError,
                    "a return statement cannot be placed inside this TensorFlow loop; this may "
                    "happen if a return statement depends on a static Python condition such as "
                    "a hyperparameter")
        undefined = [i for i in self.carried if _ops._is_undefined(self.initial[i])]
        if undefined:
            self._initialize(undefined, trial)
        invariants = {}
        for pair in opts.get("shape_invariants", None) or ():
            tensor, shape = pair
            invariants[id(tensor)] = TensorShape(shape)
        # Per carried variable: its structure snapshot, and per leaf (static?, dtype, shape).
        self.structures = []
        self.leaves = []
        for i in self.carried:
            value = self.initial[i]
            self.structures.append(nest.map_structure(lambda x: x, value))
            leaves = []
            for leaf in nest.flatten(value):
                invariant = invariants.get(id(leaf))
                if _ops._is_static(leaf):
                    leaves.append(("static", leaf, None))
                    continue
                if not isinstance(leaf, Tensor) and not _is_tensor_array(leaf):
                    leaf = convert_to_tensor(leaf)
                shape = None if _is_tensor_array(leaf) else (
                    invariant if invariant is not None else TensorShape(leaf.shape))
                leaves.append(("tensor", leaf, shape))
            self.leaves.append(leaves)
        self.shape_invariants = [
            leaf_shape for leaves in self.leaves for kind, _, leaf_shape in leaves
            if kind == "tensor"]

    def _initialize(self, indices: list, trial) -> None:
        """Values for variables first assigned inside the loop: zeros of the trial's spec."""
        from eagerflow.ops import array

        state = trial(self.initial)
        for i in indices:
            name, value = self.names[i], state[i]
            if _ops._is_number(value) and not isinstance(value, np.ndarray):
                value = convert_to_tensor(value)
            if isinstance(value, Tensor) and value.shape.is_fully_defined():
                self.initial[i] = array.zeros(value.shape, dtype=value.dtype)
                continue
            what = (f"its shape {_shape_text(TensorShape(value.shape))} is not fully known"
                    if isinstance(value, Tensor) else f"it is {value!r}, not a tensor")
            raise _error(ValueError, f"'{name}' must be defined before the loop: it is used "
                                     f"after the loop but only assigned inside it, and {what}, "
                                     f"so it cannot start as zeros. Initialize it before the "
                                     f"loop.")

    def flat_initial(self) -> list:
        return [leaf for leaves in self.leaves for kind, leaf, _ in leaves if kind == "tensor"]

    def state_from(self, flat) -> tuple:
        """The full state tuple for loop variables `flat` (temporaries back to initial)."""
        values = list(self.initial)
        flat = iter(flat)
        for i, structure, leaves in zip(self.carried, self.structures, self.leaves):
            rebuilt = [next(flat) if kind == "tensor" else leaf for kind, leaf, _ in leaves]
            values[i] = (nest.pack_sequence_as(structure, rebuilt) if nest.is_nested(structure)
                         else rebuilt[0])
        return tuple(values)

    def flat_after(self, state) -> list:
        """Loop variables after one iteration, checked against the values before the loop."""
        flat = []
        for i, structure, leaves in zip(self.carried, self.structures, self.leaves):
            name, value = self.names[i], state[i]
            if _ops._is_undefined(value):
                raise _error(ValueError, f"'{name}' must be defined before the loop and stay "
                                         f"defined in every iteration")
            try:
                nest.assert_same_structure(structure, value, check_types=False)
            except (ValueError, TypeError) as exc:
                if isinstance(structure, list) and isinstance(value, list):
                    raise _error(ValueError, _LIST_GROWS.format(name=name)) from None
                raise _error(TypeError, f"'{name}' must have the same nested structure before "
                                        f"the loop and after one iteration: {exc}") from None
            for (kind, before, shape), after in zip(leaves, nest.flatten(value)):
                if kind == "tensor":
                    flat.append(self._check_tensor(name, before, shape, after))
                elif after is not before and not (_ops._is_static(after)
                                                  and _ops._equal(after, before)):
                    if before is None:
                        raise _error(ValueError, f"'{name}' is None before the loop: "
                                                 f"initialize it with a tensor before the loop")
                    raise _error(ValueError, f"'{name}' is the Python value {before!r} before "
                                             f"the loop but {after!r} after one iteration; to "
                                             f"change in a TensorFlow loop it must be a tensor: "
                                             f"initialize it with a tensor before the loop")
        return flat

    def _check_tensor(self, name, before, shape, after):
        if _is_tensor_array(before):
            return after
        if after is None or _ops._is_static(after):
            raise _error(ValueError, f"'{name}' is a tensor before the loop but {after!r} after "
                                     f"one iteration; it must stay a tensor")
        if not isinstance(after, Tensor) and not _is_tensor_array(after):
            after = convert_to_tensor(after, dtype=before.dtype)
        if after.dtype != before.dtype:
            raise _error(TypeError, f"'{name}' has dtype {before.dtype.name} before the loop, "
                                    f"but dtype {after.dtype.name} after one iteration")
        new_shape = TensorShape(after.shape)
        if not _fits(new_shape, shape):
            raise _error(ValueError, f"'{name}' has shape {_shape_text(shape)} before the loop, "
                                     f"but shape {_shape_text(new_shape)} after one iteration. "
                                     f"Use tf.autograph.experimental.set_loop_options to set "
                                     f"shape invariants.")
        return after


def _symbolic(value, builder):
    """`value` with its tensor and number leaves replaced by placeholders of their spec."""
    from eagerflow.core.primitive import Spec

    def leaf(x):
        if _ops._is_undefined(x) or _ops._is_static(x) or _is_tensor_array(x):
            return x
        x = x if isinstance(x, Tensor) else convert_to_tensor(x)
        spec = Spec(TensorShape(x.shape).as_tuple(), x.dtype)
        return builder.graph.placeholder(spec, len(builder.graph.inputs))

    if _ops._is_undefined(value):
        return value
    return nest.map_structure(leaf, value)


def _trial(body, get_state, set_state):
    """Run the loop body once in a scratch graph (its ops are discarded); return the state."""
    from eagerflow.core.context import state as context
    from eagerflow.graph.builder import GraphBuilder, tracing
    from eagerflow.graph.ir import Graph

    def run(initial):
        outer = context.local.builder
        builder = GraphBuilder(Graph("autograph_trial"), outer=outer,
                               on_variable_created=outer.on_variable_created)
        active, _ops.TRIAL.active = _ops.TRIAL.active, True
        try:
            with tracing(builder, keep_tapes=False):
                # Loop variables as placeholders, so that conditions on them trace both ways.
                set_state(tuple(_symbolic(v, builder) for v in initial))
                body()
                result = get_state()
        finally:
            _ops.TRIAL.active = active
        set_state(tuple(initial))
        return result
    return run


def _tf_while(test, body, get_state, set_state, symbol_names, nouts, opts):
    from eagerflow.ops import control_flow

    if _ops.TRIAL.active:  # learning specs: one pass of the body is enough
        body()
        return

    loop = _LoopState(symbol_names, nouts, get_state(), opts,
                      _trial(body, get_state, set_state))

    def cond_fn(*flat):
        set_state(loop.state_from(flat))
        return _ops._bool_tensor(test())

    def body_fn(*flat):
        set_state(loop.state_from(flat))
        body()
        return loop.flat_after(get_state())

    flat = loop.flat_initial()
    invariants = loop.shape_invariants if opts.get("shape_invariants") else None
    outputs = control_flow.while_loop(cond_fn, body_fn, flat, shape_invariants=invariants,
                                      maximum_iterations=opts.get("maximum_iterations"))
    set_state(loop.state_from(outputs if isinstance(outputs, (list, tuple)) else [outputs]))


# --- for -------------------------------------------------------------------------------------
def for_stmt(iterated, extra_test, body, get_state, set_state, symbol_names, nouts, opts):
    """`for x in iterated: body(x)` (stopping when `extra_test()` is false).

    A symbolic tensor (tf.range, range(tensor), any tensor's first dimension) -> a
    tf.while_loop with a counter; a tf.data.Dataset while tracing -> `Dataset.reduce`;
    anything else -> a Python loop.
    """
    opts = opts or {}
    if _ops._is_symbolic(iterated):
        _tf_for_tensor(iterated, extra_test, body, get_state, set_state, symbol_names, nouts,
                       opts)
    elif _ops._tracing() and _is_dataset(iterated):
        _tf_for_dataset(iterated, extra_test, body, get_state, set_state, symbol_names, nouts)
    else:
        _py_for(iterated, extra_test, body, get_state, set_state, symbol_names, nouts)


def _is_dataset(value) -> bool:
    return hasattr(value, "reduce") and hasattr(value, "element_spec")


def _py_for(iterated, extra_test, body, get_state, set_state, symbol_names, nouts):
    iterator = iter(iterated)
    for item in iterator:
        if extra_test is not None:
            go_on = extra_test()
            if _ops._is_symbolic(go_on):
                # A tensor `break` in a Python loop: the remaining iterations run under it.
                for rest in _chain(item, iterator):
                    _guarded_iteration(extra_test(), rest, body, get_state, set_state,
                                       symbol_names, nouts)
                return
            if not go_on:
                return
        body(item)


def _chain(first, iterator):
    yield first
    yield from iterator


def _guarded_iteration(go_on, item, body, get_state, set_state, symbol_names, nouts):
    """`if go_on: body(item)` as a tf.cond over the defined state variables."""
    values = get_state()
    live = set(symbol_names[:nouts])
    keep = [i for i, (name, value) in enumerate(zip(symbol_names, values))
            if not _ops._is_undefined(value) or name in live]
    names = tuple(symbol_names[i] for i in keep)

    def get_kept():
        current = get_state()
        return tuple(current[i] for i in keep)

    def set_kept(kept):
        current = list(get_state())
        for i, value in zip(keep, kept):
            current[i] = value
        set_state(tuple(current))

    _ops._tf_if(go_on, lambda: body(item), lambda: None, get_kept, set_kept, names, len(names))


def _tf_for_tensor(iterated, extra_test, body, get_state, set_state, symbol_names, nouts, opts):
    from eagerflow.ops import array, indexing

    iterated = _ops._as_condition(iterated)
    if iterated.shape.rank == 0:
        raise _error(TypeError, "Cannot iterate over a scalar tensor.")
    static_length = iterated.shape[0] if iterated.shape.rank is not None else None
    length = static_length if static_length is not None else array.shape(iterated)[0]
    counter = [convert_to_tensor(0)]

    def test():
        more = counter[0] < length
        if extra_test is None:
            return more
        return _ops.and_(lambda: more, extra_test)

    def loop_body():
        index = counter[0]
        body(indexing.gather(iterated, index))
        counter[0] = index + 1

    def get_all():
        return (counter[0],) + tuple(get_state())

    def set_all(values):
        counter[0] = values[0]
        set_state(tuple(values[1:]))

    options = dict(opts)
    if options.get("maximum_iterations") is None and static_length is not None:
        options["maximum_iterations"] = static_length
    _tf_while(test, loop_body, get_all, set_all, ("<iteration>",) + tuple(symbol_names),
              nouts + 1, options)


def _tf_for_dataset(dataset, extra_test, body, get_state, set_state, symbol_names, nouts):
    if extra_test is not None:
        raise _error(NotImplementedError,
            "break and return in a for loop over a tf.data.Dataset inside tf.function are not "
            "supported; use dataset.take_while(...) or dataset.reduce(...) instead.")
    loop = _LoopState(symbol_names, nouts, get_state(), {}, lambda values: values)

    def reduce_fn(flat, element):
        set_state(loop.state_from(flat))
        body(element)
        return tuple(loop.flat_after(get_state()))

    try:
        outputs = dataset.reduce(tuple(loop.flat_initial()), reduce_fn)
    except TypeError as exc:
        if "symbolic" not in str(exc):
            raise
        raise _error(NotImplementedError,
                     f"a for loop over a tf.data.Dataset inside tf.function becomes "
                     f"dataset.reduce(state, body), and this Dataset cannot reduce a traced state "
                     f"({exc}). Iterate the dataset outside the tf.function and call the "
                     f"function on each element.") from None
    set_state(loop.state_from(outputs))
