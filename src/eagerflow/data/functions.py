"""The one place tf.data calls user functions (map, filter, flat_map, interleave, scan, ...).

`wrap_user_function(fn, ...)` returns a `UserFunction`: it calls `fn` with an
element unpacked as TF does (a plain tuple as positional arguments, anything
else as one argument) and turns the result back into an internal element.

When the input's element_spec is known and made of tensors, the function is
traced once by tf.function with that spec (unknown dims stay unknown), as TF
does: AutoGraph converts its control flow, Python side effects run once, and
each element runs the compiled code on NumPy arrays directly. The output spec
then comes from the trace. Otherwise (elements that are datasets, unknown
specs, scan/reduce state) the function runs eagerly and the output spec is
found by probing (see `UserFunction.output_spec`).
"""

from __future__ import annotations

import numpy as np

from eagerflow.core.context import state
from eagerflow.core.spec import TensorSpec
from eagerflow.core.tensor import EagerTensor, Tensor
from eagerflow.data import structure

__all__ = ["UserFunction", "wrap_user_function"]

_new = object.__new__


class UserFunction:
    """A user function over internal elements.

    Args:
        fn: the user's Python callable.
        name: the transformation's name, for error messages.
        top_list_as_tuple: a returned Python list becomes a tuple (TF does this for map).
    """

    __slots__ = ("fn", "name", "top_list_as_tuple", "_spec_cache", "_input_spec", "_concrete",
                 "_single_output")

    def __init__(self, fn, name: str, top_list_as_tuple: bool = True, input_spec=None) -> None:
        if not callable(fn):
            raise TypeError(f"`{name}` expects a callable, got {fn!r}.")
        self.fn = fn
        self.name = name
        self.top_list_as_tuple = top_list_as_tuple
        self._spec_cache = None
        self._input_spec = input_spec   # a callable giving the input element_spec, or None
        self._concrete = None           # the traced function; False when it runs eagerly
        self._single_output = False

    def _trace(self):
        """Trace the function once with the input's element_spec (False: run eagerly)."""
        spec = self._input_spec() if self._input_spec is not None else None
        leaves = structure.flatten(spec) if spec is not None else []
        if spec is None or not leaves or not all(
                isinstance(s, TensorSpec) and s.shape.rank is not None for s in leaves):
            self._concrete = False
            return False
        from eagerflow.function.function import Function, _Input

        function = Function(self.fn, name=_function_name(self.fn, self.name))
        args = spec if type(spec) is tuple else (spec,)
        concrete = _outside_tapes_and_traces(function.get_concrete_function, *args)
        self._single_output = isinstance(concrete._output_structure, _Input)
        self._concrete = concrete
        return concrete

    def __call__(self, element):
        """Apply to one internal element; return an internal element."""
        concrete = self._concrete
        if concrete is None:
            concrete = self._trace()
        if concrete is not False:
            if type(element) is np.ndarray or isinstance(element, np.generic):
                results = concrete._call_arrays([element])
            else:
                results = concrete._call_arrays(structure.flatten(element))
            if self._single_output:
                return results[0]
            return structure.normalize(concrete._pack(list(results)), self.top_list_as_tuple)
        if not state.plain:
            return _outside_tapes_and_traces(self._call, element)
        if type(element) is np.ndarray:  # the hot path: one array in, one tensor out
            arg = _new(EagerTensor)
            arg._value = element
            out = self.fn(arg)
            if type(out) is EagerTensor:
                return out._value
            return structure.normalize(out, self.top_list_as_tuple)
        return self._call(element)

    def _call(self, element):
        if type(element) is np.ndarray or isinstance(element, np.generic):
            arg = _new(EagerTensor)
            arg._value = element
            out = self.fn(arg)
        elif type(element) is tuple:
            out = self.fn(*structure.to_tensors(element))
        else:
            out = self.fn(structure.to_tensors(element))
        if type(out) is EagerTensor:
            return out._value
        return structure.normalize(out, self.top_list_as_tuple)

    def call_raw(self, *args):
        """Apply to several user-level arguments (scan's state and element, reduce's key)."""
        out = self.fn(*args) if state.plain else _outside_tapes_and_traces(self.fn, *args)
        if type(out) is EagerTensor:
            return out._value
        return structure.normalize(out, self.top_list_as_tuple)

    def output_spec(self, input_spec, first_element):
        """The spec of the function's outputs.

        Without tracing, the function is run on two probes built from the input spec:
        zeros with unknown dims of size 2, and small distinct values with unknown dims of
        size 3. An output dim is known where both probes agree, so dims that follow an
        unknown input dim or the data (boolean_mask, unique) come out as None. If a probe
        raises (a parser given b""), the input's first real element is used once instead,
        keeping dims only when every input dim is known.
        """
        if self._spec_cache is not None:
            return self._spec_cache
        concrete = self._concrete if self._concrete is not None else self._trace()
        if concrete is not False:
            self._spec_cache = structure.map_leaves(_spec_of_output,
                                                    _as_internal(concrete.structured_outputs,
                                                                 self.top_list_as_tuple))
            return self._spec_cache
        try:
            first = structure.spec_of(self(_probe(input_spec, 2, distinct=False)))
            second = structure.spec_of(self(_probe(input_spec, 3, distinct=True)))
            spec = _agreeing_spec(first, second)
        except Exception:
            element = first_element()
            if element is _NOTHING:
                raise ValueError(f"Cannot infer the output spec of the `{self.name}` "
                                 "function: its input dataset is empty.") from None
            known = all(isinstance(s, TensorSpec) and s.shape.is_fully_defined()
                        for s in structure.flatten(input_spec))
            spec = structure.relax_spec(structure.spec_of(self(element)), known)
        self._spec_cache = spec
        return spec


