"""keras.mixed_precision.LossScaleOptimizer scales the loss and unscales the gradients."""

import numpy as np

import eagerflow as tf


def test_loss_scale_optimizer_step_equals_the_inner_step():
    variable = tf.Variable([1.0, 2.0])
    optimizer = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(0.1))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(variable ** 2)
        scaled = optimizer.scale_loss(loss)
    optimizer.apply_gradients(zip(tape.gradient(scaled, [variable]), [variable]))
    np.testing.assert_allclose(variable.numpy(), [1.0 - 0.2, 2.0 - 0.4], rtol=1e-6)
