"""Tests of CategoryEncoding, Hashing and TF's string hashes (FarmHash Fingerprint64 and
SipHash), against numbers recorded from TensorFlow 2.21 / tf_keras."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers.preprocessing.string_hash import fingerprint64, hash_buckets
from tests.keras.layer_harness import check_layer

layers = tf.keras.layers

STRINGS = ["", "a", "abcd", "hello world", "x" * 20, "y" * 40, "z" * 100,
           "The quick brown fox jumps over the lazy dog. The quick brown fox"]


def test_fast_hash_matches_tf_to_hash_bucket_fast():
    # tf.strings.to_hash_bucket_fast(STRINGS, 2**62) in TensorFlow 2.21 (all length branches)
    expected = [1936946117179621455, 3694432073954588131, 1897425971756105985,
                1769834696496558107, 3621402210320469444, 276292113409495006,
                4609163928736578169, 919341830274840736]
    assert hash_buckets(np.array(STRINGS, dtype=object), 2 ** 62).tolist() == expected
    assert fingerprint64(b"") == 0x9AE16A3B2F90404F


def test_strong_hash_matches_tf_to_hash_bucket_strong():
    # tf.strings.to_hash_bucket_strong(..., 2**62, key=[1, 2]) in TensorFlow 2.21
    values = np.array(["", "a", "hello world", "z" * 100], dtype=object)
    assert hash_buckets(values, 2 ** 62, (1, 2)).tolist() == [
        443797209252341627, 546566331822570742, 1015233985318741638, 2294447551208190567]


def test_hashing_layer_matches_tf_keras():
    layer = layers.Hashing(num_bins=5)
    np.testing.assert_array_equal(layer(np.array([["a"], ["b"], ["c"], ["hello"]])).numpy()
                                  .ravel(), [4, 2, 2, 1])
    np.testing.assert_array_equal(layer(np.array([1, 2, 3, 44])).numpy(), [4, 4, 1, 3])
    masked = layers.Hashing(num_bins=5, mask_value="")
    np.testing.assert_array_equal(masked(np.array(["a", "b", "", "hello"])).numpy(),
                                  [4, 3, 0, 1])
    salted = layers.Hashing(num_bins=5, salt=7)
    np.testing.assert_array_equal(salted(np.array(["a", "b", "", "hello"])).numpy(),
                                  [1, 3, 3, 3])
    multi_hot = layers.Hashing(num_bins=5, salt=[7, 9], output_mode="multi_hot")
    np.testing.assert_array_equal(multi_hot(np.array([["a", "b"], ["", "hello"]])).numpy(),
                                  [[1, 1, 0, 0, 0], [0, 0, 0, 1, 1]])
    assert layer.get_config() == {"name": layer.name, "trainable": True, "dtype": "int64",
                                  "num_bins": 5, "salt": None, "mask_value": None,
                                  "output_mode": "int", "sparse": False}


def test_hashing_compiled_symbolic_and_dataset():
    layer = layers.Hashing(num_bins=5)
    strings = np.array([["a", "b"], ["c", "hello"]])
    eager = layer(strings).numpy()
    np.testing.assert_array_equal(tf.function(lambda x: layer(x))(strings).numpy(), eager)
    check_layer(lambda **kw: layers.Hashing(num_bins=5, **kw), strings, expected=eager,
                check_gradients=False, check_symbolic=False)  # the harness cannot type strings
    inputs = tf.keras.Input(shape=(2,), dtype="string")
    model = tf.keras.Model(inputs, layer(inputs))
    np.testing.assert_array_equal(model(strings).numpy(), eager)
    assert model.output_shape == (None, 2)
    mapped = tf.data.Dataset.from_tensor_slices(strings).map(layer)
    np.testing.assert_array_equal(np.stack([m.numpy() for m in mapped]), eager)


def test_hashing_errors():
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(num_bins=3, salt="x")
    with pytest.raises(tf.errors.InvalidArgumentError, match="strings or integers"):
        layers.Hashing(num_bins=3)(np.array([1.5]))


def test_category_encoding_modes_match_tf_keras():
    multi = layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")
    np.testing.assert_array_equal(multi(np.array([0, 1, 1, 3])).numpy(), [1, 1, 0, 1])
    count = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    np.testing.assert_array_equal(
        count(np.array([[0, 1, 1, 3], [2, 2, 2, 2]]),
              count_weights=np.array([[1.0, 2, 3, 4], [1, 1, 1, 1]])).numpy(),
        [[1, 5, 0, 4], [0, 0, 4, 0]])
    one_hot = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array([[1], [3]])).numpy(),
                                  [[0, 1, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(one_hot(np.array([1, 3])).numpy(),
                                  [[0, 1, 0, 0], [0, 0, 0, 1]])
    ids = np.array([[0, 3, 3], [1, 2, 0]])
    expected = np.array([[1, 0, 0, 2], [1, 1, 1, 0]], "float32")
    check_layer(lambda **kw: layers.CategoryEncoding(4, output_mode="count", **kw), ids,
                expected=expected, check_gradients=False)
    assert multi.compute_output_shape((None, 7)).as_list() == [None, 4]


def test_category_encoding_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="0 <= values < num_tokens"):
        layers.CategoryEncoding(num_tokens=4)(np.array([5]))
    with pytest.raises(ValueError, match="num_tokens must be set"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(3)(np.array([1]), count_weights=np.array([1.0]))
    with pytest.raises(ValueError, match="maximum supported output rank is 2"):
        layers.CategoryEncoding(3)(np.zeros((2, 2, 2), "int64"))
