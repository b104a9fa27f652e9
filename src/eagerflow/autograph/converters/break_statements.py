"""`break`: a flag set instead of jumping; the loop's test and the statements after it check it.

    while test:            break_ = False
        ...                while not break_ and test:
        if c:                  ...
            break     ->       if c:
        rest                       break_ = True
    else:                      if not break_:
        done()                     rest
                           if not break_:
                               done()
"""

from __future__ import annotations

import ast

from eagerflow.autograph import templates
from eagerflow.autograph.analysis import contains
from eagerflow.autograph.converters.base import guard

__all__ = ["transform", "add_extra_test"]

_LOOPS = (ast.While, ast.For)


def add_extra_test(loop, flag: str) -> None:
    """Make `loop` stop once `flag` is set (`while` test; `for` extra test)."""
    if isinstance(loop, ast.While):
        loop.test = templates.replace_expr("not flag and test", loc=loop.test, flag=flag,
                                           test=loop.test)
    else:
        previous = getattr(loop, "_ag_extra_test", None)
        test = templates.replace_expr("not flag", loc=loop, flag=flag)
        if previous is not None:
            test = templates.replace_expr("test and previous", loc=loop, test=test,
                                          previous=previous)
        loop._ag_extra_test = test


class _Break(ast.NodeTransformer):
    def __init__(self, ctx) -> None:
        self.ctx = ctx

    def _loop(self, node):
        node = self.generic_visit(node)
        if not contains(node.body, ast.Break, stop=_LOOPS):
            return node
        flag = self.ctx.namer.new("break_")

        def replacement(stmt):
            return templates.replace("flag = True", loc=stmt, flag=flag)

        node.body = guard(node.body, flag, ast.Break, replacement, into_loops=False)
        add_extra_test(node, flag)
        out = templates.replace("flag = False", loc=node, flag=flag) + [node]
        if node.orelse:
            out += templates.replace("if not flag:\n    orelse", loc=node.orelse[0], flag=flag,
                                     orelse=node.orelse)
            node.orelse = []
        return out

    visit_While = _loop
    visit_For = _loop


def transform(node, ctx):
    return _Break(ctx).visit(node)
