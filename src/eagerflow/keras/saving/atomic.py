"""Atomic file writes: build the file under a temporary name beside the target, then rename.

A crash or an exception mid-save therefore never leaves a half-written model where a good one
was; the temporary file is removed on failure.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

__all__ = ["atomic_path", "check_overwrite"]


@contextlib.contextmanager
def atomic_path(filepath: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path to write; on success it replaces `filepath` in one rename."""
    target = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot save to {target!r}: the directory {directory!r} does "
                                "not exist.")
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                         dir=directory)
    os.close(handle)
    try:
        yield temporary
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def check_overwrite(filepath: str | os.PathLike, overwrite: bool) -> None:
    """Refuse to replace an existing file when `overwrite=False` (Keras would prompt)."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{os.fspath(filepath)!r} already exists and overwrite=False. "
                              "Pass overwrite=True to replace it.")
