"""Distributed input: `experimental_distribute_dataset` and `distribute_datasets_from_function`
give a DistributedDataset whose elements are the dataset's own (the single replica takes the
whole global batch), and the small option and context classes of tf.distribute's input API."""

from __future__ import annotations

import enum
from typing import Any

from eagerflow.data.dataset import Dataset as _Dataset

__all__ = ["DistributedDataset", "DistributedIterator", "InputContext", "InputOptions",
           "InputReplicationMode", "ValueContext", "RunOptions"]


class InputReplicationMode(enum.Enum):
    """Whether a dataset function builds one pipeline per worker or one per replica."""

    PER_WORKER = "PER_WORKER"
    PER_REPLICA = "PER_REPLICA"


class InputOptions:
    """Options of distributed input (accepted; with one CPU replica they change nothing)."""

    def __init__(self, experimental_fetch_to_device=None,
                 experimental_replication_mode=InputReplicationMode.PER_WORKER,
                 experimental_place_dataset_on_device: bool = False,
                 experimental_per_replica_buffer_size: int = 1) -> None:
        if not isinstance(experimental_replication_mode, InputReplicationMode):
            raise TypeError("InputOptions: experimental_replication_mode must be a "
                            "tf.distribute.InputReplicationMode, got "
                            f"{experimental_replication_mode!r}.")
        self.experimental_fetch_to_device = experimental_fetch_to_device
        self.experimental_replication_mode = experimental_replication_mode
        self.experimental_place_dataset_on_device = experimental_place_dataset_on_device
        self.experimental_per_replica_buffer_size = experimental_per_replica_buffer_size

    def __repr__(self) -> str:
        return (f"InputOptions(experimental_fetch_to_device={self.experimental_fetch_to_device}, "
                f"experimental_replication_mode={self.experimental_replication_mode}, "
                f"experimental_place_dataset_on_device="
                f"{self.experimental_place_dataset_on_device}, "
                f"experimental_per_replica_buffer_size="
                f"{self.experimental_per_replica_buffer_size})")


class RunOptions:
    """Options of `strategy.run` (accepted; they concern TPUs and XLA)."""

    def __init__(self, experimental_enable_dynamic_batch_size: bool = True,
                 experimental_bucketizing_dynamic_shape: bool = False,
                 experimental_xla_options=None) -> None:
        self.experimental_enable_dynamic_batch_size = experimental_enable_dynamic_batch_size
        self.experimental_bucketizing_dynamic_shape = experimental_bucketizing_dynamic_shape
        self.experimental_xla_options = experimental_xla_options


class InputContext:
    """What a dataset function of `distribute_datasets_from_function` learns about its place:
    how many input pipelines there are, which one it builds, and the replica count."""

    def __init__(self, num_input_pipelines: int = 1, input_pipeline_id: int = 0,
                 num_replicas_in_sync: int = 1) -> None:
        self._num_input_pipelines = num_input_pipelines
        self._input_pipeline_id = input_pipeline_id
        self._num_replicas_in_sync = num_replicas_in_sync

    @property
    def num_input_pipelines(self) -> int:
        return self._num_input_pipelines

    @property
    def input_pipeline_id(self) -> int:
        return self._input_pipeline_id

    @property
    def num_replicas_in_sync(self) -> int:
        return self._num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size: int) -> int:
        """The batch each replica takes: `global_batch_size / num_replicas_in_sync`."""
        if global_batch_size % self._num_replicas_in_sync != 0:
            raise ValueError(f"The `global_batch_size` {global_batch_size} is not divisible by "
                             f"`num_replicas_in_sync` {self._num_replicas_in_sync}")
        return global_batch_size // self._num_replicas_in_sync

    def __str__(self) -> str:
        return (f"tf.distribute.InputContext(input pipeline id {self.input_pipeline_id}, "
                f"total: {self.num_input_pipelines})")


