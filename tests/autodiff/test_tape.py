"""GradientTape: watching, persistence, structures, higher order, jacobians."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import eagerflow as tf


def test_watch_constant_and_auto_watch_trainable_variables():
    x = tf.constant(3.0)
    v = tf.Variable(2.0)
    frozen = tf.Variable(5.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x * v + frozen
    gx, gv, gf = tape.gradient(y, [x, v, frozen])
    assert float(gx) == 12.0 and float(gv) == 9.0 and gf is None
    assert [w.name for w in tape.watched_variables()] == [v.name]


def test_watch_accessed_variables_false():
    v = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    assert tape.gradient(y, v) is None
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = v * v
    assert float(tape.gradient(y, v)) == 4.0


def test_non_persistent_tape_used_once():
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, x)


def test_persistent_tape_and_nested_structures():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = tf.exp(x)
    grads = tape.gradient({"y": y, "z": z}, {"a": x, "b": [x]})
    expected = 2 * x.numpy() + np.exp(x.numpy())
    np.testing.assert_allclose(grads["a"].numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(grads["b"][0].numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 2 * x.numpy())


def test_output_gradients_and_unconnected():
    x = tf.constant([1.0, 2.0])
    unrelated = tf.constant([5.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, unrelated])
        y = x * 3.0
    g = tape.gradient(y, x, output_gradients=tf.constant([1.0, 10.0]))
    np.testing.assert_allclose(g.numpy(), [3.0, 30.0])
    assert tape.gradient(y, unrelated) is None
    zero = tape.gradient(y, unrelated, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    np.testing.assert_allclose(zero.numpy(), [0.0])
    zero = tape.gradient(y, unrelated, unconnected_gradients="zero")
    np.testing.assert_allclose(zero.numpy(), [0.0])


def test_integer_tensors_are_not_watched():
    x = tf.constant(3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert tape.gradient(y, x) is None


def test_stop_recording_and_reset():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = x * x * x
    assert float(tape.gradient(y, x)) == 4.0
    assert tape.gradient(z, x) is None
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        y = x * 5.0
    assert float(tape.gradient(y, x)) == 5.0


def test_higher_order_third_derivative():
    x = tf.constant(2.0)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = x * x * x * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert float(d1) == 32.0 and float(d2) == 48.0 and float(d3) == 48.0


def test_broadcast_gradient_is_unbroadcast():
    a = tf.constant(np.ones((3, 1), np.float32))
    b = tf.constant(np.arange(4, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = a * b
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_allclose(ga.numpy(), np.full((3, 1), 6.0))
    np.testing.assert_allclose(gb.numpy(), np.full(4, 3.0))


def test_jacobian_and_batch_jacobian():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    jac = tape.jacobian(y, x)
    assert jac.shape == (2, 2, 2, 2)
    expected = np.zeros((2, 2, 2, 2), np.float32)
    for i in range(2):
        for j in range(2):
            expected[i, j, i, j] = 2 * x.numpy()[i, j]
    np.testing.assert_allclose(jac.numpy(), expected)
    batch = tape.batch_jacobian(y, x)
    assert batch.shape == (2, 2, 2)
    np.testing.assert_allclose(batch.numpy(), np.stack([np.diag(2 * r) for r in x.numpy()]))


def test_gradients_no_source_needs_are_not_computed():
    """matmul and conv skip the gradient of an input no source depends on (the data)."""
    w = tf.Variable(np.ones((3, 2), np.float32))

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.matmul(x, w))
        return tape.gradient(y, w)

    concrete = step.get_concrete_function(tf.TensorSpec([4, 3], tf.float32))
    matmuls = [n for n in concrete.graph.nodes if n.op.name == "matmul"]
    assert len(matmuls) == 2  # forward, and dW; no dX
    np.testing.assert_allclose(step(tf.ones([4, 3])).numpy(), np.full((3, 2), 4.0))
    x = tf.constant(np.ones((4, 3), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.matmul(x, w))
    gx, gw = tape.gradient(y, [x, w])
    np.testing.assert_allclose(gx.numpy(), np.full((4, 3), 2.0))
    np.testing.assert_allclose(gw.numpy(), np.full((3, 2), 4.0))


# --- random compositions against finite differences -----------------------------------------
SMOOTH_UNARY = [tf.exp, tf.tanh, tf.sigmoid, tf.sin, lambda x: x * x, lambda x: x * 0.5 - 1.0]
SMOOTH_BINARY = [tf.add, tf.subtract, tf.multiply, lambda a, b: a * b + a]


@st.composite
def smooth_programs(draw):
    steps = []
    for index in range(draw(st.integers(1, 7))):
        available = 2 + index
        if draw(st.booleans()):
            steps.append((0, draw(st.integers(0, len(SMOOTH_UNARY) - 1)),
                          draw(st.integers(0, available - 1))))
        else:
            steps.append((1, draw(st.integers(0, len(SMOOTH_BINARY) - 1)),
                          draw(st.integers(0, available - 1)),
                          draw(st.integers(0, available - 1))))
    return steps


def run_smooth(steps, x, y):
    values = [x, y]
    for step in steps:
        if step[0] == 0:
            values.append(SMOOTH_UNARY[step[1]](values[step[2]]))
        else:
            values.append(SMOOTH_BINARY[step[1]](values[step[2]], values[step[3]]))
    total = tf.reduce_sum(values[-1] * values[-1])
    for value in values[2:-1]:
        total = total + tf.reduce_sum(value * values[-1])  # broadcasting against the last
    return total


@settings(max_examples=40, deadline=None)
@given(smooth_programs(), st.sampled_from([(2, 3), (1, 3), (3,), ()]))
def test_gradients_of_random_compositions_match_finite_differences(steps, y_shape):
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-1, 1, (2, 3))
    y0 = rng.uniform(-1, 1, y_shape)
    x, y = tf.constant(x0), tf.constant(y0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        total = run_smooth(steps, x, y)
    # Central differences lose digits when the value is huge (exp of exp ...): the float64
    # spacing near 1e11 is ~1e-5, as large as the step's effect. Such programs tell nothing.
    assume(abs(float(total)) < 1e6)
    gx, gy = tape.gradient(total, [x, y], unconnected_gradients="zero")

    def numeric(values, index, eps=1e-6):
        grad = np.zeros_like(values[index])
        for i in range(grad.size):
            plus = [v.copy() for v in values]
            minus = [v.copy() for v in values]
            plus[index].reshape(-1)[i] += eps
            minus[index].reshape(-1)[i] -= eps
            grad.reshape(-1)[i] = (float(run_smooth(steps, *map(tf.constant, plus)))
                                   - float(run_smooth(steps, *map(tf.constant, minus)))) / (2 * eps)
        return grad

    np.testing.assert_allclose(gx.numpy(), numeric([x0, y0], 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(gy.numpy()), numeric([x0, np.asarray(y0)], 1),
                               rtol=1e-5, atol=1e-6)
