"""`tf.keras.initializers`: the objects that give layer weights their first values.

tf_keras 2.x semantics: an initializer instance always returns the same values for the same
shape (a seeded one from its seed, an unseeded one from a seed drawn on first use), so two
layers built from one instance start equal. The (de)serialization helpers the keras object
modules share live in serialization_helpers.py (re-exported here for older imports).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import eagerflow as tf
from eagerflow.graph.builder import init_scope
from eagerflow.keras.serialization_helpers import (  # noqa: F401  (re-exported: metrics)
    deserialize_object,
    get_object,
    registered_object,
    serialize_object,
)

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
           "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal", "Identity", "zeros", "ones",
           "constant", "random_uniform", "random_normal", "truncated_normal",
           "variance_scaling", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
           "lecun_uniform", "lecun_normal", "orthogonal", "identity", "get", "serialize",
           "deserialize"]

_MAXINT32 = 2 ** 31 - 1
# stddev of a unit normal truncated to [-2, 2]: dividing by it restores the wanted variance.
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


# --- initializers ------------------------------------------------------------------------
def _float_dtype(dtype, name: str) -> tf.DType:
    dtype = _resolve_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Expected floating point type, got {dtype.name}. The {name} "
                         "initializer only makes float values; pass a float dtype.")
    return dtype


def _resolve_dtype(dtype) -> tf.DType:
    if dtype is None:
        from eagerflow.keras import backend

        dtype = backend.floatx()
    return tf.as_dtype(dtype)


def _shape_tuple(shape) -> tuple:
    if isinstance(shape, tf.TensorShape):
        shape = shape.as_list()
    dims = tuple(int(d) for d in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"Initializer shape must be fully defined and non-negative. "
                         f"Received: shape={tuple(shape)}")
    return dims


def compute_fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape: Dense (in, out); conv (*kernel, in, out) counts
    the receptive field; scalars and vectors use their one size for both."""
    shape = _shape_tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: `__call__(shape, dtype=None)` returns a tensor of that shape and dtype."""

    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype).")

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-safe dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        config = dict(config)
        config.pop("dtype", None)
        for key in ("input_axes", "output_axes"):  # written (as None) by Keras >= 3.12
            if config.get(key, None) is not None:
                raise ValueError(f"{cls.__name__}: the Keras 3 `{key}` option (fan axes for "
                                 f"EinsumDense kernels) is not supported. Received: {config}")
            config.pop(key, None)
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (any dtype)."""

    def __call__(self, shape, dtype=None, **kwargs):
        return tf.zeros(_shape_tuple(shape), dtype=_resolve_dtype(dtype))


class Ones(Initializer):
    """All ones (any dtype)."""

    def __call__(self, shape, dtype=None, **kwargs):
        return tf.ones(_shape_tuple(shape), dtype=_resolve_dtype(dtype))


class Constant(Initializer):
    """Every element equal to the scalar `value`."""

    def __init__(self, value=0) -> None:
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _resolve_dtype(dtype)
        shape = _shape_tuple(shape)
        value = tf.constant(self.value, dtype=dtype)
        if value.shape.rank == 0:
            return tf.fill(shape, value)
        if value.shape.num_elements() != math.prod(shape):
            raise ValueError(f"Constant initializer: the value has {value.shape.num_elements()} "
                             f"elements but the requested shape {shape} needs "
                             f"{math.prod(shape)}. Pass a scalar or a value of that size.")
        return tf.reshape(value, shape)  # tf.constant(value, shape=shape) semantics

    def get_config(self) -> dict:
        value = self.value
        if hasattr(value, "tolist"):
            value = value.tolist()
        return {"value": value}


