"""The compiler passes at work: per-call time with all passes vs. DCE only.

Two functions, each compiled twice from the same traced graph:
  - a 10-op elementwise chain on a 1000x1000 float32 input,
  - a 3-layer MLP forward pass (batch 128, 784-256-128-10, relu),
and, for reference, the same computation hand-written in NumPy. Prints medians of interleaved
runs and the ratio DCE-only / all passes (above 1: the passes help).

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/compiler_passes.py
"""

from __future__ import annotations

import numpy as np
from common import blas_info, median_times  # noqa: E402 - benchmarks/ is on sys.path

import eagerflow as tf
from eagerflow.compiler.codegen import compile_graph
from eagerflow.compiler.passes.dce import eliminate_dead_code
from eagerflow.compiler.pipeline import optimize


def chain(x):
    a = x * 1.5 + 0.25
    b = tf.abs(a) * 0.5
    c = tf.sqrt(b) + x
    d = tf.tanh(c) * c
    return tf.exp(-d)


def chain_numpy(x):
    a = x * np.float32(1.5) + np.float32(0.25)
    b = np.abs(a) * np.float32(0.5)
    c = np.sqrt(b) + x
    d = np.tanh(c) * c
    return np.exp(-d)


def build(fn, *args):
    """(all passes, DCE only) compiled callables over NumPy arrays, and the all-pass graph."""
    graph = tf.function(fn).get_concrete_function(*args).graph
    full = optimize(graph)
    dce = optimize(graph, passes=[eliminate_dead_code])
    return compile_graph(full), compile_graph(dce), full, dce


def report(title: str, fns: dict, repeats: int) -> None:
    names = list(fns)
    medians = median_times([fns[n] for n in names], repeats)
    print(title)
    for name, t in zip(names, medians):
        print(f"  {name:<14} {t * 1e3:9.3f} ms/call")
    by = dict(zip(names, medians))
    print(f"  DCE-only / all passes: {by['dce only'] / by['all passes']:.2f}x;  "
          f"all passes / NumPy: {by['all passes'] / by['numpy']:.2f}x")


def main() -> None:
    print(f"BLAS: {blas_info()}")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 1000)).astype(np.float32)
    full, dce, graph, dce_graph = build(chain, tf.constant(x))
    print(f"chain: {len(dce_graph.nodes)} nodes with DCE only, {len(graph.nodes)} with all passes")
    assert np.array_equal(full(x)[0], chain_numpy(x))
    report("10-op elementwise chain, 1000x1000 float32",
           {"all passes": lambda: full(x), "dce only": lambda: dce(x),
            "numpy": lambda: chain_numpy(x)}, repeats=30)

    sizes = [784, 256, 128, 10]
    weights = [rng.standard_normal((a, b)).astype(np.float32) * 0.05
               for a, b in zip(sizes, sizes[1:])]
    biases = [rng.standard_normal(b).astype(np.float32) * 0.05 for b in sizes[1:]]
    variables = [tf.Variable(w) for w in weights] + [tf.Variable(b) for b in biases]
    w1, w2, w3, b1, b2, b3 = variables

    def mlp(x):
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        h = tf.nn.relu(tf.matmul(h, w2) + b2)
        return tf.matmul(h, w3) + b3

    def mlp_numpy(x):
        h = np.maximum(x @ weights[0] + biases[0], 0)
        h = np.maximum(h @ weights[1] + biases[1], 0)
        return h @ weights[2] + biases[2]

    batch = rng.standard_normal((128, 784)).astype(np.float32)
    full, dce, graph, dce_graph = build(mlp, tf.constant(batch))
    print(f"\nmlp: {len(dce_graph.nodes)} nodes with DCE only, {len(graph.nodes)} with all passes")
    np.testing.assert_allclose(full(batch)[0], mlp_numpy(batch), rtol=1e-5, atol=1e-6)
    report("3-layer MLP forward, batch 128, 784-256-128-10, relu",
           {"all passes": lambda: full(batch), "dce only": lambda: dce(batch),
            "numpy": lambda: mlp_numpy(batch)}, repeats=300)


if __name__ == "__main__":
    main()
