"""Windows and groups: window, group_by_window, bucket_by_sequence_length."""

from __future__ import annotations

from collections import deque

import numpy as np

from eagerflow.core import errors
from eagerflow.core.shape import TensorShape
from eagerflow.core.tensor import wrap
from eagerflow.data import structure
from eagerflow.data.dataset import (
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    DatasetSpec,
)
from eagerflow.data.functions import wrap_user_function
from eagerflow.data.sources import ElementsDataset
from eagerflow.data.unary import KNOWN, Unary, as_dataset, closing, positive

__all__ = ["WindowDataset", "GroupByWindowDataset", "bucket_by_sequence_length"]


class WindowDataset(Unary):
    """Windows of `size` elements every `shift`, taking every `stride`-th: datasets."""

    def __init__(self, input_dataset, size, shift, stride, drop_remainder) -> None:
        super().__init__(input_dataset)
        self._size = positive(size, "Window size", "WindowDataset")
        self._shift = self._size if shift is None else positive(shift, "Window shift",
                                                                  "WindowDataset")
        self._stride = positive(stride, "Window stride", "WindowDataset")
        self._drop = bool(drop_remainder)

    def _compute_spec(self):
        return structure.map_leaves(lambda s: DatasetSpec(s), self._input.element_spec)

    def _compute_cardinality(self) -> int:
        n = self._input._compute_cardinality()
        if n in KNOWN:
            return n
        span = self._stride * (self._size - 1) + 1
        if self._drop:
            return 0 if n < span else (n - span) // self._shift + 1
        return (n + self._shift - 1) // self._shift

    def _make_iter(self):
        size, shift, stride, drop = self._size, self._shift, self._stride, self._drop
        span = stride * (size - 1) + 1
        dataset = self._input

        def windows(source):
            buffer: deque = deque()
            base = start = 0
            exhausted = False
            while True:
                while base < start:
                    if buffer:
                        buffer.popleft()
                    else:
                        try:
                            next(source)
                        except StopIteration:
                            return
                    base += 1
                while not exhausted and len(buffer) < span:
                    try:
                        buffer.append(next(source))
                    except StopIteration:
                        exhausted = True
                window = [buffer[j] for j in range(0, min(span, len(buffer)), stride)]
                if not window or (drop and len(window) < size):
                    return
                yield _window_element(window, dataset)
                start += shift
        return closing(self._input._make_iter(), windows)


def _window_element(window: list, dataset: Dataset):
    """A window as datasets: one per component, with the input's component specs."""
    first = window[0]
    if isinstance(first, (np.ndarray, np.generic)):
        return ElementsDataset(window, lambda: dataset.element_spec)
    flats = [structure.flatten(e) for e in window]

    def component_spec(index):
        return lambda: structure.flatten(dataset.element_spec)[index]
    return structure.pack(first, [ElementsDataset(list(column), component_spec(index))
                                  for index, column in enumerate(zip(*flats))])


def _int64_scalar(value, what: str) -> int:
    if isinstance(value, (np.ndarray, np.generic)) and value.shape == () and \
            value.dtype == np.int64:
        return int(value)
    raise ValueError(f"`{what}` must return a single tf.int64 scalar tensor; got "
                     f"{structure.spec_of(value) if hasattr(value, 'dtype') else value!r}.")


