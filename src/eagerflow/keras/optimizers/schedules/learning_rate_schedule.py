"""Learning-rate schedules (`tf.keras.optimizers.schedules`): step -> learning rate.

Each schedule is a plain function of eagerflow ops of the step, so an optimizer can call it on
its `iterations` variable both eagerly and inside tf.function (where the step is symbolic).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import eagerflow as tf

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]


class LearningRateSchedule:
    """Base class of learning-rate schedules: `schedule(step)` returns the rate at that step.

    Subclasses implement `__call__(step)` and `get_config()`; `from_config` rebuilds them.
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
            "order to be serializable.")

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        """Rebuild the schedule from `get_config()` output."""
        return cls(**config)


def _plain(value: Any) -> Any:
    """A JSON-safe Python number (or list) for configs: tensors and NumPy scalars unwrapped."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (tf.Tensor, tf.Variable, np.ndarray, np.generic)):
        array = np.asarray(value)
        return array.item() if array.ndim == 0 else array.tolist()
    return value


def _rate_tensor(value, what: str):
    """The initial rate as a float tensor (Python numbers become float32)."""
    if isinstance(value, (tf.Tensor, tf.Variable)):
        tensor = tf.convert_to_tensor(value)
        return tensor if tensor.dtype.is_floating else tf.cast(tensor, tf.float32)
    try:
        return tf.constant(value, dtype=tf.float32)
    except (TypeError, ValueError):
        raise ValueError(f"Argument `{what}` must be a number. Received: {what}={value!r}") \
            from None


def _positive_steps(value, what: str):
    if isinstance(value, (int, float, np.number)) and not value > 0:
        raise ValueError(f"Argument `{what}` must be > 0. Received: {what}={value}")
    return value


def _as(value, dtype):
    """`value` (number, tensor or step variable) as a tensor of `dtype`."""
    if isinstance(value, (tf.Tensor, tf.Variable)):
        return tf.cast(value, dtype)
    return tf.constant(value, dtype=dtype)


class _BuiltinSchedule(LearningRateSchedule):
    """A built-in schedule whose config is its `_config_keys` arguments, each read from the
    attribute of that name (or `_name`), as JSON-safe Python values."""

    _config_keys: tuple[str, ...] = ()

    def get_config(self) -> dict:
        return {key: _plain(getattr(self, key) if hasattr(self, key) else
                            getattr(self, f"_{key}")) for key in self._config_keys}


class _RatioDecay(_BuiltinSchedule):
    """A decay of the initial rate by a function of `step / decay_steps` (floored when
    `staircase=True`) and `decay_rate`: ExponentialDecay and InverseTimeDecay."""

    _config_keys = ("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name")

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase: bool,
                 name: str) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive_steps(decay_steps, "decay_steps")
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        initial = _rate_tensor(self.initial_learning_rate, "initial_learning_rate")
        dtype = initial.dtype
        ratio = _as(step, dtype) / _as(self.decay_steps, dtype)
        if self.staircase:
            ratio = tf.floor(ratio)
        return self._decay(initial, _as(self.decay_rate, dtype), ratio)

    def _decay(self, initial, decay_rate, ratio):
        raise NotImplementedError(f"{type(self).__name__} must define `_decay`.")


class ExponentialDecay(_RatioDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`; with `staircase=True` the
    exponent is floored, so the rate drops every `decay_steps` steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase: bool = False,
                 name: str = "ExponentialDecay") -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _decay(self, initial, decay_rate, ratio):
        return initial * tf.pow(decay_rate, ratio)


class PiecewiseConstantDecay(_BuiltinSchedule):
    """`values[0]` while step <= boundaries[0], `values[i]` while boundaries[i-1] < step <=
    boundaries[i], and `values[-1]` after the last boundary."""

    _config_keys = ("boundaries", "values", "name")

    def __init__(self, boundaries, values, name: str = "PiecewiseConstant") -> None:
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        values = [_rate_tensor(v, "values") for v in self.values]
        dtype = values[0].dtype
        values = [tf.cast(v, dtype) for v in values]
        # Compare in float64: exact for integer steps up to 2**53 and for float boundaries.
        step = _as(step, tf.float64)
        result = values[-1]
        for boundary, value in zip(reversed(self.boundaries), reversed(values[:-1])):
            result = tf.where(step <= _as(boundary, tf.float64), value, result)
        return result


class PolynomialDecay(_BuiltinSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`, the step held at
    `decay_steps`; with `cycle=True` decay_steps grows to the next multiple above the step."""

    _config_keys = ("initial_learning_rate", "decay_steps", "end_learning_rate", "power",
                    "cycle", "name")

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle: bool = False, name: str = "PolynomialDecay") -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive_steps(decay_steps, "decay_steps")
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        initial = _rate_tensor(self.initial_learning_rate, "initial_learning_rate")
        dtype = initial.dtype
        end = _as(self.end_learning_rate, dtype)
        step = _as(step, dtype)
        decay_steps = _as(self.decay_steps, dtype)
        if self.cycle:
            # Step 0 uses one cycle (ceil(0) would make decay_steps zero).
            cycles = tf.where(tf.equal(step, 0.0), tf.ones_like(step),
                              tf.math.ceil(step / decay_steps))
            decay_steps = decay_steps * cycles
        else:
            step = tf.minimum(step, decay_steps)
        fraction_left = 1.0 - step / decay_steps
        return (initial - end) * tf.pow(fraction_left, _as(self.power, dtype)) + end


