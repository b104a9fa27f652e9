"""`tf.train.Example` and friends, on a hand-written protobuf wire format (no protobuf).

Messages: BytesList, FloatList, Int64List, Feature (oneof `kind`), Features
(map<string, Feature>), Example, FeatureList, FeatureLists, SequenceExample,
with the proto API TF code uses: constructors with keyword fields, attribute
access (`example.features.feature['x'].float_list.value`), SerializeToString,
FromString, ParseFromString, CopyFrom, MergeFrom, HasField, WhichOneof,
ClearField, ==, and text-format printing. Parsing into tensors is in parsing.py.
"""

from __future__ import annotations

import struct

import numpy as np

__all__ = ["BytesList", "FloatList", "Int64List", "Feature", "Features", "Example",
           "FeatureList", "FeatureLists", "SequenceExample", "DecodeError", "fields", "LEN"]


class DecodeError(Exception):
    """Malformed protobuf bytes (protobuf's `message.DecodeError`)."""


# -- wire format ---------------------------------------------------------------------------
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
LEN = _LEN  # for parsing.py
_U64 = (1 << 64) - 1


def _varint(value: int) -> bytes:
    value &= _U64
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(data, position: int) -> tuple:
    result = shift = 0
    end = len(data)
    while True:
        if position >= end:
            raise DecodeError("Truncated message (varint).")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _U64, position
        shift += 7
        if shift >= 70:
            raise DecodeError("Too many bytes when decoding varint.")


def fields(data):
    """Yield (field_number, wire_type, value) of a serialized message; value is the payload."""
    position, end = 0, len(data)
    while position < end:
        key, position = _read_varint(data, position)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise DecodeError("Invalid field number 0.")
        if wire == _VARINT:
            value, position = _read_varint(data, position)
        elif wire == _LEN:
            length, position = _read_varint(data, position)
            if position + length > end:
                raise DecodeError("Truncated message (length-delimited field).")
            value = data[position:position + length]
            position += length
        elif wire == _I32:
            if position + 4 > end:
                raise DecodeError("Truncated message (fixed32).")
            value = data[position:position + 4]
            position += 4
        elif wire == _I64:
            if position + 8 > end:
                raise DecodeError("Truncated message (fixed64).")
            value = data[position:position + 8]
            position += 8
        else:
            raise DecodeError(f"Unsupported wire type {wire}.")
        yield number, wire, value


def _tag(number: int, wire: int) -> bytes:
    return _varint((number << 3) | wire)


def _length_delimited(number: int, payload: bytes) -> bytes:
    return _tag(number, _LEN) + _varint(len(payload)) + payload


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


# -- message machinery ---------------------------------------------------------------------
class _Message:
    """Base of the hand-written messages: presence hooks, (de)serialization entry points."""

    __slots__ = ("_hook",)

    def _init_hook(self) -> None:
        self._hook = None

    def _mark(self) -> None:
        """Called on modification: a lazily created sub-message becomes present in its parent."""
        hook = self._hook
        if hook is not None:
            self._hook = None
            hook(self)

    def SerializeToString(self, deterministic=None) -> bytes:  # noqa: N802 - proto API
        return self._encode()

    SerializePartialToString = SerializeToString

    @classmethod
    def FromString(cls, data) -> _Message:  # noqa: N802 - proto API
        message = cls()
        message.ParseFromString(data)
        return message

    def ParseFromString(self, data) -> int:  # noqa: N802 - proto API
        self.Clear()
        return self.MergeFromString(data)

    def MergeFromString(self, data) -> int:  # noqa: N802 - proto API
        if hasattr(data, "numpy"):
            data = data.numpy()
        data = memoryview(bytes(data))
        self._decode(data)
        self._mark()
        return len(data)

    def CopyFrom(self, other) -> None:  # noqa: N802 - proto API
        if not isinstance(other, type(self)):
            raise TypeError(f"Parameter to CopyFrom() must be instance of same class: "
                            f"expected {type(self).__name__} got {type(other).__name__}.")
        if other is self:
            return
        self.ParseFromString(other.SerializeToString())

    def MergeFrom(self, other) -> None:  # noqa: N802 - proto API
        if not isinstance(other, type(self)):
            raise TypeError(f"Parameter to MergeFrom() must be instance of same class: "
                            f"expected {type(self).__name__} got {type(other).__name__}.")
        self.MergeFromString(other.SerializeToString())

    def ByteSize(self) -> int:  # noqa: N802 - proto API
        return len(self._encode())

    def IsInitialized(self) -> bool:  # noqa: N802 - proto API
        return True

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and self._encode() == other._encode()

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    __hash__ = None

    def __str__(self) -> str:
        return "".join(self._text(0))

    def __repr__(self) -> str:
        return self.__str__()

    def __reduce__(self):
        return type(self).FromString, (self.SerializeToString(),)


