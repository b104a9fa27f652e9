"""Parsing functions: methods (indented), decorators, lambdas, file line numbers."""

import ast
import functools
import inspect

import pytest

from eagerflow.autograph import parser


def _decorate(f):
    @functools.wraps(f)
    def wrapper(*args):
        return f(*args)
    return wrapper


def plain(x):
    return x + 1


class Holder:
    @staticmethod
    def method(x):
        if x:
            return 1
        return 2


SQUARE = lambda x: x * x  # noqa: E731 - a lambda is what is being parsed
PAIR = (lambda a: a + 1, lambda a, b: a + b)  # two lambdas on one line


def test_plain_function_keeps_file_lines():
    node, filename = parser.parse_function(plain)
    assert isinstance(node, ast.FunctionDef) and node.name == "plain"
    assert node.lineno == plain.__code__.co_firstlineno
    assert filename == __file__


def test_indented_method_keeps_columns_and_drops_decorators():
    node, _ = parser.parse_function(Holder.method)
    assert node.decorator_list == []
    assert node.col_offset == 4
    # co_firstlineno is the decorator line; `if x:` is two lines below it.
    assert node.body[0].lineno == Holder.method.__code__.co_firstlineno + 2


def test_lambda_found_by_parameters():
    node, _ = parser.parse_function(SQUARE)
    assert isinstance(node, ast.Lambda) and ast.unparse(node.body) == "x * x"
    node, _ = parser.parse_function(PAIR[1])
    assert ast.unparse(node.body) == "a + b"


def test_missing_source_raises_source_error():
    namespace = {}
    exec("def nosource(x):\n    return x\n", namespace)  # noqa: S102
    with pytest.raises(parser.SourceError, match="Unable to locate the source code"):
        parser.parse_function(namespace["nosource"])


def test_wrapped_function_parsed_from_its_own_source():
    wrapped = _decorate(plain)
    node, _ = parser.parse_function(inspect.unwrap(wrapped))
    assert node.name == "plain"


def test_lambdas_sharing_a_line_are_told_apart():
    import eagerflow as tf

    ops = [lambda x: x + 1.0, lambda x: x * 2.0, lambda x: x - 3.0]
    for op, expected in zip(ops, (2.0, 2.0, -2.0)):
        assert float(tf.function(op)(tf.constant(1.0))) == expected
