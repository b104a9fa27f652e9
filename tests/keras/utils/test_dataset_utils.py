"""timeseries_dataset_from_array (windows checked against NumPy slicing and tf_keras's
documented examples) and split_dataset (sizes, order, shuffling, batched inputs)."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.utils import split_dataset, timeseries_dataset_from_array


def _windows(dataset):
    xs, ys = [], []
    for x, y in dataset:
        xs.append(x.numpy())
        ys.append(y.numpy())
    return np.concatenate(xs), np.concatenate(ys)


@pytest.mark.parametrize("length, stride, rate, start, end", [
    (4, 3, 2, None, None), (5, 1, 1, 3, 10), (3, 2, 3, 2, 19), (1, 1, 1, None, None),
])
def test_windows_match_numpy_slicing(length, stride, rate, start, end):
    data = np.arange(40, dtype=np.float32).reshape(20, 2)
    targets = np.arange(20) * 10
    x, y = _windows(timeseries_dataset_from_array(
        data, targets, sequence_length=length, sequence_stride=stride, sampling_rate=rate,
        batch_size=3, start_index=start, end_index=end))
    first, stop = start or 0, end or 20
    starts = list(range(first, stop - (length - 1) * rate, stride))
    expected = np.stack([data[s:s + (length - 1) * rate + 1:rate] for s in starts])
    np.testing.assert_array_equal(x, expected)
    np.testing.assert_array_equal(y, targets[starts])
    assert x.dtype == np.float32


def test_keras_doc_example_and_unbatched_windows():
    # tf_keras docs: data [0..99], sequence_length=10, sampling_rate=2 -> first [0, 2, ..., 18]
    batches = timeseries_dataset_from_array(np.arange(100), None, sequence_length=10,
                                            sampling_rate=2, batch_size=128)
    (batch,) = list(batches)
    assert batch.shape == (82, 10)
    np.testing.assert_array_equal(batch[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(batch[-1], np.arange(81, 100, 2))
    singles = list(timeseries_dataset_from_array(np.arange(10), None, 4, batch_size=None))
    assert [s.numpy().tolist() for s in singles][:2] == [[0, 1, 2, 3], [1, 2, 3, 4]]


def test_shuffled_windows_are_a_permutation_and_seeded():
    data, targets = np.arange(30), np.arange(30)
    make = lambda seed: timeseries_dataset_from_array(  # noqa: E731
        data, targets, 5, batch_size=4, shuffle=True, seed=seed)
    x, y = _windows(make(7))
    np.testing.assert_array_equal(x[:, 0], y)  # each window keeps its own target
    assert sorted(y.tolist()) == list(range(26))
    assert y.tolist() != list(range(26))
    np.testing.assert_array_equal(_windows(make(7))[1], y)


@pytest.mark.parametrize("kwargs, match", [
    (dict(start_index=-1), "`start_index` must be 0 or greater"),
    (dict(start_index=20), "`start_index` must be lower than the length"),
    (dict(start_index=5, end_index=5), "`end_index` must be higher than `start_index`"),
    (dict(end_index=21), "`end_index` must be lower than the length"),
    (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"),
    (dict(sequence_stride=20), "`sequence_stride` must be lower than the length"),
])
def test_timeseries_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        timeseries_dataset_from_array(np.arange(20), None, 3, **kwargs)


def test_split_arrays_by_fraction_and_count():
    x, y = np.arange(10), np.arange(10) * 2
    left, right = split_dataset((x, y), left_size=0.8)
    lx = np.array([a for a, _ in left.as_numpy_iterator()])
    rx = np.array([a for a, _ in right.as_numpy_iterator()])
    np.testing.assert_array_equal(lx, np.arange(8))
    np.testing.assert_array_equal(rx, [8, 9])
    assert all(b == 2 * a for a, b in left.as_numpy_iterator())
    left, right = split_dataset(np.arange(10), left_size=3, right_size=2)
    assert list(left.as_numpy_iterator()) == [0, 1, 2]
    assert list(right.as_numpy_iterator()) == [8, 9]  # the right split comes from the end
    left, right = split_dataset([1.0, 2.0, 3.0, 4.0], right_size=0.25)
    assert list(right.as_numpy_iterator()) == [4.0]


def test_split_shuffled_and_batched_dataset():
    dataset = tf.data.Dataset.range(10).batch(3)
    left, right = split_dataset(dataset, right_size=4, shuffle=True, seed=1)
    left_batches = list(left.as_numpy_iterator())
    assert [len(b) for b in left_batches] == [3, 3]  # batched like the input
    values = np.concatenate(left_batches + list(right.as_numpy_iterator()))
    assert sorted(values.tolist()) == list(range(10)) and values.tolist() != list(range(10))
    again = np.concatenate(list(split_dataset(dataset, right_size=4, shuffle=True,
                                              seed=1)[0].as_numpy_iterator()))
    np.testing.assert_array_equal(again, np.concatenate(left_batches))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(), ValueError, "At least one of the `left_size` or `right_size`"),
    (dict(left_size=0, right_size=0), ValueError, "Both `left_size` and `right_size` are zero"),
    (dict(left_size=10), ValueError, "`left_size` should be either a positive integer"),
    (dict(right_size=1.5), ValueError, "`right_size` should be either"),
    (dict(left_size=0.7, right_size=0.6), ValueError, "greater than 1"),
    (dict(left_size=6, right_size=6), ValueError, "should be smaller than the 10"),
    (dict(left_size=0.01), ValueError, "left side dataset split will be empty"),
    (dict(left_size="half"), TypeError, "Invalid `left_size` type"),
])
def test_split_size_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        split_dataset(np.arange(10), **kwargs)


def test_split_rejects_other_inputs():
    with pytest.raises(TypeError, match="must be either a `tf.data.Dataset`"):
        split_dataset({"a": np.arange(4)}, left_size=2)
    with pytest.raises(ValueError, match="same length"):
        split_dataset((np.arange(4), np.arange(5)), left_size=2)
