"""return in compound statements -> do_return/retval_, with if/else normalization."""

import pytest

from eagerflow.autograph.converters import control_flow, return_statements
from tests.autograph.util import apply, build

IF_RETURN = """
def f(x):
    if x > 0:
        return x
    y = -x
    return y * 10
"""

LOOP_RETURN = """
def f(xs):
    for x in xs:
        if x > 2:
            return x
    return None
"""

NO_ELSE = """
def f(x):
    '''doc'''
    if x > 0:
        return 1
"""


def test_following_statements_move_into_else():
    text = apply(IF_RETURN, return_statements)
    assert "do_return = False" in text and "retval_ = ag__.UndefinedReturnValue()" in text
    assert "else:" in text  # the statements after the returning `if` became its else branch
    assert text.rstrip().endswith("return ag__.retval(retval_)")
    f = build(IF_RETURN, return_statements)
    assert f(3) == 3 and f(-2) == 20


def test_loop_return_stops_loop():
    f = build(LOOP_RETURN, return_statements, control_flow)  # for loops stop in for_stmt
    assert f([1, 5, 7]) == 5
    assert f([1, 2]) is None


def test_missing_return_gives_none_and_keeps_docstring():
    text = apply(NO_ELSE, return_statements)
    assert text.splitlines()[1].strip() == '"""doc"""'
    f = build(NO_ELSE, return_statements)
    assert f(1) == 1 and f(-1) is None


@pytest.mark.parametrize("source", ["def f(x):\n    return x\n", "def f(x):\n    x += 1\n"])
def test_plain_functions_untouched(source):
    assert "do_return" not in apply(source, return_statements)


def test_generators_untouched():
    source = "def f(xs):\n    for x in xs:\n        if x:\n            return\n        yield x\n"
    assert "do_return" not in apply(source, return_statements)
