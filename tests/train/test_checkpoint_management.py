"""CheckpointManager, the `checkpoint` state file, latest_checkpoint."""

import os

import pytest

import eagerflow as tf
from eagerflow.train import checkpoint_management


def _files(directory) -> list[str]:
    return sorted(os.listdir(directory))


def test_manager_keeps_the_newest_and_records_state(tmp_path):
    v = tf.Variable(0.0)
    ckpt = tf.train.Checkpoint(v=v)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert manager.latest_checkpoint is None and manager.checkpoints == []
    paths = []
    for i in range(3):
        v.assign(float(i))
        paths.append(manager.save())
    assert paths == [str(tmp_path / f"ckpt-{i}") for i in (1, 2, 3)]
    assert manager.checkpoints == paths[1:] and manager.latest_checkpoint == paths[2]
    assert _files(tmp_path) == ["checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index",
                                "ckpt-3.data-00000-of-00001", "ckpt-3.index"]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == paths[2]
    assert state.all_model_checkpoint_paths == paths[1:]
    assert len(state.all_model_checkpoint_timestamps) == 2 and state.last_preserved_timestamp
    text = open(tmp_path / "checkpoint").read()
    assert text.startswith('model_checkpoint_path: "ckpt-3"\nall_model_checkpoint_paths: '
                           '"ckpt-2"\nall_model_checkpoint_paths: "ckpt-3"\n')
    assert ckpt.save_counter.numpy() == 3
    restored = tf.train.Checkpoint(v=tf.Variable(-1.0))
    restored.restore(tf.train.latest_checkpoint(str(tmp_path))).assert_consumed()
    assert restored.v.numpy() == 2.0 and restored.save_counter.numpy() == 3


def test_new_manager_takes_over_the_directory(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    first = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    first.save()
    first.save()
    second = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert second.latest_checkpoint == str(tmp_path / "ckpt-2")
    assert second.checkpoints == [str(tmp_path / "ckpt-1"), str(tmp_path / "ckpt-2")]
    second.save()
    assert not os.path.exists(tmp_path / "ckpt-1.index")


def test_checkpoint_number_and_name(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path / "d"), max_to_keep=None,
                                         checkpoint_name="model")
    assert manager.save(checkpoint_number=100) == str(tmp_path / "d" / "model-100")
    assert manager.save(checkpoint_number=tf.constant(7, tf.int64)).endswith("model-7")
    assert manager.save().endswith("model-3")  # the save counter still counts every save
    assert len(manager.checkpoints) == 3  # max_to_keep=None keeps everything


def test_keep_checkpoint_every_n_hours_preserves_old_ones(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(checkpoint_management.time, "time", lambda: clock[0])
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=1,
                                         keep_checkpoint_every_n_hours=1)
    for _ in range(4):
        clock[0] += 1800.0  # half an hour between saves
        manager.save()
    # ckpt-2 (one hour after the start) is preserved; ckpt-1 and ckpt-3 are deleted.
    kept = sorted(f for f in _files(tmp_path) if f.endswith(".index"))
    assert kept == ["ckpt-2.index", "ckpt-4.index"]
    assert manager.checkpoints == [str(tmp_path / "ckpt-4")]


def test_checkpoint_interval_skips_early_saves(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    ckpt = tf.train.Checkpoint(step=step)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=5, step_counter=step,
                                         checkpoint_interval=10)
    saved = []
    for i in range(25):
        step.assign(i)
        saved.append(manager.save())
    assert [s is not None for s in saved].count(True) == 3  # steps 0, 10, 20
    assert manager.save(check_interval=False) is not None
    with pytest.raises(ValueError, match="step_counter"):
        tf.train.CheckpointManager(ckpt, str(tmp_path), 1, checkpoint_interval=3)


def test_restore_or_initialize(tmp_path):
    calls = []
    ckpt = tf.train.Checkpoint(v=tf.Variable(5.0))
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), 3,
                                         init_fn=lambda: calls.append(1))
    assert manager.restore_or_initialize() is None and calls == [1]
    path = manager.save()
    ckpt.v.assign(0.0)
    again = tf.train.CheckpointManager(ckpt, str(tmp_path), 3)
    assert again.restore_or_initialize() == path and ckpt.v.numpy() == 5.0


def test_bad_arguments():
    ckpt = tf.train.Checkpoint(v=tf.Variable(5.0))
    with pytest.raises(ValueError, match="positive integer or `None` for `max_to_keep`"):
        tf.train.CheckpointManager(ckpt, "/tmp/x", max_to_keep=0)
    with pytest.raises(TypeError, match="needs a tf.train.Checkpoint"):
        tf.train.CheckpointManager(object(), "/tmp/x", max_to_keep=1)


def test_state_file_edge_cases(tmp_path):
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    assert tf.train.get_checkpoint_state(str(tmp_path / "missing")) is None
    (tmp_path / "checkpoint").write_text("garbage without colon\n")
    with pytest.warns(UserWarning, match="unreadable checkpoint state"):
        assert tf.train.get_checkpoint_state(str(tmp_path)) is None
    # The state names a checkpoint whose files are gone.
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "gone-1"\n')
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    # Absolute paths outside the directory stay absolute.
    checkpoint_management.update_checkpoint_state(str(tmp_path), "/elsewhere/ck-1")
    assert tf.train.get_checkpoint_state(str(tmp_path)).model_checkpoint_path == \
        "/elsewhere/ck-1"
    with pytest.raises(RuntimeError, match="conflicts with path used for checkpoint state"):
        checkpoint_management.update_checkpoint_state(str(tmp_path),
                                                      str(tmp_path / "checkpoint"))
