"""DataHandler: batches of arrays (shuffled or not), datasets, generators, splits."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.data_adapter import (
    DataHandler,
    train_validation_split,
    unpack_x_y_sample_weight,
)


def _batches(handler):
    return [batch for _, batches in handler.enumerate_epochs() for batch in batches]


def test_array_batches_in_order_with_a_partial_last_batch():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10)
    batches = _batches(DataHandler(x, y, batch_size=4))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)


def test_shuffle_is_a_permutation_per_epoch():
    x = np.arange(12, dtype=np.float32)
    handler = DataHandler(x, x, batch_size=5, epochs=2, shuffle=True)
    for _, batches in handler.enumerate_epochs():
        seen = np.concatenate([b[0] for b in batches])
        assert sorted(seen.tolist()) == list(range(12))


def test_dataset_and_generator_sources():
    dataset = tf.data.Dataset.range(6).batch(4)
    assert [b.tolist() for b in _batches(DataHandler(dataset))] == [[0, 1, 2, 3], [4, 5]]

    def generate():
        yield np.ones(2), np.zeros(2)

    assert len(_batches(DataHandler(generate()))) == 1
    with pytest.raises(ValueError, match="not supported when using dataset"):
        DataHandler(dataset, y=np.ones(3))


def test_steps_per_epoch_keeps_one_iterator_and_warns_when_it_runs_out():
    dataset = tf.data.Dataset.range(5).batch(2)  # 3 batches in all
    handler = DataHandler(dataset, steps_per_epoch=2, epochs=3)
    with pytest.warns(UserWarning, match="ran out of data"):
        per_epoch = [[b.tolist() for b in batches] for _, batches in handler.enumerate_epochs()]
    assert per_epoch == [[[0, 1], [2, 3]], [[4]]]


def test_validation_split_takes_the_tail():
    x = np.arange(10)
    (train_x, train_y), (val_x, val_y) = train_validation_split((x, x * 2), 0.2)
    np.testing.assert_array_equal(val_x, [8, 9])
    np.testing.assert_array_equal(train_y, x[:8] * 2)
    with pytest.raises(ValueError, match="not sufficient"):
        train_validation_split((x[:1], x[:1]), 0.5)


def test_unpack_and_mismatched_sizes():
    assert unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert unpack_x_y_sample_weight(5) == (5, None, None)
    with pytest.raises(ValueError, match="format"):
        unpack_x_y_sample_weight((1, 2, 3, 4))
    with pytest.raises(ValueError, match="cardinality"):
        DataHandler(np.ones(3), np.ones(4))


@pytest.mark.parametrize("shuffle", [False, True, "batch"])
def test_as_tensors_yields_the_same_batches_as_eager_tensors(shuffle):
    x = {"a": np.arange(20, dtype=np.float32).reshape(10, 2), "b": np.arange(10)}
    y = np.arange(10, dtype=np.int32)
    weights = np.linspace(0.0, 1.0, 10).astype(np.float32)
    state = np.random.get_state()  # shuffling draws from NumPy's global generator
    try:
        plain = _batches(DataHandler(x, y, weights, batch_size=4, shuffle=shuffle))
        np.random.set_state(state)
        wrapped = _batches(DataHandler(x, y, weights, batch_size=4, shuffle=shuffle,
                                       as_tensors=True))
    finally:
        np.random.set_state(state)  # leave the global generator as the test found it
    assert len(plain) == len(wrapped) == 3
    for arrays, tensors in zip(plain, wrapped):
        for array, tensor in zip(tf.nest.flatten(arrays), tf.nest.flatten(tensors)):
            assert isinstance(tensor, tf.Tensor) and tensor.dtype == tf.as_dtype(array.dtype)
            np.testing.assert_array_equal(tensor.numpy(), array)


def test_as_tensors_wraps_dataset_and_generator_batches():
    dataset = tf.data.Dataset.from_tensor_slices((np.arange(6.0), np.arange(6))).batch(4)
    batches = _batches(DataHandler(dataset, as_tensors=True))
    assert [b[0].numpy().tolist() for b in batches] == [[0, 1, 2, 3], [4, 5]]
    assert all(isinstance(part, tf.Tensor) for batch in batches for part in batch)

    def generate():
        yield np.ones((2, 1), np.float32), [1, 2]

    (features, labels), = _batches(DataHandler(generate(), as_tensors=True))
    assert isinstance(features, tf.Tensor) and labels == [1, 2]  # non-arrays are left alone


def test_as_tensors_leaves_string_and_object_arrays_to_the_step():
    x = np.array(["ab", "c", "def"])
    tokens = np.array([b"x", b"y", b"z"], dtype=object)
    numbers = np.arange(3, dtype=np.float32)
    (batch,) = _batches(DataHandler((x, tokens, numbers), batch_size=3, as_tensors=True))
    features, = batch
    assert type(features[0]) is np.ndarray and features[0].dtype.kind == "U"
    assert type(features[1]) is np.ndarray and features[1].dtype == object
    assert isinstance(features[2], tf.Tensor)
