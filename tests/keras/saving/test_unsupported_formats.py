"""`load_model` on formats eagerflow does not read (a TF SavedModel directory, a checkpoint
directory) fails with a ValueError saying what it reads and how to convert."""

import pytest

import eagerflow as tf


def _saved_model(folder, name="saved_model.pb"):
    folder.mkdir()
    (folder / name).write_bytes(b"\x08\x01")
    (folder / "variables").mkdir()
    (folder / "variables" / "variables.index").write_bytes(b"")
    return folder


@pytest.mark.parametrize("name", ["saved_model.pb", "saved_model.pbtxt"])
def test_saved_model_directory_explains_conversion(tmp_path, name):
    folder = _saved_model(tmp_path / "my_model", name)
    with pytest.raises(ValueError) as info:
        tf.keras.models.load_model(str(folder))
    message = str(info.value)
    assert "my_model" in message and "TensorFlow SavedModel" in message
    for readable in ("'.keras'", "'.h5'", "'.weights.h5'", "TensorFlow checkpoints"):
        assert readable in message
    assert "model.save('model.keras')" in message
    assert f"model.load_weights({str(folder / 'variables' / 'variables')!r})" in message


def test_saved_model_weights_load_as_a_checkpoint(tmp_path):
    source = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    folder = _saved_model(tmp_path / "sm")
    source.save_weights(str(folder / "variables" / "variables"))
    target = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    target.load_weights(str(folder / "variables" / "variables"))
    for left, right in zip(source.get_weights(), target.get_weights()):
        assert (left == right).all()


def test_saved_model_pb_file_itself(tmp_path):
    folder = _saved_model(tmp_path / "m")
    with pytest.raises(ValueError, match="TensorFlow SavedModel"):
        tf.keras.models.load_model(folder / "saved_model.pb")


def test_saved_model_through_every_entry_point(tmp_path):
    folder = str(_saved_model(tmp_path / "m"))
    for load in (tf.keras.models.load_model, tf.keras.saving.load_model):
        with pytest.raises(ValueError, match="model.save"):
            load(folder)


def test_checkpoint_directory_points_at_load_weights(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.save_weights(str(tmp_path / "ckpt" / "weights"))
    with pytest.raises(ValueError, match=r"latest_checkpoint"):
        tf.keras.models.load_model(str(tmp_path / "ckpt"))


def test_plain_directory(tmp_path):
    with pytest.raises(ValueError, match="is a directory, not a model file"):
        tf.keras.models.load_model(str(tmp_path))
