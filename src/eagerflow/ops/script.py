"""Python functions as ops: `tf.py_function` and `tf.numpy_function`.

The function runs eagerly whenever the op runs, also from compiled code and
tf.data pipelines, so it can do what a traced function cannot (call Python
libraries, read values, raise on data). It is an op with side effects: never
folded, merged or removed.
"""

from __future__ import annotations

import traceback

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.context import state
from eagerflow.core.errors import InvalidArgumentError, OpError, UnknownError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import EagerTensor, Tensor, convert_to_tensor, wrap

__all__ = ["py_function", "numpy_function"]
NAMESPACES: dict = {}


def _error(exc: Exception, kind: str) -> OpError:
    """TF's mapping of a Python exception raised inside the function, with its traceback."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    error_class = InvalidArgumentError if isinstance(exc, (ValueError, TypeError)) \
        else UnknownError
    return error_class(None, None, f"{type(exc).__name__}: {exc}\nTraceback (most recent call "
                                   f"last) inside {kind}:\n{text}")


def _results(values, tout: tuple, single: bool, kind: str) -> tuple:
    values = [values] if single else list(values if isinstance(values, (list, tuple))
                                          else [values])
    if len(values) != len(tout):
        raise InvalidArgumentError(None, None, f"{kind}: the function returned {len(values)} "
                                   f"values but Tout lists {len(tout)} dtypes.")
    out = []
    for value, dtype in zip(values, tout):
        array = value._value if isinstance(value, EagerTensor) else np.asarray(value)
        if array.dtype != dtype:
            if dtype == np.dtype(object) or array.dtype.kind in "USO":
                array = convert_to_tensor(value, dtype=dtypes.from_numpy(dtype))._value
            else:
                raise InvalidArgumentError(None, None, f"{kind}: the function returned a "
                                           f"{array.dtype} value where Tout says "
                                           f"{dtypes.from_numpy(dtype).name}.")
        out.append(array)
    return tuple(out)


def _run(function, arrays, tout, single, as_tensors: bool, kind: str):
    tapes = state.set_tapes(())
    builder = state.set_builder(None)
    try:
        args = [wrap(a) for a in arrays] if as_tensors else [np.array(a) for a in arrays]
        values = function(*args)
    except OpError:
        raise
    except Exception as exc:
        raise _error(exc, kind) from exc
    finally:
        state.set_builder(builder)
        state.set_tapes(tapes)
    return _results(values, tout, single, kind)


def _rule(*inputs, function, tout, single, as_tensors):
    return tuple(Spec(None, dtypes.from_numpy(d)) for d in tout)


def _impl(*arrays, function, tout, single, as_tensors):
    return _run(function, arrays, tout, single, as_tensors,
                "tf.py_function" if as_tensors else "tf.numpy_function")


python_call_p = primitive("python_call", impl=_impl, shape_rule=_rule, grad=None,
                          same_dtype=False, multiple_results=True, side_effect=True)


def _call(function, inp, Tout, as_tensors: bool):
    single = not isinstance(Tout, (list, tuple))
    tout = tuple(dtypes.as_dtype(t)._numpy for t in ([Tout] if single else Tout))
    inputs = [x if isinstance(x, Tensor) else convert_to_tensor(x) for x in (inp or [])]
    outputs = python_call_p.bind(*inputs, function=function, tout=tout, single=single,
                                 as_tensors=as_tensors)
    return outputs[0] if single else list(outputs)


def py_function(func, inp, Tout, name=None):
    """Run `func(*tensors)` eagerly as an op, also inside tf.function and tf.data.

    `Tout` is a dtype (one output) or a list of dtypes. Exceptions become
    InvalidArgumentError (ValueError, TypeError) or UnknownError, with the Python
    traceback in the message and the original exception as `__cause__`.
    """
    return _call(func, inp, Tout, as_tensors=True)


def numpy_function(func, inp, Tout, stateful: bool = True, name=None):
    """Like py_function, but `func` receives and returns NumPy arrays."""
    return _call(func, inp, Tout, as_tensors=False)
