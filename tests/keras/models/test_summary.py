"""model.summary(): the tf.keras table for Sequential, functional and subclassed models."""

import numpy as np

import eagerflow as tf


def _lines(model) -> list:
    lines = []
    model.summary(print_fn=lines.append)
    return lines


def test_functional_summary_has_connections_for_shared_layers():
    a = tf.keras.Input(shape=(3,), name="a")
    b = tf.keras.Input(shape=(3,), name="b")
    shared = tf.keras.layers.Dense(2, name="shared")
    model = tf.keras.Model([a, b], [shared(a), shared(b)], name="twin")
    text = "\n".join(_lines(model))
    assert 'Model: "twin"' in text and "Connected to" in text
    assert "a[0][0]" in text and "b[0][0]" in text
    assert "Total params: 8" in text


def test_subclassed_model_layers_have_multiple_shapes():
    class Net(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = tf.keras.layers.Dense(2)

        def call(self, x):
            return self.hidden(x)

    model = Net()
    model(np.ones((1, 4), np.float32))
    lines = _lines(model)
    row = next(line for line in lines if "(Dense)" in line)
    assert "multiple" in row and row.rstrip().endswith("10")


def test_non_trainable_params_are_counted_apart():
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(2,)),
                                 tf.keras.layers.BatchNormalization()])
    text = "\n".join(_lines(model))
    assert "Total params: 28" in text
    assert "Trainable params: 20" in text and "Non-trainable params: 8" in text
