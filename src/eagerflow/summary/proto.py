"""The TensorBoard protos (Event, Summary, SummaryMetadata, TensorProto, HistogramProto), by hand.

Encoders turn plain values into wire bytes; decoders turn wire bytes into small
Python objects (`Event`, `SummaryValue`) that tests and tools can read. The
wire codec is the one of `eagerflow.data.example`; no protobuf dependency.
"""

from __future__ import annotations

import dataclasses
import struct

import numpy as np

from eagerflow.core import dtypes
from eagerflow.data.example import _LEN, _length_delimited, _tag, _varint, fields

__all__ = ["encode_event", "encode_summary_value", "encode_metadata", "encode_tensor",
           "decode_event", "decode_tensor", "Event", "SummaryValue"]

_I64 = 1
_I32 = 5
_STRING_ENUM = 7


def _double(number: int, value: float) -> bytes:
    return _tag(number, _I64) + struct.pack("<d", value)


def _int_field(number: int, value: int) -> bytes:
    return _tag(number, 0) + _varint(int(value))


def _text(number: int, value) -> bytes:
    return _length_delimited(number, value.encode("utf-8") if isinstance(value, str) else value)


# -- encoders ------------------------------------------------------------------------------
def encode_tensor(array: np.ndarray) -> bytes:
    """A TensorProto of `array`: strings as `string_val`, numbers as raw `tensor_content`."""
    array = np.asarray(array)
    if array.dtype.kind in "USO":
        dtype_enum = _STRING_ENUM
        flat = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in array.reshape(-1)]
        payload = b"".join(_length_delimited(8, v) for v in flat)
    else:
        dtype_enum = dtypes.from_numpy(array.dtype).as_datatype_enum
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        payload = _length_delimited(4, np.ascontiguousarray(little).tobytes())
    shape = b"".join(_length_delimited(2, _int_field(1, size)) for size in array.shape)
    return _int_field(1, dtype_enum) + _length_delimited(2, shape) + payload


def encode_metadata(plugin_name: str = "", content: bytes = b"", display_name: str = "",
                    description: str = "", data_class: int = 0) -> bytes:
    """A SummaryMetadata: which TensorBoard plugin reads the value, and its description."""
    plugin = b""
    if plugin_name:
        plugin += _text(1, plugin_name)
    if content:
        plugin += _text(2, content)
    out = _length_delimited(1, plugin) if plugin_name or content else b""
    if display_name:
        out += _text(2, display_name)
    if description:
        out += _text(3, description)
    if data_class:
        out += _int_field(4, data_class)
    return out


def encode_summary_value(tag: str, tensor: np.ndarray | None = None,
                         metadata: bytes | None = None, simple_value: float | None = None) -> bytes:
    """One `Summary.Value` (tag, tensor or simple_value, metadata)."""
    out = _text(1, tag)
    if simple_value is not None:
        out += _tag(2, _I32) + struct.pack("<f", simple_value)
    if tensor is not None:
        out += _length_delimited(8, encode_tensor(tensor))
    if metadata is not None:
        out += _length_delimited(9, metadata)
    return out


def encode_event(wall_time: float, step: int = 0, summary_values: list | None = None,
                 file_version: str | None = None, source_writer: str | None = None,
                 raw_summary: bytes | None = None) -> bytes:
    """An Event record; step 0 is left out on the wire, as TF does."""
    out = _double(1, wall_time)
    if step:
        out += _int_field(2, step)
    if file_version is not None:
        out += _text(3, file_version)
    if summary_values is not None or raw_summary is not None:
        summary = raw_summary if raw_summary is not None else b"".join(
            _length_delimited(1, value) for value in summary_values)
        out += _length_delimited(5, summary)
    if source_writer is not None:
        out += _length_delimited(10, _text(1, source_writer))
    return out


# -- decoders ------------------------------------------------------------------------------
@dataclasses.dataclass
class SummaryValue:
    """A decoded `Summary.Value`; `tensor` is a NumPy array (strings as bytes objects)."""

    tag: str = ""
    tensor: np.ndarray | None = None
    simple_value: float | None = None
    histo: dict | None = None
    plugin_name: str = ""
    plugin_content: bytes = b""
    display_name: str = ""
    description: str = ""
    data_class: int = 0


@dataclasses.dataclass
class Event:
    """A decoded Event: wall_time, step, and one of file_version / summary / graph_def."""

    wall_time: float = 0.0
    step: int = 0
    file_version: str | None = None
    summary: list = dataclasses.field(default_factory=list)
    graph_def: bytes | None = None
    source_writer: str | None = None
    has_summary: bool = False


def _enum_to_dtype() -> dict:
    table = {}
    for value in vars(dtypes).values():
        if isinstance(value, dtypes.DType) and value.name != "string":
            table.setdefault(value.as_datatype_enum, value)
    return table


_DTYPES: dict = {}


def _numpy_dtype(enum: int) -> np.dtype:
    if not _DTYPES:
        _DTYPES.update(_enum_to_dtype())
    if enum not in _DTYPES:
        raise ValueError(f"TensorProto has an unsupported dtype enum {enum}.")
    return np.dtype(_DTYPES[enum]._numpy)


