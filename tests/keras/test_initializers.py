"""keras.initializers: statistics, fan rules, determinism, orthogonality, config round trips
and errors."""

import math
import warnings

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import initializers


def _values(init, shape, dtype=None):
    return init(shape, dtype=dtype).numpy()


@pytest.mark.parametrize("cls, scale, mode, uniform", [
    (initializers.GlorotUniform, 1.0, "fan_avg", True),
    (initializers.GlorotNormal, 1.0, "fan_avg", False),
    (initializers.HeUniform, 2.0, "fan_in", True),
    (initializers.HeNormal, 2.0, "fan_in", False),
    (initializers.LecunUniform, 1.0, "fan_in", True),
    (initializers.LecunNormal, 1.0, "fan_in", False),
])
def test_variance_scaling_presets(cls, scale, mode, uniform):
    shape = (3, 3, 40, 60)  # conv kernel: receptive field 9
    fan_in, fan_out = 40 * 9, 60 * 9
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    values = _values(cls(seed=7), shape)
    assert values.shape == shape and values.dtype == np.float32
    np.testing.assert_allclose(values.std(), math.sqrt(scale / n), rtol=0.03)
    assert abs(values.mean()) < 0.05 * math.sqrt(scale / n)
    if uniform:
        assert np.abs(values).max() <= math.sqrt(3 * scale / n)
    else:  # truncated at two (pre-correction) standard deviations
        assert np.abs(values).max() <= 2 * math.sqrt(scale / n) / 0.87962566103423978 + 1e-6


@pytest.mark.parametrize("mode, expected_n", [("fan_in", 20), ("fan_out", 50), ("fan_avg", 35)])
@pytest.mark.parametrize("distribution", ["uniform", "truncated_normal", "untruncated_normal"])
def test_variance_scaling_modes(mode, expected_n, distribution):
    # 20 independent (20, 50) kernels: the fan numbers stay (20, 50), the sample grows.
    draws = np.stack([
        _values(initializers.VarianceScaling(3.0, mode, distribution, seed=s), (20, 50),
                "float64") for s in range(20)])
    assert draws.dtype == np.float64
    np.testing.assert_allclose(draws.std(), math.sqrt(3.0 / expected_n), rtol=0.03)
    np.testing.assert_allclose(draws.mean(), 0.0, atol=0.01)


def test_compute_fans_rules():
    assert initializers.compute_fans(()) == (1, 1)
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans((4, 9)) == (4, 9)
    assert initializers.compute_fans((5, 3, 4, 8)) == (60, 120)


def test_plain_distributions():
    uniform = _values(initializers.RandomUniform(-2.0, 3.0, seed=1), (200, 200))
    assert uniform.min() >= -2.0 and uniform.max() < 3.0
    np.testing.assert_allclose(uniform.mean(), 0.5, atol=0.03)
    np.testing.assert_allclose(uniform.std(), 5 / math.sqrt(12), rtol=0.02)
    normal = _values(initializers.RandomNormal(1.0, 2.0, seed=1), (200, 200))
    np.testing.assert_allclose(normal.mean(), 1.0, atol=0.03)
    np.testing.assert_allclose(normal.std(), 2.0, rtol=0.02)
    trunc = _values(initializers.TruncatedNormal(0.0, 1.0, seed=1), (200, 200))
    assert np.abs(trunc).max() <= 2.0
    np.testing.assert_allclose(trunc.std(), 0.87962566, rtol=0.02)
    ints = _values(initializers.RandomUniform(0, 5, seed=3), (1000,), "int32")
    assert ints.dtype == np.int32 and set(np.unique(ints)) == {0, 1, 2, 3, 4}


