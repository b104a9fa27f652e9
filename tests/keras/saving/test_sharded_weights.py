"""Keras 3 sharded weights: `*.weights.json` index + `<name>_NNNNN.weights.h5` shards."""

import json
import os
import shutil

import h5py
import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.saving import safety

DATA = os.path.join(os.path.dirname(__file__), "data")
FIXTURE = os.path.join(DATA, "sharded")
EXPECTED = np.load(os.path.join(DATA, "sharded_outputs.npz"))
SHARD_GB = 200 / 2**30


def _model():
    model = tf.keras.Sequential([tf.keras.Input((3,)),
                                 tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(4)])
    model.compile("adam", "mse")
    model.optimizer.build(model.trainable_variables)
    return model


def _predict(model):
    x = EXPECTED["x"]
    eager = model(x).numpy()
    np.testing.assert_allclose(tf.function(model)(tf.constant(x)).numpy(), eager, rtol=1e-6)
    return eager


def _copy_fixture(tmp_path):
    target = tmp_path / "sharded"
    shutil.copytree(FIXTURE, target)
    return target


def _edit_index(folder, edit):
    path = folder / "w.weights.json"
    index = json.loads(path.read_text())
    edit(index)
    path.write_text(json.dumps(index))
    return str(path)


def test_loads_keras3_shards():
    model = _model()
    model.load_weights(os.path.join(FIXTURE, "w.weights.json"))
    np.testing.assert_allclose(_predict(model), EXPECTED["y"], rtol=1e-5, atol=1e-6)
    assert int(model.optimizer.iterations.numpy()) == int(EXPECTED["iterations"])


def test_writes_the_shards_keras3_writes(tmp_path):
    source = _model()
    source.load_weights(os.path.join(FIXTURE, "w.weights.json"))
    path = str(tmp_path / "w.weights.json")
    tf.keras.saving.save_weights(source, path, max_shard_size=SHARD_GB)
    ours = json.loads(open(path).read())
    theirs = json.loads(open(os.path.join(FIXTURE, "w.weights.json")).read())
    assert ours == theirs
    assert sorted(os.listdir(tmp_path)) == sorted(os.listdir(FIXTURE))
    with h5py.File(tmp_path / "w_00000.weights.h5", "r") as shard:
        assert shard["layers/dense/vars"].attrs["name"] == source.layers[0].name
    loaded = _model()
    loaded.load_weights(path)
    np.testing.assert_array_equal(_predict(loaded), _predict(source))
    for left, right in zip(loaded.optimizer.variables, source.optimizer.variables):
        np.testing.assert_array_equal(left.numpy(), right.numpy())


def test_one_shard_when_everything_fits(tmp_path):
    model = _model()
    tf.keras.saving.save_weights(model, str(tmp_path / "w.weights.json"), max_shard_size=1)
    assert sorted(os.listdir(tmp_path)) == ["w.weights.json", "w_00000.weights.h5"]
    other = _model()
    other.load_weights(str(tmp_path / "w.weights.json"))
    np.testing.assert_array_equal(_predict(other), _predict(model))


def test_h5_name_with_max_shard_size_writes_json_index(tmp_path):
    with pytest.warns(UserWarning, match=r"w\.weights\.json"):
        tf.keras.saving.save_weights(_model(), str(tmp_path / "w.weights.h5"),
                                     max_shard_size=SHARD_GB)
    assert (tmp_path / "w.weights.json").exists()


@pytest.mark.parametrize("name, size, message", [
    ("w.h5", SHARD_GB, "must end in '.weights.json'"),
    ("w.weights.json", None, "pass max_shard_size"),
    ("w.weights.json", 0, "positive number"),
    ("w.weights.json", 10 / 2**30, "more than max_shard_size"),
])
def test_bad_save_requests(tmp_path, name, size, message):
    with pytest.raises(ValueError, match=message):
        tf.keras.saving.save_weights(_model(), str(tmp_path / name), max_shard_size=size)


