"""tf.* ops called on functional-API tensors become TFOpLambda layers, as in TF 2.

`tf.nn.relu(x)`, `tf.concat([a, b], 1)` or `tf.reduce_mean(x, axis=1)` with `x` from
`tf.keras.Input` reach the op dispatch (`Primitive.bind`) holding a KerasTensor, which has no
value. bind then asks `symbolic_call` (registered in eagerflow.core.primitive), which finds the
public op the user called (the outermost allow-listed op among the op library's frames), records
that call once as a `TFOpLambda` named by its TF API path (`tf.nn.relu`) and answers every step
of it with the layer's outputs, so the public op returns them. Code that is not a public op gets
a clear TypeError. Eager ops on real tensors never come here: only KerasTensors, which are not
Tensors, reach the conversion path that asks.
"""

from __future__ import annotations

import inspect
import os
import sys
import threading
import types
from typing import Any

from eagerflow.core import primitive as primitive_module
from eagerflow.core import tensor as tensor_module

__all__ = ["install", "public_op_running", "running_op_outputs", "symbolic_call"]

_PRIMITIVE_FILE = primitive_module.__file__
_TENSOR_FILE = tensor_module.__file__
_PACKAGE = os.path.dirname(os.path.dirname(_PRIMITIVE_FILE))
# Frames of these directories are the op library; the first frame outside is the caller's.
_LIBRARY_DIRECTORIES = tuple([os.path.join(_PACKAGE, name) + os.sep for name in ("ops", "core")]
                             + [os.path.join(_PACKAGE, f"{name}.py")
                                for name in ("bitwise", "linalg", "math", "nn")])
_CODES: dict[types.CodeType, Any] = {}


def _public_op_codes() -> dict[types.CodeType, Any]:
    """Code object -> function, for every op of the allow-list (built once)."""
    if not _CODES:
        from eagerflow.keras.saving import op_allowlist

        for path in op_allowlist.allowed_paths():
            function = op_allowlist.resolve_op(path)
            code = getattr(function, "__code__", None)
            if code is not None:
                _CODES.setdefault(code, function)
    return _CODES


def public_op_running() -> bool:
    """Whether the caller runs inside a public tf.* op of the allow-list."""
    return _outermost_public_op(sys._getframe(2)) is not None


def _is_default(value: Any, default: Any) -> bool:
    if value is default:
        return True
    return (type(value) is type(default) and isinstance(default, (bool, int, float, str))
            and value == default)


def _call_arguments(frame: types.FrameType, function: Any) -> tuple[tuple, dict]:
    """The public op's arguments, read from its frame: the first positionally, the others
    by name when they differ from their defaults (tf_keras's TFOpLambda node layout)."""
    parameters = inspect.signature(function).parameters
    has_varargs = any(p.kind is p.VAR_POSITIONAL for p in parameters.values())
    local_values = frame.f_locals
    args: list = []
    kwargs: dict = {}
    for index, (name, parameter) in enumerate(parameters.items()):
        value = local_values.get(name, parameter.default)
        if parameter.kind is parameter.VAR_POSITIONAL:
            args.extend(value)
        elif parameter.kind is parameter.VAR_KEYWORD:
            kwargs.update(value)
        elif index == 0 or parameter.kind is parameter.POSITIONAL_ONLY or (
                has_varargs and parameter.kind is parameter.POSITIONAL_OR_KEYWORD):
            args.append(value)
        elif not _is_default(value, parameter.default):
            kwargs[name] = value
    return tuple(args), kwargs


def _refusal(prim: Any, inputs: tuple) -> TypeError:
    from eagerflow.keras.keras_tensor import keras_tensors_in

    found = keras_tensors_in(list(inputs))
    shown = found[0] if found else inputs
    return TypeError(
        f"The op {prim.name!r} received {shown!r}, a symbolic input/output of a Keras model "
        "being defined, inside a computation eagerflow cannot record as one layer. Public "
        "tf.* ops (tf.nn.relu(x), tf.concat([a, b], 1)...) and operators work on such tensors; "
        "for other code wrap the computation in a tf.keras.layers.Lambda layer or a custom "
        "layer.")


def _outermost_public_op(frame: types.FrameType | None) -> types.FrameType | None:
    """The outermost allow-listed op frame in the run of eagerflow op-library frames that
    starts at `frame` (the user's call of tf.xxx is the boundary)."""
    codes = _public_op_codes()
    found = None
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRECTORIES):
        if frame.f_code in codes:
            found = frame
        frame = frame.f_back
    return found


# Per thread, the last public op call turned into a layer: its frame (kept alive, so that its
# identity is not reused by a later call) and the layer's outputs.
_recorded = threading.local()


def running_op_outputs(frame: types.FrameType | None) -> Any:
    """The layer outputs standing for the public tf.* op running around `frame` (recording
    the op as a TFOpLambda the first time), or None when no public op is running."""
    public = _outermost_public_op(frame)
    if public is None:
        return None
    if getattr(_recorded, "frame", None) is public:
        return _recorded.outputs
    from eagerflow.keras.layers.tf_op_layer import TFOpLambda

    function = _public_op_codes()[public.f_code]
    args, kwargs = _call_arguments(public, function)
    outputs = TFOpLambda(function)(*args, **kwargs)
    _recorded.frame, _recorded.outputs = public, outputs
    return outputs


def symbolic_call(prim: Any, inputs: tuple, attrs: dict) -> Any:
    """bind's answer for an op with a KerasTensor input.

    The public op that called bind (the outermost one, for ops built from others) is recorded
    once as a TFOpLambda; every op it then runs on KerasTensors answers with that layer's
    outputs, so the public op returns them whatever steps it takes to get there.
    """
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == _PRIMITIVE_FILE:
        frame = frame.f_back  # bind and apply_general
    outputs = running_op_outputs(frame)
    if outputs is None:
        if frame is not None and frame.f_code.co_filename == _TENSOR_FILE and \
                "other" in frame.f_code.co_varnames:
            # `tensor + keras_tensor`: Tensor's operator gives way to KerasTensor.__radd__.
            return NotImplemented
        raise _refusal(prim, inputs)
    several = isinstance(outputs, (list, tuple))
    if several != bool(prim.multiple_results):
        raise TypeError(
            f"The op {prim.name!r} inside a tf.* call on a Keras symbolic tensor: the call was "
            f"recorded as one layer with {'several outputs' if several else 'one output'}, which "
            "this step of it cannot stand for. Wrap the computation in a "
            "tf.keras.layers.Lambda layer or a custom layer.")
    return tuple(outputs) if prim.multiple_results else outputs


def install(keras_tensor_type: type) -> None:
    """Register KerasTensor with the op dispatch (called when keras_tensor is imported)."""
    primitive_module.SYMBOLIC_TYPES = (keras_tensor_type,)
    primitive_module.SYMBOLIC_CALL = symbolic_call
