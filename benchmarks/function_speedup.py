"""tf.function speed-up: eager vs compiled vs hand-written NumPy, per call.

Two computations: the seed's LSTMCell step (batch 100, units 100) written with
eagerflow ops, and an MLP training step (forward, softmax cross-entropy,
gradients, SGD update; batch 128, 784-128-10).

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/function_speedup.py
"""

from __future__ import annotations

import statistics
import sys
import timeit

import numpy as np
from common import blas_info  # noqa: E402 - benchmarks/ is on sys.path

import eagerflow as tf


def per_call_ms(fn, number: int, repeat: int = 7) -> float:
    fn()
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e3


# --- the seed's LSTMCell computation -------------------------------------------------------
def lstm_setup(batch: int = 100, units: int = 100):
    rng = np.random.default_rng(0)
    kernel = rng.uniform(-0.1, 0.1, (units, 4 * units)).astype(np.float32)
    recurrent = rng.uniform(-0.1, 0.1, (units, 4 * units)).astype(np.float32)
    bias = np.zeros(4 * units, np.float32)
    x = rng.standard_normal((batch, units)).astype(np.float32)
    h = np.zeros((batch, units), np.float32)
    c = np.zeros((batch, units), np.float32)
    return kernel, recurrent, bias, x, h, c


def lstm_numpy(kernel, recurrent, bias):
    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def cell(x, h, c):
        z = x @ kernel + h @ recurrent + bias
        i, f, g, o = np.split(z, 4, axis=1)
        c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c_new), c_new
    return cell


def lstm_ops(kernel, recurrent, bias):
    kernel, recurrent, bias = tf.Variable(kernel), tf.Variable(recurrent), tf.Variable(bias)

    def cell(x, h, c):
        z = tf.matmul(x, kernel) + tf.matmul(h, recurrent) + bias
        i, f, g, o = tf.split(z, 4, axis=1)
        c_new = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        return tf.sigmoid(o) * tf.tanh(c_new), c_new
    return cell


# --- an MLP training step --------------------------------------------------------------------
def mlp_setup(batch: int = 128):
    rng = np.random.default_rng(1)
    w1 = (rng.standard_normal((784, 128)) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((128, 10)) * 0.05).astype(np.float32)
    b1, b2 = np.zeros(128, np.float32), np.zeros(10, np.float32)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch).astype(np.int32)
    return [w1, b1, w2, b2], x, y


def mlp_numpy(params, lr: float = 0.01):
    w1, b1, w2, b2 = [p.copy() for p in params]

    def step(x, y):
        nonlocal w1, b1, w2, b2
        pre = x @ w1 + b1
        hidden = np.maximum(pre, 0)
        logits = hidden @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        probs = exp / exp.sum(axis=1, keepdims=True)
        n = x.shape[0]
        loss = -np.log(probs[np.arange(n), y]).mean()
        d_logits = probs
        d_logits[np.arange(n), y] -= 1
        d_logits /= n
        d_w2 = hidden.T @ d_logits
        d_b2 = d_logits.sum(axis=0)
        d_hidden = d_logits @ w2.T
        d_hidden[pre <= 0] = 0
        d_w1 = x.T @ d_hidden
        d_b1 = d_hidden.sum(axis=0)
        w1 = w1 - lr * d_w1
        b1 = b1 - lr * d_b1
        w2 = w2 - lr * d_w2
        b2 = b2 - lr * d_b2
        return loss
    return step


def mlp_ops(params, lr: float = 0.01):
    variables = [tf.Variable(p) for p in params]
    w1, b1, w2, b2 = variables

    def step(x, y):
        with tf.GradientTape() as tape:
            hidden = tf.nn.relu(tf.matmul(x, w1) + b1)
            logits = tf.matmul(hidden, w2) + b2
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, variables)
        for variable, grad in zip(variables, grads):
            variable.assign_sub(lr * grad)
        return loss
    return step


def report(name: str, eager_ms: float, compiled_ms: float, numpy_ms: float) -> None:
    print(f"{name}: eager {eager_ms:.3f} ms, tf.function {compiled_ms:.3f} ms, "
          f"NumPy by hand {numpy_ms:.3f} ms | compiled/NumPy {compiled_ms / numpy_ms:.2f}x, "
          f"eager/compiled {eager_ms / compiled_ms:.2f}x")


def main() -> None:
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    print(f"BLAS: {blas_info()}")
    kernel, recurrent, bias, x, h, c = lstm_setup()
    cell_np = lstm_numpy(kernel, recurrent, bias)
    cell = lstm_ops(kernel, recurrent, bias)
    compiled_cell = tf.function(cell)
    tx, th, tc = tf.constant(x), tf.constant(h), tf.constant(c)
    for out_np, out_tf in zip(cell_np(x, h, c), compiled_cell(tx, th, tc)):
        np.testing.assert_allclose(out_tf.numpy(), out_np, rtol=1e-5, atol=1e-6)
    report("LSTMCell step (100x100)",
           per_call_ms(lambda: cell(tx, th, tc), 200),
           per_call_ms(lambda: compiled_cell(tx, th, tc), 1000),
           per_call_ms(lambda: cell_np(x, h, c), 1000))

    params, xb, yb = mlp_setup()
    step_np = mlp_numpy(params)
    eager_step = mlp_ops(params)
    compiled_step = tf.function(mlp_ops(params))
    txb, tyb = tf.constant(xb), tf.constant(yb)
    np.testing.assert_allclose(float(compiled_step(txb, tyb)), float(step_np(xb, yb)), rtol=1e-4)
    report("MLP train step (128, 784-128-10)",
           per_call_ms(lambda: eager_step(txb, tyb), 50),
           per_call_ms(lambda: compiled_step(txb, tyb), 200),
           per_call_ms(lambda: step_np(xb, yb), 200))


if __name__ == "__main__":
    main()
