"""Optimizer state in TF checkpoints: tf_keras's key names, and restoring before the slots
exist (deferred restoration) continues training exactly."""

import numpy as np

import eagerflow as tf
from eagerflow.keras import optimizers


def _step(optimizer, variables, grads):
    optimizer.apply_gradients(zip([tf.constant(g) for g in grads], variables))


def test_checkpoint_keys_follow_tf_keras_new_optimizer_layout(tmp_path):
    kernel = tf.Variable(np.ones((2, 2), np.float32))
    optimizer = optimizers.Adam()
    _step(optimizer, [kernel], [np.ones((2, 2), np.float32)])
    path = tf.train.Checkpoint(kernel=kernel, optimizer=optimizer).write(str(tmp_path / "ckpt"))
    keys = {name for name, _ in tf.train.list_variables(path)}
    assert {"optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE",
            "optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE",
            "optimizer/_variables/1/.ATTRIBUTES/VARIABLE_VALUE",
            "optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE"} <= keys


def test_restore_before_the_first_step_then_continue(tmp_path):
    rng = np.random.RandomState(3)
    start = [rng.randn(3, 2).astype(np.float32), rng.randn(2).astype(np.float32)]
    grads = [[rng.randn(3, 2).astype(np.float32), rng.randn(2).astype(np.float32)]
             for _ in range(4)]

    variables = [tf.Variable(v) for v in start]
    optimizer = optimizers.Nadam(learning_rate=0.05)
    for g in grads[:2]:
        _step(optimizer, variables, g)
    path = tf.train.Checkpoint(variables=variables, optimizer=optimizer).write(
        str(tmp_path / "ckpt"))
    for g in grads[2:]:
        _step(optimizer, variables, g)

    restored_vars = [tf.Variable(np.zeros_like(v)) for v in start]
    restored = optimizers.Nadam(learning_rate=0.01)
    tf.train.Checkpoint(variables=restored_vars, optimizer=restored).restore(path)
    assert int(restored.iterations.numpy()) == 2
    assert float(restored.learning_rate) == np.float32(0.05)
    step = tf.function(lambda g: restored.apply_gradients(zip(g, restored_vars)))
    for g in grads[2:]:     # the slots are created (and restored) on the first trace
        step([tf.constant(x) for x in g])
    for got, want in zip(restored_vars, variables):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
    for got, want in zip(restored.variables, optimizer.variables):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
