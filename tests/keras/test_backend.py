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
