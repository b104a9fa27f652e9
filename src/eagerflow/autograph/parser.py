"""The source of a function as an AST with the user's file line numbers and columns.

Indented sources (methods, nested functions) are parsed under an `if 1:` so
columns stay those of the file; decorators are removed; a lambda is found among
the lambdas of its source lines by its parameters.
"""

from __future__ import annotations

import ast
import inspect

__all__ = ["parse_function", "SourceError"]


class SourceError(Exception):
    """The source of a function cannot be found or parsed."""


def _parse_lines(lines: list, first_line: int):
    source = "".join(lines)
    if lines and lines[0][:1] in (" ", "\t"):
        tree = ast.parse("if 1:\n" + source)
        ast.increment_lineno(tree, first_line - 2)
        return tree.body[0].body
    tree = ast.parse(source)
    ast.increment_lineno(tree, first_line - 1)
    return tree.body


def _lambda_parameters(node: ast.Lambda) -> list:
    args = node.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def _by_columns(candidates: list, code):
    """The lambda whose text holds the columns the code's instructions come from (several
    lambdas with the same parameters can share a line: `[lambda x: x + 1, lambda x: x * 2]`)."""
    if len(candidates) == 1:
        return candidates[0]
    columns = [(line, column) for line, _, column, end in code.co_positions()
               if line is not None and column is not None and end is not None and end > column]

    def holds(node) -> bool:
        start, end = (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)
        return all(start <= position < end for position in columns)

    return next((node for node in candidates if holds(node)), candidates[0])


def _find_lambda(function, lines: list, first_line: int):
    code = function.__code__
    expected = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    attempts = [lines]
    # A lambda inside a multi-line expression: widen until the text parses.
    for end in range(len(lines) - 1, 0, -1):
        attempts.append(lines[:end])
    for attempt in attempts:
        for wrapped in (attempt, ["(\n"] + attempt + [")\n"]):
            shift = first_line - (1 if wrapped is attempt else 2)
            try:
                text = "".join(wrapped)
                tree = ast.parse(text if wrapped[0][:1] not in (" ", "\t") else "if 1:\n" + text)
            except SyntaxError:
                continue
            if wrapped[0][:1] in (" ", "\t"):
                shift -= 1
            ast.increment_lineno(tree, shift)
            candidates = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
                          and n.lineno == code.co_firstlineno
                          and _lambda_parameters(n) == expected]
            if candidates:
                return _by_columns(candidates, code)
    raise SourceError(f"could not find the source of the lambda at line {code.co_firstlineno}")


def parse_function(function):
    """(FunctionDef or Lambda node, source file name) of a Python function."""
    try:
        lines, first_line = inspect.getsourcelines(function)
        filename = inspect.getsourcefile(function) or function.__code__.co_filename
    except (OSError, TypeError) as exc:
        raise SourceError(f"Unable to locate the source code of {function!r}. Note that "
                          f"functions defined in certain environments, like the interactive "
                          f"Python shell, do not expose their source code. ({exc})") from None
    if function.__name__ == "<lambda>":
        return _find_lambda(function, lines, first_line), filename
    try:
        body = _parse_lines(lines, first_line)
    except SyntaxError as exc:
        raise SourceError(f"could not parse the source of {function!r}: {exc}") from None
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                node.name == function.__code__.co_name):
            node.decorator_list = []
            return node, filename
    raise SourceError(f"could not find the definition of {function!r} in its source")
