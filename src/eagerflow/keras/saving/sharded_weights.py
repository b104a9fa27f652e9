"""Sharded Keras 3 weights: a `<name>.weights.json` index plus `<name>_00000.weights.h5`, ...

The index is `{"metadata": {"total_size": bytes}, "weight_map": {"/layers/dense/vars":
["<shard>", ...]}}`; each shard holds part of the usual `.weights.h5` tree (one layer's
variables may be split over several shards). Shard names come from the file, so they must be
plain file names inside the index's directory; anything else is refused before any is opened.
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from eagerflow.keras.saving import safety
from eagerflow.keras.saving.atomic import atomic_path
from eagerflow.keras.saving.weights_h5 import load_weights_from_h5, own_variables, saveable_paths

__all__ = ["INDEX_SUFFIX", "load_sharded_weights", "save_sharded_weights"]

INDEX_SUFFIX = ".weights.json"
_SHARD_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


def _shard_names(index: Any, what: str) -> list[str]:
    """Every shard file the index names, validated as plain names, in first-seen order."""
    if not isinstance(index, dict) or not isinstance(index.get("weight_map"), dict):
        raise ValueError(f"{what} must hold an object with a 'weight_map' object (Keras 3's "
                         "sharded weights index).")
    names: list[str] = []
    for key, value in index["weight_map"].items():
        files = [value] if isinstance(value, str) else value
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise ValueError(f"{what}: weight_map[{key!r}] must be a shard file name or a list "
                             f"of them. Received: {value!r}")
        for name in files:
            if (not _SHARD_NAME.match(name) or name in (".", "..")
                    or not name.endswith(".h5")):
                raise ValueError(f"{what}: refusing the shard name {name!r}; shards must be "
                                 "plain '.h5' file names in the index's own directory.")
            if name not in names:
                names.append(name)
    if len(names) > safety.LIMITS.max_weight_shards:
        raise ValueError(f"{what} names {len(names)} shards (limit "
                         f"{safety.LIMITS.max_weight_shards}).")
    return names


def _merge_shard(source, target, shard: str, what: str) -> None:
    """Copy every dataset of one validated shard into the in-memory merged file."""
    import h5py

    pending = [source["/"]]
    seen: set[int] = set()
    while pending:
        group = pending.pop()
        address = h5py.h5o.get_info(group.id).addr
        if address in seen:
            continue  # a group hard-linked twice (or into itself) is copied once
        seen.add(address)
        for child in group.values():
            if isinstance(child, h5py.Group):
                pending.append(child)
                continue
            if child.name in target:
                raise ValueError(f"{what}: {child.name!r} is stored in more than one shard "
                                 f"(again in {shard!r}); refusing an ambiguous file.")
            target.create_dataset(child.name, data=child[()])


def load_sharded_weights(model: Any, index_path: str, skip_mismatch: bool = False) -> None:
    """`model.load_weights("w.weights.json")`: read the index, validate and merge its shards,
    then load them as one `.weights.h5` (all or nothing)."""
    import h5py

    what = f"sharded weights index {index_path!r}"
    with open(index_path, "rb") as handle:
        data = handle.read(safety.LIMITS.max_json_bytes + 1)
    index = safety.load_json(data, what)
    directory = os.path.dirname(os.path.abspath(index_path))
    paths = []
    for name in _shard_names(index, what):
        path = os.path.join(directory, name)
        if os.path.islink(path) or not os.path.isfile(path):
            raise ValueError(f"{what}: the shard {name!r} is missing or not a regular file in "
                             f"{directory!r}.")
        paths.append((name, path))
    with h5py.File("merged.weights.h5", "w", driver="core", backing_store=False) as merged:
        for name, path in paths:
            try:
                shard = h5py.File(path, "r")
            except OSError as error:
                raise ValueError(f"{what}: the shard {name!r} is not a valid HDF5 file "
                                 f"({error}).") from None
            with shard:
                safety.check_h5_tree(shard, f"{what} shard {name!r}")
                _merge_shard(shard, merged, name, what)
        load_weights_from_h5(model, merged, skip_mismatch=skip_mismatch, what=what)


def _shard_file_name(base: str, index: int) -> str:
    return f"{base}_{index:05d}.weights.h5"


def save_sharded_weights(model: Any, index_path: str, max_shard_size: float) -> list[str]:
    """Write the model's weights as shards of at most `max_shard_size` GB (2**30 bytes) each,
    plus the `.weights.json` index, as Keras 3 does; returns the shard file names."""
    import h5py

    if isinstance(max_shard_size, bool) or not isinstance(max_shard_size, (int, float)) \
            or not max_shard_size > 0:
        raise ValueError(f"max_shard_size must be a positive number of GB. Received: "
                         f"{max_shard_size!r}")
    if not index_path.endswith(INDEX_SUFFIX):
        raise ValueError(f"Sharded weights need a '{INDEX_SUFFIX}' index name. Received: "
                         f"{index_path!r}")
    limit = float(max_shard_size) * 2**30
    directory = os.path.dirname(index_path)
    base = os.path.basename(index_path)[:-len(INDEX_SUFFIX)]
    shards: list[list[tuple[str, int, np.ndarray, str | None]]] = [[]]
    weight_map: dict[str, list[str]] = {}
    current = total = 0.0
    for path, obj in saveable_paths(model):
        group = f"{path}/vars" if path else "vars"
        name = getattr(obj, "name", None)
        for number, variable in enumerate(own_variables(obj)):
            value = np.asarray(variable.numpy())
            size = float(value.nbytes)
            if size > limit:
                raise ValueError(f"The variable {variable.name} of {type(obj).__name__} "
                                 f"{name!r} takes {int(size)} bytes, more than "
                                 f"max_shard_size={max_shard_size} GB ({int(limit)} bytes); "
                                 "increase max_shard_size.")
            total += size
            current += size
            if current > limit:
                shards.append([])
                current = size
            shards[-1].append((group, number, value, name if isinstance(name, str) else None))
            files = weight_map.setdefault(f"/{group}", [])
            shard_name = _shard_file_name(base, len(shards) - 1)
            if shard_name not in files:
                files.append(shard_name)
    names = []
    for number, entries in enumerate(shards):
        shard_name = _shard_file_name(base, number)
        names.append(shard_name)
        with atomic_path(os.path.join(directory, shard_name)) as temporary, \
                h5py.File(temporary, "w") as h5file:
            for group, index, value, layer_name in entries:
                target = h5file.require_group(group)
                if layer_name is not None:
                    target.attrs["name"] = layer_name
                target.create_dataset(str(index), data=value)
    import json

    with atomic_path(index_path) as temporary, open(temporary, "w", encoding="utf-8") as handle:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, handle,
                  indent=4)
    return names
