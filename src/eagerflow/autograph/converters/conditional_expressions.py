"""`a if c else b` -> `ag__.if_exp(c, lambda: a, lambda: b, 'c')` (tf.cond on tensors)."""

from __future__ import annotations

import ast

from eagerflow.autograph import templates

__all__ = ["transform"]


class _IfExp(ast.NodeTransformer):
    def visit_IfExp(self, node):
        node = self.generic_visit(node)
        return templates.replace_expr(
            "ag__.if_exp(test, lambda: body, lambda: orelse, text)", loc=node, test=node.test,
            body=node.body, orelse=node.orelse, text=ast.Constant(ast.unparse(node.test)))


def transform(node, ctx):
    return _IfExp().visit(node)
