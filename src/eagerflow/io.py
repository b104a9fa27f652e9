"""`tf.io`: TFRecord writing, Example parsing, whole-file reads and writes, `gfile`."""

from __future__ import annotations

import glob as _glob
import os
import shutil

import numpy as np

from eagerflow.core import errors
from eagerflow.core.files import write_bytes_atomically
from eagerflow.core.tensor import wrap
from eagerflow.data.parsing import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    parse_example,
    parse_single_example,
)
from eagerflow.data.tfrecord import TFRecordCompressionType, TFRecordOptions, TFRecordWriter
from eagerflow.ops import image as _image

# The image codecs (tf.io.decode_png, ...) live with the image ops.
globals().update({name: getattr(_image, name) for name in _image.NAMESPACES["io"]})

__all__ = ["TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType", "FixedLenFeature",
           "VarLenFeature", "FixedLenSequenceFeature", "parse_single_example", "parse_example",
           "read_file", "write_file", "decode_raw", "matching_files", "gfile",
           *sorted(_image.NAMESPACES["io"])]


def _path(filename) -> str:
    value = filename.numpy() if hasattr(filename, "numpy") else filename
    if isinstance(value, np.ndarray):
        value = value[()]
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return os.fspath(value)


def _string(value: bytes):
    array = np.empty((), dtype=object)
    array[()] = value
    return wrap(array)


def read_file(filename, name=None):
    """The whole contents of a file as a scalar string tensor."""
    path = _path(filename)
    try:
        with open(path, "rb") as handle:
            return _string(handle.read())
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None


def write_file(filename, contents, name=None) -> None:
    """Write a scalar string tensor (or bytes) to a file, atomically (temp file + rename)."""
    path = _path(filename)
    data = contents.numpy() if hasattr(contents, "numpy") else contents
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    write_bytes_atomically(path, bytes(data))


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None):
    """Reinterpret the bytes of string tensors as numbers of `out_type`."""
    from eagerflow.core.dtypes import as_dtype

    dtype = as_dtype(out_type)._numpy.newbyteorder("<" if little_endian else ">")
    value = input_bytes.numpy() if hasattr(input_bytes, "numpy") else input_bytes
    if isinstance(value, bytes):
        return wrap(np.frombuffer(value, dtype=dtype).astype(dtype.newbyteorder("=")))
    items = np.asarray(value, dtype=object)
    rows = [np.frombuffer(v, dtype=dtype).astype(dtype.newbyteorder("="))
            for v in items.reshape(-1)]
    sizes = {len(r) for r in rows}
    if len(sizes) > 1:
        raise errors.InvalidArgumentError(None, None, "DecodeRaw requires input strings to all "
                                          "be the same size.")
    return wrap(np.stack(rows).reshape(items.shape + (rows[0].size if rows else 0,)))


def matching_files(pattern, name=None):
    """The sorted file names matching a glob pattern, as a 1-D string tensor."""
    paths = sorted(_glob.glob(_path(pattern)))
    array = np.empty(len(paths), dtype=object)
    array[:] = [p.encode("utf-8") for p in paths]
    return wrap(array)


class GFile:
    """`tf.io.gfile.GFile`: a file object (local files only)."""

    def __init__(self, name, mode="r") -> None:
        self._handle = open(_path(name), mode)  # noqa: SIM115 - closed by close()/with

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __iter__(self):
        return iter(self._handle)

    def __enter__(self) -> GFile:
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


class gfile:  # noqa: N801 - TF's namespace name
    """`tf.io.gfile`: file-system helpers on local paths."""

    GFile = GFile
    Open = GFile

    @staticmethod
    def exists(path) -> bool:
        return os.path.exists(_path(path))

    @staticmethod
    def glob(pattern) -> list:
        return sorted(_glob.glob(_path(pattern)))

    @staticmethod
    def isdir(path) -> bool:
        return os.path.isdir(_path(path))

    @staticmethod
    def listdir(path) -> list:
        try:
            return sorted(os.listdir(_path(path)))
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, f"Could not find directory {path}") \
                from None

    @staticmethod
    def makedirs(path) -> None:
        os.makedirs(_path(path), exist_ok=True)

    @staticmethod
    def mkdir(path) -> None:
        os.makedirs(_path(path), exist_ok=True)

    @staticmethod
    def remove(path) -> None:
        try:
            os.remove(_path(path))
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, f"{path}; No such file or directory") \
                from None

    @staticmethod
    def rmtree(path) -> None:
        shutil.rmtree(_path(path))

    @staticmethod
    def rename(src, dst, overwrite=False) -> None:
        if not overwrite and os.path.exists(_path(dst)):
            raise errors.AlreadyExistsError(None, None, f"file already exists: {dst}")
        os.replace(_path(src), _path(dst))

    @staticmethod
    def copy(src, dst, overwrite=False) -> None:
        if not overwrite and os.path.exists(_path(dst)):
            raise errors.AlreadyExistsError(None, None, f"file already exists: {dst}")
        shutil.copyfile(_path(src), _path(dst))

    @staticmethod
    def walk(top, topdown=True, onerror=None):
        return os.walk(_path(top), topdown=topdown, onerror=onerror)
