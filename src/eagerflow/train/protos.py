"""The protos of TF checkpoints, on a hand-written wire format (no protobuf dependency).

BundleHeaderProto, BundleEntryProto and TensorShapeProto (the `.index` values),
TrackableObjectGraph (the `_CHECKPOINTABLE_OBJECT_GRAPH` tensor) and the text
format of CheckpointState (the `checkpoint` file). Decoders raise
`DecodeError` on malformed bytes; callers turn it into `tf.errors.DataLossError`.
"""

from __future__ import annotations

import dataclasses
import math
import struct

from eagerflow.data.example import DecodeError, _read_varint, _varint, fields

__all__ = ["DecodeError", "VersionDef", "BundleHeader", "BundleEntry", "TrackableObjectGraph",
           "TrackableObject", "ObjectReference", "SerializedTensor", "SlotVariableReference",
           "CheckpointState", "encode_varint", "read_varint", "LITTLE", "BIG"]

LITTLE, BIG = 0, 1
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_INT32_MIN, _INT32_MAX = -(1 << 31), (1 << 31) - 1

encode_varint = _varint


def read_varint(data, position: int) -> tuple[int, int]:
    """(value, next position) of the varint at `position` (at most 10 bytes)."""
    return _read_varint(data, position)


def _tag(number: int, wire: int) -> bytes:
    return _varint((number << 3) | wire)


def _int_field(number: int, value: int) -> bytes:
    """A varint field, omitted when zero (proto3); negatives take ten bytes as in protobuf."""
    return _tag(number, _VARINT) + _varint(value) if value else b""


def _bytes_field(number: int, payload: bytes, always: bool = False) -> bytes:
    if not payload and not always:
        return b""
    return _tag(number, _LEN) + _varint(len(payload)) + payload


def _str_field(number: int, text: str) -> bytes:
    return _bytes_field(number, text.encode("utf-8"))


def _signed(value: int, bits: int) -> int:
    value &= (1 << 64) - 1
    if value >= 1 << 63:
        value -= 1 << 64
    if bits == 32 and not _INT32_MIN <= value <= _INT32_MAX:
        raise DecodeError(f"int32 field value {value} out of range.")
    return value


def _expect(wire: int, wanted: int, what: str) -> None:
    if wire != wanted:
        raise DecodeError(f"Field {what} has wire type {wire}, expected {wanted}.")


def _text(value, what: str) -> str:
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError(f"Field {what} is not valid UTF-8.") from None


def _decode_fields(target, data, proto: str, ints: dict[int, tuple[str, int]],
                   other=None):
    """Decode the message `data` into `target`: each field number in `ints` is a varint
    stored as the signed (bits = 32 or 64) attribute it names; `other(number, wire, value)`
    takes the remaining fields (unknown ones are skipped). Returns `target`."""
    for number, wire, value in fields(data):
        if number in ints:
            attribute, bits = ints[number]
            _expect(wire, _VARINT, f"{proto}.{attribute}")
            setattr(target, attribute, _signed(value, bits))
        elif other is not None:
            other(number, wire, value)
    return target


def _packed_or_single_int32(wire: int, value) -> list[int]:
    if wire == _VARINT:
        return [_signed(value, 32)]
    _expect(wire, _LEN, "bad_consumers")
    out, position = [], 0
    while position < len(value):
        item, position = _read_varint(value, position)
        out.append(_signed(item, 32))
    return out


# -- BundleHeaderProto / BundleEntryProto / TensorShapeProto --------------------------------
@dataclasses.dataclass
class VersionDef:
    """`producer`, `min_consumer`, `bad_consumers` of a versioned format."""

    producer: int = 0
    min_consumer: int = 0
    bad_consumers: list[int] = dataclasses.field(default_factory=list)

    def encode(self) -> bytes:
        out = _int_field(1, self.producer) + _int_field(2, self.min_consumer)
        return out + b"".join(_tag(3, _VARINT) + _varint(b) for b in self.bad_consumers)

    @classmethod
    def decode(cls, data) -> VersionDef:
        version = cls()

        def other(number, wire, value):
            if number == 3:
                version.bad_consumers.extend(_packed_or_single_int32(wire, value))
        return _decode_fields(version, data, "VersionDef",
                              {1: ("producer", 32), 2: ("min_consumer", 32)}, other)


@dataclasses.dataclass
class BundleHeader:
    """BundleHeaderProto: the value of the `""` key of an `.index` file."""

    num_shards: int = 1
    endianness: int = LITTLE
    version: VersionDef = dataclasses.field(default_factory=lambda: VersionDef(producer=1))

    def encode(self) -> bytes:
        return (_int_field(1, self.num_shards) + _int_field(2, self.endianness)
                + _bytes_field(3, self.version.encode(), always=True))

    @classmethod
    def decode(cls, data) -> BundleHeader:
        header = cls(num_shards=0, version=VersionDef())

        def other(number, wire, value):
            if number == 3:
                _expect(wire, _LEN, "BundleHeaderProto.version")
                header.version = VersionDef.decode(value)
        return _decode_fields(header, data, "BundleHeaderProto",
                              {1: ("num_shards", 32), 2: ("endianness", 32)}, other)


