"""Random ops (`tf.random.*`): seeded and unseeded sampling, stateless ops, `tf.random.Generator`.

Every distribution is one sampler (NumPy Generator -> array) and one shape rule; three
primitives run them from three kinds of source: a stream held in the attrs (stateful ops,
drawing at run time, so compiled code gives fresh numbers at each call), a `[2]` seed tensor
(stateless ops: same seed, same numbers) and a Generator's state variable (returned advanced).
Seeds follow TF's global + op seed rules (see `_stream`).
"""

from __future__ import annotations

import enum
import random as _pyrandom
import types

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.context import state
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.shape import TensorShape
from eagerflow.core.tensor import EagerTensor, Tensor, convert_to_tensor
from eagerflow.core.variable import Variable
from eagerflow.ops.math import add, multiply, subtract

__all__: list = []
NAMESPACES: dict = {"random": [
    "set_seed", "uniform", "normal", "truncated_normal", "categorical", "shuffle", "gamma",
    "poisson", "stateless_uniform", "stateless_normal", "stateless_truncated_normal",
    "stateless_categorical", "stateless_poisson", "stateless_gamma", "create_rng_state",
    "Generator", "get_global_generator", "set_global_generator", "Algorithm", "experimental",
]}

DEFAULT_GRAPH_SEED = 87654321  # TF's global seed when only an op seed is given
_MAXINT32 = 2 ** 31 - 1
_MASK64 = 2 ** 64 - 1


# --- seeds and streams --------------------------------------------------------------------
class Stream:
    """The run-time source of a stateful random op: a NumPy Generator, held in the op's attrs.

    Hashable by identity, so it can sit in attrs; compiled code calls the kernel with the
    same Stream at every call and draws fresh numbers from it.
    """

    __slots__ = ("generator", "seeds", "__weakref__")

    def __init__(self, generator: np.random.Generator, seeds: tuple | None = None) -> None:
        self.generator = generator
        self.seeds = seeds

    def __repr__(self) -> str:
        return "Stream(entropy)" if self.seeds is None else f"Stream(seeds={self.seeds})"


def _philox(seeds: tuple, counter=None) -> np.random.Generator:
    key = np.array([int(s) & _MASK64 for s in seeds], dtype=np.uint64)
    return np.random.Generator(np.random.Philox(key=key, counter=counter))


def set_seed(seed) -> None:
    """Set the global random seed (`tf.random.set_seed`).

    Random ops without an op seed then draw their op seeds from a sequence that this call
    restarts, so a program gives the same numbers each time it runs, and calling
    `set_seed` again with the same seed repeats them. `None` returns to fresh entropy.
    """
    if seed is not None:
        seed = int(seed)
    state.random_seed = seed
    state.random_op_seeds = None if seed is None else _pyrandom.Random(seed)
    state.random_kernels = {}
    state.random_graph_ops.clear()
    for stream in list(state.random_traced_streams):  # traced functions start over, as in TF
        stream.generator = _philox(stream.seeds)


def get_seed(op_seed):
    """TF's `(global_seed, op_seed)` pair for an op, or `(None, None)` for fresh entropy."""
    global_seed = state.random_seed
    if global_seed is None:
        return (None, None) if op_seed is None else (DEFAULT_GRAPH_SEED, int(op_seed))
    if op_seed is not None:
        return global_seed, int(op_seed)
    builder = state.local.builder
    while getattr(builder, "outer", None) is not None:  # branches count in their function
        builder = builder.outer
    if builder is not None:
        try:  # in a graph, op seeds count the graph's random ops, as TF's graph op ids
            count = state.random_graph_ops.get(builder, 0) + 1
            state.random_graph_ops[builder] = count
            return global_seed, count
        except TypeError:
            pass
    return global_seed, state.random_op_seeds.randint(0, _MAXINT32)


