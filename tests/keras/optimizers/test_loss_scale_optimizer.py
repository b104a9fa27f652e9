"""LossScaleOptimizer: scaling, skipping non-finite steps, growth, both calling styles,
eagerly and inside tf.function, config and checkpoint layout."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import optimizers


def _make(**kwargs):
    return optimizers.LossScaleOptimizer(optimizers.SGD(1.0), initial_scale=8.0,
                                         dynamic_growth_steps=2, **kwargs)


@pytest.mark.parametrize("compiled", [False, True])
def test_keras3_style_scaled_gradients(compiled):
    optimizer = _make()
    var = tf.Variable([1.0, 2.0])

    def step(scaled_grad):
        optimizer.apply_gradients([(scaled_grad, var)])

    if compiled:
        step = tf.function(step)
    step(tf.constant([8.0, 16.0]))            # unscaled [1, 2]; 1 good step
    np.testing.assert_allclose(var.numpy(), [0.0, 0.0])
    assert float(optimizer.loss_scale) == 8.0
    step(tf.constant([8.0, -8.0]))            # second good step: the scale doubles
    np.testing.assert_allclose(var.numpy(), [-1.0, 1.0])
    assert float(optimizer.loss_scale) == 16.0
    assert int(optimizer.dynamic_counter.numpy()) == 0
    step(tf.constant([np.inf, 1.0]))          # skipped, scale halves, still counted
    np.testing.assert_allclose(var.numpy(), [-1.0, 1.0])
    assert float(optimizer.loss_scale) == 8.0
    assert int(optimizer.iterations.numpy()) == 3
    step(tf.constant([np.nan, 1.0]))
    assert float(optimizer.loss_scale) == 4.0


def test_tf_keras_style_loop():
    optimizer = _make()
    var = tf.Variable(3.0)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = var * var
            scaled = optimizer.get_scaled_loss(loss)
        grads = optimizer.get_unscaled_gradients(tape.gradient(scaled, [var]))
        optimizer.apply_gradients(zip(grads, [var]))

    step()                                     # grad 6 -> var -3
    assert float(var.numpy()) == pytest.approx(-3.0)
    optimizer.minimize(lambda: var * var, [var])    # grad -6 -> var 3; scale doubles
    assert float(var.numpy()) == pytest.approx(3.0)
    assert float(optimizer.loss_scale) == 16.0
    assert float(optimizer.scale_loss(tf.constant(2.0))) == 32.0


def test_fixed_scale_never_skips_and_learning_rate_delegates():
    optimizer = optimizers.LossScaleOptimizer(optimizers.SGD(0.5), dynamic=False,
                                              initial_scale=4.0)
    var = tf.Variable([1.0])
    optimizer.apply_gradients([(tf.constant([4.0]), var)])
    np.testing.assert_allclose(var.numpy(), [0.5])
    assert float(optimizer.loss_scale) == 4.0
    optimizer.learning_rate = 0.25
    assert float(optimizer.inner_optimizer.learning_rate) == 0.25


def test_variables_config_and_checkpoint_children():
    optimizer = optimizers.LossScaleOptimizer(optimizers.Adam(0.1))
    var = tf.Variable([1.0], name="w")
    optimizer.apply_gradients([(tf.constant([1.0]), var)])
    names = [v.name for v in optimizer.variables]
    assert names[2:4] == ["step_counter:0", "dynamic_scale:0"]
    assert names[4:] == ["iteration:0", "learning_rate:0", "w_momentum:0", "w_velocity:0"]
    children = optimizer._trackable_children()
    assert {"_iterations", "_learning_rate", "_variables", "loss_scale"} <= set(children)
    assert set(children["loss_scale"]._trackable_children()) == {"current_loss_scale",
                                                                 "good_steps"}
    rebuilt = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(rebuilt) is optimizers.LossScaleOptimizer
    assert type(rebuilt.inner_optimizer) is optimizers.Adam
    assert rebuilt.get_config() == optimizer.get_config()
    assert rebuilt.initial_scale == 2.0**15 and rebuilt.dynamic_growth_steps == 2000


def test_errors():
    inner = optimizers.SGD()
    optimizers.LossScaleOptimizer(inner)
    with pytest.raises(ValueError, match="already wrapped by a LossScaleOptimizer"):
        optimizers.LossScaleOptimizer(inner)
    with pytest.raises(TypeError, match="`inner_optimizer` must be a"):
        optimizers.LossScaleOptimizer("sgd")
    with pytest.raises(ValueError, match="`dynamic_growth_steps` must be an integer"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic_growth_steps=0)
    with pytest.raises(ValueError, match="No gradients provided"):
        _make().apply_gradients([(None, tf.Variable(1.0))])
