"""The reference interpreter: replay through bind, run_arrays with error locations."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.graph.interpreter import replay, run_arrays


def test_replay_eagerly_matches_compiled():
    def f(x):
        return tf.exp(x) * 3.0 - x

    concrete = tf.function(f).get_concrete_function(tf.TensorSpec([3], tf.float32))
    x = tf.constant([0.1, 0.2, 0.3])
    (eager,) = replay(concrete.graph, [x])
    np.testing.assert_allclose(eager.numpy(), f(x).numpy(), rtol=1e-6)
    (arrays,) = run_arrays(concrete.graph, [x.numpy()])
    np.testing.assert_allclose(arrays, f(x).numpy(), rtol=1e-6)


def test_replay_under_tape_gives_gradients():
    concrete = tf.function(lambda x: x * x * x).get_concrete_function(
        tf.TensorSpec([], tf.float32))
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        (y,) = replay(concrete.graph, [x])
    assert float(tape.gradient(y, x)) == 12.0


def test_run_time_error_names_op_and_user_line():
    @tf.function
    def f(x, index):
        return tf.reshape(x, [index, -1])

    with pytest.raises(tf.errors.InvalidArgumentError):
        f(tf.ones([6]), 4)
