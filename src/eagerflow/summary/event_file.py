"""Event files: the writer (TFRecord-framed Event records, buffered) and a hardened reader.

File name: `events.out.tfevents.<%010d seconds>.<host>.<pid>.<counter><suffix>` with
suffix `.v2` by default, as TF 2 writes it, so TensorBoard picks the files up.
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import threading
import time

from eagerflow.core import errors
from eagerflow.data.tfrecord import encode_record, masked_crc32c
from eagerflow.summary.proto import decode_event, encode_event

__all__ = ["EventFileWriter", "read_events", "summary_iterator", "event_files"]

_FILE_COUNTER = itertools.count()
_COUNTER_LOCK = threading.Lock()
# A record longer than this is treated as corruption, not allocated (reader hardening).
MAX_RECORD_BYTES = 1 << 30


class EventFileWriter:
    """Appends Event records to a new event file in `logdir`, flushing every
    `max_queue` events or `flush_millis` milliseconds, and on flush/close."""

    def __init__(self, logdir: str, max_queue: int = 10, flush_millis: int = 120000,
                 filename_suffix: str = ".v2") -> None:
        self.logdir = os.fspath(logdir)
        try:
            os.makedirs(self.logdir, exist_ok=True)
        except OSError as exc:
            raise errors.PermissionDeniedError(
                None, None, f"Cannot create the summary log directory {self.logdir!r}: "
                            f"{exc}") from None
        with _COUNTER_LOCK:
            counter = next(_FILE_COUNTER)
        now = time.time()
        name = (f"events.out.tfevents.{int(now):010d}.{socket.gethostname()}.{os.getpid()}"
                f".{counter}{filename_suffix}")
        self.path = os.path.join(self.logdir, name)
        self._max_queue = max(1, int(max_queue))
        self._flush_seconds = max(0.0, flush_millis / 1000.0)
        self._lock = threading.Lock()
        self._pending: list = []
        self._last_flush = now
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self.add_record(encode_event(float(int(now)), file_version="brain.Event:2",
                                     source_writer="eagerflow.summary"))
        self.flush()

    @property
    def closed(self) -> bool:
        return self._file is None

    def add_record(self, event_bytes: bytes) -> None:
        """Queue one serialized Event; writes out when the queue is full or old."""
        with self._lock:
            if self._file is None:
                raise errors.FailedPreconditionError(
                    None, None, f"The event file writer for {self.logdir!r} is closed.")
            self._pending.append(encode_record(event_bytes))
            due = (len(self._pending) >= self._max_queue
                   or time.time() - self._last_flush >= self._flush_seconds)
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the queued records and flush the file to the OS."""
        with self._lock:
            if self._file is None:
                return
            if self._pending:
                self._file.write(b"".join(self._pending))
                self._pending.clear()
            self._file.flush()
            self._last_flush = time.time()

    def close(self) -> None:
        """Flush and close the file; later writes raise FailedPreconditionError."""
        self.flush()
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass


def read_events(path: str):
    """Yield the `Event`s of an event file (or of every event file under a directory, by name).

    Both CRCs are checked (DataLossError naming the file and offset when wrong);
    a truncated last record, as in a file still being written, ends the stream.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        for file_path in event_files(path):
            yield from read_events(file_path)
        return
    with open(path, "rb") as handle:
        data = handle.read()
    offset, end = 0, len(data)
    while offset + 12 <= end:
        header = data[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[offset + 8:offset + 12])
        if masked_crc32c(header) != length_crc:
            raise errors.DataLossError(None, None, f"corrupted record at {offset} in {path}: "
                                                   f"the length's CRC does not match")
        if length > MAX_RECORD_BYTES:
            raise errors.DataLossError(None, None, f"record at {offset} in {path} claims "
                                                   f"{length} bytes; more than the limit")
        if offset + 16 + length > end:
            return  # truncated last record: the writer has not finished it yet
        body = data[offset + 12:offset + 12 + length]
        (data_crc,) = struct.unpack("<I", data[offset + 12 + length:offset + 16 + length])
        if masked_crc32c(body) != data_crc:
            raise errors.DataLossError(None, None, f"corrupted record at {offset} in {path}: "
                                                   f"the data's CRC does not match")
        try:
            yield decode_event(body)
        except Exception as exc:  # noqa: BLE001 - any malformed proto is data loss
            raise errors.DataLossError(None, None, f"malformed Event at {offset} in {path}: "
                                                   f"{exc}") from None
        offset += 16 + length


def summary_iterator(path: str):
    """`tf.compat.v1.train.summary_iterator`: the Events of one event file, in order."""
    return read_events(path)


def event_files(logdir: str) -> list:
    """The event files directly in `logdir`, in TensorBoard's (name) order."""
    return sorted(os.path.join(logdir, name) for name in os.listdir(logdir)
                  if "tfevents" in name)

