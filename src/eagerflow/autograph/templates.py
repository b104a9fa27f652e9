"""Code templates: build converter output from Python text with placeholders.

`replace(code, loc, name=node_or_list_or_str)`: parse `code`, give every
template node the source location `loc` (so tracebacks point at the user's
statement), then substitute placeholders: a `name` statement by a list of
statements, a `name` expression by an expression node, a `name` identifier by
a string.
"""

from __future__ import annotations

import ast
import copy
import textwrap

__all__ = ["replace", "replace_expr", "set_location", "Namer"]


def set_location(node, loc) -> None:
    """Give `node` and all its descendants the location of `loc`."""
    if loc is None:
        return
    end_col = _first_line_end(loc)
    for n in ast.walk(node):
        if "lineno" in n._attributes:
            n.lineno = n.end_lineno = loc.lineno
            n.col_offset = loc.col_offset
            n.end_col_offset = end_col


def _first_line_end(loc) -> int:
    """Where `loc` ends on its first line (a compound statement: the end of its header)."""
    if getattr(loc, "end_lineno", loc.lineno) == loc.lineno and loc.end_col_offset is not None:
        return loc.end_col_offset
    header = getattr(loc, "test", None) or getattr(loc, "iter", None)
    if header is not None and header.end_lineno == loc.lineno:
        return header.end_col_offset + 1
    return loc.col_offset + 1


class _Substitute(ast.NodeTransformer):
    def __init__(self, subs: dict) -> None:
        self.subs = subs

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in self.subs:
            value = self.subs[node.value.id]
            if isinstance(value, list):
                return [copy.copy(s) for s in value] or [ast.Pass()]
        return self.generic_visit(node)

    def visit_Name(self, node):
        if node.id not in self.subs:
            return node
        value = self.subs[node.id]
        if isinstance(value, str):
            node.id = value
            return node
        if isinstance(value, ast.AST):
            return value
        raise TypeError(f"placeholder {node.id} cannot take {value!r}")

    def _rename(self, node, field):
        value = getattr(node, field)
        if isinstance(value, str) and isinstance(self.subs.get(value), str):
            setattr(node, field, self.subs[value])

    def visit_FunctionDef(self, node):
        self._rename(node, "name")
        return self.generic_visit(node)

    def visit_arg(self, node):
        self._rename(node, "arg")
        return node

    def visit_Nonlocal(self, node):
        node.names = [self.subs.get(n, n) if isinstance(self.subs.get(n, n), str) else n
                      for n in node.names]
        return node


def replace(code: str, loc=None, **subs) -> list:
    """The statements of `code` with placeholders substituted (see module docstring)."""
    tree = ast.parse(textwrap.dedent(code))
    set_location(tree, loc)
    tree = _Substitute(subs).visit(tree)
    return tree.body


def replace_expr(code: str, loc=None, **subs):
    """One expression built from `code` with placeholders substituted."""
    tree = ast.parse(textwrap.dedent(code).strip(), mode="eval")
    set_location(tree, loc)
    tree = _Substitute(subs).visit(tree)
    return tree.body


class Namer:
    """Fresh identifiers for one converted function (never clashing with the user's names)."""

    def __init__(self, used: set) -> None:
        self.used = set(used)

    def new(self, base: str) -> str:
        name = base
        index = 0
        while name in self.used:
            index += 1
            name = f"{base}_{index}"
        self.used.add(name)
        return name
