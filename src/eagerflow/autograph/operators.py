"""Runtime operators of converted code: Python values run as Python, tensors build graph ops.

`if_stmt`, `while_stmt`, `for_stmt` and `if_exp` look at the condition (or the
iterated value) when the statement runs: a symbolic tensor of the function
being traced becomes `tf.cond` / `tf.while_loop`; anything else, eager tensors
included, runs the bodies as plain Python (branch chosen, loop unrolled).
State errors name the variable and say how to fix the code.
"""

from __future__ import annotations

import threading

import numpy as np

from eagerflow.core import dtypes, nest
from eagerflow.core.context import state
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.core.variable import Variable

__all__ = ["Undefined", "UndefinedReturnValue", "ld", "ld_attr", "set_attr", "retval",
           "if_stmt", "while_stmt", "for_stmt", "if_exp", "and_", "or_", "not_", "assert_stmt",
           "list_append"]


# --- undefined values ----------------------------------------------------------------------
class Undefined:
    """The value of a variable not (yet) assigned on some path (`ag__.Undefined('y')`)."""

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name: str) -> None:
        self.symbol_name = symbol_name

    def __repr__(self) -> str:
        return f"<undefined {self.symbol_name}>"

    def __getattr__(self, name):
        raise UnboundLocalError(f"local variable '{self.symbol_name}' referenced before "
                                f"assignment")

    def _unbound(self, *args, **kwargs):
        raise UnboundLocalError(f"local variable '{self.symbol_name}' referenced before "
                                f"assignment")

    __bool__ = __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _unbound
    __truediv__ = __rtruediv__ = __getitem__ = __iter__ = __len__ = __call__ = _unbound
    __lt__ = __le__ = __gt__ = __ge__ = __neg__ = __matmul__ = __rmatmul__ = _unbound


class UndefinedReturnValue(Undefined):
    """`retval_` before any `return` ran.

    `implicit_none` marks functions with a path that ends without a return (Python gives
    None there), whose return value a tensor loop therefore cannot carry.
    """

    __slots__ = ("implicit_none",)

    def __init__(self, implicit_none: bool = False) -> None:
        super().__init__("retval_")
        self.implicit_none = implicit_none


def ld(local_names: dict, name: str):
    """The variable `name` from a `locals()` dict, or Undefined if it is not bound."""
    return local_names[name] if name in local_names else Undefined(name)


def ld_attr(obj, name: str):
    """`obj.name`, or Undefined if `obj` has no such attribute (yet)."""
    if isinstance(obj, Undefined):
        return Undefined(f"{obj.symbol_name}.{name}")
    try:
        return getattr(obj, name)
    except AttributeError:
        return Undefined(name)


def set_attr(obj, name: str, value) -> None:
    """`obj.name = value`; an Undefined value removes the attribute (it did not exist)."""
    if isinstance(obj, Undefined):
        return
    if isinstance(value, Undefined):
        if hasattr(obj, name):
            delattr(obj, name)
        return
    setattr(obj, name, value)


def retval(value):
    """The function result: None when no return ran (Python's implicit `return None`)."""
    return None if isinstance(value, UndefinedReturnValue) else value


def _state_error(cls, message: str) -> Exception:
    """An error about loop or branch state, naming the user's line of the statement."""
    from eagerflow.graph.builder import user_location

    location = user_location()
    return cls(message + (f"\n  in user code: {location}" if location else ""))


def _is_undefined(value) -> bool:
    return isinstance(value, Undefined)


# --- dispatch --------------------------------------------------------------------------------
def _tracing() -> bool:
    return not state.plain and state.local.builder is not None


def _is_symbolic(value) -> bool:
    """A tensor without a value: part of the function being traced."""
    if not _tracing():
        return False
    if isinstance(value, Variable):
        return True
    return isinstance(value, Tensor) and not hasattr(value, "_value")


def _as_condition(value):
    if isinstance(value, Variable):
        value = value.read_value()
    return value


def _control_flow():
    from eagerflow.ops import control_flow

    return control_flow


