"""Bidirectional (merge modes, states, masks, initial states, configs) and TimeDistributed,
against NumPy, eagerly and inside tf.function; plus the Masking layer."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import recurrent as rnn
from eagerflow.keras.layers import recurrent_cells as cells
from eagerflow.keras.layers import wrappers
from eagerflow.keras.layers.masking import Masking
from tests.keras.finite_differences import numeric_gradient
from tests.keras.layers import rnn_reference as ref
from tests.keras.layers.rnn_reference import randomize as _randomize
from tests.keras.layers.rnn_reference import traced_loop  # noqa: F401

B, T, F, U = 3, 5, 4, 2


def _reference(weights, x, mask, return_sequences):
    """Forward and backward LSTM runs as Bidirectional does them (masked outputs are zero)."""
    zeros = [np.zeros((x.shape[0], U))] * 2
    forward = lambda a, s: ref.lstm_step(a, s, *weights[:3])  # noqa: E731
    backward = lambda a, s: ref.lstm_step(a, s, *weights[3:])  # noqa: E731
    zero_out = return_sequences
    f_last, f_seq, f_states = ref.run(forward, x, zeros, mask=mask,
                                      zero_output_for_mask=zero_out)
    b_last, b_seq, b_states = ref.run(backward, x, zeros, mask=mask, go_backwards=True,
                                      zero_output_for_mask=zero_out)
    if return_sequences:
        return f_seq, b_seq[:, ::-1], f_states + b_states
    return f_last, b_last, f_states + b_states


@pytest.mark.usefixtures("traced_loop")
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_merge_modes_match_numpy(merge_mode, return_sequences):
    layer = wrappers.Bidirectional(
        rnn.LSTM(U, return_sequences=return_sequences, return_state=True, dtype="float64"),
        merge_mode=merge_mode, dtype="float64")
    x = np.random.randn(B, T, F)
    mask = np.ones((B, T), bool)
    mask[0, 3:] = False
    layer.build((None, T, F))
    forward, backward, states = _reference(_randomize(layer), x, mask, return_sequences)
    merged = {"concat": lambda: np.concatenate([forward, backward], -1),
              "sum": lambda: forward + backward, "mul": lambda: forward * backward,
              "ave": lambda: (forward + backward) / 2,
              None: lambda: None}[merge_mode]()
    expected = ([forward, backward] if merge_mode is None else [merged]) + states
    eager = layer(x, mask=tf.constant(mask))
    compiled = tf.function(lambda a, m: layer(a, mask=m))(tf.constant(x), tf.constant(mask))
    for result in (eager, compiled):
        assert len(result) == len(expected)
        for got, want in zip(result, expected):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def test_bidirectional_weights_names_and_shapes():
    layer = wrappers.Bidirectional(rnn.GRU(3, name="gru"))
    out = layer(tf.zeros([2, 4, 5]))
    assert out.shape == (2, 6)
    assert layer.forward_layer.name == "forward_gru" and layer.backward_layer.name == (
        "backward_gru")
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert len(layer.weights) == 6
    assert all(a is b for a, b in zip(layer.weights[:3], layer.forward_layer.weights))
    assert all(a is b for a, b in zip(layer.weights[3:], layer.backward_layer.weights))
    shape = layer.compute_output_shape((None, 4, 5))
    assert shape.as_list() == [None, 6]
    sequences = wrappers.Bidirectional(rnn.LSTM(3, return_sequences=True), merge_mode="sum")
    assert sequences(tf.zeros([2, 4, 5])).shape == (2, 4, 3)
    assert sequences.compute_output_shape((None, 4, 5)).as_list() == [None, 4, 3]


@pytest.mark.usefixtures("traced_loop")
def test_bidirectional_initial_state_splits_forward_then_backward():
    layer = wrappers.Bidirectional(rnn.LSTM(U, return_state=True, dtype="float64"),
                                   merge_mode=None, dtype="float64")
    x = np.random.randn(B, T, F)
    layer.build((None, T, F))
    weights = _randomize(layer)
    initial = [np.random.randn(B, U) for _ in range(4)]
    f_last, _, f_states = ref.run(lambda a, s: ref.lstm_step(a, s, *weights[:3]), x,
                                  initial[:2])
    b_last, _, b_states = ref.run(lambda a, s: ref.lstm_step(a, s, *weights[3:]), x,
                                  initial[2:], go_backwards=True)
    for result in (layer(x, initial_state=initial),
                   tf.function(lambda a, *s: layer(a, initial_state=list(s)))(
                       tf.constant(x), *[tf.constant(s) for s in initial])):
        np.testing.assert_allclose(result[0].numpy(), f_last, rtol=1e-10)
        np.testing.assert_allclose(result[1].numpy(), b_last, rtol=1e-10)
        np.testing.assert_allclose(result[3].numpy(), f_states[1], rtol=1e-10)
        np.testing.assert_allclose(result[5].numpy(), b_states[1], rtol=1e-10)
    with pytest.raises(ValueError, match="initial_state"):
        layer(x, initial_state=initial[:3])


def test_bidirectional_config_round_trip():
    layer = wrappers.Bidirectional(rnn.LSTM(U, return_sequences=True), merge_mode="ave")
    x = np.random.randn(2, 3, 4).astype(np.float32)
    expected = layer(x).numpy()
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "layer", "merge_mode"]
    assert config["layer"]["class_name"] == "LSTM"
    clone = wrappers.Bidirectional.from_config(config)
    clone.build((None, 3, 4))
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), expected, rtol=1e-6)
    custom = wrappers.Bidirectional(rnn.GRU(2), backward_layer=rnn.GRU(2, go_backwards=True))
    custom_config = custom.get_config()
    assert custom_config["backward_layer"]["class_name"] == "GRU"
    assert wrappers.Bidirectional.from_config(custom_config).backward_layer.go_backwards
    generic = wrappers.Bidirectional(rnn.RNN(cells.SimpleRNNCell(2), return_sequences=True))
    assert generic(x).shape == (2, 3, 4)


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="Layer` instance"):
        wrappers.Bidirectional(object())
    with pytest.raises(ValueError, match="Invalid merge mode"):
        wrappers.Bidirectional(rnn.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        wrappers.Bidirectional(rnn.LSTM(2), backward_layer=rnn.LSTM(2))
    with pytest.raises(ValueError, match="return_sequences"):
        wrappers.Bidirectional(rnn.LSTM(2), backward_layer=rnn.LSTM(
            2, go_backwards=True, return_sequences=True))
    from eagerflow.keras.layers.core import Dense

    with pytest.raises(ValueError, match="recurrent layer"):
        wrappers.Bidirectional(Dense(2))


def test_time_distributed_dense_matches_numpy():
    from eagerflow.keras.layers.core import Dense

    layer = wrappers.TimeDistributed(Dense(3, dtype="float64"), dtype="float64")
    x = np.random.randn(2, 4, 5)
    layer.build((None, 4, 5))
    kernel, bias = _randomize(layer)
    expected = x @ kernel + bias
    eager = layer(x)
    compiled = tf.function(lambda a: layer(a))(tf.constant(x))
    for result in (eager, compiled):
        np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12)
    assert layer.compute_output_shape((None, 4, 5)).as_list() == [None, 4, 3]
    wide = wrappers.TimeDistributed(Dense(2))
    assert wide(tf.zeros([2, 3, 4, 5])).shape == (2, 3, 4, 2)
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense"
    clone = wrappers.TimeDistributed.from_config(config)
    clone.build((None, 4, 5))
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        wrappers.TimeDistributed(Dense(2))(tf.zeros([2, 3]))
    with pytest.raises(ValueError, match="Layer` instance"):
        wrappers.TimeDistributed("dense")


def test_time_distributed_gradients_match_finite_differences():
    from eagerflow.keras.layers.core import Dense

    layer = wrappers.TimeDistributed(Dense(2, activation="tanh", dtype="float64"),
                                     dtype="float64")
    x = np.random.randn(2, 3, 2)
    layer.build((None, 3, 2))
    kernel, bias = _randomize(layer)
    x_tensor = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tensor)
        loss = tf.reduce_sum(layer(x_tensor) ** 2)
    grad_x, grad_kernel = tape.gradient(loss, [x_tensor, layer.trainable_weights[0]])

    def loss_of(x_value, kernel_value):
        return np.sum(np.tanh(x_value @ kernel_value + bias) ** 2)

    numeric = numeric_gradient(lambda k: loss_of(x, k), kernel)
    np.testing.assert_allclose(grad_kernel.numpy(), numeric, rtol=1e-6)
    numeric_x = numeric_gradient(lambda a: loss_of(a, kernel), x)
    np.testing.assert_allclose(grad_x.numpy(), numeric_x, rtol=1e-6)


def test_masking_layer():
    x = np.random.randn(2, 4, 3).astype(np.float32)
    x[0, 1] = 0.0
    x[1, 3] = -1.0
    x[1, 2, 0] = 0.0  # one zero feature does not mask the step
    layer = Masking()
    keep = np.any(x != 0, axis=-1)

    def with_mask(a):
        out = layer(a)
        return out, out._keras_mask

    for fn in (with_mask, tf.function(with_mask)):
        out, mask = fn(tf.constant(x))
        np.testing.assert_array_equal(out.numpy(), x * keep[..., None])
        np.testing.assert_array_equal(mask.numpy(), keep)
    other = Masking(mask_value=-1.0)
    keep = np.any(x != -1.0, axis=-1)
    np.testing.assert_array_equal(other(x)._keras_mask.numpy(), keep)
    np.testing.assert_array_equal(other.compute_mask(tf.constant(x)).numpy(), keep)
    config = other.get_config()
    assert config["mask_value"] == -1.0
    assert Masking.from_config(config).mask_value == -1.0
    assert layer.compute_output_shape((None, 4, 3)).as_list() == [None, 4, 3]