def _stream(seed) -> Stream:
    """The stream a stateful random op draws from, by TF's rules.

    Neither seed set: fresh entropy. Global seed set and no op seed: an op seed drawn from
    the global sequence (eager) or the graph's op count (traced). Op seed set: the pair is
    fixed (the global seed defaults to 87654321) and, eagerly, its stream is cached as TF
    caches the kernel, so repeated calls give successive numbers until `set_seed` again.
    """
    builder = state.local.builder
    if seed is None and state.random_seed is None:
        if builder is not None:
            return Stream(np.random.default_rng())
        if state.random_entropy is None:
            state.random_entropy = Stream(np.random.default_rng())
        return state.random_entropy
    seeds = get_seed(seed)
    if builder is None and seed is not None:
        stream = state.random_kernels.get(seeds)
        if stream is None:
            stream = state.random_kernels[seeds] = Stream(_philox(seeds), seeds)
        return stream
    stream = Stream(_philox(seeds), seeds)
    if builder is not None:
        state.random_traced_streams.add(stream)
    return stream


def _seed_generator(seed: np.ndarray) -> np.random.Generator:
    seed = np.asarray(seed)
    if seed.shape != (2,) or seed.dtype.kind not in "iu":
        raise InvalidArgumentError(None, None, f"seed must be an integer tensor of shape [2], "
                                   f"got shape {list(seed.shape)} and dtype {seed.dtype}")
    return _philox((int(seed[0]), int(seed[1])))


# --- samplers: (generator, shape, dtype, *inputs, **params) -> array ---------------------------
def _floating(dtype: np.dtype) -> np.dtype:
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)


def _uniform(gen, shape, dtype):
    out = gen.random(shape, dtype=_floating(dtype))
    if out.dtype != dtype:
        out = out.astype(dtype)
        out[out >= 1] = np.nextafter(np.array(1, dtype), np.array(0, dtype))  # keep [0, 1)
    return out


def _normal(gen, shape, dtype):
    return gen.standard_normal(shape, dtype=_floating(dtype)).astype(dtype, copy=False)


def _truncated_normal(gen, shape, dtype):
    out = gen.standard_normal(shape, dtype=_floating(dtype))
    bad = np.flatnonzero(np.abs(out) > 2)
    flat = out.reshape(-1)
    while bad.size:  # resample only what fell beyond 2 stddev (about 4.6% per round)
        flat[bad] = gen.standard_normal(bad.size, dtype=out.dtype)
        bad = bad[np.abs(flat[bad]) > 2]
    return out.astype(dtype, copy=False)


def _check_scalar_bounds(minval, maxval, op):
    if np.ndim(minval) or np.ndim(maxval):
        raise InvalidArgumentError(None, None, f"{op}: minval and maxval must be scalars for "
                                   f"integer dtypes, got shapes {list(np.shape(minval))} and "
                                   f"{list(np.shape(maxval))}")
    if not minval < maxval:
        raise InvalidArgumentError(None, None, f"{op}: Need minval < maxval: {minval} >= "
                                   f"{maxval}")


def _uniform_int(gen, shape, dtype, minval, maxval):
    _check_scalar_bounds(minval, maxval, "RandomUniformInt")
    return gen.integers(minval, maxval, size=shape, dtype=dtype)


def _uniform_full_int(gen, shape, dtype):
    info = np.iinfo(dtype)
    return gen.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def _categorical(gen, shape, dtype, logits, num_samples):
    if logits.ndim != 2:
        raise InvalidArgumentError(None, None, f"Multinomial: logits should be a matrix "
                                   f"[batch_size, num_classes], got shape {list(logits.shape)}")
    batch, classes = logits.shape
    if classes == 0 and num_samples:
        raise InvalidArgumentError(None, None, "Multinomial: num_classes should be positive")
    # Gumbel-max: argmax(logits + Gumbel noise) samples softmax(logits), -inf never chosen.
    noise = gen.gumbel(size=(batch, num_samples, classes))
    scores = logits.astype(np.float64)[:, None, :] + noise
    return np.argmax(scores, axis=-1).astype(dtype)


