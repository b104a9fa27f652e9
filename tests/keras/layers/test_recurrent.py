"""RNN, SimpleRNN, LSTM, GRU: sequences against a NumPy loop (float64), eagerly and inside
tf.function; return_sequences/return_state, go_backwards, masks, initial and stateful states,
dropout, gradients against finite differences, configs and errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import recurrent as rnn
from eagerflow.keras.layers import recurrent_cells as cells
from eagerflow.keras.layers.layer import Layer
from tests.keras.finite_differences import numeric_gradient
from tests.keras.layers import rnn_reference as ref
from tests.keras.layers.rnn_reference import randomize as _randomize
from tests.keras.layers.rnn_reference import traced_loop  # noqa: F401

B, T, F, U = 3, 5, 4, 3


def _step_for(kind, weights, reset_after=True):
    if kind == "lstm":
        return lambda x, s: ref.lstm_step(x, s, *weights)
    if kind == "gru":
        return lambda x, s: ref.gru_step(x, s, *weights, reset_after=reset_after)
    return lambda x, s: ref.simple_rnn_step(x, s, *weights)


def _layer(kind, **kwargs):
    make = {"lstm": rnn.LSTM, "gru": rnn.GRU, "simple": rnn.SimpleRNN}[kind]
    return make(U, dtype="float64", **kwargs)


def _zeros_states(kind):
    count = 2 if kind == "lstm" else 1
    return [np.zeros((B, U)) for _ in range(count)]


def _mask():
    mask = np.ones((B, T), bool)
    mask[0, 3:] = False      # right padding
    mask[1, :2] = False      # left padding
    mask[2, 1:3] = False     # a hole
    return mask


def _call_both(layer, x, **kwargs):
    eager = layer(x, **kwargs)
    compiled = tf.function(lambda a: layer(a, **kwargs))(x)
    return eager, compiled


@pytest.mark.usefixtures("traced_loop")
@pytest.mark.parametrize("kind", ["lstm", "gru", "simple"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_layers_match_numpy_loop(kind, return_sequences, go_backwards):
    layer = _layer(kind, return_sequences=return_sequences, return_state=True,
                   go_backwards=go_backwards)
    x = np.random.randn(B, T, F)
    layer.build((None, T, F))
    step = _step_for(kind, _randomize(layer))
    last, sequence, states = ref.run(step, x, _zeros_states(kind), go_backwards=go_backwards)
    expected = sequence if return_sequences else last
    for result in _call_both(layer, tf.constant(x)):
        assert len(result) == 1 + len(states)
        np.testing.assert_allclose(result[0].numpy(), expected, rtol=1e-10, atol=1e-12)
        for got, want in zip(result[1:], states):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def test_output_shapes_and_compute_output_shape():
    x = tf.zeros([2, 7, 5])
    assert rnn.LSTM(4)(x).shape == (2, 4)
    assert rnn.LSTM(4, return_sequences=True)(x).shape == (2, 7, 4)
    out, h, c = rnn.LSTM(4, return_state=True)(x)
    assert out.shape == h.shape == c.shape == (2, 4)
    out, h = rnn.GRU(4, return_sequences=True, return_state=True)(x)
    assert out.shape == (2, 7, 4) and h.shape == (2, 4)
    layer = rnn.LSTM(4, return_sequences=True, return_state=True)
    shapes = layer.compute_output_shape((None, 7, 5))
    assert [s.as_list() for s in shapes] == [[None, 7, 4], [None, 4], [None, 4]]
    time_major = rnn.SimpleRNN(4, time_major=True, return_sequences=True)
    assert time_major(tf.zeros([7, 2, 5])).shape == (7, 2, 4)
    assert time_major.compute_output_shape((7, None, 5)).as_list() == [7, None, 4]


@pytest.mark.usefixtures("traced_loop")
def test_time_major_equals_batch_major():
    x = np.random.randn(B, T, F)
    batch_major = _layer("gru", return_sequences=True)
    time_major = _layer("gru", return_sequences=True, time_major=True)
    batch_major.build((None, T, F))
    time_major.build((T, None, F))
    time_major.set_weights(_randomize(batch_major))
    expected = batch_major(x).numpy()
    for result in _call_both(time_major, tf.constant(x.transpose(1, 0, 2))):
        np.testing.assert_allclose(result.numpy().transpose(1, 0, 2), expected, rtol=1e-12)


@pytest.mark.usefixtures("traced_loop")
@pytest.mark.parametrize("kind", ["lstm", "gru", "simple"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_explicit_mask_matches_numpy(kind, go_backwards):
    layer = _layer(kind, return_sequences=True, return_state=True, go_backwards=go_backwards)
    x, mask = np.random.randn(B, T, F), _mask()
    layer.build((None, T, F))
    step = _step_for(kind, _randomize(layer))
    _, sequence, states = ref.run(step, x, _zeros_states(kind), mask=mask,
                                  go_backwards=go_backwards)
    eager = layer(x, mask=tf.constant(mask))
    compiled = tf.function(lambda a, m: layer(a, mask=m))(tf.constant(x), tf.constant(mask))
    for result in (eager, compiled):
        np.testing.assert_allclose(result[0].numpy(), sequence, rtol=1e-10, atol=1e-12)
        for got, want in zip(result[1:], states):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def test_zero_output_for_mask():
    layer = rnn.RNN(cells.SimpleRNNCell(U, dtype="float64"), return_sequences=True,
                    zero_output_for_mask=True, dtype="float64")
    x, mask = np.random.randn(B, T, F), _mask()
    layer.build((None, T, F))
    step = _step_for("simple", _randomize(layer))
    _, sequence, _ = ref.run(step, x, _zeros_states("simple"), mask=mask,
                             zero_output_for_mask=True)
    np.testing.assert_allclose(layer(x, mask=mask).numpy(), sequence, rtol=1e-10)
    assert not np.any(layer(x, mask=mask).numpy()[~mask])
    assert layer.get_config()["zero_output_for_mask"] is True


@pytest.mark.usefixtures("traced_loop")
def test_masking_layer_and_embedding_mask_reach_the_rnn():
    from eagerflow.keras.layers.masking import Masking

    x = np.random.randn(B, T, F)
    x[0, 3:] = 0.0
    x[2, 1] = 0.0
    lstm = _layer("lstm", return_sequences=True)
    masked = Masking(dtype="float64")(tf.constant(x))
    np.testing.assert_array_equal(masked._keras_mask.numpy(), np.any(x != 0, axis=-1))
    lstm.build((None, T, F))
    step = _step_for("lstm", _randomize(lstm))
    _, sequence, _ = ref.run(step, x, _zeros_states("lstm"), mask=np.any(x != 0, axis=-1))
    np.testing.assert_allclose(lstm(masked).numpy(), sequence, rtol=1e-10, atol=1e-12)
    # The output keeps the mask for the next layer when returning sequences.
    assert lstm(masked)._keras_mask is not None

    embedding_module = pytest.importorskip("eagerflow.keras.layers.core")
    embedding = embedding_module.Embedding(10, F, mask_zero=True, dtype="float64")
    tokens = np.array([[3, 4, 0, 0, 0], [1, 2, 3, 4, 5], [7, 0, 0, 0, 0]])
    embedded = embedding(tokens)
    gru = _layer("gru")
    gru.build((None, T, F))
    step = _step_for("gru", _randomize(gru))
    last, _, _ = ref.run(step, embedded.numpy(), _zeros_states("gru"), mask=tokens != 0)
    np.testing.assert_allclose(gru(embedded).numpy(), last, rtol=1e-10, atol=1e-12)
    compiled = tf.function(lambda t: gru(embedding(t)))(tf.constant(tokens))
    np.testing.assert_allclose(compiled.numpy(), last, rtol=1e-10, atol=1e-12)


@pytest.mark.usefixtures("traced_loop")
def test_initial_state_argument_and_list_input():
    layer = _layer("lstm", return_state=True)
    x = np.random.randn(B, T, F)
    h0, c0 = np.random.randn(B, U), np.random.randn(B, U)
    layer.build((None, T, F))
    step = _step_for("lstm", _randomize(layer))
    last, _, (h, c) = ref.run(step, x, [h0, c0])
    results = [layer(x, initial_state=[h0, c0]), layer([x, h0, c0]),
               tf.function(lambda a, s0, s1: layer(a, initial_state=[s0, s1]))(
                   tf.constant(x), tf.constant(h0), tf.constant(c0))]
    for out, got_h, got_c in results:
        np.testing.assert_allclose(out.numpy(), last, rtol=1e-10)
        np.testing.assert_allclose(got_h.numpy(), h, rtol=1e-10)
        np.testing.assert_allclose(got_c.numpy(), c, rtol=1e-10)
    with pytest.raises(ValueError, match=r"expects 2 state.*received 1"):
        layer(x, initial_state=[h0])


@pytest.mark.usefixtures("traced_loop")
def test_stateful_carries_states_across_calls():
    layer = rnn.GRU(U, stateful=True, return_sequences=True, batch_input_shape=(B, T, F),
                    dtype="float64")
    layer.build((B, T, F))
    step = _step_for("gru", _randomize(layer))
    x = np.random.randn(B, 2 * T, F)
    _, sequence, (final,) = ref.run(step, x, _zeros_states("gru"))
    first = layer(x[:, :T]).numpy()
    second = tf.function(lambda a: layer(a))(tf.constant(x[:, T:])).numpy()
    np.testing.assert_allclose(np.concatenate([first, second], 1), sequence, rtol=1e-10)
    np.testing.assert_allclose(layer.states[0].numpy(), final, rtol=1e-10)
    assert len(layer.weights) == 3  # the states are not weights
    layer.reset_states()
    np.testing.assert_array_equal(layer.states[0].numpy(), np.zeros((B, U)))
    np.testing.assert_allclose(layer(x[:, :T]).numpy(), first, rtol=1e-12)
    layer.reset_states([np.ones((B, U))])
    np.testing.assert_array_equal(layer.states[0].numpy(), np.ones((B, U)))
    with pytest.raises(ValueError, match=r"State 0 is incompatible"):
        layer.reset_states([np.ones((B + 1, U))])
    with pytest.raises(ValueError, match="batch size"):
        layer(np.random.randn(B + 1, T, F))
    with pytest.raises(ValueError, match="needs to know its batch size"):
        rnn.LSTM(2, stateful=True).build((None, T, F))
    with pytest.raises(AttributeError, match="stateful"):
        rnn.LSTM(2).reset_states()


def test_unroll_equals_loop(monkeypatch):
    from eagerflow.keras.layers import recurrent_loop

    monkeypatch.setattr(recurrent_loop, "AUTO_UNROLL_MAX_STEPS", 0)
    x = np.random.randn(B, T, F)
    looped, unrolled = _layer("lstm", return_sequences=True), _layer(
        "lstm", return_sequences=True, unroll=True)
    looped.build((None, T, F))
    unrolled.build((None, T, F))
    unrolled.set_weights(_randomize(looped))
    expected = looped(x).numpy()
    compiled = tf.function(lambda a: unrolled(a))(tf.constant(x))
    np.testing.assert_allclose(compiled.numpy(), expected, rtol=1e-12)
    assert unrolled.get_config()["unroll"] is True


@pytest.mark.usefixtures("traced_loop")
def test_custom_cell_and_stacked_cells():
    class MinimalCell(Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.built = True

        def call(self, inputs, states):
            output = tf.matmul(inputs, self.kernel) + states[0]
            return output, [output]

    layer = rnn.RNN(MinimalCell(2, dtype="float64"), return_sequences=True, dtype="float64")
    x = np.random.randn(B, T, F)
    layer.build((None, T, F))
    (kernel,) = _randomize(layer)
    expected = np.cumsum(x @ kernel, axis=1)
    for result in _call_both(layer, tf.constant(x)):
        np.testing.assert_allclose(result.numpy(), expected, rtol=1e-10)

    stacked = rnn.RNN([cells.LSTMCell(U, dtype="float64"), cells.SimpleRNNCell(2,
                                                                                dtype="float64")],
                      return_state=True, dtype="float64")
    stacked.build((None, T, F))
    weights = _randomize(stacked)
    lstm_step, simple_step = _step_for("lstm", weights[:3]), _step_for("simple", weights[3:])

    def step(x_t, states):
        mid, lstm_states = lstm_step(x_t, states[:2])
        out, simple_states = simple_step(mid, states[2:])
        return out, lstm_states + simple_states

    last, _, states = ref.run(step, x, [np.zeros((B, U))] * 2 + [np.zeros((B, 2))])
    for result in _call_both(stacked, tf.constant(x)):
        assert len(result) == 4
        np.testing.assert_allclose(result[0].numpy(), last, rtol=1e-10)
        np.testing.assert_allclose(result[2].numpy(), states[1], rtol=1e-10)


@pytest.mark.usefixtures("traced_loop")
def test_dropout_mask_is_shared_over_time_and_off_at_inference():
    layer = rnn.SimpleRNN(64, dropout=0.5, activation=None, use_bias=False,
                          kernel_initializer="identity", recurrent_initializer="zeros",
                          return_sequences=True)
    x = np.ones((2, 4, 64), np.float32)
    np.testing.assert_allclose(layer(x).numpy(), x, rtol=1e-6)
    for fn in (lambda a: layer(a, training=True),
               tf.function(lambda a: layer(a, training=True))):
        out = fn(tf.constant(x)).numpy()
        assert set(np.unique(out)) <= {0.0, 2.0}
        for t in range(1, 4):  # the same input mask at every step of a sequence
            np.testing.assert_array_equal(out[:, t], out[:, 0])
        assert not np.array_equal(out[0, 0], out[1, 0])
    recurrent = rnn.LSTM(8, recurrent_dropout=0.5, return_sequences=True)
    x = np.random.randn(2, 4, 3).astype(np.float32)
    inference = recurrent(x).numpy()
    np.testing.assert_array_equal(recurrent(x, training=False).numpy(), inference)
    assert not np.allclose(recurrent(x, training=True).numpy(), inference)


def _finite_difference_check(layer, x, extra_states=()):
    """Compare tape gradients (eager and compiled) w.r.t. inputs and weights with central
    differences of a weighted sum of every output."""
    outputs_probe = layer(x, *extra_states)
    probe = outputs_probe if isinstance(outputs_probe, list) else [outputs_probe]
    projections = [np.random.randn(*o.shape) for o in probe]

    def loss_value(x_value):
        result = layer(x_value)
        result = result if isinstance(result, list) else [result]
        return sum(tf.reduce_sum(r * p) for r, p in zip(result, projections))

    def grads(x_value):
        with tf.GradientTape() as tape:
            tape.watch(x_value)
            loss = loss_value(x_value)
        return tape.gradient(loss, [x_value, *layer.trainable_weights])

    x_tensor = tf.constant(x)
    eager = grads(x_tensor)
    compiled = tf.function(grads)(x_tensor)
    for a, b in zip(eager, compiled):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)
    numeric_x = numeric_gradient(lambda a: loss_value(a).numpy(), x)
    np.testing.assert_allclose(eager[0].numpy(), numeric_x, rtol=1e-5, atol=1e-7)
    weights = layer.get_weights()
    for w_index, weight in enumerate(weights):
        def loss_at(value, w_index=w_index):
            layer.set_weights(weights[:w_index] + [value] + weights[w_index + 1:])
            return loss_value(x).numpy()

        numeric = numeric_gradient(loss_at, weight)
        layer.set_weights(weights)
        np.testing.assert_allclose(eager[1 + w_index].numpy(), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.usefixtures("traced_loop")
@pytest.mark.parametrize("kind", ["lstm", "gru", "simple"])
def test_gradients_match_finite_differences(kind):
    layer = _layer(kind, return_sequences=True, return_state=True)
    x = np.random.randn(2, 3, 2)
    layer.build((None, 3, 2))
    _randomize(layer)
    _finite_difference_check(layer, x)


@pytest.mark.usefixtures("traced_loop")
def test_gradients_through_mask_and_go_backwards():
    inner = _layer("gru", return_sequences=True, go_backwards=True)
    mask = tf.constant([[True, True, False], [False, True, True]])

    class Masked:  # the GRU with a fixed mask, as one callable for the checker
        def __call__(self, x):
            return inner(x, mask=mask)

        trainable_weights = property(lambda self: inner.trainable_weights)
        get_weights = property(lambda self: inner.get_weights)
        set_weights = property(lambda self: inner.set_weights)

    x = np.random.randn(2, 3, 2)
    inner.build((None, 3, 2))
    _randomize(inner)
    _finite_difference_check(Masked(), x)


def test_training_step_reduces_loss_inside_function():
    layer = rnn.LSTM(4)
    x = np.random.randn(8, 5, 3).astype(np.float32)
    y = np.random.randn(8, 4).astype(np.float32)
    layer.build((None, 5, 3))
    _randomize(layer)

    @tf.function
    def train_step(a, b):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((layer(a) - b) ** 2)
        for weight, grad in zip(layer.trainable_weights,
                                tape.gradient(loss, layer.trainable_weights)):
            weight.assign_sub(0.1 * grad)
        return loss

    losses = [float(train_step(x, y).numpy()) for _ in range(40)]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.8 * losses[0]


def test_layer_configs_match_keras_and_round_trip():
    lstm = rnn.LSTM(3, return_sequences=True, dropout=0.1, name="seq")
    config = lstm.get_config()
    assert list(config) == [
        "name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards",
        "stateful", "unroll", "time_major", "units", "activation", "recurrent_activation",
        "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
        "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
        "dropout", "recurrent_dropout", "implementation"]
    assert config["name"] == "seq" and config["dropout"] == 0.1
    gru_config = rnn.GRU(2).get_config()
    assert gru_config["reset_after"] is True and "cell" not in gru_config
    x = np.random.randn(2, 4, 5).astype(np.float32)
    for layer in (lstm, rnn.GRU(2, go_backwards=True), rnn.SimpleRNN(2, return_state=True),
                  rnn.RNN(cells.LSTMCell(2), return_sequences=True)):
        expected = layer(x)
        clone = type(layer).from_config(layer.get_config())
        clone.build((None, 4, 5))
        clone.set_weights(layer.get_weights())
        assert clone.get_config() == layer.get_config()
        got = clone(x)
        for a, b in zip(tf.nest.flatten(got), tf.nest.flatten(expected)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    rnn_config = rnn.RNN(cells.GRUCell(2)).get_config()
    assert rnn_config["cell"]["class_name"] == "GRUCell"
    assert rnn_config["cell"]["module"] == "keras.layers"
    # Keras 2 style config (no module key) and properties read through to the cell.
    legacy = rnn.RNN.from_config({**rnn_config, "cell": {"class_name": "GRUCell",
                                                        "config": rnn_config["cell"]["config"]}})
    assert isinstance(legacy.cell, cells.GRUCell)
    assert lstm.units == 3 and lstm.dropout == 0.1 and lstm.cell.name == "lstm_cell"


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r'"my_lstm".*expected ndim=3, found ndim=2.*\(4, 5\)'):
        rnn.LSTM(2, name="my_lstm")(tf.zeros([4, 5]))
    with pytest.raises(ValueError, match="found ndim=4"):
        rnn.GRU(2)(tf.zeros([1, 2, 3, 4]))
    with pytest.raises(ValueError, match="`call` method"):
        rnn.RNN(object())
    with pytest.raises(ValueError, match="state_size"):
        rnn.RNN(type("NoState", (), {"call": lambda self, x, s: (x, s)})())
    with pytest.raises(ValueError, match="units"):
        rnn.SimpleRNN(-1)
    with pytest.raises(ValueError, match="last dimension"):
        rnn.LSTM(2).build((None, 3, None))


@pytest.mark.usefixtures("traced_loop")
def test_stacked_cells_draw_dropout_masks_once_per_sequence():
    def identity_cell(**kwargs):
        return cells.SimpleRNNCell(32, activation=None, use_bias=False,
                                   kernel_initializer="identity",
                                   recurrent_initializer="zeros", **kwargs)

    layer = rnn.RNN([identity_cell(dropout=0.5), identity_cell(dropout=0.5)],
                    return_sequences=True)
    x = np.ones((2, 4, 32), np.float32)
    np.testing.assert_allclose(layer(x).numpy(), x, rtol=1e-6)
    for fn in (lambda a: layer(a, training=True),
               tf.function(lambda a: layer(a, training=True))):
        out = fn(tf.constant(x)).numpy()
        assert set(np.unique(out)) <= {0.0, 2.0, 4.0}
        assert 4.0 in out  # both cells' masks kept a unit: two scalings by 2
        for t in range(1, 4):
            np.testing.assert_array_equal(out[:, t], out[:, 0])


_TF_KERAS_LSTM_CONFIG = {  # written by tf_keras 2.21 (LSTM(3).get_config())
    "name": "lstm", "trainable": True, "dtype": "float32", "return_sequences": False,
    "return_state": False, "go_backwards": False, "stateful": False, "unroll": False,
    "time_major": False, "units": 3, "activation": "tanh", "recurrent_activation": "sigmoid",
    "use_bias": True,
    "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                           "config": {"seed": None}, "registered_name": None},
    "recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogonal",
                              "config": {"gain": 1.0, "seed": None}, "registered_name": None},
    "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                         "registered_name": None},
    "unit_forget_bias": True, "kernel_regularizer": None, "recurrent_regularizer": None,
    "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
    "recurrent_constraint": None, "bias_constraint": None, "dropout": 0.0,
    "recurrent_dropout": 0.0, "implementation": 2}


def test_tf_keras_and_keras3_configs_load():
    layer = rnn.LSTM.from_config(dict(_TF_KERAS_LSTM_CONFIG))
    assert layer.get_config() == _TF_KERAS_LSTM_CONFIG
    keras3 = {key: value for key, value in _TF_KERAS_LSTM_CONFIG.items()
              if key not in ("time_major", "implementation")}
    keras3.update(seed=7, zero_output_for_mask=False, use_cudnn="auto",
                  dtype={"module": "keras", "class_name": "DTypePolicy",
                         "config": {"name": "float64"}, "registered_name": None})
    layer3 = rnn.LSTM.from_config(keras3)
    assert layer3.dtype == "float64" and layer3.cell.seed == 7
    assert layer3.get_config()["seed"] == 7
    assert layer3(np.zeros((1, 2, 4))).shape == (1, 3)
    cell = cells.GRUCell.from_config({"name": "gru_cell", "units": 2, "seed": 3,
                                      "dtype": "float32", "trainable": True})
    assert cell.seed == 3


def test_public_namespace_and_deserialize():
    for name in ("SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN",
                 "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed", "Masking"):
        assert hasattr(tf.keras.layers, name), name
    from eagerflow.keras.saving import deserialize_keras_object, serialize_keras_object

    layer = rnn.GRU(2, return_sequences=True, name="g")
    rebuilt = deserialize_keras_object(serialize_keras_object(layer))
    assert type(rebuilt) is rnn.GRU and rebuilt.get_config() == layer.get_config()


def test_weight_regularizers_and_activity_regularizer_add_losses():
    layer = rnn.SimpleRNN(2, kernel_regularizer="l2", recurrent_regularizer="l1",
                          activity_regularizer="l2", dtype="float64")
    x = np.random.randn(3, 4, 2)
    layer.build((None, 4, 2))
    kernel, recurrent, bias = _randomize(layer)
    output = layer(x).numpy()
    expected = sorted([0.01 * np.sum(kernel ** 2), 0.01 * np.sum(np.abs(recurrent)),
                       0.01 * np.sum(output ** 2) / 3])
    np.testing.assert_allclose(sorted(float(v.numpy()) for v in layer.losses), expected,
                               rtol=1e-6)
    config = layer.get_config()
    assert config["kernel_regularizer"]["class_name"] == "L2"
    assert config["activity_regularizer"]["class_name"] == "L2"


def test_feature_count_must_match_the_built_layer():
    layer = rnn.LSTM(2, name="built_lstm")
    layer(np.zeros((1, 3, 4), np.float32))
    with pytest.raises(ValueError, match=r'"built_lstm".*expected shape=\(None, None, 4\), '
                                         r'found shape=\(1, 3, 5\)'):
        layer(np.zeros((1, 3, 5), np.float32))
    cell = cells.GRUCell(2, name="built_cell")
    cell(np.zeros((1, 4), np.float32), [np.zeros((1, 2), np.float32)])
    with pytest.raises(ValueError, match=r"built_cell.*4 features.*\(1, 6\)"):
        cell(np.zeros((1, 6), np.float32), [np.zeros((1, 2), np.float32)])


def test_subclassed_cell_call_is_respected():
    class DoubledLSTMCell(cells.LSTMCell):
        def call(self, inputs, states, training=None):
            output, new_states = super().call(inputs, states, training=training)
            return 2 * output, new_states

    layer = rnn.RNN(DoubledLSTMCell(2), return_sequences=True)
    plain = rnn.RNN(cells.LSTMCell(2), return_sequences=True)
    x = np.random.randn(2, 3, 4).astype(np.float32)
    layer.build((None, 3, 4))
    plain.build((None, 3, 4))
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x).numpy(), 2 * plain(x).numpy(), rtol=1e-6)
    compiled = tf.function(lambda a: layer(a))(tf.constant(x))
    np.testing.assert_allclose(compiled.numpy(), 2 * plain(x).numpy(), rtol=1e-6)


def test_layer_arguments_split_between_layer_and_cell():
    layer = tf.keras.layers.LSTM(3, "relu", unit_forget_bias=False, dropout=0.25,
                                 return_sequences=True, go_backwards=True, stateful=False,
                                 activity_regularizer="l2", name="split_lstm")
    assert layer.name == "split_lstm" and layer.return_sequences and layer.go_backwards
    assert layer.activity_regularizer is not None
    assert tf.keras.activations.serialize(layer.cell.activation) == "relu"
    assert layer.cell.unit_forget_bias is False and layer.cell.dropout == 0.25
    assert not hasattr(layer.cell, "return_sequences")
    gru = tf.keras.layers.GRU(2, reset_after=False, time_major=True, unroll=True)
    assert gru.time_major and gru.unroll and gru.cell.reset_after is False
    simple = tf.keras.layers.SimpleRNN(2, use_bias=False, return_state=True)
    assert simple.return_state and simple.cell.use_bias is False
