"""`tf.data.Dataset`: a lazy description of a pipeline, and its public methods.

A Dataset holds its inputs and parameters; each transformation returns a new
Dataset. Iterating builds a chain of Python iterators over internal elements
(NumPy leaves, see structure.py): `_make_iter()`. Subclasses live in
sources.py and transformations.py and define `_make_iter`, `_compute_spec`
and `_compute_cardinality`.
"""

from __future__ import annotations

import threading

import numpy as np

from eagerflow.core.context import state as _context
from eagerflow.core.tensor import wrap
from eagerflow.data import structure
from eagerflow.data.functions import NOTHING
from eagerflow.data.iterator import OwnedIterator
from eagerflow.data.options import Options

__all__ = ["Dataset", "DatasetV2", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY",
           "DatasetSpec", "int_arg"]

AUTOTUNE = -1
PROBING = threading.local()  # `active` while _first_element builds an iterator
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


def int_arg(value, name: str) -> int:
    """A Python int from an int, NumPy integer or integer scalar tensor."""
    try:
        return int(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be an integer scalar, got {value!r}.") from None


_PUBLIC_NAMES = frozenset({"TextLineDataset", "TFRecordDataset"})


class DatasetSpec:
    """The spec of a dataset-valued element (`tf.data.DatasetSpec`), e.g. a window."""

    def __init__(self, element_spec, dataset_shape=()) -> None:
        from eagerflow.core.shape import TensorShape

        self.element_spec = element_spec
        self.shape = TensorShape(dataset_shape)

    def __eq__(self, other) -> bool:
        return (isinstance(other, DatasetSpec) and self.element_spec == other.element_spec
                and self.shape == other.shape)

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        return f"DatasetSpec({self.element_spec!r}, TensorShape({self.shape.as_list()}))"

    def _probe_value(self):
        raise TypeError("datasets cannot be probed")


class Dataset:
    """A potentially large set of elements, iterated lazily.

    >>> ds = Dataset.from_tensor_slices([1, 2, 3]).map(lambda x: x * 2)
    >>> [int(x) for x in ds]
    [2, 4, 6]
    """

    _inputs: tuple = ()
    _local_options = None

    # -- what subclasses provide -------------------------------------------------------
    def _make_iter(self):
        """A Python iterator over internal elements, from the start."""
        raise NotImplementedError

    def _compute_spec(self):
        raise NotImplementedError

    def _compute_cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    # -- inspection ----------------------------------------------------------------------
    @property
    def element_spec(self):
        """The nested structure of `tf.TensorSpec` describing one element."""
        spec = self.__dict__.get("_element_spec")
        if spec is None:
            spec = self._compute_spec()
            self.__dict__["_element_spec"] = spec
        return spec

    def cardinality(self):
        """Number of elements as an int64 scalar tensor; -1 infinite, -2 unknown."""
        return wrap(np.int64(self._compute_cardinality()))

    def __len__(self) -> int:
        n = self._compute_cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self) -> bool:
        return True

    # A dataset as an element (windows): the user sees the dataset itself.
    def _to_user(self):
        return self

    def _to_numpy(self):
        return self

    def _dataset_spec(self):
        return DatasetSpec(self.element_spec)

    def __iter__(self) -> OwnedIterator:
        if not _context.plain and _context.local.builder is not None:
            raise TypeError(
                "Iterating a tf.data.Dataset with Python's iter() while tf.function traces would "
                "read its elements once, at trace time. Write `for x in dataset:` (AutoGraph "
                "runs it as a graph loop), use dataset.reduce(...), or create the iterator "
                "outside the function (it = iter(dataset)) and call next(it) inside.")
        return OwnedIterator(self)

    def __repr__(self) -> str:
        name = type(self).__name__
        name = name if name in _PUBLIC_NAMES else "_" + name.lstrip("_")
        return f"<{name} element_spec={self.element_spec!r}>"

    def as_numpy_iterator(self):
        """An iterator of NumPy values (arrays, scalars, bytes for strings)."""
        return _NumpyIterator(self)

    def options(self) -> Options:
        """The options of this dataset merged with those of its inputs."""
        merged = Options()
        stack = [self]
        order = []
        seen = set()
        while stack:  # inputs first, then this dataset's own options override
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            order.append(node)
            stack.extend(node._inputs)
        for node in reversed(order):
            if node._local_options is not None:
                merged = merged.merge(node._local_options)
        return merged

    def _deterministic_option(self, deterministic) -> bool:
        if deterministic is not None:
            return bool(deterministic)
        option = self.options().deterministic
        return True if option is None else bool(option)

    def _first_element(self):
        """The first internal element (NOTHING if empty), read without side effects on state:
        shuffles do not advance their epoch and caches are bypassed while probing."""
        from eagerflow.data.threads import close_iterator

        previous = getattr(PROBING, "active", False)
        PROBING.active = True
        try:
            iterator = self._make_iter()
        finally:
            PROBING.active = previous
        try:
            return next(iterator)
        except StopIteration:
            return NOTHING
        finally:
            close_iterator(iterator)

    def get_single_element(self, name=None):
        """The only element of the dataset; InvalidArgumentError unless there is exactly one."""
        from eagerflow.core import errors

        iterator = self._make_iter()
        try:
            element = next(iterator)
        except StopIteration:
            raise errors.InvalidArgumentError(None, None, "Dataset was empty.") from None
        try:
            next(iterator)
        except StopIteration:
            return structure.to_tensors(element)
        raise errors.InvalidArgumentError(None, None, "Dataset had more than one element.")

    # -- sources ---------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None) -> Dataset:
        """One element per slice along the first dimension of every component."""
        return _s.TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors, name=None) -> Dataset:
        """A dataset with `tensors` as its single element."""
        return _s.TensorDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None) -> Dataset:
        """Elements yielded by `generator(*args)`, converted to `output_signature`."""
        return _s.GeneratorDataset(generator, output_types, output_shapes, args,
                                   output_signature)

    @staticmethod
    def range(*args, **kwargs) -> Dataset:
        """`range(stop)`, `range(start, stop[, step])`, `dtype=tf.int64`."""
        return _s.RangeDataset(*args, **kwargs)

    @staticmethod
    def zip(*args, datasets=None, name=None) -> Dataset:
        """Zip a (nested) structure of datasets: `zip((a, b))` or `zip(a, b)`."""
        if datasets is not None:
            if args:
                raise TypeError("Both `*args` and `datasets` cannot be set.")
        elif len(args) == 1:
            datasets = args[0]
        elif args:
            datasets = tuple(args)
        else:
            raise TypeError("Must pass at least one dataset to `zip`.")
        return _s.ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None) -> Dataset:
        """The files matching a glob pattern (or list of patterns), shuffled by default."""
        return _s.list_files(file_pattern, shuffle, seed)

    @staticmethod
    def counter(start=0, step=1, dtype=None, name=None) -> Dataset:
        """An infinite count `start, start + step, ...` (int64 by default)."""
        return _s.RangeDataset(start, None, step, dtype=dtype, infinite=True)

    @staticmethod
    def random(seed=None, rerandomize_each_iteration=None, name=None) -> Dataset:
        """An infinite dataset of pseudo-random int64 scalars."""
        return _s.RandomDataset(seed, bool(rerandomize_each_iteration))

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None,
                             stop_on_empty_dataset=False, rerandomize_each_iteration=None):
        """Sample elements at random from `datasets` with probabilities `weights`."""
        return _sm.SampleDataset(datasets, weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        """Take elements from `datasets[i]` for each `i` of `choice_dataset` (int64)."""
        return _sm.ChooseDataset(datasets, choice_dataset, stop_on_empty_dataset)

    # -- transformations --------------------------------------------------------------------
    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None) -> Dataset:
        """Stack consecutive elements into batches (the last may be smaller)."""
        return _b.BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None) -> Dataset:
        """Batch elements of different shapes, padding each component (0 / b'' by default)."""
        return _b.PaddedBatchDataset(self, batch_size, padded_shapes, padding_values,
                                     drop_remainder)

    def unbatch(self, name=None) -> Dataset:
        """Split elements along their first dimension."""
        return _b.UnbatchDataset(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None) -> Dataset:
        """Re-split batched elements into batches of `batch_size` (an int or a list cycled)."""
        return _b.RebatchDataset(self, batch_size, drop_remainder)

    def repeat(self, count=None, name=None) -> Dataset:
        """Repeat the dataset `count` times (forever for None or -1)."""
        return _t.RepeatDataset(self, count)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True,
                name=None) -> Dataset:
        """Shuffle with a buffer of `buffer_size` elements (uniform when >= the size)."""
        return _t.ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, synchronous=None,
            use_unbounded_threadpool=False, name=None) -> Dataset:
        """Apply `map_func` to each element (tuples are passed as positional arguments)."""
        return _t.MapDataset(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate, name=None) -> Dataset:
        """Keep the elements for which `predicate` returns a true scalar bool."""
        return _t.FilterDataset(self, predicate)

    def flat_map(self, map_func, name=None) -> Dataset:
        """Map each element to a dataset and concatenate them."""
        return _t.FlatMapDataset(self, map_func)

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        """Map elements to datasets and interleave `block_length` elements of `cycle_length`."""
        return _t.InterleaveDataset(self, map_func, cycle_length, block_length,
                                    num_parallel_calls, deterministic)

    def take(self, count, name=None) -> Dataset:
        return _t.TakeDataset(self, count)

    def skip(self, count, name=None) -> Dataset:
        return _t.SkipDataset(self, count)

    def take_while(self, predicate, name=None) -> Dataset:
        """Elements up to (not including) the first for which `predicate` is false."""
        return _t.TakeWhileDataset(self, predicate)

    def concatenate(self, dataset, name=None) -> Dataset:
        return _t.ConcatenateDataset(self, dataset)

    def enumerate(self, start=0, name=None) -> Dataset:
        """Pairs `(index, element)` with an int64 index counting from `start`."""
        return _t.EnumerateDataset(self, start)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None) -> Dataset:
        """Windows of `size` elements as datasets (a structure of datasets per element)."""
        return _g.WindowDataset(self, size, shift, stride, drop_remainder)

    def cache(self, filename="", name=None) -> Dataset:
        """Cache elements in memory (or in `filename`) the first time they are produced."""
        return _c.CacheDataset(self, filename)

    def prefetch(self, buffer_size, name=None) -> Dataset:
        """Produce up to `buffer_size` elements ahead in a background thread."""
        return _t.PrefetchDataset(self, buffer_size)

    def apply(self, transformation_func) -> Dataset:
        """`transformation_func(self)`, which must return a Dataset."""
        result = transformation_func(self)
        if not isinstance(result, Dataset):
            raise TypeError("`transformation_func` must return a `tf.data.Dataset` object. "
                            f"Got {type(result)}.")
        return result

    def scan(self, initial_state, scan_func, name=None) -> Dataset:
        """Running state: `scan_func(state, element) -> (new_state, output)`."""
        return _t.ScanDataset(self, initial_state, scan_func)

    def unique(self, name=None) -> Dataset:
        """Drop repeated elements (int32, int64 or string scalars)."""
        return _t.UniqueDataset(self)

    def reduce(self, initial_state, reduce_func, name=None):
        """Fold the dataset: `reduce_func(state, element) -> state`; returns the final state."""
        return _t.reduce_dataset(self, initial_state, reduce_func)

    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None,
                        name=None) -> Dataset:
        """Group elements by `key_func` into windows reduced by `reduce_func(key, window)`."""
        return _g.GroupByWindowDataset(self, key_func, reduce_func, window_size,
                                       window_size_func)

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                  bucket_batch_sizes, padded_shapes=None, padding_values=None,
                                  pad_to_bucket_boundary=False, no_padding=False,
                                  drop_remainder=False, name=None) -> Dataset:
        """Batch elements of similar length together, padding within each bucket."""
        return _g.bucket_by_sequence_length(
            self, element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes,
            padding_values, pad_to_bucket_boundary, no_padding, drop_remainder)

    def shard(self, num_shards, index, name=None) -> Dataset:
        """Every `num_shards`-th element starting at `index`."""
        return _t.ShardDataset(self, num_shards, index)

    def ignore_errors(self, log_warning=False, name=None) -> Dataset:
        """Drop elements whose production raised an error."""
        return _t.IgnoreErrorsDataset(self, log_warning)

    def with_options(self, options, name=None) -> Dataset:
        """The same dataset with `options` merged into its options."""
        return _t.OptionsDataset(self, options)

    def assert_cardinality(self, expected_cardinality) -> Dataset:
        return _t.AssertCardinalityDataset(self, expected_cardinality)


DatasetV2 = Dataset


class _NumpyIterator:
    """`as_numpy_iterator()`: NumPy values instead of tensors."""

    def __init__(self, dataset: Dataset) -> None:
        self._iterator = dataset._make_iter()

    def __iter__(self):
        return self

    def __next__(self):
        return structure.to_numpy(next(self._iterator))

    next = __next__

    def close(self) -> None:
        from eagerflow.data.threads import close_iterator

        close_iterator(self._iterator)


# The subclasses need Dataset first.
from eagerflow.data import batching as _b  # noqa: E402
from eagerflow.data import caching as _c  # noqa: E402
from eagerflow.data import grouping as _g  # noqa: E402
from eagerflow.data import sampling as _sm  # noqa: E402
from eagerflow.data import sources as _s  # noqa: E402
from eagerflow.data import transformations as _t  # noqa: E402
