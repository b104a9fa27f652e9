"""Every registered primitive is exercised, with its shape rule checked, by some op test.

The op families' harness tables (`CASES`, `DYNAMIC_CASES`) run once more under
the shape-checking builder, forward and through first and second derivatives,
which records each primitive dispatched (gradient-only primitives included),
and traced by tf.function with every dim unknown (with gradients), compared
with the eager values.
Primitives that only make sense elsewhere are covered by the named test modules.
"""

import importlib

import numpy as np
import pytest

import eagerflow as tf
import eagerflow.data  # noqa: F401 - registers its primitives: the registry is the same in any run
from eagerflow.core.primitive import REGISTRY
from tests.harness import EXERCISED, OpCase, _to_inputs, check_case, run_with_shape_checks

FAMILY_TESTS = ["tests.ops.test_math", "tests.ops.test_reduce", "tests.ops.test_array_basics",
                "tests.ops.test_array_creation", "tests.ops.test_array_joining",
                "tests.ops.test_array_layout", "tests.ops.test_array_partition",
                "tests.ops.test_indexing_table", "tests.ops.test_linalg", "tests.ops.test_nn",
                "tests.ops.test_run_time_slice_pad"]

# Primitives tested by dedicated modules rather than harness tables.
TESTED_ELSEWHERE = {
    # control flow: tests/ops/test_control_flow.py
    "cond", "stateful_cond", "while", "stateful_while", "tensor_array_new",
    "tensor_array_write", "tensor_array_read", "tensor_array_stack", "tensor_array_size",
    "tensor_array_unstack", "tensor_array_grad_read", "tensor_array_grad_scatter",
    "tensor_array_grad_stack", "tensor_array_add", "tensor_array_zeros_like",
    # while-loop gradient stacks: tests/ops/test_while_gradient.py
    "while_stack_new", "while_stack_push", "while_gradient_sweep",
    # variables: tests/function, tests/graph, tests/ops/test_indexing_table.py (slice assignment)
    "read_variable", "assign_variable", "strided_slice_assign",
    # random and debugging: tests/ops/test_random.py, tests/ops/test_debugging.py
    "random_sample", "stateless_sample", "rng_state_sample", "dropout_mask", "print",
    "assert", "check_numerics",
    # Python functions as ops: tests/ops/test_script.py
    "python_call",
    # Registered by tf.data: tests/data/test_parsing.py, test_transformations.py (reduce)
    "parse_single_example", "parse_example", "dataset_reduce", "iterator_get_next",
}


def _float_sum(out):
    total = None
    for o in tf.nest.flatten(out):
        if isinstance(o, tf.Tensor) and o.dtype.is_floating:
            term = tf.reduce_sum(o * o)
            total = term if total is None else total + term
    return total


def _exercise(case, allow_unknown: bool) -> None:
    def forward_and_gradients(*inputs):
        if case.grad is not None:
            watched = [inputs[i] for i in case.grad]
        else:
            watched = [x for x in inputs if isinstance(x, tf.Tensor) and x.dtype.is_floating]
        if not watched:
            case.fn(*inputs, **case.kwargs)
            return
        with tf.GradientTape(persistent=True) as outer:
            outer.watch(watched)
            with tf.GradientTape() as inner:
                inner.watch(watched)
                total = _float_sum(case.fn(*inputs, **case.kwargs))
            if total is None or not watched:
                return
            grads = [g for g in inner.gradient(total, watched) if g is not None]
            second = _float_sum(grads)
        if second is not None and case.order >= 2:
            outer.gradient(second, watched)

    args = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == np.float32 else a
            for a in case.args]
    run_with_shape_checks(forward_and_gradients, *_to_inputs(args),
                          allow_unknown_dims=allow_unknown)


X = np.arange(1, 25, dtype=np.float32).reshape(2, 3, 4) / 10


