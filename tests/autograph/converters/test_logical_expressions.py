"""and/or/not -> ag__.and_/or_/not_ with lazy operands."""

from eagerflow.autograph.converters import logical_expressions
from tests.autograph.util import apply, build

SOURCE = """
def f(a, b, c, calls):
    return (a and calls.append('b') is None and b) or not c
"""


def test_rewritten():
    text = apply(SOURCE, logical_expressions)
    assert "ag__.or_(lambda: ag__.and_(lambda: a, lambda: ag__.and_(" in text
    assert "ag__.not_(c)" in text


def test_short_circuit_kept():
    f = build(SOURCE, logical_expressions)
    calls = []
    assert f(0, 1, 1, calls) is False and calls == []
    assert f(1, 5, 1, calls) == 5 and calls == ["b"]
    assert f(1, 0, 0, calls) is True
