"""Code generation: readable source calling kernels directly, constants and variables bound once."""

import functools

import numpy as np

import eagerflow as tf
from eagerflow.compiler.codegen import compile_graph, generate_source
from eagerflow.compiler.passes.dce import eliminate_dead_code
from tests.compiler import function, run_passes, same_bits, trace


def test_source_of_a_small_graph():
    graph = trace(lambda x, y: (x * y + 1.0, y), tf.ones([2]), tf.ones([2]))
    source, namespace = generate_source(graph, "f")
    lines = [line.split("  #")[0] for line in source.splitlines()]
    assert lines == [
        "def f(a0, a1):",
        "    t0 = multiply_1(a0, a1)",
        "    t1 = add_3(t0, const2)",
        "    return (t1, a1)"]
    assert namespace["multiply_1"] is np.multiply
    assert namespace["const2"] == np.float32(1.0)


def test_comments_carry_the_user_line():
    graph = trace(lambda x: x * 2.0, tf.ones([2]))
    source, _ = generate_source(graph)
    assert "# " in source.splitlines()[1] and __file__.rsplit("/", 1)[-1] in source


def test_compiled_function_has_its_source_and_runs():
    graph = trace(lambda x: tf.exp(x) - 1.0, tf.ones([3]))
    function = compile_graph(graph, "g")
    assert function.python_source.startswith("def g(a0):")
    x = np.random.rand(3).astype(np.float32)
    (out,) = function(x)
    assert same_bits(out, np.exp(x) - np.float32(1.0))


def test_constants_are_bound_once():
    c = tf.constant(np.arange(10, dtype=np.float32))
    graph = trace(lambda x: x + c, tf.ones([10]))
    function = compile_graph(graph)
    constants = [v for k, v in function.__globals__.items() if k.startswith("const")]
    assert len(constants) == 1 and constants[0] is graph.nodes[1].value
    first, = function(np.zeros(10, np.float32))
    second, = function(np.zeros(10, np.float32))
    assert same_bits(first, second) and first is not second


def test_variables_are_read_at_run_time():
    v = tf.Variable([1.0, 2.0])
    compiled = function(lambda: v * 2.0)
    assert np.array_equal(compiled().numpy(), [2.0, 4.0])
    v.assign([3.0, 4.0])
    assert np.array_equal(compiled().numpy(), [6.0, 8.0])
    assert "._value" in compiled.get_concrete_function().python_source


def test_attrs_are_keywords_or_bound():
    graph = trace(lambda x: tf.reshape(x, [3, 2]), tf.ones([6]))
    source, _ = generate_source(graph)
    assert "shape=(3, 2)" in source
    graph = trace(lambda x: tf.cast(x, tf.int32), tf.ones([2]))
    source, namespace = generate_source(graph)
    bound = [v for v in namespace.values() if isinstance(v, functools.partial)]
    assert len(bound) == 1 and bound[0].keywords == {"dtype": np.dtype(np.int32)}


def test_ops_may_emit_their_own_lines():
    class Twice:
        name = "twice"
        elementwise = commutative = stateful = side_effect = random = False
        multiple_results = False
        grad = None

        @staticmethod
        def impl(x):
            return x * 2

        @staticmethod
        def emit(node, args, outs, emitter):
            return [f"{outs[0]} = {args[0]} + {args[0]}  # twice"]

    graph = run_passes([eliminate_dead_code], lambda x: x + 1.0, tf.ones([2]))
    add = graph.nodes[-1]
    add.op, add.inputs = Twice(), [add.inputs[0]]
    function = compile_graph(graph)
    assert "t0 = a0 + a0  # twice" in function.python_source
    (out,) = function(np.array([1.0, 2.0], np.float32))
    assert np.array_equal(out, [2.0, 4.0])


def test_multiple_results_and_side_effects():
    v = tf.Variable(np.zeros((2, 2), np.float32))

    def f(x):
        a, b = tf.unstack(x)
        v.assign(tf.stack([b, a]))
        return a

    compiled = function(f)
    assert compiled(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy().tolist() == [1.0, 2.0]
    assert v.numpy().tolist() == [[3.0, 4.0], [1.0, 2.0]]
    assert "var" in compiled.get_concrete_function(
        tf.constant([[1.0, 2.0], [3.0, 4.0]])).python_source


def test_assigning_an_input_copies_the_callers_array():
    v = tf.Variable(np.zeros(3, np.float32))

    @function
    def f(x):
        v.assign(tf.identity(x) * 1.0)  # simplifies to the input itself
        return v.read_value()

    x = np.array([1.0, 2.0, 3.0], np.float32)
    f(x)
    x[0] = 100.0
    assert v.numpy().tolist() == [1.0, 2.0, 3.0]
