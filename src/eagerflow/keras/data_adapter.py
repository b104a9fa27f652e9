"""Turning what users pass to fit/evaluate/predict into batches.

NumPy arrays and tensors are sliced into batches directly (one fancy-index per batch, never
per element); `tf.data.Dataset`s are iterated through their internal iterators (NumPy
elements, no per-element tensor wrapping); Python generators and `keras.utils.Sequence`-like
objects yield batches themselves.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from eagerflow.core import nest
from eagerflow.core.dtypes import NUMPY_TO_DTYPE
from eagerflow.core.tensor import wrap
from eagerflow.keras.utils.data_utils import unpack_x_y_sample_weight

__all__ = ["DataHandler", "unpack_x_y_sample_weight", "train_validation_split"]


def _is_dataset(value) -> bool:
    from eagerflow.data.dataset import Dataset

    return isinstance(value, Dataset)


def _as_array(value):
    if value is None:
        return None
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        return np.asarray(value.numpy())
    if isinstance(value, np.ndarray):
        return value
    array = np.asarray(value)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    return array


def _arrays(structure):
    return nest.map_structure(_as_array, structure)


def _num_samples(structure) -> int:
    sizes = {int(np.shape(a)[0]) for a in nest.flatten(structure) if a is not None}
    if len(sizes) > 1:
        raise ValueError("Data cardinality is ambiguous: make sure all arrays contain the same "
                         f"number of samples. Sizes: {sorted(sizes)}")
    if not sizes or sizes == {0}:
        raise ValueError("Expected input data to be non-empty.")
    return sizes.pop()


def _take(structure, indices, as_tensors: bool = False):
    """The rows `indices` (a slice or an index array) of every array in `structure`; as
    EagerTensors around the taken arrays (no further copy) when `as_tensors`."""
    if type(structure) is np.ndarray:  # the common case, without walking a structure
        part = structure[indices]
        return _leaf_tensor(part) if as_tensors else part
    if as_tensors:
        return nest.map_structure(
            lambda a: None if a is None else _leaf_tensor(a[indices]), structure)
    return nest.map_structure(lambda a: None if a is None else a[indices], structure)


def _leaf_tensor(value):
    """A NumPy array of a tensor dtype as an EagerTensor (no copy); strings, objects and
    anything else stay as given, for the step's own conversion."""
    if type(value) is np.ndarray and value.dtype in NUMPY_TO_DTYPE and value.dtype.kind != "O":
        return wrap(value)
    return value


def _as_tensors(batch):
    """A dataset's or generator's batch with its NumPy arrays wrapped as EagerTensors (no
    copy: the compiled step never writes its inputs)."""
    if type(batch) is tuple:
        return tuple([_leaf_tensor(part) if type(part) is np.ndarray else nest.map_structure(
            _leaf_tensor, part) for part in batch])
    return nest.map_structure(_leaf_tensor, batch)


def train_validation_split(arrays, validation_split: float):
    """Split arrays into (train, validation) with the last `validation_split` fraction held
    out, before any shuffling (Keras semantics)."""
    flat = [a for a in nest.flatten(arrays) if a is not None]
    if any(not isinstance(a, np.ndarray) for a in flat):
        raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays, "
                         f"found: {[type(a).__name__ for a in flat]}")
    count = _num_samples(arrays)
    split_at = int(math.floor(count * (1.0 - validation_split)))
    if split_at == 0 or split_at == count:
        raise ValueError(f"Training data contains {count} samples, which is not sufficient to "
                         f"split it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or "
                         "a different value for the `validation_split` argument.")
    train = nest.map_structure(lambda a: None if a is None else a[:split_at], arrays)
    validation = nest.map_structure(lambda a: None if a is None else a[split_at:], arrays)
    return train, validation


