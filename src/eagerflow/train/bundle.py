"""TensorBundle V2: named tensors in `<prefix>.index` (an SSTable of entries) + `.data-*` shards.

`BundleWriter` writes atomically (temp files, fsync, rename: the index last, so a
crash leaves the previous checkpoint readable). `BundleReader` checks every
entry against the file before reading (dtype whitelist, shape, sizes, shard,
CRC32C) and raises `tf.errors.DataLossError` on anything malformed.
"""

from __future__ import annotations

import os
import struct

import google_crc32c
import numpy as np

from eagerflow.core import dtypes as _dtypes
from eagerflow.core import files
from eagerflow.core.errors import DataLossError, NotFoundError, UnimplementedError
from eagerflow.data.tfrecord import masked_crc32c, unmask_crc32c
from eagerflow.train.protos import (
    BIG,
    LITTLE,
    BundleEntry,
    BundleHeader,
    DecodeError,
    encode_varint,
    read_varint,
)
from eagerflow.train.sstable import TableBuilder, read_table

__all__ = ["BundleWriter", "BundleReader", "data_path", "index_path", "atomic_write"]

HEADER_KEY = b""
MAX_RANK = 254
MAX_SHARDS = 1 << 16
MAX_INDEX_BYTES = 1 << 31
_MASK_DELTA = 0xA282EAD8
# DataType enums a checkpoint may hold: the numeric types, bool and string. Resource,
# variant and the quantized types are refused (they carry no plain data).
_STORABLE = {d.as_datatype_enum: d for d in _dtypes.ALL}


def index_path(prefix: str) -> str:
    return f"{prefix}.index"


