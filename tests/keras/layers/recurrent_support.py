"""Test-only stand-ins for `keras.regularizers` / `keras.constraints` while they are being
written elsewhere; `install()` registers one only if the real module cannot be imported."""

from __future__ import annotations

import importlib
import sys
import types


def _missing(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return True
    return False


def _get(identifier):
    if identifier is None or callable(identifier):
        return identifier
    raise ValueError(f"stand-in module cannot resolve {identifier!r}")


def _serialize(obj):
    return None if obj is None else type(obj).__name__


def install() -> None:
    for kind in ("regularizers", "constraints"):
        name = f"eagerflow.keras.{kind}"
        if _missing(name):
            module = types.ModuleType(name)
            module.get, module.serialize = _get, _serialize
            sys.modules[name] = module
