"""`assert test, msg` -> `ag__.assert_stmt(test, lambda: msg)` (tf.debugging.Assert on tensors)."""

from __future__ import annotations

import ast

from eagerflow.autograph import templates

__all__ = ["transform"]


class _Assert(ast.NodeTransformer):
    def visit_Assert(self, node):
        node = self.generic_visit(node)
        message = node.msg if node.msg is not None else ast.Constant(
            f"Assertion failed: {ast.unparse(node.test)}")
        return templates.replace("ag__.assert_stmt(test, lambda: message)", loc=node,
                                 test=node.test, message=message)


def transform(node, ctx):
    return _Assert().visit(node)
