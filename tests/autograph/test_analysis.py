"""Static analysis: names read and written per statement, liveness after each statement."""

import ast
import textwrap

from eagerflow.autograph import analysis


def stmts(source: str) -> list:
    return ast.parse(textwrap.dedent(source)).body


def test_reads_and_writes_of_a_statement():
    (stmt,) = stmts("a, b[i] = f(x), y")
    assert analysis.writes(stmt) == {"a", "b"}  # b's item assignment changes the container
    assert analysis.reads(stmt) == {"b", "i", "f", "x", "y"}


def test_aug_assign_reads_and_writes():
    (stmt,) = stmts("s += x")
    assert analysis.writes(stmt) == {"s"} and analysis.reads(stmt) == {"s", "x"}


def test_nested_scopes_bind_only_their_name():
    (stmt,) = stmts("""
        if c:
            def g(p):
                q = p + z
                return q
            k = [v for v in w]
            import os.path as osp
    """)
    assert analysis.writes(stmt) == {"g", "k", "osp"}
    assert {"z", "w", "c"} <= analysis.reads(stmt)


def test_loop_targets_and_handlers_are_writes():
    (stmt,) = stmts("""
        for i, (a, b) in xs:
            try:
                pass
            except E as err:
                pass
    """)
    assert analysis.writes(stmt) == {"i", "a", "b", "err"}


def test_declared_globals():
    (function,) = stmts("""
        def f():
            global g1, g2
            def inner():
                global g3
    """)
    assert analysis.declared(function) == {"g1", "g2"}


def test_liveness_straight_line_and_branches():
    body = stmts("""
        a = 1
        if c:
            b = a
        else:
            b = 2
        d = b
    """)
    analysis.annotate_liveness(body, {"d"})
    assert analysis.live_out(body[0]) == {"a", "c"}
    assert analysis.live_out(body[1]) == {"b"}


def test_liveness_through_loop_back_edge():
    body = stmts("""
        s = 0
        i = 0
        while i < n:
            t = i * 2
            if t > 3:
                s = s + t
            i += 1
        r = s
    """)
    analysis.annotate_liveness(body, {"r"})
    loop = body[2]
    inner_if = loop.body[1]
    # s and i flow around the loop; t is written before it is read in every iteration.
    assert {"s", "i", "n"} <= analysis.live_out(inner_if)
    assert "t" not in analysis.live_out(inner_if)
    assert "t" not in analysis.live_out(loop)


def test_contains_stops_at_scopes_and_given_types():
    (stmt,) = stmts("""
        while x:
            def f():
                return 1
            for y in z:
                break
    """)
    assert not analysis.contains(stmt.body, ast.Return)
    assert not analysis.contains(stmt.body, ast.Break, stop=(ast.For,))
    assert analysis.contains(stmt.body, ast.Break)


def test_attribute_chains_are_composite_symbols():
    (stmt,) = stmts("self.a.b = self.c + x.d\n")
    assert analysis.writes(stmt) == {"self.a.b"}
    assert {"self", "self.c", "x", "x.d"} <= analysis.reads(stmt)
    (stmt,) = stmts("self.items[k] += 1\n")
    assert analysis.writes(stmt) == {"self.items"}
    (stmt,) = stmts("f().x = 1\n")
    assert analysis.writes(stmt) == set()
