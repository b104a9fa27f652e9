"""Dataset transformations: repeat, shuffle, map, filter, interleave, take, prefetch, scan, ...

Each class holds its input and parameters; `_make_iter` builds the iterator
of internal elements. Iterators that call user functions (map, filter) are
classes, so an error in one element does not end the iteration (TF's
behaviour, and what `ignore_errors` relies on).
"""

from __future__ import annotations

import threading
import warnings
from itertools import islice

import numpy as np

from eagerflow.core import dtypes as _dtypes
from eagerflow.core import errors, nest
from eagerflow.core.context import state as _context
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.shape import TensorShape
from eagerflow.core.spec import TensorSpec
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.data import structure
from eagerflow.data.dataset import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    PROBING,
    UNKNOWN_CARDINALITY,
    Dataset,
    DatasetSpec,
    int_arg,
)
from eagerflow.data.functions import NOTHING, wrap_user_function
from eagerflow.data.options import Options
from eagerflow.data.sources import op_seeds
from eagerflow.data.threads import (
    BackgroundIterator,
    ParallelMapIterator,
    close_iterator,
    cpu_count,
)
from eagerflow.data.unary import KNOWN, Unary, as_dataset, closing, positive

__all__ = ["RepeatDataset", "ShuffleDataset", "MapDataset", "FilterDataset", "FlatMapDataset",
           "InterleaveDataset", "TakeDataset", "SkipDataset", "TakeWhileDataset", "ShardDataset",
           "ConcatenateDataset", "EnumerateDataset", "PrefetchDataset", "ScanDataset",
           "reduce_dataset", "UniqueDataset", "IgnoreErrorsDataset", "OptionsDataset",
           "AssertCardinalityDataset"]


# -- order and repetition ----------------------------------------------------------------
class RepeatDataset(Unary):
    def __init__(self, input_dataset, count) -> None:
        super().__init__(input_dataset)
        self._count = -1 if count is None else int_arg(count, "count")

    def _compute_cardinality(self) -> int:
        n, count = self._input._compute_cardinality(), self._count
        if count < 0:
            return 0 if n == 0 else INFINITE_CARDINALITY
        if count == 0:
            return 0
        return n if n in KNOWN else n * count

    def _make_iter(self):
        dataset, count = self._input, self._count

        def repeated():
            epoch = 0
            while count < 0 or epoch < count:
                epoch += 1
                source = dataset._make_iter()
                produced = False
                try:
                    for element in source:
                        produced = True
                        yield element
                finally:
                    close_iterator(source)
                if not produced:
                    return
        return repeated()


class ShuffleDataset(Unary):
    """TF's buffer shuffle: fill `buffer_size` elements, emit a uniform pick, refill its slot."""

    _BLOCK = 1024

    def __init__(self, input_dataset, buffer_size, seed, reshuffle_each_iteration) -> None:
        super().__init__(input_dataset)
        self._buffer_size = positive(buffer_size, "buffer_size", "ShuffleDatasetV3")
        self._seeds = op_seeds(seed)
        self._entropy = np.random.SeedSequence().entropy if self._seeds is None else None
        self._reshuffle = True if reshuffle_each_iteration is None else \
            bool(reshuffle_each_iteration)
        self._epoch = 0
        self._lock = threading.Lock()

    def _rng(self) -> np.random.Generator:
        with self._lock:
            epoch = self._epoch
            if self._reshuffle and not getattr(PROBING, "active", False):
                self._epoch += 1
        base = list(self._seeds) if self._seeds is not None else [self._entropy]
        return np.random.default_rng([int(s) & (2 ** 63 - 1) for s in base] + [epoch])

    def _make_iter(self):
        size, block = self._buffer_size, self._BLOCK
        rng = self._rng()
        source = self._input._make_iter()

        def shuffled():
            try:
                buffer = list(islice(source, size))
                if len(buffer) == size:
                    # Steady state: the buffer stays full, so indices are drawn in blocks.
                    while True:
                        for index in rng.integers(0, size, block).tolist():
                            element = buffer[index]
                            try:
                                buffer[index] = next(source)
                            except StopIteration:
                                buffer[index] = buffer[-1]
                                buffer.pop()
                                yield element
                                break
                            yield element
                        else:
                            continue
                        break
                # Draining (or a short input): uniform picks from a shrinking buffer.
                while buffer:
                    for u in rng.random(min(block, len(buffer))).tolist():
                        index = int(u * len(buffer))
                        element = buffer[index]
                        buffer[index] = buffer[-1]
                        buffer.pop()
                        yield element
            finally:
                close_iterator(source)
        return shuffled()