_NOTHING = object()


def _outside_tapes_and_traces(fn, *args):
    """Run `fn` as the tf.data runtime does: not recorded on tapes, not added to a trace."""
    tapes = state.set_tapes(())
    builder = state.set_builder(None)
    try:
        return fn(*args)
    finally:
        state.set_builder(builder)
        state.set_tapes(tapes)


def _probe(spec, unknown: int, distinct: bool):
    """A made-up element of `spec`: unknown dims of size `unknown`, zeros or distinct values."""
    def leaf(s):
        if not isinstance(s, TensorSpec):
            if hasattr(s, "_probe_value"):
                return s._probe_value()
            raise TypeError("not a tensor spec")
        if s.shape.rank is None:
            raise TypeError("unknown rank")
        shape = tuple(unknown if d is None else d for d in s.shape.as_list())
        size = int(np.prod(shape, dtype=np.int64))
        if s.dtype.name == "string":
            array = np.empty(size, dtype=object)
            array[:] = [str(i).encode() if distinct else b"" for i in range(size)]
            return array.reshape(shape)
        if distinct:
            values = np.arange(1, size + 1) % 7 + 1
            array = values.astype(s.dtype._numpy).reshape(shape)
        else:
            array = np.zeros(shape, dtype=s.dtype._numpy)
        return array[()] if array.ndim == 0 else array
    return structure.map_leaves(leaf, spec)


def _agreeing_spec(first, second):
    """Per leaf: dtype must match; dims kept where the two probes agree, else None."""
    flat_a, flat_b = structure.flatten(first), structure.flatten(second)
    if len(flat_a) != len(flat_b):
        raise ValueError("the probes gave different structures")
    leaves = []
    for a, b in zip(flat_a, flat_b):
        if not isinstance(a, TensorSpec):
            leaves.append(a)
            continue
        if a.dtype != b.dtype:
            raise ValueError("the probes gave different dtypes")
        leaves.append(TensorSpec(a.shape.most_specific_compatible_shape(b.shape), a.dtype))
    return structure.pack(first, leaves)


def _function_name(fn, transformation: str) -> str:
    return f"{transformation}_{getattr(fn, '__name__', 'fn')}".replace("<lambda>", "lambda")


def _as_internal(outputs, top_list_as_tuple: bool):
    """The traced outputs in the element structure tf.data uses (lists become tuples)."""
    if top_list_as_tuple and type(outputs) is list:
        return tuple(outputs)
    return outputs


def _spec_of_output(leaf):
    if isinstance(leaf, Tensor):
        return TensorSpec(leaf.shape, leaf.dtype)
    return structure.spec_of(structure.normalize(leaf))


def wrap_user_function(fn, name: str = "map", top_list_as_tuple: bool = True,
                       input_spec=None) -> UserFunction:
    """Wrap a user function for a tf.data transformation (the single entry point).

    `input_spec`: a callable giving the input dataset's element_spec; with it the function
    is traced and compiled (see the module docstring)."""
    return UserFunction(fn, name, top_list_as_tuple, input_spec)


NOTHING = _NOTHING
