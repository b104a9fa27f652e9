"""What the converters share: the conversion context and the jump guard.

`guard` rewrites a jump statement (break, continue, return) into setting a
flag, and puts the statements that follow a possible jump under `if not flag:`,
so that control flow after the rewrite is structured (no jumps) and the flag is
ordinary state that a tensor `cond` or `while_loop` can carry.
"""

from __future__ import annotations

import ast

from eagerflow.autograph import templates
from eagerflow.autograph.analysis import contains

__all__ = ["Context", "guard", "sub_blocks"]

_LOOPS = (ast.While, ast.For, ast.AsyncFor)


class Context:
    """Per-function conversion state: fresh names, the class of a method (for mangling)."""

    def __init__(self, namer: templates.Namer, class_name: str | None = None) -> None:
        self.namer = namer
        self.class_name = class_name


def sub_blocks(stmt, into_loops: bool) -> list:
    """The field names of `stmt` holding statement lists a jump guard may enter."""
    if isinstance(stmt, ast.If):
        return ["body", "orelse"]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return ["body"]
    if isinstance(stmt, ast.Try):
        return ["body", "orelse", "finalbody"]
    if into_loops and isinstance(stmt, _LOOPS):
        return ["body", "orelse"]
    return []


def guard(stmts: list, flag: str, jump, replacement, into_loops: bool) -> list:
    """Replace jumps of type `jump` in `stmts` by `replacement(stmt)` and guard what follows.

    Loops are entered only when `into_loops` (a `return` leaves loops; `break` and
    `continue` belong to their innermost loop).
    """
    stop = () if into_loops else _LOOPS
    out: list = []
    for index, stmt in enumerate(stmts):
        if isinstance(stmt, jump):
            out.extend(replacement(stmt))
            return out
        jumps = contains([stmt], jump, stop=stop)
        if jumps:
            for field in sub_blocks(stmt, into_loops):
                setattr(stmt, field, guard(getattr(stmt, field), flag, jump, replacement,
                                           into_loops))
            if isinstance(stmt, ast.Try):
                for handler in stmt.handlers:
                    handler.body = guard(handler.body, flag, jump, replacement, into_loops)
        out.append(stmt)
        rest = stmts[index + 1:]
        if jumps and rest:
            out.extend(templates.replace("if not flag:\n    rest", loc=rest[0], flag=flag,
                                         rest=guard(rest, flag, jump, replacement,
                                                    into_loops)))
            return out
    return out