# -- user functions -----------------------------------------------------------------------
class _MapIterator:
    """Sequential map; survives an error in one element."""

    __slots__ = ("_source", "_fn")

    def __init__(self, source, fn) -> None:
        self._source = source
        self._fn = fn

    def __iter__(self):
        return self

    def __next__(self):
        return self._fn(next(self._source))

    def close(self) -> None:
        close_iterator(self._source)


def _parallelism(value, name: str):
    if value is None:
        return None
    value = int_arg(value, name)
    if value == AUTOTUNE:
        return cpu_count()
    if value <= 0:
        raise ValueError(f"`{name}` must be a positive integer or tf.data.AUTOTUNE, got {value}.")
    return value


class MapDataset(Unary):
    def __init__(self, input_dataset, map_func, num_parallel_calls, deterministic) -> None:
        super().__init__(input_dataset)
        self._fn = wrap_user_function(map_func, "map",
                                      input_spec=lambda: self._input.element_spec)
        self._parallel = _parallelism(num_parallel_calls, "num_parallel_calls")
        self._deterministic = deterministic

    def _compute_spec(self):
        return self._fn.output_spec(self._input.element_spec, self._input._first_element)

    def _make_iter(self):
        source = self._input._make_iter()
        if self._parallel is None:
            return _MapIterator(source, self._fn)
        return ParallelMapIterator(source, self._fn, self._parallel,
                                   self._deterministic_option(self._deterministic))


def _truth(value) -> bool:
    if type(value) is np.bool_ or type(value) is bool:
        return bool(value)
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype == np.bool_ and \
            value.shape == ():
        return bool(value)
    spec = structure.spec_of(value) if not isinstance(value, bool) else value
    raise ValueError("Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, "
                     f"but its return type is {spec}.")


class _FilterIterator(_MapIterator):
    """The elements of `source` for which the predicate holds."""

    __slots__ = ()

    def __next__(self):
        fn, source = self._fn, self._source
        while True:
            element = next(source)
            if _truth(fn(element)):
                return element


class FilterDataset(Unary):
    def __init__(self, input_dataset, predicate) -> None:
        super().__init__(input_dataset)
        self._fn = wrap_user_function(predicate, "filter",
                                      input_spec=lambda: self._input.element_spec)

    def _compute_cardinality(self) -> int:
        n = self._input._compute_cardinality()
        return n if n == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY

    def _make_iter(self):
        return _FilterIterator(self._input._make_iter(), self._fn)


class FlatMapDataset(Unary):
    def __init__(self, input_dataset, map_func) -> None:
        super().__init__(input_dataset)
        self._fn = wrap_user_function(map_func, "flat_map")

    def _compute_spec(self):
        spec = self._fn.output_spec(self._input.element_spec, self._input._first_element)
        if not isinstance(spec, DatasetSpec):
            raise TypeError("The `map_func` argument must return a `Dataset` object.")
        return spec.element_spec

    def _compute_cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    def _make_iter(self):
        fn = self._fn

        def flat(source):
            for element in source:
                inner = as_dataset(fn(element), "map_func")._make_iter()
                try:
                    yield from inner
                finally:
                    close_iterator(inner)
        return closing(self._input._make_iter(), flat)