def _escape(data: bytes) -> str:
    out = []
    for byte in data:
        char = chr(byte)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


class RepeatedScalarContainer:
    """A repeated scalar field (`.value`): list-like, type-checked, marks its owner."""

    __slots__ = ("_values", "_owner", "_check")

    def __init__(self, owner: _Message, check) -> None:
        self._values: list = []
        self._owner = owner
        self._check = check

    def append(self, value) -> None:
        self._values.append(self._check(value))
        self._owner._mark()

    def extend(self, values) -> None:
        if hasattr(values, "numpy"):
            values = values.numpy()
        if isinstance(values, np.ndarray):
            values = values.reshape(-1).tolist()
        self._values.extend([self._check(v) for v in values])
        self._owner._mark()

    def insert(self, index: int, value) -> None:
        self._values.insert(index, self._check(value))
        self._owner._mark()

    def remove(self, value) -> None:
        self._values.remove(value)
        self._owner._mark()

    def pop(self, index: int = -1):
        value = self._values.pop(index)
        self._owner._mark()
        return value

    def __getitem__(self, index):
        return self._values[index]

    def __setitem__(self, index, value) -> None:
        if isinstance(index, slice):
            self._values[index] = [self._check(v) for v in value]
        else:
            self._values[index] = self._check(value)
        self._owner._mark()

    def __delitem__(self, index) -> None:
        del self._values[index]
        self._owner._mark()

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other) -> bool:
        if isinstance(other, RepeatedScalarContainer):
            return self._values == other._values
        return self._values == list(other) if isinstance(other, (list, tuple)) else NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._values)


def _check_bytes(value) -> bytes:
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value)
    if isinstance(value, bytearray):
        return bytes(value)
    raise TypeError(f"{value!r} has type {type(value).__name__}, but expected one of: bytes")


def _check_float(value) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{value!r} has type {type(value).__name__}, but expected one of: "
                        "int, float")
    return float(np.float32(value))


