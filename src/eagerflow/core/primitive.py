"""Primitives and `bind`, the single dispatch point of every op.

A Primitive is defined once: its NumPy kernel (`impl`), its shape/dtype rule
(used while tracing, where there are no values), its gradient rule (written
with eagerflow ops) and traits that the compiler passes read. `bind` asks the
current context what to do: run the kernel now (eager) or add a node to the
graph being traced, and, when a tape is recording, record the op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from eagerflow.core.context import state
from eagerflow.core.dtypes import NUMPY_TO_DTYPE, DType
from eagerflow.core.errors import InvalidArgumentError, OpError
from eagerflow.core.tensor import (
    EagerTensor,
    Tensor,
    constant_array,
    make_constant,
    scalar_array,
    wrap,
)

__all__ = ["Spec", "Primitive", "primitive", "REGISTRY", "op_error"]


class Spec(NamedTuple):
    """What a shape rule knows of a value: its shape (`None` for unknown dims) and dtype."""

    shape: tuple | None
    dtype: DType


REGISTRY: dict[str, Primitive] = {}

_new = object.__new__
_ndarray = np.ndarray
_asarray = np.asarray


class Primitive:
    """One op: kernel, shape/dtype rule, gradient rule and traits, with its `bind`.

    Args:
        name: unique registry name (TF's op name in snake_case).
        impl: `impl(*arrays, **attrs)` -> array, or a tuple of arrays when
            `multiple_results`.
        shape_rule: `shape_rule(*specs, **attrs)` -> Spec (or tuple of Specs);
            must accept `None` dims and compute nothing.
        grad: `grad(g, out, *inputs, **attrs)` -> one gradient per input (None
            where not differentiable), written with eagerflow ops. `g` and `out`
            are tuples when `multiple_results`. None: not differentiable. A rule
            with a `needed` keyword gets one bool per input and may return None
            where it is False.
        same_dtype: all tensor inputs must share one dtype (Python values take it).
        dtypes: the NumPy dtypes the first input may have (None: any).
        elementwise, commutative: traits for the passes.
        stateful: reads or changes state (variables, RNG): never merged, folded or reordered.
        side_effect: must run even when its outputs are unused (assign, print, assert).
        random: draws fresh random numbers at every run.
    """

    __slots__ = ("name", "impl", "shape_rule", "grad", "same_dtype", "dtypes",
                 "multiple_results", "elementwise", "commutative", "stateful", "side_effect",
                 "random", "bind", "emit", "replay", "grad_takes_needed", "__weakref__")

    def __init__(self, name: str, impl: Callable, shape_rule: Callable, grad: Callable | None,
                 *, same_dtype: bool = True, dtypes=None, multiple_results: bool = False,
                 elementwise: bool = False, commutative: bool = False, stateful: bool = False,
                 side_effect: bool = False, random: bool = False) -> None:
        self.name = name
        self.impl = impl
        self.shape_rule = shape_rule
        self.grad = grad
        self.same_dtype = same_dtype
        self.dtypes = None if dtypes is None else frozenset(np.dtype(d) for d in dtypes)
        self.multiple_results = multiple_results
        self.elementwise = elementwise
        self.commutative = commutative
        self.stateful = stateful or random or side_effect
        self.side_effect = side_effect
        self.random = random
        self.bind = _make_bind(self)
        # A gradient rule may take `needed` (one bool per input) and skip the gradients no
        # source depends on, e.g. matmul's gradient for a batch of input data.
        self.grad_takes_needed = grad is not None and "needed" in _parameters(grad)
        # Set by ops that generate their own code (control flow) or replay their sub-graphs.
        self.emit = None
        self.replay = None

    def __repr__(self) -> str:
        return f"<Primitive {self.name}>"

    def check_dtypes(self, dtypes: list) -> None:
        """Raise TF's errors when input dtypes break this op's rule (eager and traced)."""
        if self.same_dtype and len(dtypes) > 1:
            first = dtypes[0]
            for position, other in enumerate(dtypes[1:], 1):
                if other != first:
                    raise InvalidArgumentError(
                        None, None,
                        f"cannot compute {self.name} as input #{position}(zero-based) was "
                        f"expected to be a {first.name} tensor but is a {other.name} tensor. "
                        f"Cast one side with tf.cast so that both have the same dtype. "
                        f"[Op:{self.name}]")
        if self.dtypes is not None and dtypes and dtypes[0]._numpy not in self.dtypes:
            allowed = ", ".join(sorted(NUMPY_TO_DTYPE[d].name for d in self.dtypes))
            raise InvalidArgumentError(
                None, None,
                f"Value for attr 'T' of {dtypes[0].name} is not in the list of allowed values "
                f"for op {self.name}: {allowed}. [Op:{self.name}]")


def _parameters(function) -> tuple:
    """Names of a function's named parameters (read off its code: inspect.signature costs
    ~50 µs, times hundreds of primitives at import)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return ()
    return code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]


