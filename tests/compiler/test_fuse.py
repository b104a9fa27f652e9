"""Fusion: elementwise trees and matmul + bias + activation in one node, bit-identical."""

import warnings

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.compiler.passes.dce import eliminate_dead_code
from eagerflow.compiler.passes.fuse import FusedOp, fits_into, fuse, ufunc_of
from eagerflow.core.primitive import REGISTRY
from eagerflow.graph.interpreter import run_arrays
from tests.compiler import execute, function, ops, run_passes, same_bits, text

PASSES = [eliminate_dead_code, fuse]


def fused(fn, *args, signature=None):
    return run_passes(PASSES, fn, *args, signature=signature)


def check_compiled(fn, *arrays, signature=None):
    """Compiled (all passes) equals eager bit for bit; inputs are left unchanged."""
    copies = [np.array(a, copy=True) for a in arrays]
    compiled = function(fn, input_signature=signature)
    got = compiled(*[tf.constant(a) for a in arrays])
    want = fn(*[tf.constant(a) for a in arrays])
    got, want = (list(got), list(want)) if isinstance(want, tuple) else ([got], [want])
    for g, w in zip(got, want):
        assert same_bits(g.numpy(), w.numpy())
    for a, c in zip(arrays, copies):
        assert same_bits(a, c)
    return compiled


def chain(x):
    return tf.exp(x * 2.0 + 1.0)


def test_chain_becomes_one_node():
    graph = fused(chain, tf.ones([3]))
    assert text(graph) == (
        "graph chain(%in0: float32[3]) {\n"
        "  %0: float32[] = constant 2.0\n"
        "  %1: float32[] = constant 1.0\n"
        "  %2: float32[3] = fused_multiply_add_exp(%in0, %0, %1)\n"
        "  return (%2)\n}")
    assert isinstance(graph.nodes[-1].op, FusedOp) and graph.nodes[-1].op.grad is None


def test_chain_source_writes_in_place_into_one_buffer():
    source = function(chain).get_concrete_function(tf.ones([3])).python_source
    body = [line.strip() for line in source.splitlines()[1:] if not line.strip().startswith("#")]
    assert body == [
        "t0 = multiply_3(a0, const1)",
        "add_4(t0, const2, out=t0)",
        "t0_quiet = quiet_on_6()",
        "try:",
        "exp_5(t0, out=t0)",
        "finally:",
        "quiet_off_7(t0_quiet)",
        "return (t0,)"]


