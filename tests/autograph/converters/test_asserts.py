"""assert -> ag__.assert_stmt (Python assert on Python values)."""

import pytest

from eagerflow.autograph.converters import asserts
from tests.autograph.util import apply, build

SOURCE = """
def f(x):
    assert x > 0, "x must be positive"
    assert x < 10
    return x
"""


def test_assert_rewritten():
    text = apply(SOURCE, asserts)
    assert "ag__.assert_stmt(x > 0, lambda: 'x must be positive')" in text
    assert "Assertion failed: x < 10" in text


def test_assert_python_semantics():
    f = build(SOURCE, asserts)
    assert f(3) == 3
    with pytest.raises(AssertionError, match="x must be positive"):
        f(-1)
    with pytest.raises(AssertionError, match="x < 10"):
        f(12)
