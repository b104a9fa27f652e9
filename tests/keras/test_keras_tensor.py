"""KerasTensor and Node: shapes, history, refusals of value access."""

import numpy as np
import pytest

import eagerflow as tf


def test_input_tensor_shape_dtype_and_history():
    x = tf.keras.Input(shape=(None, 4), dtype="int32", name="tokens")
    assert x.shape.as_list() == [None, None, 4] and x.dtype == tf.int32
    layer, node_index, tensor_index = x._keras_history
    assert layer.name == "tokens" and (node_index, tensor_index) == (0, 0)
    assert x.node.is_input and x.node.inbound_layers == []


def test_nodes_link_layers():
    x = tf.keras.Input(shape=(3,))
    dense = tf.keras.layers.Dense(2)
    y = dense(x)
    node = y.node
    assert node.layer is dense and node.inbound_layers == [x._keras_history[0]]
    assert node.output_tensors == [y] and node.parent_nodes == [x.node]


def test_symbolic_tensors_have_no_value():
    x = tf.keras.Input(shape=(3,))
    with pytest.raises(TypeError, match="symbolic"):
        bool(x)
    with pytest.raises(TypeError, match="Lambda"):
        np.asarray(x)


def test_operators_record_layers():
    x = tf.keras.Input(shape=(2,))
    y = -(x @ np.eye(2, dtype=np.float32)) ** 2
    model = tf.keras.Model(x, y)
    data = np.array([[1.0, -2.0]], np.float32)
    np.testing.assert_allclose(model(data).numpy(), -(data ** 2))
