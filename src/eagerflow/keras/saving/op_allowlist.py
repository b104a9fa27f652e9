"""The tf.* ops a model file may name, by TF API path ("math.add", "nn.relu", "concat").

Operator layers (tf_keras's TFOpLambda) store the op they apply as a path. Loading resolves that
path only through this table, built from eagerflow's own pure op modules: nothing read from a
file is ever imported or looked up with getattr. Ops with side effects, randomness, callables
(py_function, cond), file or variable access, or that only allocate (zeros, fill) are not listed.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable
from typing import Any

__all__ = ["api_path_of", "resolve_op", "allowed_paths"]

# The TF namespaces searched, in the order that gives TF's canonical path of an op exported
# under several names (tf.reduce_mean is written "math.reduce_mean", tf.matmul "linalg.matmul").
_NAMESPACES = ("math", "linalg", "nn", "bitwise", "")

# An op exported in several namespaces is written under its family's (tf.nn.softmax, not
# tf.math.softmax), as TF names it.
_PREFERRED_NAMESPACE = {"eagerflow.ops.nn": "nn", "eagerflow.ops.conv": "nn"}

# Only pure functions defined in these op modules qualify.
_PURE_OP_MODULES = frozenset({
    "eagerflow.ops.array.basics", "eagerflow.ops.array.creation", "eagerflow.ops.array.joining",
    "eagerflow.ops.array.layout", "eagerflow.ops.array.partition", "eagerflow.ops.conv",
    "eagerflow.ops.indexing",
    "eagerflow.ops.linalg", "eagerflow.ops.math", "eagerflow.ops.nn", "eagerflow.ops.reduce",
    "eagerflow.ops.special",
})

# Pure-module functions that still must not be reachable from a file: random (dropout),
# value-less allocations whose size a file would choose, and identity-breaking helpers.
_DENIED = frozenset({
    "dropout", "constant", "zeros", "ones", "fill", "eye", "range", "linspace", "lin_space",
    "meshgrid", "broadcast_static_shape", "broadcast_dynamic_shape", "compute_average_loss",
    "scale_regularization_loss",
})


def _operator_add(x, y, name=None):
    """`x + y` (tf.__operators__.add)."""
    return x + y


def _operator_eq(self, other):
    """Element-wise `==` (tf.__operators__.eq)."""
    from eagerflow.ops.math import equal

    return equal(self, other)


def _operator_ne(self, other):
    """Element-wise `!=` (tf.__operators__.ne)."""
    from eagerflow.ops.math import not_equal

    return not_equal(self, other)


def _operator_getitem(tensor, slice_spec, var=None):
    """`tensor[slice_spec]`, the spec in tf_keras's JSON form (tf.__operators__.getitem)."""
    from eagerflow.keras.layers.tf_op_layer import decode_slice_spec

    return tensor[decode_slice_spec(slice_spec)]


_OPERATORS: dict[str, Callable] = {
    "__operators__.add": _operator_add,
    "__operators__.eq": _operator_eq,
    "__operators__.ne": _operator_ne,
    "__operators__.getitem": _operator_getitem,
}

_table: dict[str, Callable] = {}
_paths: dict[int, str] = {}


def _build() -> None:
    """Fill the path -> op table (and its inverse) from eagerflow's fixed namespaces."""
    import eagerflow

    for namespace in _NAMESPACES:
        module: Any = eagerflow if not namespace else importlib.import_module(
            f"eagerflow.{namespace}")
        for name in sorted(vars(module)):
            if name.startswith("_") or name in _DENIED:
                continue
            function = vars(module)[name]
            if not isinstance(function, types.FunctionType) or \
                    function.__module__ not in _PURE_OP_MODULES:
                continue
            path = f"{namespace}.{name}" if namespace else name
            _table[path] = function
            if namespace == _PREFERRED_NAMESPACE.get(function.__module__):
                _paths[id(function)] = path
            else:
                _paths.setdefault(id(function), path)
    for path, function in _OPERATORS.items():
        _table[path] = function
        _paths[id(function)] = path


def _ensure_built() -> None:
    if not _table:
        _build()


def allowed_paths() -> list[str]:
    """Every TF API path an operator layer may name, sorted."""
    _ensure_built()
    return sorted(_table)


def resolve_op(path: Any, what: str = "TFOpLambda") -> Callable:
    """The eagerflow op for the TF API path `path` ("math.add", "tf.nn.relu"), or TypeError."""
    _ensure_built()
    if not isinstance(path, str):
        raise TypeError(f"Could not deserialize {what}: its 'function' must be a TF API path "
                        f"string such as 'math.add'. Received: {path!r}")
    key = path[3:] if path.startswith("tf.") else path
    function = _table.get(key)
    if function is None and key.startswith("compat.v1."):
        # tf_keras names some ops by their TF 1 path (tf.compat.v1.squeeze, .transpose, ...):
        # the same allow-listed op by its TF 2 name.
        function = _table.get(key[len("compat.v1."):])
    if function is None:
        raise TypeError(
            f"Could not deserialize {what}: {path!r} is not one of the pure tf.* ops a model "
            "file may call. Operator layers may only name side-effect-free tensor ops of "
            "tf, tf.math, tf.nn, tf.linalg and tf.bitwise (file, I/O, Python-calling, random "
            "and control-flow ops are refused). For anything else use a registered custom "
            "layer (@tf.keras.saving.register_keras_serializable()).")
    return function


def api_path_of(function: Callable) -> str | None:
    """The TF API path under which `function` is allow-listed, or None."""
    _ensure_built()
    return _paths.get(id(function))
