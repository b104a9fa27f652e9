"""Keras training speed: `model.fit`, `evaluate` and `predict` against hand-written NumPy.

Two models, random data:
  1. MNIST-sized MLP (784-128-10, relu, softmax cross-entropy, Adam), batch 128, 60,000
     samples, one epoch. The NumPy reference does the same arithmetic by hand (forward,
     backward, Adam) with no framework at all; eagerflow runs `model.fit` compiled (default)
     and with `run_eagerly=True`; TensorFlow's `model.fit` is timed too when it is installed.
  2. digits-sized MLP (64-64-10), batch 32: a small model where the per-step overhead (the
     call, the data slicing, the metrics, the many small kernels) dominates.
Each table also times one `evaluate` and one `predict` pass over the same data; the second
one also `fit` with verbose=1 (the progress bar's per-step cost; its output is discarded).

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/keras_fit.py [repeats]
"""

from __future__ import annotations

import contextlib
import io
import sys

import numpy as np
from common import blas_info, median_times  # noqa: E402 - benchmarks/ is on sys.path

import eagerflow as tf

SAMPLES, FEATURES, HIDDEN, CLASSES, BATCH = 60000, 784, 128, 10, 128
SMALL_SAMPLES, SMALL_FEATURES, SMALL_HIDDEN, SMALL_BATCH = 7168, 64, 64, 32


def data(samples: int = SAMPLES, features: int = FEATURES):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((samples, features)).astype(np.float32)
    y = rng.integers(0, CLASSES, samples).astype(np.int32)
    return x, y


def numpy_epoch(x, y, hidden_size: int = HIDDEN, batch: int = BATCH):
    """One epoch of the same network trained by hand in NumPy (no framework at all)."""
    rng = np.random.default_rng(1)
    samples, features = x.shape
    params = [rng.uniform(-0.08, 0.08, (features, hidden_size)).astype(np.float32),
              np.zeros(hidden_size, np.float32),
              rng.uniform(-0.2, 0.2, (hidden_size, CLASSES)).astype(np.float32),
              np.zeros(CLASSES, np.float32)]
    moments = [np.zeros_like(p) for p in params]
    velocities = [np.zeros_like(p) for p in params]
    order = np.random.permutation(samples)
    lr, beta1, beta2, eps = 0.001, 0.9, 0.999, 1e-7

    def run():
        step = 0
        for start in range(0, samples, batch):
            index = order[start:start + batch]
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


