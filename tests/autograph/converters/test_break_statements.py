"""break -> flag: the rewritten code runs like the original and stops on the flag."""

from eagerflow.autograph.converters import break_statements, control_flow
from tests.autograph.util import apply, build

WHILE = """
def f(n):
    i = 0
    out = []
    while i < n:
        i += 1
        if i == 3:
            break
        out.append(i)
    else:
        out.append(-1)
    return out
"""

FOR_NESTED = """
def f(rows):
    out = []
    for row in rows:
        for x in row:
            if x < 0:
                break
            out.append(x)
        if len(out) > 3:
            break
    return out
"""


def test_while_break_becomes_flag():
    text = apply(WHILE, break_statements)
    assert "break" not in text.replace("break_", "")
    assert "while not break_ and i < n" in text
    assert "if not break_:" in text
    f = build(WHILE, break_statements)
    assert f(10) == [1, 2]
    assert f(2) == [1, 2, -1]  # else runs when the loop ends without break


def test_nested_loops_have_separate_flags():
    text = apply(FOR_NESTED, break_statements)
    assert "break_ = False" in text and "break__1 = False" in text
    f = build(FOR_NESTED, break_statements, control_flow)  # for loops stop in for_stmt
    for rows in ([[1, 2, -1, 5], [3, 4, 6]], [[1], [2], [3], [4], [5]], []):
        original = {}
        exec(FOR_NESTED, original)  # noqa: S102
        assert f(rows) == original["f"](rows)


def test_for_break_sets_extra_test():
    node_text = apply(FOR_NESTED, break_statements)
    # `for` loops keep their header; the flag is checked by the extra test and guards.
    assert "for x in row:" in node_text
