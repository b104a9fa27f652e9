"""`tf.Variable`: mutable state whose reads are tensors.

The storage (`_value`) is a NumPy array that is never written in place: an
assignment rebinds it. Tensors read earlier therefore keep their value, and
compiled code that reads `_value` at run time sees every later assignment.
"""

from __future__ import annotations

import itertools
import weakref

import numpy as np

from eagerflow.core import dtypes as _dtypes
from eagerflow.core.context import state
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.shape import TensorShape
from eagerflow.core.tensor import (
    EagerTensor,
    Reference,
    Tensor,
    constant_array,
    convert_to_tensor,
    wrap,
)

__all__ = ["Variable", "VariableSynchronization", "VariableAggregation", "VariableSlice"]

_ids = itertools.count()


class VariableSynchronization:
    AUTO, NONE, ON_WRITE, ON_READ = 0, 1, 2, 3


class VariableAggregation:
    NONE, SUM, MEAN, ONLY_FIRST_REPLICA = 0, 1, 2, 3


class Variable:
    """A tensor-valued mutable state, as `tf.Variable`.

    >>> v = Variable([1.0, 2.0])
    >>> v.assign_add([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)
    """

    __slots__ = ("_value", "_shape", "_dtype", "_name", "_trainable", "_constraint",
                 "_initial_value", "_unique_id", "synchronization", "aggregation", "__weakref__")

    def __init__(self, initial_value=None, trainable=None, validate_shape: bool = True,
                 caching_device=None, name: str | None = None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None,
                 experimental_enable_variable_lifting=True) -> None:
        if initial_value is None:
            raise ValueError("The `initial_value` arg to `tf.Variable` must be specified "
                             "except when you are not providing a `variable_def`.")
        if dtype is not None:
            dtype = _dtypes.as_dtype(dtype)
        builder = state.local.builder
        if builder is not None:
            # Inside tf.function: the initializer is lifted out of the graph and run eagerly.
            builder.on_variable_created(self)
            initial_value = builder.lift_initial_value(initial_value)
        elif callable(initial_value):
            initial_value = initial_value()
        value = _as_eager(initial_value, dtype)
        if constraint is not None and not callable(constraint):
            raise ValueError(f"The `constraint` argument must be a callable. Received: "
                             f"{constraint}")
        self._value = np.array(value._value, copy=True) if isinstance(
            value._value, np.ndarray) else value._value
        self._dtype = value.dtype
        self._shape = TensorShape(shape) if shape is not None else (
            TensorShape(self._value.shape) if validate_shape else TensorShape(None))
        if not self._shape.is_compatible_with(self._value.shape):
            raise ValueError(f"The initial value's shape ({TensorShape(self._value.shape)}) is "
                             f"not compatible with the explicitly supplied `shape` argument "
                             f"({self._shape}).")
        if synchronization == VariableSynchronization.ON_READ and trainable:
            raise ValueError("Synchronization value can be set to "
                             "VariableSynchronization.ON_READ only for non-trainable variables.")
        self._trainable = (synchronization != VariableSynchronization.ON_READ
                           if trainable is None else bool(trainable))
        self._name = (name or "Variable").removesuffix(":0")
        self._constraint = constraint
        self._initial_value = self._value
        self._unique_id = next(_ids)
        self.synchronization = synchronization
        self.aggregation = aggregation

    # --- reading -------------------------------------------------------------------------
    def _variable_read(self) -> Tensor:
        """Read the value as a tensor; inside a trace, a read node evaluated at run time."""
        local = state.local
        builder = local.builder
        tensor = wrap(self._value) if builder is None else builder.read_variable(self)
        for tape in local.tapes:
            tape._record_variable_read(self, tensor)
        return tensor

    def value(self) -> Tensor:
        return self._variable_read()

    def read_value(self) -> Tensor:
        return self._variable_read()

    def _refuse_while_tracing(self, what: str) -> None:
        if not state.plain and state.local.builder is not None:
            raise NotImplementedError(
                f"{what} is only available when eager execution is enabled: inside tf.function "
                f"it would read the value at trace time. Use the variable as a tensor "
                f"(v.read_value(), or v in ops), or tf.print(v) to see it at run time.")

    def numpy(self):
        self._refuse_while_tracing("Variable.numpy()")
        value = self._value
        return value[()] if value.ndim == 0 else value.copy()

    def __array__(self, dtype=None, copy=None):
        self._refuse_while_tracing("Converting a variable to a NumPy array")
        value = np.asarray(self._value)
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    # --- properties ----------------------------------------------------------------------
    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    @property
    def ndim(self) -> int | None:
        return self._shape.rank

    @property
    def name(self) -> str:
        return self._name + ":0"

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def initial_value(self) -> Tensor:
        return wrap(self._initial_value)

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    @property
    def handle(self):
        return self

    def ref(self) -> Reference:
        return Reference(self)

    experimental_ref = ref

    def __hash__(self) -> int:
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    # --- assignment ----------------------------------------------------------------------
    def _converted(self, value, what: str) -> Tensor:
        try:
            tensor = convert_to_tensor(value, dtype=self._dtype)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"Cannot {what} variable '{self.name}' of dtype {self._dtype.name}: "
                            f"{exc}") from None
        if not self._shape.is_compatible_with(tensor.shape):
            raise ValueError(
                f"Cannot {what} variable '{self.name}': Shape mismatch. The variable shape "
                f"{self._shape}, and the assigned value shape {tensor.shape} are incompatible.")
        return tensor

    def _store(self, tensor: Tensor, read_value: bool):
        builder = state.local.builder
        if builder is None:
            self._value = tensor._value
        else:
            builder.assign_variable(self, tensor)
        return self if read_value else None

    def assign(self, value, use_locking=None, name=None, read_value: bool = True):
        """Set the value; a wrong shape or dtype raises and leaves the variable unchanged."""
        tensor = self._converted(value, "assign to")
        if type(tensor) is EagerTensor and tensor._value is self._value:
            return self if read_value else None
        if type(tensor) is EagerTensor and isinstance(value, np.ndarray):
            tensor = wrap(np.array(tensor._value, copy=True))  # never alias a user's array
        return self._store(tensor, read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value: bool = True):
        tensor = self._converted(delta, "add to")
        if state.local.builder is None and type(tensor) is EagerTensor:
            result = np.add(self._value, tensor._value)
            if result.shape != self._value.shape:
                raise InvalidArgumentError(None, None, f"Cannot update variable with shape "
                                           f"{self._value.shape} using a Tensor with shape "
                                           f"{tensor.shape}, shapes must be equal.")
            self._value = result
            return self if read_value else None
        return self._store(self._variable_read() + tensor, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value: bool = True):
        tensor = self._converted(delta, "subtract from")
        if state.local.builder is None and type(tensor) is EagerTensor:
            result = np.subtract(self._value, tensor._value)
            if result.shape != self._value.shape:
                raise InvalidArgumentError(None, None, f"Cannot update variable with shape "
                                           f"{self._value.shape} using a Tensor with shape "
                                           f"{tensor.shape}, shapes must be equal.")
            self._value = result
            return self if read_value else None
        return self._store(self._variable_read() - tensor, read_value)

    # --- slices and scatters --------------------------------------------------------------
    def __getitem__(self, slice_spec):
        """`v[...]`: the selected values as a tensor; eagerly it also has `.assign(value)`,
        which writes `value` (of exactly the selected shape) into those positions."""
        from eagerflow.ops import indexing

        tensor = indexing.getitem(self, slice_spec)
        if indexing._is_bool_index(slice_spec):
            return tensor
        if type(tensor) is EagerTensor:
            # Keep the object the tapes recorded; only its class changes (same layout).
            tensor.__class__ = VariableSlice
        elif isinstance(tensor, Tensor):  # a symbolic value while tracing
            tensor.__class__ = _symbolic_slice_class(type(tensor))
        else:
            return tensor
        _SLICE_TARGETS[id(tensor)] = (self, slice_spec)
        weakref.finalize(tensor, _SLICE_TARGETS.pop, id(tensor), None)
        return tensor

    def _current(self) -> Tensor:
        """The value as a tensor input of an update op, not recorded on tapes."""
        builder = state.local.builder
        return wrap(self._value) if builder is None else builder.read_variable(self)

    def _update_value(self, value, what: str) -> Tensor:
        try:
            return convert_to_tensor(value, dtype=self._dtype)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"Cannot {what} variable '{self.name}' of dtype "
                            f"{self._dtype.name}: {exc}") from None

    def _assign_slice(self, slice_spec, value, read_value: bool = True):
        from eagerflow.ops import indexing

        spec, dyn = indexing._parse_index(slice_spec)
        tensor = self._update_value(value, "assign to a slice of")
        new = indexing.strided_slice_assign_p.bind(self._current(), tensor, *dyn, spec=spec)
        return self._store(new, read_value)

    def _scatter(self, mode: str, indices, updates, op: str):
        from eagerflow.ops import array, indexing

        indices = array._index_tensor(indices, op)
        tensor = self._update_value(updates, f"{mode} into")
        new = indexing.tensor_scatter_p.bind(self._current(), indices, tensor, mode=mode)
        return self._store(new, True)

    def scatter_nd_update(self, indices, updates, name=None):
        """Set the slices at `indices` (index tuples in the last dimension) to `updates`."""
        return self._scatter("update", indices, updates, "ResourceScatterNdUpdate")

    def scatter_nd_add(self, indices, updates, name=None):
        """Add `updates` to the slices at `indices` (duplicates accumulate)."""
        return self._scatter("add", indices, updates, "ResourceScatterNdAdd")

    def scatter_nd_sub(self, indices, updates, name=None):
        """Subtract `updates` from the slices at `indices` (duplicates accumulate)."""
        return self._scatter("sub", indices, updates, "ResourceScatterNdSub")

    def _scatter_rows(self, mode: str, sparse_delta, op: str):
        if not (hasattr(sparse_delta, "indices") and hasattr(sparse_delta, "values")):
            raise TypeError(f"sparse_delta is not IndexedSlices: {sparse_delta}")
        from eagerflow.ops import array

        indices = array.expand_dims(array._index_tensor(sparse_delta.indices, op), -1)
        return self._scatter(mode, indices, sparse_delta.values, op)

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        """Set rows `sparse_delta.indices` to `sparse_delta.values` (a tf.IndexedSlices)."""
        return self._scatter_rows("update", sparse_delta, "ResourceScatterUpdate")

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows("add", sparse_delta, "ResourceScatterAdd")

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows("sub", sparse_delta, "ResourceScatterSub")

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows("max", sparse_delta, "ResourceScatterMax")

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows("min", sparse_delta, "ResourceScatterMin")

    def __len__(self) -> int:
        return len(self._variable_read())

    def __iter__(self):
        return iter(self._variable_read())

    def __bool__(self) -> bool:
        return bool(self._variable_read())

    def __float__(self) -> float:
        return float(self._variable_read())

    def __int__(self) -> int:
        return int(self._variable_read())

    def __index__(self) -> int:
        return self._variable_read().__index__()

    def __repr__(self) -> str:
        value = self._value
        text = str(value[()]) if value.ndim == 0 else repr(value)
        return (f"<tf.Variable '{self.name}' shape={self._shape} dtype={self._dtype.name}, "
                f"numpy={text}>")

    def __deepcopy__(self, memo):
        copy = Variable(np.array(self._value, copy=True), trainable=self._trainable,
                        name=self._name, dtype=self._dtype, constraint=self._constraint)
        memo[id(self)] = copy
        return copy