class GroupByWindowDataset(Unary):
    def __init__(self, input_dataset, key_func, reduce_func, window_size,
                 window_size_func) -> None:
        super().__init__(input_dataset)
        if (window_size is None) == (window_size_func is None):
            raise ValueError("Either the `window_size` argument or the `window_size_func` "
                             "argument must be specified." if window_size is None else
                             "Only one of `window_size` and `window_size_func` may be set.")
        self._key_fn = wrap_user_function(key_func, "key_func")
        self._reduce_fn = wrap_user_function(reduce_func, "reduce_func")
        self._size_fn = None if window_size_func is None else \
            wrap_user_function(window_size_func, "window_size_func")
        self._window_size = None if window_size is None else positive(
            window_size, "window_size", "GroupByWindowDataset")

    def _compute_spec(self):
        window = ElementsDataset([], self._input.element_spec)
        return self._reduce(np.int64(0), window).element_spec

    def _compute_cardinality(self) -> int:
        n = self._input._compute_cardinality()
        return n if n == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY

    def _reduce(self, key, elements) -> Dataset:
        window = elements if isinstance(elements, Dataset) else \
            ElementsDataset(elements, lambda: self._input.element_spec)
        return as_dataset(self._reduce_fn.call_raw(wrap(np.int64(key)), window), "reduce_func")

    def _make_iter(self):
        def grouped(source):
            groups: dict = {}
            sizes: dict = {}
            for element in source:
                key = _int64_scalar(self._key_fn(element), "key_func")
                if key not in groups:
                    groups[key] = []
                    sizes[key] = self._window_size if self._size_fn is None else \
                        _int64_scalar(self._size_fn(np.int64(key)), "window_size_func")
                groups[key].append(element)
                if len(groups[key]) >= sizes[key]:
                    yield from self._reduce(key, groups.pop(key))._make_iter()
            for key in sorted(groups):
                yield from self._reduce(key, groups[key])._make_iter()
        return closing(self._input._make_iter(), grouped)


def bucket_by_sequence_length(dataset, element_length_func, bucket_boundaries,
                              bucket_batch_sizes, padded_shapes, padding_values,
                              pad_to_bucket_boundary, no_padding, drop_remainder):
    """Group by the bucket of `element_length_func(element)`; pad-batch each bucket."""
    boundaries = [int(b) for b in bucket_boundaries]
    batch_sizes = [int(b) for b in bucket_batch_sizes]
    if len(batch_sizes) != len(boundaries) + 1:
        raise ValueError("len(bucket_batch_sizes) must equal len(bucket_boundaries) + 1")
    if any(b <= a for a, b in zip(boundaries, boundaries[1:])):
        raise ValueError("bucket_boundaries must be sorted in increasing order.")
    length_fn = wrap_user_function(element_length_func, "element_length_func")
    lows = [np.iinfo(np.int32).min] + boundaries
    highs = boundaries + [np.iinfo(np.int32).max]

    def key_func(*args):
        element = structure.normalize(args[0] if len(args) == 1 else args)
        length = int(np.asarray(length_fn(element)))
        for bucket, (low, high) in enumerate(zip(lows, highs)):
            if low <= length < high:
                return wrap(np.int64(bucket))
        raise errors.InvalidArgumentError(None, None, f"Length {length} is out of range.")

    def window_size_func(key):
        return wrap(np.int64(batch_sizes[int(key)]))

    def reduce_func(key, window):
        bucket = int(key)
        size = batch_sizes[bucket]
        if no_padding:
            return window.batch(size, drop_remainder=drop_remainder)
        shapes = padded_shapes
        if pad_to_bucket_boundary:
            if bucket == len(boundaries):
                raise errors.InvalidArgumentError(
                    None, None, "When pad_to_bucket_boundary=True, elements must have length "
                    "< max(bucket_boundaries).")
            filler = boundaries[bucket] - 1
            base = padded_shapes if padded_shapes is not None else structure.map_leaves(
                lambda s: s.shape, window.element_spec)
            shapes = _fill_shapes(base, filler)
        return window.padded_batch(size, shapes, padding_values, drop_remainder)

    return dataset.group_by_window(key_func, reduce_func, window_size_func=window_size_func)


def _fill_shapes(shapes, filler: int):
    def fill(shape):
        shape = TensorShape(shape)
        if shape.rank is None:
            return shape
        return TensorShape([filler if d is None else d for d in shape.as_list()])
    if isinstance(shapes, (TensorShape, list)) or (
            isinstance(shapes, tuple) and all(d is None or isinstance(d, int) for d in shapes)):
        return fill(shapes)
    return structure.map_leaves(fill, shapes)
