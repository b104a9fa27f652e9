"""`if`, `while` and `for` -> calls of `ag__.if_stmt`, `ag__.while_stmt`, `ag__.for_stmt`.

The bodies become nested functions that update the enclosing variables through
`nonlocal`; `get_state`/`set_state` read and write the state variables (those the
statement modifies and that are read in it or after it). The operator decides
at run time: Python conditions run the bodies as plain Python, tensor conditions
build tf.cond / tf.while_loop with the state as branch outputs / loop variables.

    if x > 0:                  def if_body():             def get_state():
        y = x                      nonlocal y                 return (y,)
    else:              ->          y = x                  def set_state(vars_):
        y = -x                 def else_body():               nonlocal y
                                   nonlocal y                 (y,) = vars_
                                   y = -x
                               y = ag__.Undefined('y')
                               ag__.if_stmt(x > 0, if_body, else_body, get_state, set_state,
                                            ('y',), 1)

The names live after the statement come first in the names tuple; the last
argument counts them (the others are state only so that each branch or
iteration starts from the right values).
"""

from __future__ import annotations

import ast

from eagerflow.autograph import templates
from eagerflow.autograph.analysis import (
    annotate_liveness,
    contains,
    declared,
    live_out,
    reads,
    writes,
)
from eagerflow.autograph.converters.directives import OPTS

__all__ = ["transform"]

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class _Scope:
    """What is bound where a statement is converted: `bound` surely, `assigned` maybe."""

    def __init__(self, bound: set, globals_: set, captured: set) -> None:
        self.bound = set(bound)
        self.assigned = set(bound)
        self.globals = globals_
        self.captured = captured  # names nested functions read: live wherever they change

    def copy(self) -> _Scope:
        scope = _Scope(self.bound, self.globals, self.captured)
        scope.assigned = set(self.assigned)
        return scope

    def bind(self, names) -> None:
        self.bound |= names
        self.assigned |= names


def _parameters(function) -> set:
    args = function.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            names.add(extra.arg)
    return names


def _tuple_text(names: list) -> str:
    if not names:
        return "()"
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


