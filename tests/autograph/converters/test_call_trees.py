"""Calls -> ag__.converted_call(f, args, kwargs); frame-dependent calls stay direct."""

from eagerflow.autograph.converters import call_trees
from tests.autograph.util import apply, build

SOURCE = """
def f(g, xs, kw):
    a = g(1, *xs, key=2, **kw)
    b = len(locals())
    return a, b
"""


def test_calls_wrapped():
    text = apply(SOURCE, call_trees)
    assert "ag__.converted_call(g, (1, *xs), {'key': 2, **kw})" in text
    assert "ag__.converted_call(len, (locals(),), None)" in text


def test_wrapped_calls_run():
    f = build(SOURCE, call_trees)
    a, b = f(lambda *args, **kwargs: (args, kwargs), [3, 4], {"z": 5})
    assert a == ((1, 3, 4), {"key": 2, "z": 5})
    assert b == 4  # g, xs, kw and a: locals() still sees the calling frame


def test_super_made_explicit_in_methods():
    from eagerflow.autograph.converters.base import Context
    from tests.autograph.util import function_node

    node, _ = function_node("def m(self, x):\n    return super().m(x)\n")
    ctx = Context(_.namer, class_name="C")
    import ast

    text = ast.unparse(call_trees.transform(node, ctx))
    assert "super(__class__, self)" in text