class InterleaveDataset(FlatMapDataset):
    """TF's interleave: `cycle_length` open datasets, `block_length` elements from each in turn.

    With `num_parallel_calls`, each open dataset is read ahead by a background thread;
    the output order is the same as without.
    """

    def __init__(self, input_dataset, map_func, cycle_length, block_length,
                 num_parallel_calls, deterministic) -> None:
        Unary.__init__(self, input_dataset)
        self._fn = wrap_user_function(map_func, "interleave")
        cycle = AUTOTUNE if cycle_length is None else int_arg(cycle_length, "cycle_length")
        self._cycle = cpu_count() if cycle == AUTOTUNE else cycle
        if self._cycle <= 0:
            raise errors.InvalidArgumentError(None, None, "cycle_length must be greater than "
                                              "zero.")
        self._block = 1 if block_length is None else positive(block_length, "block_length",
                                                               "InterleaveDataset")
        self._parallel = _parallelism(num_parallel_calls, "num_parallel_calls")

    def _make_iter(self):
        fn, cycle, block, parallel = self._fn, self._cycle, self._block, self._parallel

        def interleaved(source):
            slots: list = [None] * cycle
            open_count = index = block_index = 0
            end_of_input = False
            try:
                while not end_of_input or open_count > 0:
                    current = slots[index]
                    if current is not None:
                        try:
                            element = next(current)
                        except StopIteration:
                            close_iterator(current)
                            slots[index] = None
                            open_count -= 1
                            index, block_index = (index + 1) % cycle, 0
                            continue
                        block_index += 1
                        if block_index == block:
                            index, block_index = (index + 1) % cycle, 0
                        yield element
                    elif not end_of_input:
                        try:
                            value = next(source)
                        except StopIteration:
                            end_of_input = True
                            continue
                        inner = as_dataset(fn(value), "map_func")._make_iter()
                        if parallel is not None:
                            inner = BackgroundIterator(inner, max(2, block), "interleave")
                        slots[index] = inner
                        open_count += 1
                    else:
                        index, block_index = (index + 1) % cycle, 0
            finally:
                for inner in slots:
                    if inner is not None:
                        close_iterator(inner)
        return closing(self._input._make_iter(), interleaved)


# -- selection ------------------------------------------------------------------------------
class TakeDataset(Unary):
    def __init__(self, input_dataset, count) -> None:
        super().__init__(input_dataset)
        self._count = int_arg(count, "count")

    def _compute_cardinality(self) -> int:
        n, count = self._input._compute_cardinality(), self._count
        if n == UNKNOWN_CARDINALITY:
            return n
        if count < 0:
            return n
        if n == INFINITE_CARDINALITY:
            return count
        return min(n, count)

    def _make_iter(self):
        count = self._count
        if count < 0:
            return self._input._make_iter()
        if count == 0:
            return iter(())
        return closing(self._input._make_iter(), lambda source: islice(source, count))


class SkipDataset(Unary):
    def __init__(self, input_dataset, count) -> None:
        super().__init__(input_dataset)
        self._count = int_arg(count, "count")

    def _compute_cardinality(self) -> int:
        n, count = self._input._compute_cardinality(), self._count
        if n in KNOWN:
            return n
        return 0 if count < 0 else max(0, n - count)

    def _make_iter(self):
        count = self._count

        def skipped(source):
            if count < 0:
                for _ in source:
                    pass
                return
            for _ in islice(source, count):
                pass
            yield from source
        return closing(self._input._make_iter(), skipped)


class TakeWhileDataset(Unary):
    def __init__(self, input_dataset, predicate) -> None:
        super().__init__(input_dataset)
        self._fn = wrap_user_function(predicate, "take_while")

    def _compute_cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    def _make_iter(self):
        fn = self._fn

        def taken(source):
            for element in source:
                if not _truth(fn(element)):
                    return
                yield element
        return closing(self._input._make_iter(), taken)


