"""Reading a checkpoint's tensors by key: `tf.train.load_checkpoint`, `list_variables`,
`load_variable` and the `CheckpointReader` they return. No object graph is needed."""

from __future__ import annotations

import os

import numpy as np

from eagerflow.core import dtypes as _dtypes
from eagerflow.train.bundle import BundleReader
from eagerflow.train.checkpoint_management import latest_checkpoint

__all__ = ["CheckpointReader", "NewCheckpointReader", "load_checkpoint", "list_variables",
           "load_variable"]


class CheckpointReader:
    """The tensors of one checkpoint (`tf.train.load_checkpoint(path)`)."""

    def __init__(self, prefix: str) -> None:
        self._bundle = BundleReader(prefix)

    def has_tensor(self, name: str) -> bool:
        return name in self._bundle

    def get_tensor(self, name: str):
        """The value under `name` as NumPy (a scalar comes back as a NumPy scalar or bytes)."""
        value = self._bundle.read(name)
        return value[()] if value.ndim == 0 else value

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {key: list(self._bundle.shape(key)) for key in self._bundle.keys()}

    def get_variable_to_dtype_map(self) -> dict[str, _dtypes.DType]:
        return {key: self._bundle.dtype(key) for key in self._bundle.keys()}

    def debug_string(self) -> bytes:
        lines = [f"{key} ({_datatype_name(self._bundle.dtype(key))}) "
                 f"[{','.join(str(d) for d in self._bundle.shape(key))}]"
                 for key in self._bundle.keys()]
        return ("\n".join(lines) + "\n").encode("utf-8")


def _datatype_name(dtype: _dtypes.DType) -> str:
    special = {"float32": "DT_FLOAT", "float64": "DT_DOUBLE", "float16": "DT_HALF"}
    return special.get(dtype.name, "DT_" + dtype.name.upper())


NewCheckpointReader = CheckpointReader


def _resolve(ckpt_dir_or_file) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        found = latest_checkpoint(path)
        if found is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory "
                             f"{path}")
        return found
    return path


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A reader for the checkpoint at a prefix, or the latest one in a directory."""
    return CheckpointReader(_resolve(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file) -> list[tuple[str, list[int]]]:
    """(key, shape) of every tensor in the checkpoint, sorted by key."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return sorted(shapes.items())


def load_variable(ckpt_dir_or_file, name: str) -> np.ndarray:
    """The value saved under `name` (a trailing ':0' is ignored)."""
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name.removesuffix(":0"))
