"""tf.data pipelines from arrays: sliding windows over a time series
(`timeseries_dataset_from_array`) and a two-way split of a dataset (`split_dataset`)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

__all__ = ["split_dataset", "timeseries_dataset_from_array"]


def _check_positive(value: int, name: str, length: int) -> None:
    if value <= 0:
        raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
    if value >= length:
        raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                         f"{name}={value}, for data of length {length}")


def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None):
    """Creates a dataset of sliding windows over a timeseries provided as array.

    Window `i` holds `data[s, s + r, ..., s + r * (sequence_length - 1)]` with
    `s = start_index + i * sequence_stride` and `r = sampling_rate`; its target is
    `targets[s]`. Windows are gathered lazily (the data is stored once).

    Args:
        data: Array or tensor of consecutive data points (timesteps), axis 0 = time.
        targets: Targets per timestep (aligned with `data`), or None for windows only.
        sequence_length: Length of the output sequences (in number of timesteps).
        sequence_stride: Period between successive output sequences.
        sampling_rate: Period between successive timesteps within a sequence.
        batch_size: Number of windows per batch; None yields single windows.
        shuffle: Whether to shuffle the windows.
        seed: Random seed for shuffling.
        start_index, end_index: Only timesteps in `[start_index, end_index)` are used.

    Returns:
        A `tf.data.Dataset` of `(batch_of_sequences, batch_of_targets)` (or just sequences).
    """
    import eagerflow as tf

    data = np.asarray(data)
    length = len(data)
    if start_index is not None:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= length:
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {length}")
    if end_index is not None:
        if start_index is not None and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index > length:
            raise ValueError(f"`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {length}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    _check_positive(sampling_rate, "sampling_rate", length)
    _check_positive(sequence_stride, "sequence_stride", length)
    if sequence_length <= 0:
        raise ValueError(f"`sequence_length` must be higher than 0. Received: "
                         f"sequence_length={sequence_length}")
    start_index = start_index or 0
    end_index = length if end_index is None else end_index
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets) - start_index)
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64) + start_index
    if shuffle:
        if seed is None:
            seed = int(np.random.randint(1_000_000))
        np.random.RandomState(seed).shuffle(starts)
    series = tf.constant(data)
    offsets = tf.constant(np.arange(sequence_length, dtype=np.int64) * sampling_rate)
    windows = tf.data.Dataset.from_tensor_slices(starts).map(
        lambda start: tf.gather(series, start + offsets))
    if targets is not None:
        windows = tf.data.Dataset.zip((windows, tf.data.Dataset.from_tensor_slices(
            targets[starts] if len(starts) else targets[:0])))
    windows = windows.prefetch(tf.data.AUTOTUNE)
    if batch_size is not None:
        if shuffle:
            windows = windows.shuffle(buffer_size=batch_size * 8, seed=seed)
        return windows.batch(batch_size)
    if shuffle:
        windows = windows.shuffle(buffer_size=1024, seed=seed)
    return windows


def _split_sizes(left_size, right_size, total: int) -> tuple[int, int]:
    """Keras's rules: fractions of the total or counts; one side may be the rest."""
    for size, side in ((left_size, "left"), (right_size, "right")):
        if size is not None and (isinstance(size, bool) or not isinstance(size, int | float)):
            raise TypeError(f"Invalid `{side}_size` type. Expected: int or float or None. "
                            f"Received: type({side}_size)={type(size)}.")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split "
                         "sizes must be non-zero.")
    for size, side in ((left_size, "left"), (right_size, "right")):
        if isinstance(size, int) and not 0 < size < total or \
                isinstance(size, float) and not 0 < size < 1:
            raise ValueError(f"`{side}_size` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{side}_size={size}")
    if isinstance(left_size, float) and isinstance(right_size, float) and \
            left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")
    left = round(left_size * total) if isinstance(left_size, float) else left_size
    right = round(right_size * total) if isinstance(right_size, float) else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will "
                             "be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset: Any, left_size: int | float | None = None,
                  right_size: int | float | None = None, shuffle: bool = False,
                  seed: int | None = None) -> tuple:
    """Splits a dataset into a left half and a right half (e.g. training / validation).

    Args:
        dataset: A `tf.data.Dataset`, a NumPy array, or a list/tuple of arrays of one length.
        left_size: Fraction (float in (0, 1)) or number (int) of samples on the left; None
            means the rest of `right_size`.
        right_size: Likewise for the right split (taken from the end).
        shuffle: Whether to shuffle the samples before splitting.
        seed: Random seed for shuffling.

    Returns:
        A tuple of two `tf.data.Dataset`s; a batched input dataset gives batched splits.
    """
    import eagerflow as tf
    from eagerflow import nest

    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    batch_size = None
    if isinstance(dataset, tf.data.Dataset):
        batch_size = getattr(dataset, "_batch_size", None)
        source = dataset.unbatch() if batch_size is not None else dataset
        samples = list(source.as_numpy_iterator())
        if not samples:
            raise ValueError("`dataset` must not be empty.")
        columns = [np.stack(leaves) for leaves in zip(*(nest.flatten(s) for s in samples))]
        structure = samples[0]
    elif isinstance(dataset, np.ndarray | list | tuple):
        if not isinstance(dataset, np.ndarray) and all(np.ndim(x) == 0 for x in dataset):
            dataset = np.asarray(dataset)  # a plain list of numbers is one column
        structure = dataset
        columns = [np.asarray(leaf) for leaf in nest.flatten(dataset)] \
            if not isinstance(dataset, np.ndarray) else [dataset]
        lengths = {len(column) for column in columns}
        if len(lengths) != 1:
            raise ValueError(f"All arrays in `dataset` must have the same length. Received "
                             f"lengths {sorted(lengths)}")
    else:
        raise TypeError(f"The `dataset` argument must be either a `tf.data.Dataset` object or a "
                        f"list/tuple of arrays. Received: dataset={dataset} of type "
                        f"{type(dataset)}")
    total = len(columns[0])
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, 1_000_000) if seed is None else seed).shuffle(order)
    left, right = _split_sizes(left_size, right_size, total)
    order = np.asarray(order, dtype=np.int64)

    def part(indices: np.ndarray):
        sliced = [column[indices] for column in columns]
        if isinstance(structure, np.ndarray):
            elements = sliced[0]
        else:
            elements = nest.pack_sequence_as(structure, sliced)
            if isinstance(elements, list):
                elements = tuple(elements)
        split = tf.data.Dataset.from_tensor_slices(elements)
        return split.batch(batch_size) if batch_size is not None else split

    return part(order[:left]), part(order[total - right:])
