"""Converting functions: the converter pipeline, compilation, caching, and `converted_call`.

A function's source is parsed once per code object; the converters rewrite the
AST; the result is compiled with the user's file name and line numbers, as a
nested function of a factory whose parameters are the original's free
variables, so the converted function shares the original's closure cells and
globals. Calls inside converted code go through `converted_call`, which
converts user code recursively and calls library code as is.
"""

from __future__ import annotations

import ast
import dis
import functools
import inspect
import logging
import os
import sysconfig
import types
import weakref

from eagerflow.autograph import operators, parser, py_builtins, templates
from eagerflow.autograph.converters import (
    asserts,
    break_statements,
    call_trees,
    conditional_expressions,
    continue_statements,
    control_flow,
    directives,
    lists,
    logical_expressions,
    return_statements,
)
from eagerflow.autograph.converters.base import Context

__all__ = ["convert", "convert_for_tracing", "converted_call", "to_code", "is_convertible",
           "PIPELINE"]

_log = logging.getLogger("eagerflow")

# Order matters: jumps become flags before control flow turns statements into functions,
# calls are wrapped before control flow adds its own operator calls, and the expression
# converters run last over everything (the flags' `not` included).
PIPELINE = (directives, break_statements, continue_statements, return_statements, asserts,
            lists, call_trees, control_flow, conditional_expressions, logical_expressions)

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(sorted({os.path.realpath(p) for p in (
    sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib"),
    sysconfig.get_paths().get("purelib"), sysconfig.get_paths().get("platlib")) if p}))
_GENERATOR_FLAGS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


class _AgModule(types.SimpleNamespace):
    """The `ag__` namespace converted code calls into."""


def _ag_module() -> _AgModule:
    names = {name: getattr(operators, name) for name in operators.__all__}
    names["converted_call"] = converted_call
    return _AgModule(**names)


_CODE_CACHE: dict = {}        # original code object -> _Converted or SourceError text
_CONVERTED_CODES: set = set()  # code objects produced by conversion (never converted again)
_WARNED: set = set()
_USER_FILES: dict = {}         # file name -> whether functions from it are user code
_FUNCTION_CACHE = weakref.WeakKeyDictionary()  # user function -> its converted function


class _Converted:
    """A converted code object and its readable source."""

    def __init__(self, code, source: str) -> None:
        self.code = code
        self.source = source


# --- the pipeline ---------------------------------------------------------------------------
def _class_name(function) -> str | None:
    parts = function.__qualname__.split(".")
    if len(parts) >= 2 and parts[-2] != "<locals>":
        return parts[-2]
    return None


def _mangle(node, class_name: str | None) -> None:
    """Apply the private-name mangling the class body would have applied (`self.__x`)."""
    if not class_name:
        return
    prefix = "_" + class_name.lstrip("_")

    def mangled(name: str) -> str:
        if name.startswith("__") and not name.endswith("__"):
            return prefix + name
        return name

    for n in ast.walk(node):
        if isinstance(n, ast.Attribute):
            n.attr = mangled(n.attr)
        elif isinstance(n, ast.Name):
            n.id = mangled(n.id)


def _as_function_def(node) -> ast.FunctionDef:
    if isinstance(node, ast.Lambda):
        body = ast.Return(value=node.body)
        ast.copy_location(body, node.body)
        function = ast.FunctionDef(name="__ag_lambda", args=node.args, body=[body],
                                   decorator_list=[], returns=None, type_comment=None)
        ast.copy_location(function, node)
        return function
    return node


def transform(function):
    """(converted FunctionDef, file name) for a Python function."""
    node, filename = parser.parse_function(function)
    node = _as_function_def(node)
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    used |= {n.arg for n in ast.walk(node) if isinstance(n, ast.arg)}
    ctx = Context(templates.Namer(used | {"ag__"}), _class_name(function))
    _mangle(node, ctx.class_name)
    for converter in PIPELINE:
        node = converter.transform(node, ctx)
    return node, filename


def _compile(function, node, filename: str) -> _Converted:
    freevars = list(function.__code__.co_freevars)
    factory = ast.FunctionDef(
        name="__ag_factory",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in ["ag__"] + freevars],
                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[node, ast.Return(value=ast.Name(id=node.name, ctx=ast.Load()))],
        decorator_list=[], returns=None, type_comment=None)
    templates.set_location(factory.args, node)
    for part in (factory, factory.body[1], factory.body[1].value):
        ast.copy_location(part, node)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    code = compile(module, filename, "exec")
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts
                 if isinstance(c, types.CodeType) and c.co_name == node.name)
    stack = [inner]
    while stack:
        current = stack.pop()
        _CONVERTED_CODES.add(current)
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return _Converted(inner, ast.unparse(node))


def _converted_entry(function) -> _Converted:
    code = function.__code__
    entry = _CODE_CACHE.get(code)
    if entry is None:
        try:
            node, filename = transform(function)
            entry = _compile(function, node, filename)
        except parser.SourceError as exc:
            entry = str(exc)
        _CODE_CACHE[code] = entry
    if isinstance(entry, str):
        raise parser.SourceError(entry)
    return entry


