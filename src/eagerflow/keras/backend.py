"""`tf.keras.backend`: global Keras settings (float type, epsilon, image layout) and object names.

Layer, metric and optimizer default names are made unique here (`dense`, `dense_1`, ...);
`clear_session()` forgets them, as in Keras.
"""

from __future__ import annotations

import collections
import threading

__all__ = ["clear_session", "epsilon", "set_epsilon", "floatx", "set_floatx",
           "image_data_format", "set_image_data_format", "unique_object_name",
           "learning_phase", "set_learning_phase", "is_keras_tensor", "int_shape",
           "get_value", "set_value"]

_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}
_name_counts: collections.Counter = collections.Counter()
_name_lock = threading.Lock()


def unique_object_name(prefix: str) -> str:
    """`prefix` the first time, then `prefix_1`, `prefix_2`, ... (Keras's default names)."""
    with _name_lock:
        count = _name_counts[prefix]
        _name_counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session() -> None:
    """Forget generated names (the next Dense is `dense` again); eagerflow keeps no graph."""
    with _name_lock:
        _name_counts.clear()


def floatx() -> str:
    """The default float type of layer weights and inputs ('float32')."""
    return _settings["floatx"]


def set_floatx(value: str) -> None:
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of "
                         "{'float16', 'bfloat16', 'float32', 'float64'}")
    _settings["floatx"] = str(value)


def epsilon() -> float:
    """The fuzz factor Keras adds to avoid division by zero (1e-7)."""
    return _settings["epsilon"]


def set_epsilon(value: float) -> None:
    _settings["epsilon"] = float(value)


def image_data_format() -> str:
    """'channels_last' (NHWC, the default) or 'channels_first'."""
    return _settings["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    _settings["image_data_format"] = data_format


def learning_phase() -> int:
    """0: layers run in inference mode unless `training=True` is passed (TF 2 behaviour)."""
    return 0


def set_learning_phase(value: int) -> None:
    raise ValueError("`set_learning_phase` is deprecated in TF 2: pass `training=` to the "
                     "model or layer call instead.")


def is_keras_tensor(value) -> bool:
    """Whether `value` is a symbolic tensor of the functional API (from `tf.keras.Input`)."""
    from eagerflow.keras.keras_tensor import KerasTensor

    return isinstance(value, KerasTensor)


def int_shape(value) -> tuple:
    """The static shape of a tensor or variable as a tuple of ints and Nones."""
    return tuple(value.shape.as_list()) if hasattr(value.shape, "as_list") else tuple(value.shape)


def get_value(value):
    """The NumPy value of a variable or tensor (or a Python number as is)."""
    import numpy as np

    if hasattr(value, "numpy"):
        return value.numpy()
    return np.asarray(value) if not isinstance(value, (int, float)) else value


def set_value(variable, value) -> None:
    """Assign `value` to a variable (old code: `K.set_value(model.optimizer.lr, 0.01)`)."""
    variable.assign(value)
