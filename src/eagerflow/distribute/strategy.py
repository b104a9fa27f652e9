"""The Strategy API for one CPU replica: `Strategy` (scope, run, reduce, distributed input),
`StrategyExtended` and `ReplicaContext`, with TF's semantics for a single replica: `run`
calls the function once and returns its plain results, reductions across replicas are the
identity, variables created in a scope are ordinary tf.Variables."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from eagerflow.core import nest
from eagerflow.core.context import state as _state
from eagerflow.core.tensor import Tensor
from eagerflow.distribute import context as _context
from eagerflow.distribute import values as _values
from eagerflow.distribute.input import (
    DistributedDataset,
    InputContext,
    InputOptions,
    InputReplicationMode,
    ValueContext,
)
from eagerflow.distribute.reduce_op import ReduceOp, as_reduce_op

__all__ = ["Strategy", "StrategyExtended", "ReplicaContext", "CPU_DEVICE"]

CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


def _tracing() -> bool:
    return not _state.plain and _state.local.builder is not None


def _as_tensors(structure):
    from eagerflow.core.tensor import convert_to_tensor

    return nest.map_structure(convert_to_tensor, _values.unwrap(structure))


class ReplicaContext:
    """Where `strategy.run`'s function runs: one replica's view (`tf.distribute.ReplicaContext`).

    Get it with `tf.distribute.get_replica_context()`. Collective operations over the one
    replica (`all_reduce`, `all_gather`) return their input as tensors.
    """

    def __init__(self, strategy, replica_id_in_sync_group: int = 0) -> None:
        self._strategy = strategy
        self._replica_id = replica_id_in_sync_group

    @property
    def strategy(self) -> Strategy:
        """The strategy this replica belongs to."""
        return self._strategy

    @property
    def num_replicas_in_sync(self) -> int:
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self) -> Tensor:
        """This replica's index as an int32 scalar tensor (0)."""
        from eagerflow.core import dtypes
        from eagerflow.core.tensor import convert_to_tensor

        return convert_to_tensor(self._replica_id, dtypes.int32)

    @property
    def devices(self) -> tuple:
        return (CPU_DEVICE,)

    def all_reduce(self, reduce_op, value, options=None):
        """`value` (a nest of tensors) combined over the replicas by SUM or MEAN."""
        as_reduce_op(reduce_op)
        return _as_tensors(value)

    def all_gather(self, value, axis: int, options=None):
        """`value` (a nest of tensors) concatenated over the replicas along `axis`."""
        return _as_tensors(value)

    def merge_call(self, merge_fn: Callable, args=(), kwargs=None):
        """Call `merge_fn(strategy, *args, **kwargs)` in cross-replica context, once for all
        replicas, and return its result to each."""
        if not callable(merge_fn):
            raise TypeError(f"merge_call expects a callable merge_fn, got {merge_fn!r}.")
        with _context.pushed(self._strategy, None):
            return merge_fn(self._strategy, *args, **(kwargs or {}))

    def __enter__(self) -> ReplicaContext:
        self._pushed = _context.pushed(self._strategy, self)
        self._pushed.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._pushed.__exit__(*exc_info)

    def __repr__(self) -> str:
        return (f"<ReplicaContext of {type(self._strategy).__name__}, replica "
                f"{self._replica_id} of {self.num_replicas_in_sync}>")


