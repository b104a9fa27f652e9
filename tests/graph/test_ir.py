"""The graph IR: nodes in program order, symbolic tensors with static specs, copies."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.graph.ir import CONSTANT, PLACEHOLDER, SymbolicTensor, copy_graph


def traced(fn, *args):
    return tf.function(fn).get_concrete_function(*args).graph


def test_nodes_in_program_order_with_specs():
    graph = traced(lambda x: tf.exp(x * 2.0) + x, tf.TensorSpec([None, 3], tf.float32))
    ops = [node.op.name for node in graph.nodes]
    assert ops == ["placeholder", "constant", "multiply", "exp", "add"]
    out = graph.outputs[0]
    assert isinstance(out, SymbolicTensor) and isinstance(out, tf.Tensor)
    assert out.shape.as_list() == [None, 3] and out.dtype == tf.float32


def test_symbolic_tensor_refuses_numpy_and_bool():
    def f(x):
        with pytest.raises(NotImplementedError, match="symbolic"):
            np.asarray(x)
        with pytest.raises(NotImplementedError):
            x.numpy()
        return x

    traced(f, tf.TensorSpec([2], tf.float32))


def test_copy_graph_is_independent():
    graph = traced(lambda x: x + 1.0, tf.TensorSpec([2], tf.float32))
    copy = copy_graph(graph)
    assert [n.op for n in copy.nodes] == [n.op for n in graph.nodes]
    assert all(a is not b for a, b in zip(copy.nodes, graph.nodes))
    copy.nodes.pop()
    assert len(graph.nodes) == len(copy.nodes) + 1
    assert copy.inputs[0].node.op is PLACEHOLDER


def test_variables_are_captured_as_handles_not_values():
    v = tf.Variable([1.0, 2.0])
    graph = traced(lambda x: v * x, tf.TensorSpec([2], tf.float32))
    constants = [n for n in graph.nodes if n.op is CONSTANT]
    assert any(n.value is v for n in constants)
    assert any(n.op.name == "read_variable" for n in graph.nodes)
