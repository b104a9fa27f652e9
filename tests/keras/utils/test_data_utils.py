"""(x, y, sample_weight) packing, the Sequence base class and get_source_inputs."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.utils import (
    Sequence,
    get_source_inputs,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
    warmstart_embedding_matrix,
)


def test_unpack_and_pack_round_trip():
    x, y, w = np.ones(2), np.zeros(2), np.full(2, 0.5)
    assert unpack_x_y_sample_weight(x)[1:] == (None, None)
    assert unpack_x_y_sample_weight((x,))[0] is x
    assert unpack_x_y_sample_weight([x, y])[:2] == (x, y)
    assert unpack_x_y_sample_weight((x, y, w)) == (x, y, w)
    with pytest.raises(ValueError, match=r"`\(x, y, sample_weight\)`"):
        unpack_x_y_sample_weight((x, y, w, w))
    assert pack_x_y_sample_weight(x) is x
    assert pack_x_y_sample_weight((x, x)) == ((x, x),)  # a tuple x is not mistaken for (x, y)
    assert pack_x_y_sample_weight(x, y) == (x, y)
    assert pack_x_y_sample_weight(x, y, w) == (x, y, w)
    for packed in [pack_x_y_sample_weight(x, y, w), pack_x_y_sample_weight((x, x))]:
        assert pack_x_y_sample_weight(*unpack_x_y_sample_weight(packed)) == packed


def test_unpack_inside_tf_function():
    @tf.function
    def step(data):
        x, y, w = unpack_x_y_sample_weight(data)
        return x * 2.0 + y if w is None else (x + y) * w

    data = (tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]))
    np.testing.assert_allclose(step(data), [5.0, 8.0])
    weighted = data + (tf.constant([0.5, 2.0]),)
    np.testing.assert_allclose(step(weighted), [2.0, 12.0])


class _Batches(Sequence):
    def __init__(self, n, batch_size):
        self.x = np.arange(n)
        self.batch_size = batch_size
        self.epochs = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        return self.x[index * self.batch_size:(index + 1) * self.batch_size]

    def on_epoch_end(self):
        self.epochs += 1


def test_sequence_iterates_its_batches():
    batches = _Batches(7, 3)
    assert len(batches) == 3
    assert [b.tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    batches.on_epoch_end()
    assert batches.epochs == 1
    assert Sequence().on_epoch_end() is None
    with pytest.raises(NotImplementedError, match="must implement `__len__`"):
        len(Sequence())
    with pytest.raises(NotImplementedError, match="must implement `__getitem__`"):
        Sequence()[0]


def test_get_source_inputs():
    a = tf.keras.Input(shape=(3,), name="a")
    b = tf.keras.Input(shape=(3,), name="b")
    dense = tf.keras.layers.Dense(2)
    merged = dense(a) + dense(b)
    out = tf.keras.layers.Dense(1)(merged)
    sources = get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    (only,) = get_source_inputs(a)
    assert only is a
    (only,) = get_source_inputs(tf.keras.layers.Dense(4)(b))
    assert only is b
    plain = np.ones(3)
    assert get_source_inputs(plain) is plain


def test_warmstart_embedding_matrix_keeps_shared_rows(tmp_path):
    base_vocabulary = ["unk", "a", "b", "c"]
    base = np.arange(8, dtype=np.float32).reshape(4, 2)
    new_vocabulary = ["unk", "c", "d", "a", "e"]
    out = warmstart_embedding_matrix(base_vocabulary, new_vocabulary, base,
                                     new_embeddings_initializer="zeros")
    np.testing.assert_array_equal(out, [[0, 1], [6, 7], [0, 0], [2, 3], [0, 0]])
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("c\nzz\n")
    from_file = warmstart_embedding_matrix(tf.constant(base_vocabulary), str(vocab_file),
                                           tf.constant(base))
    np.testing.assert_array_equal(from_file[0], [6, 7])
    assert np.all(np.abs(from_file[1].numpy()) <= 0.05)  # "uniform" is in [-0.05, 0.05]
    with pytest.raises(ValueError, match="does not exist"):
        warmstart_embedding_matrix(base_vocabulary, str(tmp_path / "missing.txt"), base)
    with pytest.raises(ValueError, match="one row per token"):
        warmstart_embedding_matrix(base_vocabulary[:3], new_vocabulary, base)
    with pytest.raises(ValueError, match="at least one token"):
        warmstart_embedding_matrix([], new_vocabulary, base)