class ShardDataset(Unary):
    def __init__(self, input_dataset, num_shards, index) -> None:
        super().__init__(input_dataset)
        self._num = int_arg(num_shards, "num_shards")
        self._index = int_arg(index, "index")
        if self._num <= 0:
            raise errors.InvalidArgumentError(None, None, "Number of shards must be greater "
                                              "than zero (currently num_shards = "
                                              f"{self._num}).")
        if not 0 <= self._index < self._num:
            raise errors.InvalidArgumentError(None, None, "Index must be between 0 and "
                                              f"{self._num - 1} (currently index = "
                                              f"{self._index}).")

    def _compute_cardinality(self) -> int:
        n = self._input._compute_cardinality()
        if n in KNOWN:
            return n
        return n // self._num + (1 if self._index < n % self._num else 0)

    def _make_iter(self):
        index, num = self._index, self._num
        return closing(self._input._make_iter(),
                        lambda source: islice(source, index, None, num))


class ConcatenateDataset(Dataset):
    def __init__(self, first, second) -> None:
        if not isinstance(second, Dataset):
            raise TypeError(f"`concatenate` expects a tf.data.Dataset, got {second!r}.")
        structure.assert_spec_compatible(first.element_spec, second.element_spec,
                                         "concatenate")
        self._first, self._second = first, second
        self._inputs = (first, second)

    def _compute_spec(self):
        def common(a, b):
            if isinstance(a, TensorSpec):
                return TensorSpec(a.shape.most_specific_compatible_shape(b.shape), a.dtype)
            return a
        flat_a = structure.flatten(self._first.element_spec)
        flat_b = structure.flatten(self._second.element_spec)
        return structure.pack(self._first.element_spec,
                              [common(a, b) for a, b in zip(flat_a, flat_b)])

    def _compute_cardinality(self) -> int:
        a, b = self._first._compute_cardinality(), self._second._compute_cardinality()
        if INFINITE_CARDINALITY in (a, b):
            return INFINITE_CARDINALITY
        if UNKNOWN_CARDINALITY in (a, b):
            return UNKNOWN_CARDINALITY
        return a + b

    def _make_iter(self):
        def chained():
            for dataset in (self._first, self._second):
                source = dataset._make_iter()
                try:
                    yield from source
                finally:
                    close_iterator(source)
        return chained()


class EnumerateDataset(Unary):
    def __init__(self, input_dataset, start) -> None:
        super().__init__(input_dataset)
        self._start = int_arg(start, "start")

    def _compute_spec(self):
        return (TensorSpec((), _dtypes.int64), self._input.element_spec)

    def _make_iter(self):
        start = self._start

        def enumerated(source):
            for index, element in enumerate(source, start):
                yield (np.int64(index), element)
        return closing(self._input._make_iter(), enumerated)


class PrefetchDataset(Unary):
    _AUTOTUNE_BUFFER = 8

    def __init__(self, input_dataset, buffer_size) -> None:
        super().__init__(input_dataset)
        size = int_arg(buffer_size, "buffer_size")
        if size < -1:
            raise errors.InvalidArgumentError(None, None, "buffer_size must be >= 0 or "
                                              "tf.data.AUTOTUNE.")
        self._buffer_size = self._AUTOTUNE_BUFFER if size == AUTOTUNE else size

    def _make_iter(self):
        if self._buffer_size == 0:
            return self._input._make_iter()
        return BackgroundIterator(self._input._make_iter(), self._buffer_size)


# -- stateful and grouping ----------------------------------------------------------------
def _check_state(old, new, what: str) -> None:
    old_flat, new_flat = structure.flatten(old), structure.flatten(new)
    if len(old_flat) != len(new_flat) or not structure._same_structure(old, new):
        raise TypeError(f"The element classes for the new state must match the initial state. "
                        f"Expected {structure.spec_of(old)}; got {structure.spec_of(new)}.")
    for a, b in zip(old_flat, new_flat):
        if structure.leaf_dtype(a) != structure.leaf_dtype(b):
            raise TypeError(f"The element types for the new state must match the initial "
                            f"state. Expected {structure.leaf_dtype(a)!r}; got "
                            f"{structure.leaf_dtype(b)!r}.")


