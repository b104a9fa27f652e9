"""Small helpers of the optimizer base: argument checks, names, initial values, clipping."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

import eagerflow as tf


def default_name(cls: type) -> str:
    """The unique default name of a new optimizer of class `cls` ('adam', 'adam_1', ...)."""
    from eagerflow.keras import backend
    from eagerflow.keras.serialization_helpers import snake_case

    return backend.unique_object_name(snake_case(cls.__name__))


def hyperparameter(value: Any, what: str) -> float | None:
    """A hyperparameter given as a number (or scalar tensor) as a Python float; None stays."""
    if value is None:
        return None
    if isinstance(value, (tf.Tensor, tf.Variable, np.ndarray, np.generic)):
        value = np.asarray(value)
        if value.ndim == 0:
            return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"Argument `{what}` must be a number. Received: {what}={value!r}")
    return float(value)


def slot_name(variable) -> str:
    return variable.name.removesuffix(":0").replace("/", "_").replace(":", "_")


class CallableList(list):
    """A list that returns itself when called (legacy `optimizer.variables()`)."""

    def __call__(self) -> list:
        return self


_TWO_ARGUMENT_CLASSES: dict[type, bool] = {}


def takes_two_arguments(cls: type) -> bool:
    """Whether `cls.update_step` is tf_keras-style `(gradient, variable)`, without the rate."""
    known = _TWO_ARGUMENT_CLASSES.get(cls)
    if known is not None:
        return known
    try:
        parameters = list(inspect.signature(cls.update_step).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [p for p in parameters[1:]
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    result = len(positional) == 2 and not any(p.kind == p.VAR_POSITIONAL for p in parameters)
    _TWO_ARGUMENT_CLASSES[cls] = result
    return result


def clip_by_global_norm(grads: list, clip_norm: float) -> list:
    """Scale all gradients by clip_norm / max(global norm, clip_norm); with mixed dtypes the
    norm is computed in float32."""
    dtypes = {g.dtype for g in grads}
    if len(dtypes) == 1:
        return tf.clip_by_global_norm(grads, clip_norm)[0]
    squares = [tf.cast(tf.reduce_sum(tf.square(g)), tf.float32) for g in grads]
    norm = tf.sqrt(tf.add_n(squares))
    scale = clip_norm / tf.maximum(norm, clip_norm)
    return [g * tf.cast(scale, g.dtype) for g in grads]


def make_initial_value(initializer, shape: list, dtype):
    if isinstance(initializer, (int, float)):
        return tf.fill(shape, tf.constant(initializer, dtype=dtype))
    if isinstance(initializer, (tf.Tensor, tf.Variable, np.ndarray)):
        return tf.cast(tf.convert_to_tensor(initializer), dtype)
    if initializer == "zeros":
        return tf.zeros(shape, dtype=dtype)
    if initializer == "ones":
        return tf.ones(shape, dtype=dtype)
    from eagerflow.keras import initializers

    return initializers.get(initializer)(shape, dtype=dtype)
