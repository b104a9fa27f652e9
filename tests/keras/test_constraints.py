"""keras.constraints: projections vs NumPy, eager == tf.function, configs and errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import constraints

EPS = 1e-7
W = np.random.RandomState(2).randn(4, 5) * 2


def _scale_norms(w, axis, desired_fn):
    norms = np.sqrt((w ** 2).sum(axis=axis, keepdims=True))
    return w * desired_fn(norms) / (EPS + norms)


CASES = [
    (constraints.MaxNorm(1.5), lambda w: _scale_norms(w, 0, lambda n: np.clip(n, 0, 1.5))),
    (constraints.MaxNorm(2.0, axis=1), lambda w: _scale_norms(w, 1, lambda n: np.clip(n, 0, 2))),
    (constraints.NonNeg(), lambda w: np.where(w >= 0, w, 0.0)),
    (constraints.UnitNorm(), lambda w: w / (EPS + np.sqrt((w ** 2).sum(0, keepdims=True)))),
    (constraints.UnitNorm(axis=[0, 1]), lambda w: w / (EPS + np.sqrt((w ** 2).sum()))),
    (constraints.MinMaxNorm(2.0, 3.0, rate=0.5), lambda w: _scale_norms(
        w, 0, lambda n: 0.5 * np.clip(n, 2, 3) + 0.5 * n)),
]


@pytest.mark.parametrize("constraint, reference", CASES, ids=lambda c: repr(c)[:40])
def test_projections(constraint, reference):
    eager = constraint(tf.constant(W)).numpy()
    np.testing.assert_allclose(eager, reference(W), rtol=1e-10, atol=1e-12)
    compiled = tf.function(constraint)(tf.constant(W)).numpy()
    np.testing.assert_allclose(compiled, eager, rtol=1e-12)


def test_projection_properties():
    projected = constraints.MaxNorm(1.0)(W).numpy()
    assert (np.linalg.norm(projected, axis=0) <= 1.0 + 1e-6).all()
    small = W * 1e-3  # already inside the ball: unchanged
    np.testing.assert_allclose(constraints.MaxNorm(1.0)(small).numpy(), small, rtol=1e-4)
    unit = constraints.UnitNorm(axis=1)(W).numpy()
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, rtol=1e-6)


def test_tf_keras_golden_max_norm():
    got = constraints.MaxNorm(1.0)(np.arange(12.0, dtype="float32").reshape(3, 4)).numpy()
    expected = [[0.0, 0.09667365, 0.16903085, 0.22423053],
                [0.4472136, 0.48336828, 0.50709254, 0.52320457],
                [0.8944272, 0.8700629, 0.8451542, 0.8221786]]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_radial_constraint_matches_tf_keras():
    for size, ring_values in [(3, [0, 4]), (5, [6, 12, 18]), (4, [5, 15]), (6, [14, 28, 35])]:
        kernel = np.arange(size * size, dtype="float64").reshape(size, size, 1, 1)
        kernel = np.concatenate([kernel, -kernel], axis=-1)
        got = constraints.RadialConstraint()(kernel).numpy()
        centre = (size - 1) / 2
        rows, cols = np.indices((size, size))
        ring = np.floor(np.maximum(np.abs(rows - centre), np.abs(cols - centre))).astype(int)
        expected = np.array(ring_values, dtype="float64")[ring]
        np.testing.assert_array_equal(got[:, :, 0, 0], expected)
        np.testing.assert_array_equal(got[:, :, 0, 1], -expected)
    with pytest.raises(ValueError, match="rank 4"):
        constraints.RadialConstraint()(np.ones((3, 3)))


@pytest.mark.parametrize("constraint", [c[0] for c in CASES])
def test_config_round_trip(constraint):
    config = constraints.serialize(constraint)
    assert config["module"] == "keras.constraints"
    rebuilt = constraints.deserialize(config)
    assert type(rebuilt) is type(constraint)
    assert rebuilt.get_config() == constraint.get_config()


def test_get_and_errors():
    assert constraints.get(None) is None
    assert isinstance(constraints.get("non_neg"), constraints.NonNeg)
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("UnitNorm"), constraints.UnitNorm)
    assert constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3}}).max_value == 3
    fn = lambda w: w  # noqa: E731
    assert constraints.get(fn) is fn
    with pytest.raises(ValueError, match="Unknown constraint: 'positive'"):
        constraints.get("positive")
    with pytest.raises(ValueError, match="Could not interpret constraint"):
        constraints.get(1)


def test_works_as_variable_constraint_after_assign():
    """How optimizers apply it: project the variable after an update."""
    v = tf.Variable(W, constraint=constraints.NonNeg())
    v.assign(v.constraint(v))
    assert (v.numpy() >= 0).all()
