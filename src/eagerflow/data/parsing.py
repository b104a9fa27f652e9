"""`tf.io.parse_single_example` / `parse_example` with FixedLenFeature, VarLenFeature and
FixedLenSequenceFeature: serialized Examples to tensors, without building message objects."""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes as _dtypes
from eagerflow.core import errors
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.shape import TensorShape
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.data.example import LEN, DecodeError, Example, FloatList, Int64List, fields

__all__ = ["FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature",
           "parse_single_example", "parse_example"]


class FixedLenFeature:
    """A fixed-shape feature: `FixedLenFeature(shape, dtype, default_value=None)`."""

    def __init__(self, shape, dtype, default_value=None) -> None:
        self.shape = shape
        self.dtype = _dtypes.as_dtype(dtype)
        self.default_value = default_value

    def __repr__(self) -> str:
        return (f"FixedLenFeature(shape={self.shape!r}, dtype={self.dtype!r}, "
                f"default_value={self.default_value!r})")


class VarLenFeature:
    """A variable-length feature: `VarLenFeature(dtype)` (parsed as a dense 1-D tensor)."""

    def __init__(self, dtype) -> None:
        self.dtype = _dtypes.as_dtype(dtype)

    def __repr__(self) -> str:
        return f"VarLenFeature(dtype={self.dtype!r})"


class FixedLenSequenceFeature:
    """Rows of a fixed shape, any number of them: `FixedLenSequenceFeature(shape, dtype, ...)`."""

    def __init__(self, shape, dtype, allow_missing=False, default_value=None) -> None:
        self.shape = shape
        self.dtype = _dtypes.as_dtype(dtype)
        self.allow_missing = allow_missing
        self.default_value = default_value

    def __repr__(self) -> str:
        return (f"FixedLenSequenceFeature(shape={self.shape!r}, dtype={self.dtype!r}, "
                f"allow_missing={self.allow_missing!r}, default_value={self.default_value!r})")


_KIND_OF = {"string": 1, "float32": 2, "int64": 3}
_KIND_NAME = {1: "string", 2: "float", 3: "int64"}
_NUMPY = {1: np.dtype(object), 2: np.dtype(np.float32), 3: np.dtype(np.int64)}


def _decode_example(data: bytes) -> dict:
    """name -> (kind number, payload) of an Example, without building messages."""
    features = {}
    view = memoryview(data)
    for number, wire, value in fields(view):
        if number != 1 or wire != LEN:
            continue
        for entry_number, entry_wire, entry in fields(value):
            if entry_number != 1 or entry_wire != LEN:
                continue
            key, payload = "", b""
            for field, field_wire, item in fields(entry):
                if field == 1 and field_wire == LEN:
                    key = bytes(item).decode("utf-8")
                elif field == 2 and field_wire == LEN:
                    payload = item
            kind, list_payload = 0, b""
            for field, field_wire, item in fields(payload):
                if field in (1, 2, 3) and field_wire == LEN:
                    kind, list_payload = field, item
            features[key] = (kind, list_payload)
    return features


def _values(kind: int, payload) -> np.ndarray:
    if kind == 1:
        items = [bytes(v) for n, w, v in fields(payload) if n == 1 and w == LEN]
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return array
    if kind == 2:
        message = FloatList()
        message._decode(payload)
        return np.asarray(message._value._values, dtype=np.float32)
    if kind == 3:
        message = Int64List()
        message._decode(payload)
        return np.asarray(message._value._values, dtype=np.int64)
    return np.empty(0, dtype=np.float32)


def _check_spec(key: str, spec) -> int:
    if not isinstance(spec, (FixedLenFeature, VarLenFeature, FixedLenSequenceFeature)):
        raise ValueError(f"Unsupported feature spec for key {key!r}: {spec!r}. Use "
                         "tf.io.FixedLenFeature, tf.io.VarLenFeature or "
                         "tf.io.FixedLenSequenceFeature.")
    kind = _KIND_OF.get(spec.dtype.name)
    if kind is None:
        raise ValueError(f"Unsupported dtype {spec.dtype.name} for feature {key!r}: Example "
                         "features are float32, int64 or string.")
    return kind


