"""tf.cond / case / switch_case / while_loop / TensorArray: eager and compiled, with gradients."""

import numpy as np
import pytest

import eagerflow as tf


def both_ways(fn, *args):
    """Run fn eagerly and compiled; check they agree; return the eager result."""
    eager = fn(*args)
    compiled = tf.function(fn)(*args)
    for e, c in zip(tf.nest.flatten(eager), tf.nest.flatten(compiled)):
        np.testing.assert_allclose(np.asarray(c), np.asarray(e), rtol=1e-6)
    return eager


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


def tape_grad(f, x):
    x = tf.constant(np.array(x, dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()


# --- cond -------------------------------------------------------------------------------
def piecewise(x):
    return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.reduce_sum(x * x * x),
                   lambda: tf.reduce_sum(tf.exp(x)))


@pytest.mark.parametrize("value", [[1.0, 2.0], [-1.0, -0.5]])
def test_cond_values_and_gradients(value):
    x = tf.constant(np.array(value))
    both_ways(piecewise, x)
    expected = numeric_grad(piecewise, value)
    np.testing.assert_allclose(tape_grad(piecewise, value), expected, rtol=1e-5)
    np.testing.assert_allclose(tape_grad(tf.function(piecewise), value), expected, rtol=1e-5)


def test_cond_gradient_with_tape_inside_function():
    @tf.function
    def grad_of(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = piecewise(x)
        return tape.gradient(y, x)

    for value in ([1.0, 2.0], [-1.0, -0.5]):
        np.testing.assert_allclose(grad_of(tf.constant(np.array(value))).numpy(),
                                   numeric_grad(piecewise, value), rtol=1e-5)


def test_cond_with_variable_read_in_branch_gets_variable_gradient():
    v = tf.Variable(3.0)

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            y = tf.cond(x > 0, lambda: v * x, lambda: x)
        return tape.gradient(y, v)

    assert float(f(tf.constant(2.0))) == 2.0
    assert f(tf.constant(-2.0)) is None or float(f(tf.constant(-2.0))) == 0.0


def test_cond_side_effects_only_in_taken_branch():
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        tf.cond(x > 0, lambda: v.assign_add(1.0), lambda: v.assign_sub(1.0))
        return v.read_value()

    assert float(f(tf.constant(1.0))) == 1.0
    assert float(f(tf.constant(1.0))) == 2.0
    assert float(f(tf.constant(-1.0))) == 1.0


def test_cond_structure_mismatch_raises():
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: (x, x), lambda: x)

    with pytest.raises(ValueError, match="same number, type, and overall structure"):
        f(tf.constant(1.0))


def test_cond_dtype_mismatch_raises():
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: tf.constant(1), lambda: tf.constant(1.0))

    with pytest.raises(TypeError, match="dtype"):
        f(tf.constant(1.0))


def test_case_and_switch_case():
    def f(x):
        return tf.case([(x < 0, lambda: x * -1.0), (x < 10, lambda: x * 2.0)],
                       default=lambda: x)

    for value in (-3.0, 4.0, 20.0):
        out = both_ways(f, tf.constant(value))
        assert float(out) == {-3.0: 3.0, 4.0: 8.0, 20.0: 20.0}[value]

    def g(i):
        return tf.switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(20),
                                  lambda: tf.constant(30)])

    for index, expected in ((0, 10), (1, 20), (2, 30), (7, 30)):
        assert int(both_ways(g, tf.constant(index))) == expected


# --- while_loop -------------------------------------------------------------------------
def test_while_loop_values():
    def f(n):
        i, total = tf.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t + i),
                                 [tf.constant(0), tf.constant(0)])
        return total

    assert int(both_ways(f, tf.constant(10))) == 45


def test_while_loop_single_var_and_maximum_iterations():
    def f(x):
        return tf.while_loop(lambda v: v < 1000.0, lambda v: v * 2.0, x, maximum_iterations=3)

    assert float(both_ways(f, tf.constant(1.0))) == 8.0


