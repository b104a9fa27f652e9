"""Round trips of real models through .keras, .weights.h5 and legacy .h5: same predictions
(eagerly and compiled), same optimizer state, same compile config."""

import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import saving
from eagerflow.keras.saving.weights_h5 import saveable_paths

from .helpers import (
    X,
    assert_same_variables,
    functional_model,
    predictions,
    sequential_model,
    train_steps,
)


@pytest.mark.parametrize("build", [functional_model, sequential_model])
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_whole_model_round_trip(tmp_path, build, suffix):
    model = build()
    train_steps(model)
    path = tmp_path / f"model{suffix}"
    model.save(path) if hasattr(model, "save") else saving.save_model(model, path)
    loaded = saving.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(predictions(loaded), predictions(model))
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert type(loaded.optimizer) is type(model.optimizer)
    assert_same_variables(loaded.optimizer.variables, model.optimizer.variables)
    assert int(loaded.optimizer.iterations.numpy()) == 2
    assert loaded.loss == "mse"
    # Training continues identically from the restored state.
    train_steps(model, 1)
    train_steps(loaded, 1)
    np.testing.assert_allclose(predictions(loaded), predictions(model), rtol=1e-6, atol=1e-7)


def test_load_without_compile_gives_uncompiled_model(tmp_path):
    model = functional_model()
    train_steps(model)
    saving.save_model(model, tmp_path / "m.keras")
    loaded = saving.load_model(tmp_path / "m.keras", compile=False)
    assert getattr(loaded, "optimizer", None) is None
    np.testing.assert_array_equal(predictions(loaded), predictions(model))


def test_keras_zip_layout(tmp_path):
    model = functional_model()
    train_steps(model)
    path = tmp_path / "m.keras"
    saving.save_model(model, path)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
        archive.extract("model.weights.h5", tmp_path)
    assert metadata["keras_version"].startswith("3.")
    assert config["class_name"] == "Functional" and config["registered_name"] == "Functional"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    with h5py.File(tmp_path / "model.weights.h5") as h5file:
        assert dict(h5file["vars"].attrs) == {"name": model.name}
        assert h5file["layers/dense/vars"].attrs["name"] == "d1"
        assert h5file["layers/dense_1/vars"].attrs["name"] == "d2"
        assert "layers/input_layer/vars" in h5file
        np.testing.assert_array_equal(h5file["layers/dense/vars/0"][()],
                                      model.get_layer("d1").kernel.numpy())
        optimizer = h5file["optimizer/vars"]
        assert optimizer.attrs["name"] == model.optimizer.name
        assert len(optimizer) == len(model.optimizer.variables) == 10
        assert optimizer["0"].dtype == np.int64 and optimizer["0"][()] == 2


