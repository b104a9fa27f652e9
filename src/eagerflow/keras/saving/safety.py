"""Limits and checks that make loading an untrusted model file safe: data in, no code run.

Config text (JSON), archive members (zip) and HDF5 trees are validated here before anything is
built from them; every refusal is a ValueError (or TypeError) naming what was refused and why.
"""

from __future__ import annotations

import json
import re
import threading
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "LIMITS",
    "SafeModeScope",
    "check_config_tree",
    "enable_unsafe_deserialization",
    "in_safe_mode",
    "load_json",
]


@dataclass
class Limits:
    """Bounds on what a loaded file may declare (change them on `LIMITS` for huge models)."""

    max_json_bytes: int = 64 * 2**20
    max_json_depth: int = 256
    max_config_nodes: int = 2_000_000
    max_size_value: int = 10**8            # units/filters/input_dim... in safe mode
    max_zip_members: int = 10_000
    max_member_bytes: int = 4 * 2**30
    max_zip_ratio: int = 100               # declared / compressed, above ratio_floor_bytes
    ratio_floor_bytes: int = 2**20
    max_h5_objects: int = 200_000
    max_tensor_bytes: int = 4 * 2**30
    max_h5_ratio: int = 1000               # declared / stored bytes, above ratio_floor_bytes
    max_asset_bytes: int = 256 * 2**20     # one `.keras` asset file (e.g. a vocabulary)
    max_assets_total_bytes: int = 2**30    # all assets of one `.keras` file
    max_weight_shards: int = 10_000        # shard files named by a `*.weights.json` index


LIMITS = Limits()

# Config keys whose integer values size a variable; absurd values exhaust memory at build.
SIZE_KEYS = frozenset({
    "units", "filters", "input_dim", "output_dim", "num_heads", "key_dim", "value_dim",
    "max_tokens", "num_tokens", "depth", "kernel_size", "pool_size", "n", "num_bins",
    "batch_input_shape", "batch_shape", "input_shape", "target_shape", "dims", "shape",
    # arguments of operator layers (tf.tile, tf.repeat, tf.sequence_mask, Keras 3 OneHot)
    "multiples", "repeats", "maxlen", "num_classes",
})
# Config keys that would make a layer read a file or a URL when built.
RESOURCE_KEYS = frozenset({
    "vocabulary", "vocabulary_file", "filepath", "file_path", "path", "saved_model_path",
    "url", "origin", "fname", "module_path",
})
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")

_state = threading.local()
_unsafe_enabled = False


def enable_unsafe_deserialization() -> None:
    """Turn safe mode off for this process (as `keras.config.enable_unsafe_deserialization`).

    In eagerflow this only relaxes size limits on configs: bytecode (Lambda) and imports of
    names read from files are refused in every mode.
    """
    global _unsafe_enabled
    _unsafe_enabled = True


def in_safe_mode() -> bool:
    """Whether loading currently runs in safe mode (the default)."""
    scoped = getattr(_state, "safe_mode", None)
    if scoped is not None:
        return scoped
    return not _unsafe_enabled


class SafeModeScope:
    """`with SafeModeScope(False):` sets safe mode for the loading done inside."""

    def __init__(self, safe_mode: bool | None = True) -> None:
        self.safe_mode = safe_mode

    def __enter__(self) -> SafeModeScope:
        self._previous = getattr(_state, "safe_mode", None)
        if self.safe_mode is not None:
            _state.safe_mode = bool(self.safe_mode)
        return self

    def __exit__(self, *exc_info) -> None:
        _state.safe_mode = self._previous


# ---------------------------------------------------------------- JSON text

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _json_depth(text: str) -> int:
    """Deepest bracket nesting of JSON text (strings removed first), without recursion."""
    skeleton = _STRING.sub("", text)
    codes = np.frombuffer(skeleton.encode("ascii", "replace"), dtype=np.uint8)
    steps = np.zeros(codes.shape, dtype=np.int64)
    steps[(codes == ord("[")) | (codes == ord("{"))] = 1
    steps[(codes == ord("]")) | (codes == ord("}"))] = -1
    return int(np.cumsum(steps).max()) if steps.size else 0


def _no_duplicate_keys(pairs: list) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"JSON object has the key {key!r} twice; refusing an ambiguous file.")
        result[key] = value
    return result


