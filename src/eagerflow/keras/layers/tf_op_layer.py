"""The hidden layers behind tf.* ops and operators on functional-API tensors (tf_keras's
TFOpLambda and SlicingOpLambda).

`x + y`, `x[:, 0]` or `x @ w` on KerasTensors become one of these layers. It stores the op as
its TF API path ("__operators__.add", "math.multiply"), so a model using them saves as tf_keras
writes it and loads back through the op allow-list (keras/saving/op_allowlist.py). The call's
first argument stays positional and the others are recorded by name, as tf_keras records them.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from eagerflow.keras import backend
from eagerflow.keras.layers.layer import Layer

__all__ = ["SlicingOpLambda", "TFOpLambda", "decode_slice_spec", "encode_slice_spec"]

_CALL_ONLY_KEYS = ("training", "mask")  # added by Layer.__call__; no tf op takes them


def _allowlist():
    from eagerflow.keras.saving import op_allowlist  # lazy: saving imports the layers

    return op_allowlist


class TFOpLambda(Layer):
    """Applies one allow-listed tf.* op; made by operators and tf.* calls on KerasTensors.

    Args:
        function: the op (an allow-listed eagerflow function) or its TF API path.
    """

    def __init__(self, function: Callable | str, **kwargs) -> None:
        allowlist = _allowlist()
        if isinstance(function, str):
            path, function = function, allowlist.resolve_op(function, type(self).__name__)
            path = path[3:] if path.startswith("tf.") else path
        else:
            path = allowlist.api_path_of(function)
            if path is None:
                raise ValueError(
                    f"{type(self).__name__} only applies the pure tf.* ops a model file may "
                    f"name, so that the model can be saved. Received: {function!r}. Wrap "
                    "other computations in a Lambda layer or a custom layer.")
        if kwargs.get("name") is None:
            kwargs["name"] = backend.unique_object_name(f"tf.{path}")
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.function = function
        self.symbol = path
        try:
            self._signature: inspect.Signature | None = inspect.signature(function)
        except (TypeError, ValueError):  # pragma: no cover - eagerflow ops are Python functions
            self._signature = None
        parameters = self._signature.parameters if self._signature else {}
        self._takes_name = "name" in parameters or any(
            p.kind is p.VAR_KEYWORD for p in parameters.values())

    def __call__(self, *args, **kwargs):
        args, kwargs = self._canonical_arguments(args, kwargs)
        return super().__call__(*args, **kwargs)

    def _canonical_arguments(self, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        """First argument positional, every other one by name (tf_keras's node layout)."""
        signature = self._signature
        if signature is None or any(p.kind is p.VAR_POSITIONAL
                                    for p in signature.parameters.values()):
            return args, kwargs
        call_kwargs = {k: v for k, v in kwargs.items() if k not in _CALL_ONLY_KEYS}
        extra = {k: v for k, v in kwargs.items() if k in _CALL_ONLY_KEYS}
        try:
            bound = signature.bind(*args, **call_kwargs)
        except TypeError as error:
            raise TypeError(f"{self.name} (tf.{self.symbol}): {error}. Received: args={args!r}, "
                            f"kwargs={kwargs!r}") from None
        arguments = {name: _as_constant(value) for name, value in bound.arguments.items()}
        if not arguments:
            return args, kwargs
        first = next(iter(arguments))
        value = arguments.pop(first)
        return (value,), {**arguments, **extra}

    def _convert_inputs(self, inputs):
        return inputs  # Python scalars must keep taking the other tensor's dtype

    def call(self, *args, **kwargs):
        for key in _CALL_ONLY_KEYS:
            kwargs.pop(key, None)
        if not self._takes_name:
            kwargs.pop("name", None)
        return self.function(*args, **kwargs)

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable, "dtype": self._dtype,
                "function": self.symbol}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuild from a config whose 'function' is resolved through the op allow-list."""
        config = dict(config)
        dtype = config.get("dtype")
        if isinstance(dtype, dict):  # Keras 3 writes a DTypePolicy object
            dtype = dtype.get("config", {}).get("name", "float32")
        function = config.get("function")
        if not isinstance(function, str):  # a file holds paths, never objects
            _allowlist().resolve_op(function, cls.__name__)
        return cls(function=function, name=config.get("name"),
                   trainable=config.get("trainable", True), dtype=dtype)


def _as_constant(value: Any) -> Any:
    """NumPy arrays among an op's arguments as constant tensors (same dtype, and a config
    writes them as nested lists, as tf_keras does)."""
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()  # a NumPy scalar acts as a Python number: it takes x's dtype
    if isinstance(value, (np.ndarray, np.generic)):
        from eagerflow.core.tensor import convert_to_tensor

        return convert_to_tensor(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, np.ndarray) for v in value):
        return type(value)(_as_constant(v) for v in value)
    return value


class SlicingOpLambda(TFOpLambda):
    """`x[...]` on a KerasTensor; the slice is recorded as data (`slice_spec`), not code."""

    def __init__(self, function: Callable | str = "__operators__.getitem", **kwargs) -> None:
        super().__init__(function, **kwargs)
        if self.symbol != "__operators__.getitem":
            raise TypeError(f"SlicingOpLambda applies tf.__operators__.getitem only. Received: "
                            f"function={self.symbol!r}")


# ---------------------------------------------------------------- slice specs as data

_ELLIPSIS = {"class_name": "__ellipsis__"}


def _encode_index(item: Any) -> Any:
    if item is None or item is Ellipsis:
        return None if item is None else dict(_ELLIPSIS)
    if isinstance(item, slice):
        return {"start": _encode_bound(item.start), "stop": _encode_bound(item.stop),
                "step": _encode_bound(item.step)}
    return _encode_bound(item, allow_none=False)


def _encode_bound(value: Any, allow_none: bool = True) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool):
        raise TypeError(f"Boolean indices are not supported on a KerasTensor. Received: "
                        f"{value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    numpy = getattr(value, "numpy", None)
    if callable(numpy) and getattr(value, "shape", None) == () and \
            getattr(getattr(value, "dtype", None), "is_integer", False):
        return int(numpy())
    raise TypeError(
        "Slicing a KerasTensor takes Python ints, slices of ints, Ellipsis and tf.newaxis. "
        f"Received the index {value!r}. For tensor-valued indices use tf.gather inside a "
        "custom layer.")


def encode_slice_spec(key: Any) -> Any:
    """`key` of `x[key]` as JSON data in tf_keras's layout (a list stands for a tuple)."""
    if isinstance(key, tuple):
        return [_encode_index(item) for item in key]
    if isinstance(key, list):
        raise TypeError("Indexing a KerasTensor with a list (fancy indexing) is not supported; "
                        f"use tf.gather. Received: {key!r}")
    return _encode_index(key)


def _decode_bound(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"A slice bound in a slice_spec must be an int or null. Received: "
                         f"{value!r}")
    return value


def _decode_index(item: Any) -> Any:
    if item is None:
        return None
    if isinstance(item, dict):
        class_name = item.get("class_name")
        if class_name == "__ellipsis__":
            return Ellipsis
        inner = item.get("config") if class_name == "__slice__" else item
        if isinstance(inner, dict) and set(inner) <= {"start", "stop", "step"}:
            return slice(_decode_bound(inner.get("start")), _decode_bound(inner.get("stop")),
                         _decode_bound(inner.get("step")))
        raise ValueError(f"Unknown entry in a slice_spec: {item!r}. Expected a slice "
                         "({'start', 'stop', 'step'}), an ellipsis, null or an int.")
    return _decode_bound(item)


def decode_slice_spec(spec: Any) -> Any:
    """The Python index a slice_spec stands for (tf_keras's and Keras 3's JSON forms)."""
    if isinstance(spec, (list, tuple)):
        return tuple(_decode_index(item) for item in spec)
    return _decode_index(spec)
