"""Eager op overhead: microseconds per op beside the same NumPy call, and the ratio.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/op_overhead.py
Prints medians over several repeats (the machines are shared and noisy), the
BLAS library threadpoolctl finds, and PyTorch's eager figures when installed.
"""

from __future__ import annotations

import statistics
import sys
import timeit

import numpy as np
from common import blas_info  # noqa: E402 - benchmarks/ is on sys.path

import eagerflow as tf


def per_call_us(statement, number: int, repeat: int = 7) -> float:
    times = timeit.repeat(statement, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e6



def small_ops():
    rng = np.random.default_rng(0)
    a_np, b_np, c_np = (rng.standard_normal((8, 8)).astype(np.float32) for _ in range(3))
    m_np = rng.standard_normal((64, 64)).astype(np.float32)
    a, b, c, m = (tf.constant(x) for x in (a_np, b_np, c_np, m_np))
    return [
        ("add 8x8", lambda: tf.add(a, b), lambda: np.add(a_np, b_np), 200_000),
        ("a + b 8x8 (operator)", lambda: a + b, lambda: a_np + b_np, 200_000),
        ("a*b+c 8x8", lambda: a * b + c, lambda: a_np * b_np + c_np, 100_000),
        ("matmul 64x64", lambda: tf.matmul(m, m), lambda: np.matmul(m_np, m_np), 20_000),
        ("slice x[1:5, ::2]", lambda: a[1:5, ::2], lambda: a_np[1:5, ::2], 100_000),
        ("relu 8x8", lambda: tf.nn.relu(a), lambda: np.maximum(a_np, 0), 100_000),
        ("reduce_sum 8x8", lambda: tf.reduce_sum(a), lambda: np.sum(a_np), 100_000),
    ]


def large_ops():
    rng = np.random.default_rng(1)
    big_np = rng.standard_normal((1024, 1024)).astype(np.float32)
    big = tf.constant(big_np)
    x_np = rng.standard_normal((32, 64, 64, 64)).astype(np.float32)
    w_np = rng.standard_normal((3, 3, 64, 64)).astype(np.float32)
    x, w = tf.constant(x_np), tf.constant(w_np)

    def numpy_conv():
        padded = np.pad(x_np, ((0, 0), (1, 1), (1, 1), (0, 0)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))
        # windows: [N, H, W, C, 3, 3] -> columns [N*H*W, 3*3*C] in filter order (kh, kw, c)
        columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, 9 * 64)
        return (columns @ w_np.reshape(9 * 64, 64)).reshape(32, 64, 64, 64)

    return [
        ("matmul 1024x1024", lambda: tf.matmul(big, big), lambda: np.matmul(big_np, big_np), 5),
        ("conv2d 3x3 32x64x64x64", lambda: tf.nn.conv2d(x, w, 1, "SAME"), numpy_conv, 2),
    ]


def torch_figures():
    try:
        import torch
    except ImportError:
        return None
    a, b = torch.ones(8, 8), torch.ones(8, 8)
    return per_call_us(lambda: torch.add(a, b), 100_000)


def main() -> None:
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, eagerflow {tf.__version__}")
    print(f"BLAS: {blas_info()}")
    print(f"{'op':28s} {'eagerflow us':>13s} {'numpy us':>10s} {'ratio':>7s}")
    for name, ours, floor, number in small_ops() + large_ops():
        ours(), floor()
        t_ours = per_call_us(ours, number)
        t_floor = per_call_us(floor, number)
        print(f"{name:28s} {t_ours:13.2f} {t_floor:10.2f} {t_ours / t_floor:7.2f}x")
    torch_add = torch_figures()
    if torch_add is not None:
        print(f"PyTorch eager add 8x8: {torch_add:.2f} us")


if __name__ == "__main__":
    main()
