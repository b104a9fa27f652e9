"""Models with attention and preprocessing layers through files: tf_keras 2.21 `.h5` and
`.keras` files (MultiHeadAttention, EinsumDense, adapted Normalization, StringLookup) load and
compute what tf_keras computed; eagerflow's own `.keras` files and TF checkpoints carry the
adapted state and the vocabularies."""

import pathlib

import numpy as np
import pytest

import eagerflow as tf

layers = tf.keras.layers
DATA = pathlib.Path(__file__).parent / "data"
# Built by tf_keras: Normalization (adapted) -> MultiHeadAttention(2, 3) -> EinsumDense, and
# StringLookup(["a", "b", "c"], multi_hot) on a string input; outputs concatenated.
IO = np.load(DATA / "tf_keras_attention_lookup_io.npz")
STRINGS = np.array([["a"], ["zz"]], dtype=object)


@pytest.mark.parametrize("filename", ["tf_keras_attention_lookup.h5",
                                      "tf_keras_attention_lookup.keras"])
def test_tf_keras_files_load_and_compute_the_same(filename):
    model = tf.keras.models.load_model(DATA / filename)
    np.testing.assert_allclose(model([IO["x"], STRINGS]).numpy(), IO["out"], atol=1e-5)
    mha = model.get_layer("mha")
    assert [w.name for w in mha.weights][:2] == ["mha/query/kernel:0", "mha/query/bias:0"]


def test_eagerflow_keras_file_round_trip(tmp_path):
    documents = np.array(["the cat sat", "a dog ran", "the dog sat"])
    vectorize = layers.TextVectorization(output_sequence_length=4)
    vectorize.adapt(documents)
    normalize = layers.Normalization()
    normalize.adapt(np.random.default_rng(0).random((10, 4)).astype("float32"))
    numbers = tf.keras.Input((4,))
    text = tf.keras.Input((1,), dtype="string")
    tokens = layers.Embedding(vectorize.vocabulary_size(), 4)(vectorize(text))
    attended = layers.MultiHeadAttention(2, 3)(tokens, tokens, use_causal_mask=True)
    pooled = layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c")(
        layers.GlobalAveragePooling1D()(attended))
    model = tf.keras.Model([numbers, text], layers.Concatenate()([normalize(numbers), pooled]))
    inputs = [np.random.default_rng(1).random((3, 4)).astype("float32"),
              documents[:, None].astype(object)]
    expected = model(inputs).numpy()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    np.testing.assert_allclose(loaded(inputs).numpy(), expected, atol=1e-6)


def test_checkpoint_keys_match_tf_keras(tmp_path):
    mha = layers.MultiHeadAttention(2, 3)
    query = np.ones((1, 2, 4), "float32")
    mha(query, query)
    normalize = layers.Normalization()
    normalize.adapt(query[0])
    path = tf.train.Checkpoint(attention=mha, normalize=normalize).write(str(tmp_path / "ckpt"))
    names = {name for name, _ in tf.train.list_variables(path)}
    # The keys TensorFlow writes for tf_keras's MultiHeadAttention.
    for part in ("_query_dense", "_key_dense", "_value_dense", "_output_dense"):
        assert f"attention/{part}/kernel/.ATTRIBUTES/VARIABLE_VALUE" in names
    restored = layers.Normalization()
    restored.build((None, 4))
    tf.train.Checkpoint(normalize=restored).read(path)
    np.testing.assert_allclose(restored(query[0]).numpy(), normalize(query[0]).numpy())


def test_vocabulary_assets_of_tf_keras_files(tmp_path):
    # tf_keras keeps adapted vocabularies out of the config, in assets/<layer path>/.
    import zipfile

    with zipfile.ZipFile(DATA / "tf_keras_adapted_lookups.keras") as archive:
        archive.extractall(tmp_path)
    lookup = layers.StringLookup()
    lookup.load_assets(str(tmp_path / "assets/layers/string_lookup"))
    assert lookup.get_vocabulary() == ["[UNK]", "b", "a"]
    vectorize = layers.TextVectorization()
    vectorize.load_assets(str(tmp_path / "assets/layers/text_vectorization"))
    assert vectorize.get_vocabulary() == ["", "[UNK]", "y", "x"]
    np.testing.assert_array_equal(vectorize(np.array(["x y z"])).numpy(), [[3, 2, 1]])
    written = tmp_path / "written"
    written.mkdir()
    integer = layers.IntegerLookup(vocabulary=[4, 5])
    integer.save_assets(str(written))
    assert (written / "vocabulary.txt").read_text() == "-1\n4\n5"
    reread = layers.IntegerLookup()
    reread.load_assets(str(written))
    assert reread.get_vocabulary() == [-1, 4, 5]