def _default(spec, kind: int, shape: tuple, key: str):
    value = spec.default_value
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    if kind == 1:
        flat = [v.encode("utf-8") if isinstance(v, str) else bytes(v)
                for v in array.reshape(-1)]
        array = np.empty(len(flat), dtype=object)
        array[:] = flat
    else:
        array = array.astype(_NUMPY[kind])
    size = int(np.prod(shape, dtype=np.int64))
    if array.size == 1 and size != 1:
        array = np.full(size, array.reshape(-1)[0], dtype=array.dtype)
    if array.size != size:
        raise ValueError(f"Cannot reshape a tensor with {array.size} elements to shape "
                         f"{list(shape)} (default_value of feature {key!r}).")
    return array.reshape(shape)


def _fixed_shape(spec, key: str) -> tuple:
    shape = TensorShape(spec.shape)
    if not shape.is_fully_defined():
        raise ValueError(f"All dimensions of shape for feature {key} need to be known but "
                         f"received {shape}.")
    return tuple(shape.as_list())


def _parse_one(features: dict, specs: dict, index: int, name: str) -> dict:
    out = {}
    for key, spec in specs.items():
        kind = _check_spec(key, spec)
        found = features.get(key)
        if found is not None and found[0] != 0 and found[0] != kind:
            raise errors.InvalidArgumentError(
                None, None, f"Name: {name}, Key: {key}, Index: {index}.  Data types don't "
                f"match. Data type: {_KIND_NAME[found[0]]} but expected type: "
                f"{spec.dtype.name if kind != 2 else 'float'}")
        values = _values(kind, found[1]) if found is not None else None
        if isinstance(spec, FixedLenFeature):
            shape = _fixed_shape(spec, key)
            if values is None:
                if spec.default_value is None:
                    raise errors.InvalidArgumentError(
                        None, None, f"Name: {name}, Key: {key}, Index: {index}.  Feature: "
                        f"{key} (data type: {spec.dtype.name}) is required but could not be "
                        "found.")
                out[key] = _default(spec, kind, shape, key)
                continue
            size = int(np.prod(shape, dtype=np.int64))
            if values.size != size:
                raise errors.InvalidArgumentError(
                    None, None, f"Name: {name}, Key: {key}, Index: {index}.  Number of "
                    f"{_KIND_NAME[kind]} values != expected.  Values size: {values.size} but "
                    f"output shape: {list(shape)}")
            out[key] = values.reshape(shape)
        elif isinstance(spec, VarLenFeature):
            out[key] = values if values is not None else np.empty(0, dtype=_NUMPY[kind])
        else:
            row_shape = _fixed_shape(spec, key)
            row_size = int(np.prod(row_shape, dtype=np.int64))
            if values is None:
                if not spec.allow_missing:
                    raise errors.InvalidArgumentError(
                        None, None, f"Name: {name}, Key: {key}, Index: {index}.  Feature: "
                        f"{key} (data type: {spec.dtype.name}) is required but could not be "
                        "found.")
                values = np.empty(0, dtype=_NUMPY[kind])
            if row_size == 0 or values.size % row_size:
                raise errors.InvalidArgumentError(
                    None, None, f"Name: {name}, Key: {key}, Index: {index}.  Number of values "
                    f"is not a multiple of stride length. Saw {values.size} values but output "
                    f"shape is: {list(row_shape)}")
            out[key] = values.reshape((values.size // max(row_size, 1),) + row_shape)
    return out


def _serialized_list(serialized) -> list:
    value = serialized.numpy() if hasattr(serialized, "numpy") else serialized
    if isinstance(value, (bytes, str)):
        return [value.encode("utf-8") if isinstance(value, str) else value]
    array = np.asarray(value, dtype=object)
    return [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in array.reshape(-1)]


def _serialized_bytes(serialized) -> bytes:
    value = serialized.numpy() if hasattr(serialized, "numpy") else serialized
    if isinstance(value, np.ndarray):
        if value.shape != ():
            raise ValueError(f"Input serialized must be a scalar; got shape {value.shape}.")
        value = value[()]
    if isinstance(value, str):
        value = value.encode("utf-8")
    if isinstance(value, Example):
        raise TypeError("parse_single_example expects the serialized bytes; call "
                        "example.SerializeToString().")
    return bytes(value)


def _decode_or_error(data: bytes, index: int, name: str) -> dict:
    try:
        return _decode_example(data)
    except (DecodeError, UnicodeDecodeError) as exc:
        raise errors.InvalidArgumentError(
            None, None, f"Could not parse example input, value: '{data[:64]!r}' "
            f"(Name: {name}, Index: {index}): {exc}") from None


def _output_spec(spec, key: str, batch: tuple) -> Spec:
    if isinstance(spec, FixedLenFeature):
        shape = _fixed_shape(spec, key)
    elif isinstance(spec, VarLenFeature):
        shape = (None,)
    else:
        shape = (None,) + _fixed_shape(spec, key)
    return Spec(batch + shape, spec.dtype)


def _parse_single_impl(serialized, features, label):
    parsed = _parse_one(_decode_or_error(_serialized_bytes(serialized), 0, label),
                        dict(features), 0, label)
    return tuple(_scalar_fix(parsed[key]) for key, _ in features)


def _parse_single_rule(serialized, features, label):
    if serialized.shape not in (None, ()):
        raise ValueError(f"Input serialized must be a scalar; got shape {serialized.shape}.")
    return tuple(_output_spec(spec, key, ()) for key, spec in features)


def _parse_batch_impl(serialized, features, names):
    items = _serialized_list(serialized)
    names = ["<unknown>"] * len(items) if names is None else list(names)
    rows = [_parse_one(_decode_or_error(data, i, names[i]), dict(features), i, names[i])
            for i, data in enumerate(items)]
    out = []
    for key, spec in features:
        kind = _KIND_OF[spec.dtype.name]
        column = [row[key] for row in rows]
        if isinstance(spec, FixedLenFeature):
            shape = _fixed_shape(spec, key)
            out.append(np.stack(column) if column else np.empty((0,) + shape, _NUMPY[kind]))
            continue
        tail = column[0].shape[1:] if column else (
            () if isinstance(spec, VarLenFeature) else _fixed_shape(spec, key))
        longest = max((len(c) for c in column), default=0)
        pad = b"" if kind == 1 else 0
        if isinstance(spec, FixedLenSequenceFeature) and spec.default_value is not None:
            pad = np.asarray(spec.default_value).reshape(-1)[0]
        dense = np.full((len(column), longest) + tuple(tail), pad, dtype=_NUMPY[kind])
        for index, values in enumerate(column):
            dense[index, :len(values)] = values
        out.append(dense)
    return tuple(out)


def _parse_batch_rule(serialized, features, names):
    batch = (None,) if serialized.shape is None else tuple(serialized.shape[:1])
    return tuple(_output_spec(spec, key, batch) for key, spec in features)


# Parsing is a kernel like any other, so it runs inside traced tf.data map functions.
parse_single_example_p = primitive(
    "parse_single_example", impl=_parse_single_impl, shape_rule=_parse_single_rule,
    grad=None, same_dtype=False, multiple_results=True)
parse_example_p = primitive(
    "parse_example", impl=_parse_batch_impl, shape_rule=_parse_batch_rule, grad=None,
    same_dtype=False, multiple_results=True)


def _feature_items(features) -> tuple:
    if not features:
        raise ValueError("Missing: features was empty.")
    items = tuple(sorted(features.items()))
    for key, spec in items:
        _check_spec(key, spec)
        if not isinstance(spec, VarLenFeature):
            _fixed_shape(spec, key)
    return items


def _string_tensor(serialized):
    if isinstance(serialized, Example):
        raise TypeError("parse_single_example expects the serialized bytes; call "
                        "example.SerializeToString().")
    return serialized if isinstance(serialized, Tensor) else convert_to_tensor(
        serialized, dtype=_dtypes.string)


def parse_single_example(serialized, features, example_names=None, name=None) -> dict:
    """Parse one serialized Example into a dict of tensors (`tf.io.parse_single_example`).

    VarLenFeature values come back as dense 1-D tensors (tf.sparse is not available yet).
    """
    items = _feature_items(features)
    label = "<unknown>" if example_names is None else str(example_names)
    outputs = parse_single_example_p.bind(_string_tensor(serialized), features=items,
                                          label=label)
    return {key: value for (key, _), value in zip(items, outputs)}


def _scalar_fix(value: np.ndarray):
    return value[()] if value.ndim == 0 and value.dtype != object else value


def parse_example(serialized, features, example_names=None, name=None) -> dict:
    """Parse a batch (1-D) of serialized Examples (`tf.io.parse_example`).

    FixedLenFeature: `[batch] + shape`. VarLenFeature: a dense `[batch, max_len]` tensor
    padded with 0 / b"" (TF returns a SparseTensor; tf.sparse is not available yet).
    FixedLenSequenceFeature: `[batch, max_rows] + shape` padded with the default value.
    """
    items = _feature_items(features)
    names = None if example_names is None else tuple(
        str(n) for n in np.asarray(example_names).reshape(-1))
    outputs = parse_example_p.bind(_string_tensor(serialized), features=items, names=names)
    return {key: value for (key, _), value in zip(items, outputs)}
