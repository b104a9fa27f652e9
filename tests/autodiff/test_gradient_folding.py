"""A scalar target's gradient seed is a constant 1 and reductions over static shapes broadcast
to the static shape: compiled, the mean's gradient chain folds to one constant."""

import numpy as np

import eagerflow as tf


def _loss_gradient(x, w):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
    return loss, tape.gradient(loss, w)


def test_compiled_gradient_of_a_mean_folds_the_seed_and_broadcast():
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((8, 3)).astype(np.float32))
    w = tf.Variable(rng.standard_normal((3, 2)).astype(np.float32))
    compiled = tf.function(_loss_gradient)
    loss, grad = compiled(x, w)
    eager_loss, eager_grad = _loss_gradient(x, w)
    assert loss.numpy() == eager_loss.numpy()
    np.testing.assert_array_equal(grad.numpy(), eager_grad.numpy())
    xv, wv = x.numpy(), w.numpy()
    np.testing.assert_allclose(grad.numpy(), xv.T @ (2 * (xv @ wv)) / 16, rtol=1e-5)
    source = compiled.get_concrete_function(x, w).python_source
    assert "fill_like" not in source and "broadcast" not in source


def test_unknown_shapes_and_vector_targets_still_seed_with_ones():
    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(x * x, axis=-1)  # a vector target: summed
        return tape.gradient(y, x)

    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    dynamic = tf.function(gradient, input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    np.testing.assert_array_equal(dynamic(x).numpy(), 2 * x.numpy())
    np.testing.assert_array_equal(gradient(x).numpy(), 2 * x.numpy())


def test_variable_targets_are_seeded_too():
    v = tf.Variable(3.0)
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = v * v
    assert tape.gradient(v, v).numpy() == 1.0
    np.testing.assert_array_equal(tape.gradient(w, w).numpy(), [1.0, 1.0])
    assert tape.gradient([y, v], v).numpy() == 7.0