def encode_shape(dims) -> bytes:
    """TensorShapeProto of a fully known shape: one `dim { size }` per dimension."""
    return b"".join(_bytes_field(2, _int_field(1, int(d)), always=True) for d in dims)


def decode_shape(data) -> tuple[int, ...] | None:
    """The dims of a TensorShapeProto (None when `unknown_rank`); sizes may be negative."""
    dims, unknown = [], False
    for number, wire, value in fields(data):
        if number == 2:
            _expect(wire, _LEN, "TensorShapeProto.dim")
            size = 0
            for dim_number, dim_wire, dim_value in fields(value):
                if dim_number == 1:
                    _expect(dim_wire, _VARINT, "TensorShapeProto.Dim.size")
                    size = _signed(dim_value, 64)
            dims.append(size)
        elif number == 3:
            _expect(wire, _VARINT, "TensorShapeProto.unknown_rank")
            unknown = bool(value)
    return None if unknown else tuple(dims)


@dataclasses.dataclass
class BundleEntry:
    """BundleEntryProto: where and how one tensor is stored in the data shards."""

    dtype: int = 0
    shape: tuple[int, ...] | None = ()
    shard_id: int = 0
    offset: int = 0
    size: int = 0
    crc32c: int = 0  # masked, as stored
    num_slices: int = 0

    def encode(self) -> bytes:
        out = _int_field(1, self.dtype)
        out += _bytes_field(2, encode_shape(self.shape or ()), always=True)
        out += _int_field(3, self.shard_id) + _int_field(4, self.offset)
        out += _int_field(5, self.size)
        return out + _tag(6, _I32) + struct.pack("<I", self.crc32c)

    @classmethod
    def decode(cls, data) -> BundleEntry:
        entry = cls()

        def other(number, wire, value):
            if number == 2:
                _expect(wire, _LEN, "BundleEntryProto.shape")
                entry.shape = decode_shape(value)
            elif number == 6:
                _expect(wire, _I32, "BundleEntryProto.crc32c")
                entry.crc32c = struct.unpack("<I", bytes(value))[0]
            elif number == 7:
                entry.num_slices += 1
        return _decode_fields(entry, data, "BundleEntryProto",
                              {1: ("dtype", 32), 3: ("shard_id", 32), 4: ("offset", 64),
                               5: ("size", 64)}, other)


# -- TrackableObjectGraph -------------------------------------------------------------------
@dataclasses.dataclass
class ObjectReference:
    node_id: int
    local_name: str


@dataclasses.dataclass
class SerializedTensor:
    name: str
    full_name: str
    checkpoint_key: str


@dataclasses.dataclass
class SlotVariableReference:
    original_variable_node_id: int
    slot_name: str
    slot_variable_node_id: int


@dataclasses.dataclass
class TrackableObject:
    """One node: named edges to children, saved attributes and slot variables."""

    children: list[ObjectReference] = dataclasses.field(default_factory=list)
    attributes: list[SerializedTensor] = dataclasses.field(default_factory=list)
    slot_variables: list[SlotVariableReference] = dataclasses.field(default_factory=list)
    has_checkpoint_values: bool | None = None

    def encode(self) -> bytes:
        out = b"".join(_bytes_field(1, _int_field(1, c.node_id) + _str_field(2, c.local_name),
                                    always=True) for c in self.children)
        out += b"".join(_bytes_field(2, _str_field(1, a.name) + _str_field(2, a.full_name)
                                     + _str_field(3, a.checkpoint_key), always=True)
                        for a in self.attributes)
        out += b"".join(_bytes_field(3, _int_field(1, s.original_variable_node_id)
                                     + _str_field(2, s.slot_name)
                                     + _int_field(3, s.slot_variable_node_id), always=True)
                        for s in self.slot_variables)
        if self.has_checkpoint_values is not None:
            out += _bytes_field(5, _int_field(1, int(self.has_checkpoint_values)), always=True)
        return out

    @classmethod
    def decode(cls, data) -> TrackableObject:
        node = cls()
        for number, wire, value in fields(data):
            if number in (1, 2, 3, 5):
                _expect(wire, _LEN, f"TrackableObject field {number}")
                parts = {n: (w, v) for n, w, v in fields(value)}
                if number == 1:
                    node.children.append(ObjectReference(
                        _int32(parts, 1), _string(parts, 2)))
                elif number == 2:
                    node.attributes.append(SerializedTensor(
                        _string(parts, 1), _string(parts, 2), _string(parts, 3)))
                elif number == 3:
                    node.slot_variables.append(SlotVariableReference(
                        _int32(parts, 1), _string(parts, 2), _int32(parts, 3)))
                else:
                    node.has_checkpoint_values = bool(_int32(parts, 1))
        return node


