"""Recurrent cells: one step against NumPy equations (float64), eagerly and inside tf.function,
Keras weight shapes/names/order and initial values, configs, stacked cells, errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import recurrent_cells as cells
from tests.keras.layers import rnn_reference as ref


def _randomize(layer, scale=0.5):
    values = [np.random.randn(*w.shape).astype(w.dtype.as_numpy_dtype) * scale
              for w in layer.weights]
    layer.set_weights(values)
    return values


def _both_ways(cell, x, states):
    eager = cell(x, states)
    compiled = tf.function(lambda a, s: cell(a, s))(x, states)
    return eager, compiled


def test_seed_program_lstm_cell_eager_and_function():
    cell = tf.keras.layers.LSTMCell(100)
    out, state = cell(tf.zeros([100, 100]), [tf.zeros([100, 100])] * 2)
    assert out.shape == (100, 100)
    assert isinstance(state, list) and len(state) == 2
    assert all(s.shape == (100, 100) for s in state)

    @tf.function
    def fn(input, state):
        return cell(input, state)

    x = np.random.randn(100, 100).astype(np.float32)
    h0 = np.random.randn(100, 100).astype(np.float32)
    c0 = np.random.randn(100, 100).astype(np.float32)
    out0, state0 = fn(tf.zeros([100, 100]), [tf.zeros([100, 100])] * 2)
    assert out0.shape == (100, 100) and [s.shape for s in state0] == [(100, 100)] * 2
    np.testing.assert_allclose(out0.numpy(), out.numpy(), atol=1e-7)
    out2, state2 = fn(tf.constant(x), [tf.constant(h0), tf.constant(c0)])
    assert out2.shape == (100, 100) and [s.shape for s in state2] == [(100, 100)] * 2
    out1, state1 = cell(tf.constant(x), [tf.constant(h0), tf.constant(c0)])
    np.testing.assert_allclose(out2.numpy(), out1.numpy(), rtol=1e-6, atol=1e-6)
    kernel, recurrent, bias = cell.get_weights()
    expected, (h, c) = ref.lstm_step(x, [h0, c0], kernel, recurrent, bias)
    np.testing.assert_allclose(out1.numpy(), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(state1[1].numpy(), c, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("use_bias", [True, False])
def test_simple_rnn_cell_matches_numpy(use_bias):
    cell = cells.SimpleRNNCell(4, use_bias=use_bias, dtype="float64")
    x, h = np.random.randn(3, 5), np.random.randn(3, 4)
    cell.build((None, 5))
    weights = _randomize(cell)
    bias = weights[2] if use_bias else None
    expected, _ = ref.simple_rnn_step(x, [h], weights[0], weights[1], bias)
    (out, new), (out_c, new_c) = _both_ways(cell, tf.constant(x), [tf.constant(h)])
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(new[0].numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(out_c.numpy(), expected, rtol=1e-12)
    # A single tensor state in, a single tensor out (tf_keras).
    out_single, state_single = cell(tf.constant(x), tf.constant(h))
    assert isinstance(state_single, tf.Tensor)
    np.testing.assert_allclose(state_single.numpy(), expected, rtol=1e-12)


def test_simple_rnn_cell_activation_argument():
    cell = cells.SimpleRNNCell(3, activation="relu", dtype="float64")
    x, h = np.random.randn(4, 2), np.random.randn(4, 3)
    cell.build((None, 2))
    k, r, b = _randomize(cell)
    out, _ = cell(x, [h])
    np.testing.assert_allclose(out.numpy(), np.maximum(x @ k + h @ r + b, 0), rtol=1e-12)


@pytest.mark.parametrize("use_bias", [True, False])
def test_lstm_cell_matches_numpy(use_bias):
    cell = cells.LSTMCell(3, use_bias=use_bias, dtype="float64")
    x, h, c = np.random.randn(2, 4), np.random.randn(2, 3), np.random.randn(2, 3)
    cell.build((None, 4))
    weights = _randomize(cell)
    expected, (eh, ec) = ref.lstm_step(x, [h, c], weights[0], weights[1],
                                       weights[2] if use_bias else None)
    for out, new in _both_ways(cell, tf.constant(x), [tf.constant(h), tf.constant(c)]):
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
        np.testing.assert_allclose(new[0].numpy(), eh, rtol=1e-12)
        np.testing.assert_allclose(new[1].numpy(), ec, rtol=1e-12)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_cell_matches_numpy(reset_after):
    cell = cells.GRUCell(3, reset_after=reset_after, dtype="float64")
    x, h = np.random.randn(2, 4), np.random.randn(2, 3)
    cell.build((None, 4))
    k, r, b = _randomize(cell)
    assert b.shape == ((2, 9) if reset_after else (9,))
    expected, _ = ref.gru_step(x, [h], k, r, b, reset_after=reset_after)
    for out, new in _both_ways(cell, tf.constant(x), [tf.constant(h)]):
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
        np.testing.assert_allclose(new[0].numpy(), expected, rtol=1e-12)


def test_weight_names_shapes_and_initial_values():
    lstm = cells.LSTMCell(2, name="lstm_cell")
    lstm.build((None, 5))
    assert [w.name for w in lstm.weights] == ["lstm_cell/kernel:0",
                                              "lstm_cell/recurrent_kernel:0",
                                              "lstm_cell/bias:0"]
    assert [tuple(w.shape) for w in lstm.weights] == [(5, 8), (2, 8), (8,)]
    # unit_forget_bias: the forget gate (second block) starts at one.
    np.testing.assert_array_equal(lstm.bias.numpy(), [0, 0, 1, 1, 0, 0, 0, 0])
    # recurrent kernel is orthogonal by default: its rows are orthonormal.
    recurrent = lstm.recurrent_kernel.numpy()
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(2), atol=1e-5)
    no_forget = cells.LSTMCell(2, unit_forget_bias=False)
    no_forget.build((None, 5))
    np.testing.assert_array_equal(no_forget.bias.numpy(), np.zeros(8))
    gru = cells.GRUCell(2)
    gru.build((None, 5))
    assert [tuple(w.shape) for w in gru.weights] == [(5, 6), (2, 6), (2, 6)]
    simple = cells.SimpleRNNCell(2, use_bias=False)
    simple.build((None, 5))
    assert [tuple(w.shape) for w in simple.weights] == [(5, 2), (2, 2)]
    assert lstm.state_size == [2, 2] and lstm.output_size == 2
    assert gru.state_size == 2 and simple.state_size == 2


def test_cell_configs_round_trip_with_keras_keys():
    lstm = cells.LSTMCell(3, dropout=0.25, recurrent_activation="hard_sigmoid")
    config = lstm.get_config()
    assert list(config) == [
        "name", "trainable", "dtype", "units", "activation", "recurrent_activation",
        "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
        "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
        "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
        "recurrent_dropout", "implementation"]
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert config["recurrent_activation"] == "hard_sigmoid" and config["dropout"] == 0.25
    clone = cells.LSTMCell.from_config(config)
    assert clone.get_config() == config
    gru_config = cells.GRUCell(2, reset_after=False).get_config()
    assert gru_config["reset_after"] is False and list(gru_config)[-2:] == [
        "implementation", "reset_after"]
    assert cells.GRUCell.from_config(gru_config).reset_after is False
    simple = cells.SimpleRNNCell(2).get_config()
    assert "recurrent_activation" not in simple and simple["activation"] == "tanh"


def test_same_weights_same_output_after_round_trip():
    cell = cells.GRUCell(3)
    x, h = tf.constant(np.random.randn(2, 4).astype(np.float32)), tf.zeros([2, 3])
    out, _ = cell(x, [h])
    clone = cells.GRUCell.from_config(cell.get_config())
    clone.build((None, 4))
    clone.set_weights(cell.get_weights())
    np.testing.assert_allclose(clone(x, [h])[0].numpy(), out.numpy(), rtol=1e-6)


def test_get_initial_state_is_zeros():
    cell = cells.LSTMCell(3)
    states = cell.get_initial_state(batch_size=4, dtype=tf.float32)
    assert len(states) == 2 and all(s.shape == (4, 3) for s in states)
    assert not any(np.any(s.numpy()) for s in states)
    single = cells.GRUCell(2).get_initial_state(batch_size=3, dtype=tf.float64)
    assert single.shape == (3, 2) and single.dtype == tf.float64


def test_stacked_cells_run_in_sequence():
    lstm, gru = cells.LSTMCell(3, dtype="float64"), cells.GRUCell(2, dtype="float64")
    stack = cells.StackedRNNCells([lstm, gru], dtype="float64")
    assert stack.state_size == [3, 3, 2] and stack.output_size == 2
    x = np.random.randn(2, 4)
    states = [np.random.randn(2, 3), np.random.randn(2, 3), np.random.randn(2, 2)]
    stack.build((None, 4))
    assert [tuple(w.shape) for w in stack.weights] == [(4, 12), (3, 12), (12,), (3, 6),
                                                        (2, 6), (2, 6)]
    lk, lr, lb, gk, gr, gb = _randomize(stack)
    mid, (h, c) = ref.lstm_step(x, states[:2], lk, lr, lb)
    expected, (g,) = ref.gru_step(mid, states[2:], gk, gr, gb)
    for out, new in _both_ways(stack, tf.constant(x), [tf.constant(s) for s in states]):
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
        np.testing.assert_allclose(new[1].numpy(), c, rtol=1e-12)
        np.testing.assert_allclose(new[2].numpy(), g, rtol=1e-12)
    config = stack.get_config()
    assert [c["class_name"] for c in config["cells"]] == ["LSTMCell", "GRUCell"]
    clone = cells.StackedRNNCells.from_config(config)
    assert [type(c).__name__ for c in clone.cells] == ["LSTMCell", "GRUCell"]


def test_dropout_only_in_training_and_scaled():
    cell = cells.SimpleRNNCell(200, dropout=0.5, activation=None, use_bias=False,
                               recurrent_initializer="zeros", kernel_initializer="identity")
    x = tf.ones([1, 200])
    state = [tf.zeros([1, 200])]
    np.testing.assert_allclose(cell(x, state)[0].numpy(), np.ones((1, 200)), rtol=1e-6)
    np.testing.assert_allclose(cell(x, state, training=False)[0].numpy(), np.ones((1, 200)),
                               rtol=1e-6)
    for fn in (lambda: cell(x, state, training=True)[0],
               tf.function(lambda: cell(x, state, training=True)[0])):
        dropped = fn().numpy()
        assert set(np.unique(dropped)) <= {0.0, 2.0}
        assert 40 < np.count_nonzero(dropped) < 160


def test_cell_errors():
    with pytest.raises(ValueError, match="units"):
        cells.LSTMCell(0)
    with pytest.raises(ValueError, match="dropout"):
        cells.GRUCell(2, dropout=1.5)
    with pytest.raises(ValueError, match="implementation"):
        cells.LSTMCell(2, implementation=3)
    cell = cells.LSTMCell(2, name="my_cell")
    with pytest.raises(ValueError, match=r"my_cell.*2 state"):
        cell(tf.zeros([1, 3]), [tf.zeros([1, 2])])
    with pytest.raises(ValueError, match="should have a `call` method|must have a `call`"):
        cells.StackedRNNCells([object()])


def test_dropout_with_a_tensor_training_flag():
    cell = cells.SimpleRNNCell(100, dropout=0.5, activation=None, use_bias=False,
                               recurrent_initializer="zeros", kernel_initializer="identity")
    x, state = tf.ones([1, 100]), [tf.zeros([1, 100])]
    step = tf.function(lambda flag: cell(x, state, training=flag)[0])
    assert set(np.unique(step(tf.constant(True)).numpy())) == {0.0, 2.0}
    np.testing.assert_allclose(step(tf.constant(False)).numpy(), np.ones((1, 100)))
    np.testing.assert_allclose(cell(x, state, training=tf.constant(False))[0].numpy(),
                               np.ones((1, 100)))