class StrategyExtended:
    """`strategy.extended`: the lower-level API (devices, reduce_to, update, ...)."""

    def __init__(self, strategy, devices: tuple = (CPU_DEVICE,)) -> None:
        self._strategy = strategy
        self._devices = tuple(devices)

    @property
    def worker_devices(self) -> tuple:
        """The devices replicas run on (the CPU)."""
        return self._devices

    @property
    def parameter_devices(self) -> tuple:
        """The devices variables live on (the CPU)."""
        return self._devices

    experimental_require_static_shapes = False
    experimental_between_graph = False
    experimental_should_init = True
    should_checkpoint = True
    should_save_summary = True

    def non_slot_devices(self, var_list) -> tuple:
        return self._devices

    def colocate_vars_with(self, colocate_with_variable) -> contextlib.AbstractContextManager:
        """A scope placing new variables with `colocate_with_variable` (all share the CPU)."""
        return contextlib.nullcontext()

    def reduce_to(self, reduce_op, value, destinations, options=None):
        """`value` combined over the replicas and put on `destinations`."""
        as_reduce_op(reduce_op)
        return _as_tensors(value)

    def batch_reduce_to(self, reduce_op, value_destination_pairs, options=None) -> list:
        """`reduce_to` for each (value, destinations) pair."""
        return [self.reduce_to(reduce_op, value, destinations)
                for value, destinations in value_destination_pairs]

    def broadcast_to(self, tensor, destinations):
        """`tensor` copied to `destinations`."""
        return _as_tensors(tensor)

    def update(self, var, fn: Callable, args=(), kwargs=None, group: bool = True):
        """Run `fn(var, *args, **kwargs)` to update the (mirrored) variable `var`."""
        with _context.pushed(self._strategy, None):
            return fn(var, *_values.unwrap(tuple(args)), **_values.unwrap(dict(kwargs or {})))

    def update_non_slot(self, colocate_with, fn: Callable, args=(), kwargs=None,
                        group: bool = True):
        """Run `fn(*args, **kwargs)` where the non-slot variables live."""
        with _context.pushed(self._strategy, None):
            return fn(*_values.unwrap(tuple(args)), **_values.unwrap(dict(kwargs or {})))

    def call_for_each_replica(self, fn: Callable, args=(), kwargs=None):
        """Run `fn` in each replica's context (once here); like `strategy.run`."""
        return self._strategy.run(fn, args=args, kwargs=kwargs)

    def value_container(self, value):
        return value

    def read_var(self, v) -> Tensor:
        """The value of the variable `v` (a tensor) in cross-replica context."""
        from eagerflow.ops.array import identity

        return identity(v)


