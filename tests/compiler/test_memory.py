"""Buffer reuse: out= only into dead, fresh, private values of the same shape and dtype."""

import numpy as np

import eagerflow as tf
from eagerflow.compiler.codegen import generate_source
from eagerflow.compiler.passes.dce import eliminate_dead_code
from eagerflow.compiler.passes.memory import InPlaceOp, reuse_buffers
from tests.compiler import execute, function, run_passes, same_bits, text

PASSES = [eliminate_dead_code, reuse_buffers]


def reused(fn, *args, signature=None):
    return run_passes(PASSES, fn, *args, signature=signature)


def in_place(graph) -> list:
    return [n.op.name for n in graph.nodes if isinstance(n.op, InPlaceOp)]


def check(graph, fn, *arrays):
    """Compiled equals eager, and the caller's arrays are unchanged."""
    copies = [np.array(a, copy=True) for a in arrays]
    want = fn(*[tf.constant(a) for a in arrays])
    want = list(want) if isinstance(want, tuple) else [want]
    for got, w in zip(execute(graph, *arrays), want):
        assert same_bits(got, w.numpy())
    for a, c in zip(arrays, copies):
        assert same_bits(a, c)


def test_chain_reuses_its_temporaries():
    def f(x):
        return tf.exp(x * 2.0 + 1.0) - x

    x = np.random.rand(3).astype(np.float32)
    graph = reused(f, tf.constant(x))
    assert text(graph) == (
        "graph f(%in0: float32[3]) {\n"
        "  %0: float32[] = constant 2.0\n"
        "  %1: float32[3] = multiply(%in0, %0)\n"
        "  %2: float32[] = constant 1.0\n"
        "  %3: float32[3] = add[out=0](%1, %2)\n"
        "  %4: float32[3] = exp[out=0](%3)\n"
        "  %5: float32[3] = subtract[out=0](%4, %in0)\n"
        "  return (%5)\n}")
    source = generate_source(graph)[0]
    assert "t1 = add_4(t0, const3, out=t0)" in source
    check(graph, f, x)


def test_never_writes_into_inputs_constants_or_variables():
    v = tf.Variable(np.random.rand(4).astype(np.float32))
    storage, saved = v._value, v._value.copy()
    c = tf.constant(np.random.rand(4).astype(np.float32))

    def f(x):
        return x + 1.0, v * 2.0, c * 3.0

    x = np.random.rand(4).astype(np.float32)
    graph = reused(f, tf.constant(x))
    assert in_place(graph) == []
    check(graph, f, x)
    assert v._value is storage and same_bits(storage, saved)


def test_never_writes_into_outputs():
    def f(x):
        a = x * 2.0
        return a, a + 1.0

    graph = reused(f, tf.ones([3]))
    assert in_place(graph) == []
    check(graph, f, np.random.rand(3).astype(np.float32))


def test_last_reader_reuses_and_earlier_readers_do_not():
    def f(x):
        a = x * 2.0
        return a + 1.0, a * 3.0

    graph = reused(f, tf.ones([3]))
    assert in_place(graph) == ["multiply[out=0]"]
    assert graph.nodes[-1].op.name == "multiply[out=0]"
    check(graph, f, np.random.rand(3).astype(np.float32))


def test_never_writes_into_a_value_with_a_live_view():
    def f(x):
        a = x * 2.0
        view = tf.reshape(a, [3, 1])
        b = a * 3.0
        return view, b

    graph = reused(f, tf.ones([3]))
    assert in_place(graph) == []
    check(graph, f, np.random.rand(3).astype(np.float32))


def test_views_and_identities_are_not_fresh():
    def f(x):
        return tf.identity(x * 2.0) + 1.0, tf.reshape(x * 3.0, [3]) - 1.0

    graph = reused(f, tf.ones([3]))
    assert in_place(graph) == []


def test_assigned_value_is_never_written():
    v = tf.Variable(np.zeros(3, np.float32))

    def f(x):
        t = x * 2.0
        v.assign(t)
        return t + 1.0

    x = np.random.rand(3).astype(np.float32)
    graph = reused(f, tf.constant(x))
    assert in_place(graph) == []
    compiled = function(f)
    out = compiled(tf.constant(x))
    assert same_bits(v.numpy(), x * np.float32(2.0))
    assert same_bits(out.numpy(), x * np.float32(2.0) + np.float32(1.0))


def test_shapes_must_provably_match():
    signature = [tf.TensorSpec([None, 3]), tf.TensorSpec([None, 3]), tf.TensorSpec([3])]

    def f(x, y, b):
        return (x * 2.0) + y, (x * 3.0) + b

    graph = reused(f, signature=signature)
    assert in_place(graph) == ["add[out=0]"]  # only the add with b: y may broadcast up
    small, large = np.random.rand(1, 3).astype(np.float32), np.random.rand(4, 3).astype(np.float32)
    b = np.random.rand(3).astype(np.float32)
    check(graph, f, small, large, b)
    check(graph, f, large, small, b)
    graph = reused(lambda x, b: b * 2.0 + x, tf.ones([4, 3]), tf.ones([3]))
    assert in_place(graph) == []  # the result is larger than b * 2.0


def test_dtype_and_rank_must_match():
    graph = reused(lambda x: x * 2.0 > 1.0, tf.ones([3]))
    assert in_place(graph) == []
    graph = reused(lambda x: x * 2.0 + 1.0, tf.ones([]))
    assert in_place(graph) == []  # rank 0: ufuncs return scalars, not buffers


def test_full_pipeline_equals_eager():
    v = tf.Variable(np.random.rand(8).astype(np.float32))

    def f(x):
        a = tf.exp(x * 2.0)
        b = a + v
        c = a * b
        return c - tf.sqrt(tf.abs(c)), b

    x = np.random.rand(8).astype(np.float32)
    saved = v.numpy()
    compiled = function(f)
    for _ in range(2):
        got = compiled(tf.constant(x))
        want = f(tf.constant(x))
        for g, w in zip(got, want):
            assert same_bits(g.numpy(), w.numpy())
    assert same_bits(v.numpy(), saved)