def _check_int64(value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{value!r} has type {type(value).__name__}, but expected one of: int")
    value = int(value)
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError(f"Value out of range: {value}")
    return value


class _ScalarList(_Message):
    """BytesList / FloatList / Int64List: one repeated field `value` (field 1)."""

    __slots__ = ("_value",)
    _CHECK = staticmethod(lambda v: v)

    def __init__(self, value=None) -> None:
        self._init_hook()
        self._value = RepeatedScalarContainer(self, self._CHECK)
        if value is not None:
            self._value.extend(value)

    @property
    def value(self) -> RepeatedScalarContainer:
        return self._value

    @value.setter
    def value(self, values) -> None:
        raise AttributeError("Assignment not allowed to repeated field \"value\" in protocol "
                             "message object.")

    def Clear(self) -> None:  # noqa: N802 - proto API
        self._value._values.clear()

    def ClearField(self, name: str) -> None:  # noqa: N802 - proto API
        if name != "value":
            raise ValueError(f'Protocol message has no "{name}" field.')
        self.Clear()

    def ListFields(self) -> list:  # noqa: N802 - proto API
        return [("value", list(self._value))] if len(self._value) else []

    def _text(self, indent: int):
        pad = "  " * indent
        for v in self._value:
            yield f"{pad}value: {self._format(v)}\n"


class BytesList(_ScalarList):
    """`tf.train.BytesList(value=[b"..."])`."""

    __slots__ = ()
    _CHECK = staticmethod(_check_bytes)

    def _encode(self) -> bytes:
        return b"".join(_length_delimited(1, v) for v in self._value._values)

    def _decode(self, data) -> None:
        values = self._value._values
        for number, wire, value in fields(data):
            if number == 1:
                if wire != _LEN:
                    raise DecodeError("BytesList.value has the wrong wire type.")
                values.append(bytes(value))

    @staticmethod
    def _format(value) -> str:
        return f'"{_escape(value)}"'


class FloatList(_ScalarList):
    """`tf.train.FloatList(value=[1.0, ...])` (values stored as float32)."""

    __slots__ = ()
    _CHECK = staticmethod(_check_float)

    def _encode(self) -> bytes:
        values = self._value._values
        if not values:
            return b""
        return _length_delimited(1, np.asarray(values, dtype="<f4").tobytes())

    def _decode(self, data) -> None:
        values = self._value._values
        for number, wire, value in fields(data):
            if number != 1:
                continue
            if wire == _LEN:
                if len(value) % 4:
                    raise DecodeError("Packed float field has a bad length.")
                values.extend(np.frombuffer(value, dtype="<f4").tolist())
            elif wire == _I32:
                values.append(struct.unpack("<f", value)[0])
            else:
                raise DecodeError("FloatList.value has the wrong wire type.")

    @staticmethod
    def _format(value) -> str:
        return str(np.float32(value))


class Int64List(_ScalarList):
    """`tf.train.Int64List(value=[1, 2])`."""

    __slots__ = ()
    _CHECK = staticmethod(_check_int64)

    def _encode(self) -> bytes:
        values = self._value._values
        if not values:
            return b""
        return _length_delimited(1, b"".join(_varint(v) for v in values))

    def _decode(self, data) -> None:
        values = self._value._values
        for number, wire, value in fields(data):
            if number != 1:
                continue
            if wire == _LEN:
                position, end = 0, len(value)
                while position < end:
                    item, position = _read_varint(value, position)
                    values.append(_signed64(item))
            elif wire == _VARINT:
                values.append(_signed64(value))
            else:
                raise DecodeError("Int64List.value has the wrong wire type.")

    @staticmethod
    def _format(value) -> str:
        return str(value)


def _attach(parent: _Message, name: str, child: _Message, setter) -> _Message:
    """Link a lazily created sub-message: modifying it makes it present in `parent`."""
    def hook(message):
        setter(name, message)
        parent._mark()
    child._hook = hook
    return child


def _text_message(name: str, message: _Message, indent: int):
    pad = "  " * indent
    yield f"{pad}{name} {{\n"
    yield from message._text(indent + 1)
    yield f"{pad}}}\n"


class Feature(_Message):
    """`tf.train.Feature`: one of `bytes_list` (1), `float_list` (2), `int64_list` (3)."""

    __slots__ = ("_kind", "_list")
    _KINDS = {"bytes_list": (1, BytesList), "float_list": (2, FloatList),
              "int64_list": (3, Int64List)}
    _BY_NUMBER = {1: "bytes_list", 2: "float_list", 3: "int64_list"}

    def __init__(self, bytes_list=None, float_list=None, int64_list=None) -> None:
        self._init_hook()
        self._kind = None
        self._list = None
        for name, value in (("bytes_list", bytes_list), ("float_list", float_list),
                            ("int64_list", int64_list)):
            if value is not None:
                cls = self._KINDS[name][1]
                if not isinstance(value, cls):
                    raise TypeError(f"Parameter to initialize message field {name} must be "
                                    f"{cls.__name__}, got {type(value).__name__}.")
                child = cls()
                child.CopyFrom(value)
                self._set(name, child)

    def _set(self, name: str, child) -> None:
        self._kind = name
        self._list = child
        child._hook = None

    def _get(self, name: str):
        if self._kind == name:
            return self._list
        return _attach(self, name, self._KINDS[name][1](), self._set)

    bytes_list = property(lambda self: self._get("bytes_list"))
    float_list = property(lambda self: self._get("float_list"))
    int64_list = property(lambda self: self._get("int64_list"))

    def WhichOneof(self, oneof_group: str):  # noqa: N802 - proto API
        if oneof_group != "kind":
            raise ValueError(f'Protocol message has no oneof "{oneof_group}" field.')
        return self._kind

    def HasField(self, name: str) -> bool:  # noqa: N802 - proto API
        if name == "kind":
            return self._kind is not None
        if name not in self._KINDS:
            raise ValueError(f'Protocol message Feature has no "{name}" field.')
        return self._kind == name

    def ClearField(self, name: str) -> None:  # noqa: N802 - proto API
        if name == "kind" or name == self._kind:
            self._kind = self._list = None

    def Clear(self) -> None:  # noqa: N802 - proto API
        self._kind = self._list = None

    def ListFields(self) -> list:  # noqa: N802 - proto API
        return [] if self._kind is None else [(self._kind, self._list)]

    def _encode(self) -> bytes:
        if self._kind is None:
            return b""
        return _length_delimited(self._KINDS[self._kind][0], self._list._encode())

    def _decode(self, data) -> None:
        for number, wire, value in fields(data):
            name = self._BY_NUMBER.get(number)
            if name is None:
                continue
            if wire != _LEN:
                raise DecodeError(f"Feature.{name} has the wrong wire type.")
            if self._kind == name:
                child = self._list
            else:
                child = self._KINDS[name][1]()
                self._set(name, child)
            child._decode(value)

    def _text(self, indent: int):
        if self._kind is not None:
            yield from _text_message(self._kind, self._list, indent)


class MessageMap:
    """A map<string, Message> field: `features.feature['x']` creates missing entries."""

    __slots__ = ("_entries", "_owner", "_cls")

    def __init__(self, owner: _Message, cls) -> None:
        self._entries: dict = {}
        self._owner = owner
        self._cls = cls

    def __getitem__(self, key: str):
        if not isinstance(key, str):
            raise TypeError(f"{key!r} has type {type(key).__name__}, but expected one of: str")
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = self._cls()
            self._owner._mark()
        return entry

    def __setitem__(self, key, value) -> None:
        raise ValueError("Direct assignment of submessage not allowed")

    def get(self, key, default=None):
        return self._entries.get(key, default)

    def get_or_create(self, key):
        return self[key]

    def __contains__(self, key) -> bool:
        return key in self._entries

    def __delitem__(self, key) -> None:
        del self._entries[key]
        self._owner._mark()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self):
        return iter(self._entries)

    def keys(self):
        return self._entries.keys()

    def values(self):
        return self._entries.values()

    def items(self):
        return self._entries.items()

    def clear(self) -> None:
        self._entries.clear()

    def pop(self, key, *default):
        value = self._entries.pop(key, *default)
        self._owner._mark()
        return value

    def MergeFrom(self, other) -> None:  # noqa: N802 - proto API
        for key, value in other.items():
            self[key].CopyFrom(value)

    def __eq__(self, other) -> bool:
        if isinstance(other, MessageMap):
            other = other._entries
        return self._entries == dict(other) if hasattr(other, "items") else NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._entries)

    def _encode(self, number: int) -> bytes:
        out = []
        for key in sorted(self._entries):
            entry = _length_delimited(1, key.encode("utf-8")) + \
                _length_delimited(2, self._entries[key]._encode())
            out.append(_length_delimited(number, entry))
        return b"".join(out)

    def _decode_entry(self, data) -> None:
        key, value = "", None
        for number, wire, payload in fields(data):
            if number == 1 and wire == _LEN:
                try:
                    key = bytes(payload).decode("utf-8")
                except UnicodeDecodeError:
                    raise DecodeError("Map key is not valid UTF-8.") from None
            elif number == 2 and wire == _LEN:
                value = payload
        entry = self._cls()
        if value is not None:
            entry._decode(value)
        self._entries[key] = entry

    def _text(self, name: str, indent: int):
        pad = "  " * indent
        for key in sorted(self._entries):
            yield f"{pad}{name} {{\n"
            yield f'{pad}  key: "{_escape(key.encode("utf-8"))}"\n'
            yield from _text_message("value", self._entries[key], indent + 1)
            yield f"{pad}}}\n"


