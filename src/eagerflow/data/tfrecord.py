"""The TFRecord file format: writer, reader, masked CRC32C, GZIP/ZLIB compression.

A record is `uint64 length | uint32 masked_crc32c(length) | data | uint32
masked_crc32c(data)`, little-endian. Compressed files are one GZIP or ZLIB
stream over the records. Files written here open in TensorFlow and back.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib

import google_crc32c

from eagerflow.core import errors

__all__ = ["TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType", "masked_crc32c",
           "unmask_crc32c", "crc32c", "read_records", "open_read", "compression_name",
           "encode_record"]

_MASK_DELTA = 0xA282EAD8
_U32 = 0xFFFFFFFF


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of `data`."""
    return google_crc32c.value(bytes(data))


def masked_crc32c(data: bytes) -> int:
    """TF's masked CRC: rotate right by 15 bits and add a constant (mod 2^32)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & _U32


def unmask_crc32c(masked: int) -> int:
    rotated = (masked - _MASK_DELTA) & _U32
    return ((rotated >> 17) | (rotated << 15)) & _U32


def encode_record(data: bytes) -> bytes:
    """The bytes of one record, framing and CRCs included."""
    length = struct.pack("<Q", len(data))
    return b"".join((length, struct.pack("<I", masked_crc32c(length)), data,
                     struct.pack("<I", masked_crc32c(data))))


class TFRecordCompressionType:
    """The compression of a TFRecord file (`tf.io.TFRecordCompressionType`)."""

    NONE = 0
    ZLIB = 1
    GZIP = 2


_NAMES = {None: "", "": "", "NONE": "", "GZIP": "GZIP", "ZLIB": "ZLIB",
          TFRecordCompressionType.NONE: "", TFRecordCompressionType.ZLIB: "ZLIB",
          TFRecordCompressionType.GZIP: "GZIP"}


def compression_name(compression) -> str:
    """'' , 'GZIP' or 'ZLIB' from TF's spellings (strings, enum values, options)."""
    if isinstance(compression, TFRecordOptions):
        return compression.compression_type
    if hasattr(compression, "numpy"):
        compression = compression.numpy()
    if isinstance(compression, bytes):
        compression = compression.decode("utf-8")
    if isinstance(compression, str):
        compression = compression.upper()
    try:
        return _NAMES[compression]
    except (KeyError, TypeError):
        raise errors.InvalidArgumentError(None, None, f"Unsupported compression type: "
                                          f"{compression!r}; use '', 'GZIP' or 'ZLIB'.") \
            from None


class TFRecordOptions:
    """Options of a TFRecord writer (`tf.io.TFRecordOptions`)."""

    compression_type_map = {TFRecordCompressionType.ZLIB: "ZLIB",
                            TFRecordCompressionType.GZIP: "GZIP",
                            TFRecordCompressionType.NONE: ""}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None) -> None:
        self.compression_type = compression_name(compression_type)
        self.compression_level = compression_level
        self.window_bits = window_bits

    @classmethod
    def get_compression_type_string(cls, options) -> str:
        if options is None:
            return ""
        return compression_name(options)


def _not_found(path: str, exc: OSError) -> errors.OpError:
    if isinstance(exc, FileNotFoundError):
        return errors.NotFoundError(None, None, f"{path}; No such file or directory")
    if isinstance(exc, PermissionError):
        return errors.PermissionDeniedError(None, None, f"{path}; Permission denied")
    return errors.UnknownError(None, None, f"{path}; {exc}")


class _ZlibReader(io.RawIOBase):
    """A readable stream decompressing a ZLIB file."""

    def __init__(self, raw) -> None:
        self._raw = raw
        self._decompressor = zlib.decompressobj()
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = self._raw.read(1 << 16)
            if not chunk:
                self._pending = self._decompressor.flush()
                if not self._pending:
                    return 0
                break
            self._pending = self._decompressor.decompress(chunk)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_read(path: str, compression: str = ""):
    """A binary file object reading `path` decompressed."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - returned to the caller
    except OSError as exc:
        raise _not_found(path, exc) from None
    if compression == "GZIP":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "ZLIB":
        return io.BufferedReader(_ZlibReader(raw))
    return raw


def _read_exactly(handle, count: int, path: str, offset: int, what: str) -> bytes | None:
    try:
        data = handle.read(count)
    except (OSError, EOFError, zlib.error) as exc:
        raise errors.DataLossError(None, None, f"corrupted record at {offset} in {path}: "
                                   f"{exc}") from None
    if len(data) != count:
        if not data and what == "header":
            return None
        raise errors.DataLossError(None, None, f"truncated record at {offset} in {path}")
    return data


def read_records(path: str, compression: str = ""):
    """Yield the records of a TFRecord file; DataLossError on a bad CRC or truncation."""
    handle = open_read(path, compression)
    offset = 0
    try:
        while True:
            header = _read_exactly(handle, 12, path, offset, "header")
            if header is None:
                return
            length_bytes = header[:8]
            (length,) = struct.unpack("<Q", length_bytes)
            (length_crc,) = struct.unpack("<I", header[8:])
            if masked_crc32c(length_bytes) != length_crc:
                raise errors.DataLossError(None, None, f"corrupted record at {offset} in "
                                           f"{path}: the length's CRC does not match")
            body = _read_exactly(handle, length + 4, path, offset, "data")
            data = body[:length]
            (data_crc,) = struct.unpack("<I", body[length:])
            if masked_crc32c(data) != data_crc:
                raise errors.DataLossError(None, None, f"corrupted record at {offset} in "
                                           f"{path}: the data's CRC does not match")
            offset += 16 + length
            yield data
    finally:
        handle.close()


class TFRecordWriter:
    """Write records to a TFRecord file (`tf.io.TFRecordWriter`).

    >>> with TFRecordWriter("/tmp/x.tfrecord") as writer:
    ...     writer.write(b"record")
    """

    def __init__(self, path, options=None) -> None:
        self._path = os.fspath(path.numpy().decode() if hasattr(path, "numpy") else path)
        compression = compression_name(options)
        level = getattr(options, "compression_level", None)
        level = 6 if level is None or level < 0 else level
        try:
            self._raw = open(self._path, "wb")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise _not_found(self._path, exc) from None
        if compression == "GZIP":
            self._file = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=level,
                                       mtime=0)
        else:
            self._file = self._raw
        self._zlib = zlib.compressobj(level) if compression == "ZLIB" else None
        self._closed = False

    def write(self, record) -> None:
        """Append one record (bytes, str, or a scalar string tensor)."""
        if self._closed:
            raise errors.FailedPreconditionError(None, None, "Writer is closed.")
        if hasattr(record, "numpy"):
            record = record.numpy()
        if isinstance(record, str):
            record = record.encode("utf-8")
        data = encode_record(bytes(record))
        if self._zlib is not None:
            data = self._zlib.compress(data)
        self._file.write(data)

    def flush(self) -> None:
        if self._zlib is not None:
            self._file.write(self._zlib.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()
        if self._file is not self._raw:
            self._raw.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._zlib is not None:
            self._file.write(self._zlib.flush())
        self._file.close()
        if self._file is not self._raw:
            self._raw.close()

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass
