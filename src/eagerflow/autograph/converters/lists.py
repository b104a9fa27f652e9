"""`xs.append(x)` inside a loop -> `xs = ag__.list_append(xs, x)`.

The list becomes loop state, so a tensor loop that appends to a Python list is
detected (the list's length changes across an iteration) and reported with the
TensorArray rewrite to use. Outside tensor loops `list_append` is `xs.append(x)`.
"""

from __future__ import annotations

import ast

from eagerflow.autograph import templates

__all__ = ["transform"]


class _Lists(ast.NodeTransformer):
    def __init__(self) -> None:
        self.depth = 0

    def _loop(self, node):
        self.depth += 1
        node = self.generic_visit(node)
        self.depth -= 1
        return node

    visit_While = _loop
    visit_For = _loop

    def visit_FunctionDef(self, node):
        depth, self.depth = self.depth, 0
        node = self.generic_visit(node)
        self.depth = depth
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Expr(self, node):
        call = node.value
        if (self.depth and isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "append" and isinstance(call.func.value, ast.Name)
                and len(call.args) == 1 and not call.keywords
                and not isinstance(call.args[0], ast.Starred)):
            name = call.func.value.id
            return templates.replace("target = ag__.list_append(target, value)", loc=node,
                                     target=name, value=call.args[0])
        return node


def transform(node, ctx):
    return _Lists().visit(node)