def _shuffle(gen, shape, dtype, value):
    if value.ndim == 0:
        return value
    return value[gen.permutation(value.shape[0])]


def _gamma(gen, shape, dtype, alpha, beta):
    params = np.broadcast_shapes(np.shape(alpha), np.shape(beta))
    out_shape = tuple(shape) + params
    draw = gen.standard_gamma(np.broadcast_to(alpha, out_shape).astype(np.float64))
    return (draw / np.asarray(beta, np.float64)).astype(dtype)


def _poisson(gen, shape, dtype, lam):
    out_shape = tuple(shape) + np.shape(lam)
    return gen.poisson(np.broadcast_to(lam, out_shape).astype(np.float64)).astype(dtype)


def _fold_in(gen, shape, dtype, data):
    base = _uniform_full_int(gen, (2,), np.dtype(np.int64))
    return _uniform_full_int(_philox((int(base[0]) ^ int(data), int(base[1]))), shape, dtype)


_SAMPLERS = {
    "uniform": _uniform, "normal": _normal, "truncated_normal": _truncated_normal,
    "uniform_int": _uniform_int, "uniform_full_int": _uniform_full_int,
    "categorical": _categorical, "shuffle": _shuffle, "gamma": _gamma, "poisson": _poisson,
    "fold_in": _fold_in,
}


# --- shape rules: (shape, dtype, *specs, **params) -> Spec -------------------------------------
def _plain_rule(shape, dtype, *specs, **params):
    return Spec(shape, dtypes.from_numpy(dtype))


def _categorical_rule(shape, dtype, logits, num_samples):
    batch = None if logits.shape is None else logits.shape[0]
    if logits.shape is not None and len(logits.shape) != 2:
        raise InvalidArgumentError(None, None, f"Multinomial: logits should be a matrix "
                                   f"[batch_size, num_classes], got shape {list(logits.shape)}")
    return Spec((batch, num_samples), dtypes.from_numpy(dtype))


def _params_rule(shape, dtype, *specs):
    if shape is None or any(s.shape is None for s in specs):
        return Spec(None, dtypes.from_numpy(dtype))
    params = ()
    for s in specs:
        params = _broadcast_static(params, s.shape)
    return Spec(tuple(shape) + params, dtypes.from_numpy(dtype))


def _broadcast_static(a: tuple, b: tuple) -> tuple:
    from eagerflow.ops.rules import broadcast_shapes

    return broadcast_shapes(a, b, "RandomGamma")


_RULES = {
    "uniform": _plain_rule, "normal": _plain_rule, "truncated_normal": _plain_rule,
    "uniform_int": _plain_rule, "uniform_full_int": _plain_rule,
    "categorical": _categorical_rule, "shuffle": lambda shape, dtype, value: value,
    "gamma": _params_rule, "poisson": _params_rule, "fold_in": _plain_rule,
}


def _sample(gen, inputs, dist, shape, dtype, **params):
    if shape is None:  # the shape was a tensor known only at run time: it is the first input
        shape = tuple(int(d) for d in np.reshape(inputs[0], -1))
        inputs = inputs[1:]
    return _SAMPLERS[dist](gen, shape, dtype, *inputs, **params)


def _sample_rule(specs, dist, shape, dtype, **params):
    if shape is None:
        given = specs[0].shape
        shape = None if given is None or given[0] is None else (None,) * given[0]
        specs = specs[1:]
    return _RULES[dist](shape, dtype, *specs, **params)


# Stateful: draws from the Stream in its attrs at run time.
random_sample_p = primitive(
    "random_sample",
    impl=lambda *inputs, stream, **attrs: _sample(stream.generator, inputs, **attrs),
    shape_rule=lambda *specs, stream, **attrs: _sample_rule(specs, **attrs),
    grad=None, same_dtype=False, random=True)

