"""TF's copy of the LevelDB SSTable: the key-value table inside a checkpoint's `.index` file.

Layout: `[data block]* [metaindex block] [index block] [footer]`; each block is
prefix-compressed entries, a restart array and a 5-byte trailer (compression
type + masked CRC32C). The reader validates every offset, length, CRC and the
key order before trusting anything, and raises `tf.errors.DataLossError`.
"""

from __future__ import annotations

import struct

from eagerflow.core.errors import DataLossError
from eagerflow.data.tfrecord import masked_crc32c
from eagerflow.train.protos import DecodeError, encode_varint, read_varint

__all__ = ["TableBuilder", "read_table", "MAGIC", "BLOCK_SIZE"]

MAGIC = 0xDB4775248B80FB57
BLOCK_SIZE = 262144
FOOTER_SIZE = 48
_TRAILER = 5
_NO_COMPRESSION = 0


def _corrupt(where: str, message: str) -> DataLossError:
    return DataLossError(None, None, f"Unable to read checkpoint index {where}: {message}. "
                         "The file is truncated or corrupted; write the checkpoint again.")


# -- writing --------------------------------------------------------------------------------
class _BlockBuilder:
    """Prefix-compressed entries with a restart point every `restart_interval` keys."""

    def __init__(self, restart_interval: int) -> None:
        self.restart_interval = restart_interval
        self.buffer = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""
        self.count = 0

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.counter < self.restart_interval:
            limit = min(len(key), len(self.last_key))
            while shared < limit and key[shared] == self.last_key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buffer))
            self.counter = 0
        self.buffer += encode_varint(shared) + encode_varint(len(key) - shared)
        self.buffer += encode_varint(len(value)) + key[shared:] + value
        self.last_key = key
        self.counter += 1
        self.count += 1

    def size_estimate(self) -> int:
        return len(self.buffer) + 4 * len(self.restarts) + 4

    def finish(self) -> bytes:
        restarts = struct.pack(f"<{len(self.restarts)}I", *self.restarts)
        return bytes(self.buffer) + restarts + struct.pack("<I", len(self.restarts))


def _shortest_separator(start: bytes, limit: bytes) -> bytes:
    """A short key k with start <= k < limit (LevelDB's FindShortestSeparator)."""
    common = 0
    while common < min(len(start), len(limit)) and start[common] == limit[common]:
        common += 1
    if common < min(len(start), len(limit)):
        byte = start[common]
        if byte < 0xFF and byte + 1 < limit[common]:
            return start[:common] + bytes([byte + 1])
    return start


def _short_successor(key: bytes) -> bytes:
    """A short key >= `key` (LevelDB's FindShortSuccessor)."""
    for i, byte in enumerate(key):
        if byte != 0xFF:
            return key[:i] + bytes([byte + 1])
    return key


class TableBuilder:
    """Builds an SSTable in memory from keys added in strictly increasing byte order."""

    def __init__(self, block_size: int = BLOCK_SIZE) -> None:
        self._block_size = block_size
        self._out = bytearray()
        self._data = _BlockBuilder(16)
        self._index = _BlockBuilder(1)
        self._pending_handle: bytes | None = None
        self._last_key: bytes | None = None

    def add(self, key: bytes, value: bytes) -> None:
        if self._last_key is not None and key <= self._last_key:
            raise ValueError(f"Checkpoint index keys must be added in strictly increasing order;"
                             f" got {key!r} after {self._last_key!r}.")
        if self._pending_handle is not None:
            self._index.add(_shortest_separator(self._last_key, key), self._pending_handle)
            self._pending_handle = None
        self._data.add(key, value)
        self._last_key = key
        if self._data.size_estimate() >= self._block_size:
            self._flush()

    def _write_block(self, contents: bytes) -> bytes:
        handle = encode_varint(len(self._out)) + encode_varint(len(contents))
        trailer_type = bytes([_NO_COMPRESSION])
        self._out += contents + trailer_type
        self._out += struct.pack("<I", masked_crc32c(contents + trailer_type))
        return handle

    def _flush(self) -> None:
        if self._data.count == 0:
            return
        self._pending_handle = self._write_block(self._data.finish())
        self._data = _BlockBuilder(16)

    def finish(self) -> bytes:
        """The complete table: data blocks, empty metaindex, index block, footer."""
        self._flush()
        if self._pending_handle is not None:
            self._index.add(_short_successor(self._last_key), self._pending_handle)
        metaindex = self._write_block(_BlockBuilder(16).finish())
        index = self._write_block(self._index.finish())
        footer = (metaindex + index).ljust(40, b"\0") + struct.pack("<Q", MAGIC)
        return bytes(self._out + footer)