class ScanDataset(Unary):
    def __init__(self, input_dataset, initial_state, scan_func) -> None:
        super().__init__(input_dataset)
        self._initial = structure.normalize(initial_state)
        self._fn = wrap_user_function(scan_func, "scan", top_list_as_tuple=True)

    def _step(self, state, element):
        out = self._fn.call_raw(structure.to_tensors(state), structure.to_tensors(element))
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError("The scan function must return a pair comprising the new state "
                            "and the output value.")
        _check_state(state, out[0], "scan")
        return out

    def _compute_spec(self):
        first = self._input._first_element()
        if first is NOTHING:
            raise ValueError("Cannot infer the output spec of `scan` on an empty dataset.")
        _, output = self._step(self._initial, first)
        return structure.spec_of(output)

    def _make_iter(self):
        def scanned(source):
            state = self._initial
            for element in source:
                state, output = self._step(state, element)
                yield output
        return closing(self._input._make_iter(), scanned)


def _reduce_rule(*inputs, dataset, body_graph, n_state, out_specs):
    return tuple(out_specs)


def _reduce_impl(*inputs, dataset, body_graph, n_state, out_specs):
    body = getattr(body_graph, "compiled", None)
    if body is None:
        from eagerflow.compiler.codegen import compile_graph
        from eagerflow.compiler.pipeline import optimize

        body = body_graph.compiled = compile_graph(optimize(body_graph), "reduce_body")
    values = list(inputs[:n_state])
    captures = list(inputs[n_state:])
    remaining = getattr(dataset, "_remaining", None)  # an iterator: fold what it has left
    source = remaining() if remaining is not None else dataset._make_iter()
    try:
        for element in source:
            values = list(body(*values, *structure.flatten(element), *captures))
    finally:
        if remaining is None:
            close_iterator(source)
    return tuple(values)


# A Dataset.reduce inside tf.function: a node that iterates the dataset when the compiled
# code runs, folding each element with the compiled reduce function.
dataset_reduce_p = primitive("dataset_reduce", impl=_reduce_impl, shape_rule=_reduce_rule,
                             grad=None, same_dtype=False, multiple_results=True,
                             side_effect=True)


def traced_reduce(dataset, initial_state, reduce_func):
    """Dataset.reduce (or an iterator's) inside tf.function: one graph node."""
    from eagerflow.ops.control_flow import _trace_subgraph

    builder = _context.local.builder
    flat_initial = [builder.capture(x if isinstance(x, Tensor) else convert_to_tensor(x))
                    for x in nest.flatten(initial_state)]
    state_specs = [Spec(v._shape, v._dtype) for v in flat_initial]
    element_spec = dataset.element_spec
    element_leaves = structure.flatten(element_spec)
    if not all(isinstance(s, TensorSpec) for s in element_leaves):
        raise TypeError("Dataset.reduce inside tf.function needs elements made of tensors.")
    element_specs = [Spec(s.shape.as_tuple(), s.dtype) for s in element_leaves]
    count = len(state_specs)

    def body(*placeholders):
        old = nest.pack_sequence_as(initial_state, list(placeholders[:count]))
        element = structure.pack(element_spec, list(placeholders[count:]))
        return reduce_func(old, element)

    graph, sub_builder, result, flat = _trace_subgraph(body, state_specs + element_specs,
                                                       "reduce_body")
    if len(flat) != count:
        raise ValueError(f"reduce: the reduce function returned {len(flat)} values for a state "
                         f"of {count}.")
    for index, (spec, value) in enumerate(zip(state_specs, flat)):
        if value._dtype != spec.dtype or not TensorShape._from_tuple(spec.shape).is_compatible_with(
                TensorShape._from_tuple(value._shape)):
            raise ValueError(f"reduce: state component {index} enters with dtype "
                             f"{spec.dtype.name} and shape {TensorShape._from_tuple(spec.shape)} "
                             f"but the reduce function returned dtype {value._dtype.name} and "
                             f"shape {TensorShape._from_tuple(value._shape)}; keep them the same.")
    graph.outputs = flat
    outputs = dataset_reduce_p.bind(*flat_initial, *[outer for outer, _ in sub_builder.captured],
                                    dataset=dataset, body_graph=graph, n_state=count,
                                    out_specs=tuple(state_specs))
    return nest.pack_sequence_as(initial_state, list(outputs))


