"""`continue`: a flag reset at the top of each iteration, set instead of jumping.

    for x in xs:               for x in xs:
        if c:                      continue_ = False
            continue     ->        if c:
        rest                           continue_ = True
                                   if not continue_:
                                       rest
"""

from __future__ import annotations

import ast

from eagerflow.autograph import templates
from eagerflow.autograph.analysis import contains
from eagerflow.autograph.converters.base import guard

__all__ = ["transform"]

_LOOPS = (ast.While, ast.For)


class _Continue(ast.NodeTransformer):
    def __init__(self, ctx) -> None:
        self.ctx = ctx

    def _loop(self, node):
        node = self.generic_visit(node)
        if not contains(node.body, ast.Continue, stop=_LOOPS):
            return node
        flag = self.ctx.namer.new("continue_")

        def replacement(stmt):
            return templates.replace("flag = True", loc=stmt, flag=flag)

        body = guard(node.body, flag, ast.Continue, replacement, into_loops=False)
        node.body = templates.replace("flag = False", loc=node.body[0], flag=flag) + body
        return node

    visit_While = _loop
    visit_For = _loop


def transform(node, ctx):
    return _Continue(ctx).visit(node)