class _Seeded(Initializer):
    """Random initializers: values come from a stateless op keyed by (seed, 0), so an instance
    is deterministic; unseeded instances draw their seed once, from the global random state
    (so `tf.random.set_seed` / `keras.utils.set_random_seed` make models reproducible)."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None and not isinstance(seed, int):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        self._drawn_seed: int | None = None
        self._calls = 0

    def _seed_pair(self) -> tuple[int, int]:
        self._calls += 1
        if self.seed is not None:
            return (self.seed, 0)
        if self._drawn_seed is None:
            with init_scope():
                drawn = tf.random.uniform((), 0, _MAXINT32, dtype=tf.int64)
                self._drawn_seed = int(drawn.numpy())
        elif self._calls == 2:
            warnings.warn(
                f"The initializer {type(self).__name__} is unseeded and being called multiple "
                "times, which will return identical values each time. Please provide a seed "
                "to the initializer, or avoid using the same initializer instance more than "
                "once.", UserWarning, stacklevel=3)
        return (self._drawn_seed, 0)

    def get_config(self) -> dict:
        return {"seed": self.seed}


class RandomUniform(_Seeded):
    """Uniform values in [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.minval = minval
        self.maxval = maxval

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _resolve_dtype(dtype)
        if not (dtype.is_floating or dtype.is_integer):
            raise ValueError(f"Expected float or integer dtype, got {dtype.name}.")
        return tf.random.stateless_uniform(_shape_tuple(shape), seed=self._seed_pair(),
                                           minval=self.minval, maxval=self.maxval, dtype=dtype)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class _MeanStddev(_Seeded):
    """Float values of a `mean` and `stddev`, drawn by the stateless op `tf.random.<_op>`."""

    _op = "stateless_normal"

    def __init__(self, mean=0.0, stddev=0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean = mean
        self.stddev = stddev

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, type(self).__name__)
        return getattr(tf.random, self._op)(_shape_tuple(shape), seed=self._seed_pair(),
                                            mean=self.mean, stddev=self.stddev, dtype=dtype)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomNormal(_MeanStddev):
    """Normal values with the given mean and standard deviation."""

    _op = "stateless_normal"


class TruncatedNormal(_MeanStddev):
    """Normal values redrawn when more than two standard deviations from the mean."""

    _op = "stateless_truncated_normal"


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")


class VarianceScaling(_Seeded):
    """Values with variance `scale / n`, n the fan-in, fan-out or their mean (`mode`), drawn
    from a truncated normal, a normal, or a uniform distribution (`distribution`)."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None) -> None:
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive float. Received: scale={scale}.")
        if mode not in _MODES:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {_MODES}.")
        distribution = distribution.lower()
        if distribution == "normal":  # the Keras 1 name
            distribution = "truncated_normal"
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(f"Invalid `distribution` argument: {distribution}. Allowed "
                             f"distributions: {_DISTRIBUTIONS}.")
        super().__init__(seed)
        self.scale = scale
        self.mode = mode
        self.distribution = distribution

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, type(self).__name__)
        shape = _shape_tuple(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        seed = self._seed_pair()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_NORMAL_STDDEV
            return tf.random.stateless_truncated_normal(shape, seed=seed, stddev=stddev,
                                                        dtype=dtype)
        if self.distribution == "untruncated_normal":
            return tf.random.stateless_normal(shape, seed=seed, stddev=math.sqrt(variance),
                                              dtype=dtype)
        limit = math.sqrt(3.0 * variance)
        return tf.random.stateless_uniform(shape, seed=seed, minval=-limit, maxval=limit,
                                           dtype=dtype)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset (Glorot, He, Lecun) whose config is only the seed."""

    _preset: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: int | None = None) -> None:
        scale, mode, distribution = self._preset
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot/Xavier uniform: limit sqrt(6 / (fan_in + fan_out))."""

    _preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Glorot/Xavier normal: truncated normal, stddev sqrt(2 / (fan_in + fan_out))."""

    _preset = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform: limit sqrt(6 / fan_in)."""

    _preset = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal, stddev sqrt(2 / fan_in)."""

    _preset = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """Lecun uniform: limit sqrt(3 / fan_in)."""

    _preset = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """Lecun normal: truncated normal, stddev sqrt(1 / fan_in)."""

    _preset = (1.0, "fan_in", "truncated_normal")


class Orthogonal(_Seeded):
    """A (semi-)orthogonal matrix times `gain`: the last axis against all others flattened
    (QR of a normal matrix, signs fixed so the draw is uniform over orthogonal matrices)."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, "Orthogonal")
        shape = _shape_tuple(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        num_rows = math.prod(shape[:-1])
        num_cols = shape[-1]
        flat_shape = (max(num_cols, num_rows), min(num_cols, num_rows))
        # QR runs in float32 at least (no half-precision linear algebra), then casts.
        work_dtype = dtype if dtype in (tf.float32, tf.float64) else tf.float32
        normal = tf.random.stateless_normal(flat_shape, seed=self._seed_pair(),
                                            dtype=work_dtype)
        q, r = tf.linalg.qr(normal, full_matrices=False)
        q = q * tf.sign(tf.linalg.diag_part(r))
        if num_rows < num_cols:
            q = tf.transpose(q)
        return tf.cast(self.gain * tf.reshape(q, shape), dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; rectangular allowed)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, "Identity")
        shape = _shape_tuple(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return tf.cast(self.gain, dtype) * tf.eye(shape[0], shape[1], dtype=dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain}


# snake_case aliases, as tf.keras.initializers exports them
zeros = Zeros
ones = Ones
constant = Constant
random_uniform = RandomUniform
random_normal = RandomNormal
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
orthogonal = Orthogonal
identity = Identity

_CLASSES = (Zeros, Ones, Constant, RandomUniform, RandomNormal, TruncatedNormal,
            VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
            LecunNormal, Orthogonal, Identity)
_SNAKE_CASE_ALIASES = {name: value for name, value in globals().items()
                      if name in __all__ and name.islower() and isinstance(value, type)}
_OBJECTS: dict[str, Any] = ({cls.__name__: cls for cls in _CLASSES} | _SNAKE_CASE_ALIASES
                            | {"zero": Zeros, "one": Ones, "uniform": RandomUniform,
                               "normal": RandomNormal})


def serialize(initializer: Initializer) -> dict:
    """`{"module": "keras.initializers", "class_name": ..., "config": ..., ...}`."""
    return serialize_object(initializer, module="keras.initializers")


def deserialize(config: dict | str, custom_objects: dict | None = None,
                use_legacy_format: bool = False) -> Initializer:
    """The initializer described by a serialized dict or a name."""
    return deserialize_object(config, _OBJECTS, custom_objects, "initializer")


def get(identifier: Any) -> Initializer | None:
    """The initializer for a layer argument: None -> None, a name or dict -> a new instance,
    a class -> an instance of it, a callable -> itself."""
    return get_object(identifier, deserialize, "initializer",
                      hint=". Pass a name such as 'glorot_uniform', a serialized dict, or a "
                           "callable.")