# -- reading --------------------------------------------------------------------------------
def _read_handle(data, position: int, where: str) -> tuple[int, int, int]:
    try:
        offset, position = read_varint(data, position)
        size, position = read_varint(data, position)
    except DecodeError as exc:
        raise _corrupt(where, f"bad block handle ({exc})") from None
    return offset, size, position


def _block_contents(data: bytes, offset: int, size: int, limit: int, where: str) -> bytes:
    if offset + size + _TRAILER > limit:
        raise _corrupt(where, f"block at offset {offset} of size {size} extends past the "
                       f"{limit} bytes available")
    contents = data[offset:offset + size]
    trailer = data[offset + size:offset + size + _TRAILER]
    if trailer[0] != _NO_COMPRESSION:
        raise _corrupt(where, f"block compression type {trailer[0]} is not supported "
                       "(TF writes uncompressed checkpoint indexes)")
    stored = struct.unpack("<I", trailer[1:])[0]
    if masked_crc32c(contents + trailer[:1]) != stored:
        raise _corrupt(where, f"block checksum mismatch at offset {offset}")
    return contents


def _block_entries(block: bytes, where: str) -> list[tuple[bytes, bytes]]:
    """The (key, value) pairs of one block, checking every length and the restart array."""
    if len(block) < 4:
        raise _corrupt(where, f"block of {len(block)} bytes is too short")
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    if num_restarts == 0 or 4 * num_restarts + 4 > len(block):
        raise _corrupt(where, f"restart count {num_restarts} does not fit a block of "
                       f"{len(block)} bytes")
    data_end = len(block) - 4 - 4 * num_restarts
    restarts = struct.unpack_from(f"<{num_restarts}I", block, data_end)
    if any(b <= a for a, b in zip(restarts, restarts[1:])) or \
            restarts[-1] >= max(data_end, 1):
        raise _corrupt(where, "restart offsets are not increasing within the block")
    entries, starts, position, key = [], set(), 0, b""
    try:
        while position < data_end:
            starts.add(position)
            shared, position = read_varint(block, position)
            non_shared, position = read_varint(block, position)
            value_len, position = read_varint(block, position)
            if shared > len(key):
                raise _corrupt(where, f"entry shares {shared} bytes with a previous key of "
                               f"{len(key)} bytes")
            if position + non_shared + value_len > data_end:
                raise _corrupt(where, "entry extends past the end of its block")
            new_key = key[:shared] + block[position:position + non_shared]
            position += non_shared
            entries.append((new_key, block[position:position + value_len]))
            position += value_len
            key = new_key
    except DecodeError as exc:
        raise _corrupt(where, str(exc)) from None
    if data_end and any(r not in starts for r in restarts):
        raise _corrupt(where, "a restart offset does not point at an entry")
    for restart in restarts:
        if data_end and block[restart] != 0:  # varint `shared` must be 0 at a restart point
            raise _corrupt(where, "an entry at a restart point shares a key prefix")
    return entries


def read_table(data: bytes, where: str = "") -> list[tuple[bytes, bytes]]:
    """All (key, value) pairs of an SSTable, validated, in key order."""
    where = where or "<bytes>"
    if len(data) < FOOTER_SIZE:
        raise _corrupt(where, f"file of {len(data)} bytes is shorter than the {FOOTER_SIZE}-byte"
                       " footer")
    footer_start = len(data) - FOOTER_SIZE
    if struct.unpack_from("<Q", data, len(data) - 8)[0] != MAGIC:
        raise _corrupt(where, "bad magic number (not a TF checkpoint index)")
    footer = data[footer_start:footer_start + 40]
    meta_offset, meta_size, position = _read_handle(footer, 0, where)
    index_offset, index_size, _ = _read_handle(footer, position, where)
    index_block = _block_contents(data, index_offset, index_size, footer_start, where)
    _block_contents(data, meta_offset, meta_size, footer_start, where)
    spans = [(index_offset, index_offset + index_size + _TRAILER),
             (meta_offset, meta_offset + meta_size + _TRAILER)]
    entries: list[tuple[bytes, bytes]] = []
    for separator, handle in _block_entries(index_block, where):
        offset, size, end = _read_handle(handle, 0, where)
        if end != len(handle):
            raise _corrupt(where, "index entry holds more than a block handle")
        spans.append((offset, offset + size + _TRAILER))
        block = _block_contents(data, offset, size, footer_start, where)
        block_entries = _block_entries(block, where)
        if block_entries and block_entries[-1][0] > separator:
            raise _corrupt(where, "a data block holds keys past its index separator")
        entries.extend(block_entries)
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start < end:
            raise _corrupt(where, "blocks overlap")
    for (previous, _), (key, _) in zip(entries, entries[1:]):
        if key <= previous:
            raise _corrupt(where, f"keys are not strictly increasing ({previous!r} then "
                           f"{key!r})")
    return entries
