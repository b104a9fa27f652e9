"""Layer assets in a `.keras` archive: `assets/<layer path>/<file>` (e.g. an adapted lookup
vocabulary in `vocabulary.txt`), as Keras 3 lays them out.

The layer path is the one the weights file uses (`layers/string_lookup`). Writing asks each
layer with `save_assets(dir)` to fill a scratch directory; loading copies only the archive's
own members for that path into a fresh scratch directory and hands it to `load_assets(dir)`, so
no path named by the file's config (or by a layer name) is ever opened.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from typing import Any

from eagerflow.keras.saving import safety
from eagerflow.keras.saving.weights_h5 import saveable_paths

__all__ = ["ASSETS_PREFIX", "load_assets_from_zip", "write_assets_to_zip"]

ASSETS_PREFIX = "assets/"


def _asset_owners(model: Any, method: str) -> list[tuple[str, Any]]:
    """(path, object) of every saveable in the model that has a callable `method`."""
    return [(path, obj) for path, obj in saveable_paths(model)
            if callable(getattr(obj, method, None))]


def write_assets_to_zip(model: Any, archive: zipfile.ZipFile, what: str) -> int:
    """Let each layer write its assets and store them as `assets/<path>/...`; returns how many
    files were stored. Only regular files are stored (links a layer made are skipped)."""
    stored = 0
    for path, obj in _asset_owners(model, "save_assets"):
        with tempfile.TemporaryDirectory() as scratch:
            obj.save_assets(scratch)
            for folder, subfolders, files in os.walk(scratch, followlinks=False):
                subfolders.sort()
                for file_name in sorted(files):
                    source = os.path.join(folder, file_name)
                    if os.path.islink(source) or not os.path.isfile(source):
                        continue
                    relative = os.path.relpath(source, scratch).replace(os.sep, "/")
                    member = f"{ASSETS_PREFIX}{path}/{relative}" if path else \
                        f"{ASSETS_PREFIX}{relative}"
                    safety.check_member_name(member, what)
                    archive.write(source, member)
                    stored += 1
    return stored


def load_assets_from_zip(model: Any, archive: zipfile.ZipFile, names: list[str],
                         what: str) -> None:
    """Give every layer with `load_assets` the files the archive holds directly under
    `assets/<its path>/`. Member names were validated by `safety.check_zip`; sizes are capped
    per file (`LIMITS.max_asset_bytes`) and in total (`LIMITS.max_assets_total_bytes`)."""
    asset_names = [name for name in names
                   if name.startswith(ASSETS_PREFIX) and not name.endswith("/")]
    if not asset_names:
        return
    total = 0
    for path, obj in _asset_owners(model, "load_assets"):
        prefix = f"{ASSETS_PREFIX}{path}/" if path else ASSETS_PREFIX
        own = [name for name in asset_names
               if name.startswith(prefix) and "/" not in name[len(prefix):]]
        if not own:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            for name in own:
                safety.check_member_name(name, what)
                size = archive.getinfo(name).file_size
                if size > safety.LIMITS.max_asset_bytes:
                    raise ValueError(f"{what}: asset {name!r} declares {size} bytes (limit "
                                     f"{safety.LIMITS.max_asset_bytes}); refused.")
                total += size
                if total > safety.LIMITS.max_assets_total_bytes:
                    raise ValueError(f"{what}: the assets exceed "
                                     f"{safety.LIMITS.max_assets_total_bytes} bytes in total; "
                                     "refused.")
                data = safety.read_member(archive, name, safety.LIMITS.max_asset_bytes, what)
                target = os.path.join(scratch, name[len(prefix):])
                with open(target, "xb") as handle:
                    handle.write(data)
            try:
                obj.load_assets(scratch)
            except (ValueError, TypeError, UnicodeDecodeError) as error:
                label = f"{type(obj).__name__} {getattr(obj, 'name', '?')!r}"
                raise ValueError(f"{what}: could not load the assets of {label} (path "
                                 f"{path!r}): {error}") from error