# Stateless: a pure function of its `[2]` seed input.
stateless_sample_p = primitive(
    "stateless_sample",
    impl=lambda seed, *inputs, **attrs: _sample(_seed_generator(seed), inputs, **attrs),
    shape_rule=lambda seed, *specs, **attrs: _sample_rule(specs, **attrs),
    grad=None, same_dtype=False)


def _state_sample_impl(rng_state, *inputs, **attrs):
    rng_state = np.asarray(rng_state, np.int64)
    counter = np.zeros(4, np.uint64)
    counter[:2] = rng_state[:2].view(np.uint64)
    bitgen = np.random.Philox(key=np.array([rng_state[2], 0], np.int64).view(np.uint64),
                              counter=counter)
    out = _sample(np.random.Generator(bitgen), inputs, **attrs)
    new_state = rng_state.copy()
    new_state[:2] = bitgen.state["state"]["counter"][:2].view(np.int64)
    return out, new_state


def _state_sample_rule(rng_state, *specs, **attrs):
    return _sample_rule(specs, **attrs), Spec((3,), dtypes.int64)


# A Generator's draw: reads its state, returns (sample, advanced state) for assignment.
state_sample_p = primitive(
    "rng_state_sample", impl=_state_sample_impl, shape_rule=_state_sample_rule,
    grad=None, same_dtype=False, random=True, multiple_results=True)


# --- argument handling --------------------------------------------------------------------
def _shape_arg(shape) -> tuple:
    """(extra inputs, static shape): a shape known only at run time becomes the first input."""
    if isinstance(shape, EagerTensor):
        return (), tuple(int(d) for d in np.reshape(shape.numpy(), -1))
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"Shape {shape} must be fully defined for a random op.")
        return (), tuple(shape.as_list())
    if isinstance(shape, Tensor):
        return (shape,), None
    if isinstance(shape, (int, np.integer)):
        return (), (int(shape),)
    if hasattr(shape, "_variable_read"):
        return (), tuple(int(d) for d in np.reshape(shape.numpy(), -1))
    dims = list(shape)
    if any(isinstance(d, Tensor) and not isinstance(d, EagerTensor) for d in dims):
        return (convert_to_tensor(dims),), None
    return (), tuple(int(d) for d in dims)


def _float_dtype(dtype, op: str) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Invalid dtype {dtype!r} for {op}: expected a floating point type "
                         f"(float16, bfloat16, float32 or float64).")
    return dtype


def _int_dtype(dtype, op: str) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.int32, dtypes.int64):
        raise ValueError(f"Invalid dtype {dtype!r} for {op}: expected int32 or int64.")
    return dtype


def _is_python(value, number) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == number


def _scale(rnd: Tensor, scale, shift, dtype: dtypes.DType) -> Tensor:
    """`rnd * scale + shift`, skipping the identity cases (the ops give gradients to both)."""
    if not _is_python(scale, 1):
        rnd = multiply(rnd, convert_to_tensor(scale, dtype))
    if not _is_python(shift, 0):
        rnd = add(rnd, convert_to_tensor(shift, dtype))
    return rnd


def _uniform_with(bind, lead: tuple, shape, minval, maxval, dtype, op: str):
    """tf.random.uniform's rule on any source: ints need maxval, floats are scaled."""
    dtype = dtypes.as_dtype(dtype)
    extra, static = _shape_arg(shape)
    if dtype.is_integer:
        _int_dtype(dtype, op)
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        low, high = convert_to_tensor(minval, dtype), convert_to_tensor(maxval, dtype)
        return bind(*lead, *extra, low, high, dist="uniform_int", shape=static,
                    dtype=dtype._numpy)
    _float_dtype(dtype, op)
    rnd = bind(*lead, *extra, dist="uniform", shape=static, dtype=dtype._numpy)
    maxval = 1 if maxval is None else maxval
    if _is_python(minval, 0) and _is_python(maxval, 1):
        return rnd
    low = convert_to_tensor(minval, dtype)
    high = convert_to_tensor(maxval, dtype)
    return add(multiply(rnd, subtract(high, low)), low)


