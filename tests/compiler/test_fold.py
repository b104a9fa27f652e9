"""Constant folding: bounded, never of state, errors and warnings left to run time."""

import warnings

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.compiler.passes.dce import eliminate_dead_code
from eagerflow.compiler.passes.fold import MAX_ELEMENTS, fold_constants
from tests.compiler import execute, function, ops, run_passes, same_bits, text

PASSES = [fold_constants, eliminate_dead_code]


def folded(fn, *args, signature=None):
    return run_passes(PASSES, fn, *args, signature=signature)


def test_constant_subtree_folds():
    graph = folded(lambda x: x + (tf.constant(2.0) * 3.0 + 1.0), tf.ones([3]))
    assert text(graph) == (
        "graph _lambda_(%in0: float32[3]) {\n"
        "  %0: float32[] = constant 7.0\n"
        "  %1: float32[3] = add(%in0, %0)\n"
        "  return (%1)\n}")


def test_folded_values_equal_eager_bits():
    def f(x):
        c = tf.exp(tf.constant([0.1, 0.7, -3.0])) / tf.constant(3.0)
        return x * c, tf.reshape(tf.cast(c * 100.0, tf.int32), [3, 1])

    x = np.random.rand(3).astype(np.float32)
    graph = folded(f, tf.constant(x))
    assert ops(graph) == ["multiply"]
    for got, want in zip(execute(graph, x), f(tf.constant(x))):
        assert same_bits(got, want.numpy())


def test_size_bound():
    big = int(np.sqrt(MAX_ELEMENTS)) + 1
    graph = folded(lambda: tf.ones([big, big]) * 2.0)
    assert ops(graph) == ["multiply"]
    graph = folded(lambda: tf.ones([100, 100]) * 2.0)
    assert ops(graph) == []
    assert np.all(graph.outputs[0].node.value == 2.0)


def test_multiple_results_fold():
    graph = folded(lambda: tf.unstack(tf.constant([[1.0, 2.0], [3.0, 4.0]])))
    assert ops(graph) == []
    assert [n.value.tolist() for n in graph.nodes] == [[1.0, 2.0], [3.0, 4.0]]


def test_errors_happen_at_run_time():
    def f():
        return tf.math.floordiv(tf.constant(1), tf.constant(0))

    graph = folded(f)
    assert ops(graph) == ["floordiv"]
    compiled = function(f)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        compiled()
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        f()


def test_floating_point_warnings_are_not_folded_away():
    graph = folded(lambda: tf.constant(1e30) * tf.constant(1e30))
    assert ops(graph) == ["multiply"]
    compiled = function(lambda: tf.constant(1e30) * tf.constant(1e30))
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert compiled().numpy() == np.inf


def test_silent_kernels_fold_silently():
    # realdiv and exp give inf quietly, as TF does: folding them changes nothing visible
    graph = folded(lambda: (tf.constant(1.0) / tf.constant(0.0), tf.exp(tf.constant(1000.0))))
    assert ops(graph) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [float(v.node.value) for v in graph.outputs] == [np.inf, np.inf]


def test_random_ops_are_not_folded():
    def f():
        return tf.random.uniform([3]) + tf.constant(1.0)

    graph = folded(f)
    assert "add" in ops(graph)
    compiled = function(f)
    assert not np.array_equal(compiled().numpy(), compiled().numpy())


def test_variable_reads_are_not_folded():
    v = tf.Variable([1.0, 2.0])

    @function
    def f():
        return v * 2.0

    assert np.array_equal(f().numpy(), [2.0, 4.0])
    v.assign([5.0, 6.0])
    assert np.array_equal(f().numpy(), [10.0, 12.0])
    assert "read_variable" in ops(f.get_concrete_function().optimized_graph)


def test_random_inside_cond_is_not_folded():
    def f():
        return tf.cond(tf.constant(True), lambda: tf.random.uniform([4]),
                       lambda: tf.zeros([4]))

    compiled = function(f)
    assert not np.array_equal(compiled().numpy(), compiled().numpy())


def test_shape_of_the_folded_value_matches():
    graph = folded(lambda: tf.reshape(tf.constant([1, 2, 3, 4]), [2, 2]))
    (value,) = graph.outputs
    assert value.shape.as_list() == [2, 2] and value.node.value.shape == (2, 2)
    assert value.node.value.dtype == np.int32
