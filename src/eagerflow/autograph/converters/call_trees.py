"""Calls: `f(a, *b, k=c)` -> `ag__.converted_call(f, (a, *b), {'k': c})`.

At run time `converted_call` converts user functions (recursively, cached),
applies the builtin overloads (print, len, range) and calls everything else as is.
Calls that depend on the calling frame (super, locals, ...) stay direct; a
zero-argument `super()` in a method becomes `super(__class__, self)`.
"""

from __future__ import annotations

import ast

__all__ = ["transform"]

_DIRECT = {"super", "locals", "globals", "vars", "eval", "exec", "dir"}


class _Calls(ast.NodeTransformer):
    def __init__(self, self_name: str | None) -> None:
        self.self_name = self_name

    def visit_Call(self, node):
        node = self.generic_visit(node)
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "super" and not node.args
                and self.self_name is not None):
            # Zero-argument super() reads the calling frame, which is a nested body function
            # after conversion: name the class cell and the instance explicitly.
            node.args = [ast.Name(id="__class__", ctx=ast.Load()),
                         ast.Name(id=self.self_name, ctx=ast.Load())]
            for arg in node.args:
                ast.copy_location(arg, node)
            return node
        if isinstance(func, ast.Name) and func.id in _DIRECT:
            return node
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (
                func.value.id == "ag__"):
            return node
        args = ast.Tuple(elts=list(node.args), ctx=ast.Load())
        if node.keywords:
            kwargs = ast.Dict(keys=[None if k.arg is None else ast.Constant(k.arg)
                                    for k in node.keywords],
                              values=[k.value for k in node.keywords])
        else:
            kwargs = ast.Constant(None)
        target = ast.Attribute(value=ast.Name(id="ag__", ctx=ast.Load()), attr="converted_call",
                               ctx=ast.Load())
        call = ast.Call(func=target, args=[func, args, kwargs], keywords=[])
        for n in (args, kwargs, target, target.value, call):
            ast.copy_location(n, node)
        return call


def transform(node, ctx):
    args = node.args.posonlyargs + node.args.args
    self_name = args[0].arg if args and ctx.class_name is not None else None
    return _Calls(self_name).visit(node)