def _init_map(message_map: MessageMap, values, name: str) -> None:
    if values is None:
        return
    for key, value in dict(values).items():
        if not isinstance(value, message_map._cls):
            raise TypeError(f"Parameter to initialize map field {name} must hold "
                            f"{message_map._cls.__name__}, got {type(value).__name__}.")
        message_map[key].CopyFrom(value)


class _MapMessage(_Message):
    """A message with one map field (number 1) from names to `_VALUE` messages."""

    __slots__ = ("_map",)
    _FIELD = ""
    _VALUE: type = _Message

    def _init_map_field(self, value) -> None:
        self._init_hook()
        self._map = MessageMap(self, self._VALUE)
        _init_map(self._map, value, self._FIELD)

    def Clear(self) -> None:  # noqa: N802 - proto API
        self._map.clear()

    def ClearField(self, name: str) -> None:  # noqa: N802 - proto API
        self.Clear()

    def ListFields(self) -> list:  # noqa: N802 - proto API
        return [(self._FIELD, self._map)] if len(self._map) else []

    def _encode(self) -> bytes:
        return self._map._encode(1)

    def _decode(self, data) -> None:
        for number, wire, value in fields(data):
            if number == 1 and wire == _LEN:
                self._map._decode_entry(value)

    def _text(self, indent: int):
        yield from self._map._text(self._FIELD, indent)


