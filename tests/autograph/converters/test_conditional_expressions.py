"""a if c else b -> ag__.if_exp(c, lambda: a, lambda: b, 'c')."""

from eagerflow.autograph.converters import conditional_expressions
from tests.autograph.util import apply, build

SOURCE = """
def f(x):
    return x * 2 if x > 0 else (-x if x < -5 else 0)
"""


def test_rewritten_lazily():
    text = apply(SOURCE, conditional_expressions)
    assert "ag__.if_exp(x > 0, lambda: x * 2, lambda: ag__.if_exp(x < -5" in text


def test_semantics():
    f = build(SOURCE, conditional_expressions)
    assert [f(3), f(-7), f(-1)] == [6, 7, 0]
