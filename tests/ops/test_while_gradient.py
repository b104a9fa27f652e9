"""Gradients of traced while loops from saved intermediates (ops/while_gradient.py).

Each program's gradient, taken by a tape inside tf.function (the saving loop), is checked
against finite differences and the eager loop; tests also check that the loop saves only when
a tape records it, that the body runs once per iteration, and that gradients of gradients
still work.
"""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.graph.ir import Graph
from eagerflow.ops.while_gradient import _unwrap, stack_new_p, stack_push_p, sweep_p


def numeric_grad(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(x.size):
        plus, minus = x.copy(), x.copy()
        plus.reshape(-1)[i] += eps
        minus.reshape(-1)[i] -= eps
        grad.reshape(-1)[i] = (float(f(tf.constant(plus))) - float(f(tf.constant(minus)))) / (
            2 * eps)
    return grad


def gradient_of(f):
    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, x)
    return gradient


def while_nodes(graph):
    """Every while node of the graph and its sub-graphs (depth first)."""
    found, stack = [], [graph]
    while stack:
        g = stack.pop()
        for node in g.nodes:
            if node.op.name in ("while", "stateful_while"):
                found.append(node)
            stack.extend(v for v in node.attrs.values() if isinstance(v, Graph))
    return found


def saving_loops(function, *args):
    graph = function.get_concrete_function(*args).graph
    return [n for n in while_nodes(graph) if n.attrs.get("plan") is not None]


# --- programs: f(x) -> scalar ----------------------------------------------------------------
def trip_count(x):  # doubles x until its sum passes 10: the trip count depends on x
    return tf.reduce_sum(tf.while_loop(lambda v: tf.reduce_sum(v) < 10.0,
                                       lambda v: v * 2.0 + tf.sin(v), x))


def static_maximum(x):
    _, y = tf.while_loop(lambda i, v: True, lambda i, v: (i + 1, tf.tanh(v) * v + 1.0),
                         (tf.constant(0), x), maximum_iterations=3)
    return tf.reduce_sum(y * y)


def run_time_maximum(x):
    _, y = tf.while_loop(lambda i, v: i < 100, lambda i, v: (i + 1, tf.sin(v) * 1.5 + v),
                         (tf.constant(0), x), maximum_iterations=tf.constant(4))
    return tf.reduce_sum(y)


def zero_iterations(x):
    y = tf.while_loop(lambda v: tf.reduce_sum(v) > 100.0, lambda v: v * v, x)
    return tf.reduce_sum(y * 3.0)


def unconnected_variable(x):  # b is replaced by a constant: only its first value matters
    _, a, b = tf.while_loop(lambda i, a, b: i < 3,
                            lambda i, a, b: (i + 1, a * b + 1.0, tf.ones_like(b) * 0.5),
                            (tf.constant(0), x, x + 1.0))
    return tf.reduce_sum(a + b)


def cond_in_loop(x):
    def body(i, v):
        return i + 1, tf.cond(tf.reduce_sum(v) > 1.0, lambda: v * 0.5 + tf.exp(-v),
                              lambda: v * v + 1.0)
    return tf.reduce_sum(tf.while_loop(lambda i, v: i < 4, body, (tf.constant(0), x))[1])


def loop_in_cond(x):
    def looped():
        return tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, tf.sin(v) + v),
                             (tf.constant(0), x))[1]
    return tf.reduce_sum(tf.cond(tf.reduce_sum(x) < 5.0, looped, lambda: x * 2.0))


def nested_loops(x):  # the inner trip count depends on the outer counter
    def outer_body(i, v):
        _, inner = tf.while_loop(lambda j, u: j < i + 1,
                                 lambda j, u: (j + 1, tf.tanh(u) * v + 0.5),
                                 (tf.constant(0), v))
        return i + 1, inner
    return tf.reduce_sum(tf.while_loop(lambda i, v: i < 3, outer_body, (tf.constant(0), x))[1])


def tensor_array_written(x):
    def body(i, v, ta):
        v = tf.sin(v) * 1.5
        return i + 1, v, ta.write(i, v * v)
    _, _, ta = tf.while_loop(lambda i, v, ta: i < 4, body,
                             (tf.constant(0), x, tf.TensorArray(tf.float64, size=4)))
    return tf.reduce_sum(ta.stack() * tf.constant([[1.0], [2.0], [3.0], [4.0]], tf.float64))


