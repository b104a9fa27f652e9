"""`tf.GradientTape` and the one reverse sweep.

A tape records (primitive, inputs, outputs, attrs) for every op that touches
a watched value, in program order. `gradient` walks those records backwards,
accumulating gradients per value; each primitive's gradient rule is written
with eagerflow ops, so the sweep itself is recorded by outer tapes (higher
order) and lands in the graph when it runs inside a trace.
"""

from __future__ import annotations

import enum
import logging

import numpy as np

from eagerflow.core import nest
from eagerflow.core.context import state
from eagerflow.core.dtypes import FLOATING, variant
from eagerflow.core.tensor import Tensor, convert_to_tensor, make_constant
from eagerflow.core.variable import Variable

__all__ = ["GradientTape", "UnconnectedGradients", "backward"]

_log = logging.getLogger("eagerflow")


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class _ReadVariable:
    """The pseudo-primitive a tape records when a watched variable is read."""

    name = "read_variable"
    multiple_results = False

    @staticmethod
    def grad(g, out, variable):
        return (g,)


def _trainable_dtype(x) -> bool:
    """Floating and complex values, and TensorArray handles (whose gradients are lists)."""
    dtype = x.dtype
    return dtype is variant or dtype._numpy in FLOATING


class GradientTape:
    """Records operations for automatic differentiation.

    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x).numpy()
    6.0
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._records: list = []
        self._watched: dict = {}        # id -> tensor or variable the tape follows
        self._variables: dict = {}      # id -> watched variable, in watch order
        self._recording = False
        self._used = False

    # --- the context manager ----------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter "
                             "an already-active tape.")
        state.push_tape(self)
        self._recording = True
        return self

    def __exit__(self, *exc_info) -> None:
        if self._recording:
            state.pop_tape(self)
            self._recording = False

    # --- what to follow ---------------------------------------------------------------------
    def watch(self, tensor) -> None:
        """Follow `tensor` (or a structure of tensors / variables) from now on."""
        for item in nest.flatten(tensor):
            if isinstance(item, Variable):
                self._watch_variable(item)
            elif isinstance(item, Tensor):
                if not _trainable_dtype(item):
                    _log.warning("The dtype of the watched tensor must be floating (e.g. "
                                 "tf.float32), got %r", item.dtype)
                    continue
                self._watched[id(item)] = item
            else:
                raise ValueError(f"Passed in object {item!r} of type {type(item).__name__!r}, "
                                 "not tf.Tensor or tf.Variable or ExtensionType.")

    def _watch_variable(self, variable: Variable) -> None:
        if id(variable) not in self._watched:
            self._watched[id(variable)] = variable
            self._variables[id(variable)] = variable

    def watched_variables(self) -> tuple:
        """The variables this tape watched, in the order it first saw them."""
        return tuple(self._variables.values())

    def reset(self) -> None:
        """Forget everything recorded (inside the `with` block too)."""
        self._records = []
        self._watched = {}
        self._variables = {}

    class _StopRecording:
        def __init__(self, tape: GradientTape) -> None:
            self._tape = tape

        def __enter__(self) -> None:
            if not self._tape._recording:
                raise ValueError("Tape.stop_recording() can only be used when the tape is "
                                 "recording.")
            state.pop_tape(self._tape)
            self._tape._recording = False

        def __exit__(self, *exc_info) -> None:
            state.push_tape(self._tape)
            self._tape._recording = True

    def stop_recording(self) -> GradientTape._StopRecording:
        """A context in which this tape records nothing."""
        return GradientTape._StopRecording(self)

    # --- recording (called by dispatch) -------------------------------------------------
    def _record_variable_read(self, variable: Variable, tensor: Tensor) -> None:
        if id(variable) not in self._watched:
            if not (self._watch_accessed_variables and variable.trainable):
                return
            self._watch_variable(variable)
        if _trainable_dtype(tensor):
            self._watched[id(tensor)] = tensor
            self._records.append((_ReadVariable, (variable,), (tensor,), {}))

    def _record_operation(self, prim, inputs, outputs, attrs: dict) -> None:
        watched = self._watched
        for x in inputs:
            if id(x) in watched:
                break
        else:
            return
        outs = outputs if prim.multiple_results else (outputs,)
        followed = False
        for out in outs:
            if _trainable_dtype(out):
                watched[id(out)] = out
                followed = True
        if followed:
            self._records.append((prim, tuple(inputs), outs, attrs))

    # --- gradients ----------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of targets)/d(source) for each source, in the structure of `sources`."""
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")
        if self._recording and self._persistent:
            _log.debug("Calling GradientTape.gradient on a persistent tape inside its context "
                       "is significantly less efficient than calling it outside the context.")
        self._used = True
        unconnected = UnconnectedGradients(getattr(unconnected_gradients, "value",
                                                   unconnected_gradients))
        flat_sources = nest.flatten(sources)
        for source in flat_sources:
            if not isinstance(source, (Tensor, Variable)):
                raise ValueError(f"GradientTape.gradient: sources must be tensors or variables, "
                                 f"got {source!r}")
        flat_targets = [convert_to_tensor(t) if not isinstance(t, (Tensor, Variable)) else t
                        for t in nest.flatten(target)]
        flat_target_grads = None
        if output_gradients is not None:
            flat_target_grads = nest.flatten(output_gradients)
            if len(flat_target_grads) != len(flat_targets):
                raise ValueError("output_gradients must have the same structure as target")
        paused = state.set_tapes(tuple(t for t in state.tapes if t is not self))
        try:
            flat = backward(self._records, flat_targets, flat_sources, flat_target_grads)
        finally:
            state.set_tapes(paused)
        if unconnected is UnconnectedGradients.ZERO:
            from eagerflow.ops.array import zeros_like

            flat = [zeros_like(s) if g is None else g for g, s in zip(flat, flat_sources)]
        if not self._persistent:
            self._records = []
        return nest.pack_sequence_as(sources, flat)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor: bool = True):
        """d target[i...] / d source[j...] for each source: shape target.shape + source.shape."""
        from eagerflow.ops.array import reshape, stack, zeros

        persistent, self._persistent = self._persistent, True
        try:
            target = convert_to_tensor(target)
            flat_sources = nest.flatten(sources)
            size = int(np.prod(target.shape.as_list()))
            rows = [[] for _ in flat_sources]
            for index in range(size):
                seed = np.zeros(size, dtype=target.dtype._numpy)
                seed[index] = 1
                seed = reshape(seed, target.shape.as_list())
                grads = self.gradient(target, flat_sources, output_gradients=seed,
                                      unconnected_gradients=unconnected_gradients)
                for row, g in zip(rows, grads):
                    row.append(g)
            results = []
            for row, source in zip(rows, flat_sources):
                if all(g is None for g in row):
                    results.append(None)
                    continue
                filled = [zeros(source.shape, source.dtype) if g is None else g for g in row]
                stacked = stack(filled) if filled else zeros([0] + source.shape.as_list(),
                                                             source.dtype)
                results.append(reshape(stacked, target.shape.as_list() + source.shape.as_list()))
        finally:
            self._persistent = persistent
            self._used = True
        return nest.pack_sequence_as(sources, results)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor: bool = True):
        """d target[b, i...] / d source[b, j...]: shape [batch] + target[1:] + source[1:].

        Examples of the batch must be independent, as TF assumes.
        """
        from eagerflow.ops.array import reshape, stack, zeros

        persistent, self._persistent = self._persistent, True
        try:
            target = convert_to_tensor(target)
            shape = target.shape.as_list()
            batch, inner = shape[0], int(np.prod(shape[1:]))
            columns = []
            for index in range(inner):
                seed = np.zeros((batch, inner), dtype=target.dtype._numpy)
                seed[:, index] = 1
                g = self.gradient(target, source, output_gradients=reshape(seed, shape),
                                  unconnected_gradients=unconnected_gradients)
                columns.append(g)
            if all(c is None for c in columns):
                return None
            source_shape = source.shape.as_list()
            columns = [zeros(source_shape, source.dtype) if c is None else c for c in columns]
            stacked = stack(columns, axis=1)  # [batch, inner, source[1:]...]
            result = reshape(stacked, shape + source_shape[1:])
        finally:
            self._persistent = persistent
            self._used = True
        return result