def test_constants_and_identity():
    np.testing.assert_array_equal(_values(initializers.Zeros(), (2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(_values(initializers.Ones(), (2,), "int32"), [1, 1])
    assert _values(initializers.Zeros(), (2,), "int64").dtype == np.int64
    np.testing.assert_array_equal(_values(initializers.Constant(2.5), (2, 2)), np.full((2, 2),
                                                                                      2.5))
    np.testing.assert_array_equal(_values(initializers.Identity(gain=3.0), (2, 3)),
                                  3 * np.eye(2, 3))


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (3, 3, 2, 5)])
def test_orthogonal_is_orthogonal(shape):
    values = _values(initializers.Orthogonal(gain=2.0, seed=5), shape, "float64")
    assert values.shape == shape
    flat = values.reshape(-1, shape[-1])
    rows, cols = flat.shape
    if rows >= cols:
        np.testing.assert_allclose(flat.T @ flat, 4.0 * np.eye(cols), atol=1e-10)
    else:
        np.testing.assert_allclose(flat @ flat.T, 4.0 * np.eye(rows), atol=1e-10)


def test_seeded_is_deterministic_and_unseeded_differs_per_instance():
    a = _values(initializers.GlorotUniform(seed=42), (5, 5))
    b = _values(initializers.GlorotUniform(seed=42), (5, 5))
    c = _values(initializers.GlorotUniform(seed=43), (5, 5))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    first = initializers.HeNormal()
    second = initializers.HeNormal()
    v1 = _values(first, (5, 5))
    assert not np.allclose(v1, _values(second, (5, 5)))
    with pytest.warns(UserWarning, match="unseeded"):
        v2 = _values(first, (5, 5))
    np.testing.assert_array_equal(v1, v2)  # tf_keras 2.x: one instance, same values


def test_global_seed_makes_unseeded_reproducible():
    tf.random.set_seed(11)
    a = _values(initializers.GlorotUniform(), (4, 4))
    tf.random.set_seed(11)
    b = _values(initializers.GlorotUniform(), (4, 4))
    np.testing.assert_array_equal(a, b)


def test_called_inside_tf_function_matches_eager():
    init = initializers.RandomNormal(seed=9)
    eager = _values(init, (3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = tf.function(lambda: init((3, 4)))().numpy()
    np.testing.assert_array_equal(eager, traced)
    unseeded = initializers.GlorotUniform()
    traced_unseeded = tf.function(lambda: unseeded((3, 4)))().numpy()
    with pytest.warns(UserWarning):
        np.testing.assert_array_equal(traced_unseeded, _values(unseeded, (3, 4)))


@pytest.mark.parametrize("init", [
    initializers.Zeros(), initializers.Ones(), initializers.Constant(1.5),
    initializers.RandomUniform(-1, 1, seed=3), initializers.RandomNormal(0.5, 2, seed=3),
    initializers.TruncatedNormal(seed=3), initializers.VarianceScaling(2.0, "fan_out",
                                                                      "uniform", seed=3),
    initializers.GlorotUniform(seed=3), initializers.GlorotNormal(seed=3),
    initializers.HeUniform(seed=3), initializers.HeNormal(seed=3),
    initializers.LecunUniform(seed=3), initializers.LecunNormal(seed=3),
    initializers.Orthogonal(1.5, seed=3), initializers.Identity(2.0),
])
def test_config_round_trip(init):
    config = initializers.serialize(init)
    assert config["module"] == "keras.initializers"
    assert config["class_name"] == type(init).__name__
    assert config["registered_name"] is None
    rebuilt = initializers.deserialize(config)
    assert type(rebuilt) is type(init) and rebuilt.get_config() == init.get_config()
    np.testing.assert_array_equal(_values(rebuilt, (4, 4)), _values(init, (4, 4)))
    legacy = initializers.get({"class_name": config["class_name"], "config": config["config"]})
    assert legacy.get_config() == init.get_config()


def test_get_identifiers():
    assert initializers.get(None) is None
    assert isinstance(initializers.get("glorot_uniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("GlorotUniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("zeros"), initializers.Zeros)
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)
    init = initializers.HeNormal()
    assert initializers.get(init) is init
    fn = lambda shape, dtype=None: tf.zeros(shape)  # noqa: E731
    assert initializers.get(fn) is fn
    assert initializers.get({"class_name": "GlorotUniform", "config": {"seed": 3}}).seed == 3


def test_errors():
    with pytest.raises(ValueError, match="Unknown initializer: 'nope'"):
        initializers.get("nope")
    with pytest.raises(ValueError, match="Could not interpret initializer"):
        initializers.get(3)
    with pytest.raises(ValueError, match="Expected floating point type"):
        initializers.RandomNormal()((2,), dtype="int32")
    with pytest.raises(ValueError, match="Invalid `mode`"):
        initializers.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="Invalid `distribution`"):
        initializers.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="`scale` must be positive"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="2D matrices"):
        initializers.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match="at least two-dimensional"):
        initializers.Orthogonal()((4,))


def test_custom_object_lookup():
    class MyInit(initializers.Initializer):
        def __init__(self, value=1.0):
            self.value = value

        def __call__(self, shape, dtype=None, **kwargs):
            return tf.fill(shape, tf.constant(self.value, tf.float32))

        def get_config(self):
            return {"value": self.value}

    config = {"class_name": "MyInit", "config": {"value": 4.0}}
    rebuilt = initializers.deserialize(config, custom_objects={"MyInit": MyInit})
    np.testing.assert_array_equal(_values(rebuilt, (2,)), [4.0, 4.0])


def test_reads_keras3_configs():
    config = {"module": "keras.initializers", "class_name": "GlorotUniform",
              "config": {"seed": 4, "input_axes": None, "output_axes": None},
              "registered_name": None}
    init = initializers.deserialize(config)
    assert isinstance(init, initializers.GlorotUniform) and init.seed == 4
    config["config"]["input_axes"] = [0]
    with pytest.raises(ValueError, match="input_axes"):
        initializers.deserialize(config)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_every_float_dtype(dtype):
    for init in (initializers.GlorotUniform(1), initializers.HeNormal(1),
                 initializers.Orthogonal(seed=1), initializers.RandomNormal(seed=1),
                 initializers.TruncatedNormal(seed=1), initializers.Identity(),
                 initializers.Constant(2.0), initializers.Zeros()):
        value = init((4, 3), dtype=dtype)
        assert value.dtype.name == dtype and value.shape == (4, 3)
        assert np.isfinite(value.numpy().astype(np.float64)).all()


def test_constant_accepts_a_value_of_the_right_size():
    np.testing.assert_array_equal(_values(initializers.Constant([[1.0, 2.0]]), (2, 1)),
                                  [[1.0], [2.0]])
    with pytest.raises(ValueError, match="needs 6"):
        initializers.Constant([1.0, 2.0])((2, 3))
