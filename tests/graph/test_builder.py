"""The tracer context: capturing, locations, errors at trace time, init_scope."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.graph.builder import GraphBuilder, tracing
from eagerflow.graph.ir import Graph


def test_eager_tensors_captured_once_as_constants():
    outside = tf.constant([1.0, 2.0])
    graph = Graph("g")
    builder = GraphBuilder(graph)
    with tracing(builder):
        a = outside + outside
        b = outside * 2.0
        assert not tf.executing_eagerly()
    assert tf.executing_eagerly()
    constants = [n for n in graph.nodes if n.op.name == "constant"]
    assert sum(n.value is outside._value for n in constants) == 1
    assert a.shape.as_list() == [2] and b.dtype == tf.float32


def test_executing_eagerly_inside_and_outside():
    seen = []

    @tf.function
    def f(x):
        seen.append(tf.executing_eagerly())
        return x

    f(tf.constant(1.0))
    assert seen == [False] and tf.executing_eagerly()


def test_dtype_error_at_trace_time_names_op_and_line():
    @tf.function
    def f(x, y):
        return x * y

    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        f(tf.constant(1.0), tf.constant(1))
    message = str(info.value)
    assert "multiply" in message and "test_builder.py" in message


def test_init_scope_runs_eagerly_inside_a_trace():
    results = []

    @tf.function
    def f(x):
        with tf.init_scope():
            results.append(tf.executing_eagerly())
            results.append(tf.constant(3.0) * 2.0)
        return x

    f(tf.constant(1.0))
    assert results[0] is True and float(results[1]) == 6.0


def test_symbolic_tensor_leaking_out_of_a_function_raises():
    leaked = []

    @tf.function
    def f(x):
        leaked.append(x * 2.0)
        return x

    f(tf.constant(1.0))
    with pytest.raises(TypeError, match="outside the tf.function"):
        leaked[0] + 1.0


def test_numpy_arrays_key_by_shape_and_dtype():
    f = tf.function(lambda x: x * 2)
    np.testing.assert_allclose(f(np.array([1.0, 2.0])).numpy(), [2.0, 4.0])
    f(np.array([3.0, 4.0]))
    assert f.experimental_get_tracing_count() == 1
