"""The iterators a user holds (`iter(dataset)`) and `tf.experimental.Optional`.

An `OwnedIterator` wraps the chain of internal iterators built from the
dataset and turns each internal element into EagerTensors. Dropping it (or
`close()`) stops the chain's threads.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import errors
from eagerflow.core.context import state
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.spec import TensorSpec
from eagerflow.core.tensor import wrap
from eagerflow.data import structure
from eagerflow.data.threads import close_iterator

__all__ = ["Iterator", "OwnedIterator", "Optional"]


class Iterator:
    """Base class of dataset iterators (`tf.data.Iterator`)."""

    @property
    def element_spec(self):
        raise NotImplementedError

    def get_next(self):
        raise NotImplementedError

    def get_next_as_optional(self):
        raise NotImplementedError


class OwnedIterator(Iterator):
    """The iterator of `iter(dataset)`: `next(it)`, `it.get_next()`, `it.get_next_as_optional()`."""

    def __init__(self, dataset) -> None:
        self._dataset = dataset
        self._epochs = [d._epoch for d in _epoch_counters(dataset)]  # shuffles' epoch numbers
        self._iterator = _CountingIterator(dataset._make_iter())

    @property
    def element_spec(self):
        return self._dataset.element_spec

    # --- checkpoints: tf.train.Checkpoint(iterator=it) saves where the iterator is ----------
    def _serialize_to_tensors(self) -> dict:
        """The position as the number of elements taken (restoring re-reads up to it, so the
        pipeline must give the same elements again: seeded shuffles, no unseeded randomness)."""
        import json

        state = json.dumps({"elements_taken": self._iterator.count,
                            "shuffle_epochs": self._epochs}).encode()
        return {"ITERATOR_STATE": np.array(state, dtype=object)}

    def _restore_from_tensors(self, tensors: dict) -> None:
        import json

        raw = tensors["ITERATOR_STATE"]
        raw = raw.item() if isinstance(raw, np.ndarray) else raw
        try:
            state = json.loads(raw)
            taken = int(state["elements_taken"])
            epochs = [int(e) for e in state.get("shuffle_epochs", [])]
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.DataLossError(None, None, "The checkpoint's iterator state is not one "
                                       f"eagerflow wrote ({exc}); TF's own iterator states "
                                       "(variant tensors) cannot be read.") from None
        counters = _epoch_counters(self._dataset)
        if len(counters) == len(epochs):  # the same pipeline: shuffle the same way again
            for counter, epoch in zip(counters, epochs):
                counter._epoch = epoch
        self._epochs = [d._epoch for d in counters]
        iterator = _CountingIterator(self._dataset._make_iter())
        for _ in range(taken):
            if next(iterator, _END) is _END:
                break
        self._iterator = iterator

    def __iter__(self):
        if _tracing():
            raise TypeError("A Python for loop over a dataset iterator inside tf.function would "
                            "never end while tracing. Let AutoGraph convert the loop (the "
                            "default: `for x in iterator:` becomes a graph loop), or call "
                            "next(iterator) a fixed number of times.")
        return self

    def _remaining(self):
        """The internal iterator, for a traced reduce that folds the elements left."""
        return self._iterator

    def reduce(self, initial_state, reduce_func):
        """Fold the elements this iterator has left (AutoGraph's `for x in iterator`)."""
        from eagerflow.data import transformations

        if _tracing():
            return transformations.traced_reduce(self, initial_state, reduce_func)
        state_value = initial_state
        for element in self:
            state_value = reduce_func(state_value, element)
        return state_value

    def __next__(self):
        if _tracing():
            return self._traced_next()
        return structure.to_tensors(next(self._iterator))

    next = __next__

    def get_next(self, name=None):
        """The next element; raises `tf.errors.OutOfRangeError` at the end."""
        if _tracing():
            return self._traced_next()
        try:
            return structure.to_tensors(next(self._iterator))
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None

    def _traced_next(self):
        """Inside tf.function: a node that takes the next element when the compiled code runs
        (so each call advances the iterator, as in TF); the end raises OutOfRangeError."""
        spec = self.element_spec
        leaves = structure.flatten(spec)
        if not all(isinstance(s, TensorSpec) for s in leaves):
            raise TypeError("next(iterator) inside tf.function needs elements made of tensors.")
        outputs = iterator_next_p.bind(
            iterator=self, specs=tuple(Spec(s.shape.as_tuple(), s.dtype) for s in leaves))
        return structure.pack(spec, list(outputs))

    def get_next_as_optional(self) -> Optional:
        """The next element as an Optional, empty at the end of the dataset (eagerly)."""
        if _tracing():
            raise TypeError("get_next_as_optional inside tf.function is not supported: it "
                            "would read one element at trace time. Call next(iterator) inside "
                            "(it raises OutOfRangeError at the end) or iterate with a for loop.")
        try:
            element = next(self._iterator)
        except StopIteration:
            return Optional.empty(self.element_spec)
        return Optional(structure.to_tensors(element), self._dataset)

    def _next_internal(self):
        return next(self._iterator)

    def close(self) -> None:
        """Stop the pipeline's background threads now (dropping the iterator does too)."""
        close_iterator(self._iterator)

    def __repr__(self) -> str:
        return f"<OwnedIterator element_spec={self._dataset.element_spec!r}>"


def _tracing() -> bool:
    return not state.plain and state.local.builder is not None


def _next_impl(iterator, specs):
    try:
        element = next(iterator._iterator)
    except StopIteration:
        raise errors.OutOfRangeError(None, None, "End of sequence") from None
    return tuple(np.asarray(leaf) for leaf in structure.flatten(element))


iterator_next_p = primitive("iterator_get_next", impl=_next_impl,
                            shape_rule=lambda iterator, specs: tuple(specs), grad=None,
                            same_dtype=False, multiple_results=True, side_effect=True)


class Optional:
    """A value that may be absent (`tf.experimental.Optional`)."""

    def __init__(self, value=None, dataset=None, *, _has_value: bool = True, spec=None) -> None:
        self._value = value
        self._has_value = _has_value
        self._dataset = dataset
        self._spec = spec

    @staticmethod
    def from_value(value) -> Optional:
        return Optional(structure.to_tensors(structure.normalize(value)))

    @staticmethod
    def empty(element_spec) -> Optional:
        return Optional(None, _has_value=False, spec=element_spec)

    @property
    def element_spec(self):
        if self._spec is None:
            if self._dataset is not None:
                self._spec = self._dataset.element_spec
            else:
                self._spec = structure.spec_of(structure.normalize(self._value))
        return self._spec

    def has_value(self, name=None):
        return wrap(np.bool_(self._has_value))

    def get_value(self, name=None):
        if not self._has_value:
            raise errors.InvalidArgumentError(None, None, "The optional does not have a value")
        return self._value

    def __repr__(self) -> str:
        return f"<tf.experimental.Optional has_value={self._has_value}>"


_END = object()


def _epoch_counters(dataset) -> list:
    """The datasets of a pipeline that count their iterations (shuffles), in a fixed order."""
    from eagerflow.data.dataset import Dataset

    found, seen, pending = [], set(), [dataset]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(getattr(current, "_epoch", None), int):
            found.append(current)
        for value in vars(current).values():
            if isinstance(value, Dataset):
                pending.append(value)
            elif isinstance(value, (list, tuple)):
                pending.extend(v for v in value if isinstance(v, Dataset))
    return found


class _CountingIterator:
    """An internal element iterator that counts what it has handed out (checkpoints)."""

    __slots__ = ("_iterator", "count")

    def __init__(self, iterator) -> None:
        self._iterator = iterator
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self):
        element = next(self._iterator)
        self.count += 1
        return element

    def close(self) -> None:
        """Close the pipeline underneath (stops its threads)."""
        close_iterator(self._iterator)