def _stateful(seed):
    stream = _stream(seed)

    def bind(*inputs, **attrs):
        return _with_partial_shape(random_sample_p.bind(*inputs, stream=stream, **attrs),
                                   inputs, attrs)
    return bind


def _with_partial_shape(result, inputs, attrs):
    """A traced draw whose shape is a run-time tensor keeps the dims known at trace time
    (`tf.random.uniform(tf.shape(x))` has x's static dims, as in TF)."""
    if attrs.get("shape") is None and inputs and hasattr(result, "set_shape") \
            and not isinstance(result, EagerTensor):
        from eagerflow.ops.array import partial_shape_value

        partial = partial_shape_value(inputs[0])
        if partial is not None:
            result.set_shape(partial)
    return result


# --- stateful ops ------------------------------------------------------------------------
def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None) -> Tensor:
    """Uniform values in `[minval, maxval)` (`maxval` defaults to 1 for floats, and is required
    for integer dtypes).

    >>> tf.random.uniform([2, 3], maxval=10, dtype=tf.int32).shape
    TensorShape([2, 3])
    """
    return _uniform_with(_stateful(seed), (), shape, minval, maxval, dtype, "random.uniform")


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None) -> Tensor:
    """Values from a normal distribution with `mean` and `stddev`."""
    dtype = _float_dtype(dtype, "random.normal")
    extra, static = _shape_arg(shape)
    rnd = _stateful(seed)(*extra, dist="normal", shape=static, dtype=dtype._numpy)
    return _scale(rnd, stddev, mean, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                     name=None) -> Tensor:
    """Normal values, redrawn where more than 2 standard deviations from the mean."""
    dtype = _float_dtype(dtype, "random.truncated_normal")
    extra, static = _shape_arg(shape)
    rnd = _stateful(seed)(*extra, dist="truncated_normal", shape=static, dtype=dtype._numpy)
    return _scale(rnd, stddev, mean, dtype)


def _categorical_with(bind, lead, logits, num_samples, dtype):
    logits = convert_to_tensor(logits)
    if not logits.dtype.is_floating:
        raise InvalidArgumentError(None, None, f"Multinomial: logits must be floating point, "
                                   f"got {logits.dtype.name}")
    dtype = _int_dtype(dtypes.int64 if dtype is None else dtype, "random.categorical")
    num_samples = int(np.asarray(num_samples)) if not isinstance(num_samples, int) \
        else num_samples
    return bind(*lead, logits, dist="categorical", shape=(), dtype=dtype._numpy,
                num_samples=num_samples)


def categorical(logits, num_samples, dtype=None, seed=None, name=None) -> Tensor:
    """Class indices drawn from `softmax(logits)`: shape `[batch, num_samples]`, int64."""
    return _categorical_with(_stateful(seed), (), logits, num_samples, dtype)


def shuffle(value, seed=None, name=None) -> Tensor:
    """`value` with its first dimension randomly permuted."""
    value = convert_to_tensor(value)
    return _stateful(seed)(value, dist="shuffle", shape=(), dtype=value.dtype._numpy)


def _gamma_with(bind, lead, shape, alpha, beta, dtype):
    dtype = _float_dtype(dtype, "random.gamma")
    alpha = convert_to_tensor(alpha, dtype)
    beta = convert_to_tensor(1 if beta is None else beta, dtype)
    extra, static = _shape_arg(shape)
    return bind(*lead, *extra, alpha, beta, dist="gamma", shape=static, dtype=dtype._numpy)


def gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None) -> Tensor:
    """Gamma(alpha, beta) samples of shape `shape + broadcast(alpha, beta).shape`."""
    return _gamma_with(_stateful(seed), (), shape, alpha, beta, dtype)