@pytest.mark.parametrize("bad_name", ["../w_00000.weights.h5", "/etc/passwd.h5",
                                      "sub/w_00000.weights.h5", "..\\w.h5", "w_00000.txt",
                                      ".."])
def test_shard_names_escaping_the_folder_are_refused(tmp_path, bad_name):
    folder = _copy_fixture(tmp_path)
    path = _edit_index(folder, lambda index: index["weight_map"]["/optimizer/vars"].append(
        bad_name))
    model = _model()
    before = [v.numpy().copy() for v in model.weights]
    with pytest.raises(ValueError, match="refusing the shard name"):
        model.load_weights(path)
    for variable, value in zip(model.weights, before):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_symlinked_or_missing_shard_is_refused(tmp_path):
    folder = _copy_fixture(tmp_path)
    os.remove(folder / "w_00004.weights.h5")
    with pytest.raises(ValueError, match="'w_00004.weights.h5' is missing"):
        _model().load_weights(str(folder / "w.weights.json"))
    outside = tmp_path / "outside.h5"
    shutil.copy(os.path.join(FIXTURE, "w_00004.weights.h5"), outside)
    os.symlink(outside, folder / "w_00004.weights.h5")
    with pytest.raises(ValueError, match="not a regular file"):
        _model().load_weights(str(folder / "w.weights.json"))


def test_bad_index_contents_are_refused(tmp_path):
    folder = _copy_fixture(tmp_path)
    (folder / "w.weights.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="weight_map"):
        _model().load_weights(str(folder / "w.weights.json"))
    path = _edit_index(_copy_fixture(tmp_path / "b"),
                       lambda index: index["weight_map"].update({"/x": 5}))
    with pytest.raises(ValueError, match="shard file name or a list"):
        _model().load_weights(path)


def test_variable_in_two_shards_is_refused(tmp_path):
    folder = _copy_fixture(tmp_path)
    with h5py.File(folder / "w_00001.weights.h5", "a") as shard:
        shard["layers/dense/vars/0"] = np.zeros((3, 8), "float32")
    with pytest.raises(ValueError, match="more than one shard"):
        _model().load_weights(str(folder / "w.weights.json"))


def test_external_storage_in_a_shard_is_refused(tmp_path):
    folder = _copy_fixture(tmp_path)
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.ones(32, "float32").tobytes())
    with h5py.File(folder / "w_00004.weights.h5", "a") as shard:
        shard.create_dataset("layers/evil/vars/0", shape=(32,), dtype="float32",
                             external=[(str(secret), 0, 128)])
    with pytest.raises(ValueError, match="external files"):
        _model().load_weights(str(folder / "w.weights.json"))


def test_shard_count_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(safety.LIMITS, "max_weight_shards", 3)
    with pytest.raises(ValueError, match="names 5 shards"):
        _model().load_weights(os.path.join(FIXTURE, "w.weights.json"))


def test_skip_mismatch_and_by_name(tmp_path):
    wide = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(8),
                                tf.keras.layers.Dense(5)])
    with pytest.raises(ValueError, match="shape"):
        wide.load_weights(os.path.join(FIXTURE, "w.weights.json"))
    wide.load_weights(os.path.join(FIXTURE, "w.weights.json"), skip_mismatch=True)
    with pytest.raises(ValueError, match="by_name"):
        wide.load_weights(os.path.join(FIXTURE, "w.weights.json"), by_name=True)


def test_hard_link_cycle_in_a_shard_terminates(tmp_path):
    folder = _copy_fixture(tmp_path)
    with h5py.File(folder / "w_00004.weights.h5", "a") as shard:
        shard["optimizer/loop"] = shard["optimizer"]
    model = _model()
    model.load_weights(str(folder / "w.weights.json"))  # each group is copied once
    np.testing.assert_allclose(_predict(model), EXPECTED["y"], rtol=1e-5, atol=1e-6)
