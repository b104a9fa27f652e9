"""Atomic file writes: build the file under a temporary name beside the target, then rename.

A crash or an exception mid-save therefore never leaves a half-written model where a good one
was; the temporary file is removed on failure.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager

from eagerflow.core import files

__all__ = ["atomic_path", "check_overwrite"]


def atomic_path(filepath: str | os.PathLike) -> AbstractContextManager[str]:
    """Yield a temporary path to write; on success it replaces `filepath` in one rename (the
    shared helper of eagerflow.core.files: normal file permissions, fsync, cleanup on error)."""
    return files.atomic_path(filepath)


def check_overwrite(filepath: str | os.PathLike, overwrite: bool) -> None:
    """Refuse to replace an existing file when `overwrite=False` (Keras would prompt)."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{os.fspath(filepath)!r} already exists and overwrite=False. "
                              "Pass overwrite=True to replace it.")