def _poisson_with(bind, lead, shape, lam, dtype):
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype in (dtypes.int32, dtypes.int64)):
        raise ValueError(f"Invalid dtype {dtype!r} for random.poisson")
    lam = convert_to_tensor(lam)
    extra, static = _shape_arg(shape)
    return bind(*lead, *extra, lam, dist="poisson", shape=static, dtype=dtype._numpy)


def poisson(shape, lam, dtype=dtypes.float32, seed=None, name=None) -> Tensor:
    """Poisson(lam) samples of shape `shape + lam.shape`."""
    return _poisson_with(_stateful(seed), (), shape, lam, dtype)


# --- stateless ops ------------------------------------------------------------------------
def _seed_tensor(seed) -> Tensor:
    seed = convert_to_tensor(seed)
    if not seed.dtype.is_integer:
        raise InvalidArgumentError(None, None, f"seed must be an int32 or int64 tensor of "
                                   f"shape [2], got dtype {seed.dtype.name}")
    shape = seed._shape_tuple()
    if shape is not None and (len(shape) != 1 or shape[0] not in (None, 2)):
        raise InvalidArgumentError(None, None, f"seed must have shape [2], not {list(shape)}")
    return seed


def _stateless_bind(*inputs, **attrs):
    return stateless_sample_p.bind(*inputs, **attrs)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None,
                      alg="auto_select") -> Tensor:
    """Deterministic uniform values: the same `seed` (shape [2]) gives the same numbers.

    For integer dtypes with both `minval` and `maxval` None, the full range is drawn.
    """
    seed = _seed_tensor(seed)
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_integer and maxval is None and minval is None:
        extra, static = _shape_arg(shape)
        if dtype not in (dtypes.int32, dtypes.int64, dtypes.uint32, dtypes.uint64):
            raise ValueError(f"Invalid dtype {dtype!r} for stateless_uniform")
        return stateless_sample_p.bind(seed, *extra, dist="uniform_full_int", shape=static,
                                       dtype=dtype._numpy)
    if dtype.is_integer and (minval is None or maxval is None):
        raise ValueError("For integer dtype, minval and maxval must be both `None` or both "
                         f"non-`None`; got minval={minval} and maxval={maxval}.")
    minval = 0 if minval is None else minval
    return _uniform_with(_stateless_bind, (seed,), shape, minval, maxval, dtype,
                         "random.stateless_uniform")


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                     alg="auto_select") -> Tensor:
    """Deterministic normal values for a `[2]` seed."""
    dtype = _float_dtype(dtype, "random.stateless_normal")
    extra, static = _shape_arg(shape)
    rnd = stateless_sample_p.bind(_seed_tensor(seed), *extra, dist="normal", shape=static,
                                  dtype=dtype._numpy)
    return _scale(rnd, stddev, mean, dtype)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                               name=None, alg="auto_select") -> Tensor:
    """Deterministic truncated normal values (within 2 stddev) for a `[2]` seed."""
    dtype = _float_dtype(dtype, "random.stateless_truncated_normal")
    extra, static = _shape_arg(shape)
    rnd = stateless_sample_p.bind(_seed_tensor(seed), *extra, dist="truncated_normal",
                                  shape=static, dtype=dtype._numpy)
    return _scale(rnd, stddev, mean, dtype)


def stateless_categorical(logits, num_samples, seed, dtype=dtypes.int64, name=None) -> Tensor:
    """Deterministic categorical samples for a `[2]` seed."""
    return _categorical_with(_stateless_bind, (_seed_tensor(seed),), logits, num_samples,
                             dtype)


def stateless_gamma(shape, seed, alpha, beta=None, dtype=dtypes.float32, name=None) -> Tensor:
    return _gamma_with(_stateless_bind, (_seed_tensor(seed),), shape, alpha, beta, dtype)


def stateless_poisson(shape, seed, lam, dtype=dtypes.int32, name=None) -> Tensor:
    return _poisson_with(_stateless_bind, (_seed_tensor(seed),), shape, lam, dtype)