class Strategy:
    """Runs a computation on a set of replicas (`tf.distribute.Strategy`): here exactly one, on
    the CPU. Subclasses only say how they are made (and which devices they were asked for)."""

    def __init__(self, extended: StrategyExtended | None = None) -> None:
        self._extended = extended if extended is not None else StrategyExtended(self)

    # --- what it runs on ---------------------------------------------------------------------
    @property
    def extended(self) -> StrategyExtended:
        return self._extended

    @property
    def num_replicas_in_sync(self) -> int:
        """How many replicas compute each step together: 1."""
        return 1

    @property
    def cluster_resolver(self):
        return None

    def _make_replica_context(self) -> ReplicaContext:
        return ReplicaContext(self, 0)

    def _require_cross_replica_context(self) -> None:
        """TF's rule: scope, run, reduce and gather are called from outside `run`'s function
        (in cross-replica context); inside it, `merge_call` gets back there."""
        if _context.get_replica_context() is not None and _context.has_strategy():
            raise RuntimeError("Method requires being in cross-replica context, use "
                               "get_replica_context().merge_call()")

    # --- scope -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        """Make this strategy current: variables, models, optimizers and metrics created
        inside are this strategy's (plain tf.Variables with one replica)."""
        self._require_cross_replica_context()
        current = _context.get_strategy()
        if current is not self and _context.has_strategy():
            raise RuntimeError(f"Mixing different tf.distribute.Strategy objects: {current!r} "
                               f"is not {self!r}. Leave the other strategy's scope first.")
        with _context.pushed(self, None):
            yield self

    # --- running a step ----------------------------------------------------------------------
    def run(self, fn: Callable, args=(), kwargs=None, options=None):
        """Run `fn(*args, **kwargs)` on each replica (once here) and return its results (plain
        values with one replica). Works eagerly and inside tf.function, where `fn`'s tensor
        control flow is converted by AutoGraph."""
        self._require_cross_replica_context()
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}.run expects a callable fn, got "
                            f"{type(fn).__name__}: {fn!r}.")
        if not isinstance(args, (list, tuple)):
            raise ValueError(f"positional args must be a list or tuple, got {type(args)}. Wrap "
                             f"a single argument in a tuple: args=(x,).")
        if kwargs is not None and not isinstance(kwargs, dict):
            raise ValueError(f"kwargs must be a dict, got {type(kwargs)}.")
        args = _values.unwrap(tuple(args))
        kwargs = _values.unwrap(dict(kwargs or {}))
        if _tracing():
            from eagerflow.autograph import convert_for_tracing

            fn = convert_for_tracing(fn)
        with _context.pushed(self, self._make_replica_context()):
            return fn(*args, **kwargs)

    experimental_run_v2 = run  # the name of `run` in TF 2.0 and 2.1

    def reduce(self, reduce_op, value, axis):
        """Combine per-replica `value`s (a nest) by SUM or MEAN across replicas and, when
        `axis` is an int, along that axis of each value too.

        >>> strategy.reduce("SUM", per_replica_losses, axis=None)
        """
        self._require_cross_replica_context()
        op = as_reduce_op(reduce_op)
        value = _values.unwrap(value)
        if isinstance(value, (list, tuple)) and _all_numbers(value):
            from eagerflow.core.tensor import convert_to_tensor

            value = convert_to_tensor(value)  # a list of numbers is one tensor, as in TF
        if axis is None:
            return _as_tensors(value)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"{type(self).__name__}.reduce: axis must be None or an int, got "
                            f"{axis!r}.")
        return nest.map_structure(lambda leaf: _reduce_along(op, leaf, axis), value)

    def experimental_local_results(self, value) -> tuple:
        """The per-replica components of `value` on this worker: a 1-tuple here."""
        return _values.local_results(value)

    def gather(self, value, axis: int):
        """Per-replica `value`s concatenated along `axis` (the value itself, as a tensor)."""
        self._require_cross_replica_context()
        return _as_tensors(value)

    def group(self, value, name=None):
        """Group the per-replica ops of `value` (its components, unchanged)."""
        return _values.unwrap(value)

    # --- distributed input -------------------------------------------------------------------
    def experimental_distribute_dataset(self, dataset, options: InputOptions | None = None
                                        ) -> DistributedDataset:
        """`dataset` spread over the replicas: each element goes, whole, to the one replica.
        Batch with the global batch size (`per_replica * strategy.num_replicas_in_sync`)."""
        if options is not None and isinstance(options, InputOptions) and \
                options.experimental_replication_mode is InputReplicationMode.PER_REPLICA:
            raise NotImplementedError(
                "InputReplicationMode.PER_REPLICA is only supported in "
                "`distribute_datasets_from_function`, not in `experimental_distribute_dataset`.")
        return DistributedDataset(dataset, self, options)

    def distribute_datasets_from_function(self, dataset_fn: Callable,
                                          options: InputOptions | None = None
                                          ) -> DistributedDataset:
        """Call `dataset_fn(input_context)` (one input pipeline, one replica) and distribute
        the dataset it returns; `input_context.get_per_replica_batch_size` gives its batch."""
        if not callable(dataset_fn):
            raise TypeError(f"distribute_datasets_from_function expects a callable, got "
                            f"{dataset_fn!r}.")
        dataset = dataset_fn(InputContext(1, 0, self.num_replicas_in_sync))
        return DistributedDataset(dataset, self, options)

    experimental_distribute_datasets_from_function = distribute_datasets_from_function

    def experimental_distribute_values_from_function(self, value_fn: Callable):
        """A PerReplica of `value_fn(value_context)` for each replica."""
        if not callable(value_fn):
            raise TypeError(f"experimental_distribute_values_from_function expects a callable, "
                            f"got {value_fn!r}.")
        value = value_fn(ValueContext(0, self.num_replicas_in_sync))
        return nest.map_structure(lambda leaf: _values.PerReplica([leaf]), value)

    def __repr__(self) -> str:
        return f"<tf.distribute.{type(self).__name__} on {self.extended.worker_devices}>"


def _all_numbers(value) -> bool:
    import numbers

    import numpy as np

    return all(isinstance(leaf, (numbers.Number, np.generic)) for leaf in nest.flatten(value))


def _reduce_along(op: ReduceOp, leaf, axis: int) -> Tensor:
    from eagerflow.core.tensor import convert_to_tensor
    from eagerflow.ops import math as _math
    from eagerflow.ops.array import cast, shape
    from eagerflow.ops.reduce import reduce_sum

    tensor = convert_to_tensor(leaf)
    rank = tensor.shape.rank
    if rank is not None and not -rank <= axis < max(rank, 1):
        raise ValueError(f"Strategy.reduce: axis {axis} is out of range for a value of shape "
                         f"{tensor.shape} (rank {rank}).")
    total = reduce_sum(tensor, axis=axis)
    if op is ReduceOp.SUM:
        return total
    count = cast(shape(tensor)[axis], tensor.dtype)
    return _math.truediv(total, count)


class _DefaultStrategy(Strategy):
    """The strategy in effect outside any scope (`tf.distribute.get_strategy()`): no
    distribution, one replica, its scope changes nothing."""

    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        with _context.pushed(self, _context.get_replica_context() or
                             self._make_replica_context()):
            yield self
