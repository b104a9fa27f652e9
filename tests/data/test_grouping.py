"""grouping.py: window, group_by_window, bucket_by_sequence_length."""


import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.spec import TensorSpec
from tests.data.util import values

Dataset = tf.data.Dataset


def test_window():
    def flat(ds):
        return [values(w) for w in ds]
    assert flat(Dataset.range(7).window(3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert flat(Dataset.range(7).window(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    assert flat(Dataset.range(7).window(3, 2, 1, True)) == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    assert flat(Dataset.range(7).window(3, 1, 2, True)) == [[0, 2, 4], [1, 3, 5], [2, 4, 6]]
    assert flat(Dataset.range(7).window(2, 4)) == [[0, 1], [4, 5]]
    spec = Dataset.range(3).window(2).element_spec
    assert isinstance(spec, tf.data.DatasetSpec)
    assert spec.element_spec == TensorSpec((), tf.int64)
    pairs = Dataset.from_tensor_slices(([1, 2, 3], [4, 5, 6])).window(2)
    a, b = next(iter(pairs))
    assert values(a) == [1, 2] and values(b) == [4, 5]
    batched = Dataset.range(5).window(2, 1, drop_remainder=True).flat_map(lambda w: w.batch(2))
    assert values(batched) == [[0, 1], [1, 2], [2, 3], [3, 4]]


def test_group_by_window():
    ds = Dataset.range(10).group_by_window(
        key_func=lambda x: x % 2, reduce_func=lambda key, window: window.batch(3),
        window_size=3)
    assert values(ds) == [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]
    sized = Dataset.range(6).group_by_window(
        lambda x: x % 2, lambda k, w: w.batch(10), window_size_func=lambda k: k + 1)
    assert values(sized) == [[0], [2], [1, 3], [4], [5]]
    assert ds.element_spec == TensorSpec((None,), tf.int64)
    with pytest.raises(ValueError):
        Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w)


def test_bucket_by_sequence_length():
    lengths = [1, 3, 2, 5, 4, 1, 6]
    ds = Dataset.from_generator(lambda: (np.arange(n) + 1 for n in lengths),
                                output_signature=TensorSpec((None,), tf.int64))
    buckets = ds.bucket_by_sequence_length(lambda x: tf.shape(x)[0], [3, 5], [2, 2, 2])
    out = values(buckets)
    assert out == [[[1, 0], [1, 2]], [[1, 2, 3, 0], [1, 2, 3, 4]],
                   [[1, 2, 3, 4, 5, 0], [1, 2, 3, 4, 5, 6]], [[1]]]
    boundary = ds.take(3).bucket_by_sequence_length(
        lambda x: tf.shape(x)[0], [4], [5, 5], pad_to_bucket_boundary=True)
    assert [np.shape(b) for b in boundary.as_numpy_iterator()] == [(3, 3)]
    with pytest.raises(ValueError):
        ds.bucket_by_sequence_length(lambda x: 1, [3], [2])