def test_while_loop_data_dependent_trip_count_gradient():
    def f(x):
        # Doubles x until its sum exceeds 10: the trip count depends on the value.
        return tf.reduce_sum(tf.while_loop(lambda v: tf.reduce_sum(v) < 10.0,
                                           lambda v: v * 2.0 + tf.sin(v), x))

    for value in ([0.3, 0.4], [1.0, 2.0], [6.0, 7.0]):
        expected = numeric_grad(f, value)
        np.testing.assert_allclose(tape_grad(f, value), expected, rtol=1e-5)
        np.testing.assert_allclose(tape_grad(tf.function(f), value), expected, rtol=1e-5)


def test_while_loop_gradient_with_counter_and_captured_weight():
    w = tf.Variable(np.array([0.5, -0.25]))

    def f(x):
        i, y = tf.while_loop(lambda i, y: i < 4, lambda i, y: (i + 1, tf.tanh(y * w + x)),
                             [tf.constant(0), x])
        return tf.reduce_sum(y)

    @tf.function
    def grads(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, [x, w])

    x0 = np.array([0.1, 0.7])
    gx, gw = grads(tf.constant(x0))
    np.testing.assert_allclose(gx.numpy(), numeric_grad(f, x0), rtol=1e-5)
    w_values = w.numpy()

    def f_w(wv):
        w.assign(wv)
        return f(tf.constant(x0))

    expected_w = numeric_grad(f_w, w_values)
    w.assign(w_values)
    np.testing.assert_allclose(gw.numpy(), expected_w, rtol=1e-5)


def test_while_loop_shape_change_raises():
    @tf.function
    def f(x):
        return tf.while_loop(lambda v: tf.reduce_sum(v) < 10.0,
                             lambda v: tf.concat([v, v], 0) if hasattr(tf, "concat") else
                             tf.stack([v, v]), x)

    with pytest.raises(ValueError, match="enters the loop with shape"):
        f(tf.constant([1.0]))


def test_while_loop_with_variable_assign_in_body():
    v = tf.Variable(0)

    @tf.function
    def f(n):
        def body(i):
            v.assign_add(i)
            return i + 1
        tf.while_loop(lambda i: i < n, body, tf.constant(0))
        return v.read_value()

    assert int(f(tf.constant(5))) == 10


# --- TensorArray --------------------------------------------------------------------------
def test_tensor_array_in_loop():
    def f(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)

        def body(i, ta):
            return i + 1, ta.write(i, tf.cast(i, tf.float32) * 2.0)

        _, ta = tf.while_loop(lambda i, ta: i < n, body, [tf.constant(0), ta])
        return ta.stack()

    np.testing.assert_allclose(both_ways(f, tf.constant(4)).numpy(), [0.0, 2.0, 4.0, 6.0])