class InverseTimeDecay(_RatioDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (the ratio floored when
    `staircase=True`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase: bool = False,
                 name: str = "InverseTimeDecay") -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _decay(self, initial, decay_rate, ratio):
        return initial / (1.0 + decay_rate * ratio)


def _cosine_factor(fraction, alpha: float, dtype):
    """(1 - alpha) * 0.5 * (1 + cos(pi * fraction)) + alpha."""
    cosine = 0.5 * (1.0 + tf.cos(_as(math.pi, dtype) * fraction))
    return (1.0 - alpha) * cosine + alpha


class CosineDecay(_BuiltinSchedule):
    """Cosine decay from the initial rate (or, after a linear warmup of `warmup_steps` steps,
    from `warmup_target`) to `alpha` times that rate over `decay_steps` steps."""

    _config_keys = ("initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target",
                    "warmup_steps")

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name: str = "CosineDecay",
                 warmup_target=None, warmup_steps=0) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive_steps(decay_steps, "decay_steps")
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps
        if isinstance(warmup_steps, (int, float)) and warmup_steps < 0:
            raise ValueError(f"Argument `warmup_steps` must be >= 0. Received: "
                             f"warmup_steps={warmup_steps}")

    def __call__(self, step):
        initial = _rate_tensor(self.initial_learning_rate, "initial_learning_rate")
        dtype = initial.dtype
        step = _as(step, dtype)
        decay_steps = _as(self.decay_steps, dtype)
        if self.warmup_target is None:
            fraction = tf.minimum(step, decay_steps) / decay_steps
            return initial * _cosine_factor(fraction, self.alpha, dtype)
        target = _as(self.warmup_target, dtype)
        warmup_steps = _as(self.warmup_steps, dtype)
        step = tf.minimum(step, decay_steps + warmup_steps)
        # Both branches are computed (cheap scalars); the denominator is kept nonzero.
        warmup = initial + (target - initial) * (step / tf.maximum(warmup_steps, 1.0))
        decayed = target * _cosine_factor((step - warmup_steps) / decay_steps, self.alpha, dtype)
        return tf.where(step < warmup_steps, warmup, decayed)


class CosineDecayRestarts(_BuiltinSchedule):
    """Cosine decay with warm restarts (SGDR): period i lasts `first_decay_steps * t_mul**i`
    steps and starts from `initial_learning_rate * m_mul**i`."""

    _config_keys = ("initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha",
                    "name")

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name: str = "SGDRDecay") -> None:
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = _positive_steps(first_decay_steps, "first_decay_steps")
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        initial = _rate_tensor(self.initial_learning_rate, "initial_learning_rate")
        dtype = initial.dtype
        fraction = _as(step, dtype) / _as(self.first_decay_steps, dtype)
        t_mul = _plain(self._t_mul)
        if t_mul == 1.0:
            restart = tf.floor(fraction)
            fraction = fraction - restart
        else:
            # Periods grow geometrically: sum_{j<i} t_mul**j = (1 - t_mul**i) / (1 - t_mul).
            t = _as(t_mul, dtype)
            restart = tf.floor(tf.math.log(1.0 - fraction * (1.0 - t)) / tf.math.log(t))
            elapsed = (1.0 - tf.pow(t, restart)) / (1.0 - t)
            fraction = (fraction - elapsed) / tf.pow(t, restart)
        m_factor = tf.pow(_as(self._m_mul, dtype), restart)
        cosine = 0.5 * m_factor * (1.0 + tf.cos(_as(math.pi, dtype) * fraction))
        return initial * ((1.0 - self.alpha) * cosine + self.alpha)


_BUILTINS = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay,
    CosineDecayRestarts)}


def serialize(learning_rate_schedule: LearningRateSchedule,
              use_legacy_format: bool = False) -> dict:
    """The Keras config dict of a schedule: {"module", "class_name", "config",
    "registered_name"} (`use_legacy_format=True`: only "class_name" and "config")."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise ValueError(f"Could not serialize {learning_rate_schedule!r}: it is not a "
                         "tf.keras.optimizers.schedules.LearningRateSchedule.")
    if use_legacy_format:
        return {"class_name": type(learning_rate_schedule).__name__,
                "config": learning_rate_schedule.get_config()}
    from eagerflow.keras.saving.serialization import serialize_keras_object

    return serialize_keras_object(learning_rate_schedule)


def deserialize(config: dict, custom_objects: dict | None = None,
                use_legacy_format: bool = False) -> LearningRateSchedule:
    """Rebuild a schedule from `serialize()` output (Keras 3 or Keras 2 layout)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret learning rate schedule config: {config!r}. "
                         "Expected a dict with 'class_name' and 'config'.")
    from eagerflow.keras.saving.serialization import deserialize_keras_object

    config = dict(config)
    config.setdefault("module", "keras.optimizers.schedules")
    schedule = deserialize_keras_object(config, custom_objects=custom_objects,
                                        module_objects=_BUILTINS)
    if not isinstance(schedule, LearningRateSchedule):
        raise ValueError(f"Could not interpret learning rate schedule config: {config!r}: it "
                         f"built {schedule!r}, not a LearningRateSchedule.")
    return schedule
