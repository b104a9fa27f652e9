"""Common-subexpression elimination: equal computations merge, state never does."""

import numpy as np

import eagerflow as tf
from eagerflow.compiler.passes.cse import eliminate_common_subexpressions
from eagerflow.compiler.passes.dce import eliminate_dead_code
from tests.compiler import execute, function, ops, run_passes, same_bits, text

PASSES = [eliminate_common_subexpressions, eliminate_dead_code]


def merged(fn, *args, signature=None):
    return run_passes(PASSES, fn, *args, signature=signature)


def test_repeated_expression_merges():
    def f(x):
        return tf.exp(x * 2.0) + tf.exp(x * 2.0)

    x = np.random.rand(5).astype(np.float32)
    graph = merged(f, tf.constant(x))
    assert text(graph) == (
        "graph f(%in0: float32[5]) {\n"
        "  %0: float32[] = constant 2.0\n"
        "  %1: float32[5] = multiply(%in0, %0)\n"
        "  %2: float32[5] = exp(%1)\n"
        "  %3: float32[5] = add(%2, %2)\n"
        "  return (%3)\n}")
    assert same_bits(execute(graph, x)[0], f(tf.constant(x)).numpy())


def test_commutative_inputs_are_sorted():
    graph = merged(lambda x, y: x * y + y * x, tf.ones([2]), tf.ones([2]))
    assert ops(graph) == ["multiply", "add"]
    graph = merged(lambda x, y: (x - y) * (y - x), tf.ones([2]), tf.ones([2]))
    assert ops(graph) == ["subtract", "subtract", "multiply"]


def test_different_attrs_do_not_merge():
    graph = merged(lambda x: (tf.reshape(x, [2, 3]), tf.reshape(x, [3, 2]),
                              tf.reshape(x, [2, 3])), tf.ones([6]))
    assert ops(graph) == ["reshape", "reshape"]
    graph = merged(lambda x: (tf.cast(x, tf.int32), tf.cast(x, tf.int64)), tf.ones([2]))
    assert ops(graph) == ["cast", "cast"]


def test_equal_constants_merge():
    a, b = tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0])
    graph = merged(lambda x: x * a + x * b, tf.ones([2]))
    assert ops(graph) == ["multiply", "add"]
    assert sum(n.op.name == "constant" for n in graph.nodes) == 1


def test_constants_that_differ_do_not_merge():
    def count_constants(c1, c2):
        graph = merged(lambda x: (x + c1, x + c2), tf.ones([2], c1.dtype))
        return sum(n.op.name == "constant" for n in graph.nodes)

    assert count_constants(tf.constant([0.0, 1.0]), tf.constant([-0.0, 1.0])) == 2
    assert count_constants(tf.constant([1.0, 2.0]), tf.constant([1.0, 3.0])) == 2
    assert count_constants(tf.constant([[1.0, 2.0]]), tf.constant([1.0, 2.0])) == 2
    c64 = tf.constant([1.0, 2.0], tf.float64)
    graph = merged(lambda x, y: (x + tf.constant([1.0, 2.0]), y + c64), tf.ones([2]),
                   tf.ones([2], tf.float64))
    assert sum(n.op.name == "constant" for n in graph.nodes) == 2


def test_large_constants_are_not_compared():
    a, b = tf.zeros([2000]), tf.zeros([2000])
    graph = merged(lambda x: x + a + b, tf.ones([2000]))
    assert sum(n.op.name == "constant" for n in graph.nodes) == 2


def test_read_after_assign_stays_distinct():
    v = tf.Variable([1.0, 2.0])

    def f(x):
        before = v + x
        v.assign(v * 3.0)
        after = v + x
        return before, after

    graph = merged(f, tf.ones([2]))
    # the reads for `before` and `v * 3.0` merge; the read after the assign stays
    assert ops(graph) == ["read_variable", "add", "multiply", "assign_variable",
                          "read_variable", "add"]
    compiled = function(f)
    got = compiled(tf.ones([2]))
    assert np.array_equal(got[0].numpy(), [2.0, 3.0])
    assert np.array_equal(got[1].numpy(), [4.0, 7.0])
    assert np.array_equal(v.numpy(), [3.0, 6.0])


def test_reads_without_write_between_merge():
    v = tf.Variable([1.0, 2.0])
    graph = merged(lambda x: (v * x, v * x), tf.ones([2]))
    assert ops(graph) == ["read_variable", "multiply"]


def test_random_ops_never_merge():
    def f():
        return tf.random.uniform([3]), tf.random.uniform([3])

    graph = merged(f)
    assert len(ops(graph)) == 2
    a, b = function(f)()
    assert not np.array_equal(a.numpy(), b.numpy())


def test_prints_are_kept(capsys):
    @function
    def f(x):
        tf.print("value", x)
        tf.print("value", x)
        return x + 1.0

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert capsys.readouterr().err == "value 1\nvalue 1\nvalue 2\nvalue 2\n"


def test_compiled_equals_eager():
    def f(x, y):
        a = tf.exp(x) * y + tf.exp(x) * y
        b = tf.reshape(a, [2, 2]) - tf.reshape(y * tf.exp(x), [2, 2])
        return a, b

    x, y = np.random.rand(4).astype(np.float32), np.random.rand(4).astype(np.float32)
    got = function(f)(x, y)
    want = f(tf.constant(x), tf.constant(y))
    for g, w in zip(got, want):
        assert same_bits(g.numpy(), w.numpy())