def load_json(data: str | bytes, what: str) -> Any:
    """Parse JSON from a file after checking size, encoding, nesting depth and duplicate keys."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > LIMITS.max_json_bytes:
            raise ValueError(f"{what} is {len(data)} bytes, over the limit of "
                             f"{LIMITS.max_json_bytes}; refusing to parse it.")
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"{what} is not valid UTF-8 text ({error}).") from None
    if not isinstance(data, str):
        raise TypeError(f"{what} must be JSON text (str or bytes). Received: {type(data)}")
    if len(data) > LIMITS.max_json_bytes:
        raise ValueError(f"{what} is {len(data)} characters, over the limit of "
                         f"{LIMITS.max_json_bytes}; refusing to parse it.")
    depth = _json_depth(data)
    if depth > LIMITS.max_json_depth:
        raise ValueError(f"{what} nests {depth} levels deep (limit {LIMITS.max_json_depth}); "
                         "refusing a file built to exhaust the parser.")
    try:
        return json.loads(data, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise ValueError(f"{what} is not valid JSON: {error}") from None


# ---------------------------------------------------------------- config trees

def _refuse_lambda(node: dict) -> None:
    if node.get("class_name") == "__lambda__" or node.get("function_type") == "lambda":
        raise ValueError(
            "Refusing to load a Lambda layer (or function) stored as Python bytecode: eagerflow "
            "never runs marshal'd code from a file, in any safe mode. Define the function in "
            "your code, register it with @tf.keras.saving.register_keras_serializable(), and "
            "save the model again so the file names it instead.")


def check_config_tree(config: Any, what: str = "model config") -> None:
    """Walk a parsed config once (iteratively) and refuse bytecode, external resources, absurd
    sizes and oversize trees before any object is built from it."""
    safe = in_safe_mode()
    pending: list[tuple[Any, str | None, int]] = [(config, None, 0)]
    count = 0
    while pending:
        node, key, depth = pending.pop()
        count += 1
        if depth > LIMITS.max_json_depth:
            raise ValueError(f"{what} nests more than {LIMITS.max_json_depth} levels deep; "
                             "refusing a config built to exhaust the stack.")
        if count > LIMITS.max_config_nodes:
            raise ValueError(f"{what} holds more than {LIMITS.max_config_nodes} values; refusing "
                             "a config built to exhaust memory.")
        if isinstance(node, dict):
            _refuse_lambda(node)
            pending.extend((value, str(name), depth + 1) for name, value in node.items())
        elif isinstance(node, (list, tuple)):
            # A list under a resource key is embedded data (a vocabulary), not a path.
            item_key = None if key in RESOURCE_KEYS else key
            pending.extend((value, item_key, depth + 1) for value in node)
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, int):
            if abs(node) > 2**62:
                raise ValueError(f"{what}: the integer {node} under {key!r} is out of range.")
            if safe and key in SIZE_KEYS and node > LIMITS.max_size_value:
                raise ValueError(
                    f"{what}: {key}={node} exceeds the safe-mode limit of "
                    f"{LIMITS.max_size_value}; a layer this size would exhaust memory. If you "
                    "trust this file, load it with safe_mode=False.")
        elif isinstance(node, str) and safe:
            if key in RESOURCE_KEYS or _URL.match(node):
                raise ValueError(
                    f"{what}: refusing the external resource {node!r} under {key!r}; in safe "
                    "mode a model file may not make eagerflow read other files or URLs. "
                    "Embed the data in the config, or load with safe_mode=False if you trust it.")


# ---------------------------------------------------------------- zip archives

_SYMLINK_MODE = 0o120000


def check_zip(archive: zipfile.ZipFile, what: str) -> list[str]:
    """Validate every member of an archive (names, kinds, sizes); return the member names."""
    infos = archive.infolist()
    if len(infos) > LIMITS.max_zip_members:
        raise ValueError(f"{what} has {len(infos)} members (limit {LIMITS.max_zip_members}).")
    names: list[str] = []
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        check_member_name(name, what)
        if name in seen:
            raise ValueError(f"{what} holds the member {name!r} twice; refusing an ambiguous "
                             "archive.")
        seen.add(name)
        if (info.external_attr >> 16) & 0o170000 == _SYMLINK_MODE:
            raise ValueError(f"{what}: member {name!r} is a symbolic link; refused.")
        if info.file_size > LIMITS.max_member_bytes:
            raise ValueError(f"{what}: member {name!r} declares {info.file_size} bytes (limit "
                             f"{LIMITS.max_member_bytes}); refusing a decompression bomb.")
        if (info.file_size > LIMITS.ratio_floor_bytes
                and info.file_size > LIMITS.max_zip_ratio * max(info.compress_size, 1)):
            raise ValueError(f"{what}: member {name!r} expands {info.compress_size} -> "
                             f"{info.file_size} bytes, more than {LIMITS.max_zip_ratio}x; "
                             "refusing a decompression bomb.")
        names.append(name)
    return names


def check_member_name(name: str, what: str) -> None:
    """Refuse member or file names that could point outside the place they are extracted to."""
    bad = (not name or "\\" in name or "\x00" in name or name.startswith("/")
           or re.match(r"^[A-Za-z]:", name) is not None
           or any(part in ("..", ".", "") for part in name.rstrip("/").split("/")))
    if bad:
        raise ValueError(f"{what}: refusing the member name {name!r}; names must be relative "
                         "paths without '..' or '.', backslashes, drive letters or empty parts.")


def read_member(archive: zipfile.ZipFile, name: str, limit: int, what: str) -> bytes:
    """Read one member, never more than `limit` bytes whatever its header claims."""
    try:
        with archive.open(name) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ValueError(f"{what}: member {name!r} is corrupt ({error}).") from None
    if len(data) > limit:
        raise ValueError(f"{what}: member {name!r} is larger than {limit} bytes; refused.")
    return data


def copy_member(archive: zipfile.ZipFile, name: str, target, what: str) -> None:
    """Stream one member into an open binary file, capped at the declared size and the limit."""
    declared = archive.getinfo(name).file_size
    cap = min(declared, LIMITS.max_member_bytes)
    written = 0
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(1 << 20):
                written += len(chunk)
                if written > cap:
                    raise ValueError(f"{what}: member {name!r} inflates past its declared "
                                     "size; refused.")
                target.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ValueError(f"{what}: member {name!r} is corrupt ({error}).") from None


# ---------------------------------------------------------------- HDF5 trees

def check_h5_tree(h5file, what: str) -> None:
    """Refuse links, external storage, virtual datasets, non-numeric and shape-bomb datasets
    anywhere in an open h5py File, walking it iteratively (hard-link cycles visited once)."""
    import h5py

    pending = [("/", h5file["/"])]
    seen: set[int] = set()
    count = 0
    while pending:
        path, group = pending.pop()
        address = h5py.h5o.get_info(group.id).addr
        if address in seen:
            continue
        seen.add(address)
        for name in group:
            count += 1
            if count > LIMITS.max_h5_objects:
                raise ValueError(f"{what} holds more than {LIMITS.max_h5_objects} objects.")
            child_path = f"{path.rstrip('/')}/{name}"
            link = group.get(name, getlink=True)
            if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
                kind = "soft" if isinstance(link, h5py.SoftLink) else "external"
                raise ValueError(f"{what}: {child_path!r} is an HDF5 {kind} link; links can "
                                 "point at other data or files and are refused.")
            child = group[name]
            if isinstance(child, h5py.Group):
                pending.append((child_path, child))
            elif isinstance(child, h5py.Dataset):
                check_h5_dataset(child, child_path, what)
            else:
                raise ValueError(f"{what}: {child_path!r} is a {type(child).__name__}, not a "
                                 "group or dataset; refused.")


def check_h5_dataset(dataset, path: str, what: str) -> None:
    """Refuse one dataset that is not plain, bounded, numeric data stored in this file."""
    if dataset.external:
        raise ValueError(f"{what}: dataset {path!r} keeps its data in external files "
                         f"({dataset.external[0][0]!r}); refusing to read outside the file.")
    if dataset.is_virtual:
        raise ValueError(f"{what}: dataset {path!r} is a virtual dataset that maps other files; "
                         "refused.")
    dtype = dataset.dtype
    if dtype.kind not in "biuf" or dtype.names is not None or dtype.subdtype is not None:
        raise ValueError(f"{what}: dataset {path!r} has dtype {dtype}; weights must be plain "
                         "booleans, integers or floats.")
    if dataset.shape is None:
        return
    declared = int(np.prod(dataset.shape, dtype=object)) * dtype.itemsize
    if declared > LIMITS.max_tensor_bytes:
        raise ValueError(f"{what}: dataset {path!r} declares shape {dataset.shape} "
                         f"({declared} bytes, limit {LIMITS.max_tensor_bytes}); refused.")
    stored = dataset.id.get_storage_size()
    if declared > LIMITS.ratio_floor_bytes and declared > LIMITS.max_h5_ratio * max(stored, 1):
        raise ValueError(f"{what}: dataset {path!r} declares {declared} bytes but stores "
                         f"{stored}; refusing a shape bomb.")


def decode_attr(value: Any) -> Any:
    """An HDF5 attribute as Python text: bytes and string arrays decoded (fixed or variable)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return [decode_attr(item) for item in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value