class Features(_MapMessage):
    """`tf.train.Features(feature={'name': Feature, ...})`."""

    __slots__ = ()
    _FIELD = "feature"
    _VALUE = Feature

    def __init__(self, feature=None) -> None:
        self._init_map_field(feature)

    @property
    def feature(self) -> MessageMap:
        return self._map


class _Singular(_Message):
    """A message whose fields are optional sub-messages (`_SUBFIELDS`: name -> (number, cls))."""

    __slots__ = ("_present",)
    _SUBFIELDS: dict = {}

    def _initfields(self, **values) -> None:
        self._init_hook()
        self._present: dict = {}
        for name, value in values.items():
            if value is None:
                continue
            cls = self._SUBFIELDS[name][1]
            if not isinstance(value, cls):
                raise TypeError(f"Parameter to initialize message field {name} must be "
                                f"{cls.__name__}, got {type(value).__name__}.")
            child = cls()
            child.CopyFrom(value)
            self._set(name, child)

    def _set(self, name: str, child) -> None:
        child._hook = None
        self._present[name] = child

    def _get(self, name: str):
        child = self._present.get(name)
        if child is not None:
            return child
        return _attach(self, name, self._SUBFIELDS[name][1](), self._set)

    def HasField(self, name: str) -> bool:  # noqa: N802 - proto API
        if name not in self._SUBFIELDS:
            raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" field.')
        return name in self._present

    def ClearField(self, name: str) -> None:  # noqa: N802 - proto API
        self._present.pop(name, None)

    def Clear(self) -> None:  # noqa: N802 - proto API
        self._present.clear()

    def ListFields(self) -> list:  # noqa: N802 - proto API
        return [(n, self._present[n]) for n in self._SUBFIELDS if n in self._present]

    def _encode(self) -> bytes:
        return b"".join(_length_delimited(number, self._present[name]._encode())
                        for name, (number, _) in self._SUBFIELDS.items()
                        if name in self._present)

    def _decode(self, data) -> None:
        by_number = {number: (name, cls) for name, (number, cls) in self._SUBFIELDS.items()}
        for number, wire, value in fields(data):
            found = by_number.get(number)
            if found is None:
                continue
            if wire != _LEN:
                raise DecodeError(f"{type(self).__name__}.{found[0]} has the wrong wire type.")
            name, cls = found
            child = self._present.get(name)
            if child is None:
                child = cls()
                self._set(name, child)
            child._decode(value)

    def _text(self, indent: int):
        for name in self._SUBFIELDS:
            if name in self._present:
                yield from _text_message(name, self._present[name], indent)


