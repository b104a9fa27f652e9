"""Atomic file writes, the one implementation every writer of eagerflow uses.

A file is built under a temporary name in the target's directory, flushed, fsynced and renamed
over the target, so a reader (or a crash) sees the old file or the complete new one, never half
of one. The file gets the permissions any `open(path, "w")` gives (0o666 minus the umask), not
`tempfile.mkstemp`'s private 0o600.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable, Iterator
from typing import IO

__all__ = ["AtomicFile", "atomic_path", "atomic_write", "write_bytes_atomically"]

_NORMAL_PERMISSIONS = 0o666  # the umask is applied by the OS, as for open(path, "w")


def _temporary_name(target: str) -> str:
    # TF's own writers use "<target>.tempstate<random>"; the random part keeps two writers of
    # the same target from sharing a temporary file.
    return f"{target}.tempstate{secrets.token_hex(8)}"


def _check_directory(target: str) -> None:
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot write {target!r}: the directory {directory!r} does not "
                                "exist. Create it first (e.g. os.makedirs).")


def _create_temporary(target: str) -> str:
    """Create (exclusively) an empty temporary file beside `target`; return its path."""
    _check_directory(target)
    while True:
        temporary = _temporary_name(target)
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                                 _NORMAL_PERMISSIONS)
        except FileExistsError:  # pragma: no cover - 64 random bits collided
            continue
        os.close(descriptor)
        return temporary


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _commit(temporary: str, target: str) -> None:
    os.replace(temporary, target)
    _fsync_directory(os.path.dirname(os.path.abspath(target)))


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


class AtomicFile:
    """A binary file written under a temporary name and moved into place by `commit()`.

    Use it where the write is spread over a long-lived object (a checkpoint's data file);
    otherwise prefer the `atomic_write` context manager.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self.temp = _create_temporary(self.path)
        self._file = open(self.temp, "wb")  # noqa: SIM115 - closed by commit/abort

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self) -> None:
        """Flush, fsync, close and rename over the target."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            _commit(self.temp, self.path)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Close and delete the temporary file (the target is untouched)."""
        self._file.close()
        _remove_quietly(self.temp)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb",
                 encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file for writing; on a clean exit it replaces `path` in one rename.

    On an exception the temporary file is removed and `path` keeps its old content.

    Example:
        with atomic_write("checkpoint", "w", encoding="utf-8") as stream:
            stream.write(text)
    """
    if mode not in ("w", "wb", "wt", "x", "xb", "xt"):
        raise ValueError(f"atomic_write writes a whole new file: mode must be 'w', 'wb' or "
                         f"'wt'. Received: mode={mode!r}")
    target = os.fspath(path)
    if mode.startswith("x") and os.path.exists(target):
        raise FileExistsError(f"{target!r} already exists (mode {mode!r}).")
    temporary = _create_temporary(target)
    binary = "b" in mode
    if not binary and encoding is None:
        encoding = "utf-8"
    try:
        with open(temporary, "wb" if binary else "w", encoding=encoding) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        _commit(temporary, target)
    except BaseException:
        _remove_quietly(temporary)
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path for a writer that opens files itself (h5py, zipfile, Pillow);
    on a clean exit the file there is fsynced and renamed over `path`."""
    target = os.fspath(path)
    temporary = _create_temporary(target)
    try:
        yield temporary
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        _commit(temporary, target)
    except BaseException:
        _remove_quietly(temporary)
        raise


def write_bytes_atomically(path: str | os.PathLike, chunks: Iterable[bytes] | bytes) -> None:
    """Write `chunks` (bytes, or an iterable of bytes) to `path` atomically."""
    if isinstance(chunks, (bytes, bytearray, memoryview)):
        chunks = [bytes(chunks)]
    with atomic_write(path, "wb") as stream:
        for chunk in chunks:
            stream.write(chunk)
