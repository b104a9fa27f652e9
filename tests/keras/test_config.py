"""keras.config reads and writes the same settings as keras.backend."""

import eagerflow as tf


def test_config_and_backend_share_settings():
    tf.keras.config.set_epsilon(1e-4)
    try:
        assert tf.keras.backend.epsilon() == 1e-4
    finally:
        tf.keras.config.set_epsilon(1e-7)
    assert tf.keras.config.floatx() == "float32"
    assert tf.keras.config.backend() == "tensorflow"
