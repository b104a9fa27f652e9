"""batching.py: batch, padded_batch, unbatch, rebatch."""


import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.spec import TensorSpec
from tests.data.util import values

Dataset = tf.data.Dataset


def test_batch():
    assert values(Dataset.range(8).batch(3)) == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert values(Dataset.range(8).batch(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    pairs = Dataset.from_tensor_slices(([1, 2, 3], [[1.0], [2.0], [3.0]])).map(
        lambda a, b: (a, b))
    assert values(pairs.batch(2)) == [([1, 2], [[1.0], [2.0]]), ([3], [[3.0]])]
    assert values(Dataset.range(4).batch(2, num_parallel_calls=2, deterministic=True)) == \
        [[0, 1], [2, 3]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="greater than zero"):
        Dataset.range(3).batch(0)


def test_batch_fast_path_matches_generic_path():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    fast = Dataset.from_tensor_slices({"x": x, "y": np.arange(10)}).batch(4)
    slow = Dataset.from_tensor_slices({"x": x, "y": np.arange(10)}).map(lambda d: d).batch(4)
    assert values(fast) == values(slow)
    assert fast.element_spec == slow.element_spec
    dropped = Dataset.from_tensor_slices(x).batch(4, drop_remainder=True)
    assert [b.shape for b in dropped.as_numpy_iterator()] == [(4, 2), (4, 2)]


def test_batch_shape_mismatch():
    ds = Dataset.from_generator(lambda: iter([[1, 2], [1, 2, 3]]),
                                output_signature=TensorSpec((None,), tf.int32)).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Cannot batch tensors with different shapes in component 0. "
                             r"First element had shape \[2\] and element 1 had shape \[3\]"):
        list(ds)


def test_padded_batch():
    ds = Dataset.range(1, 5).map(lambda x: tf.fill([x], x))
    assert values(ds.padded_batch(2)) == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    assert values(ds.padded_batch(2, padded_shapes=[5], padding_values=tf.constant(-1,
                                                                                    tf.int64))) \
        == [[[1, -1, -1, -1, -1], [2, 2, -1, -1, -1]], [[3, 3, 3, -1, -1], [4, 4, 4, 4, -1]]]
    spec = ds.padded_batch(2, padded_shapes=[5], drop_remainder=True).element_spec
    assert spec == TensorSpec((2, 5), tf.int64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="smaller size"):
        list(ds.padded_batch(2, padded_shapes=[2]))
    strings = Dataset.from_generator(lambda: iter([["a"], ["b", "c"]]),
                                     output_signature=TensorSpec((None,), tf.string))
    assert values(strings.padded_batch(2)) == [[[b"a", b""], [b"b", b"c"]]]
    pairs = Dataset.from_generator(lambda: iter([([1], 5), ([1, 2], 6)]), output_signature=(
        TensorSpec((None,), tf.int32), TensorSpec((), tf.int32)))
    assert values(pairs.padded_batch(2, padding_values=(9, 0))) == [([[1, 9], [1, 2]], [5, 6])]


def test_unbatch_and_rebatch():
    ds = Dataset.from_tensor_slices(np.arange(12).reshape(3, 4)).map(
        lambda x: (x, x * 10))
    assert values(ds.unbatch())[:5] == [(0, 0), (1, 10), (2, 20), (3, 30), (4, 40)]
    assert ds.unbatch().element_spec == (TensorSpec((), tf.int64), TensorSpec((), tf.int64))
    batched = Dataset.range(10).batch(4)
    assert values(batched.rebatch(3)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert values(batched.rebatch(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5],
                                                                [6, 7, 8]]
    assert values(batched.rebatch([2, 3])) == [[0, 1], [2, 3, 4], [5, 6], [7, 8, 9]]
    with pytest.raises(ValueError, match="rank >= 1"):
        Dataset.range(3).unbatch().element_spec  # noqa: B018
