"""AutoGraph at work: a `while` loop with a tensor condition, compiled vs. run eagerly.

Two converted loops:
  - Newton iteration for the square root of a 1000-vector until converged (about 10 steps),
  - a dynamic RNN loop (tanh cell, 64 units, batch 32) over a sequence whose length is a tensor.
Each runs as plain eager Python and as a tf.function (AutoGraph turns the loop into a
tf.while_loop; the compiled graph runs without dispatch). Prints medians of interleaved runs
and the ratio eager / compiled (above 1: compiling helps).

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/autograph_loop.py
"""

from __future__ import annotations

import numpy as np
from common import blas_info, median_times  # noqa: E402 - benchmarks/ is on sys.path

import eagerflow as tf


def newton_sqrt(a):
    x = a
    steps = 0
    while tf.reduce_max(tf.abs(x * x - a)) > 1e-3:
        x = 0.5 * (x + a / x)
        steps += 1
    return x, steps


def rnn(inputs, length, kernel, recurrent, bias):
    state = tf.zeros([inputs.shape[1], recurrent.shape[0]])
    t = 0
    while t < length:
        state = tf.tanh(tf.matmul(inputs[t], kernel) + tf.matmul(state, recurrent) + bias)
        t += 1
    return state


def report(name: str, eager, compiled, repeats: int) -> None:
    eager_time, compiled_time = median_times([eager, compiled], repeats)
    print(f"{name:<34} eager {eager_time * 1e3:8.3f} ms   compiled {compiled_time * 1e3:8.3f} ms"
          f"   eager/compiled {eager_time / compiled_time:5.2f}x")


def main() -> None:
    print(f"BLAS: {blas_info()}")
    rng = np.random.default_rng(0)
    a = tf.constant(rng.uniform(1.0, 100.0, 1000).astype(np.float32))
    compiled_newton = tf.function(newton_sqrt)
    x, steps = compiled_newton(a)
    np.testing.assert_allclose(x.numpy(), np.sqrt(a.numpy()), rtol=1e-4)
    print(f"newton: {int(steps)} steps; loop compiled as tf.while_loop")
    report("newton sqrt (1000-vector)", lambda: newton_sqrt(a), lambda: compiled_newton(a), 200)

    inputs = tf.constant(rng.normal(size=(50, 32, 16)).astype(np.float32))
    kernel = tf.constant(rng.normal(scale=0.2, size=(16, 64)).astype(np.float32))
    recurrent = tf.constant(rng.normal(scale=0.1, size=(64, 64)).astype(np.float32))
    bias = tf.zeros([64])
    length = tf.constant(50)
    compiled_rnn = tf.function(rnn)
    np.testing.assert_allclose(compiled_rnn(inputs, length, kernel, recurrent, bias).numpy(),
                               rnn(inputs, length, kernel, recurrent, bias).numpy(), rtol=1e-5,
                               atol=1e-6)
    report("dynamic RNN (50 steps, 32x64)",
           lambda: rnn(inputs, length, kernel, recurrent, bias),
           lambda: compiled_rnn(inputs, length, kernel, recurrent, bias), 100)


if __name__ == "__main__":
    main()