class _ControlFlow:
    def __init__(self, ctx) -> None:
        self.ctx = ctx

    # --- scopes --------------------------------------------------------------------------
    def function(self, node) -> None:
        if isinstance(node, ast.AsyncFunctionDef) or contains(node.body, (ast.Yield,
                                                                           ast.YieldFrom)):
            return  # generators and coroutines keep Python control flow
        globals_ = declared(node, ast.Global)
        captured: set = set()
        for nested in ast.walk(node):
            if nested is not node and isinstance(nested, _SCOPES):
                captured |= reads(nested)
        annotate_liveness(node.body, set())
        scope = _Scope(_parameters(node) | declared(node, ast.Nonlocal), globals_, captured)
        node.body = self.block(node.body, scope)

    def block(self, stmts: list, scope: _Scope) -> list:
        out: list = []
        for stmt in stmts:
            if isinstance(stmt, ast.If):
                out.extend(self.if_stmt(stmt, scope))
            elif isinstance(stmt, ast.While):
                out.extend(self.while_stmt(stmt, scope))
            elif isinstance(stmt, ast.For):
                out.extend(self.for_stmt(stmt, scope))
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.function(stmt)
                out.append(stmt)
                scope.bind({stmt.name})
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                stmt.body = self.block(stmt.body, scope)
                out.append(stmt)
                scope.bind({n.id for item in stmt.items if item.optional_vars is not None
                            for n in ast.walk(item.optional_vars) if isinstance(n, ast.Name)})
            elif isinstance(stmt, ast.Try):
                stmt.body = self.block(stmt.body, scope.copy())
                for handler in stmt.handlers:
                    handler.body = self.block(handler.body, scope.copy())
                stmt.orelse = self.block(stmt.orelse, scope.copy())
                stmt.finalbody = self.block(stmt.finalbody, scope.copy())
                out.append(stmt)
                scope.assigned |= writes(stmt)
            else:
                out.append(stmt)
                scope.bind(writes(stmt))
        return out

    # --- shared pieces -------------------------------------------------------------------
    def _state(self, stmt, modified: set, read: set, scope: _Scope):
        """State names (live-out first) and how many are live after the statement."""
        modified = modified - scope.globals
        # Attributes (`self.x`) are reachable through other references: always outputs.
        live = live_out(stmt) | scope.captured | {n for n in modified if "." in n}
        outputs = sorted(modified & live)
        others = sorted((modified & read) - live)
        return outputs + others, len(outputs)

    def _inits(self, names: list, scope: _Scope, loc) -> list:
        stmts: list = []
        for name in names:
            if name in scope.bound or "." in name:
                continue
            if name in scope.assigned:
                code = f"{name} = ag__.ld(locals(), {name!r})"
            else:
                code = f"{name} = ag__.Undefined({name!r})"
            stmts.extend(templates.replace(code, loc=loc))
        scope.bind(set(names))
        return stmts

    def _declarations(self, names: list, modified: set, scope: _Scope) -> str:
        lines = []
        plain = [n for n in names if "." not in n]
        if plain:
            lines.append("nonlocal " + ", ".join(plain))
        globals_ = sorted(modified & scope.globals)
        if globals_:
            lines.append("global " + ", ".join(globals_))
        return "".join(f"    {line}\n" for line in lines)

    def _state_functions(self, names: list, loc) -> tuple:
        get_state = self.ctx.namer.new("get_state")
        set_state = self.ctx.namer.new("set_state")
        plain = [n for n in names if "." not in n]
        nonlocal_ = f"nonlocal {', '.join(plain)}\n    " if plain else ""
        if len(plain) == len(names):
            assign = f"{_tuple_text(names)} = vars_" if names else "pass"
        else:  # attributes (`self.x`) are read and written through ag__.ld_attr / set_attr
            assign = "\n    ".join(
                f"{n} = vars_[{i}]" if "." not in n else
                f"ag__.set_attr({n.rsplit('.', 1)[0]}, {n.rsplit('.', 1)[1]!r}, vars_[{i}])"
                for i, n in enumerate(names))
        read = [n if "." not in n else
                f"ag__.ld_attr({n.rsplit('.', 1)[0]}, {n.rsplit('.', 1)[1]!r})" for n in names]
        code = (f"def {get_state}():\n    return {_tuple_text(read)}\n"
                f"def {set_state}(vars_):\n    {nonlocal_}{assign}\n")
        return templates.replace(code, loc=loc), get_state, set_state

    def _body_scope(self, names: list, scope: _Scope) -> _Scope:
        return _Scope(set(names), scope.globals, scope.captured)

    # --- statements ----------------------------------------------------------------------
    def if_stmt(self, node, scope: _Scope) -> list:
        modified = writes(node)
        branch_reads = set()
        for stmt in node.body + node.orelse:
            branch_reads |= reads(stmt)
        names, nouts = self._state(node, modified, branch_reads, scope)
        inits = self._inits(names, scope, node)
        body = self.block(node.body, self._body_scope(names, scope))
        orelse = self.block(node.orelse, self._body_scope(names, scope))
        body_name = self.ctx.namer.new("if_body")
        else_name = self.ctx.namer.new("else_body")
        declarations = self._declarations(names, modified, scope)
        code = (f"def {body_name}():\n{declarations}    body\n"
                f"def {else_name}():\n{declarations}    orelse\n")
        functions = templates.replace(code, loc=node, body=body, orelse=orelse)
        state, get_state, set_state = self._state_functions(names, node)
        call = templates.replace(
            f"ag__.if_stmt(test, {body_name}, {else_name}, {get_state}, {set_state}, "
            f"{_tuple_text([repr(n) for n in names])}, {nouts})", loc=node, test=node.test)
        return inits + functions + state + call

    def while_stmt(self, node, scope: _Scope) -> list:
        modified = writes(node)
        loop_reads = reads(node.test)
        for stmt in node.body:
            loop_reads |= reads(stmt)
        names, nouts = self._state(node, modified, loop_reads, scope)
        inits = self._inits(names, scope, node)
        body = self.block(node.body, self._body_scope(names, scope))
        test_name = self.ctx.namer.new("loop_test")
        body_name = self.ctx.namer.new("loop_body")
        declarations = self._declarations(names, modified, scope)
        code = (f"def {test_name}():\n    return test\n"
                f"def {body_name}():\n{declarations}    body\n")
        functions = templates.replace(code, loc=node, test=node.test, body=body)
        state, get_state, set_state = self._state_functions(names, node)
        opts = getattr(node, OPTS, None) or ast.Dict(keys=[], values=[])
        call = templates.replace(
            f"ag__.while_stmt({test_name}, {body_name}, {get_state}, {set_state}, "
            f"{_tuple_text([repr(n) for n in names])}, {nouts}, opts)", loc=node, opts=opts)
        orelse = self.block(node.orelse, scope)
        return inits + functions + state + call + orelse

    def for_stmt(self, node, scope: _Scope) -> list:
        modified = writes(node)
        loop_reads: set = set()
        for stmt in node.body:
            loop_reads |= reads(stmt)
        extra = getattr(node, "_ag_extra_test", None)
        if extra is not None:
            loop_reads |= reads(extra)
        names, nouts = self._state(node, modified, loop_reads, scope)
        inits = self._inits(names, scope, node)
        body = self.block(node.body, self._body_scope(names, scope))
        body_name = self.ctx.namer.new("loop_body")
        item = self.ctx.namer.new("itr")
        declarations = self._declarations(names, modified, scope)
        code = f"def {body_name}({item}):\n{declarations}    target = {item}\n    body\n"
        functions = templates.replace(code, loc=node, target=node.target, body=body)
        state, get_state, set_state = self._state_functions(names, node)
        opts = getattr(node, OPTS, None) or ast.Dict(keys=[], values=[])
        extra_test = (templates.replace_expr("lambda: test", loc=node, test=extra)
                      if extra is not None else ast.Constant(None))
        call = templates.replace(
            f"ag__.for_stmt(iterated, extra_test, {body_name}, {get_state}, {set_state}, "
            f"{_tuple_text([repr(n) for n in names])}, {nouts}, opts)", loc=node,
            iterated=node.iter, extra_test=extra_test, opts=opts)
        orelse = self.block(node.orelse, scope)
        return inits + functions + state + call + orelse


def transform(node, ctx):
    _ControlFlow(ctx).function(node)
    return node
