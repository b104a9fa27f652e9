"""Keras training speed: one epoch of `model.fit` against a hand-written NumPy training loop.

The model: MNIST-sized MLP (784-128-10, relu, softmax cross-entropy, Adam), batch 128,
60,000 random samples, one epoch. The NumPy reference does the same arithmetic by hand (forward,
backward, Adam) with no framework at all; eagerflow runs `model.fit` compiled (default) and
with `run_eagerly=True`; TensorFlow's `model.fit` is timed too when it is installed.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/keras_fit.py
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
from common import blas_info  # noqa: E402 - benchmarks/ is on sys.path

import eagerflow as tf

SAMPLES, FEATURES, HIDDEN, CLASSES, BATCH = 60000, 784, 128, 10, 128


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((SAMPLES, FEATURES)).astype(np.float32)
    y = rng.integers(0, CLASSES, SAMPLES).astype(np.int32)
    return x, y


def numpy_epoch(x, y):
    """One epoch of the same network trained by hand in NumPy (no framework at all)."""
    rng = np.random.default_rng(1)
    params = [rng.uniform(-0.08, 0.08, (FEATURES, HIDDEN)).astype(np.float32),
              np.zeros(HIDDEN, np.float32),
              rng.uniform(-0.2, 0.2, (HIDDEN, CLASSES)).astype(np.float32),
              np.zeros(CLASSES, np.float32)]
    moments = [np.zeros_like(p) for p in params]
    velocities = [np.zeros_like(p) for p in params]
    order = np.random.permutation(SAMPLES)
    lr, beta1, beta2, eps = 0.001, 0.9, 0.999, 1e-7

    def run():
        step = 0
        for start in range(0, SAMPLES, BATCH):
            index = order[start:start + BATCH]
            xb, yb = x[index], y[index]
            w1, b1, w2, b2 = params
            hidden = np.maximum(xb @ w1 + b1, 0)
            logits = hidden @ w2 + b2
            logits -= logits.max(axis=1, keepdims=True)
            probs = np.exp(logits)
            probs /= probs.sum(axis=1, keepdims=True)
            probs[np.arange(len(yb)), yb] -= 1
            d_logits = probs / len(yb)
            d_hidden = (d_logits @ w2.T) * (hidden > 0)
            grads = [xb.T @ d_hidden, d_hidden.sum(0), hidden.T @ d_logits, d_logits.sum(0)]
            step += 1
            alpha = lr * np.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
            for p, g, m, v in zip(params, grads, moments, velocities):
                m += (1 - beta1) * (g - m)
                v += (1 - beta2) * (g * g - v)
                p -= alpha * m / (np.sqrt(v) + eps)

    return run


def keras_model(library):
    model = library.keras.Sequential([
        library.keras.layers.Dense(HIDDEN, activation="relu", input_shape=(FEATURES,)),
        library.keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer=library.keras.optimizers.Adam(0.001),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fit_epoch(library, x, y, run_eagerly: bool = False):
    model = keras_model(library)
    model.run_eagerly = run_eagerly
    return lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up: traces, BLAS threads
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"BLAS: {blas_info()}")
    x, y = data()
    steps = -(-SAMPLES // BATCH)
    numpy_seconds = median_seconds(numpy_epoch(x, y), repeats)
    compiled = median_seconds(fit_epoch(tf, x, y), repeats)
    eager = median_seconds(fit_epoch(tf, x, y, run_eagerly=True), max(1, repeats // 2))
    print(f"one epoch, {steps} steps of batch {BATCH} (784-128-10 MLP, Adam), median of "
          f"{repeats}:")
    print(f"  NumPy by hand (reference)    {numpy_seconds * 1e3:8.1f} ms  "
          f"({numpy_seconds / steps * 1e6:6.0f} µs/step)")
    print(f"  eagerflow fit (tf.function)  {compiled * 1e3:8.1f} ms  "
          f"({compiled / steps * 1e6:6.0f} µs/step, {compiled / numpy_seconds:.2f}x NumPy)")
    print(f"  eagerflow fit (run_eagerly)  {eager * 1e3:8.1f} ms  "
          f"({eager / steps * 1e6:6.0f} µs/step, {eager / numpy_seconds:.2f}x NumPy)")
    try:
        import tensorflow as real_tf
    except ImportError:
        print("  TensorFlow not installed: no comparison")
        return
    tf_seconds = median_seconds(fit_epoch(real_tf, x, y), repeats)
    print(f"  TensorFlow {real_tf.__version__} fit          {tf_seconds * 1e3:8.1f} ms  "
          f"({tf_seconds / steps * 1e6:6.0f} µs/step, {tf_seconds / numpy_seconds:.2f}x NumPy; "
          f"eagerflow is {tf_seconds / compiled:.2f}x faster)")


if __name__ == "__main__":
    main()
