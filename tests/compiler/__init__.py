"""Tests of the compiler passes and code generation. Shared helpers for tracing small graphs."""

from __future__ import annotations

import re

import numpy as np

import eagerflow as tf
from eagerflow.compiler.codegen import compile_graph
from eagerflow.compiler.pipeline import optimize


def trace(fn, *args, signature=None):
    """The traced (unoptimized) graph of `fn` for `args` (or an input signature)."""
    function = tf.function(fn, input_signature=signature, autograph=False)
    if signature is not None:
        return function.get_concrete_function().graph
    return function.get_concrete_function(*args).graph


def run_passes(passes, fn, *args, signature=None):
    return optimize(trace(fn, *args, signature=signature), passes=passes)


def text(graph) -> str:
    """The printed graph without the user-line comments (stable golden text)."""
    return re.sub(r" +# .*$", "", str(graph), flags=re.M)


def ops(graph) -> list:
    """Names of the ops the graph runs (placeholders and constants left out)."""
    return [n.op.name for n in graph.nodes if n.op.name not in ("placeholder", "constant")]


def execute(graph, *arrays):
    """Compile `graph` and run it on NumPy arrays; returns the list of outputs."""
    return list(compile_graph(graph)(*arrays))


def same_bits(a, b) -> bool:
    """Bitwise equality (NaNs and signed zeros included), dtype and shape too."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def function(fn=None, **options):
    """tf.function without AutoGraph: these tests are about the compiler, not conversion."""
    if fn is None:
        return lambda f: tf.function(f, autograph=False, **options)
    return tf.function(fn, autograph=False, **options)
