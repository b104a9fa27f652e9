"""Tests of TextVectorization: outputs recorded from tf_keras 2.21 for each standardize /
split / ngrams / output_mode, adapt on arrays and datasets, compiled calls, tf.data, a model
that trains on raw strings, and configs that carry the vocabulary."""

import json

import numpy as np
import pytest

import eagerflow as tf

TextVectorization = tf.keras.layers.TextVectorization
DOCS = np.array(["The cat sat on the mat.", "The dog ate my homework!", "Cats, dogs & birds?",
                 "the the THE end"])


def adapted(**kwargs):
    layer = TextVectorization(**kwargs)
    layer.adapt(DOCS)
    return layer


def test_int_output_matches_tf_keras():
    layer = adapted()
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat", "on", "my", "mat", "homework",
                                      "end", "dogs", "dog", "cats", "cat", "birds", "ate"]
    np.testing.assert_array_equal(layer(DOCS).numpy(), [
        [2, 12, 3, 4, 2, 6], [2, 10, 14, 5, 7, 0], [11, 9, 13, 0, 0, 0], [2, 2, 2, 8, 0, 0]])
    np.testing.assert_array_equal(layer(np.array([["The cat"], ["dog"]])).numpy(),
                                  [[2, 12], [10, 0]])
    np.testing.assert_array_equal(layer(np.array(["", "unknownword the"])).numpy(),
                                  [[0, 0], [1, 2]])
    short = adapted(max_tokens=8, output_sequence_length=4)
    assert short.get_vocabulary() == ["", "[UNK]", "the", "sat", "on", "my", "mat", "homework"]
    np.testing.assert_array_equal(short(DOCS).numpy(), [
        [2, 1, 3, 4], [2, 1, 1, 5], [1, 1, 1, 0], [2, 2, 2, 1]])


def test_bag_of_words_modes_match_tf_keras():
    bigrams = adapted(ngrams=2, output_mode="multi_hot", max_tokens=10)
    assert bigrams.get_vocabulary() == ["[UNK]", "the", "the the", "the mat", "the end",
                                        "the dog", "the cat", "sat on", "sat", "on the"]
    np.testing.assert_array_equal(bigrams(DOCS).numpy(), [
        [1, 1, 0, 1, 0, 0, 1, 1, 1, 1], [1, 1, 0, 0, 0, 1, 0, 0, 0, 0],
        [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]])
    tf_idf = adapted(output_mode="tf_idf", max_tokens=6)
    np.testing.assert_allclose(tf_idf(DOCS).numpy(), [
        [1.0175192, 1.3862944, 1.0986123, 1.0986123, 0, 1.0986123],
        [3.0525577, 0.6931472, 0, 0, 1.0986123, 0], [3.0525577, 0, 0, 0, 0, 0],
        [1.0175192, 2.0794415, 0, 0, 0, 0]], rtol=1e-6)
    count = TextVectorization(output_mode="count", vocabulary=["the", "cat", "dog"],
                              standardize=None)
    np.testing.assert_array_equal(count(DOCS).numpy(),
                                  [[4, 1, 1, 0], [4, 0, 0, 1], [4, 0, 0, 0], [2, 2, 0, 0]])
    padded = TextVectorization(pad_to_max_tokens=True, max_tokens=12, output_mode="multi_hot",
                               vocabulary=["the", "cat"])
    assert padded(DOCS[:2]).shape == (2, 12)


def test_ngrams_and_character_split_match_tf_keras():
    trigrams = TextVectorization(ngrams=(1, 3), vocabulary=["the cat sat", "cat", "the"],
                                 output_sequence_length=12)
    np.testing.assert_array_equal(trigrams(DOCS[:1]).numpy(),
                                  [[4, 3, 1, 1, 4, 1, 2, 1, 1, 1, 0, 0]])
    characters = TextVectorization(standardize="lower", split="character",
                                   vocabulary=list("abcdefghijklmnopqrstuvwxyz"))
    np.testing.assert_array_equal(characters(np.array(["Ab c!", "zz"])).numpy(),
                                  [[2, 3, 1, 4, 1], [27, 27, 0, 0, 0]])


def test_callables_compiled_and_dataset():
    def split_on_commas(text):
        return text.split(",")

    layer = TextVectorization(standardize=None, split=split_on_commas,
                              vocabulary=["x", "y"], output_sequence_length=3)
    np.testing.assert_array_equal(layer(np.array(["x,y,z", "y"])).numpy(),
                                  [[2, 3, 1], [3, 0, 0]])
    vectorize = adapted(output_sequence_length=5)
    eager = vectorize(DOCS).numpy()
    np.testing.assert_array_equal(tf.function(lambda x: vectorize(x))(DOCS).numpy(), eager)
    per_string = list(tf.data.Dataset.from_tensor_slices(DOCS).map(vectorize))
    assert per_string[0].shape == (5,)
    np.testing.assert_array_equal(np.stack([t.numpy() for t in per_string]), eager)
    batched = tf.data.Dataset.from_tensor_slices(DOCS).batch(2).map(vectorize)
    np.testing.assert_array_equal(np.concatenate([b.numpy() for b in batched]), eager)
    from_dataset = TextVectorization()
    from_dataset.adapt(tf.data.Dataset.from_tensor_slices(DOCS).batch(3))
    assert from_dataset.get_vocabulary() == adapted().get_vocabulary()


def test_model_on_raw_strings_trains_and_config_round_trip():
    vectorize = adapted(output_mode="int", output_sequence_length=6)
    inputs = tf.keras.Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    assert x.shape.as_list() == [None, 6]
    x = tf.keras.layers.Embedding(vectorize.vocabulary_size(), 4)(x)
    x = tf.keras.layers.GlobalAveragePooling1D()(x)
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(x))
    model.compile(optimizer="adam", loss="mse")
    # An object array: fit wraps NumPy unicode arrays without converting them (see report).
    history = model.fit(DOCS[:, None].astype(object), np.arange(4.0), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3

    config = json.loads(json.dumps(vectorize.get_config()))
    assert config["vocabulary"][:2] == ["the", "sat"] and config["vocabulary_size"] == 15
    clone = TextVectorization.from_config(config)
    np.testing.assert_array_equal(clone(DOCS).numpy(), vectorize(DOCS).numpy())
    tf_idf = adapted(output_mode="tf_idf")
    clone = TextVectorization.from_config(tf_idf.get_config())
    np.testing.assert_allclose(clone(DOCS).numpy(), tf_idf(DOCS).numpy(), rtol=1e-6)


def test_text_vectorization_errors():
    with pytest.raises(ValueError, match="standardize"):
        TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="output_sequence_length"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="RaggedTensor"):
        TextVectorization(ragged=True)
    with pytest.raises(TypeError, match="string inputs"):
        TextVectorization(vocabulary=["a"])(np.array([1, 2]))
    with pytest.raises(ValueError, match="Cannot adapt"):
        TextVectorization(vocabulary=["a"]).adapt(DOCS)
    with pytest.raises(ValueError, match="vocabulary file"):
        TextVectorization.from_config({"vocabulary": "/etc/passwd"})
    with pytest.raises(ValueError, match="unknown split function"):
        TextVectorization.from_config({"split": "os.system"})