def _instantiate(function, entry: _Converted):
    cells = dict(zip(function.__code__.co_freevars, function.__closure__ or ()))
    closure = tuple(types.CellType(AG) if name == "ag__" else cells[name]
                    for name in entry.code.co_freevars)
    name = "<lambda>" if function.__name__ == "<lambda>" else function.__name__
    code = entry.code.replace(co_name=name) if entry.code.co_name != name else entry.code
    if code is not entry.code:
        _CONVERTED_CODES.add(code)
        entry.code = code
    converted = types.FunctionType(code, function.__globals__, name, function.__defaults__,
                                   closure)
    converted.__kwdefaults__ = function.__kwdefaults__
    converted.__qualname__ = function.__qualname__
    converted.__doc__ = function.__doc__
    converted.__module__ = function.__module__
    converted.__dict__.update(function.__dict__)
    return converted


# --- what to convert ------------------------------------------------------------------------
def _is_library_file(filename: str) -> bool:
    if filename.startswith(_PACKAGE_DIR):
        return True
    path = os.path.realpath(filename)
    return any(path.startswith(d + os.sep) for d in _LIBRARY_DIRS) or (
        "site-packages" in path or "dist-packages" in path)


def is_convertible(function) -> bool:
    """Whether `function` (a plain Python function) is user code that AutoGraph converts."""
    code = getattr(function, "__code__", None)
    if code is None or code in _CONVERTED_CODES:
        return False
    if getattr(function, "__ag_do_not_convert__", False) or code.co_flags & _GENERATOR_FLAGS:
        return False
    user = _USER_FILES.get(code.co_filename)
    if user is None:
        user = _USER_FILES[code.co_filename] = not _is_library_file(code.co_filename)
    return user


def _has_control_flow(code) -> bool:
    """Whether a code object (or one nested in it) holds jumps: branches, loops, and/or."""
    if any("JUMP" in instruction.opname for instruction in dis.get_instructions(code)):
        return True
    return any(_has_control_flow(c) for c in code.co_consts if hasattr(c, "co_code"))


def _warn(function, cause: str) -> None:
    key = getattr(function, "__code__", function)
    if key in _WARNED:
        return
    if key is not function and not _has_control_flow(key):
        _WARNED.add(key)  # straight-line code: running it as-is is exactly its conversion
        return
    _WARNED.add(key)
    _log.warning("AutoGraph could not transform %s and will run it as-is.\nCause: %s\nTo "
                 "silence this warning, decorate the function with "
                 "@tf.autograph.experimental.do_not_convert", function, cause)


def convert(function):
    """The converted version of a plain Python function (itself if it is not user code)."""
    try:
        return _FUNCTION_CACHE[function]
    except (KeyError, TypeError):
        pass
    if not is_convertible(function):
        return function
    try:
        entry = _converted_entry(function)
    except parser.SourceError as exc:
        _warn(function, str(exc))
        return function
    converted = _instantiate(function, entry)
    _FUNCTION_CACHE[function] = converted
    return converted


def convert_for_tracing(function):
    """What tf.function traces: `function` converted (methods and partials rebound)."""
    if isinstance(function, functools.partial):
        return functools.partial(convert_for_tracing(function.func), *function.args,
                                 **function.keywords)
    if inspect.ismethod(function):
        converted = convert(function.__func__)
        if converted is function.__func__:
            return function
        return types.MethodType(converted, function.__self__)
    if inspect.isfunction(function):
        return convert(function)
    call = _class_call(function)
    if inspect.isfunction(call) and is_convertible(call):
        return types.MethodType(convert(call), function)
    return function


def _class_call(obj):
    """The Python `__call__` function of `obj`'s class (or None)."""
    for klass in type(obj).__mro__:
        if "__call__" in klass.__dict__:
            return klass.__dict__["__call__"]
    return None


def converted_call(f, args, kwargs):
    """Call `f(*args, **kwargs)` from converted code, converting `f` if it is user code."""
    if kwargs is None:
        kwargs = {}
    try:
        overload = py_builtins.OVERLOADS.get(f)
    except TypeError:
        overload = None
    if overload is not None:
        return overload(*args, **kwargs)
    if inspect.isfunction(f):
        return convert(f)(*args, **kwargs)
    if inspect.ismethod(f) or isinstance(f, functools.partial):
        return convert_for_tracing(f)(*args, **kwargs)
    if not isinstance(f, type) and not inspect.isbuiltin(f):
        call = _class_call(f)
        if inspect.isfunction(call) and is_convertible(call):
            return convert(call)(f, *args, **kwargs)
    return f(*args, **kwargs)


def to_code(function) -> str:
    """The source of the converted function (what AutoGraph will run)."""
    target = function.__func__ if inspect.ismethod(function) else function
    target = getattr(target, "python_function", target)
    if isinstance(target, functools.partial):
        target = target.func
    return _converted_entry(target).source + "\n"


AG = _ag_module()