class DataHandler:
    """Epochs and steps over one input: yields, per epoch, an iterator of batches.

    `steps_per_epoch` set with a dataset or generator: one iterator is kept across epochs
    and training stops (with Keras's warning) if it runs out. `as_tensors=True` yields the
    batches' arrays as EagerTensors wrapped without a copy (what fit/evaluate/predict feed
    their compiled step; a NumPy argument would be copied by the call).
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 initial_epoch: int = 0, epochs: int = 1, shuffle=False, class_weight=None,
                 model=None, as_tensors: bool = False) -> None:
        self.initial_epoch = initial_epoch
        self._as_tensors = as_tensors
        self.epochs = epochs
        self._steps_per_epoch = steps_per_epoch
        self._shuffle = shuffle
        self._class_weight = class_weight
        self._persistent = None
        self.ran_out = False
        if _is_dataset(x):
            if y is not None:
                raise ValueError("`y` argument is not supported when using dataset as input.")
            if sample_weight is not None:
                raise ValueError("`sample_weight` argument is not supported when using dataset "
                                 "as input.")
            self._kind = "dataset"
            self._dataset = x
            cardinality = x._compute_cardinality()
            self.inferred_steps = steps_per_epoch if steps_per_epoch is not None else (
                cardinality if cardinality >= 0 else None)
            if cardinality == -1 and steps_per_epoch is None:
                raise ValueError("When providing an infinite dataset, you must specify the "
                                 "number of steps to run (`steps_per_epoch` in fit, `steps` in "
                                 "evaluate/predict).")
        elif _is_generator_like(x):
            if y is not None:
                raise ValueError("`y` argument is not supported when using a generator or "
                                 "Sequence as input.")
            self._kind = "generator"
            self._generator = x
            length = len(x) if hasattr(x, "__len__") and hasattr(x, "__getitem__") else None
            self.inferred_steps = steps_per_epoch if steps_per_epoch is not None else length
        else:
            self._kind = "arrays"
            if x is None:
                raise ValueError("Unrecognized data: x is None. Pass NumPy arrays, tensors, a "
                                 "tf.data.Dataset or a generator.")
            self._x, self._y, self._sample_weight = _arrays(x), _arrays(y), _arrays(sample_weight)
            if class_weight is not None and self._y is not None:
                self._sample_weight = _class_weights_to_sample_weights(
                    self._y, class_weight, self._sample_weight)
            self._count = _num_samples((self._x, self._y, self._sample_weight))
            self._batch_size = 32 if batch_size is None else int(batch_size)
            if self._batch_size <= 0:
                raise ValueError(f"batch_size must be positive, got {batch_size}")
            batches = int(math.ceil(self._count / self._batch_size))
            self.inferred_steps = steps_per_epoch if steps_per_epoch is not None else batches

    def enumerate_epochs(self):
        """(epoch, batch iterator) for each epoch from initial_epoch."""
        for epoch in range(self.initial_epoch, self.epochs):
            if self.ran_out:
                return
            yield epoch, self._epoch_batches()

    def _epoch_batches(self):
        steps = self._steps_per_epoch
        if self._kind == "arrays":
            if steps is None:
                return self._array_batches()
            if self._persistent is None:  # epochs continue where the last one stopped (TF)
                self._persistent = self._endless_array_batches()
            return self._limit(self._persistent, steps, persistent=True)
        source = self._dataset if self._kind == "dataset" else self._generator
        if steps is not None:
            if self._persistent is None:
                self._persistent = _iterate(source, self._kind)
            batches = self._limit(self._persistent, steps, persistent=True)
        else:
            batches = _iterate(source, self._kind)
        return map(_as_tensors, batches) if self._as_tensors else batches

    def _limit(self, iterator, steps, persistent: bool):
        if steps is None:
            yield from iterator
            return
        for _ in range(steps):
            try:
                batch = next(iterator)
            except StopIteration:
                if persistent or self._kind == "arrays":
                    self.ran_out = True
                    warnings.warn(
                        "Your input ran out of data; interrupting training. Make sure that "
                        "your dataset or generator can generate at least `steps_per_epoch * "
                        "epochs` batches (in this case, "
                        f"{steps * (self.epochs - self.initial_epoch)} batches). You may need "
                        "to use the repeat() function when building your dataset.",
                        stacklevel=4)
                return
            yield batch

    def _endless_array_batches(self):
        """Pass after pass over the arrays (each pass shuffled anew when asked)."""
        while True:
            yield from self._array_batches()

    def _array_batches(self):
        count, size, tensors = self._count, self._batch_size, self._as_tensors
        if self._shuffle == "batch":
            order = _batch_shuffled(count, size)
        elif self._shuffle:
            order = np.random.permutation(count)
        else:
            order = None
        for start in range(0, count, size):
            if order is None:
                index = slice(start, start + size)
            else:
                index = order[start:start + size]
            x = _take(self._x, index, tensors)
            if self._y is None:  # x alone, as tf.keras packs it (a tuple only when ambiguous)
                yield (x,) if isinstance(x, (tuple, list)) else x
                continue
            y = _take(self._y, index, tensors)
            if self._sample_weight is None:
                yield (x, y)
            else:
                yield (x, y, _take(self._sample_weight, index, tensors))


def _batch_shuffled(count: int, size: int) -> np.ndarray:
    starts = np.random.permutation(int(math.ceil(count / size)))
    return np.concatenate([np.arange(s * size, min((s + 1) * size, count)) for s in starts])


def _is_generator_like(value) -> bool:
    import types

    if isinstance(value, types.GeneratorType):
        return True
    return hasattr(value, "__getitem__") and hasattr(value, "__len__") and hasattr(
        value, "on_epoch_end")


def _iterate(source, kind: str):
    if kind == "dataset":
        return iter(source._make_iter())
    if hasattr(source, "__getitem__") and hasattr(source, "__len__") and not hasattr(
            source, "__next__"):
        return _sequence_batches(source)
    return iter(source)


def _sequence_batches(sequence):
    for index in range(len(sequence)):
        yield sequence[index]
    if hasattr(sequence, "on_epoch_end"):
        sequence.on_epoch_end()


def _class_weights_to_sample_weights(y, class_weight: dict, sample_weight):
    if isinstance(y, (list, tuple, dict)) and len(nest.flatten(y)) > 1:
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    labels = nest.flatten(y)[0]
    if labels.ndim > 1 and labels.shape[-1] > 1:
        classes = np.argmax(labels, axis=-1)
    else:
        classes = labels.reshape(labels.shape[0], -1)[:, 0].astype(np.int64)
    largest = max(class_weight) if class_weight else -1
    table = np.ones(max(largest, int(classes.max(initial=0))) + 1, dtype=np.float32)
    for key, weight in class_weight.items():
        table[int(key)] = weight
    weights = table[classes]
    if sample_weight is not None:
        weights = weights * np.asarray(nest.flatten(sample_weight)[0], np.float32)
    return weights
