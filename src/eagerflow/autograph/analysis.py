"""Static analysis for the converters: names read and written by statements, and liveness.

Scopes are Python's: names bound inside a nested function, lambda, class or
comprehension belong to that scope, but the free names such a scope reads are
reads of the enclosing one (a closure reads them when it runs).
"""

from __future__ import annotations

import ast

__all__ = ["composite", "reads", "writes", "modified", "annotate_liveness", "live_out", "declared",
           "contains", "LIVE_OUT"]

LIVE_OUT = "_ag_live_out"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _walk_scope(node):
    """Nodes of `node` that belong to its own scope (not inside nested functions/classes).

    Nested scopes are yielded themselves (for their names/defaults/decorators) but not
    entered; the caller reads their free names through `reads`.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if isinstance(child, _SCOPES) or isinstance(child, _COMPREHENSIONS):
                yield child
                continue
            stack.append(child)


def composite(node) -> str | None:
    """'a.b.c' for an attribute chain on a name (a composite symbol), else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not parts or not isinstance(node, ast.Name):
        return None
    return ".".join([node.id] + parts[::-1])


def _target_names(target) -> set:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def writes(node) -> set:
    """Names bound by `node` in its own scope (assignments, loop targets, defs, imports...).

    An attribute assignment `self.x = v` writes the composite symbol `self.x`; a
    subscript assignment `d[k] = v` writes the container `d`.
    """
    names: set = set()
    for n in _walk_scope(node):
        if n is not node and isinstance(n, _SCOPES):
            if not isinstance(n, ast.Lambda):
                names.add(n.name)
            continue
        if isinstance(n, _COMPREHENSIONS):
            names |= {e.target.id for e in ast.walk(n)
                      if isinstance(e, ast.NamedExpr) and isinstance(e.target, ast.Name)}
            continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        elif isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):
            name = composite(n)
            if name is not None:  # `self.x = v` changes the composite symbol `self.x`
                names.add(name)
        elif isinstance(n, ast.Subscript) and isinstance(n.ctx, (ast.Store, ast.Del)):
            base = n.value
            while isinstance(base, ast.Subscript):
                base = base.value
            name = base.id if isinstance(base, ast.Name) else composite(base)
            if name is not None:  # `d[k] = v` changes the container `d`
                names.add(name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for alias in n.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
                n is node):
            names.add(n.name)
    return names


def reads(node) -> set:
    """Names `node` reads, including the free names of nested functions and lambdas.

    Attribute chains on names are read as composite symbols too (`self.x`).
    """
    names: set = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            names.add(n.id)
        elif isinstance(n, ast.Attribute):
            name = composite(n)
            if name is not None and isinstance(n.ctx, ast.Load):
                names.add(name)
        elif isinstance(n, ast.AugAssign):
            name = n.target.id if isinstance(n.target, ast.Name) else composite(n.target)
            if name is not None:
                names.add(name)
    return names


def declared(function_node, kind=ast.Global) -> set:
    """Names declared `global` (or `nonlocal`) in `function_node`'s own scope."""
    names: set = set()
    for n in _walk_scope(function_node):
        if isinstance(n, kind):
            names.update(n.names)
    return names


def modified(node) -> set:
    """Names a compound statement may bind anywhere inside it (same scope)."""
    return writes(node)


def contains(nodes, kinds, stop=()) -> bool:
    """Whether any node of type `kinds` occurs in `nodes`, not entering scopes or `stop` types."""
    stack = list(nodes)
    while stack:
        current = stack.pop()
        if isinstance(current, kinds):
            return True
        if isinstance(current, _SCOPES) or isinstance(current, stop):
            continue
        stack.extend(ast.iter_child_nodes(current))
    return False


# --- liveness -------------------------------------------------------------------------------
def _expr_reads(*exprs) -> set:
    names: set = set()
    for e in exprs:
        if e is not None:
            names |= reads(e)
    return names


def annotate_liveness(stmts: list, live_after: set) -> set:
    """Annotate every statement with the names live after it (`stmt._ag_live_out`).

    Backward liveness over the statement tree: a simple statement kills what it
    writes and adds what it reads; branches join; loops iterate to a fixed point
    (two passes suffice for the bodies' names). Returns the names live before `stmts`.
    """
    live = set(live_after)
    for stmt in reversed(stmts):
        setattr(stmt, LIVE_OUT, frozenset(live))
        live = _live_in(stmt, live)
    return live


def live_out(stmt) -> frozenset:
    return getattr(stmt, LIVE_OUT, frozenset())


def _live_in(stmt, live: set) -> set:
    if isinstance(stmt, ast.If):
        body = annotate_liveness(stmt.body, live)
        orelse = annotate_liveness(stmt.orelse, live)
        return body | orelse | reads(stmt.test)
    if isinstance(stmt, (ast.While, ast.For, ast.AsyncFor)):
        after = annotate_liveness(stmt.orelse, live) | live
        head_reads = reads(stmt.test) if isinstance(stmt, ast.While) else reads(stmt.iter)
        extra_test = getattr(stmt, "_ag_extra_test", None)  # set by the jump converters
        if extra_test is not None:
            head_reads |= reads(extra_test)
        target = set() if isinstance(stmt, ast.While) else _target_names(stmt.target)
        head = set(after) | head_reads
        for _ in range(3):
            body_in = annotate_liveness(stmt.body, head)
            new_head = set(after) | head_reads | (body_in - target)
            if new_head == head:
                break
            head = new_head
        return head
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        inner = annotate_liveness(stmt.body, live)
        return inner | _expr_reads(*[item.context_expr for item in stmt.items])
    if isinstance(stmt, ast.Try):
        final = annotate_liveness(stmt.finalbody, live)
        after = annotate_liveness(stmt.orelse, final) | final
        handlers: set = set()
        for handler in stmt.handlers:
            handlers |= annotate_liveness(handler.body, after) | _expr_reads(handler.type)
        body = annotate_liveness(stmt.body, after | handlers)
        return body | handlers | after
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (live - {stmt.name}) | reads(stmt)
    return (live - writes(stmt)) | reads(stmt)