def _int32(parts: dict, number: int) -> int:
    wire, value = parts.get(number, (_VARINT, 0))
    _expect(wire, _VARINT, f"field {number}")
    return _signed(value, 32)


def _string(parts: dict, number: int) -> str:
    wire, value = parts.get(number, (_LEN, b""))
    _expect(wire, _LEN, f"field {number}")
    return _text(value, f"field {number}")


@dataclasses.dataclass
class TrackableObjectGraph:
    """The saved object graph; node 0 is the root."""

    nodes: list[TrackableObject] = dataclasses.field(default_factory=list)

    def encode(self) -> bytes:
        return b"".join(_bytes_field(1, node.encode(), always=True) for node in self.nodes)

    @classmethod
    def decode(cls, data, max_nodes: int = 1_000_000) -> TrackableObjectGraph:
        graph = cls()
        for number, wire, value in fields(data):
            if number == 1:
                _expect(wire, _LEN, "TrackableObjectGraph.nodes")
                if len(graph.nodes) >= max_nodes:
                    raise DecodeError(f"Object graph has more than {max_nodes} nodes.")
                graph.nodes.append(TrackableObject.decode(value))
        return graph


# -- CheckpointState (text format) ----------------------------------------------------------
@dataclasses.dataclass
class CheckpointState:
    """The `checkpoint` file: the latest checkpoint and those still kept, as text format."""

    model_checkpoint_path: str = ""
    all_model_checkpoint_paths: list[str] = dataclasses.field(default_factory=list)
    all_model_checkpoint_timestamps: list[float] = dataclasses.field(default_factory=list)
    last_preserved_timestamp: float = 0.0

    def to_text(self) -> str:
        lines = [f"model_checkpoint_path: {_quote(self.model_checkpoint_path)}"]
        lines += [f"all_model_checkpoint_paths: {_quote(p)}"
                  for p in self.all_model_checkpoint_paths]
        lines += [f"all_model_checkpoint_timestamps: {_float_text(t)}"
                  for t in self.all_model_checkpoint_timestamps]
        if self.last_preserved_timestamp:
            lines.append(f"last_preserved_timestamp: {_float_text(self.last_preserved_timestamp)}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_text(cls, text: str) -> CheckpointState:
        """Parse the text format; unknown fields or bad values raise ValueError."""
        state = cls()
        for line_number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, value = line.partition(":")
            name, value = name.strip(), value.strip()
            if not sep:
                raise ValueError(f"checkpoint state line {line_number}: expected `field: value`"
                                 f", got {line!r}.")
            if name == "model_checkpoint_path":
                state.model_checkpoint_path = _unquote(value, line_number)
            elif name == "all_model_checkpoint_paths":
                state.all_model_checkpoint_paths.append(_unquote(value, line_number))
            elif name == "all_model_checkpoint_timestamps":
                state.all_model_checkpoint_timestamps.append(_parse_float(value, line_number))
            elif name == "last_preserved_timestamp":
                state.last_preserved_timestamp = _parse_float(value, line_number)
            else:
                raise ValueError(f"checkpoint state line {line_number}: unknown field {name!r}.")
        return state


def _float_text(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else ("nan" if value != value else
                                                            ("inf" if value > 0 else "-inf"))


def _parse_float(value: str, line_number: int) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"checkpoint state line {line_number}: {value!r} is not a number.") \
            from None


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "'": "\\'"}


def _quote(text: str) -> str:
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _unquote(value: str, line_number: int) -> str:
    if len(value) < 2 or value[0] != value[-1] or value[0] not in "\"'":
        raise ValueError(f"checkpoint state line {line_number}: expected a quoted string, got "
                         f"{value!r}.")
    body, out, i = value[1:-1], bytearray(), 0
    simple = {"n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\", '"': b'"', "'": b"'"}
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        nxt = body[i + 1:i + 2]
        if nxt in simple:
            out += simple[nxt]
            i += 2
        elif nxt and nxt in "01234567":
            digits = nxt
            while len(digits) < 3 and body[i + 1 + len(digits):i + 2 + len(digits)] in \
                    tuple("01234567"):
                digits += body[i + 1 + len(digits)]
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        else:
            raise ValueError(f"checkpoint state line {line_number}: bad escape in {value!r}.")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"checkpoint state line {line_number}: path is not UTF-8.") from None
