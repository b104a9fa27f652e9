"""The Keras 3 `.keras` archive: `metadata.json`, `config.json`, `model.weights.h5` and the
layers' `assets/` in a zip.

Loading reads the config first (validated, built only from allow-listed classes), then the
weights; members are checked for names, kinds and sizes before anything is read.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import zipfile
from typing import Any

from eagerflow.keras.saving import assets, config_dialects, safety
from eagerflow.keras.saving.atomic import atomic_path
from eagerflow.keras.saving.serialization import deserialize_keras_object, serialize_keras_object
from eagerflow.keras.saving.weights_h5 import load_weights_from_h5, save_weights_to_h5

__all__ = ["KERAS_VERSION", "load_keras_zip", "load_weights_from_keras_zip", "save_keras_zip"]

# The Keras file-format version eagerflow writes (the layout observed from Keras 3.15).
KERAS_VERSION = "3.15.1"
CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
_KNOWN_MEMBERS = {CONFIG, METADATA, WEIGHTS}


def save_keras_zip(model: Any, filepath: str | os.PathLike) -> None:
    """Write `model` (config, compile config, weights and optimizer state) as a `.keras` zip."""
    import eagerflow

    config = config_dialects.model_config_for_keras3(serialize_keras_object(model))
    if isinstance(config.get("compile_config"), dict):
        config["compile_config"] = config_dialects.compile_config_for_keras3(
            config["compile_config"])
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "producer": f"eagerflow {eagerflow.__version__}"}
    with tempfile.TemporaryDirectory() as scratch:
        weights_path = os.path.join(scratch, WEIGHTS)
        _write_h5(model, weights_path)
        with atomic_path(filepath) as temporary:
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
                archive.writestr(METADATA, json.dumps(metadata))
                archive.writestr(CONFIG, json.dumps(config))
                archive.write(weights_path, WEIGHTS)
                assets.write_assets_to_zip(model, archive, f".keras file {os.fspath(filepath)!r}")


def _write_h5(model: Any, path: str) -> None:
    import h5py

    with h5py.File(path, "w") as h5file:
        save_weights_to_h5(model, h5file)


def _open_checked(filepath: str | os.PathLike) -> tuple[zipfile.ZipFile, list[str]]:
    what = f".keras file {os.fspath(filepath)!r}"
    try:
        archive = zipfile.ZipFile(filepath, "r")
    except zipfile.BadZipFile as error:
        raise ValueError(f"{what} is not a valid zip archive ({error}).") from None
    try:
        names = safety.check_zip(archive, what)
        for name in names:
            if name not in _KNOWN_MEMBERS and not name.startswith("assets/"):
                raise ValueError(f"{what} holds the unexpected member {name!r}; a .keras file "
                                 f"holds only {sorted(_KNOWN_MEMBERS)} and assets/.")
        for required in (CONFIG, WEIGHTS):
            if required not in names:
                extra = (" (model.weights.npz is not supported; re-save with .weights.h5)"
                         if "model.weights.npz" in names else "")
                raise ValueError(f"{what} has no {required!r} member{extra}.")
    except BaseException:
        archive.close()
        raise
    return archive, names


def _read_json_member(archive: zipfile.ZipFile, name: str, what: str) -> Any:
    data = safety.read_member(archive, name, safety.LIMITS.max_json_bytes, what)
    return safety.load_json(data, f"{what} member {name!r}")


def _load_weights_member(model: Any, archive: zipfile.ZipFile, what: str,
                         skip_mismatch: bool = False) -> None:
    import h5py

    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "weights.h5")
        with open(path, "wb") as target:
            safety.copy_member(archive, WEIGHTS, target, what)
        try:
            h5file = h5py.File(path, "r")
        except OSError as error:
            raise ValueError(f"{what}: {WEIGHTS} is not a valid HDF5 file ({error}).") from None
        with h5file:
            load_weights_from_h5(model, h5file, skip_mismatch=skip_mismatch,
                                 what=f"{what} weights")


def load_keras_zip(filepath: str | os.PathLike, custom_objects: dict | None = None,
                   compile: bool = True, safe_mode: bool = True) -> Any:
    """Rebuild a model from a `.keras` archive (config, then weights, then compile state)."""
    what = f".keras file {os.fspath(filepath)!r}"
    archive, names = _open_checked(filepath)
    with archive, safety.SafeModeScope(False if safe_mode is False else None):
        if METADATA in names:
            _read_json_member(archive, METADATA, what)  # must parse; its claims change nothing
        config = _read_json_member(archive, CONFIG, what)
        if not isinstance(config, dict):
            raise ValueError(f"{what}: config.json must hold an object. Received: "
                             f"{type(config).__name__}")
        config = dict(config)
        compile_config = config.pop("compile_config", None)
        safety.check_config_tree(config, f"{what} config")
        if compile_config is not None:
            safety.check_config_tree(compile_config, f"{what} compile config")
        model = deserialize_keras_object(config, custom_objects=custom_objects)
        if compile and compile_config:
            compile_from_config(model, compile_config, custom_objects)
        _load_weights_member(model, archive, what)
        assets.load_assets_from_zip(model, archive, names, what)
    return model


def load_weights_from_keras_zip(model: Any, filepath: str | os.PathLike,
                                skip_mismatch: bool = False) -> None:
    """`model.load_weights("m.keras")`: only the weights member is read."""
    what = f".keras file {os.fspath(filepath)!r}"
    archive, _ = _open_checked(filepath)
    with archive:
        _load_weights_member(model, archive, what, skip_mismatch=skip_mismatch)


_COMPILE_ARGUMENTS = ("optimizer", "loss", "metrics", "loss_weights", "weighted_metrics",
                      "run_eagerly", "steps_per_execution", "jit_compile")


def compile_from_config(model: Any, compile_config: dict, custom_objects: dict | None) -> None:
    """Compile a loaded model from its saved compile config, resolving names safely."""
    if not isinstance(compile_config, dict):
        raise ValueError(f"compile_config must be a dict. Received: {compile_config!r}")
    restore = getattr(model, "_compile_from_config", None) or getattr(
        model, "compile_from_config", None)
    config = deserialize_keras_object(compile_config, custom_objects=custom_objects)
    if callable(restore):
        restore(config)
        return
    arguments = {key: config[key] for key in _COMPILE_ARGUMENTS if key in config}
    model.compile(**arguments)
