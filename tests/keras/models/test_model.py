"""Subclassed models: tracking, build, AutoGraph-converted call, get_layer."""

import numpy as np
import pytest

import eagerflow as tf

RNG = np.random.default_rng(3)


class TwoLayers(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(4, name="hidden")
        self.out = tf.keras.layers.Dense(1, name="out")

    def call(self, inputs, training=None):
        h = self.hidden(inputs)
        if tf.reduce_sum(h) > 0:  # a tensor condition: converted to tf.cond when traced
            h = h * 2.0
        else:
            h = h - 1.0
        return self.out(h)


def _reference(model, x):
    k1, b1, k2, b2 = model.get_weights()
    h = x @ k1 + b1
    h = h * 2 if h.sum() > 0 else h - 1
    return h @ k2 + b2


def test_subclass_tracks_layers_and_runs_both_ways():
    model = TwoLayers()
    x = RNG.standard_normal((3, 2)).astype(np.float32)
    eager = model(x)
    assert [layer.name for layer in model.layers] == ["hidden", "out"]
    # Sub-layers built during the model's call are named under it, as in tf.keras.
    prefix = model.name
    assert [w.name for w in model.weights] == [f"{prefix}/hidden/kernel:0",
                                               f"{prefix}/hidden/bias:0",
                                               f"{prefix}/out/kernel:0", f"{prefix}/out/bias:0"]
    np.testing.assert_allclose(eager.numpy(), _reference(model, x), rtol=1e-5, atol=1e-6)
    compiled = tf.function(lambda t: model(t))
    for sample in (x, -x * 10):
        np.testing.assert_allclose(compiled(sample).numpy(), _reference(model, sample),
                                   rtol=1e-5, atol=1e-5)


def test_call_is_converted_by_autograph_when_traced():
    model = TwoLayers()
    compiled = tf.function(lambda t: model(t))
    graph = compiled.get_concrete_function(tf.TensorSpec([None, 2], tf.float32)).graph
    assert any(node.op.name == "cond" for node in graph.nodes)


def test_build_creates_weights_from_a_shape():
    model = TwoLayers()
    model.build((None, 5))
    assert model.built and model.weights[0].shape == (5, 4)
    assert model.count_params() == 5 * 4 + 4 + 4 + 1


def test_forgetting_super_init_is_explained():
    class Broken(tf.keras.Model):
        def __init__(self):
            self.d = tf.keras.layers.Dense(1)

    with pytest.raises(RuntimeError, match="super"):
        Broken()


def test_get_layer():
    model = TwoLayers()
    model(np.ones((1, 2), np.float32))
    assert model.get_layer("out") is model.out
    assert model.get_layer(index=0) is model.hidden
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("missing")


def test_add_loss_and_losses():
    class WithLoss(tf.keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(tf.reduce_sum(inputs))
            return inputs

    layer = WithLoss()
    layer(tf.constant([[1.0, 2.0]]))
    assert [float(v) for v in layer.losses] == [3.0]


def test_sublayers_in_lists_are_tracked():
    class Blocks(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [tf.keras.layers.Dense(2) for _ in range(3)]

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    model = Blocks()
    model(np.ones((1, 2), np.float32))
    assert len(model.trainable_variables) == 6


def test_reset_states_resets_stateful_layers():
    model = tf.keras.Sequential([tf.keras.layers.SimpleRNN(
        2, stateful=True, batch_input_shape=(1, 3, 1))])
    x = np.ones((1, 3, 1), np.float32)
    first = model(x).numpy()
    assert not np.allclose(model(x).numpy(), first)  # the state carried over
    model.reset_states()
    np.testing.assert_allclose(model(x).numpy(), first, rtol=1e-6)
