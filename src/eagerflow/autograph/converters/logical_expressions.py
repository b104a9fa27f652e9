"""`a and b`, `a or b`, `not a` -> `ag__.and_(lambda: a, lambda: b)`, `ag__.or_`, `ag__.not_`.

The operands stay lazy, so Python short-circuiting is kept for Python values;
tensors become tf.logical_and / logical_or / logical_not.
"""

from __future__ import annotations

import ast

from eagerflow.autograph import templates

__all__ = ["transform"]


class _Logical(ast.NodeTransformer):
    def visit_BoolOp(self, node):
        node = self.generic_visit(node)
        operator = "and_" if isinstance(node.op, ast.And) else "or_"
        result = node.values[-1]
        for value in reversed(node.values[:-1]):
            result = templates.replace_expr(f"ag__.{operator}(lambda: a, lambda: b)", loc=node,
                                            a=value, b=result)
        return result

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return templates.replace_expr("ag__.not_(a)", loc=node, a=node.operand)
        return node


def transform(node, ctx):
    return _Logical().visit(node)