def data_path(prefix: str, shard: int = 0, num_shards: int = 1) -> str:
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def _mask(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


# The shared atomic writer (temporary file beside the target, fsync, rename; normal permissions).
AtomicFile = files.AtomicFile


def atomic_write(path: str, chunks) -> None:
    """Write `chunks` (bytes) to `path` through a temp file, fsync and rename."""
    files.write_bytes_atomically(path, chunks)


def _string_payload(array: np.ndarray) -> tuple[bytes, int]:
    """DT_STRING layout: varint lengths, masked length checksum, then the bytes; and its CRC."""
    items = [_as_bytes(item) for item in array.reshape(-1)]
    varints, crc = bytearray(), 0
    for item in items:
        varints += encode_varint(len(item))
        width = "<I" if len(item) <= 0xFFFFFFFF else "<Q"
        crc = google_crc32c.extend(crc, struct.pack(width, len(item)))
    length_checksum = struct.pack("<I", _mask(crc))
    crc = google_crc32c.extend(crc, length_checksum)
    body = b"".join(items)
    crc = google_crc32c.extend(crc, body)
    return bytes(varints) + length_checksum + body, crc


def _as_bytes(item) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode("utf-8")
    raise TypeError(f"A string tensor element must be bytes or str, got {type(item).__name__}.")


class BundleWriter:
    """Collects tensors under keys, then writes `<prefix>.index` and one data shard.

    >>> writer = BundleWriter("/tmp/ckpt")
    >>> writer.add("v/.ATTRIBUTES/VARIABLE_VALUE", np.ones(3, np.float32))
    >>> writer.finish()
    """

    def __init__(self, prefix: str) -> None:
        self._prefix = os.fspath(prefix)
        self._entries: dict[bytes, BundleEntry] = {}
        self._offset = 0
        directory = os.path.dirname(self._prefix)
        if directory:
            os.makedirs(directory, exist_ok=True)
        # Tensors stream into the temporary data file; nothing is held in memory.
        self._data = AtomicFile(data_path(self._prefix))

    def add(self, key: str, value, dtype=None) -> None:
        """Store `value` (array-like) under `key`, as `dtype` (default: the value's own)."""
        key_bytes = key.encode("utf-8")
        if not key_bytes:
            raise ValueError("A checkpoint key must not be empty (it is the header's key).")
        if key_bytes in self._entries:
            raise ValueError(f"Duplicate checkpoint key {key!r}: each key may be added once.")
        dtype = _dtypes.as_dtype(dtype) if dtype is not None else None
        array = np.asarray(value, dtype=object if dtype is _dtypes.string else
                           (dtype.as_numpy_dtype if dtype is not None else None))
        if dtype is None:
            dtype = _dtypes.from_numpy(array.dtype)
        if dtype.as_datatype_enum not in _STORABLE:
            raise TypeError(f"Cannot save key {key!r} of dtype {dtype.name} in a checkpoint.")
        if dtype is _dtypes.string:
            payload, crc = _string_payload(array)
        else:
            payload = np.ascontiguousarray(array, dtype=dtype.as_numpy_dtype).astype(
                np.dtype(dtype.as_numpy_dtype).newbyteorder("<"), copy=False).tobytes()
            crc = google_crc32c.value(payload)
        self._entries[key_bytes] = BundleEntry(
            dtype=dtype.as_datatype_enum, shape=tuple(array.shape), offset=self._offset,
            size=len(payload), crc32c=_mask(crc))
        self._data.write(payload)
        self._offset += len(payload)

    def finish(self) -> str:
        """Move the data shard, then the index, into place; return the prefix.

        The index goes last: until it is renamed, readers still open the previous checkpoint.
        """
        try:
            table = TableBuilder()
            table.add(HEADER_KEY, BundleHeader().encode())
            for key in sorted(self._entries):
                table.add(key, self._entries[key].encode())
            index = table.finish()
        except BaseException:
            self.abort()
            raise
        self._data.commit()
        atomic_write(index_path(self._prefix), [index])
        return self._prefix

    def abort(self) -> None:
        """Give up: delete the temporary data file, leaving any previous checkpoint intact."""
        self._data.abort()


class BundleReader:
    """Reads a TensorBundle after validating its index; tensors come back as NumPy arrays."""

    def __init__(self, prefix: str) -> None:
        self._prefix = os.fspath(prefix)
        path = index_path(self._prefix)
        try:
            with open(path, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                if size > MAX_INDEX_BYTES:
                    raise DataLossError(None, None, f"Checkpoint index {path} is {size} bytes, "
                                        f"more than the {MAX_INDEX_BYTES} an index can be.")
                data = file.read()
        except FileNotFoundError:
            raise NotFoundError(None, None, f"Unsuccessful TensorSliceReader constructor: Failed"
                                f" to find any matching files for {self._prefix}") from None
        pairs = read_table(data, path)
        if not pairs or pairs[0][0] != HEADER_KEY:
            raise DataLossError(None, None, f"Checkpoint index {path} has no header entry (the "
                                "empty key); it is not a TensorBundle.")
        try:
            self.header = BundleHeader.decode(pairs[0][1])
            entries = {key.decode("utf-8"): BundleEntry.decode(value)
                       for key, value in pairs[1:]}
        except (DecodeError, UnicodeDecodeError) as exc:
            raise DataLossError(None, None, f"Checkpoint index {path} holds a malformed entry: "
                                f"{exc}") from None
        self._check_header(path)
        self._shard_sizes: dict[int, int] = {}
        for key, entry in entries.items():
            self._check_entry(key, entry)
        self._entries = entries

    def _check_header(self, path: str) -> None:
        header = self.header
        if not 1 <= header.num_shards <= MAX_SHARDS:
            raise DataLossError(None, None, f"Checkpoint {path}: num_shards={header.num_shards}"
                                f" is outside [1, {MAX_SHARDS}].")
        if header.endianness not in (LITTLE, BIG):
            raise DataLossError(None, None, f"Checkpoint {path}: unknown endianness "
                                f"{header.endianness}.")
        version = header.version
        if version.producer < 0 or version.min_consumer > 1 or 1 in version.bad_consumers:
            raise DataLossError(None, None, f"Checkpoint {path} needs a newer reader (producer"
                                f" {version.producer}, min_consumer {version.min_consumer}).")

    def _shard_size(self, shard: int) -> int:
        if shard not in self._shard_sizes:
            path = data_path(self._prefix, shard, self.header.num_shards)
            try:
                self._shard_sizes[shard] = os.path.getsize(path)
            except OSError:
                raise NotFoundError(None, None, f"Checkpoint data file {path} is missing; a "
                                    "checkpoint needs its .index and all .data files.") from None
        return self._shard_sizes[shard]

    def _check_entry(self, key: str, entry: BundleEntry) -> None:
        def bad(message: str) -> DataLossError:
            return DataLossError(None, None, f"Checkpoint {self._prefix}: entry {key!r} "
                                 f"{message}.")
        if entry.num_slices:
            raise UnimplementedError(None, None, f"Checkpoint {self._prefix}: entry {key!r} is "
                                     "a partitioned (sliced) tensor, which eagerflow cannot read;"
                                     " save it unpartitioned.")
        dtype = _STORABLE.get(entry.dtype)
        if dtype is None:
            raise bad(f"has DataType {entry.dtype}, which is not a plain tensor type "
                      "(resource, variant and quantized types are refused)")
        if entry.shape is None or len(entry.shape) > MAX_RANK:
            raise bad("has an unknown or too large rank")
        if any(d < 0 for d in entry.shape):
            raise bad(f"has a negative dimension in shape {list(entry.shape)}")
        if not 0 <= entry.shard_id < self.header.num_shards:
            raise bad(f"names shard {entry.shard_id} of {self.header.num_shards}")
        if entry.offset < 0 or entry.size < 0:
            raise bad(f"has a negative offset ({entry.offset}) or size ({entry.size})")
        numel = 1
        for dim in entry.shape:
            numel *= dim
        if dtype is _dtypes.string:
            # Each element needs at least a one-byte length varint, plus the 4-byte checksum.
            if numel and entry.size < numel + 4:
                raise bad(f"declares {numel} strings in {entry.size} bytes")
        elif numel * dtype.size != entry.size:
            raise bad(f"has size {entry.size} but shape {list(entry.shape)} of {dtype.name} "
                      f"needs {numel * dtype.size} bytes")
        if entry.offset + entry.size > self._shard_size(entry.shard_id):
            raise bad(f"reads bytes [{entry.offset}, {entry.offset + entry.size}) past the end "
                      f"of its data file ({self._shard_size(entry.shard_id)} bytes)")

    # -- queries ------------------------------------------------------------------------
    def keys(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def dtype(self, key: str) -> _dtypes.DType:
        return _STORABLE[self._entry(key).dtype]

    def shape(self, key: str) -> tuple[int, ...]:
        return tuple(self._entry(key).shape)

    def _entry(self, key: str) -> BundleEntry:
        try:
            return self._entries[key]
        except KeyError:
            raise NotFoundError(None, None, f"Key {key} not found in checkpoint "
                                f"{self._prefix}.") from None

    def read(self, key: str) -> np.ndarray:
        """The tensor under `key` as a NumPy array (strings: an object array of bytes)."""
        entry = self._entry(key)
        dtype = _STORABLE[entry.dtype]
        path = data_path(self._prefix, entry.shard_id, self.header.num_shards)
        with open(path, "rb") as file:
            file.seek(entry.offset)
            payload = file.read(entry.size)
        if len(payload) != entry.size:
            raise DataLossError(None, None, f"Checkpoint {path} is truncated: entry {key!r} "
                                "is cut short.")
        if dtype is _dtypes.string:
            return self._read_strings(key, entry, payload)
        if masked_crc32c(payload) != entry.crc32c:
            raise DataLossError(None, None, f"Checksum does not match for entry {key!r} of "
                                f"checkpoint {self._prefix}: stored {entry.crc32c:#010x}, "
                                f"computed {masked_crc32c(payload):#010x}. The data is corrupt.")
        order = "<" if self.header.endianness == LITTLE else ">"
        numpy_dtype = np.dtype(dtype.as_numpy_dtype)
        if dtype is _dtypes.bool:
            array = np.frombuffer(payload, np.uint8) != 0
        else:
            array = np.frombuffer(payload, numpy_dtype.newbyteorder(order)).astype(numpy_dtype)
        return array.reshape(entry.shape)

    def _read_strings(self, key: str, entry: BundleEntry, payload: bytes) -> np.ndarray:
        def bad(message: str) -> DataLossError:
            return DataLossError(None, None, f"Checkpoint {self._prefix}: string entry {key!r} "
                                 f"{message}; the data is corrupt.")
        numel = int(np.prod(entry.shape, dtype=object)) if entry.shape else 1
        lengths, position, crc = [], 0, 0
        try:
            for _ in range(numel):
                length, position = read_varint(payload, position)
                lengths.append(length)
                width = "<I" if length <= 0xFFFFFFFF else "<Q"
                crc = google_crc32c.extend(crc, struct.pack(width, length))
        except DecodeError as exc:
            raise bad(f"has a malformed length ({exc})") from None
        if position + 4 > len(payload):
            raise bad("ends before its length checksum")
        stored = struct.unpack_from("<I", payload, position)[0]
        if unmask_crc32c(stored) != crc:
            raise bad("has a length checksum mismatch")
        crc = google_crc32c.extend(crc, payload[position:position + 4])
        position += 4
        if sum(lengths) != len(payload) - position:
            raise bad(f"declares {sum(lengths)} string bytes but holds "
                      f"{len(payload) - position}")
        crc = google_crc32c.extend(crc, payload[position:])
        if _mask(crc) != entry.crc32c:
            raise bad("has a checksum mismatch")
        items = np.empty(numel, dtype=object)
        for i, length in enumerate(lengths):
            items[i] = payload[position:position + length]
            position += length
        return items.reshape(entry.shape)