def stateless_split(seed, num=2, alg="auto_select") -> Tensor:
    """`num` new `[2]` seeds (shape `[num, 2]`, int64) derived from `seed`."""
    return stateless_uniform([num, 2], seed, dtype=dtypes.int64, minval=None, maxval=None)


def stateless_fold_in(seed, data, alg="auto_select") -> Tensor:
    """A new `[2]` seed (int64) from `seed` and an integer scalar `data`."""
    data = convert_to_tensor(data, dtypes.int64) if not isinstance(data, Tensor) else data
    return stateless_sample_p.bind(_seed_tensor(seed), data, dist="fold_in", shape=(2,),
                                   dtype=np.dtype(np.int64))


# --- tf.random.Generator --------------------------------------------------------------------
class Algorithm(enum.Enum):
    """RNG algorithms (`tf.random.Algorithm`); this implementation runs Philox for all."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def _state_from_seed(seed) -> np.ndarray:
    """The state `[counter_lo, counter_hi, key]` of a Philox generator seeded with `seed`."""
    words = np.asarray(seed).reshape(-1)
    mixed = np.random.SeedSequence([int(w) & _MASK64 for w in words]).generate_state(1,
                                                                                    np.uint64)
    return np.array([0, 0, mixed[0]], dtype=np.uint64).view(np.int64)


def create_rng_state(seed, alg) -> np.ndarray:
    """The int64 state vector `tf.random.Generator(state=...)` takes for `seed`."""
    return _state_from_seed(seed)


class Generator:
    """A random number generator whose state is a `tf.Variable` (`tf.random.Generator`).

    Each draw reads the state and assigns the advanced state, so draws inside a compiled
    function advance it at every call, and two generators from the same seed agree.

    >>> g = tf.random.Generator.from_seed(1)
    >>> g.normal([2]).shape
    TensorShape([2])
    """

    def __init__(self, copy_from=None, state=None, alg=None) -> None:
        if copy_from is not None:
            state, alg = copy_from.state.numpy(), copy_from.algorithm
        elif state is None:
            raise ValueError("Generator needs `copy_from` or `state`; use "
                             "Generator.from_seed or Generator.from_non_deterministic_state.")
        self._alg = _algorithm(alg)
        self._state_var = Variable(_state_vector(state), trainable=False, dtype=dtypes.int64,
                                   name="StateVar")

    # --- construction ---------------------------------------------------------------------
    @classmethod
    def from_seed(cls, seed, alg=None) -> Generator:
        return cls(state=_state_from_seed(seed), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None) -> Generator:
        entropy = np.random.SeedSequence().generate_state(2, np.uint64)
        return cls(state=_state_from_seed(entropy), alg=alg)

    @classmethod
    def from_state(cls, state, alg) -> Generator:
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg) -> Generator:
        counter = np.asarray(counter, np.int64).reshape(-1)
        return cls(state=np.concatenate([counter[:2], np.asarray(key, np.int64).reshape(1)]),
                   alg=alg)

    def reset(self, state) -> None:
        self._state_var.assign(_state_vector(state))

    def reset_from_seed(self, seed) -> None:
        self._state_var.assign(_state_from_seed(seed))

    def reset_from_key_counter(self, key, counter) -> None:
        counter = np.asarray(counter, np.int64).reshape(-1)
        self._state_var.assign(np.concatenate([counter[:2],
                                               np.asarray(key, np.int64).reshape(1)]))

    # --- properties -----------------------------------------------------------------------
    @property
    def state(self) -> Variable:
        """The int64 state variable `[counter_lo, counter_hi, key]`."""
        return self._state_var

    @property
    def algorithm(self) -> int:
        return self._alg

    @property
    def key(self) -> Tensor:
        return self._state_var.read_value()[-1]

    def skip(self, delta) -> None:
        """Advance the counter as if `delta` blocks had been drawn."""
        value = self._state_var.numpy().copy()
        counter = value[:2].view(np.uint64)
        low = (int(counter[0]) + int(delta)) & _MASK64
        carry = (int(counter[0]) + int(delta)) >> 64
        counter[:] = [low, (int(counter[1]) + carry) & _MASK64]
        self._state_var.assign(value)

    # --- draws ----------------------------------------------------------------------------
    def _draw(self, *inputs, **attrs):
        value, new_state = state_sample_p.bind(self._state_var, *inputs, **attrs)
        value = _with_partial_shape(value, inputs, attrs)
        self._state_var.assign(new_state, read_value=False)
        return value

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None) -> Tensor:
        return _uniform_with(self._draw, (), shape, minval, maxval, dtype,
                             "Generator.uniform")

    def uniform_full_int(self, shape, dtype=dtypes.uint64, name=None) -> Tensor:
        dtype = dtypes.as_dtype(dtype)
        if not dtype.is_integer:
            raise ValueError(f"Invalid dtype {dtype!r} for uniform_full_int")
        extra, static = _shape_arg(shape)
        return self._draw(*extra, dist="uniform_full_int", shape=static, dtype=dtype._numpy)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None) -> Tensor:
        dtype = _float_dtype(dtype, "Generator.normal")
        extra, static = _shape_arg(shape)
        rnd = self._draw(*extra, dist="normal", shape=static, dtype=dtype._numpy)
        return _scale(rnd, stddev, mean, dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                         name=None) -> Tensor:
        dtype = _float_dtype(dtype, "Generator.truncated_normal")
        extra, static = _shape_arg(shape)
        rnd = self._draw(*extra, dist="truncated_normal", shape=static, dtype=dtype._numpy)
        return _scale(rnd, stddev, mean, dtype)

    def make_seeds(self, count=1) -> Tensor:
        """`count` seeds for stateless ops, as an int64 tensor of shape `[2, count]`."""
        return self._draw(dist="uniform_full_int", shape=(2, int(count)),
                          dtype=np.dtype(np.int64))

    def split(self, count=1) -> list:
        """`count` new independent generators; this one's state advances."""
        keys = self._draw(dist="uniform_full_int", shape=(int(count),),
                          dtype=np.dtype(np.int64))
        return [Generator(state=np.array([0, 0, int(k)], np.int64), alg=self._alg)
                for k in np.asarray(keys)]

    def __repr__(self) -> str:
        return f"<tf.random.Generator state={self._state_var.numpy().tolist()}>"