def test_tensor_array_api_eager():
    ta = tf.TensorArray(tf.float32, size=3)
    ta = ta.write(0, [1.0, 2.0]).write(2, [5.0, 6.0])
    assert int(ta.size()) == 3
    np.testing.assert_allclose(ta.read(2).numpy(), [5.0, 6.0])
    np.testing.assert_allclose(ta.stack().numpy(), [[1, 2], [0, 0], [5, 6]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="not resizeable"):
        ta.write(5, [0.0, 0.0])
    unstacked = tf.TensorArray(tf.float32, size=0).unstack(tf.constant([[1.0], [2.0]]))
    np.testing.assert_allclose(unstacked.read(1).numpy(), [2.0])
    np.testing.assert_allclose(unstacked.gather([1, 0]).numpy(), [[2.0], [1.0]])


def rnn_outputs_sum(x, w):
    """A dynamic RNN written with a TensorArray: outputs collected per step, then stacked."""
    steps = tf.shape(x)[0]
    outputs = tf.TensorArray(x.dtype, size=steps)

    def body(i, h, outputs):
        h = tf.tanh(x[i] * w + h * 0.5)
        return i + 1, h, outputs.write(i, h * h)

    _, _, outputs = tf.while_loop(lambda i, h, o: i < steps, body,
                                  [tf.constant(0), tf.zeros_like(w), outputs])
    return tf.reduce_sum(outputs.stack())


def test_gradient_through_tensor_array_in_a_loop():
    x0 = np.array([[0.1, -0.3], [0.5, 0.2], [-0.4, 0.7]])
    w0 = np.array([0.8, -1.2])

    @tf.function
    def grads(x, w):
        with tf.GradientTape() as tape:
            tape.watch([x, w])
            y = rnn_outputs_sum(x, w)
        return y, tape.gradient(y, [x, w])

    y, (gx, gw) = grads(tf.constant(x0), tf.constant(w0))
    assert abs(float(y) - float(rnn_outputs_sum(tf.constant(x0), tf.constant(w0)))) < 1e-12
    np.testing.assert_allclose(
        gw.numpy(), numeric_grad(lambda w: rnn_outputs_sum(tf.constant(x0), w), w0), rtol=1e-5)
    np.testing.assert_allclose(
        gx.numpy(), numeric_grad(lambda x: rnn_outputs_sum(x, tf.constant(w0)), x0), rtol=1e-5)
    eager_gw = tape_grad(lambda w: rnn_outputs_sum(tf.constant(x0), w), w0)
    np.testing.assert_allclose(eager_gw, gw.numpy(), rtol=1e-6)


def test_gradient_through_tensor_array_unstack_and_read():
    def f(x):
        ta = tf.TensorArray(x.dtype, size=3).unstack(x)
        return tf.reduce_sum(ta.read(0) * ta.read(2) + ta.read(2))

    x0 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    expected = numeric_grad(f, x0)
    np.testing.assert_allclose(tape_grad(f, x0), expected, rtol=1e-6)
    np.testing.assert_allclose(tape_grad(tf.function(f), x0), expected, rtol=1e-6)


@pytest.mark.parametrize("nesting", ["cond_in_cond", "while_in_cond", "cond_in_while",
                                     "while_in_while"])
def test_gradients_through_nested_control_flow(nesting):
    def inner_cond(a):
        return tf.cond(a > 1.0, lambda: a * a + 1.0, lambda: a * 3.0)

    def inner_while(a):
        return tf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, v * v + 0.5),
                             [tf.constant(0), a])[1]

    inner = inner_cond if nesting.startswith("cond") else inner_while

    def f(a):
        if nesting.endswith("in_cond"):
            return tf.cond(a < 5.0, lambda: inner(a), lambda: a)
        return tf.while_loop(lambda k, v: k < 1, lambda k, v: (k + 1, inner(v)),
                             [tf.constant(0), a])[1]

    for value in (0.3, 1.5):
        expected = numeric_grad(f, value)
        np.testing.assert_allclose(tape_grad(f, value), expected, rtol=1e-5)
        np.testing.assert_allclose(tape_grad(tf.function(f, autograph=False), value), expected,
                                   rtol=1e-5)
        inside = tf.function(lambda x: tf.convert_to_tensor(tape_grad_symbolic(f, x)),
                             autograph=False)
        np.testing.assert_allclose(inside(tf.constant(value, tf.float64)).numpy(), expected,
                                   rtol=1e-5)


def tape_grad_symbolic(f, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


def test_while_loop_back_prop_false_stops_gradients():
    x = tf.constant(2.0)
    for fn in (lambda v: tf.while_loop(lambda a: a < 10.0, lambda a: a * 2.0, v,
                                       back_prop=False),):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        assert float(y) == 16.0 and tape.gradient(y, x) is None


def test_while_loop_with_a_run_time_maximum_iterations():
    def f(x, n):
        return tf.while_loop(lambda a, b: a < 1000.0, lambda a, b: (a * 2.0, b + 1),
                             (x, tf.constant(0)), maximum_iterations=n)

    for n in (0, 3, 50):
        eager = f(tf.constant(1.0), tf.constant(n))
        compiled = tf.function(f)(tf.constant(1.0), tf.constant(n))
        expected_steps = min(n, 10)
        assert int(compiled[1]) == int(eager[1]) == expected_steps
        assert float(compiled[0]) == float(eager[0]) == 2.0 ** expected_steps


def test_control_dependencies_group_and_no_op_keep_program_order():
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        update = v.assign_add(x)
        with tf.control_dependencies([update, tf.no_op()]):
            out = tf.identity(v.read_value())
        tf.group(update)
        return out

    assert float(f(tf.constant(2.0))) == 3.0 and float(v) == 3.0
    with pytest.raises(TypeError, match="list or tuple"):
        tf.control_dependencies(tf.constant(1.0))
