"""Helpers for the AutoGraph tests: run a function three ways, and run single converters."""

from __future__ import annotations

import ast
import textwrap

import numpy as np

import eagerflow as tf
from eagerflow.autograph import templates
from eagerflow.autograph.conversion import AG
from eagerflow.autograph.converters.base import Context


def values(result):
    """Nested results as NumPy values (tensors read, Python values kept)."""
    if isinstance(result, (tuple, list)):
        return type(result)(values(r) for r in result)
    if isinstance(result, tf.Tensor):
        return result.numpy()
    return result


def assert_same(a, b) -> None:
    a, b = values(a), values(b)
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
        return
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def run_three_ways(f, *args):
    """f as plain Python, converted but eager, and compiled: the results must agree."""
    plain = f(*args)
    converted = tf.autograph.to_graph(f)(*args)
    compiled = tf.function(f)(*args)
    assert_same(plain, converted)
    assert_same(plain, compiled)
    return compiled


def function_node(source: str):
    node = ast.parse(textwrap.dedent(source)).body[0]
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return node, Context(templates.Namer(used | {"ag__"}))


def apply(source: str, *converters) -> str:
    """The unparsed source after running `converters` on the function in `source`."""
    node, ctx = function_node(source)
    for converter in converters:
        node = converter.transform(node, ctx)
    return ast.unparse(ast.fix_missing_locations(node))


def build(source: str, *converters, namespace=None):
    """The function in `source` after `converters`, compiled with `ag__` available."""
    text = apply(source, *converters)
    scope = {"ag__": AG, "tf": tf}
    scope.update(namespace or {})
    exec(compile(text, "<converted>", "exec"), scope)  # noqa: S102 - test of generated code
    return scope[ast.parse(text).body[0].name]
