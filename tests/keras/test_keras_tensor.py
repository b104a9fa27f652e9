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


# ---------------------------------------------------------------- operators and tf.* ops

OPERATORS = [
    ("x + y", lambda x, y: x + y, "__operators__.add"),
    ("1 + x", lambda x, y: 1.0 + x, "__operators__.add"),
    ("x - y", lambda x, y: x - y, "math.subtract"),
    ("2 - x", lambda x, y: 2.0 - x, "math.subtract"),
    ("x * y", lambda x, y: x * y, "math.multiply"),
    ("3 * x", lambda x, y: 3.0 * x, "math.multiply"),
    ("x / y", lambda x, y: x / y, "math.truediv"),
    ("1 / x", lambda x, y: 1.0 / x, "math.truediv"),
    ("x // y", lambda x, y: x // y, "math.floordiv"),
    ("x % y", lambda x, y: x % y, "math.floormod"),
    ("x ** 2", lambda x, y: x ** 2.0, "math.pow"),
    ("2 ** x", lambda x, y: 2.0 ** x, "math.pow"),
    ("-x", lambda x, y: -x, "math.negative"),
    ("abs(x)", lambda x, y: abs(x), "math.abs"),
    ("x < y", lambda x, y: x < y, "math.less"),
    ("x <= y", lambda x, y: x <= y, "math.less_equal"),
    ("x > y", lambda x, y: x > y, "math.greater"),
    ("x >= 0", lambda x, y: x >= 0.0, "math.greater_equal"),
    ("x @ w", lambda x, y: x @ np.ones((3, 2), np.float32), "linalg.matmul"),
    ("x[:, 1]", lambda x, y: x[:, 1], "__operators__.getitem"),
]


@pytest.mark.parametrize("label,build,path", OPERATORS, ids=[o[0] for o in OPERATORS])
def test_each_operator_is_one_tf_op_layer(label, build, path):
    x = tf.keras.Input((3,), name="x")
    y = tf.keras.Input((3,), name="y")
    out = build(x, y)
    layer = out._keras_history[0]
    assert type(layer).__name__ == ("SlicingOpLambda" if "getitem" in path else "TFOpLambda")
    assert layer.get_config()["function"] == path
    assert layer.name.startswith("tf." + path)
    model = tf.keras.Model([x, y], out)
    a = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], np.float32)
    b = np.array([[2.0, 3.0, -4.0], [1.0, 0.5, 2.0]], np.float32)
    np.testing.assert_allclose(model([a, b]).numpy(), build(a, b), rtol=1e-6)
    compiled = tf.function(lambda p, q: model([p, q]))
    np.testing.assert_allclose(compiled(a, b).numpy(), build(a, b), rtol=1e-6)


def test_logical_operators_on_boolean_keras_tensors():
    x = tf.keras.Input((2,), dtype="bool")
    y = tf.keras.Input((2,), dtype="bool")
    model = tf.keras.Model([x, y], [x & y, x | y, x ^ y, ~x])
    a, b = np.array([[True, False]]), np.array([[True, True]])
    results = [r.numpy().tolist() for r in model([a, b])]
    assert results == [[[True, False]], [[True, True]], [[False, True]], [[False, True]]]


def test_tensor_on_the_left_of_a_keras_tensor():
    x = tf.keras.Input((3,))
    out = tf.constant([1.0, 2.0, 3.0]) + x
    model = tf.keras.Model(x, out)
    np.testing.assert_allclose(model(np.ones((1, 3), np.float32)).numpy(), [[2.0, 3.0, 4.0]])


def test_keras_tensors_stay_hashable_by_identity():
    x = tf.keras.Input((3,))
    y = tf.keras.Input((3,))
    assert {x: 1, y: 2}[x] == 1 and x in [x] and y not in {x}


def test_slicing_with_unsupported_indices_is_a_clear_error():
    x = tf.keras.Input((3,))
    with pytest.raises(TypeError, match="tf.gather"):
        x[[0, 1]]
    with pytest.raises(TypeError, match="ints"):
        x[:, tf.keras.Input((), dtype="int32")]


def test_tf_ops_in_user_functions_make_layers():
    def block(t):
        return tf.nn.relu(tf.reduce_sum(t, axis=-1, keepdims=True)) * 2.0

    x = tf.keras.Input((3,))
    model = tf.keras.Model(x, block(x))
    data = np.array([[1.0, 2.0, -5.0], [1.0, 1.0, 1.0]], np.float32)
    np.testing.assert_allclose(model(data).numpy(), block(tf.constant(data)).numpy())
    kinds = [layer.get_config()["function"] for layer in model.layers[1:]]
    assert kinds == ["math.reduce_sum", "nn.relu", "math.multiply"]


def test_values_needing_a_real_tensor_are_refused_clearly():
    x = tf.keras.Input((3,))
    with pytest.raises(TypeError, match="Lambda"):
        tf.convert_to_tensor(x)
    with pytest.raises(TypeError, match="Lambda"):
        tf.constant(x)


def test_eager_ops_are_unaffected_by_keras_tensors():
    tf.keras.Input((3,))  # registers KerasTensor with the op dispatch
    a = tf.constant([[1.0, -2.0]])
    assert tf.nn.relu(a).numpy().tolist() == [[1.0, 0.0]]
    assert (a + np.array([1.0, 1.0], np.float32)).numpy().tolist() == [[2.0, -1.0]]
    assert tf.concat([a, [[3.0, 4.0]]], 1).numpy().tolist() == [[1.0, -2.0, 3.0, 4.0]]


def test_iteration_follows_the_static_first_dimension():
    x = tf.keras.Input((3,))
    with pytest.raises(TypeError, match="first dimension is unknown"):
        list(x)
    parts = list(tf.shape(x))  # a 1-D KerasTensor of static length 2
    assert len(parts) == 2
    model = tf.keras.Model(x, parts[1])
    assert model(np.zeros((5, 3), np.float32)).numpy() == 3


def test_random_and_python_calling_ops_are_not_recorded():
    x = tf.keras.Input((3,))
    with pytest.raises(TypeError, match="Lambda"):
        tf.nn.dropout(x, 0.5)
    with pytest.raises(TypeError, match="Lambda"):
        tf.py_function(lambda t: t, [x], tf.float32)
    with pytest.raises(TypeError, match="Lambda"):
        tf.random.normal(tf.shape(x))


def test_shape_arguments_computed_from_keras_tensors():
    inputs = tf.keras.Input(shape=(4, 3))
    flat = tf.reshape(inputs, [tf.shape(inputs)[0], 12])
    tiled = tf.tile(inputs, [1, tf.shape(inputs)[1], 1])
    assert flat.shape.as_list() == [None, 12]
    model = tf.keras.Model(inputs, [flat, tiled])
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    flat_value, tiled_value = model(x)
    np.testing.assert_array_equal(flat_value.numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(tiled_value.numpy(), np.tile(x, (1, 4, 1)))
    clone = tf.keras.models.model_from_json(model.to_json())
    np.testing.assert_array_equal(clone(x)[0].numpy(), x.reshape(2, 12))
    with pytest.raises(TypeError, match="Lambda layer"):
        tf.ones(tf.shape(inputs))  # allocators are not recorded (nor loaded from files)