def reduce_dataset(dataset: Dataset, initial_state, reduce_func):
    """`Dataset.reduce`: fold every element into the state; return the final state.

    Inside tf.function the fold becomes one node of the graph, run when the compiled code
    runs (this is what AutoGraph's `for x in dataset` uses)."""
    if not _context.plain and _context.local.builder is not None:
        return traced_reduce(dataset, initial_state, reduce_func)
    fn = wrap_user_function(reduce_func, "reduce")
    state = structure.normalize(initial_state)
    source = dataset._make_iter()
    try:
        for element in source:
            new = fn.call_raw(structure.to_tensors(state), structure.to_tensors(element))
            _check_state(state, new, "reduce")
            state = new
    finally:
        close_iterator(source)
    return structure.to_tensors(state)


class UniqueDataset(Unary):
    def _compute_cardinality(self) -> int:
        n = self._input._compute_cardinality()
        return n if n == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY

    def _make_iter(self):
        def unique(source):
            seen = set()
            for element in source:
                if not isinstance(element, (np.ndarray, np.generic)) or np.ndim(element) != 0 \
                        or element.dtype not in (np.int32, np.int64, object):
                    raise TypeError("Unique does not support type "
                                    f"{structure.spec_of(element)}: elements must be int32, "
                                    "int64 or string scalars.")
                key = element[()] if isinstance(element, np.ndarray) else element
                if key not in seen:
                    seen.add(key)
                    yield element
        return closing(self._input._make_iter(), unique)


class IgnoreErrorsDataset(Unary):
    def __init__(self, input_dataset, log_warning) -> None:
        super().__init__(input_dataset)
        self._log = bool(log_warning)

    def _compute_cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    def _make_iter(self):
        log = self._log

        def survivors(source):
            while True:
                try:
                    element = next(source)
                except StopIteration:
                    return
                except Exception as exc:  # noqa: BLE001 - TF drops erroneous elements
                    if log:
                        warnings.warn(f"Ignoring error: {exc}", stacklevel=2)
                    continue
                yield element
        return closing(self._input._make_iter(), survivors)


class OptionsDataset(Unary):
    def __init__(self, input_dataset, options) -> None:
        super().__init__(input_dataset)
        if not isinstance(options, Options):
            raise TypeError(f"`options` must be a tf.data.Options, got {options!r}.")
        self._local_options = options

    def _make_iter(self):
        return self._input._make_iter()


class AssertCardinalityDataset(Unary):
    def __init__(self, input_dataset, expected) -> None:
        super().__init__(input_dataset)
        self._expected = int_arg(expected, "expected_cardinality")

    def _compute_cardinality(self) -> int:
        return self._expected

    def _make_iter(self):
        expected = self._expected

        def _text(n):
            return "infinite" if n == INFINITE_CARDINALITY else str(n)

        def checked(source):
            count = 0
            for element in source:
                count += 1
                if expected >= 0 and count > expected:
                    raise errors.FailedPreconditionError(
                        None, None, f"Input dataset was expected to contain {_text(expected)} "
                        f"elements but contained at least {count} elements.")
                yield element
            if count != expected:
                raise errors.FailedPreconditionError(
                    None, None, f"Input dataset was expected to contain {_text(expected)} "
                    f"elements but contained only {count} elements.")
        return closing(self._input._make_iter(), checked)
