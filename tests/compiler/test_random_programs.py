"""Random elementwise/matmul/reduce programs give bit-identical results compiled and eager.

This stresses the pipeline as a whole (simplify, CSE, folding, fusion, buffer reuse): any
pass that changes a value, a dtype or writes into a buffer still in use shows up here.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import eagerflow as tf

UNARY = [tf.exp, tf.tanh, tf.sigmoid, tf.abs, tf.negative, tf.square, tf.nn.relu,
         lambda x: tf.math.log(tf.abs(x) + 1.0), lambda x: x * 2.0, lambda x: x + 0.0,
         lambda x: tf.identity(x), lambda x: tf.reshape(tf.reshape(x, [-1]), tf.shape(x))]
BINARY = [tf.add, tf.subtract, tf.multiply, tf.maximum, tf.minimum,
          lambda a, b: a * b + a, lambda a, b: tf.where(a > b, a, b)]


@st.composite
def programs(draw):
    """A list of steps; each step applies an op to earlier values (indices)."""
    steps = []
    for index in range(draw(st.integers(2, 10))):
        available = 2 + index
        if draw(st.booleans()):
            steps.append(("unary", draw(st.integers(0, len(UNARY) - 1)),
                          draw(st.integers(0, available - 1))))
        else:
            steps.append(("binary", draw(st.integers(0, len(BINARY) - 1)),
                          draw(st.integers(0, available - 1)),
                          draw(st.integers(0, available - 1))))
    outputs = draw(st.lists(st.integers(0, 1 + len(steps)), min_size=1, max_size=3))
    reduce_last = draw(st.booleans())
    return steps, outputs, reduce_last


def run(program, x, y):
    steps, outputs, reduce_last = program
    values = [x, y]
    for step in steps:
        if step[0] == "unary":
            values.append(UNARY[step[1]](values[step[2]]))
        else:
            values.append(BINARY[step[1]](values[step[2]], values[step[3]]))
    result = [values[i] for i in outputs]
    if reduce_last:
        result.append(tf.reduce_sum(values[-1], axis=0))
    return result


@settings(max_examples=60, deadline=None)
@given(programs(), st.sampled_from([(3, 4), (1, 4), (4,)]))
def test_compiled_equals_eager(program, y_shape):
    rng = np.random.default_rng(0)
    x_array = rng.standard_normal((3, 4)).astype(np.float32)
    y_array = rng.standard_normal(y_shape).astype(np.float32)
    x, y = tf.constant(x_array), tf.constant(y_array)
    eager = run(program, x, y)
    compiled_fn = tf.function(lambda a, b: run(program, a, b))
    for _ in range(2):  # a second call runs the same buffers again
        compiled = compiled_fn(x, y)
        for e, c in zip(eager, compiled):
            np.testing.assert_array_equal(c.numpy(), e.numpy())
    np.testing.assert_array_equal(x.numpy(), x_array)  # inputs never written
    np.testing.assert_array_equal(y.numpy(), y_array)


def test_matmul_bias_relu_chain_equals_eager():
    rng = np.random.default_rng(1)
    w = tf.Variable(rng.standard_normal((4, 5)).astype(np.float32))
    b = tf.Variable(rng.standard_normal(5).astype(np.float32))

    def layer(x):
        h = tf.nn.relu(tf.matmul(x, w) + b)
        return h, tf.reduce_mean(h * h + h)

    x = tf.constant(rng.standard_normal((3, 4)).astype(np.float32))
    before = w.numpy().copy()
    for e, c in zip(layer(x), tf.function(layer)(x)):
        np.testing.assert_array_equal(c.numpy(), e.numpy())
    np.testing.assert_array_equal(w.numpy(), before)


def gradients(program, x, y):
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        total = tf.add_n([tf.reduce_sum(v) for v in run(program, x, y)])
    return tape.gradient(total, [x, y], unconnected_gradients="zero")


@settings(max_examples=40, deadline=None)
@given(programs(), st.sampled_from([(3, 4), (1, 4), (4,)]))
def test_compiled_gradients_equal_eager(program, y_shape):
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((3, 4)).astype(np.float32))
    y = tf.constant(rng.standard_normal(y_shape).astype(np.float32))
    eager = gradients(program, x, y)
    compiled = tf.function(lambda a, b: gradients(program, a, b))(x, y)
    for e, c in zip(eager, compiled):
        np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=1e-6, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(programs(), st.sampled_from([(3, 4), (1, 4), (4,)]))
def test_traced_with_unknown_dims_equals_eager(program, y_shape):
    """The same programs and their gradients, traced once for any shape (None dims)."""
    rng = np.random.default_rng(2)
    x = tf.constant(rng.standard_normal((3, 4)).astype(np.float32))
    y = tf.constant(rng.standard_normal(y_shape).astype(np.float32))
    signature = [tf.TensorSpec([None, None], tf.float32),
                 tf.TensorSpec([None] * len(y_shape), tf.float32)]
    compiled = tf.function(lambda a, b: (run(program, a, b), gradients(program, a, b)),
                           input_signature=signature)
    values, grads = compiled(x, y)
    for e, c in zip(run(program, x, y), values):
        np.testing.assert_array_equal(c.numpy(), e.numpy())
    for e, c in zip(gradients(program, x, y), grads):
        np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=1e-6, atol=1e-6)
