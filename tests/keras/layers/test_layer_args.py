"""The weight-argument helpers the layer families share: initializer / regularizer /
constraint triples set from arguments, written to configs in Keras's order, used by add_weight."""

import numpy as np

import eagerflow as tf
from eagerflow.keras import constraints, initializers, regularizers
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.layers.layer_args import (
    _add_weight_from_args,
    _set_weight_args,
    _weight_args_config,
)


class _Scaled(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        _set_weight_args(self, "kernel", "ones", "l2", "non_neg")
        _set_weight_args(self, "gamma", initializers.Constant(3.0))

    def build(self, input_shape):
        self.kernel = _add_weight_from_args(self, "kernel", (input_shape[-1],))
        self.gamma = _add_weight_from_args(self, "scale", (), "gamma", trainable=False)
        self.offset = _add_weight_from_args(self, "offset", (), "gamma",
                                            initializer=initializers.Constant(-1.0))
        self.built = True

    def call(self, inputs):
        return inputs * self.kernel * self.gamma + self.offset


def test_set_weight_args_resolves_identifiers():
    layer = _Scaled()
    assert isinstance(layer.kernel_initializer, initializers.Ones)
    assert isinstance(layer.kernel_regularizer, regularizers.L2)
    assert isinstance(layer.kernel_constraint, constraints.NonNeg)
    assert layer.gamma_regularizer is None and layer.gamma_constraint is None


def test_weight_args_config_in_keras_order():
    layer = _Scaled(activity_regularizer=regularizers.L1(0.5))
    config = _weight_args_config(layer, "kernel", "gamma", activity=True)
    assert list(config) == ["kernel_initializer", "gamma_initializer", "kernel_regularizer",
                            "gamma_regularizer", "activity_regularizer", "kernel_constraint",
                            "gamma_constraint"]
    assert config["kernel_initializer"]["class_name"] == "Ones"
    assert config["gamma_initializer"]["config"] == {"value": 3.0}
    assert config["kernel_regularizer"]["config"] == {"l2": 0.01}
    assert config["activity_regularizer"]["class_name"] == "L1"
    assert config["gamma_regularizer"] is None and config["gamma_constraint"] is None
    assert list(_weight_args_config(layer, "gamma")) == [
        "gamma_initializer", "gamma_regularizer", "gamma_constraint"]


def test_add_weight_from_args_uses_the_triple():
    layer = _Scaled(dtype="float64")
    out = layer(np.array([[1.0, 2.0]]))
    np.testing.assert_allclose(out.numpy(), [[3.0 - 1.0, 6.0 - 1.0]])
    assert layer.kernel.dtype == tf.float64 and layer.kernel.trainable
    assert not layer.gamma.trainable
    assert sorted(w.name.split("/")[-1] for w in layer.weights) == [
        "kernel:0", "offset:0", "scale:0"]
    assert layer.kernel.constraint is layer.kernel_constraint
    np.testing.assert_allclose(float(layer.losses[0]), 0.01 * 2.0)  # l2 * sum(ones ** 2)
