"""Every file eagerflow writes goes through eagerflow.core.files: normal permissions (0o666
minus the umask, as TF's files get, not mkstemp's 0o600), no temporary left behind, and a
failed save leaves the previous file intact."""

import os
import stat
import zipfile

import numpy as np
import pytest

import eagerflow as tf
from tests.keras.saving.helpers import functional_model


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield 0o644
    os.umask(previous)


def _leftovers(directory) -> list:
    return [name for name in os.listdir(directory) if "tempstate" in name or ".tmp" in name]


@pytest.mark.parametrize("name", ["model.keras", "model.h5", "model.weights.h5"])
def test_model_files_get_normal_permissions(tmp_path, umask_022, name):
    model = functional_model()
    path = str(tmp_path / name)
    if name.endswith(".weights.h5"):
        model.save_weights(path)
    else:
        model.save(path)
    assert _mode(path) == umask_022
    assert _leftovers(tmp_path) == []


def test_checkpoint_files_get_normal_permissions(tmp_path, umask_022):
    checkpoint = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0]))
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=2)
    manager.save()
    written = sorted(os.listdir(tmp_path))
    assert "checkpoint" in written and any(n.endswith(".index") for n in written)
    for name in written:
        assert _mode(tmp_path / name) == umask_022, name
    assert _leftovers(tmp_path) == []


def test_plot_files_get_normal_permissions(tmp_path, umask_022):
    path = str(tmp_path / "model.svg")
    tf.keras.utils.plot_model(functional_model(), to_file=path)
    assert _mode(path) == umask_022


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    model = functional_model()
    path = str(tmp_path / "model.keras")
    model.save(path)
    before = open(path, "rb").read()

    def broken_write(self, *args, **kwargs):  # fails half-way through the archive
        raise RuntimeError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "write", broken_write)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(path)
    assert open(path, "rb").read() == before
    assert _leftovers(tmp_path) == []
    monkeypatch.undo()
    loaded = tf.keras.models.load_model(path)
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6)
