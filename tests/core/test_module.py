"""tf.Module: variables and sub-modules found through attributes; tf.name_scope."""

import numpy as np
import pytest

import eagerflow as tf


class Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
        self.b = tf.Variable(tf.zeros([n_out]), name="b")
        self.calls = tf.Variable(0, trainable=False, name="calls")

    @tf.Module.with_name_scope
    def __call__(self, x):
        self.calls.assign_add(1)
        return tf.matmul(x, self.w) + self.b


class MLP(tf.Module):
    def __init__(self):
        super().__init__()
        self.layers = [Dense(3, 4, name="hidden"), Dense(4, 2, name="out")]
        self.extra = {"scale": tf.Variable(2.0, name="scale")}

    def __call__(self, x):
        for layer in self.layers:
            x = tf.nn.relu(layer(x))
        return x * self.extra["scale"]


def test_variables_and_submodules_are_found():
    model = MLP()
    assert model.name == "mlp"
    assert [m.name for m in model.submodules] == ["hidden", "out"]
    assert len(model.variables) == 7
    assert len(model.trainable_variables) == 5
    assert [v.name for v in model.non_trainable_variables] == ["calls:0", "calls:0"]


def test_training_with_trainable_variables():
    model = MLP()
    x = tf.constant(np.ones((2, 3), np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None for g in grads)
    assert int(model.layers[0].calls.numpy()) == 1


def test_invalid_name_and_name_scope():
    with pytest.raises(ValueError, match="not a valid module name"):
        tf.Module(name="bad name!")
    with tf.name_scope("outer") as outer:
        with tf.name_scope("inner") as inner:
            assert inner == "outer/inner/"
        assert outer == "outer/"


def test_module_inside_tf_function():
    model = MLP()
    f = tf.function(lambda x: model(x))
    x = tf.constant(np.ones((2, 3), np.float32))
    np.testing.assert_allclose(f(x).numpy(), model(x).numpy())