def keras_model(library, features: int = FEATURES, hidden_size: int = HIDDEN):
    model = library.keras.Sequential([
        library.keras.layers.Dense(hidden_size, activation="relu", input_shape=(features,)),
        library.keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer=library.keras.optimizers.Adam(0.001),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fit_epoch(library, x, y, run_eagerly: bool = False, batch: int = BATCH, model=None,
              verbose: int = 0):
    """One epoch of `model.fit`; with verbose=1 the progress bar it prints is discarded (the
    per-step cost of the ProgbarLogger is what is timed)."""
    model = model or keras_model(library, x.shape[1], HIDDEN if batch == BATCH else SMALL_HIDDEN)
    model.run_eagerly = run_eagerly

    def run():
        with contextlib.redirect_stdout(io.StringIO()):
            model.fit(x, y, batch_size=batch, epochs=1, verbose=verbose)

    return run


def evaluate_pass(model, x, y, batch: int):
    return lambda: model.evaluate(x, y, batch_size=batch, verbose=0)


def predict_pass(model, x, batch: int):
    return lambda: model.predict(x, batch_size=batch, verbose=0)


def _row(label: str, seconds: float, steps: int, reference: float | None = None,
         reference_name: str = "NumPy") -> str:
    """One printed line; `reference` given: the time as a multiple of NumPy's, or (for the
    TensorFlow rows, reference_name="eagerflow") how many times faster eagerflow is."""
    text = f"  {label:30s} {seconds * 1e3:8.1f} ms  ({seconds / steps * 1e6:6.0f} µs/step"
    if reference and reference_name == "eagerflow":
        text += f"; eagerflow is {seconds / reference:.2f}x faster"
    elif reference:
        text += f", {seconds / reference:.2f}x {reference_name}"
    return text + ")"


def _tensorflow():
    try:
        import tensorflow as real_tf
    except ImportError:
        return None
    return real_tf


def mnist_table(repeats: int, real_tf) -> None:
    x, y = data()
    steps = -(-SAMPLES // BATCH)
    model = keras_model(tf)
    timed = [numpy_epoch(x, y), fit_epoch(tf, x, y, model=model),
             evaluate_pass(model, x, y, BATCH), predict_pass(model, x, BATCH)]
    if real_tf is not None:
        tf_model = keras_model(real_tf)
        timed += [fit_epoch(real_tf, x, y, model=tf_model), evaluate_pass(tf_model, x, y, BATCH),
                  predict_pass(tf_model, x, BATCH)]
    times = median_times(timed, repeats)
    eager = median_times([fit_epoch(tf, x, y, run_eagerly=True)], max(1, repeats // 2))[0]
    numpy_seconds, compiled, evaluate, predict = times[:4]
    print(f"1. one epoch, {steps} steps of batch {BATCH} (784-128-10 MLP, Adam), median of "
          f"{repeats}:")
    print(_row("NumPy by hand (reference)", numpy_seconds, steps))
    print(_row("eagerflow fit (tf.function)", compiled, steps, numpy_seconds))
    print(_row("eagerflow fit (run_eagerly)", eager, steps, numpy_seconds))
    print(_row("eagerflow evaluate", evaluate, steps))
    print(_row("eagerflow predict", predict, steps))
    if real_tf is None:
        print("  TensorFlow not installed: no comparison")
        return
    tf_fit, tf_evaluate, tf_predict = times[4:]
    print(_row(f"TensorFlow {real_tf.__version__} fit", tf_fit, steps, compiled, "eagerflow"))
    print(_row(f"TensorFlow {real_tf.__version__} evaluate", tf_evaluate, steps, evaluate,
               "eagerflow"))
    print(_row(f"TensorFlow {real_tf.__version__} predict", tf_predict, steps, predict,
               "eagerflow"))


def small_table(repeats: int, real_tf) -> None:
    x, y = data(SMALL_SAMPLES, SMALL_FEATURES)
    steps = -(-SMALL_SAMPLES // SMALL_BATCH)
    model = keras_model(tf, SMALL_FEATURES, SMALL_HIDDEN)
    timed = [numpy_epoch(x, y, SMALL_HIDDEN, SMALL_BATCH),
             fit_epoch(tf, x, y, batch=SMALL_BATCH, model=model),
             evaluate_pass(model, x, y, SMALL_BATCH), predict_pass(model, x, SMALL_BATCH),
             fit_epoch(tf, x, y, batch=SMALL_BATCH, model=model, verbose=1)]
    if real_tf is not None:
        tf_model = keras_model(real_tf, SMALL_FEATURES, SMALL_HIDDEN)
        timed += [fit_epoch(real_tf, x, y, batch=SMALL_BATCH, model=tf_model),
                  evaluate_pass(tf_model, x, y, SMALL_BATCH),
                  predict_pass(tf_model, x, SMALL_BATCH)]
    times = median_times(timed, repeats)
    numpy_seconds, compiled, evaluate, predict, with_progbar = times[:5]
    print(f"2. one epoch, {steps} steps of batch {SMALL_BATCH} (64-64-10 MLP, Adam: per-step "
          f"overhead), median of {repeats}:")
    print(_row("NumPy by hand (reference)", numpy_seconds, steps))
    print(_row("eagerflow fit (tf.function)", compiled, steps, numpy_seconds))
    print(_row("eagerflow fit, verbose=1", with_progbar, steps, numpy_seconds))
    print(_row("eagerflow evaluate", evaluate, steps))
    print(_row("eagerflow predict", predict, steps))
    if real_tf is None:
        return
    tf_fit, tf_evaluate, tf_predict = times[5:]
    print(_row(f"TensorFlow {real_tf.__version__} fit", tf_fit, steps, compiled, "eagerflow"))
    print(_row(f"TensorFlow {real_tf.__version__} evaluate", tf_evaluate, steps, evaluate,
               "eagerflow"))
    print(_row(f"TensorFlow {real_tf.__version__} predict", tf_predict, steps, predict,
               "eagerflow"))


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"BLAS: {blas_info()}")
    real_tf = _tensorflow()
    mnist_table(repeats, real_tf)
    small_table(repeats, real_tf)


if __name__ == "__main__":
    main()
