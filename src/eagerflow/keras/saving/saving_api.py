"""`load_model`, `save_model`, and the weights entry points `Model.save_weights/load_weights`
call: they pick the format from the file name (or its first bytes) and dispatch."""

from __future__ import annotations

import os
import warnings
from typing import Any

from eagerflow.keras.saving import keras_zip, legacy_h5, sharded_weights
from eagerflow.keras.saving.atomic import atomic_path, check_overwrite
from eagerflow.keras.saving.weights_h5 import load_weights_from_h5, save_weights_to_h5

__all__ = ["load_model", "load_weights", "save_model", "save_weights"]

_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _name(filepath: Any) -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"Expected a file path (str or os.PathLike). Received: {filepath!r}")
    return os.fspath(filepath)


def _sniff(path: str) -> str | None:
    try:
        with open(path, "rb") as stream:
            head = stream.read(8)
    except OSError:
        return None
    if head.startswith(_ZIP_MAGIC):
        return "keras"
    if head == _HDF5_MAGIC:
        return "h5"
    return None


def _is_h5_name(path: str) -> bool:
    return path.endswith((".h5", ".hdf5", ".keras.h5"))


def save_model(model: Any, filepath: str | os.PathLike, overwrite: bool = True,
               save_format: str | None = None, include_optimizer: bool = True,
               **kwargs) -> None:
    """Save a whole model: `.keras` (Keras 3 zip) or `.h5` (legacy tf_keras HDF5)."""
    path = _name(filepath)
    check_overwrite(path, overwrite)
    if save_format is not None and save_format not in ("keras", "h5", "tf"):
        raise ValueError(f"Unknown save_format {save_format!r}; use 'keras' or 'h5'.")
    if save_format == "h5" or (save_format is None and _is_h5_name(path)):
        legacy_h5.save_legacy_h5_model(model, path, include_optimizer=include_optimizer)
        return
    if path.endswith(".keras") or save_format == "keras":
        keras_zip.save_keras_zip(model, path)
        return
    raise ValueError(
        f"Invalid filepath extension for saving {path!r}: eagerflow saves whole models as "
        "'.keras' (recommended) or legacy '.h5'; the TensorFlow SavedModel directory format is "
        "not supported. Use model.save('model.keras'), or model.save_weights(prefix) for a TF "
        "checkpoint of the weights.")


_SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")
_READABLE = ("eagerflow reads whole models from '.keras' files and legacy '.h5' files, and "
             "weights from '.weights.h5', '.weights.json' (sharded) and TensorFlow checkpoints "
             "(model.load_weights(prefix))")


def _unsupported_directory_message(path: str) -> str:
    """Why `load_model` cannot open a directory, and how to convert what it holds."""
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    if any(os.path.isfile(os.path.join(folder, name)) for name in _SAVED_MODEL_FILES):
        return (f"{path!r} is a TensorFlow SavedModel (tf_keras 2.x's default format for paths "
                f"without an extension), which holds a TensorFlow graph eagerflow cannot run: "
                f"{_READABLE}. To convert it, load it in TensorFlow and re-save it as a Keras "
                "file: `model = tf.keras.models.load_model(path); model.save('model.keras')` "
                "(or model.save('model.h5')). Its weights alone are a TensorFlow checkpoint: "
                "build the same model in code and call model.load_weights("
                f"{os.path.join(folder, 'variables', 'variables')!r}).")
    if os.path.isfile(os.path.join(folder, "checkpoint")):
        return (f"{path!r} is a directory of TensorFlow checkpoints, which hold weights but not "
                f"the model: build the model in code, then call "
                f"model.load_weights(tf.train.latest_checkpoint({path!r})). {_READABLE}.")
    return f"{path!r} is a directory, not a model file: {_READABLE}."


def load_model(filepath: str | os.PathLike, custom_objects: dict | None = None,
               compile: bool = True, safe_mode: bool = True, **kwargs) -> Any:
    """Load a model saved as `.keras` or legacy `.h5` (by Keras, tf_keras or eagerflow).

    Only allow-listed Keras classes and your registered / `custom_objects` are ever built.
    """
    path = _name(filepath)
    if os.path.isdir(path) or os.path.basename(path) in _SAVED_MODEL_FILES:
        raise ValueError(_unsupported_directory_message(path))
    if not os.path.exists(path):
        raise FileNotFoundError(f"No file or directory found at {path!r}.")
    kind = _sniff(path)
    if kind == "keras":
        return keras_zip.load_keras_zip(path, custom_objects, compile=compile,
                                        safe_mode=safe_mode)
    if kind == "h5":
        return legacy_h5.load_legacy_h5_model(path, custom_objects, compile=compile,
                                              safe_mode=safe_mode)
    raise ValueError(f"File format not supported: {path!r} is neither a .keras zip nor an HDF5 "
                     "file.")


