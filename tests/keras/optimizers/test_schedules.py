"""Learning-rate schedules: values at several steps vs their formulas, eagerly and inside
tf.function, configs and (de)serialization, errors."""

import math

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.optimizers import schedules

STEPS = [0, 1, 3, 5, 6, 10, 11, 17, 25]


def _cosine(fraction, alpha):
    return (1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha


def _restarts(step, initial, first, t_mul, m_mul, alpha):
    """SGDR by walking the periods one by one (independent of the closed form)."""
    start, length, scale = 0.0, float(first), 1.0
    while step >= start + length:
        start, length, scale = start + length, length * t_mul, scale * m_mul
    return initial * ((1 - alpha) * scale * 0.5 * (1 + math.cos(
        math.pi * (step - start) / length)) + alpha)


def _polynomial_cycle(step, initial, decay_steps, end, power):
    cycles = 1 if step == 0 else math.ceil(step / decay_steps)
    return (initial - end) * (1 - step / (decay_steps * cycles)) ** power + end


def _warmup_cosine(step, initial, decay_steps, target, warmup):
    if step < warmup:
        return initial + (target - initial) * step / warmup
    return target * _cosine(min(step - warmup, decay_steps) / decay_steps, 0.0)


CASES = [
    (schedules.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
    (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
     lambda s: 0.1 * 0.5 ** (s // 10)),
    (schedules.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 5 else 0.5 if s <= 10 else 0.1),
    (schedules.PolynomialDecay(0.1, 10, 0.01, power=2.0),
     lambda s: (0.1 - 0.01) * (1 - min(s, 10) / 10) ** 2 + 0.01),
    (schedules.PolynomialDecay(0.1, 10, 0.01, cycle=True),
     lambda s: _polynomial_cycle(s, 0.1, 10, 0.01, 1.0)),
    (schedules.InverseTimeDecay(0.1, 10, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 10)),
    (schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True),
     lambda s: 0.1 / (1 + 0.5 * (s // 10))),
    (schedules.CosineDecay(0.1, 10, alpha=0.1),
     lambda s: 0.1 * _cosine(min(s, 10) / 10, 0.1)),
    (schedules.CosineDecay(0.0, 10, warmup_target=0.2, warmup_steps=5),
     lambda s: _warmup_cosine(s, 0.0, 10, 0.2, 5)),
    (schedules.CosineDecayRestarts(0.1, 4), lambda s: _restarts(s, 0.1, 4, 2.0, 1.0, 0.0)),
    (schedules.CosineDecayRestarts(0.1, 4, t_mul=1.0, m_mul=0.5, alpha=0.1),
     lambda s: _restarts(s, 0.1, 4, 1.0, 0.5, 0.1)),
    (schedules.CosineDecayRestarts(0.1, 3, t_mul=1.5, m_mul=0.8),
     lambda s: _restarts(s, 0.1, 3, 1.5, 0.8, 0.0)),
]
IDS = [f"{type(s).__name__}-{i}" for i, (s, _) in enumerate(CASES)]


@pytest.mark.parametrize("schedule, formula", CASES, ids=IDS)
def test_values_match_the_formula_eagerly_and_compiled(schedule, formula):
    compiled = tf.function(lambda step: schedule(step))
    for step in STEPS:
        expected = formula(step)
        eager = schedule(tf.constant(step, tf.int64))
        assert eager.dtype == tf.float32
        assert float(eager) == pytest.approx(expected, rel=1e-5, abs=1e-7)
        assert float(schedule(step)) == pytest.approx(expected, rel=1e-5, abs=1e-7)
        assert float(compiled(tf.constant(step, tf.int64))) == pytest.approx(float(eager),
                                                                             rel=1e-6)


@pytest.mark.parametrize("schedule, formula", CASES, ids=IDS)
def test_config_and_serialization_round_trip(schedule, formula):
    config = schedule.get_config()
    rebuilt = type(schedule).from_config(config)
    assert rebuilt.get_config() == config
    serialized = schedules.serialize(schedule)
    assert serialized["module"] == "keras.optimizers.schedules"
    assert serialized["class_name"] == type(schedule).__name__
    assert serialized["registered_name"] is None
    again = schedules.deserialize(serialized)
    assert type(again) is type(schedule)
    assert float(again(7)) == pytest.approx(float(schedule(7)))


def test_configs_use_keras_keys_and_names():
    assert schedules.ExponentialDecay(0.1, 10, 0.5).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
        "staircase": False, "name": "ExponentialDecay"}
    assert schedules.PiecewiseConstantDecay([1], [0.1, 0.01]).get_config()["name"] == \
        "PiecewiseConstant"
    assert schedules.CosineDecayRestarts(0.1, 4).get_config() == {
        "initial_learning_rate": 0.1, "first_decay_steps": 4, "t_mul": 2.0, "m_mul": 1.0,
        "alpha": 0.0, "name": "SGDRDecay"}
    assert set(schedules.CosineDecay(0.1, 4).get_config()) == {
        "initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target",
        "warmup_steps"}


def test_deserialize_keras2_layout():
    schedule = schedules.deserialize({"class_name": "InverseTimeDecay", "config": {
        "initial_learning_rate": 1.0, "decay_steps": 1, "decay_rate": 1.0}})
    assert float(schedule(3)) == pytest.approx(0.25)
    legacy = schedules.serialize(schedule, use_legacy_format=True)
    assert set(legacy) == {"class_name", "config"}


def test_errors():
    with pytest.raises(ValueError, match="The length of boundaries should be 1 less than the "
                                         "length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="`decay_steps` must be > 0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="not a tf.keras.optimizers.schedules"):
        schedules.serialize(0.1)
    with pytest.raises(ValueError, match="Could not interpret learning rate schedule"):
        schedules.deserialize("ExponentialDecay")
    with pytest.raises(TypeError, match="Could not locate"):
        schedules.deserialize({"class_name": "NoSuchSchedule", "config": {}})
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(1)


def test_custom_schedule_subclass_in_an_optimizer():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / tf.pow(2.0, tf.cast(step, tf.float32))

        def get_config(self):
            return {}

    from eagerflow.keras import optimizers

    var = tf.Variable([0.0])
    optimizer = optimizers.SGD(learning_rate=Halving())
    step = tf.function(lambda: optimizer.apply_gradients([(tf.constant([1.0]), var)]))
    for _ in range(3):
        step()
    np.testing.assert_allclose(var.numpy(), [-1.75])


def test_float64_initial_rate_keeps_its_dtype():
    schedule = schedules.ExponentialDecay(tf.constant(0.1, tf.float64), 10, 0.5)
    assert schedule(3).dtype == tf.float64
    assert schedule.get_config()["initial_learning_rate"] == 0.1
