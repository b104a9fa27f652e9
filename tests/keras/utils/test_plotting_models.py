"""plot_model on real eagerflow Keras models: the seed's two-input shared-embedding model,
Sequential stacks, nested and subclassed models."""

import numpy as np
import pytest
from PIL import Image

import eagerflow as tf
from eagerflow.keras.utils.plotting import layout_model


def _names(plot):
    return [node.name for node in plot.graph.nodes]


def _edges_by_name(plot):
    names = _names(plot)
    return {(names[s], names[t]) for s, t in plot.graph.edges}


def _seed_shared_model():
    text_input_a = tf.keras.Input(shape=(None,), dtype="int32", name="text_a")
    text_input_b = tf.keras.Input(shape=(None,), dtype="int32", name="text_b")
    shared_embedding = tf.keras.layers.Embedding(1000, 128, name="shared_embedding")
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    prediction_a = tf.keras.layers.Dense(1, activation="sigmoid",
                                         name="prediction_a")(encoded_input_a)
    prediction_b = tf.keras.layers.Dense(1, activation="sigmoid",
                                         name="prediction_b")(encoded_input_b)
    return tf.keras.Model(inputs=[text_input_a, text_input_b],
                          outputs=[prediction_a, prediction_b])


def test_seed_shared_embedding_model(tmp_path):
    model = _seed_shared_model()
    plot = layout_model(model, show_shapes=True, show_layer_activations=True)
    assert _names(plot) == [layer.name for layer in model.layers]
    assert _edges_by_name(plot) == {("text_a", "shared_embedding"),
                                    ("text_b", "shared_embedding"),
                                    ("shared_embedding", "prediction_a"),
                                    ("shared_embedding", "prediction_b")}
    assert len(plot.layout.boxes) == 5 and len(plot.layout.arrows) == 4
    assert plot.rows[3] == ("prediction_a (Dense)", "activation: sigmoid",
                            "input: (None, None, 128)", "output: (None, None, 1)")
    path = tmp_path / "shared_model.png"
    tf.keras.utils.plot_model(model, to_file=str(path))
    with Image.open(path) as image:
        assert image.format == "PNG" and 200 < image.size[0] < 1500


def test_sequential_draws_its_input_layer_and_a_chain():
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                                 tf.keras.layers.Dense(1)])
    plot = layout_model(model, show_shapes=True)
    names = _names(plot)
    assert len(names) == 3 and plot.graph.nodes[0].class_name == "InputLayer"
    assert names[1:] == [layer.name for layer in model.layers]
    assert plot.graph.edges == [(0, 1), (1, 2)]
    assert plot.rows[2][1:] == ("input: (None, 8)", "output: (None, 1)")


def test_unbuilt_models_raise_and_subclassed_models_are_one_box():
    with pytest.raises(ValueError, match="This model has not yet been built"):
        layout_model(tf.keras.Sequential([tf.keras.layers.Dense(2)]))

    class Scaler(tf.keras.Model):
        def __init__(self):
            super().__init__(name="scaler")
            self.dense = tf.keras.layers.Dense(3)

        def call(self, inputs):
            return self.dense(inputs)

    model = Scaler()
    with pytest.raises(ValueError, match="This model has not yet been built"):
        tf.keras.utils.plot_model(model)
    model(np.ones((2, 4), np.float32))
    assert layout_model(model).rows == (("scaler",),)


def test_nested_model_folded_and_expanded():
    inner_input = tf.keras.Input(shape=(4,), name="inner_input")
    inner = tf.keras.Model(inner_input, tf.keras.layers.Dense(4, name="inner_dense")(inner_input),
                           name="inner")
    x = tf.keras.Input(shape=(4,), name="x")
    out = tf.keras.layers.Dense(1, name="head")(inner(x))
    model = tf.keras.Model(x, out, name="outer")
    assert _edges_by_name(layout_model(model)) == {("x", "inner"), ("inner", "head")}
    expanded = layout_model(model, expand_nested=True)
    assert _names(expanded) == ["x", "inner_input", "inner_dense", "head"]
    assert _edges_by_name(expanded) == {("x", "inner_input"), ("inner_input", "inner_dense"),
                                        ("inner_dense", "head")}
    assert expanded.graph.clusters[0].name == "inner"


def test_a_layer_shared_by_two_models_is_drawn_per_model():
    shared = tf.keras.layers.Dense(3, name="shared")
    a = tf.keras.Input(shape=(2,), name="a")
    b = tf.keras.Input(shape=(2,), name="b")
    tf.keras.Model(a, shared(a))
    second = tf.keras.Model(b, tf.keras.layers.Dense(1, name="head")(shared(b)))
    plot = layout_model(second)
    assert _names(plot) == ["b", "shared", "head"]
    assert _edges_by_name(plot) == {("b", "shared"), ("shared", "head")}