class Block(tf.keras.layers.Layer):
    """A layer holding sub-layers as an attribute and in a list (Keras names them so)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.proj = tf.keras.layers.Dense(3)
        self.extra = [tf.keras.layers.Dense(3), tf.keras.layers.Dense(3)]

    def call(self, x):
        return self.extra[1](self.extra[0](self.proj(x)))


def test_weight_paths_follow_attributes_and_class_names():
    block = Block()
    block(tf.ones((1, 3)))
    inner = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
    inputs = tf.keras.Input((3,))
    model = tf.keras.Model(inputs, inner(block(inputs)))
    paths = [path for path, _ in saveable_paths(model)]
    assert paths == ["", "layers/input_layer", "layers/block", "layers/block/extra/dense",
                     "layers/block/extra/dense_1", "layers/block/proj", "layers/sequential",
                     "layers/sequential/layers/dense"]


def test_weights_h5_round_trip_and_nothing_changes_on_mismatch(tmp_path):
    model = functional_model(optimizer=None)
    path = tmp_path / "w.weights.h5"
    saving.save_weights(model, path)
    fresh = functional_model(optimizer=None)
    saving.load_weights(fresh, path)
    np.testing.assert_array_equal(predictions(fresh), predictions(model))
    other = tf.keras.Sequential([tf.keras.layers.Dense(5, input_shape=(3,)),
                                 tf.keras.layers.Dense(2)])
    before = other.get_weights()
    with pytest.raises(ValueError, match="No variable was changed"):
        saving.load_weights(other, path)
    for old, new in zip(before, other.get_weights()):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("build", [functional_model, sequential_model])
def test_legacy_weights_round_trip_by_order_and_by_name(tmp_path, build):
    model = build(optimizer=None)
    path = tmp_path / "w.h5"
    saving.save_weights(model, path)
    with h5py.File(path) as h5file:
        names = [layer.name for layer in model.layers]
        assert list(h5file.attrs["layer_names"]) == names
        first = model.layers[-1]
        assert list(h5file[first.name].attrs["weight_names"]) == [w.name for w in first.weights]
    fresh = build(optimizer=None)
    saving.load_weights(fresh, path)
    np.testing.assert_array_equal(predictions(fresh), predictions(model))


def test_load_weights_from_keras_file(tmp_path):
    model = functional_model()
    saving.save_model(model, tmp_path / "m.keras")
    fresh = functional_model(optimizer=None)
    saving.load_weights(fresh, tmp_path / "m.keras")
    np.testing.assert_array_equal(predictions(fresh), predictions(model))


def test_saves_are_atomic_and_respect_overwrite(tmp_path, monkeypatch):
    model = functional_model()
    path = tmp_path / "m.keras"
    saving.save_model(model, path)
    good = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=False"):
        saving.save_model(model, path, overwrite=False)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        saving.save_model(model, path)
    assert path.read_bytes() == good
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]


def test_unsupported_targets_say_what_to_do(tmp_path):
    model = functional_model()
    with pytest.raises(ValueError, match="SavedModel"):
        saving.save_model(model, tmp_path / "saved_model_dir")
    with pytest.raises(ValueError, match="directory"):
        saving.load_model(tmp_path)
    with pytest.raises(FileNotFoundError):
        saving.load_model(tmp_path / "missing.keras")
    (tmp_path / "junk.keras").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not supported"):
        saving.load_model(tmp_path / "junk.keras")
    with pytest.raises(ValueError, match="whole model"):
        saving.save_weights(model, tmp_path / "w.keras")


def test_predictions_of_loaded_model_match_in_tf_function(tmp_path):
    model = sequential_model()
    saving.save_model(model, tmp_path / "s.keras")
    loaded = saving.load_model(tmp_path / "s.keras")
    np.testing.assert_array_equal(tf.function(loaded)(tf.constant(X)).numpy(), model(X).numpy())


def test_tf_checkpoint_format_round_trip(tmp_path):
    model = functional_model()
    train_steps(model)
    prefix = str(tmp_path / "ckpt" / "weights")
    os.makedirs(tmp_path / "ckpt")
    saving.save_weights(model, prefix)
    assert (tmp_path / "ckpt" / "weights.index").exists()
    assert "weights" in (tmp_path / "ckpt" / "checkpoint").read_text()
    fresh = functional_model()
    saving.load_weights(fresh, prefix)
    np.testing.assert_array_equal(predictions(fresh), predictions(model))
    with pytest.raises(FileExistsError):
        saving.save_weights(model, prefix, overwrite=False)


def test_optimizer_state_is_optional_when_loading_weights(tmp_path):
    plain = functional_model(optimizer=None)
    path = tmp_path / "w.weights.h5"
    saving.save_weights(plain, path)
    compiled = functional_model()
    saving.load_weights(compiled, path)  # no optimizer group in the file: weights still load
    np.testing.assert_array_equal(predictions(compiled), predictions(plain))
    trained = functional_model(optimizer="sgd")
    train_steps(trained)
    saving.save_weights(trained, tmp_path / "sgd.weights.h5")
    adam = functional_model(optimizer="adam")
    train_steps(adam)
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        saving.load_weights(adam, tmp_path / "sgd.weights.h5")
    np.testing.assert_array_equal(predictions(adam), predictions(trained))
