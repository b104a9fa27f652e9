"""Shared pieces of the array and indexing op tests: random inputs, NumPy references and
the check of ops whose output shape depends on values."""

import numpy as np

import eagerflow as tf
from eagerflow.core.context import state
from eagerflow.core.primitive import Spec
from eagerflow.core.tensor import wrap
from tests.harness import check_gradients

rng = np.random.RandomState(0)


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def i32(*values):
    return np.array(values, np.int32)


def np_gather_batched(params, indices, axis, batch_dims):
    """Reference: loop over the batch (fine for tests)."""
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
    return np.stack([np_gather_batched(p, i, axis - 1, batch_dims - 1)
                     for p, i in zip(params, indices)])


def np_gather_nd(params, indices):
    out = [params[tuple(ix)] for ix in indices.reshape(-1, indices.shape[-1])]
    depth = indices.shape[-1]
    return np.array(out, params.dtype).reshape(indices.shape[:-1] + params.shape[depth:])


def np_scatter(tensor, indices, updates, ufunc):
    out = tensor.copy()
    flat = indices.reshape(-1, indices.shape[-1])
    ups = updates.reshape((len(flat),) + tensor.shape[indices.shape[-1]:])
    for ix, u in zip(flat, ups):
        out[tuple(ix)] = u if ufunc is None else ufunc(out[tuple(ix)], u)
    return out


X234 = f32(2, 3, 4)
X23 = f32(2, 3)
PADS = [[1, 2], [2, 1]]


class _RelaxedBuilder:
    """Runs each primitive and checks its rule given all-unknown input dims."""

    def __init__(self):
        self.seen = []

    def apply(self, prim, tensors, attrs):
        arrays = [t._value for t in tensors]
        out = prim.impl(*arrays, **attrs)
        outs = tuple(out) if prim.multiple_results else (out,)
        given = [Spec((None,) * np.ndim(a), t.dtype) for a, t in zip(arrays, tensors)]
        rule = prim.shape_rule(*given, **attrs)
        rules = tuple(rule) if prim.multiple_results else (rule,)
        for r, o in zip(rules, outs):
            assert r.dtype._numpy == np.asarray(o).dtype, prim.name
            if r.shape is not None:
                assert len(r.shape) == np.ndim(o), prim.name
                assert all(d is None or d == k for d, k in zip(r.shape, np.shape(o))), prim.name
        self.seen.append(prim.name)
        wrapped = tuple(wrap(np.asarray(o)) for o in outs)
        return wrapped if prim.multiple_results else wrapped[0]

    def constant(self, array):
        return wrap(array)


def _check_relaxed_rules(case):
    builder = _RelaxedBuilder()
    previous = state.set_builder(builder)
    try:
        case.fn(*[tf.constant(a) if isinstance(a, np.ndarray) else a for a in case.args])
    finally:
        state.set_builder(previous)
    assert builder.seen


def check_dynamic_case(case) -> None:
    """Values, rules relaxed to unknown dims and gradients of an op whose output shape
    depends on values (check_case refuses rules with None dims for known inputs)."""
    out = case.fn(*[tf.constant(a) for a in case.args])
    expected = case.reference(*case.args)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    expected = list(expected) if isinstance(expected, list) else [expected]
    for o, e in zip(outs, expected):
        assert o.dtype._numpy == np.asarray(e).dtype
        np.testing.assert_array_equal(o.numpy(), e)
    _check_relaxed_rules(case)
    check_gradients(case)
