"""`tf.autograph.experimental.set_loop_options(...)` at the top of a loop body.

The call is removed from the body and its keyword arguments (shape_invariants,
maximum_iterations, ...) become the loop's options (`loop._ag_opts`, a dict
expression the control-flow converter passes to the loop operator).
"""

from __future__ import annotations

import ast

__all__ = ["transform", "OPTS"]

OPTS = "_ag_opts"


def _is_directive(stmt) -> bool:
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    func = stmt.value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name == "set_loop_options"


class _Directives(ast.NodeVisitor):
    def _loop(self, node):
        self.generic_visit(node)
        keep, keys, values = [], [], []
        for stmt in node.body:
            if _is_directive(stmt):
                for keyword in stmt.value.keywords:
                    keys.append(ast.Constant(keyword.arg))
                    values.append(keyword.value)
            else:
                keep.append(stmt)
        if keys:
            node.body = keep or [ast.copy_location(ast.Pass(), node)]
            opts = ast.Dict(keys=keys, values=values)
            ast.copy_location(opts, node)
            setattr(node, OPTS, opts)

    visit_While = _loop
    visit_For = _loop


def transform(node, ctx):
    _Directives().visit(node)
    return node