def primitive(name: str, impl: Callable, shape_rule: Callable, grad: Callable | None = None,
              **traits) -> Primitive:
    """Define and register a primitive; the name must be new."""
    if name in REGISTRY:
        raise ValueError(f"Primitive {name!r} is already defined")
    prim = Primitive(name, impl, shape_rule, grad, **traits)
    REGISTRY[name] = prim
    return prim


def op_error(prim: Primitive, exc: Exception, arrays) -> OpError:
    """Translate a kernel's exception into TF's error naming the op, shapes and dtypes."""
    if isinstance(exc, OpError):
        return exc
    if isinstance(exc, ValueError) and "broadcast" in str(exc):
        shapes = " vs. ".join(str(list(np.shape(a))) for a in arrays)
        return InvalidArgumentError(
            None, None, f"Incompatible shapes: {shapes} [Op:{prim.name}]. Each dimension must "
                        f"be equal, or 1 in one of the operands, to broadcast.")
    shapes = ", ".join(str(tuple(np.shape(a))) for a in arrays)
    kinds = ", ".join(getattr(NUMPY_TO_DTYPE.get(np.asarray(a).dtype), "name", "?")
                      for a in arrays)
    return InvalidArgumentError(
        None, None,
        f"{prim.name} failed on inputs of shapes [{shapes}] and dtypes [{kinds}]: {exc} "
        f"[Op:{prim.name}]")


def _make_bind(prim: Primitive):
    impl = prim.impl
    same_dtype = prim.same_dtype
    multiple = prim.multiple_results
    allowed = prim.dtypes
    accepted = [None]  # the last first-input dtype that passed `allowed` (dtypes are singletons)

    def bind(*inputs, **attrs):
        if state.plain:
            # Eager, untaped: the hot path. Two tensors or one tensor skip conversion.
            count = len(inputs)
            if count == 2:
                a, b = inputs
                type_a = type(a)
                type_b = type(b)
                if type_a is EagerTensor and type_b is EagerTensor:
                    a = a._value
                    b = b._value
                    if same_dtype and a.dtype is not b.dtype and a.dtype != b.dtype:
                        prim.check_dtypes([NUMPY_TO_DTYPE[a.dtype], NUMPY_TO_DTYPE[b.dtype]])
                    arrays = (a, b)
                elif same_dtype and type_a is EagerTensor and (type_b is float or type_b is int):
                    a = a._value
                    arrays = (a, scalar_array(b, a.dtype))
                elif same_dtype and type_b is EagerTensor and (type_a is float or type_a is int):
                    b = b._value
                    arrays = (scalar_array(a, b.dtype), b)
                else:
                    arrays = eager_arrays(prim, inputs)
                    if arrays is None:
                        return SYMBOLIC_CALL(prim, inputs, attrs)
            elif count == 1 and type(inputs[0]) is EagerTensor:
                arrays = (inputs[0]._value,)
            else:
                arrays = eager_arrays(prim, inputs)
                if arrays is None:
                    return SYMBOLIC_CALL(prim, inputs, attrs)
            if allowed is not None and arrays and arrays[0].dtype is not accepted[0]:
                if arrays[0].dtype not in allowed:
                    prim.check_dtypes([NUMPY_TO_DTYPE[arrays[0].dtype]])
                accepted[0] = arrays[0].dtype
            try:
                out = impl(*arrays, **attrs) if attrs else impl(*arrays)
            except OpError:
                raise
            except Exception as exc:
                raise op_error(prim, exc, arrays) from None
            if multiple:
                return tuple([wrap(o) for o in out])
            if type(out) is not _ndarray:  # NumPy gives scalars for rank 0: keep arrays, so
                out = _asarray(out)         # kernels may always write in place (out=)
            tensor = _new(EagerTensor)
            tensor._value = out
            return tensor
        return apply_general(prim, inputs, attrs)

    bind.__name__ = f"bind_{prim.name}"
    return bind