def backward(records: list, targets: list, sources: list, target_grads: list | None) -> list:
    """The reverse sweep: gradients of sum(targets) w.r.t. each source (None if unconnected).

    Records are in program order. Only records reachable from a source are
    visited; gradients are accumulated per value with `add`.
    """
    from eagerflow.ops.array import ones_like
    from eagerflow.ops.control_flow import _add as add
    from eagerflow.ops.control_flow import _zeros_like as zeros_like

    source_ids = {id(s) for s in sources}
    reachable = set(source_ids)
    useful = []
    for record in records:
        for x in record[1]:
            if id(x) in reachable:
                useful.append(record)
                reachable.update(id(o) for o in record[2])
                break

    grads: dict = {}

    def accumulate(key: int, g) -> None:
        previous = grads.get(key)
        grads[key] = g if previous is None else add(previous, g)

    for index, t in enumerate(targets):
        if id(t) not in reachable or not _trainable_dtype(t):
            continue
        g = target_grads[index] if target_grads is not None else None
        if g is None:
            # a scalar target (a loss) is seeded with a constant 1, which a compiled
            # function folds into the gradient chain; others with ones of the run-time shape
            scalar = isinstance(t, Tensor) and t._shape_tuple() == ()
            g = make_constant(np.ones((), t.dtype._numpy)) if scalar else ones_like(t)
        else:
            g = convert_to_tensor(g, dtype=t.dtype)
        accumulate(id(t), g)

    for prim, inputs, outputs, attrs in reversed(useful):
        out_grads = [grads.get(id(o)) for o in outputs]
        if all(g is None for g in out_grads):
            continue
        for o in outputs:
            if id(o) not in source_ids:
                grads.pop(id(o), None)
        if getattr(prim, "grad_takes_needed", False):
            attrs = dict(attrs, needed=tuple(id(x) in reachable for x in inputs))
        if prim.multiple_results:
            g = tuple(zeros_like(o) if og is None else og for o, og in zip(outputs, out_grads))
            input_grads = prim.grad(g, outputs, *inputs, **attrs)
        else:
            input_grads = prim.grad(out_grads[0], outputs[0], *inputs, **attrs)
        if not isinstance(input_grads, (tuple, list)):
            input_grads = (input_grads,)
        for x, gx in zip(inputs, input_grads):
            if gx is not None and id(x) in reachable:
                accumulate(id(x), gx)

    return [grads.get(id(s)) for s in sources]