def _as_eager(value, dtype) -> EagerTensor:
    if hasattr(value, "_variable_read"):  # another variable's current value (also when lifted)
        value = np.array(value._value, copy=True)
    if isinstance(value, Tensor):
        if not isinstance(value, EagerTensor):
            raise ValueError("A tf.Variable's initial value must be computable eagerly; inside "
                             "tf.function it is lifted out of the graph.")
        return convert_to_tensor(value, dtype=dtype)
    return wrap(constant_array(value, dtype))


# Eager slices of variables (`v[1:3]`) -> (variable, index), for VariableSlice.assign.
_SLICE_TARGETS: dict = {}


def _assign_to_slice(self, value, use_locking=None, name=None, read_value: bool = True):
    """Write `value` (of exactly the selected shape) into the positions this slice read."""
    variable, index = _SLICE_TARGETS[id(self)]
    return variable._assign_slice(index, value, read_value)


class VariableSlice(EagerTensor):
    """The value of `variable[index]` (an ordinary eager tensor) that can also assign to
    those positions of the variable, as TF's `v[1:3].assign(...)`."""

    __slots__ = ()
    assign = _assign_to_slice


_SYMBOLIC_SLICE_CLASSES: dict = {}


def _symbolic_slice_class(base: type) -> type:
    """The same for a symbolic tensor while tracing (the graph's tensor class, plus assign)."""
    cls = _SYMBOLIC_SLICE_CLASSES.get(base)
    if cls is None:
        cls = type(f"Sliced{base.__name__}", (base,), {"__slots__": (),
                                                      "assign": _assign_to_slice})
        _SYMBOLIC_SLICE_CLASSES[base] = cls
    return cls
