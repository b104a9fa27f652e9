"""The Layer base: weights, build on first call, training flag, masks, names, errors."""

import numpy as np
import pytest

import eagerflow as tf


class Scale(tf.keras.layers.Layer):
    """The seed's subclassing pattern: __init__, build with add_weight, call, get_config."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
        self.count = self.add_weight(name="count", shape=(), initializer="zeros",
                                     trainable=False)

    def call(self, inputs):
        self.count.assign_add(1.0)
        return inputs * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_build_runs_once_with_the_input_shape():
    layer = Scale(2.0)
    assert not layer.built and layer.weights == []
    out = layer(np.ones((2, 3), np.float32))
    np.testing.assert_allclose(out.numpy(), np.full((2, 3), 2.0))
    assert layer.built
    assert [w.name for w in layer.weights] == [f"{layer.name}/w:0", f"{layer.name}/count:0"]
    assert len(layer.trainable_weights) == 1 and len(layer.non_trainable_weights) == 1
    layer(np.ones((2, 3), np.float32))
    assert float(layer.count.numpy()) == 2.0


def test_first_call_inside_tf_function_creates_weights_once():
    layer = Scale()
    compiled = tf.function(lambda x: layer(x))
    compiled(np.ones((1, 4), np.float32))
    compiled(np.ones((1, 4), np.float32))
    assert len(layer.weights) == 2
    assert float(layer.count.numpy()) == 2.0  # the assign runs at every call, not at trace


def test_get_set_weights_and_mismatches_change_nothing():
    layer = Scale()
    layer(np.ones((1, 2), np.float32))
    layer.set_weights([np.array([3.0, 4.0]), np.array(7.0)])
    np.testing.assert_allclose(layer.get_weights()[0], [3.0, 4.0])
    with pytest.raises(ValueError, match="weight list of length 1"):
        layer.set_weights([np.ones(2)])
    with pytest.raises(ValueError, match="not compatible"):
        layer.set_weights([np.ones(3), np.array(0.0)])
    np.testing.assert_allclose(layer.get_weights()[0], [3.0, 4.0])


def test_default_names_are_unique_and_reset_by_clear_session():
    tf.keras.backend.clear_session()
    names = [tf.keras.layers.Dense(1).name for _ in range(3)]
    assert names == ["dense", "dense_1", "dense_2"]
    tf.keras.backend.clear_session()
    assert tf.keras.layers.Dense(1).name == "dense"
    assert Scale().name == "scale"


def test_unknown_constructor_argument_is_refused():
    with pytest.raises(TypeError, match="Keyword argument not understood"):
        tf.keras.layers.Dense(2, unitz=3)


def test_training_flag_propagates_from_the_outer_call():
    seen = []

    class Inner(tf.keras.layers.Layer):
        def call(self, inputs, training=None):
            seen.append(training)
            return inputs

    class Outer(tf.keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Inner()

        def call(self, inputs):
            return self.inner(inputs)

    outer = Outer()
    outer(tf.ones([1]), training=True)
    outer(tf.ones([1]))
    outer(tf.ones([1]), training=False)
    assert seen == [True, None, False]


def test_masks_flow_from_embedding_to_a_masking_aware_layer():
    received = []

    class MaskUser(tf.keras.layers.Layer):
        def call(self, inputs, mask=None):
            received.append(mask)
            return inputs

    ids = np.array([[1, 0, 2]], np.int32)
    embedded = tf.keras.layers.Embedding(3, 2, mask_zero=True)(ids)
    MaskUser()(embedded)
    np.testing.assert_array_equal(received[0].numpy(), [[True, False, True]])


def test_config_round_trip_and_from_config():
    layer = Scale(3.0, name="custom")
    clone = Scale.from_config(layer.get_config())
    assert clone.factor == 3.0 and clone.name == "custom"


def test_compute_output_shape_by_symbolic_tracing():
    layer = Scale()
    assert layer.compute_output_shape((None, 5)).as_list() == [None, 5]
    assert tf.keras.layers.Dense(3).compute_output_shape((2, 7)).as_list() == [2, 3]


def test_weight_regularizer_and_activity_regularizer_losses():
    layer = tf.keras.layers.Dense(2, kernel_initializer="ones",
                                  kernel_regularizer=tf.keras.regularizers.L1(0.5),
                                  activity_regularizer=tf.keras.regularizers.L2(1.0))
    out = layer(np.ones((2, 3), np.float32))
    values = sorted(float(v) for v in layer.losses)
    activity = np.sum(out.numpy() ** 2) / 2  # divided by the batch size, as Keras does
    np.testing.assert_allclose(values, sorted([0.5 * 6, activity]), rtol=1e-6)


def test_add_weight_needs_a_full_shape():
    layer = tf.keras.layers.Layer()
    with pytest.raises(ValueError, match="fully defined"):
        layer.add_weight("w", shape=(None, 2))


def test_input_spec_error_names_the_layer_and_shapes():
    layer = tf.keras.layers.Dense(2)
    with pytest.raises(ValueError) as info:
        layer(np.ones((3,), np.float32))
    assert 'Input 0 of layer "dense' in str(info.value)
    assert "Full shape received: (3,)" in str(info.value)


def test_layer_is_a_module_and_count_params_needs_build():
    layer = Scale()
    assert isinstance(layer, tf.Module)
    with pytest.raises(ValueError, match="isn't built"):
        layer.count_params()


class Halve(tf.keras.layers.Layer):
    """A call with a tensor-dependent while loop and if: AutoGraph converts it when traced."""

    def call(self, inputs):
        total = tf.reduce_sum(tf.abs(inputs))
        steps = tf.constant(0)
        while total > 1.0:
            inputs = inputs / 2.0
            total = tf.reduce_sum(tf.abs(inputs))
            steps += 1
        if steps > 2:
            inputs = -inputs
        return inputs, steps


@pytest.mark.parametrize("scale", [0.5, 3.0, 40.0])
def test_call_with_python_control_flow_on_tensors_is_converted(scale):
    layer = Halve()
    x = np.full((2, 2), scale, np.float32)
    eager_out, eager_steps = layer(x)
    compiled = tf.function(lambda t: layer(t))
    traced_out, traced_steps = compiled(x)
    np.testing.assert_allclose(traced_out.numpy(), eager_out.numpy())
    assert int(traced_steps) == int(eager_steps)
    graph = compiled.get_concrete_function(tf.TensorSpec([2, 2], tf.float32)).graph
    assert {"while", "cond"} <= {node.op.name for node in graph.nodes}
