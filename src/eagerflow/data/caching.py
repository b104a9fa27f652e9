"""`cache()`: in memory, or in a file written atomically in a pickle-free format."""

from __future__ import annotations

import os
import struct
import threading
import warnings

import numpy as np

from eagerflow.core import errors
from eagerflow.core.files import AtomicFile
from eagerflow.data import structure
from eagerflow.data.dataset import (
    PROBING,
)
from eagerflow.data.threads import (
    close_iterator,
)
from eagerflow.data.unary import Unary

__all__ = ["CacheDataset"]


# -- caching and prefetching -------------------------------------------------------------
_PARTIAL_CACHE_WARNING = (
    "The calling iterator did not fully read the dataset being cached. In order to avoid "
    "unexpected truncation of the dataset, the partially cached contents of the dataset will "
    "be discarded. This can happen if you have an input pipeline similar to "
    "`dataset.cache().take(k).repeat()`. You should use `dataset.take(k).cache().repeat()` "
    "instead.")


class CacheDataset(Unary):
    """`cache()`: elements kept in memory, or in a file (`filename` + '.efcache')."""

    def __init__(self, input_dataset, filename) -> None:
        super().__init__(input_dataset)
        if hasattr(filename, "numpy"):
            filename = filename.numpy()
        if isinstance(filename, bytes):
            filename = filename.decode("utf-8")
        self._filename = os.fspath(filename) if filename else ""
        self._memory = None
        self._lock = threading.Lock()

    @property
    def _path(self) -> str:
        return self._filename + ".efcache"

    def _make_iter(self):
        if getattr(PROBING, "active", False) and self._memory is None:
            return self._input._make_iter()  # a probe reads one element: not a cache fill
        if not self._filename:
            if self._memory is not None:
                return iter(self._memory)
            return self._fill(None)
        if os.path.exists(self._path):
            return _read_cache(self._path, self.element_spec)
        return self._fill(self._path)

    def _fill(self, path):
        def filling():
            items: list = []
            writer = _CacheWriter(path) if path else None
            complete = False
            source = self._input._make_iter()
            try:
                for element in source:
                    if writer is not None:
                        writer.write(element)
                    else:
                        items.append(element)
                    yield element
                complete = True
            finally:
                close_iterator(source)
                if writer is not None:
                    writer.finish(complete)
                if complete:
                    with self._lock:
                        if self._memory is None and path is None:
                            self._memory = items
                else:
                    warnings.warn(_PARTIAL_CACHE_WARNING, stacklevel=2)
        return filling()


_CACHE_MAGIC = b"EFCACHE1"
_END_OF_CACHE = 0xFFFFFFFF


class _CacheWriter:
    """Writes elements to a temporary file, renamed into place only when complete.

    Format (no pickle): magic, then per element a uint32 leaf count and per leaf
    its kind (0 numeric, 1 string), NumPy dtype string, rank, dims and data
    (strings: uint64 length + bytes each); a final uint32 0xFFFFFFFF.
    """

    def __init__(self, path: str) -> None:
        self._file = AtomicFile(path)
        self._file.write(_CACHE_MAGIC)

    def write(self, element) -> None:
        leaves = structure.flatten(element)
        out = [struct.pack("<I", len(leaves))]
        for leaf in leaves:
            array = np.asarray(leaf)
            is_string = array.dtype == object
            dtype = b"O" if is_string else array.dtype.str.encode("ascii")
            out.append(struct.pack("<BB", int(is_string), len(dtype)) + dtype)
            out.append(struct.pack(f"<B{array.ndim}Q", array.ndim, *array.shape))
            if is_string:
                for item in array.reshape(-1):
                    out.append(struct.pack("<Q", len(item)) + bytes(item))
            else:
                out.append(np.ascontiguousarray(array).tobytes())
        self._file.write(b"".join(out))

    def finish(self, complete: bool) -> None:
        if complete:
            self._file.write(struct.pack("<I", _END_OF_CACHE))
            self._file.commit()
        else:
            self._file.abort()


def _read_exact(handle, count: int) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise errors.DataLossError(None, None, "Truncated cache file.")
    return data


def _read_cache(path: str, spec):
    def read():
        with open(path, "rb") as handle:
            if handle.read(len(_CACHE_MAGIC)) != _CACHE_MAGIC:
                raise errors.DataLossError(None, None, f"{path} is not an eagerflow cache file.")
            while True:
                (count,) = struct.unpack("<I", _read_exact(handle, 4))
                if count == _END_OF_CACHE:
                    return
                leaves = [_read_leaf(handle) for _ in range(count)]
                yield leaves[0] if not isinstance(spec, (tuple, dict)) else \
                    structure.pack(spec, leaves)
    return read()


def _read_leaf(handle):
    is_string, length = struct.unpack("<BB", _read_exact(handle, 2))
    dtype_text = _read_exact(handle, length).decode("ascii")
    (ndim,) = struct.unpack("<B", _read_exact(handle, 1))
    shape = struct.unpack(f"<{ndim}Q", _read_exact(handle, 8 * ndim))
    size = int(np.prod(shape, dtype=np.int64))
    if is_string:
        array = np.empty(size, dtype=object)
        for index in range(size):
            (n,) = struct.unpack("<Q", _read_exact(handle, 8))
            array[index] = _read_exact(handle, n)
        return array.reshape(shape)
    dtype = np.dtype(dtype_text)
    if dtype.hasobject:
        raise errors.DataLossError(None, None, "Invalid dtype in cache file.")
    array = np.frombuffer(_read_exact(handle, size * dtype.itemsize), dtype=dtype).reshape(shape)
    return array[()] if ndim == 0 else array
