"""keras.backend: settings with validation, unique names."""

import pytest

import eagerflow as tf


def test_defaults_and_setters():
    backend = tf.keras.backend
    assert backend.floatx() == "float32" and backend.epsilon() == 1e-7
    assert backend.image_data_format() == "channels_last"
    backend.set_epsilon(1e-5)
    assert backend.epsilon() == 1e-5
    backend.set_epsilon(1e-7)
    with pytest.raises(ValueError, match="floatx"):
        backend.set_floatx("int8")
    with pytest.raises(ValueError, match="data_format"):
        backend.set_image_data_format("nchw")


def test_unique_names_count_per_prefix():
    backend = tf.keras.backend
    backend.clear_session()
    assert [backend.unique_object_name("x") for _ in range(3)] == ["x", "x_1", "x_2"]
    assert backend.unique_object_name("y") == "y"


def test_keras_tensor_helpers():
    x = tf.keras.Input(shape=(3, 4))
    assert tf.keras.backend.is_keras_tensor(x)
    assert not tf.keras.backend.is_keras_tensor(tf.ones([1]))
    assert tf.keras.backend.int_shape(tf.ones([2, 5])) == (2, 5)


def test_get_value_and_set_value_on_an_optimizer_learning_rate():
    optimizer = tf.keras.optimizers.SGD(0.1)
    tf.keras.backend.set_value(optimizer.lr, 0.5)
    assert float(tf.keras.backend.get_value(optimizer.learning_rate)) == 0.5


def test_tf2_aliases_of_keras_namespaces():
    assert tf.optimizers.Adam is tf.keras.optimizers.Adam
    assert tf.losses.MeanSquaredError is tf.keras.losses.MeanSquaredError
    assert tf.metrics.Mean is tf.keras.metrics.Mean
    assert tf.initializers.Zeros is tf.keras.initializers.Zeros


def test_backend_tensor_functions_of_older_keras_code():
    import numpy as np

    K = tf.keras.backend
    x = tf.constant([[1.0, -2.0], [3.0, 4.0]])
    assert float(K.mean(K.square(x))) == 7.5
    np.testing.assert_allclose(K.sum(x, axis=1).numpy(), [-1.0, 7.0])
    np.testing.assert_allclose(K.max(x, axis=0).numpy(), [3.0, 4.0])
    np.testing.assert_allclose(K.clip(x, 0.0, 2.0).numpy(), [[1, 0], [2, 2]])
    np.testing.assert_allclose(K.dot(x, x).numpy(), x.numpy() @ x.numpy())
    three = tf.ones([2, 3, 4])
    assert K.dot(three, tf.ones([4, 5])).shape == (2, 3, 5)
    assert K.flatten(x).shape == (4,) and K.concatenate([x, x]).shape == (2, 4)
    np.testing.assert_allclose(K.binary_crossentropy(tf.constant([1.0]), tf.constant([0.9])),
                               [-np.log(0.9)], rtol=1e-5)
    assert K.exp is tf.exp and K.relu is tf.nn.relu
    assert float(K.mean(tf.constant([True, False]))) == 0.5
    variable = K.variable([1, 2])
    assert variable.dtype == tf.float32
    with pytest.raises(AttributeError):
        _ = K.no_such_function
