"""`return` inside compound statements: one exit at the end of the function.

    def f(x):                      def f(x):
        if x > 0:                      do_return = False
            return x                   retval_ = ag__.UndefinedReturnValue()
        return -x           ->         if x > 0:
                                           do_return = True
                                           retval_ = x
                                       else:
                                           do_return = True
                                           retval_ = -x
                                       return ag__.retval(retval_)

An `if` whose body always returns takes the statements after it as its `else`
(so both branches of a tensor `cond` define `retval_`); other statements after a
possible return go under `if not do_return:`; loops containing a return also
stop on `do_return`. When some path ends without a return, `retval_` starts as
`UndefinedReturnValue(implicit_none=True)`: a tensor loop cannot carry a value
that may be Python's implicit None, and says so.
"""

from __future__ import annotations

import ast

from eagerflow.autograph import templates
from eagerflow.autograph.analysis import contains
from eagerflow.autograph.converters.base import guard, sub_blocks
from eagerflow.autograph.converters.break_statements import add_extra_test

__all__ = ["transform"]

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _always_returns(stmts: list) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.Return):
        return True
    return isinstance(last, ast.If) and _always_returns(last.body) and _always_returns(
        last.orelse)


def _normalize(stmts: list) -> list:
    """Move the statements after an always-returning `if` branch into the other branch."""
    out: list = []
    for index, stmt in enumerate(stmts):
        for field in sub_blocks(stmt, into_loops=True):
            setattr(stmt, field, _normalize(getattr(stmt, field)))
        out.append(stmt)
        rest = stmts[index + 1:]
        if isinstance(stmt, ast.If) and rest:
            if _always_returns(stmt.body):
                stmt.orelse = _normalize(stmt.orelse + rest)
                return out
            if stmt.orelse and _always_returns(stmt.orelse):
                stmt.body = _normalize(stmt.body + rest)
                return out
    return out


def _needs_conversion(function) -> bool:
    """Whether a return sits inside a compound statement (a final plain `return` needs nothing)."""
    if contains(function.body, (ast.Yield, ast.YieldFrom)):
        return False
    for stmt in function.body:
        if not isinstance(stmt, ast.Return) and contains([stmt], ast.Return):
            return True
    return False


def _convert_function(function, ctx) -> None:
    if not _needs_conversion(function):
        return
    flag = ctx.namer.new("do_return")
    value = ctx.namer.new("retval_")
    loops = [n for n in _own_nodes(function.body)
             if isinstance(n, (ast.While, ast.For)) and contains(n.body, ast.Return)]

    def replacement(stmt):
        result = stmt.value if stmt.value is not None else ast.Constant(None)
        return templates.replace("flag = True\nvalue = result", loc=stmt, flag=flag,
                                 value=value, result=result)

    normalized = _normalize(function.body)
    implicit_none = not _always_returns(normalized)
    body = guard(normalized, flag, ast.Return, replacement, into_loops=True)
    for loop in loops:
        add_extra_test(loop, flag)
    docstring = []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and (
            isinstance(body[0].value.value, str)):
        docstring, body = body[:1], body[1:]
    undefined = "ag__.UndefinedReturnValue(implicit_none=True)" if implicit_none else (
        "ag__.UndefinedReturnValue()")
    head = templates.replace(f"flag = False\nvalue = {undefined}", loc=function.body[0],
                             flag=flag, value=value)
    tail = templates.replace("return ag__.retval(value)", loc=function.body[-1], value=value)
    function.body = docstring + head + body + tail


def _own_nodes(stmts: list):
    stack = list(stmts)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(node))


def transform(node, ctx):
    for function in [n for n in ast.walk(node)
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        _convert_function(function, ctx)
    return node
