"""tf.config: run_functions_eagerly and the (CPU-only) device list."""

import eagerflow as tf


def test_run_functions_eagerly_round_trip():
    assert tf.config.functions_run_eagerly() is False
    tf.config.run_functions_eagerly(True)
    try:
        assert tf.config.functions_run_eagerly() is True
    finally:
        tf.config.run_functions_eagerly(False)


def test_devices():
    devices = tf.config.list_physical_devices()
    assert [d.device_type for d in devices] == ["CPU"]
    assert tf.config.list_physical_devices("GPU") == []