class Example(_Singular):
    """`tf.train.Example(features=tf.train.Features(...))`."""

    __slots__ = ()
    _SUBFIELDS = {"features": (1, Features)}

    def __init__(self, features=None) -> None:
        self._initfields(features=features)

    features = property(lambda self: self._get("features"))


class FeatureList(_Message):
    """`tf.train.FeatureList(feature=[Feature, ...])`."""

    __slots__ = ("_feature",)

    def __init__(self, feature=None) -> None:
        self._init_hook()
        self._feature = _RepeatedMessages(self, Feature)
        for item in feature or ():
            self._feature.add().CopyFrom(item)

    @property
    def feature(self):
        return self._feature

    def Clear(self) -> None:  # noqa: N802 - proto API
        self._feature._items.clear()

    def ClearField(self, name: str) -> None:  # noqa: N802 - proto API
        self.Clear()

    def ListFields(self) -> list:  # noqa: N802 - proto API
        return [("feature", self._feature)] if len(self._feature) else []

    def _encode(self) -> bytes:
        return b"".join(_length_delimited(1, f._encode()) for f in self._feature)

    def _decode(self, data) -> None:
        for number, wire, value in fields(data):
            if number == 1 and wire == _LEN:
                item = Feature()
                item._decode(value)
                self._feature._items.append(item)

    def _text(self, indent: int):
        for item in self._feature:
            yield from _text_message("feature", item, indent)


class _RepeatedMessages:
    """A repeated message field: `add()`, `append`, `extend`, indexing, len."""

    __slots__ = ("_items", "_owner", "_cls")

    def __init__(self, owner, cls) -> None:
        self._items: list = []
        self._owner = owner
        self._cls = cls

    def add(self, **kwargs):
        item = self._cls(**kwargs)
        self._items.append(item)
        self._owner._mark()
        return item

    def append(self, value) -> None:
        self.add().CopyFrom(value)

    def extend(self, values) -> None:
        for value in values:
            self.append(value)

    def __getitem__(self, index):
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __eq__(self, other) -> bool:
        return list(self._items) == list(other)

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._items)


class FeatureLists(_MapMessage):
    """`tf.train.FeatureLists(feature_list={'name': FeatureList, ...})`."""

    __slots__ = ()
    _FIELD = "feature_list"
    _VALUE = FeatureList

    def __init__(self, feature_list=None) -> None:
        self._init_map_field(feature_list)

    @property
    def feature_list(self) -> MessageMap:
        return self._map


class SequenceExample(_Singular):
    """`tf.train.SequenceExample(context=Features, feature_lists=FeatureLists)`."""

    __slots__ = ()
    _SUBFIELDS = {"context": (1, Features), "feature_lists": (2, FeatureLists)}

    def __init__(self, context=None, feature_lists=None) -> None:
        self._initfields(context=context, feature_lists=feature_lists)

    context = property(lambda self: self._get("context"))
    feature_lists = property(lambda self: self._get("feature_lists"))
