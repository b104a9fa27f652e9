"""tf.nn.conv2d against the NumPy floor: a 3x3 SAME conv, 32x64x64x64 -> 64 channels, float32.

The floor is the same arithmetic written directly in NumPy (zero padding, an im2col
strided view made contiguous, one BLAS matmul). Prints medians of several runs and
their ratio (target: tf.nn.conv2d within 1.2x of the floor), and the BLAS in use.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/conv_bench.py
"""

from __future__ import annotations

import argparse

import numpy as np
from common import blas_info, median_times  # noqa: E402 - benchmarks/ is on sys.path
from numpy.lib.stride_tricks import as_strided

import eagerflow as tf


def numpy_floor(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """3x3 stride-1 SAME convolution, NHWC, by im2col + one matmul."""
    n, h, wd, c = x.shape
    kh, kw, _, out = w.shape
    xp = np.zeros((n, h + kh - 1, wd + kw - 1, c), x.dtype)
    xp[:, kh // 2:kh // 2 + h, kw // 2:kw // 2 + wd] = x
    s = xp.strides
    cols = as_strided(xp, (n, h, wd, kh, kw, c), (s[0], s[1], s[2], s[1], s[2], s[3]),
                      writeable=False)
    return (cols.reshape(n * h * wd, kh * kw * c) @ w.reshape(kh * kw * c, out)).reshape(
        n, h, wd, out)




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 64, 64, 64), dtype=np.float32)
    w = rng.standard_normal((3, 3, 64, 64), dtype=np.float32)
    xt, wt = tf.constant(x), tf.constant(w)

    ours = tf.nn.conv2d(xt, wt, strides=1, padding="SAME").numpy()
    floor = numpy_floor(x, w)
    error = float(np.max(np.abs(ours - floor)))

    t_floor, t_ours = median_times(
        [lambda: numpy_floor(x, w), lambda: tf.nn.conv2d(xt, wt, strides=1, padding="SAME")],
        args.repeats)

    flops = 2 * 32 * 64 * 64 * 64 * 3 * 3 * 64
    print("conv2d 3x3 SAME, input 32x64x64x64 float32, 64 output channels")
    print(f"  BLAS:               {blas_info()}")
    print(f"  NumPy floor:        {t_floor * 1e3:8.1f} ms  ({flops / t_floor / 1e9:6.1f} GFLOP/s)")
    print(f"  tf.nn.conv2d:       {t_ours * 1e3:8.1f} ms  ({flops / t_ours / 1e9:6.1f} GFLOP/s)")
    print(f"  ratio ours / floor: {t_ours / t_floor:8.2f}x  (target <= 1.20x)")
    print(f"  max |difference|:   {error:.2e}")


if __name__ == "__main__":
    main()
