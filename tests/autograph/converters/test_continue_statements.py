"""continue -> flag reset each iteration; the rest of the body is guarded."""

from eagerflow.autograph.converters import continue_statements
from tests.autograph.util import apply, build

SOURCE = """
def f(xs):
    total = 0
    for x in xs:
        if x % 2 == 0:
            continue
        total += x
        if x > 6:
            continue
        total += 100
    return total
"""


def test_continue_becomes_guard():
    text = apply(SOURCE, continue_statements)
    assert "continue_ = False" in text and "continue_ = True" in text
    assert "if not continue_:" in text
    assert "continue\n" not in text


def test_continue_semantics():
    f = build(SOURCE, continue_statements)
    original = {}
    exec(SOURCE, original)  # noqa: S102
    for xs in ([1, 2, 3, 7, 8, 9], [], [2, 4]):
        assert f(xs) == original["f"](xs)
