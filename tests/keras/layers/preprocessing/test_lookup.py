"""Tests of StringLookup and IntegerLookup: vocabularies (given and adapted), OOV and mask
handling, inversion and encodings, compared with tf_keras 2.21; compiled calls, tf.data,
functional models and config round trips (the vocabulary travels in the config)."""

import json

import numpy as np
import pytest

import eagerflow as tf

layers = tf.keras.layers
DATA = np.array([["a", "b", "c"], ["b", "c", "d"], ["c", "d", "e"], ["z", "z", "z"]])


def test_string_lookup_adapt_orders_like_tf_keras():
    layer = layers.StringLookup()
    layer.adapt(DATA)
    # Most frequent first; ties broken by descending token (tf_keras's lexsort order).
    assert layer.get_vocabulary() == ["[UNK]", "z", "c", "d", "b", "e", "a"]
    assert layer.get_vocabulary(include_special_tokens=False)[0] == "z"
    assert layer.vocabulary_size() == 7
    np.testing.assert_array_equal(layer(np.array([["a", "q"], ["z", "c"]])).numpy(),
                                  [[6, 0], [1, 2]])
    from_dataset = layers.StringLookup()
    from_dataset.adapt(tf.data.Dataset.from_tensor_slices(DATA).batch(2))
    assert from_dataset.get_vocabulary() == layer.get_vocabulary()
    limited = layers.StringLookup(max_tokens=4)
    limited.adapt(DATA)
    assert limited.get_vocabulary() == ["[UNK]", "z", "c", "d"]


def test_string_lookup_mask_and_several_oov_buckets():
    layer = layers.StringLookup(vocabulary=["a", "b", "c"], mask_token="", num_oov_indices=2)
    assert layer.get_vocabulary() == ["", "[UNK]", "[UNK]", "a", "b", "c"]
    # OOV strings hash (Fingerprint64) into the two OOV slots, as in tf_keras.
    np.testing.assert_array_equal(layer(np.array(["a", "", "x", "yy", "c"])).numpy(),
                                  [3, 0, 1, 2, 5])


def test_string_lookup_encodings_match_tf_keras():
    vocabulary = ["a", "b", "c"]
    batch = np.array([["a", "b", "x"], ["c", "c", "c"]])
    multi = layers.StringLookup(vocabulary=vocabulary, output_mode="multi_hot")
    np.testing.assert_array_equal(multi(batch).numpy(), [[1, 1, 1, 0], [0, 0, 0, 1]])
    count = layers.StringLookup(vocabulary=vocabulary, output_mode="count")
    np.testing.assert_array_equal(count(batch).numpy(), [[1, 1, 1, 0], [0, 0, 0, 3]])
    one_hot = layers.StringLookup(vocabulary=vocabulary, output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array(["a", "x"])).numpy(),
                                  [[0, 1, 0, 0], [1, 0, 0, 0]])
    masked = layers.StringLookup(vocabulary=vocabulary, mask_token="", output_mode="multi_hot")
    assert masked.get_vocabulary() == ["[UNK]", "a", "b", "c"]  # no mask slot when encoding
    np.testing.assert_array_equal(masked(np.array([["a", "", "x"]])).numpy(), [[1, 1, 0, 0]])
    padded = layers.StringLookup(vocabulary=vocabulary, output_mode="multi_hot", max_tokens=6,
                                 pad_to_max_tokens=True)
    assert padded(batch).shape == (2, 6)


def test_string_lookup_tf_idf_matches_tf_keras():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt(tf.data.Dataset.from_tensor_slices(DATA))  # four documents
    np.testing.assert_allclose(layer(np.array([["a", "b", "x", "c"]])).numpy(), [[
        0.9472633, 0, 0.6931472, 0, 0.84729785, 0, 1.0986123]], rtol=1e-6)
    given = layers.StringLookup(vocabulary=["a", "b"], idf_weights=[0.5, 1.5],
                                output_mode="tf_idf")
    np.testing.assert_allclose(given(np.array([["a", "a", "x"]])).numpy(), [[1.0, 1.0, 0]])
    with pytest.raises(ValueError, match="idf_weights"):
        layers.StringLookup(vocabulary=["a"], output_mode="tf_idf")


def test_string_lookup_invert():
    layer = layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)
    out = layer(np.array([[0, 1, 3, 5]]))
    assert out.dtype == tf.string
    assert out.numpy().tolist() == [[b"[UNK]", b"a", b"c", b"[UNK]"]]
    forward = layers.StringLookup(vocabulary=["a", "b", "c"])
    words = np.array([["c", "a"]])
    assert layer(forward(words)).numpy().tolist() == [[b"c", b"a"]]