def _is_tensor_like(value) -> bool:
    """Values that become cond outputs / loop variables (tf.Variables stay Python objects)."""
    return isinstance(value, Tensor) or type(value).__name__ == "TensorArray"


def _is_number(value) -> bool:
    return isinstance(value, (bool, int, float, complex, np.number, np.bool_, np.ndarray))


# --- if ----------------------------------------------------------------------------------------
def if_stmt(cond, body, orelse, get_state, set_state, symbol_names, nouts):
    """`if cond: body() else: orelse()`; a symbolic `cond` becomes tf.cond over the state."""
    if _is_symbolic(cond):
        _tf_if(_as_condition(cond), body, orelse, get_state, set_state, symbol_names, nouts)
    elif cond:
        body()
    else:
        orelse()


def _leaf_dtype(value):
    if isinstance(value, (Tensor, Variable)):
        return value.dtype
    return convert_to_tensor(value).dtype


def _is_static(value) -> bool:
    """A leaf that stays a Python value (not passed through tf.cond / tf.while_loop)."""
    return not _is_tensor_like(value) and not _is_number(value)


def _branch_error(name: str, true_value, false_value) -> Exception:
    """The error for an output the two branches of a tensor `if` disagree on (TF's texts)."""
    missing = "else" if _is_undefined(false_value) else "main"
    if name.startswith("retval_"):
        text = f"the {missing} branch must also have a return statement."
    elif _is_undefined(false_value) or _is_undefined(true_value):
        text = f"'{name}' must also be initialized in the {missing} branch"
    elif true_value is None or false_value is None:
        branch = "main" if true_value is None else "else"
        text = (f"'{name}' is None in the {branch} branch but not in the other; a variable set "
                f"under a tensor condition must be a tensor in both branches")
    else:
        text = (f"'{name}' is {true_value!r} in the main branch but {false_value!r} in the else "
                f"branch; a value chosen by a tensor condition must be a tensor in both branches")
    return _state_error(ValueError, text)


def _branch_outputs(names, outputs, reference):
    """Check the else branch's outputs against the main branch's; strip the static leaves."""
    stripped = []
    for name, a, b in zip(names, reference, outputs):
        if _is_undefined(a) or _is_undefined(b):
            if not (_is_undefined(a) and _is_undefined(b)):
                raise _branch_error(name, a, b)
            stripped.append(None)
            continue
        try:
            nest.assert_same_structure(a, b, check_types=False)
        except (ValueError, TypeError) as exc:
            raise _state_error(TypeError, f"'{name}' must have the same nested structure in the "
                                          f"main and else branches: {exc}") from None
        leaves = []
        for x, y in zip(nest.flatten(a), nest.flatten(b)):
            if _is_static(x) or _is_static(y):
                if not (x is y or (_is_static(x) and _is_static(y) and _equal(x, y))):
                    raise _branch_error(name, x, y)
                leaves.append(None)
                continue
            if type(x).__name__ != "TensorArray" and _leaf_dtype(x) != _leaf_dtype(y):
                raise _state_error(TypeError, f"'{name}' has dtype {_leaf_dtype(x).name} in the "
                                              f"main branch, but dtype {_leaf_dtype(y).name} in "
                                              f"the else branch")
            leaves.append(y)
        stripped.append(nest.pack_sequence_as(b, leaves) if nest.is_nested(b) else leaves[0])
    return tuple(stripped)


def _main_outputs(outputs):
    stripped = []
    for value in outputs:
        if _is_undefined(value):
            stripped.append(None)
            continue
        leaves = [None if _is_static(x) else x for x in nest.flatten(value)]
        stripped.append(nest.pack_sequence_as(value, leaves) if nest.is_nested(value)
                        else leaves[0])
    return tuple(stripped)


def _fresh(values: tuple) -> tuple:
    """`values` with new lists and dicts, so a branch mutating one leaves the other's intact."""
    return tuple(_copy_containers(v) for v in values)


