"""Dead-code elimination: unused values go, side effects and inputs stay."""

import numpy as np

import eagerflow as tf
from eagerflow.compiler.passes.dce import eliminate_dead_code
from tests.compiler import function, ops, run_passes, text


def test_unused_values_are_dropped():
    def f(x, y):
        tf.exp(x) * 3.0  # unused
        return x + 1.0

    graph = run_passes([eliminate_dead_code], f, tf.ones([2]), tf.ones([2]))
    assert text(graph) == (
        "graph f(%in0: float32[2], %in1: float32[2]) {\n"
        "  %0: float32[] = constant 1.0\n"
        "  %1: float32[2] = add(%in0, %0)\n"
        "  return (%1)\n}")


def test_side_effects_and_what_they_read_are_kept(capsys):
    v = tf.Variable([0.0, 0.0])

    def f(x):
        v.assign(x * 2.0)
        tf.print("called")
        tf.random.uniform([2])  # an unused draw has no side effect: dropped
        return tf.constant(1.0)

    graph = run_passes([eliminate_dead_code], f, tf.ones([2]))
    assert ops(graph) == ["multiply", "assign_variable", "print"]
    compiled = function(f)
    compiled(tf.constant([1.0, 2.0]))
    assert np.array_equal(v.numpy(), [2.0, 4.0])
    assert capsys.readouterr().err == "called\n"