def test_integer_lookup_matches_tf_keras():
    layer = layers.IntegerLookup()
    layer.adapt(np.array([[5, 5, 7], [7, 7, 9], [12, 0, -1]]))
    assert layer.get_vocabulary() == [-1, 7, 5, 12, 9, 0]
    np.testing.assert_array_equal(layer(np.array([5, 9, 100, 0, -1])).numpy(), [2, 4, 0, 5, 0])
    several = layers.IntegerLookup(vocabulary=[10, 20, 30], mask_token=0, num_oov_indices=3)
    assert several.get_vocabulary() == [0, -1, -1, -1, 10, 20, 30]
    np.testing.assert_array_equal(several(np.array([10, 0, 5, 6, 7, 8, 30])).numpy(),
                                  [4, 0, 3, 1, 2, 3, 6])
    inverse = layers.IntegerLookup(vocabulary=[10, 20, 30], invert=True)
    np.testing.assert_array_equal(inverse(np.array([0, 1, 2, 3])).numpy(), [-1, 10, 20, 30])
    multi = layers.IntegerLookup(vocabulary=[10, 20], output_mode="multi_hot")
    np.testing.assert_array_equal(multi(np.array([[10, 99], [20, 20]])).numpy(),
                                  [[1, 1, 0], [0, 0, 1]])


def test_lookups_compiled_dataset_and_functional():
    layer = layers.StringLookup(vocabulary=["a", "b", "c"])
    words = np.array([["a", "q"], ["c", "b"]])
    eager = layer(words).numpy()
    np.testing.assert_array_equal(tf.function(lambda x: layer(x))(words).numpy(), eager)
    mapped = list(tf.data.Dataset.from_tensor_slices(words).map(layer))
    np.testing.assert_array_equal(np.stack([m.numpy() for m in mapped]), eager)
    inputs = tf.keras.Input(shape=(2,), dtype="string")
    outputs = layers.Embedding(4, 3)(layer(inputs))
    model = tf.keras.Model(inputs, outputs)
    assert model(words).shape == (2, 2, 3)
    # A vocabulary adapted after tracing is seen by the traced function (read at run time).
    adapted = layers.StringLookup()
    compiled = tf.function(lambda x: adapted(x))
    adapted.adapt(np.array(["q", "q", "r"]))
    np.testing.assert_array_equal(compiled(np.array(["r", "q"])).numpy(), [2, 1])


def test_lookup_config_round_trip_carries_vocabulary():
    layer = layers.StringLookup(mask_token="", num_oov_indices=2)
    layer.adapt(DATA)
    config = json.loads(json.dumps(layer.get_config()))
    assert config["vocabulary"] == ["z", "c", "d", "b", "e", "a"]
    assert config["vocabulary_size"] == 9
    clone = layers.StringLookup.from_config(config)
    assert clone.get_vocabulary() == layer.get_vocabulary()
    words = np.array([["a", "", "nope", "z"]])
    np.testing.assert_array_equal(clone(words).numpy(), layer(words).numpy())
    integer = layers.IntegerLookup(vocabulary=[3, 1, 2], output_mode="count")
    clone = layers.IntegerLookup.from_config(integer.get_config())
    np.testing.assert_array_equal(clone(np.array([[1, 1, 7]])).numpy(), [[1, 0, 2, 0]])
    tf_idf = layers.StringLookup(output_mode="tf_idf")
    tf_idf.adapt(tf.data.Dataset.from_tensor_slices(DATA))
    clone = layers.StringLookup.from_config(tf_idf.get_config())
    np.testing.assert_allclose(clone(DATA).numpy(), tf_idf(DATA).numpy(), rtol=1e-6)


def test_lookup_refuses_vocabulary_files_in_configs(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\n")
    direct = layers.StringLookup(vocabulary=str(path))  # a path in the user's own code
    assert direct.get_vocabulary() == ["[UNK]", "a", "b"]
    config = direct.get_config()
    assert config["vocabulary"] == ["a", "b"]  # saved as a list, never as the path
    with pytest.raises(ValueError, match="vocabulary file"):
        layers.StringLookup.from_config({**config, "vocabulary": str(path)})
    with pytest.raises(ValueError, match="vocabulary file"):
        layers.IntegerLookup.from_config({"vocabulary": "/etc/passwd"})


def test_lookup_errors():
    with pytest.raises(ValueError, match="repeated term"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="reserved OOV token"):
        layers.StringLookup(vocabulary=["a", "[UNK]"])
    with pytest.raises(ValueError, match="larger than the maximum vocab size"):
        layers.StringLookup(vocabulary=["a", "b", "c"], max_tokens=3)
    with pytest.raises(ValueError, match="`invert` is true"):
        layers.StringLookup(invert=True, output_mode="multi_hot")
    with pytest.raises(ValueError, match="Cannot adapt"):
        layers.StringLookup(vocabulary=["a"]).adapt(DATA)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array(["b"]))
    with pytest.raises(TypeError, match="expects string inputs"):
        layers.StringLookup(vocabulary=["a"])(np.array([1, 2]))
    with pytest.raises(TypeError, match="integer inputs"):
        layers.IntegerLookup(vocabulary=[1])(np.array(["a"]))
