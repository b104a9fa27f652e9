"""Dataset iterators in checkpoints: the position saves and restores."""

import numpy as np
import pytest

import eagerflow as tf


def test_iterator_position_saves_and_restores_in_a_checkpoint(tmp_path):
    dataset = tf.data.Dataset.range(12).shuffle(12, seed=5).batch(3)
    iterator = iter(dataset)
    next(iterator)
    checkpoint = tf.train.Checkpoint(iterator=iterator)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    expected = [next(iterator).numpy().tolist() for _ in range(3)]
    fresh = iter(dataset)
    tf.train.Checkpoint(iterator=fresh).restore(path).assert_consumed()
    assert [next(fresh).numpy().tolist() for _ in range(3)] == expected
    assert tf.train.list_variables(path)[1][0] == "iterator/.ATTRIBUTES/ITERATOR_STATE"


def test_a_foreign_iterator_state_is_refused(tmp_path):
    iterator = iter(tf.data.Dataset.range(3))
    with pytest.raises(tf.errors.DataLossError, match="iterator state"):
        iterator._restore_from_tensors({"ITERATOR_STATE": np.array(b"\x00variant", object)})
