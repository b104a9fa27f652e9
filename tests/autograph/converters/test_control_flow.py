"""if/while/for -> ag__.if_stmt/while_stmt/for_stmt with nested body functions and state."""

import pytest

from eagerflow.autograph.converters import control_flow
from tests.autograph.util import apply, build

IF = """
def f(x):
    t = 1
    if x > 0:
        y = x + t
        t = 2
    else:
        y = -x
    return y
"""

WHILE = """
def f(n):
    i = 0
    s = 0
    while i < n:
        tmp = i * 2
        s += tmp
        i += 1
    else:
        s += 1000
    return s
"""

FOR = """
def f(pairs):
    total = 0
    for a, b in pairs:
        total += a * b
    return total, a
"""

GLOBAL = """
def f(x):
    global counter
    if x:
        counter += 1
    return counter
"""


def test_if_state_and_live_outputs():
    text = apply(IF, control_flow)
    assert "y = ag__.Undefined('y')" in text
    # y is live after the if; t is dead after it but read in a branch, so it is state
    # (each branch starts from its value) without being an output.
    assert "ag__.if_stmt(x > 0, if_body, else_body, get_state, set_state, ('y', 't'), 1)" in text
    f = build(IF, control_flow)
    assert f(3) == 4 and f(-2) == 2


def test_while_loop_state_and_else():
    text = apply(WHILE, control_flow)
    assert "ag__.while_stmt(loop_test, loop_body, get_state, set_state" in text
    assert "('s', 'i', 'tmp'), 1" in text  # s live after; i and tmp carried or temporary
    assert build(WHILE, control_flow)(4) == 1012


def test_for_tuple_target():
    text = apply(FOR, control_flow)
    assert "a, b = itr" in text
    assert build(FOR, control_flow)([(1, 2), (3, 4)]) == (14, 3)


def test_global_names_are_not_state():
    text = apply(GLOBAL, control_flow)
    assert "global counter" in text.split("def if_body")[1]
    f = build(GLOBAL, control_flow, namespace={"counter": 0})
    assert f(True) == 1


def test_maybe_bound_names_read_from_locals():
    source = """
def f(x):
    try:
        y = 1 / x
    except ZeroDivisionError:
        pass
    if x > 1:
        y = 0
    return y
"""
    text = apply(source, control_flow)
    assert "y = ag__.ld(locals(), 'y')" in text
    f = build(source, control_flow)
    assert f(2) == 0 and f(0.5) == 2.0
    with pytest.raises(UnboundLocalError):
        f(0) + 1


def test_generators_keep_python_control_flow():
    source = "def f(n):\n    for i in range(n):\n        if i:\n            yield i\n"
    assert "for_stmt" not in apply(source, control_flow)


def test_names_read_by_closures_stay_outputs():
    source = """
def f(x):
    def get():
        return y
    y = 0
    if x > 0:
        y = 1
    return get()
"""
    f = build(source, control_flow)
    assert f(1) == 1 and f(-1) == 0