def _packed(payload, wire: int, code: str, size: int) -> list:
    """Values of a repeated numeric field, packed (LEN) or one per tag."""
    data = bytes(payload)
    if wire == _LEN:
        return list(struct.unpack(f"<{len(data) // size}{code}", data[:len(data) // size * size]))
    return list(struct.unpack(f"<{code}", data))


def _varints(payload, wire: int) -> list:
    """Values of a repeated varint field, packed or not (two's complement int64)."""
    if wire == _LEN:
        return _read_packed_varints(bytes(payload))
    return [payload - (1 << 64) if payload >= 1 << 63 else payload]


def _read_packed_varints(data: bytes) -> list:
    values, value, shift = [], 0, 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            values.append(value - (1 << 64) if value >= 1 << 63 else value)
            value, shift = 0, 0
    return values


def decode_tensor(data) -> np.ndarray:
    """A TensorProto's bytes -> a NumPy array (object array of bytes for strings)."""
    dtype_enum, shape, content = 0, [], None
    strings, numbers, half_bits = [], [], []
    for number, wire, value in fields(data):
        if number == 1:
            dtype_enum = value
        elif number == 2:
            for dim_number, _, dim in fields(value):
                if dim_number == 2:
                    size = 0
                    for size_number, _, size_value in fields(dim):
                        if size_number == 1:
                            size = size_value
                    shape.append(size)
        elif number == 4:
            content = bytes(value)
        elif number == 8:
            strings.append(bytes(value))
        elif number in (5, 6):
            numbers += _packed(value, wire, "f" if number == 5 else "d", 4 if number == 5 else 8)
        elif number in (7, 10, 11):
            numbers += _varints(value, wire)
        elif number == 13:  # half_val: float16 / bfloat16 bit patterns in int32s
            half_bits += _varints(value, wire)
    if dtype_enum == _STRING_ENUM:
        array = np.empty(len(strings), dtype=object)
        array[:] = strings
        return array.reshape(shape)
    dtype = _numpy_dtype(dtype_enum)
    count = int(np.prod(shape)) if shape else 1
    if content is not None:
        array = np.frombuffer(content, dtype=dtype.newbyteorder("<")).astype(dtype)
    elif half_bits:
        array = np.array(half_bits, dtype=np.uint16).view(dtype)
    else:
        array = np.array(numbers, dtype=dtype)
        if array.size == 1 and count > 1:
            array = np.full(count, array[0], dtype=dtype)
    if array.size != count:
        raise ValueError(f"TensorProto holds {array.size} values for shape {shape}.")
    return array.reshape(shape)


def _decode_histo(data) -> dict:
    histo = {"min": 0.0, "max": 0.0, "num": 0.0, "sum": 0.0, "sum_squares": 0.0,
             "bucket_limit": [], "bucket": []}
    names = {1: "min", 2: "max", 3: "num", 4: "sum", 5: "sum_squares"}
    for number, wire, value in fields(data):
        if number in names:
            histo[names[number]] = struct.unpack("<d", bytes(value))[0]
        elif number == 6:
            histo["bucket_limit"] += _packed(value, wire, "d", 8)
        elif number == 7:
            histo["bucket"] += _packed(value, wire, "d", 8)
    return histo


def _decode_metadata(data, value: SummaryValue) -> None:
    for number, _, payload in fields(data):
        if number == 1:
            for plugin_number, _, plugin_value in fields(payload):
                if plugin_number == 1:
                    value.plugin_name = bytes(plugin_value).decode("utf-8")
                elif plugin_number == 2:
                    value.plugin_content = bytes(plugin_value)
        elif number == 2:
            value.display_name = bytes(payload).decode("utf-8")
        elif number == 3:
            value.description = bytes(payload).decode("utf-8")
        elif number == 4:
            value.data_class = payload


def _decode_value(data) -> SummaryValue:
    value = SummaryValue()
    for number, _, payload in fields(data):
        if number == 1:
            value.tag = bytes(payload).decode("utf-8")
        elif number == 2:
            value.simple_value = struct.unpack("<f", bytes(payload))[0]
        elif number == 5:
            value.histo = _decode_histo(payload)
        elif number == 8:
            value.tensor = decode_tensor(payload)
        elif number == 9:
            _decode_metadata(payload, value)
    return value


def decode_event(data) -> Event:
    """An Event record's bytes -> `Event` (unknown fields are skipped)."""
    event = Event()
    for number, _, payload in fields(memoryview(bytes(data))):
        if number == 1:
            event.wall_time = struct.unpack("<d", bytes(payload))[0]
        elif number == 2:
            event.step = payload - (1 << 64) if payload >= 1 << 63 else payload
        elif number == 3:
            event.file_version = bytes(payload).decode("utf-8")
        elif number == 4:
            event.graph_def = bytes(payload)
        elif number == 5:
            event.has_summary = True
            event.summary = [_decode_value(v) for n, _, v in fields(payload) if n == 1]
        elif number == 10:
            for source_number, _, source in fields(payload):
                if source_number == 1:
                    event.source_writer = bytes(source).decode("utf-8")
    return event
