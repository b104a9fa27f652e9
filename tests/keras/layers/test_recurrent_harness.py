"""The recurrent layers through the shared layer harness (eager, tf.function, Input -> layer
-> Model, config round trip, gradients against finite differences), and masks through a
functional model."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import layers
from tests.keras.layer_harness import check_layer
from tests.keras.layers.rnn_reference import traced_loop  # noqa: F401

FACTORIES = {
    "lstm": lambda dtype=None: layers.LSTM(3, dtype=dtype),
    "lstm_sequences_states": lambda dtype=None: layers.LSTM(
        2, return_sequences=True, return_state=True, dtype=dtype),
    "gru_backwards": lambda dtype=None: layers.GRU(3, go_backwards=True,
                                                   return_sequences=True, dtype=dtype),
    "gru_reset_before": lambda dtype=None: layers.GRU(2, reset_after=False, dtype=dtype),
    "simple_rnn": lambda dtype=None: layers.SimpleRNN(2, return_state=True, dtype=dtype),
    "stacked": lambda dtype=None: layers.RNN(
        [layers.LSTMCell(2, dtype=dtype), layers.GRUCell(2, dtype=dtype)], dtype=dtype),
    "bidirectional": lambda dtype=None: layers.Bidirectional(
        layers.LSTM(2, return_sequences=True, dtype=dtype), dtype=dtype),
    "bidirectional_states": lambda dtype=None: layers.Bidirectional(
        layers.GRU(2, return_state=True, dtype=dtype), merge_mode="sum", dtype=dtype),
    "time_distributed": lambda dtype=None: layers.TimeDistributed(
        layers.Dense(2, dtype=dtype), dtype=dtype),
    "masking": lambda dtype=None: layers.Masking(dtype=dtype),
}


@pytest.mark.usefixtures("traced_loop")
@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_layer_harness(name):
    x = np.random.randn(2, 4, 3).astype(np.float32)
    check_layer(FACTORIES[name], x, max_gradient_checks=4)


@pytest.mark.usefixtures("traced_loop")
def test_masks_flow_through_a_functional_model():
    inputs = tf.keras.Input(shape=(None, 3))
    masked = layers.Masking()(inputs)
    sequence = layers.LSTM(4, return_sequences=True)(masked)
    outputs = layers.Bidirectional(layers.GRU(2))(sequence)
    model = tf.keras.Model(inputs, outputs)
    assert outputs.shape.as_list() == [None, 4]
    x = np.random.randn(2, 5, 3).astype(np.float32)
    padded = x.copy()
    padded[0, 3:] = 0.0
    # A padded sequence gives what the unpadded one gives.
    short = model(x[:1, :3]).numpy()
    np.testing.assert_allclose(model(padded).numpy()[:1], short, rtol=1e-5, atol=1e-6)
    compiled = tf.function(lambda a: model(a))(padded)
    np.testing.assert_allclose(compiled.numpy()[:1], short, rtol=1e-5, atol=1e-6)


def test_embedding_mask_in_sequential_model():
    model = tf.keras.Sequential([layers.Embedding(10, 3, mask_zero=True),
                                 layers.SimpleRNN(4)])
    tokens = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]])
    padded = model(tokens).numpy()
    np.testing.assert_allclose(padded[0], model(tokens[:1, :3]).numpy()[0], rtol=1e-5)


def test_symbolic_shapes_keep_known_dimensions():
    inputs = tf.keras.Input(shape=(10, 3))
    sequence = layers.LSTM(4, return_sequences=True)(inputs)
    assert sequence.shape.as_list() == [None, 10, 4]
    both = layers.Bidirectional(layers.GRU(2, return_sequences=True))(sequence)
    assert both.shape.as_list() == [None, 10, 4]
    assert layers.TimeDistributed(layers.Dense(5))(both).shape.as_list() == [None, 10, 5]
    last, h, c = layers.LSTM(3, return_state=True)(inputs)
    assert last.shape.as_list() == h.shape.as_list() == c.shape.as_list() == [None, 3]
    unknown = tf.keras.Input(shape=(None, 3))
    assert layers.SimpleRNN(2, return_sequences=True)(unknown).shape.as_list() == [
        None, None, 2]


def test_fit_learns_through_masked_bidirectional_lstm():
    rng = np.random.RandomState(0)
    tokens = rng.randint(1, 10, size=(128, 8))
    lengths = rng.randint(2, 9, size=128)
    for row, length in enumerate(lengths):
        tokens[row, length:] = 0
    labels = (tokens[np.arange(128), lengths - 1] >= 5).astype(np.float32)  # last real token
    model = tf.keras.Sequential([layers.Embedding(10, 8, mask_zero=True),
                                 layers.Bidirectional(layers.LSTM(8)),
                                 layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(tokens, labels, epochs=12, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


def test_checkpoint_keys_match_tf_keras(tmp_path):
    model = tf.keras.Sequential([
        layers.InputLayer(input_shape=(5, 3)),
        layers.Bidirectional(layers.LSTM(2, return_sequences=True)),
        layers.TimeDistributed(layers.Dense(1)),
        layers.RNN([layers.GRUCell(2), layers.SimpleRNNCell(2)])])
    prefix = str(tmp_path / "ckpt")
    model.save_weights(prefix)
    keys = {name: shape for name, shape in tf.train.list_variables(prefix)}
    keys.pop("_CHECKPOINTABLE_OBJECT_GRAPH")
    suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
    # Observed with tf_keras 2.21 `save_weights` of the same model.
    assert keys == {
        "layer_with_weights-0/backward_layer/cell/bias" + suffix: [8],
        "layer_with_weights-0/backward_layer/cell/kernel" + suffix: [3, 8],
        "layer_with_weights-0/backward_layer/cell/recurrent_kernel" + suffix: [2, 8],
        "layer_with_weights-0/forward_layer/cell/bias" + suffix: [8],
        "layer_with_weights-0/forward_layer/cell/kernel" + suffix: [3, 8],
        "layer_with_weights-0/forward_layer/cell/recurrent_kernel" + suffix: [2, 8],
        "layer_with_weights-1/layer/bias" + suffix: [1],
        "layer_with_weights-1/layer/kernel" + suffix: [4, 1],
        "layer_with_weights-2/cell/cells/0/bias" + suffix: [2, 6],
        "layer_with_weights-2/cell/cells/0/kernel" + suffix: [1, 6],
        "layer_with_weights-2/cell/cells/0/recurrent_kernel" + suffix: [2, 6],
        "layer_with_weights-2/cell/cells/1/bias" + suffix: [2],
        "layer_with_weights-2/cell/cells/1/kernel" + suffix: [2, 2],
        "layer_with_weights-2/cell/cells/1/recurrent_kernel" + suffix: [2, 2],
    }
    x = np.random.randn(2, 5, 3).astype(np.float32)
    clone = tf.keras.models.clone_model(model)
    clone.load_weights(prefix)
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_keras_file_round_trip(tmp_path):
    inputs = tf.keras.Input(shape=(5, 3))
    hidden = layers.Masking()(inputs)
    hidden = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="ave")(hidden)
    hidden = layers.TimeDistributed(layers.Dense(3))(hidden)
    outputs = layers.RNN([layers.LSTMCell(2), layers.SimpleRNNCell(2)],
                         go_backwards=True)(hidden)
    model = tf.keras.Model(inputs, outputs)
    x = np.random.randn(2, 5, 3).astype(np.float32)
    x[0, 3:] = 0.0
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_unroll_needs_a_known_time_dimension():
    with pytest.raises(ValueError, match="Cannot unroll a RNN if the time dimension is "
                                         "undefined"):
        layers.LSTM(2, unroll=True)(tf.keras.Input(shape=(None, 3)))
    assert layers.LSTM(2, unroll=True)(tf.keras.Input(shape=(4, 3))).shape.as_list() == [
        None, 2]
