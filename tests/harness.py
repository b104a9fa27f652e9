"""The registry-driven op test harness: one `OpCase` line tests a public op completely.

`check_case` runs the op eagerly and compares with a NumPy reference (values,
dtype, shape), checks every primitive it dispatches against its shape rule
(with known and with unknown dims), runs it compiled with tf.function and
compares, and checks gradients against central finite differences (second
order too when asked).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

import eagerflow as tf
from eagerflow.core.context import state
from eagerflow.core.primitive import Spec
from eagerflow.core.tensor import EagerTensor, wrap

EXERCISED: set = set()  # names of the primitives some case has run


@dataclasses.dataclass
class OpCase:
    """One test of a public op: `fn(*args, **kwargs)` against `reference(*args, **kwargs)`.

    NumPy arrays in `args` become tensors; other values are passed as they are.
    `grad`: indices of args to differentiate (None: every floating array arg;
    () for none). `order=2` also checks second derivatives.
    """

    name: str
    fn: Callable
    args: tuple
    reference: Callable | None = None
    kwargs: dict = dataclasses.field(default_factory=dict)
    grad: tuple | None = None
    order: int = 1
    rtol: float = 1e-5
    atol: float = 1e-6
    grad_rtol: float = 1e-4
    grad_atol: float = 1e-5
    check_dtype: bool = True
    compiled: bool = True  # also run it inside tf.function and compare (False for random ops)

    def __str__(self) -> str:
        return self.name


class ShapeCheckingBuilder:
    """A builder that runs each primitive eagerly and checks its shape rule on the way.

    `allow_unknown`: rules may leave dims unknown for known inputs (ops whose output
    shape depends on values, e.g. boolean_mask, unique).
    """

    def __init__(self, allow_unknown: bool = False) -> None:
        self.allow_unknown = allow_unknown

    def apply(self, prim, tensors, attrs):
        EXERCISED.add(prim.name)
        arrays = [t._value for t in tensors]
        prim.check_dtypes([t.dtype for t in tensors])
        out = prim.impl(*arrays, **attrs)
        outs = tuple(out) if prim.multiple_results else (out,)
        specs = [Spec(np.shape(a), t.dtype) for a, t in zip(arrays, tensors)]
        for relaxed in (False, True):
            given = specs if not relaxed else [Spec((None,) * len(s.shape), s.dtype)
                                               for s in specs]
            rule = prim.shape_rule(*given, **attrs)
            rules = tuple(rule) if prim.multiple_results else (rule,)
            assert len(rules) == len(outs), f"{prim.name}: rule gives {len(rules)} outputs"
            for r, o in zip(rules, outs):
                actual = tf.dtypes.from_numpy(np.asarray(o).dtype)
                assert r.dtype == actual, f"{prim.name}: rule dtype {r.dtype} vs kernel {actual}"
                if r.shape is None:
                    assert relaxed, f"{prim.name}: rule lost the rank with known input shapes"
                    continue
                shape = np.shape(o)
                assert len(r.shape) == len(shape) and all(
                    d is None or d == k for d, k in zip(r.shape, shape)), (
                    f"{prim.name}: rule shape {r.shape} vs kernel {shape} (relaxed={relaxed})")
                if not relaxed and not self.allow_unknown:
                    assert None not in r.shape, f"{prim.name}: rule left a dim unknown: {r.shape}"
        wrapped = tuple(wrap(o) for o in outs)
        return wrapped if prim.multiple_results else wrapped[0]

    def constant(self, array):
        return wrap(array)

    def read_variable(self, variable):
        return wrap(variable._value)

    def assign_variable(self, variable, tensor):
        variable._value = tensor._value

    def on_variable_created(self, variable):
        pass

    def lift_initial_value(self, initial_value):
        return initial_value() if callable(initial_value) else initial_value


def _to_inputs(args, dtype=None):
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            out.append(tf.constant(a if dtype is None or a.dtype.kind != "f" else a.astype(dtype)))
        else:
            out.append(a)
    return out


def _numpy(x):
    if isinstance(x, (list, tuple)):
        return [_numpy(v) for v in x]
    if isinstance(x, EagerTensor):
        return x.numpy()
    return x


def _assert_matches(actual, expected, case: OpCase):
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected), case.name
        for a, e in zip(actual, expected):
            _assert_matches(a, e, case)
        return
    expected = np.asarray(expected)
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, (
        f"{case.name}: shape {actual.shape} vs {expected.shape}")
    if case.check_dtype:
        assert actual.dtype == expected.dtype, (
            f"{case.name}: dtype {actual.dtype} vs {expected.dtype}")
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(actual, expected, rtol=case.rtol, atol=case.atol,
                                   err_msg=case.name)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=case.name)


def run_with_shape_checks(fn, *args, allow_unknown_dims: bool = False, **kwargs):
    previous = state.set_builder(ShapeCheckingBuilder(allow_unknown_dims))
    try:
        return fn(*args, **kwargs)
    finally:
        state.set_builder(previous)


def check_values(case: OpCase) -> None:
    inputs = _to_inputs(case.args)
    eager = case.fn(*inputs, **case.kwargs)
    checked = run_with_shape_checks(case.fn, *_to_inputs(case.args), **case.kwargs)
    _assert_matches(_numpy(checked), _numpy(eager), case)
    if case.reference is not None:
        _assert_matches(_numpy(eager), case.reference(*case.args, **case.kwargs), case)


def _grad_indices(case: OpCase) -> list:
    if case.grad is not None:
        return list(case.grad)
    return [i for i, a in enumerate(case.args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def _scalar_objective(case, args64, cotangents):
    out = case.fn(*args64, **case.kwargs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    total = None
    for o, v in zip(outs, cotangents):
        if v is None:
            continue
        term = tf.reduce_sum(tf.multiply(o, tf.constant(v)))
        total = term if total is None else total + term
    return total


def check_gradients(case: OpCase, eps: float = 1e-6) -> None:
    """Tape gradients of sum(out * v) against central differences, in float64."""
    indices = _grad_indices(case)
    if not indices:
        return
    args64 = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
              for a in case.args]
    probe = case.fn(*_to_inputs(args64), **case.kwargs)
    probes = probe if isinstance(probe, (list, tuple)) else [probe]
    rng = np.random.RandomState(1)
    cotangents = [rng.uniform(-1, 1, np.shape(p)) if p.dtype.is_floating else None
                  for p in probes]

    def objective(values):
        return float(_scalar_objective(case, _to_inputs(values), cotangents))

    tensors = _to_inputs(args64)
    with tf.GradientTape(persistent=True) as tape:
        for i in indices:
            tape.watch(tensors[i])
        total = _scalar_objective(case, tensors, cotangents)
    grads = tape.gradient(total, [tensors[i] for i in indices])
    for i, g in zip(indices, grads):
        numeric = np.zeros_like(args64[i])
        for j in range(args64[i].size):
            plus = [a.copy() if isinstance(a, np.ndarray) else a for a in args64]
            minus = [a.copy() if isinstance(a, np.ndarray) else a for a in args64]
            plus[i].reshape(-1)[j] += eps
            minus[i].reshape(-1)[j] -= eps
            numeric.reshape(-1)[j] = (objective(plus) - objective(minus)) / (2 * eps)
        assert g is not None, f"{case.name}: no gradient for argument {i}"
        np.testing.assert_allclose(g.numpy(), numeric, rtol=case.grad_rtol, atol=case.grad_atol,
                                   err_msg=f"{case.name}: gradient of argument {i}")
    if case.order >= 2:
        _check_second_order(case, args64, indices, cotangents, eps=1e-4)


def _check_second_order(case, args64, indices, cotangents, eps):
    """d/dx (grad . w) from nested tapes against differences of first-order gradients."""
    rng = np.random.RandomState(2)
    weights = [rng.uniform(-1, 1, np.shape(args64[i])) for i in indices]

    def first_order(values, outer=None):
        tensors = _to_inputs(values)
        with tf.GradientTape() as inner:
            for i in indices:
                inner.watch(tensors[i])
            total = _scalar_objective(case, tensors, cotangents)
        grads = inner.gradient(total, [tensors[i] for i in indices])
        return tensors, sum(tf.reduce_sum(g * w) for g, w in zip(grads, weights) if g is not None)

    tensors = _to_inputs(args64)
    with tf.GradientTape() as outer:
        for i in indices:
            outer.watch(tensors[i])
        with tf.GradientTape() as inner:
            for i in indices:
                inner.watch(tensors[i])
            total = _scalar_objective(case, tensors, cotangents)
        grads = inner.gradient(total, [tensors[i] for i in indices])
        dot = None
        for g, w in zip(grads, weights):
            if g is not None:
                term = tf.reduce_sum(g * w)
                dot = term if dot is None else dot + term
    second = outer.gradient(dot, [tensors[i] for i in indices])
    for i, s in zip(indices, second):
        numeric = np.zeros_like(args64[i])
        for j in range(args64[i].size):
            plus = [a.copy() if isinstance(a, np.ndarray) else a for a in args64]
            minus = [a.copy() if isinstance(a, np.ndarray) else a for a in args64]
            plus[i].reshape(-1)[j] += eps
            minus[i].reshape(-1)[j] -= eps
            numeric.reshape(-1)[j] = (float(first_order(plus)[1]) -
                                      float(first_order(minus)[1])) / (2 * eps)
        got = np.zeros_like(numeric) if s is None else s.numpy()
        np.testing.assert_allclose(got, numeric, rtol=1e-3, atol=1e-4,
                                   err_msg=f"{case.name}: second derivative of argument {i}")


def check_compiled(case: OpCase) -> None:
    """The op inside tf.function (traced, optimized, generated code) gives the eager result."""
    eager = case.fn(*_to_inputs(case.args), **case.kwargs)
    compiled = tf.function(case.fn)(*_to_inputs(case.args), **case.kwargs)
    _assert_matches(_numpy(compiled), _numpy(eager), case)


def check_case(case: OpCase) -> None:
    """Everything the harness checks for one case: eager values, shape rules, compiled values,
    gradients."""
    check_values(case)
    if case.compiled:
        check_compiled(case)
    check_gradients(case)
