"""xs.append(x) inside loops -> xs = ag__.list_append(xs, x)."""

from eagerflow.autograph.converters import lists
from tests.autograph.util import apply, build

SOURCE = """
def f(n):
    xs = []
    xs.append(-1)
    for i in range(n):
        xs.append(i)
    return xs
"""


def test_append_in_loop_rewritten_only_in_loops():
    text = apply(SOURCE, lists)
    assert "xs = ag__.list_append(xs, i)" in text
    assert "xs.append(-1)" in text


def test_append_semantics():
    assert build(SOURCE, lists)(3) == [-1, 0, 1, 2]