# Ops with a separate primitive for run-time (symbolic) shapes, reached when traced with
# unknown dims; and second-order paths no family table asks for.
EXTRA_CASES = [
    OpCase("reshape_runtime_shape", lambda x: tf.reshape(x, tf.stack([tf.shape(x)[0], -1])),
           (X,), lambda x: x.reshape(2, -1)),
    OpCase("fill_runtime_shape", lambda x: tf.fill(tf.shape(x), tf.constant(2.0, x.dtype)) * x,
           (X,), lambda x: 2.0 * x),
    OpCase("broadcast_to_runtime_shape", lambda v, x: tf.broadcast_to(v, tf.shape(x)),
           (X[0, 0], X), lambda v, x: np.broadcast_to(v, x.shape), grad=(0,)),
    OpCase("tile_runtime_multiples", lambda x: tf.tile(x, tf.shape(x)[:1] * 0 + 2)[0:3],
           (X[0, 0],), lambda x: np.tile(x, 2)[0:3]),
    OpCase("range_runtime_limit", lambda x: tf.cast(tf.range(tf.shape(x)[0]), x.dtype) * x,
           (X[0, 0],), lambda x: np.arange(4, dtype=np.float32) * x),
    OpCase("sequence_mask_runtime_maxlen",
           lambda n, x: tf.sequence_mask(n, maxlen=tf.shape(x)[0]),
           (np.array([1, 3], np.int32), X[0, 0]), lambda n, x: np.arange(4) < n[:, None],
           grad=()),
    OpCase("sort_second_order", lambda x: tf.sort(x * x, axis=-1), (X,),
           lambda x: np.sort(x * x, axis=-1), order=2),
    OpCase("qr", lambda x: tuple(tf.linalg.qr(x)), (X[0].T.copy(),),
           lambda x: list(np.linalg.qr(x)), grad=(), rtol=1e-4, atol=1e-5),
]


@pytest.mark.parametrize("case", EXTRA_CASES, ids=str)
def test_extra_case(case):
    check_case(case)


# Cases whose ops need some static dims (as in TF): tracing them with unknown dims raises.
NEED_STATIC_DIMS = {"unstack", "lstsq_tall", "lstsq_wide_regularized", "lrn"}


def _primitives_in(graph) -> set:
    names, stack = set(), [graph]
    while stack:
        g = stack.pop()
        for node in g.nodes:
            names.add(node.op.name)
            stack.extend(v for v in node.attrs.values() if hasattr(v, "nodes"))
    return names


def _traced_with_unknown_dims(case) -> None:
    """Trace the case (and its first-order gradients) with every dim unknown; compare values."""
    inputs = _to_inputs(case.args)
    positions = [i for i, x in enumerate(inputs) if isinstance(x, tf.Tensor)]

    def wrapper(*tensors):
        args = list(inputs)
        for position, tensor in zip(positions, tensors):
            args[position] = tensor
        watched = [t for t in tensors if t.dtype.is_floating] if case.grad != () else []
        with tf.GradientTape() as tape:
            tape.watch(watched)
            out = case.fn(*args, **case.kwargs)
            total = _float_sum(out)
        if total is not None and watched:
            tape.gradient(total, watched)
        return out

    specs = [tf.TensorSpec([None] * inputs[p].ndim, inputs[p].dtype) for p in positions]
    concrete = tf.function(wrapper, autograph=False).get_concrete_function(*specs)
    EXERCISED.update(_primitives_in(concrete.graph))
    got = concrete(*[inputs[p] for p in positions])
    want = case.fn(*inputs, **case.kwargs)
    for a, b in zip(tf.nest.flatten(got), tf.nest.flatten(want)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6,
                                   err_msg=case.name)


def test_every_primitive_is_exercised():
    import sys

    for module_name in FAMILY_TESTS + [__name__]:
        module = importlib.import_module(module_name) if module_name != __name__ else \
            sys.modules[__name__]
        for table in ("CASES", "DYNAMIC_CASES", "EXTRA_CASES"):
            for case in getattr(module, table, []):
                try:
                    _exercise(case, allow_unknown=table == "DYNAMIC_CASES")
                    if table != "DYNAMIC_CASES" and case.name not in NEED_STATIC_DIMS:
                        _traced_with_unknown_dims(case)
                except Exception as exc:
                    raise AssertionError(f"{module_name} {case.name}: {exc}") from exc
    for name in NEED_STATIC_DIMS:
        case = next(c for m in FAMILY_TESTS for c in importlib.import_module(m).CASES
                    if c.name == name)
        with pytest.raises(ValueError, match="known|infer"):
            _traced_with_unknown_dims(case)
    missing = sorted(set(REGISTRY) - EXERCISED - TESTED_ELSEWHERE)
    assert not missing, f"primitives no harness case dispatches: {missing}"
