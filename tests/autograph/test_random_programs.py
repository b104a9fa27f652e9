"""Random Python programs with tensor control flow: converted and compiled, they compute what
they compute eagerly (the same Python run on eager tensors).

Programs nest `if`/`else`, `while` and `for ... in tf.range` with `break` and `continue`,
over float32 state `a`, `b` and an int32 counter; conditions are tensors or Python values.
"""

import importlib.util
import itertools
import pathlib
import tempfile

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import eagerflow as tf

_FOLDER = pathlib.Path(tempfile.mkdtemp(prefix="eagerflow_autograph_"))
_COUNTER = itertools.count()

ASSIGNMENTS = ["a = a + 1.0", "a = a * 0.5", "b = b + a", "b = b - 0.25", "a = a - b * 0.1",
               "c += 1", "a = a * w", "b = tf.tanh(b + w)"]
CONDITIONS = ["a > 1.0", "b < a", "a + b > 2.0", "c % 2 == 0", "True", "n > 2"]


def statements(depth: int, assignments=ASSIGNMENTS, conditions=CONDITIONS,
               with_while: bool = True):
    """Lines of a random block: assignments, nested if/else, while and for loops."""
    simple = st.sampled_from(assignments).map(lambda s: [s])
    if depth == 0:
        return simple
    block = st.lists(statements(depth - 1, assignments, conditions, with_while),
                     min_size=1, max_size=3).map(
        lambda parts: [line for part in parts for line in part])

    def indent(lines):
        return ["    " + line for line in lines]

    exits = st.sampled_from(["", "break", "continue"])
    if_stmt = st.tuples(st.sampled_from(conditions), block, block).map(
        lambda t: [f"if {t[0]}:"] + indent(t[1]) + ["else:"] + indent(t[2]))
    while_stmt = st.tuples(st.integers(1, 4), block, exits, st.sampled_from(conditions)).map(
        lambda t: [f"k{depth} = 0", f"while k{depth} < {t[0]}:", f"    k{depth} += 1"]
        + indent(t[1]) + ([f"    if {t[3]}:", f"        {t[2]}"] if t[2] else []))
    for_stmt = st.tuples(st.integers(1, 3), block, exits, st.sampled_from(conditions)).map(
        lambda t: [f"for j{depth} in tf.range({t[0]}):"]
        + ([f"    if {t[3]}:", f"        {t[2]}"] if t[2] else []) + indent(t[1]))
    forms = [simple, if_stmt, for_stmt] + ([while_stmt] if with_while else [])
    return st.one_of(*forms)


def _load(source: str, stem: str):
    """Write a program to a file (AutoGraph reads source) and import it."""
    path = _FOLDER / f"{stem}_{next(_COUNTER)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(lines):
    body = "\n".join("    " + line for line in lines)
    source = (f"import eagerflow as tf\n\nw = tf.Variable(0.9)\n\n\n"
              f"def program(a, b, n):\n    c = tf.constant(0)\n{body}\n    return a, b, c\n")
    return _load(source, "program").program, source


@settings(max_examples=100, deadline=None)
@given(st.lists(statements(2), min_size=1, max_size=3).map(
    lambda parts: [line for part in parts for line in part]),
    st.floats(-2, 3, width=32), st.floats(-2, 3, width=32))
def test_compiled_programs_match_eager_python(lines, a0, b0):
    program, source = build(lines)
    a, b, n = tf.constant(a0, tf.float32), tf.constant(b0, tf.float32), tf.constant(3)
    expected = program(a, b, n)
    got = tf.function(program)(a, b, n)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-6, err_msg=source)


def gradients(program, a, b, n):
    w = program.__globals__["w"]
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        out_a, out_b, _ = program(a, b, n)
        total = out_a * 1.5 + out_b
    return tape.gradient(total, [a, b, w], unconnected_gradients="zero")


@settings(max_examples=80, deadline=None)
@given(st.lists(statements(2), min_size=1, max_size=3).map(
    lambda parts: [line for part in parts for line in part]),
    st.floats(-2, 3, width=32), st.floats(-2, 3, width=32))
def test_gradients_through_converted_control_flow_match_eager(lines, a0, b0):
    program, source = build(lines)
    a, b, n = tf.constant(a0, tf.float32), tf.constant(b0, tf.float32), tf.constant(3)
    expected = gradients(program, a, b, n)
    got = tf.function(lambda a, b, n: gradients(program, a, b, n))(a, b, n)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-6,
                                   err_msg=source)


VECTOR_ASSIGNMENTS = ["a = a + 1.0", "a = a * 0.5", "b = b + tf.reduce_sum(a)",
                      "a = a * w + b", "acc = acc.write(acc.size(), a * b)", "a = tf.sin(a)"]
VECTOR_CONDITIONS = ["tf.reduce_sum(a) > 1.0", "b < tf.reduce_max(a)", "tf.reduce_min(a) < 0.0"]


def vector_statements(depth: int):
    return statements(depth, VECTOR_ASSIGNMENTS, VECTOR_CONDITIONS, with_while=False)


def build_vector(lines):
    body = "\n".join("    " + line for line in lines)
    source = (f"import eagerflow as tf\n\nw = tf.Variable([0.9, 1.1, -0.5])\n\n\n"
              f"def program(a, b):\n"
              f"    acc = tf.TensorArray(tf.float32, size=0, dynamic_size=True,\n"
              f"                         element_shape=[3])\n{body}\n"
              f"    return a, b, tf.reduce_sum(acc.stack())\n")
    module = _load(source, "vector")
    return module.program, module.w, source


def vector_gradients(program, w, a, b):
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        out_a, out_b, stacked = program(a, b)
        total = tf.reduce_sum(out_a) + out_b * 0.5 + stacked
    return (out_a, out_b, stacked), tape.gradient(total, [a, b, w],
                                                  unconnected_gradients="zero")


@settings(max_examples=60, deadline=None)
@given(st.lists(vector_statements(2), min_size=1, max_size=3).map(
    lambda parts: [line for part in parts for line in part]),
    st.lists(st.floats(-1, 2, width=32), min_size=3, max_size=3), st.floats(-1, 2, width=32))
def test_vector_programs_with_tensor_arrays_match_eager(lines, a0, b0):
    program, w, source = build_vector(lines)
    a, b = tf.constant(a0, tf.float32), tf.constant(b0, tf.float32)
    expected = vector_gradients(program, w, a, b)
    got = tf.function(lambda a, b: vector_gradients(program, w, a, b))(a, b)
    for e, g in zip(tf.nest.flatten(expected), tf.nest.flatten(got)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-5,
                                   err_msg=source)
