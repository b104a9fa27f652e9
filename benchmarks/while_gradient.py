"""Forward + backward of a traced LSTM-like loop (100 steps, batch 32, 64 units): the
`tf.while_loop` version against the same steps unrolled in Python, both in tf.function.

Run: python benchmarks/while_gradient.py
"""

from __future__ import annotations

import numpy as np
from common import blas_info, median_times  # noqa: E402 - benchmarks/ is on sys.path

import eagerflow as tf
from eagerflow.ops import control_flow

STEPS, BATCH, UNITS, FEATURES = 100, 32, 64, 32


def lstm_step(x_t, h, c, kernel, recurrent, bias):
    """One LSTM step (the gate layout of Keras' LSTMCell)."""
    z = tf.matmul(x_t, kernel) + tf.matmul(h, recurrent) + bias
    i, f, g, o = tf.split(z, 4, axis=1)
    c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
    h = tf.sigmoid(o) * tf.tanh(c)
    return h, c


def make_functions():
    rng = np.random.default_rng(0)
    kernel = tf.Variable(rng.normal(0, 0.1, (FEATURES, 4 * UNITS)).astype(np.float32))
    recurrent = tf.Variable(rng.normal(0, 0.1, (UNITS, 4 * UNITS)).astype(np.float32))
    bias = tf.Variable(np.zeros(4 * UNITS, np.float32))
    inputs = tf.constant(rng.normal(0, 1, (STEPS, BATCH, FEATURES)).astype(np.float32))
    weights = [kernel, recurrent, bias]

    @tf.function
    def looped(xs):
        with tf.GradientTape() as tape:
            h = c = tf.zeros([BATCH, UNITS])

            def body(t, h, c):
                h, c = lstm_step(xs[t], h, c, kernel, recurrent, bias)
                return t + 1, h, c

            _, h, c = tf.while_loop(lambda t, h, c: t < STEPS, body, (tf.constant(0), h, c))
            loss = tf.reduce_sum(h * h)
        return loss, tape.gradient(loss, weights)

    @tf.function(autograph=False)
    def unrolled(xs):
        with tf.GradientTape() as tape:
            h = c = tf.zeros([BATCH, UNITS])
            for t in range(STEPS):
                h, c = lstm_step(xs[t], h, c, kernel, recurrent, bias)
            loss = tf.reduce_sum(h * h)
        return loss, tape.gradient(loss, weights)

    return looped, unrolled, inputs


def keras_lstm_step(unroll: bool, steps: int = STEPS):
    """One forward + backward of a Keras LSTM(64) on [32, steps, 32] in tf.function."""
    layer = tf.keras.layers.LSTM(UNITS, unroll=unroll)
    rng = np.random.default_rng(1)
    inputs = tf.constant(rng.normal(0, 1, (BATCH, steps, FEATURES)).astype(np.float32))
    layer(inputs)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x) ** 2)
        return tape.gradient(loss, layer.trainable_variables)

    return lambda: step(inputs)


def main() -> None:
    looped, unrolled, inputs = make_functions()
    loss_a, grads_a = looped(inputs)
    loss_b, grads_b = unrolled(inputs)
    np.testing.assert_allclose(loss_a.numpy(), loss_b.numpy(), rtol=1e-4)
    for a, b in zip(grads_a, grads_b):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-3, atol=1e-5)
    # "before": the recomputing gradient (the loop is not told a tape records it)
    original = control_flow.gradient_wanted
    control_flow.gradient_wanted = lambda values: False
    try:
        recomputing, _, _ = make_functions()
        recomputing(inputs)
    finally:
        control_flow.gradient_wanted = original
    keras_looped, keras_unrolled = keras_lstm_step(False), keras_lstm_step(True)
    t_saved, t_recomputed, t_unrolled, t_keras_loop, t_keras_unrolled = median_times(
        [lambda: looped(inputs), lambda: recomputing(inputs), lambda: unrolled(inputs),
         keras_looped, keras_unrolled], repeats=15)
    print(f"BLAS: {blas_info()}")
    print(f"LSTM-like loop, {STEPS} steps, batch {BATCH}, {UNITS} units, forward + backward "
          f"in tf.function (median of 15):")
    print(f"  while_loop, saved intermediates : {t_saved * 1e3:8.2f} ms")
    print(f"  while_loop, recomputed forward  : {t_recomputed * 1e3:8.2f} ms")
    print(f"  unrolled Python loop            : {t_unrolled * 1e3:8.2f} ms")
    print(f"  recomputed / saved              : {t_recomputed / t_saved:8.2f}x")
    print(f"  saved / unrolled                : {t_saved / t_unrolled:8.2f}x")
    print(f"Keras LSTM({UNITS}) on [{BATCH}, {STEPS}, {FEATURES}], forward + backward:")
    print(f"  unroll=False (while_loop)       : {t_keras_loop * 1e3:8.2f} ms")
    print(f"  unroll=True                     : {t_keras_unrolled * 1e3:8.2f} ms")
    print(f"  while_loop / unrolled           : {t_keras_loop / t_keras_unrolled:8.2f}x")
    print("Keras LSTM, while_loop / unrolled by sequence length (where the loop starts to pay):")
    with recurrent_loop_unrolled_never():
        for steps in (4, 8, 16, 32, 64):
            t_loop, t_flat = median_times([keras_lstm_step(False, steps),
                                           keras_lstm_step(True, steps)], repeats=15)
            print(f"  {steps:3d} steps: {t_loop * 1e3:7.2f} ms / {t_flat * 1e3:7.2f} ms = "
                  f"{t_loop / t_flat:5.2f}x")


class recurrent_loop_unrolled_never:
    """Lets `unroll=False` mean a while_loop at every length (the layer unrolls short static
    sequences by itself, see AUTO_UNROLL_MAX_STEPS)."""

    def __enter__(self) -> None:
        from eagerflow.keras.layers import recurrent_loop

        self._module, self._saved = recurrent_loop, recurrent_loop.AUTO_UNROLL_MAX_STEPS
        recurrent_loop.AUTO_UNROLL_MAX_STEPS = 0

    def __exit__(self, *exc_info) -> None:
        self._module.AUTO_UNROLL_MAX_STEPS = self._saved


if __name__ == "__main__":
    main()
