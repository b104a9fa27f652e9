"""`tf.custom_gradient`: a function that supplies its own gradient.

The decorated function runs with the tapes hidden (its inner ops are not
recorded); each recording tape then gets one op whose gradient rule calls the
user's `grad_fn`, with `variables=` when the function read trainable variables.
"""

from __future__ import annotations

import functools
import inspect

from eagerflow.core import nest
from eagerflow.core.context import state
from eagerflow.core.tensor import Tensor, convert_to_tensor

__all__ = ["custom_gradient"]


class _VariableWatcher:
    """Stands in for the tapes while the function runs, collecting the variables it reads."""

    _watch_accessed_variables = True

    def __init__(self) -> None:
        self.variables: dict = {}

    def _record_variable_read(self, variable, tensor) -> None:
        if variable.trainable:
            self.variables.setdefault(id(variable), variable)

    def _record_operation(self, prim, inputs, outputs, attrs) -> None:
        pass


class _CustomGradientOp:
    multiple_results = True

    def __init__(self, name: str, grad_fn, input_count: int, variables: list) -> None:
        self.name = f"custom_gradient_{name}"
        self._grad_fn = grad_fn
        self._input_count = input_count
        self._variables = variables

    def grad(self, g, outputs, *inputs):
        if self._variables:
            input_grads, variable_grads = self._grad_fn(*g, variables=self._variables)
        else:
            input_grads, variable_grads = self._grad_fn(*g), []
        input_grads = list(input_grads) if isinstance(input_grads, (list, tuple)) else [
            input_grads]
        if len(input_grads) != self._input_count:
            raise ValueError(f"custom_gradient function expected to return {self._input_count} "
                             f"gradients, but returned {len(input_grads)} instead.")
        return tuple(input_grads) + tuple(variable_grads)


def custom_gradient(f=None):
    """Decorate `f(*x) -> (y, grad_fn)`; `grad_fn(*dy[, variables=])` returns dx (, dvars)."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        tapes = state.local.tapes
        if not tapes:
            result, _ = f(*args, **kwargs)
            return result
        from eagerflow.core.variable import Variable
        from eagerflow.ops.array import identity

        # A variable passed as an argument is an input like a tensor (as in TF): read it
        # here, under the real tapes, so its gradient flows through the read.
        args = nest.map_structure(
            lambda x: x.read_value() if isinstance(x, Variable) else x, args)
        inputs = [x if isinstance(x, Tensor) else convert_to_tensor(x)
                  for x in nest.flatten(args) if isinstance(x, Tensor) or hasattr(x, "__array__")]
        watcher = _VariableWatcher()
        previous = state.set_tapes((watcher,))
        try:
            result, grad_fn = f(*args, **kwargs)
            # Fresh output tensors, so the recorded op never aliases an input.
            flat = [identity(y) if isinstance(y, Tensor) else y for y in nest.flatten(result)]
        finally:
            state.set_tapes(previous)
        variables = list(watcher.variables.values())
        if variables and "variables" not in inspect.signature(grad_fn).parameters and not any(
                p.kind is p.VAR_KEYWORD for p in inspect.signature(grad_fn).parameters.values()):
            raise TypeError("If using @custom_gradient with a function that uses variables, then "
                            "grad_fn must accept a keyword argument 'variables'.")
        op = _CustomGradientOp(getattr(f, "__name__", "f"), grad_fn, len(inputs), variables)
        outputs = tuple(y for y in flat if isinstance(y, Tensor))
        for tape in tapes:
            if tape._watch_accessed_variables:
                for variable in variables:
                    tape._watch_variable(variable)
            tape._record_operation(op, inputs + variables, outputs, {})
        return nest.pack_sequence_as(result, flat)

    return decorated