def _dtype_hint(prim: Primitive, inputs) -> np.dtype | None:
    if not prim.same_dtype:
        return None
    for x in inputs:
        if isinstance(x, Tensor):
            return x.dtype._numpy
        read = getattr(x, "_variable_read", None)
        if read is not None:
            return x.dtype._numpy
    for x in inputs:  # no tensor: NumPy arrays set the dtype Python values take
        if isinstance(x, (np.ndarray, np.generic)):
            return constant_array(x).dtype
    return None


def _python_value_array(x, hint: np.dtype | None):
    if hint is not None and isinstance(x, (int, float, bool, complex)):
        return scalar_array(x, hint)
    if hint is not None:
        return constant_array(x, NUMPY_TO_DTYPE[hint])
    return constant_array(x)


# Set by eagerflow.keras: the functional API's symbolic tensor types (KerasTensor) and the
# function that turns an op on them into a layer call. Ops meeting such an input (never a
# Tensor, so only on the conversion path below) return SYMBOLIC_CALL(prim, inputs, attrs).
SYMBOLIC_TYPES: tuple = ()
SYMBOLIC_CALL: Callable | None = None


def eager_arrays(prim: Primitive, inputs) -> tuple | None:
    """The input arrays of an eager op: tensors unwrapped, variables read, Python values
    converted to the tensors' dtype (or TF's inference when there is no tensor). None when an
    input is a functional-API symbolic tensor (see SYMBOLIC_TYPES)."""
    hint = _dtype_hint(prim, inputs)
    arrays = []
    for x in inputs:
        if type(x) is EagerTensor:
            arrays.append(x._value)
        elif hasattr(x, "_variable_read"):
            arrays.append(x._value)
        elif isinstance(x, EagerTensor):  # a subclass (a slice of a variable)
            arrays.append(x._value)
        elif isinstance(x, Tensor):
            raise TypeError(f"{prim.name}: a symbolic tensor {x!r} was used outside the "
                            "tf.function that created it.")
        elif SYMBOLIC_TYPES and isinstance(x, SYMBOLIC_TYPES):
            return None
        else:
            arrays.append(_python_value_array(x, hint))
    if prim.same_dtype and len(arrays) > 1:
        first = arrays[0].dtype
        if any(a.dtype != first for a in arrays[1:]):
            prim.check_dtypes([NUMPY_TO_DTYPE[a.dtype] for a in arrays])
    return tuple(arrays)


def input_tensors(prim: Primitive, inputs) -> list | None:
    """The inputs as Tensor objects: variables read (recorded on tapes), values converted;
    None when an input is a functional-API symbolic tensor (see SYMBOLIC_TYPES)."""
    hint = _dtype_hint(prim, inputs)
    tensors = []
    for x in inputs:
        if isinstance(x, Tensor):
            tensors.append(x)
        else:
            read = getattr(x, "_variable_read", None)
            if read is not None:
                tensors.append(read())
            elif SYMBOLIC_TYPES and isinstance(x, SYMBOLIC_TYPES):
                return None
            else:
                tensors.append(make_constant(_python_value_array(x, hint)))
    return tensors


def apply_general(prim: Primitive, inputs, attrs: dict):
    """Dispatch when tracing or recording: build a node or run eagerly, then record."""
    local = state.local
    builder = local.builder
    tensors = input_tensors(prim, inputs)
    if tensors is None:
        return SYMBOLIC_CALL(prim, inputs, attrs)
    if builder is None:
        for t in tensors:
            if not isinstance(t, EagerTensor):
                raise TypeError(f"{prim.name}: a symbolic tensor {t!r} was used outside the "
                                "tf.function that created it.")
        arrays = [t._value for t in tensors]
        if arrays:
            prim.check_dtypes([NUMPY_TO_DTYPE[a.dtype] for a in arrays])
        try:
            out = prim.impl(*arrays, **attrs)
        except OpError:
            raise
        except Exception as exc:
            raise op_error(prim, exc, arrays) from None
        outputs = tuple(wrap(o) for o in out) if prim.multiple_results else wrap(out)
    else:
        outputs = builder.apply(prim, tensors, attrs)
    if local.tapes and prim.grad is not None:
        for tape in local.tapes:
            tape._record_operation(prim, tensors, outputs, attrs)
    return outputs
