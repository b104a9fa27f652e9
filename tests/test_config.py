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


def test_device_scopes_and_memory_growth_are_accepted():
    with tf.device("/GPU:0"):
        assert float(tf.constant(2.0) * 3.0) == 6.0
    with tf.device("/CPU:0"):
        pass
    for gpu in tf.config.list_physical_devices("GPU"):
        tf.config.experimental.set_memory_growth(gpu, True)
    tf.config.experimental.set_memory_growth(tf.config.list_physical_devices("CPU")[0], True)
    assert tf.get_logger().name == "eagerflow"
