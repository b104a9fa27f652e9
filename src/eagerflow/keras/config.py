"""`tf.keras.config` (Keras 3): global settings, the same values `keras.backend` reads."""

from eagerflow.keras.backend import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from eagerflow.keras.saving.safety import enable_unsafe_deserialization, in_safe_mode

__all__ = ["epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx",
           "set_image_data_format", "enable_unsafe_deserialization", "in_safe_mode", "backend"]


def backend() -> str:
    """The name of the backend Keras runs on: eagerflow is TensorFlow's API."""
    return "tensorflow"
