"""`.keras` assets: adapted lookup vocabularies in `assets/<layer path>/vocabulary.txt`."""

import json
import os
import zipfile

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.saving import safety

DATA = os.path.join(os.path.dirname(__file__), "data")
FIXTURE = os.path.join(DATA, "lookups_keras3.keras")


def _outputs(model, inputs):
    eager = [np.asarray(o.numpy()) for o in model(inputs)]
    traced = tf.function(lambda *xs: model(list(xs)))(*[tf.constant(x) for x in inputs])
    for left, right in zip(eager, traced):
        np.testing.assert_array_equal(left, np.asarray(right.numpy()))
    return eager


def test_keras3_fixture_loads_vocabularies_from_assets():
    expected = np.load(os.path.join(DATA, "lookups_keras3_outputs.npz"))
    with zipfile.ZipFile(FIXTURE) as archive:
        config = json.loads(archive.read("config.json"))
    assert all(layer["config"].get("vocabulary") is None for layer in config["config"]["layers"])
    model = tf.keras.models.load_model(FIXTURE)
    inputs = [expected["texts"].astype(object), expected["words"].astype(object),
              expected["numbers"]]
    for index, got in enumerate(_outputs(model, inputs)):
        np.testing.assert_array_equal(got, expected[f"out{index}"])
    assert model.get_layer("words").get_vocabulary() == ["[UNK]", "c", "b", "a"]


def _adapted_model():
    words = tf.keras.layers.StringLookup(name="words")
    words.adapt(np.array(["a", "b", "b", "c", "c", "c"]))
    text = tf.keras.layers.TextVectorization(max_tokens=10, output_sequence_length=4,
                                             name="text_vec")
    text.adapt(np.array(["the cat sat", "the dog ran", "a cat"]))
    numbers = tf.keras.layers.IntegerLookup(name="numbers")
    numbers.adapt(np.array([3, 3, 7, 9]))
    text_in = tf.keras.Input(shape=(), dtype="string", name="text")
    word_in = tf.keras.Input(shape=(1,), dtype="string", name="word")
    number_in = tf.keras.Input(shape=(1,), dtype="int64", name="number")
    return tf.keras.Model([text_in, word_in, number_in],
                          [text(text_in), words(word_in), numbers(number_in)])


INPUTS = [np.array(["the cat ran", "zebra", "The dog sat, a cat!"], dtype=object),
          np.array([["c"], ["q"], ["a"]], dtype=object), np.array([[7], [3], [99]])]


def test_round_trip_writes_keras_asset_layout(tmp_path):
    model = _adapted_model()
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        vocabulary = archive.read("assets/layers/string_lookup/vocabulary.txt").decode()
        text_vocabulary = archive.read("assets/layers/text_vectorization/vocabulary.txt")
    assert "assets/layers/integer_lookup/vocabulary.txt" in names
    assert "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt" in names
    assert vocabulary.split("\n") == ["[UNK]", "c", "b", "a"]
    assert text_vocabulary.decode().split("\n")[:3] == ["", "[UNK]", "the"]
    loaded = tf.keras.models.load_model(path)
    for left, right in zip(_outputs(model, INPUTS), _outputs(loaded, INPUTS)):
        np.testing.assert_array_equal(left, right)