def save_weights(model: Any, filepath: str | os.PathLike, overwrite: bool = True,
                 save_format: str | None = None, max_shard_size: float | None = None,
                 **kwargs) -> None:
    """`model.save_weights`: `.weights.h5` (Keras 3), `.h5` (tf_keras) or a TF checkpoint;
    with `max_shard_size` (GB), Keras 3's sharded `.weights.json` index + shard files."""
    import h5py

    path = _name(filepath)
    if max_shard_size is not None:
        if path.endswith(".weights.h5"):
            warnings.warn(f"Saving sharded weights requires a '.weights.json' name; writing "
                          f"{path[:-3] + '.json'!r} instead of {path!r}.", stacklevel=2)
            path = path[:-3] + ".json"
        if not path.endswith(sharded_weights.INDEX_SUFFIX):
            raise ValueError(f"The filename must end in '.weights.json' when max_shard_size is "
                             f"given. Received: {path!r}")
        check_overwrite(path, overwrite)
        sharded_weights.save_sharded_weights(model, path, max_shard_size)
        return
    if path.endswith(sharded_weights.INDEX_SUFFIX):
        raise ValueError(f"save_weights({path!r}): a '.weights.json' index is written only for "
                         "sharded weights; pass max_shard_size=<GB per shard>, or use a "
                         "'.weights.h5' name for a single file.")
    if path.endswith(".weights.h5"):
        check_overwrite(path, overwrite)
        with atomic_path(path) as temporary, h5py.File(temporary, "w") as h5file:
            save_weights_to_h5(model, h5file)
        return
    if save_format == "h5" or (save_format is None and _is_h5_name(path)):
        check_overwrite(path, overwrite)
        legacy_h5.save_legacy_h5_weights(model, path)
        return
    if path.endswith(".keras"):
        raise ValueError(f"save_weights({path!r}): a '.keras' file holds a whole model; use "
                         "model.save() for it, or a '.weights.h5' name for weights only.")
    if save_format not in (None, "tf"):
        raise ValueError(f"Unknown save_format {save_format!r}; use 'tf' or 'h5'.")
    from eagerflow.train import checkpoint_io

    check_overwrite(path + ".index", overwrite)
    checkpoint_io.write(model, path)
    # tf_keras also points the directory's `checkpoint` file at the new prefix.
    checkpoint_io.update_checkpoint_state(os.path.dirname(path) or ".", path)


def load_weights(model: Any, filepath: str | os.PathLike, by_name: bool = False,
                 skip_mismatch: bool = False, **kwargs) -> Any:
    """`model.load_weights`: reads any format `save_weights`/`save` writes (and Keras's)."""
    import h5py

    path = _name(filepath)
    if skip_mismatch and not by_name and not path.endswith((".weights.h5", ".keras")):
        if _sniff(path) == "h5":
            raise ValueError("When calling model.load_weights on a legacy .h5 file, "
                             "skip_mismatch can only be set to True when by_name is True.")
    if path.endswith(sharded_weights.INDEX_SUFFIX):
        if by_name:
            raise ValueError("by_name=True is only supported for legacy .h5 weight files; "
                             f"{path!r} is a Keras 3 sharded weights index.")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No sharded weights index found at {path!r}.")
        sharded_weights.load_sharded_weights(model, path, skip_mismatch=skip_mismatch)
        return None
    kind = _sniff(path) if os.path.isfile(path) else None
    if kind == "keras":
        keras_zip.load_weights_from_keras_zip(model, path, skip_mismatch=skip_mismatch)
        return None
    if kind == "h5":
        what = f"weights file {path!r}"
        try:
            h5file = h5py.File(path, "r")
        except OSError as error:
            raise ValueError(f"{what} is not a readable HDF5 file ({error}).") from None
        with h5file:
            legacy = legacy_h5.is_legacy_layout(h5file)
        if legacy:
            legacy_h5.load_legacy_h5_weights(model, path, by_name=by_name,
                                             skip_mismatch=skip_mismatch)
        else:
            if by_name:
                raise ValueError("by_name=True is only supported for legacy .h5 weight files; "
                                 f"{path!r} uses the Keras 3 layout.")
            with h5py.File(path, "r") as h5file:
                load_weights_from_h5(model, h5file, skip_mismatch=skip_mismatch, what=what)
        return None
    if os.path.exists(path) and not os.path.isdir(path) and not os.path.exists(path + ".index"):
        raise ValueError(f"File format not supported: {path!r} is not a .keras, .weights.h5, "
                         "legacy .h5 file or TensorFlow checkpoint prefix.")
    from eagerflow.train import checkpoint_io

    return checkpoint_io.restore(model, path)
