"""tf.device: any device string is accepted; ops inside run on the CPU."""

import pytest

import eagerflow as tf


def test_device_scope_runs_ops():
    with tf.device("/GPU:0") as scope:
        assert float(tf.constant(2.0) * 3.0) == 6.0
    assert scope.device_name == "/GPU:0"
    with pytest.raises(TypeError, match="device name"):
        tf.device(3)
