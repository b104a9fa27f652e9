"""The graph printer: one readable line per node, specs, attrs and the user's line."""

import eagerflow as tf


def test_golden_text():
    def f(x):
        return tf.reduce_sum(x * 2.0, axis=0)

    graph = tf.function(f).get_concrete_function(tf.TensorSpec([None, 4], tf.float32)).graph
    lines = str(graph).splitlines()
    assert lines[0] == "graph f(%in0: float32[?,4]) {"
    assert lines[1] == "  %0: float32[] = constant 2.0"
    assert lines[2].startswith("  %1: float32[?,4] = multiply(%in0, %0)    # ")
    assert "test_printer.py" in lines[2]
    assert lines[3].startswith("  %2: float32[4] = reduce_sum(%1) {axis=(0,), keepdims=False}")
    assert lines[4:] == ["  return (%2)", "}"]


def test_variables_and_subgraphs_print_readably():
    v = tf.Variable(1.0, name="scale")

    def f(x):
        return tf.cond(x > 0, lambda: x * v, lambda: x)

    text = str(tf.function(f).get_concrete_function(tf.TensorSpec([], tf.float32)).graph)
    assert "variable 'scale:0'" in text
    assert "read_variable" in text
    assert "<graph cond_true" in text