def tensor_array_read(x):
    rows = tf.TensorArray(tf.float64, size=3).unstack(tf.stack([x, x * x, tf.exp(x)]))

    def body(i, h):
        return i + 1, tf.tanh(h * rows.read(i) + 0.25)
    return tf.reduce_sum(tf.while_loop(lambda i, h: i < 3, body, (tf.constant(0), x))[1])


def growing_shape(x):  # a loop variable whose shape changes (shape_invariants)
    _, y = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, tf.concat([v, tf.sin(v)], 0)),
                         (tf.constant(0), x), shape_invariants=(tf.TensorShape([]),
                                                                tf.TensorShape([None])))
    return tf.reduce_sum(y * tf.cast(tf.range(tf.shape(y)[0]), tf.float64))


PROGRAMS = [trip_count, static_maximum, run_time_maximum, zero_iterations,
            unconnected_variable, cond_in_loop, loop_in_cond, nested_loops, tensor_array_written,
            tensor_array_read, growing_shape]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_saved_gradients_match_finite_differences_and_eager(program):
    compiled = tf.function(gradient_of(program))
    for value in ([0.3, 0.4], [1.2, -0.7]):
        expected = numeric_grad(program, value)
        x = tf.constant(np.array(value))
        np.testing.assert_allclose(compiled(x).numpy(), expected, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(gradient_of(program)(x).numpy(), expected, rtol=1e-5,
                                   atol=1e-8)
    if program is not zero_iterations:
        assert saving_loops(compiled, tf.constant(np.array([0.3, 0.4])))


def test_an_eager_tape_around_a_function_call_gets_the_gradient():
    compiled = tf.function(nested_loops)
    x = tf.constant(np.array([0.2, -0.3]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = compiled(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), numeric_grad(nested_loops, x),
                               rtol=1e-5)


# --- what is saved, and when --------------------------------------------------------------
def test_only_a_recorded_loop_saves_its_iterations():
    x = tf.constant(np.array([0.3, 0.4]))
    assert saving_loops(tf.function(gradient_of(static_maximum)), x)
    assert not saving_loops(tf.function(static_maximum), x)  # no tape: nothing saved

    def not_back_propagated(v):
        return tf.reduce_sum(tf.while_loop(lambda a: tf.reduce_sum(a) < 10.0,
                                           lambda a: a * 2.0, v, back_prop=False))
    compiled = tf.function(gradient_of(not_back_propagated))
    assert not saving_loops(compiled, x)
    assert compiled(x) is None

    def tape_watches_something_else(v):
        with tf.GradientTape() as tape:
            other = tf.constant(1.0, tf.float64)
            tape.watch(other)
            y = static_maximum(v) * other
        return tape.gradient(y, other)
    assert not saving_loops(tf.function(tape_watches_something_else), x)


def test_only_per_iteration_values_are_saved():
    table = tf.constant(np.linspace(0.0, 1.0, 1000))  # a capture: read every step, never saved

    def f(x):
        def body(i, v):
            return i + 1, tf.tanh(v) * tf.reduce_mean(table) + tf.sin(v)
        return tf.reduce_sum(tf.while_loop(lambda i, v: i < 6, body, (tf.constant(0), x))[1])

    compiled = tf.function(gradient_of(f))
    x = tf.constant(np.array([0.3, 0.4]))
    (loop,) = saving_loops(compiled, x)
    shapes = [spec.shape for spec in loop.attrs["plan"].residual_specs]
    assert shapes and all(shape == (2,) for shape in shapes)  # nothing of shape (1000,)
    np.testing.assert_allclose(compiled(x).numpy(), numeric_grad(f, x), rtol=1e-6)


def test_the_body_runs_once_per_iteration_forward_and_backward():
    calls = []

    def count(i):
        calls.append(int(i))
        return i

    def f(x):
        def body(i, v):
            tf.py_function(count, [i], tf.int32)
            return i + 1, tf.sin(v) * v
        return tf.reduce_sum(tf.while_loop(lambda i, v: i < 5, body, (tf.constant(0), x))[1])

    compiled = tf.function(gradient_of(f))
    x = tf.constant(np.array([0.5, 1.5]))
    expected = numeric_grad(f, x)
    compiled(x)
    calls.clear()
    np.testing.assert_allclose(compiled(x).numpy(), expected, rtol=1e-5, atol=1e-9)
    assert calls == [0, 1, 2, 3, 4]


def test_lstm_like_loop_matches_the_unrolled_loop():
    rng = np.random.default_rng(0)
    kernel = tf.Variable(rng.normal(0, 0.3, (3, 16)))
    recurrent = tf.Variable(rng.normal(0, 0.3, (4, 16)))
    bias = tf.Variable(rng.normal(0, 0.1, (16,)))
    xs = tf.constant(rng.normal(0, 1, (7, 2, 3)))

    def step(x_t, h, c):
        z = tf.matmul(x_t, kernel) + tf.matmul(h, recurrent) + bias
        i, f, g, o = tf.split(z, 4, axis=1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        return tf.sigmoid(o) * tf.tanh(c), c

    def looped(inputs):
        def body(t, h, c):
            return (t + 1, *step(inputs[t], h, c))
        zeros = tf.zeros([2, 4], tf.float64)
        return tf.while_loop(lambda t, h, c: t < 7, body, (tf.constant(0), zeros, zeros))[1]

    def unrolled(inputs):
        h = c = tf.zeros([2, 4], tf.float64)
        for t in range(7):
            h, c = step(inputs[t], h, c)
        return h

    def grads(run, inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(run(inputs) ** 2)
        return tape.gradient(loss, [inputs, kernel, recurrent, bias])

    expected = grads(unrolled, xs)
    for got in (tf.function(lambda v: grads(looped, v))(xs), grads(looped, xs)):
        for e, g in zip(expected, got):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-10, atol=1e-12)


def test_variables_read_and_assigned_in_the_body():
    w = tf.Variable(np.array([0.5, -0.25]))
    steps = tf.Variable(0)

    def f(x):
        def body(i, y):
            steps.assign_add(1)
            return i + 1, tf.tanh(y * w + x)
        return tf.reduce_sum(tf.while_loop(lambda i, y: i < 4, body, [tf.constant(0), x])[1])

    @tf.function
    def grads(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, [x, w])

    x0 = np.array([0.1, 0.7])
    gx, gw = grads(tf.constant(x0))
    assert int(steps.numpy()) == 4  # the backward pass does not run the body's assigns again
    np.testing.assert_allclose(gx.numpy(), numeric_grad(f, x0), rtol=1e-5)
    w0 = w.numpy()

    def f_w(wv):
        w.assign(wv)
        return f(tf.constant(x0))

    expected_w = numeric_grad(f_w, w0)
    w.assign(w0)
    np.testing.assert_allclose(gw.numpy(), expected_w, rtol=1e-5)


def test_a_variable_read_after_its_assign_in_the_body():
    scale = tf.Variable(1.0, dtype=tf.float64)

    def f(x):
        def body(i, y):
            scale.assign(scale * 1.5)
            return i + 1, y * scale  # reads this iteration's value
        return tf.reduce_sum(tf.while_loop(lambda i, y: i < 3, body, [tf.constant(0), x])[1])

    compiled = tf.function(gradient_of(f))
    x = tf.constant(np.array([1.0, 2.0]))
    scale.assign(1.0)
    got = compiled(x).numpy()
    np.testing.assert_allclose(got, [1.5 * 2.25 * 3.375] * 2, rtol=1e-12)


# --- gradients of gradients -----------------------------------------------------------------
def cube_by_loop(x):
    return tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * x),
                         (tf.constant(0), tf.ones_like(x)))[1]


def second_derivative(x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = cube_by_loop(x)
        dy = inner.gradient(y, x)
    return dy, outer.gradient(dy, x)


def test_second_order_gradients_through_a_saving_loop():
    x = tf.constant(1.5, tf.float64)
    for dy, d2y in (second_derivative(x), tf.function(second_derivative)(x)):
        assert float(dy) == pytest.approx(3 * 1.5 ** 2)
        assert float(d2y) == pytest.approx(6 * 1.5)


def test_third_order_gradients_through_a_saving_loop():
    @tf.function
    def third(x):
        with tf.GradientTape() as t3:
            t3.watch(x)
            _, d2 = second_derivative(x)
        return t3.gradient(d2, x)

    assert float(third(tf.constant(1.5, tf.float64))) == pytest.approx(6.0)


def test_second_order_through_a_function_called_under_eager_tapes():
    compiled = tf.function(cube_by_loop)

    @tf.function
    def first_derivative(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            y = cube_by_loop(v)
        return tape.gradient(y, v)

    x = tf.constant(1.5, tf.float64)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = compiled(x)
        dy = inner.gradient(y, x)
        dy_traced = first_derivative(x)
    assert float(dy) == pytest.approx(6.75) and float(dy_traced) == pytest.approx(6.75)
    assert float(outer.gradient(dy, x)) == pytest.approx(9.0)
    assert float(outer.gradient(dy_traced, x)) == pytest.approx(9.0)


def test_second_order_through_nested_loops():
    def f(x):
        def outer_body(i, v):
            inner = tf.while_loop(lambda j, u: j < 2, lambda j, u: (j + 1, u * x + v),
                                  (tf.constant(0), v))[1]
            return i + 1, inner
        return tf.while_loop(lambda i, v: i < 2, outer_body, (tf.constant(0), x))[1]

    def second(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = f(x)
            dy = inner.gradient(y, x)
        return outer.gradient(dy, x)

    x = tf.constant(0.7, tf.float64)
    eager = float(second(x))
    eps = 1e-4
    expected = (float(gradient_of(f)(x + eps)) - float(gradient_of(f)(x - eps))) / (2 * eps)
    assert eager == pytest.approx(expected, rel=1e-6)
    assert float(tf.function(second)(x)) == pytest.approx(eager, rel=1e-10)


def test_random_draws_in_the_body_are_the_ones_the_gradient_uses():
    def f(x):
        def body(i, v, draws):
            r = tf.random.uniform([2], 0.5, 1.5, dtype=tf.float64)
            return i + 1, v * r, draws.write(i, r)
        _, y, draws = tf.while_loop(lambda i, v, d: i < 3, body,
                                    (tf.constant(0), x, tf.TensorArray(tf.float64, size=3)))
        return tf.reduce_sum(y), tf.reduce_prod(draws.stack(), axis=0)

    @tf.function
    def grad_and_draws(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y, product = f(x)
        return tape.gradient(y, x), product

    g, product = grad_and_draws(tf.constant(np.array([1.0, 2.0])))
    np.testing.assert_allclose(g.numpy(), product.numpy(), rtol=1e-12)


def test_an_outer_tape_watching_other_values_keeps_the_fast_path():
    x = tf.constant(np.array([0.3, 0.4]))

    @tf.function
    def f(v):
        with tf.GradientTape(persistent=True) as outer:
            other = tf.constant(2.0, tf.float64)
            outer.watch(other)
            with tf.GradientTape() as tape:
                tape.watch(v)
                y = static_maximum(v)
            g = tape.gradient(y, v)
            squared = other * other
        return g, outer.gradient(squared, other)

    g, unrelated = f(x)
    np.testing.assert_allclose(g.numpy(), numeric_grad(static_maximum, x), rtol=1e-5)
    assert float(unrelated) == 4.0
    nodes = f.get_concrete_function(x).graph.nodes
    loops = [n for n in nodes if n.op.name in ("while", "stateful_while")]
    assert len(loops) == 1 and loops[0].attrs["plan"] is not None  # the loop ran once,
    assert len([n for n in nodes if n.op is sweep_p]) == 1  # its gradient is one sweep


# --- the stack and the sweep ------------------------------------------------------------
def test_stack_push_builds_frames_newest_first():
    empty = stack_new_p.bind()
    one = stack_push_p.bind(empty, tf.constant([1.0, 2.0]), tf.constant(3))
    two = stack_push_p.bind(one, tf.constant([4.0, 5.0]), tf.constant(6))
    frame = _unwrap(two._value)
    np.testing.assert_array_equal(frame.values[0], [4.0, 5.0])
    assert int(frame.values[1]) == 6
    assert frame.below is _unwrap(one._value) and frame.below.below is None
    assert _unwrap(empty._value) is None


def test_the_sweep_runs_as_one_compiled_node_and_replays():
    x = tf.constant(np.array([0.3, 0.4]))
    compiled = tf.function(gradient_of(nested_loops))
    graph = compiled.get_concrete_function(x).graph
    sweeps = [n for n in graph.nodes if n.op is sweep_p]
    assert len(sweeps) == 1
    assert "while_sweep_" in compiled.get_concrete_function(x).python_source
    # an eager replay of the traced graph computes the sweep by the replaying gradient
    from eagerflow.graph.interpreter import replay
    eager = replay(graph, [x])
    np.testing.assert_allclose(eager[0].numpy(), compiled(x).numpy(), rtol=1e-12)
