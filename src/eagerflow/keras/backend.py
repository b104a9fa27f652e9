"""`tf.keras.backend`: global Keras settings (float type, epsilon, image layout) and object names.

Layer, metric and optimizer default names are made unique here (`dense`, `dense_1`, ...);
`clear_session()` forgets them, as in Keras.
"""

from __future__ import annotations

import builtins
import collections
import threading

__all__ = ["clear_session", "epsilon", "set_epsilon", "floatx", "set_floatx",
           "image_data_format", "set_image_data_format", "unique_object_name",
           "learning_phase", "set_learning_phase", "is_keras_tensor", "int_shape",
           "get_value", "set_value", "mean", "sum", "max", "min", "prod", "std", "var",
           "clip", "dot", "concatenate", "variable", "constant", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy", "random_normal",
           "random_uniform", "flatten"]

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


# --- the tensor functions older Keras code calls as K.mean(...), K.square(...), ... ----------
def _tf():
    import eagerflow

    return eagerflow


def mean(x, axis=None, keepdims: bool = False):
    """Mean of `x` over `axis` (booleans count as 0/1, as in Keras)."""
    tf = _tf()
    x = tf.convert_to_tensor(x)
    if x.dtype == tf.bool:
        x = tf.cast(x, floatx())
    return tf.reduce_mean(x, axis=axis, keepdims=keepdims)


def sum(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras's name
    return _tf().reduce_sum(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras's name
    return _tf().reduce_max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras's name
    return _tf().reduce_min(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims: bool = False):
    return _tf().reduce_prod(x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims: bool = False):
    return _tf().math.reduce_std(x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims: bool = False):
    return _tf().math.reduce_variance(x, axis=axis, keepdims=keepdims)


def clip(x, min_value, max_value):
    """`x` clipped to [min_value, max_value] (max_value below min_value is raised to it)."""
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return _tf().clip_by_value(x, min_value, max_value)


def dot(x, y):
    """Matrix product over the last axis of `x` and the second-to-last of `y` (Keras dot)."""
    tf = _tf()
    x, y = tf.convert_to_tensor(x), tf.convert_to_tensor(y)
    if x.shape.rank is not None and y.shape.rank is not None and (
            x.shape.rank > 2 or y.shape.rank > 2):
        return tf.tensordot(x, y, [[x.shape.rank - 1], [builtins.max(y.shape.rank - 2, 0)]])
    return tf.matmul(x, y)


def concatenate(tensors, axis: int = -1):
    return _tf().concat(tensors, axis)


def variable(value, dtype=None, name=None, constraint=None):
    """A tf.Variable holding `value` (in floatx() unless a dtype is given)."""
    tf = _tf()
    return tf.Variable(tf.constant(value, dtype=dtype or floatx()), name=name,
                       constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    tf = _tf()
    return tf.constant(value, dtype=dtype or floatx(), shape=shape)


def binary_crossentropy(target, output, from_logits: bool = False):
    from eagerflow.keras import losses

    return losses._elementwise_binary_crossentropy(target, output, from_logits)


def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    from eagerflow.keras import losses

    return losses.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    from eagerflow.keras import losses

    return losses.sparse_categorical_crossentropy(target, output, from_logits=from_logits,
                                                  axis=axis)


def random_normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None):
    return _tf().random.normal(shape, mean, stddev, dtype=dtype or floatx(), seed=seed)


def random_uniform(shape, minval: float = 0.0, maxval: float = 1.0, dtype=None, seed=None):
    return _tf().random.uniform(shape, minval, maxval, dtype=dtype or floatx(), seed=seed)


_DIRECT = {  # Keras backend name -> tf.* name, for the functions that are the same op
    "square": "square", "sqrt": "sqrt", "abs": "abs", "exp": "exp", "log": "math.log",
    "pow": "pow", "sign": "sign", "round": "round", "maximum": "maximum",
    "minimum": "minimum", "equal": "equal", "not_equal": "not_equal", "greater": "greater",
    "less": "less", "cast": "cast", "shape": "shape", "reshape": "reshape",
    "stack": "stack", "expand_dims": "expand_dims", "squeeze": "squeeze",
    "transpose": "transpose", "ones_like": "ones_like", "zeros_like": "zeros_like",
    "argmax": "argmax", "argmin": "argmin", "sigmoid": "sigmoid", "tanh": "tanh",
    "softplus": "nn.softplus", "softsign": "nn.softsign", "relu": "nn.relu",
    "softmax": "nn.softmax", "tile": "tile", "gather": "gather", "cumsum": "cumsum",
    "cumprod": "cumprod", "l2_normalize": "math.l2_normalize", "sin": "sin", "cos": "cos",
    "flatten": None, "zeros": "zeros", "ones": "ones", "eye": "eye",
}


def flatten(x):
    """`x` as a 1-D tensor."""
    return _tf().reshape(x, [-1])


def __getattr__(name: str):
    path = _DIRECT.get(name)
    if path is None:
        raise AttributeError(f"module 'eagerflow.keras.backend' has no attribute {name!r}")
    target = _tf()
    for part in path.split("."):
        target = getattr(target, part)
    return target
