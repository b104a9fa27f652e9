"""The seed's example with Keras: `tf.keras.layers.LSTMCell(100)` called eagerly and through
tf.function (batch 100), against the same step in NumPy by hand and TF when installed.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/keras_lstm_cell.py
"""

from __future__ import annotations

import statistics
import timeit

import numpy as np
from common import blas_info  # noqa: E402 - benchmarks/ is on sys.path

import eagerflow as tf


def per_call_ms(fn, number: int = 100, repeat: int = 7) -> float:
    fn()
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e3


def cell_times(library) -> tuple[float, float]:
    """(eager, tf.function) ms per call of the seed's program in `library`."""
    cell = library.keras.layers.LSTMCell(100)

    @library.function
    def fn(input, state):
        return cell(input, state)

    input = library.zeros([100, 100])
    state = [library.zeros([100, 100])] * 2
    return per_call_ms(lambda: cell(input, state)), per_call_ms(lambda: fn(input, state))


def numpy_time(cell) -> float:
    kernel, recurrent, bias = (np.asarray(w) for w in cell.get_weights())
    x = np.zeros((100, 100), np.float32)
    h = c = np.zeros((100, 100), np.float32)

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def step():
        z = x @ kernel + h @ recurrent + bias
        i, f, g, o = np.split(z, 4, axis=1)
        new_c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(new_c), new_c

    return per_call_ms(step)


def main() -> None:
    print(f"BLAS: {blas_info()}")
    eager, compiled = cell_times(tf)
    probe = tf.keras.layers.LSTMCell(100)
    probe(tf.zeros([100, 100]), [tf.zeros([100, 100])] * 2)
    reference = numpy_time(probe)
    print("LSTMCell(100), batch 100, ms per call (median):")
    print(f"  NumPy by hand          {reference:.3f}")
    print(f"  eagerflow eager        {eager:.3f}  ({eager / reference:.2f}x NumPy)")
    print(f"  eagerflow tf.function  {compiled:.3f}  ({compiled / reference:.2f}x NumPy)")
    try:
        import tensorflow as real_tf
    except ImportError:
        print("  TensorFlow not installed: no comparison")
        return
    tf_eager, tf_compiled = cell_times(real_tf)
    print(f"  TF {real_tf.__version__} eager         {tf_eager:.3f}  "
          f"({tf_eager / eager:.1f}x eagerflow's)")
    print(f"  TF {real_tf.__version__} tf.function   {tf_compiled:.3f}  "
          f"({tf_compiled / compiled:.1f}x eagerflow's)")


if __name__ == "__main__":
    main()