def _copy_containers(value):
    if not isinstance(value, (list, dict)):
        return value
    try:
        return nest.map_structure(lambda x: x, value)
    except TypeError:  # unsortable dict keys: not a structure nest can rebuild
        return value


def _equal(x, y) -> bool:
    try:
        return bool(x == y)
    except Exception:  # noqa: BLE001 - objects with odd __eq__ are simply not equal
        return False


class _Trial(threading.local):
    active = False


TRIAL = _Trial()  # set while a loop body is traced once only to learn its variables' specs


def _trial_if(body, orelse, get_state, set_state):
    """Both branches one after the other; each variable takes a defined value of either."""
    initial = get_state()
    set_state(_fresh(initial))
    body()
    main = get_state()
    set_state(_fresh(initial))
    orelse()
    other = get_state()
    set_state(tuple(m if not _is_undefined(m) else o for m, o in zip(main, other)))


def _tf_if(cond, body, orelse, get_state, set_state, symbol_names, nouts):
    if TRIAL.active:
        _trial_if(body, orelse, get_state, set_state)
        return
    initial = get_state()
    names = list(symbol_names)[:nouts]
    main: list = []

    def true_fn():
        set_state(_fresh(initial))
        body()
        main[:] = get_state()[:nouts]
        return _main_outputs(main)

    def false_fn():
        set_state(_fresh(initial))
        orelse()
        return _branch_outputs(names, get_state()[:nouts], main)

    outputs = _control_flow().cond(cond, true_fn, false_fn)
    merged = []
    for out, reference in zip(outputs, main):
        if _is_undefined(reference):
            merged.append(reference)
            continue
        leaves = [x if _is_static(x) else o for x, o in
                  zip(nest.flatten(reference), nest.flatten(out) if nest.is_nested(reference)
                      else [out])]
        merged.append(nest.pack_sequence_as(reference, leaves) if nest.is_nested(reference)
                      else leaves[0])
    set_state(tuple(merged) + tuple(initial[nouts:]))


def if_exp(cond, if_true, if_false, expr_repr: str = ""):
    """`if_true() if cond else if_false()`; tf.cond when `cond` is symbolic."""
    if _is_symbolic(cond):
        return _control_flow().cond(_as_condition(cond), if_true, if_false)
    return if_true() if cond else if_false()


# --- logical operators ----------------------------------------------------------------------
def and_(a, b):
    """`a() and b()`: tf.logical_and when `a()` is symbolic (both sides then evaluated)."""
    left = a()
    if _is_symbolic(left):
        from eagerflow.ops import math as tf_math

        return tf_math.logical_and(_as_condition(left), _bool_tensor(b()))
    return left and b()


def or_(a, b):
    """`a() or b()`: tf.logical_or when `a()` is symbolic."""
    left = a()
    if _is_symbolic(left):
        from eagerflow.ops import math as tf_math

        return tf_math.logical_or(_as_condition(left), _bool_tensor(b()))
    return left or b()


def not_(a):
    """`not a`: tf.logical_not when `a` is symbolic."""
    if _is_symbolic(a):
        from eagerflow.ops import math as tf_math

        return tf_math.logical_not(_as_condition(a))
    return not a


def _bool_tensor(value):
    value = _as_condition(value)
    if isinstance(value, Tensor):
        return value
    return convert_to_tensor(bool(value), dtype=dtypes.bool)


# --- assert and lists -----------------------------------------------------------------------
def assert_stmt(expression, message):
    """`assert expression, message()`: tf.debugging.Assert when `expression` is symbolic."""
    if _is_symbolic(expression):
        from eagerflow.ops import debugging

        return debugging.Assert(_as_condition(expression), [message()])
    if not expression:
        raise AssertionError(message())
    return None


def list_append(target, value):
    """`target.append(value)` (returns the list, which the converter assigns back)."""
    if isinstance(target, list):
        target.append(value)
        return target
    if type(target).__name__ == "TensorArray":
        return target.write(target.size(), value)
    target.append(value)
    return target


from eagerflow.autograph.loops import for_stmt, while_stmt  # noqa: E402 - loops use the above