class ValueContext:
    """What a value function of `experimental_distribute_values_from_function` is given."""

    def __init__(self, replica_id_in_sync_group: int = 0, num_replicas_in_sync: int = 1) -> None:
        self._replica_id_in_sync_group = replica_id_in_sync_group
        self._num_replicas_in_sync = num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self) -> int:
        return self._replica_id_in_sync_group

    @property
    def num_replicas_in_sync(self) -> int:
        return self._num_replicas_in_sync

    def __str__(self) -> str:
        return (f"tf.distribute.ValueContext(replica id {self.replica_id_in_sync_group}, "
                f"total replicas in sync: {self.num_replicas_in_sync})")


class DistributedDataset(_Dataset):
    """A dataset spread over the replicas (`tf.distribute.DistributedDataset`). With one
    replica each element is the dataset's element, whole.

    `for x in dist_dataset:` works eagerly and inside tf.function (AutoGraph folds it with
    `reduce`), `iter(dist_dataset)` gives a DistributedIterator, and Keras `fit` takes it as
    it takes the dataset (it is one, for code that checks).
    """

    def __init__(self, dataset, strategy, options: InputOptions | None = None) -> None:
        if not isinstance(dataset, _Dataset):
            raise TypeError(f"{type(strategy).__name__}.experimental_distribute_dataset expects a "
                            f"tf.data.Dataset, got {type(dataset).__name__}: {dataset!r}. Wrap "
                            "the data in tf.data.Dataset.from_tensor_slices(...).batch(...) "
                            "first.")
        if options is not None and not isinstance(options, InputOptions):
            raise TypeError(f"options must be a tf.distribute.InputOptions, got {options!r}.")
        self._dataset = dataset
        self._inputs = (dataset,)
        self._strategy = strategy
        self._input_options = options

    # What Dataset asks of a subclass: the wrapped dataset's elements, unchanged.
    def _make_iter(self):
        return self._dataset._make_iter()

    def _compute_spec(self):
        return self._dataset.element_spec

    def _compute_cardinality(self) -> int:
        return self._dataset._compute_cardinality()

    def __iter__(self) -> DistributedIterator:
        return DistributedIterator(iter(self._dataset))

    def reduce(self, initial_state, reduce_func):
        """Fold every element into a state (what AutoGraph runs for a `for` loop over it)."""
        return self._dataset.reduce(initial_state, reduce_func)

    def __repr__(self) -> str:
        return f"<DistributedDataset element_spec={self.element_spec!r}>"


class DistributedIterator:
    """The iterator of a DistributedDataset: `next(it)`, `it.get_next()`,
    `it.get_next_as_optional()`; `next(it)` inside tf.function advances at each call."""

    def __init__(self, iterator) -> None:
        self._iterator = iterator

    @property
    def element_spec(self):
        return self._iterator.element_spec

    def __iter__(self) -> DistributedIterator:
        iter(self._iterator)  # the owned iterator refuses a Python loop while tracing
        return self

    def __next__(self):
        return next(self._iterator)

    def get_next(self, name=None) -> Any:
        """The next element; raises `tf.errors.OutOfRangeError` at the end."""
        return self._iterator.get_next()

    def get_next_as_optional(self):
        """The next element as a `tf.experimental.Optional`, empty at the end."""
        return self._iterator.get_next_as_optional()

    def reduce(self, initial_state, reduce_func):
        """Fold the elements left (AutoGraph's `for x in iterator` inside tf.function)."""
        return self._iterator.reduce(initial_state, reduce_func)

    # tf.train.Checkpoint(iterator=it) saves the position of the underlying iterator.
    def _serialize_to_tensors(self) -> dict:
        return self._iterator._serialize_to_tensors()

    def _restore_from_tensors(self, tensors: dict) -> None:
        self._iterator._restore_from_tensors(tensors)

    def __repr__(self) -> str:
        return f"<DistributedIterator element_spec={self.element_spec!r}>"
