"""The jump guard shared by the break/continue/return converters."""

import ast

from eagerflow.autograph.converters.base import guard


def test_guard_wraps_statements_after_a_possible_jump():
    body = ast.parse("a = 1\nif c:\n    break\nb = 2\nc = 3\n").body

    def replacement(stmt):
        return ast.parse("flag = True").body

    out = guard(body, "flag", ast.Break, replacement, into_loops=False)
    text = ast.unparse(ast.fix_missing_locations(ast.Module(body=out, type_ignores=[])))
    assert text == "a = 1\nif c:\n    flag = True\nif not flag:\n    b = 2\n    c = 3"


def test_guard_drops_unreachable_code_and_skips_inner_loops():
    body = ast.parse("while x:\n    break\nbreak\ndead()\n").body
    out = guard(body, "flag", ast.Break, lambda s: ast.parse("flag = True").body,
                into_loops=False)
    text = ast.unparse(ast.fix_missing_locations(ast.Module(body=out, type_ignores=[])))
    assert text == "while x:\n    break\nflag = True"
