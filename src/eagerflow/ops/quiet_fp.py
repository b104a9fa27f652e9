"""Silence NumPy's floating-point warnings cheaply, as TF gives inf/nan without a word.

`np.errstate(all="ignore")` costs about a microsecond per use (it builds a new error state
each time), which adds up in kernels of a few microseconds. `quiet_on()` sets the same
ignoring state, built once per caller state and cached, and `quiet_off(token)` restores the
caller's state: a few tenths of a microsecond for the pair. Use them as

    token = quiet_on()
    try:
        ...
    finally:
        quiet_off(token)

Both rely on NumPy 2's context variable for the error state; with an older or different
NumPy they fall back to entering and leaving an `np.errstate` (same behaviour, full cost).
"""

from __future__ import annotations

import numpy as np

__all__ = ["quiet_on", "quiet_off", "quiet_call"]

try:  # NumPy >= 2: the error state is a context variable holding an opaque object
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover - older NumPy
    _extobj_contextvar = _make_extobj = None

# the caller's error state -> the same state with every floating-point error ignored (it
# keeps the caller's buffer size and error callback, as np.errstate(all="ignore") does)
_ignoring: dict = {}
_CACHE_LIMIT = 16


def _quiet_on_fast():
    current = _extobj_contextvar.get()
    quiet = _ignoring.get(current)
    if quiet is None:
        if len(_ignoring) >= _CACHE_LIMIT:
            _ignoring.clear()
        quiet = _ignoring[current] = _make_extobj(all="ignore")
    return _extobj_contextvar.set(quiet)


def _quiet_off_fast(token) -> None:
    _extobj_contextvar.reset(token)


def _quiet_on_slow():
    state = np.errstate(all="ignore")
    state.__enter__()
    return state


def _quiet_off_slow(token) -> None:
    token.__exit__(None, None, None)


def _works() -> bool:
    """Whether the fast path behaves as np.errstate: silent inside, restored after."""
    if _extobj_contextvar is None:
        return False
    import warnings

    try:
        before = np.geterr()
        token = _quiet_on_fast()
        try:
            inside = np.geterr()
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                np.sqrt(np.array([-1.0]))
        finally:
            _quiet_off_fast(token)
        return set(inside.values()) == {"ignore"} and np.geterr() == before
    except Exception:  # pragma: no cover - NumPy internals changed
        return False


if _works():
    quiet_on, quiet_off = _quiet_on_fast, _quiet_off_fast
else:  # pragma: no cover - older NumPy
    quiet_on, quiet_off = _quiet_on_slow, _quiet_off_slow


def quiet_call(function, *args, **kwargs):
    """`function(*args, **kwargs)` with floating-point warnings silenced."""
    token = quiet_on()
    try:
        return function(*args, **kwargs)
    finally:
        quiet_off(token)