def test_quiet_steps_stay_silent_and_restore_the_error_state():
    # exp overflows and log(-1) is invalid: silent (as eagerly, and as TF), and the caller's
    # NumPy error state is the same afterwards
    def overflow(x):
        return tf.math.log(tf.exp(x * 100.0) - 2.0)

    x = tf.constant([-1.0, 0.0, 10.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            eager = overflow(x).numpy()
            compiled = function(overflow)(x).numpy()
            assert np.geterr()["invalid"] == "raise"
    np.testing.assert_array_equal(eager, compiled)
    assert np.isnan(eager[0]) and np.isnan(eager[1]) and eager[2] == np.inf


def ten_op_chain(x, y):
    a = x * 1.5 + y
    b = tf.abs(a - 0.25) / 3.0
    c = tf.sqrt(b) * y
    d = tf.tanh(c) - tf.square(x)
    return tf.exp(-d)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_ten_op_chain_is_bit_identical(dtype):
    x = np.random.randn(50, 20).astype(dtype)
    y = np.random.randn(20).astype(dtype)
    x[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    compiled = check_compiled(ten_op_chain, x, y)
    graph = compiled.get_concrete_function(tf.constant(x), tf.constant(y)).optimized_graph
    assert ops(graph) == ["fused_multiply_add_subtract_abs_realdiv_sqrt_multiply_tanh_square_"
                          "subtract_negative_exp"]


def test_integer_and_boolean_chains():
    x = np.array([2**30, -7, 3, 0], dtype=np.int32)
    check_compiled(lambda x: (x * 3 + 1) * 2 - x, x)  # wraps around, as eagerly
    f = np.random.randn(6).astype(np.float32)
    check_compiled(lambda a: tf.logical_and(a * 2.0 > 0.5, a < 1.0), f)
    check_compiled(lambda a: tf.cast(a * 3.0 + 0.5 > 1.0, tf.float32) * a, f)


def test_shared_intermediate_is_not_absorbed():
    def f(x):
        a = x * 2.0
        return tf.exp(a) + a * 3.0

    graph = fused(f, tf.ones([3]))
    assert ops(graph) == ["multiply", "fused_exp_multiply_add"]
    check_compiled(f, np.random.rand(3).astype(np.float32))


def test_graph_output_is_not_absorbed():
    def f(x):
        a = x * 2.0
        return a, a + 1.0

    graph = fused(f, tf.ones([3]))
    assert ops(graph) == ["multiply", "add"]
    check_compiled(f, np.random.rand(3).astype(np.float32))


def test_broadcasting_steps():
    x = np.random.rand(4, 3).astype(np.float32)
    b = np.random.rand(3).astype(np.float32)
    check_compiled(lambda x, b: tf.exp(b) + x * 2.0, x, b)
    check_compiled(lambda x, b: (b * 2.0 + 1.0) * x, x, b)
    col = np.random.rand(4, 1).astype(np.float32)
    check_compiled(lambda c, b: tf.exp(c * 2.0 + b), col, b)


def test_unknown_dims_never_write_into_a_smaller_buffer():
    signature = [tf.TensorSpec([None, 3]), tf.TensorSpec([None, 3])]

    def f(a, b):
        return tf.exp(a * 2.0) * b + 1.0

    small = np.random.rand(1, 3).astype(np.float32)
    large = np.random.rand(4, 3).astype(np.float32)
    check_compiled(f, small, large, signature=signature)
    check_compiled(f, large, small, signature=signature)
    check_compiled(f, large, large, signature=signature)


def test_scalars_fuse_without_buffers():
    check_compiled(lambda x: tf.exp(x * 2.0 + 1.0), np.float32(0.5))


def test_variables_and_inputs_are_never_written():
    v = tf.Variable(np.random.rand(5).astype(np.float32))
    storage = v._value
    saved = storage.copy()

    @function
    def f(x):
        return tf.exp(v * 2.0 + x) - v

    x = np.random.rand(5).astype(np.float32)
    want = np.exp(saved * np.float32(2.0) + x) - saved
    for _ in range(2):
        assert same_bits(f(tf.constant(x)).numpy(), want)
    assert v._value is storage and same_bits(storage, saved)


def test_reference_interpreter_runs_fused_nodes():
    x = np.random.randn(8).astype(np.float32)
    y = np.random.randn(8).astype(np.float32)
    graph = fused(ten_op_chain, tf.constant(x), tf.constant(y))
    assert same_bits(run_arrays(graph, [x, y])[0], execute(graph, x, y)[0])


def test_errors_name_the_failing_step():
    signature = [tf.TensorSpec([None, 3]), tf.TensorSpec([None, 3])]
    compiled = function(lambda a, b: tf.exp(a * b + 1.0), input_signature=signature)
    a, b = tf.ones([2, 3]), tf.ones([4, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="multiply"):
        compiled(a, b)
    with pytest.raises(tf.errors.InvalidArgumentError, match="multiply"):
        tf.exp(a * b + 1.0)


def test_gradients_use_the_traced_graph():
    x = tf.constant(np.random.rand(4).astype(np.float32))
    compiled = function(ten_op_chain)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = compiled(x, x)
    with tf.GradientTape() as eager_tape:
        eager_tape.watch(x)
        z = ten_op_chain(x, x)
    assert np.allclose(tape.gradient(y, x).numpy(), eager_tape.gradient(z, x).numpy())


def test_matmul_bias_relu():
    x = np.random.randn(16, 8).astype(np.float32)
    w = np.random.randn(8, 4).astype(np.float32)
    b = np.random.randn(4).astype(np.float32)

    def dense(x, w, b):
        return tf.nn.relu(tf.matmul(x, w) + b)

    graph = fused(dense, tf.constant(x), tf.constant(w), tf.constant(b))
    assert ops(graph) == ["fused_matmul_add_relu"]
    compiled = check_compiled(dense, x, w, b)
    source = compiled.get_concrete_function(x, w, b).python_source
    assert "out=" in source and "maximum" in source


@pytest.mark.parametrize("activation", [tf.sigmoid, tf.tanh, tf.nn.relu])
def test_matmul_bias_add_activation(activation):
    x = np.random.randn(16, 8).astype(np.float32)
    w = np.random.randn(8, 4).astype(np.float32)
    b = np.random.randn(4).astype(np.float32)

    def dense(x, w, b):
        return activation(tf.nn.bias_add(tf.matmul(x, w), b))

    graph = fused(dense, tf.constant(x), tf.constant(w), tf.constant(b))
    assert len(ops(graph)) == 1 and ops(graph)[0].startswith("fused_matmul_bias_add_")
    check_compiled(dense, x, w, b)


def test_matmul_with_transposes_calls_its_kernel():
    x = np.random.randn(8, 16).astype(np.float32)
    w = np.random.randn(4, 8).astype(np.float32)

    def f(x, w):
        return tf.matmul(x, w, transpose_a=True, transpose_b=True) * 2.0

    graph = fused(f, tf.constant(x), tf.constant(w))
    assert ops(graph) == ["fused_matmul_multiply"]
    check_compiled(f, x, w)


def test_ufunc_detection_is_by_kernel():
    assert ufunc_of(REGISTRY["add"]) == (np.add, False)
    assert ufunc_of(REGISTRY["exp"]) == (np.exp, True)  # silenced, as eagerly
    assert ufunc_of(REGISTRY["reshape"]) is None


def test_fits_into():
    assert fits_into((4, 3), [(3,), (1, 3), ()])
    assert fits_into((None, 3), [(3,), (1, 3)])
    assert not fits_into((None, 3), [(None, 3)])  # may broadcast a size-1 dim up
    assert not fits_into((3,), [(4, 3)])
    assert not fits_into((), [()])
    assert not fits_into(None, [])


def test_steps_whose_numpy_dtype_differs_from_the_spec_are_not_fused():
    from eagerflow.compiler.passes.fuse import gives_dtype

    graph = fused(lambda x, y: tf.exp(x * y) > 1.0, tf.ones([2]), tf.ones([2]))
    multiply = next(n for n in graph.nodes[-1].op.steps if n.op.name == "multiply").node
    assert gives_dtype(np.multiply, multiply.inputs, (), multiply.outputs[0])
    x = multiply.inputs[:1]
    assert gives_dtype(np.multiply, x, (np.float32(2.0),), multiply.outputs[0])
    assert not gives_dtype(np.multiply, x, (np.float64(2.0),), multiply.outputs[0])
    assert not gives_dtype(np.add, multiply.inputs, (), graph.nodes[-1].outputs[0])  # bool