def _algorithm(alg) -> int:
    if alg is None or alg in ("philox", "auto_select", Algorithm.PHILOX, Algorithm.AUTO_SELECT):
        return Algorithm.PHILOX.value
    if isinstance(alg, Algorithm):
        return alg.value
    if alg == "threefry":
        return Algorithm.THREEFRY.value
    if isinstance(alg, (int, np.integer)) and int(alg) in (1, 2, 3):
        return 1 if int(alg) == 3 else int(alg)
    raise ValueError(f"Unsupported random algorithm {alg!r}; use 'philox'.")


def _state_vector(state) -> np.ndarray:
    value = np.asarray(state.numpy() if hasattr(state, "numpy") else state)
    value = value.astype(np.int64).reshape(-1)
    if value.size != 3:
        raise ValueError(f"A Philox generator state must have 3 int64 elements, got "
                         f"{value.size}")
    return value


def get_global_generator() -> Generator:
    """The global Generator (created from non-deterministic state on first use)."""
    if state.random_generator is None:
        state.random_generator = Generator.from_non_deterministic_state()
    return state.random_generator


def set_global_generator(generator: Generator) -> None:
    """Replace the global Generator."""
    state.random_generator = generator


experimental = types.SimpleNamespace(
    stateless_split=stateless_split, stateless_fold_in=stateless_fold_in,
    Generator=Generator, Algorithm=Algorithm, create_rng_state=create_rng_state,
    get_global_generator=get_global_generator, set_global_generator=set_global_generator)
