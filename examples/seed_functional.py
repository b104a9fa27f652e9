"""The seed's functional-API example: two inputs, one shared embedding, two outputs."""

import eagerflow as tf


def build_model():
    # variable-length sequence of integers
    text_input_a = tf.keras.Input(shape=(None,), dtype='int32')

    # variable-length sequence of integers
    text_input_b = tf.keras.Input(shape=(None,), dtype='int32')

    # embed 1000 unique words into 128-dimensional vectors
    shared_embedding = tf.keras.layers.Embedding(1000, 128)

    # reuse the same layer to encode both inputs
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)

    # finally, two logistic predictions
    prediction_a = tf.keras.layers.Dense(1, activation='sigmoid', name='prediction_a')(encoded_input_a)
    prediction_b = tf.keras.layers.Dense(1, activation='sigmoid', name='prediction_b')(encoded_input_b)

    # 2 inputs and 2 outputs, with the model in the middle
    model = tf.keras.Model(inputs=[text_input_a, text_input_b],
    outputs=[prediction_a, prediction_b])

    tf.keras.utils.plot_model(model, to_file="shared_model.png")

build_model()