def _rewrite(source, target, drop_vocabulary=False, extra=None, skip=()):
    """Copy a .keras zip, optionally removing config vocabularies and adding members."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename in skip:
                continue
            data = old.read(info.filename)
            if info.filename == "config.json" and drop_vocabulary:
                config = json.loads(data)
                for layer in config["config"]["layers"]:
                    if "vocabulary" in layer["config"]:
                        layer["config"]["vocabulary"] = None
                data = json.dumps(config).encode()
            new.writestr(info, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)


def test_vocabulary_only_in_assets_is_loaded(tmp_path):
    model = _adapted_model()
    model.save(tmp_path / "m.keras")
    _rewrite(tmp_path / "m.keras", tmp_path / "k.keras", drop_vocabulary=True)
    loaded = tf.keras.models.load_model(tmp_path / "k.keras")
    for left, right in zip(_outputs(model, INPUTS), _outputs(loaded, INPUTS)):
        np.testing.assert_array_equal(left, right)


def test_assets_of_unknown_paths_and_subfolders_are_ignored(tmp_path):
    _rewrite(FIXTURE, tmp_path / "k.keras", extra={
        "assets/layers/nothing_here/vocabulary.txt": b"x\ny",
        "assets/layers/string_lookup/deeper/vocabulary.txt": b"[UNK]\nzzz"})
    model = tf.keras.models.load_model(tmp_path / "k.keras")
    assert model.get_layer("words").get_vocabulary() == ["[UNK]", "c", "b", "a"]


def test_missing_assets_leave_the_lookup_unadapted_with_clear_error(tmp_path):
    _rewrite(FIXTURE, tmp_path / "k.keras",
             skip=("assets/layers/string_lookup/vocabulary.txt",))
    model = tf.keras.models.load_model(tmp_path / "k.keras")
    assert model.get_layer("text_vec").get_vocabulary()[:3] == ["", "[UNK]", "the"]
    assert not model.get_layer("words").get_vocabulary()[1:]


@pytest.mark.parametrize("name", ["assets/../evil.txt", "/assets/layers/x/vocabulary.txt",
                                  "assets/layers\\string_lookup/vocabulary.txt",
                                  "assets//layers/vocabulary.txt",
                                  "assets/layers/string_lookup/.", "C:/assets/x.txt"])
def test_escaping_asset_names_are_refused(tmp_path, name):
    _rewrite(FIXTURE, tmp_path / "k.keras", extra={name: b"a"})
    with pytest.raises(ValueError, match="refusing the member name"):
        tf.keras.models.load_model(tmp_path / "k.keras")


def test_symlink_asset_is_refused(tmp_path):
    info = zipfile.ZipInfo("assets/layers/string_lookup/vocabulary2.txt")
    info.external_attr = (0o120777 << 16)
    _rewrite(FIXTURE, tmp_path / "k.keras")
    with zipfile.ZipFile(tmp_path / "k.keras", "a") as archive:
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(ValueError, match="symbolic link"):
        tf.keras.models.load_model(tmp_path / "k.keras")


def test_oversized_assets_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(safety.LIMITS, "max_asset_bytes", 16)
    with pytest.raises(ValueError, match="asset .*declares 28 bytes"):
        tf.keras.models.load_model(FIXTURE)
    monkeypatch.setattr(safety.LIMITS, "max_asset_bytes", 1000)
    monkeypatch.setattr(safety.LIMITS, "max_assets_total_bytes", 40)
    with pytest.raises(ValueError, match="in total"):
        tf.keras.models.load_model(FIXTURE)


def test_bad_asset_content_names_the_layer(tmp_path):
    _rewrite(FIXTURE, tmp_path / "k.keras",
             skip=("assets/layers/integer_lookup/vocabulary.txt",),
             extra={"assets/layers/integer_lookup/vocabulary.txt": b"-1\nnot a number"})
    with pytest.raises(ValueError, match="IntegerLookup 'numbers'"):
        tf.keras.models.load_model(tmp_path / "k.keras")


def test_vocabulary_path_in_config_is_never_opened(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("token")
    with zipfile.ZipFile(FIXTURE) as archive:
        config = json.loads(archive.read("config.json"))
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "StringLookup":
            layer["config"]["vocabulary"] = str(secret)
    with zipfile.ZipFile(FIXTURE) as old, zipfile.ZipFile(tmp_path / "k.keras", "w") as new:
        for info in old.infolist():
            data = json.dumps(config) if info.filename == "config.json" else old.read(info)
            new.writestr(info, data)
    with pytest.raises(ValueError, match="vocabulary"):
        tf.keras.models.load_model(tmp_path / "k.keras")


def test_vocabulary_file_line_endings_as_keras_reads_them(tmp_path):
    _rewrite(FIXTURE, tmp_path / "k.keras",
             skip=("assets/layers/string_lookup/vocabulary.txt",),
             extra={"assets/layers/string_lookup/vocabulary.txt": b"[UNK]\r\nc\r\nb\na\n\n"})
    model = tf.keras.models.load_model(tmp_path / "k.keras")
    assert model.get_layer("words").get_vocabulary() == ["[UNK]", "c", "b", "a"]
