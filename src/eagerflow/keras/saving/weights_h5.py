"""The Keras 3 weights layout (`model.weights.h5`, `*.weights.h5`): the saveable-tree walk and
the HDF5 reader/writer.

Every layer or optimizer reachable from the model gets a group `<path>/vars` holding its own
variables as datasets "0", "1", ... (trainable first). Paths come from attribute names and
snake_case class names, never from `layer.name`, so they are the same for two instances of a
model; the layer's name is kept only as the group's `name` attribute.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np

from eagerflow.keras.saving import safety

__all__ = ["load_weights_from_h5", "save_weights_to_h5", "saveable_paths", "to_snake_case"]


def to_snake_case(name: str) -> str:
    """`BatchNormalization` -> `batch_normalization` (Keras's rule for group names)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _layer_class():
    from eagerflow.keras.layers.layer import Layer

    return Layer


def _is_optimizer(obj: Any) -> bool:
    try:
        from eagerflow.keras.optimizers import Optimizer
    except ImportError:
        Optimizer = None
    if Optimizer is not None and isinstance(obj, Optimizer):
        return True
    return (hasattr(obj, "apply_gradients") and hasattr(obj, "iterations")
            and hasattr(obj, "variables") and not isinstance(obj, type))


def is_saveable(obj: Any) -> bool:
    """Layers (models included) and optimizers own variables saved in the weights file."""
    return isinstance(obj, _layer_class()) or _is_optimizer(obj)


_skipsets: dict[str, frozenset] = {}


def _skipset(obj: Any) -> frozenset:
    """Attributes every base object of this kind has; only the others can hold children."""
    kind = "layer" if isinstance(obj, _layer_class()) else "optimizer"
    if kind not in _skipsets:
        if kind == "layer":
            names = set(dir(_layer_class()(name="saving_reference_layer")))
        else:
            base = next((c for c in type(obj).__mro__ if c.__name__ == "Optimizer"), type(obj))
            names = set(dir(base))
            try:
                names |= set(dir(base(learning_rate=1.0, name="saving_reference")))
            except Exception:  # noqa: BLE001 - an abstract base still gives its class attributes
                pass
            names.discard("variables")
        _skipsets[kind] = frozenset(names)
    return _skipsets[kind]


def _children(obj: Any) -> list[tuple[str, Any]]:
    """(attribute, value) pairs to walk: a model's `layers` first, then other attributes in
    sorted order with private ones last (Keras's order)."""
    children: list[tuple[str, Any]] = []
    if _has_model_layers(obj):
        children.append(("layers", list(obj.layers)))
    skip = _skipset(obj)
    names = sorted((n for n in dir(obj) if not n.startswith("__") and n not in skip),
                   key=lambda n: "~" + n if n.startswith("_") else n)
    for name in names:
        try:
            value = getattr(obj, name)
        except Exception:  # noqa: BLE001 - a property that cannot be read holds no state
            continue
        if type(value).__name__ == "InputLayer":
            continue  # reached only through `layers` (Keras writes no group for Sequential's)
        children.append((name, value))
    return children


def _has_model_layers(obj: Any) -> bool:
    """Functional and Sequential models (and their subclasses) list their layers first."""
    return any(c.__name__ in ("Functional", "Sequential") for c in type(obj).__mro__)


def saveable_paths(root: Any) -> list[tuple[str, Any]]:
    """Every saveable reachable from `root`, each once, with its path, in Keras's order."""
    result: list[tuple[str, Any]] = []
    visited: set[int] = set()
    # id -> container; holding the containers keeps their ids from being reused by the fresh
    # lists (`list(model.layers)`) made later in the walk, which would then be skipped.
    visited_containers: dict[int, Any] = {}
    # Explicit stack of pending (path, object) entries, consumed in preorder.
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        path, obj = stack.pop()
        if id(obj) in visited:
            continue
        visited.add(id(obj))
        result.append((path, obj))
        pending: list[tuple[str, Any]] = []
        for attribute, value in _children(obj):
            child_path = f"{path}/{attribute}" if path else attribute
            if is_saveable(value):
                pending.append((child_path, value))
            elif isinstance(value, (list, tuple, dict)):
                pending.extend(_container_entries(value, child_path, visited_containers))
        stack.extend(reversed(pending))
    return result


def _container_entries(container, path: str,
                       visited_containers: dict[int, Any]) -> list[tuple[str, Any]]:
    if id(container) in visited_containers:
        return []
    visited_containers[id(container)] = container
    items = list(container.values()) if isinstance(container, dict) else list(container)
    used: dict[str, int] = {}
    entries: list[tuple[str, Any]] = []
    for item in items:
        if is_saveable(item):
            entries.append((f"{path}/{_unique_name(to_snake_case(type(item).__name__), used)}",
                            item))
        elif isinstance(item, (list, tuple, dict)):
            nested = f"{path}/{_unique_name('container', used)}"
            entries.extend(_container_entries(item, nested, visited_containers))
    return entries


def _unique_name(name: str, used: dict[str, int]) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def own_variables(obj: Any) -> list:
    """The variables an object saves itself (a layer's own weights, trainable first)."""
    if _is_optimizer(obj):
        return list(obj.variables)
    own = getattr(obj, "_own_weights", None)
    if own is None:
        nested = {id(w) for layer in obj._flatten_layers(include_self=False) for w in layer.weights}
        own = [w for w in obj.weights if id(w) not in nested]
    return [w for w in own if w.trainable] + [w for w in own if not w.trainable]


def _vars_path(path: str) -> str:
    return f"{path}/vars" if path else "vars"


def save_weights_to_h5(root: Any, h5file) -> None:
    """Write every saveable's own variables into an open, writable h5py File."""
    for path, obj in saveable_paths(root):
        group = h5file.require_group(_vars_path(path))
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            group.attrs["name"] = name
        for index, variable in enumerate(own_variables(obj)):
            group.create_dataset(str(index), data=np.asarray(variable.numpy()))


def _prepare_optimizer(root: Any, optimizer: Any, stored: int) -> None:
    """Create an optimizer's slots before loading them, so the file's values have a home."""
    if len(optimizer.variables) >= stored or not callable(getattr(optimizer, "build", None)):
        return
    trainable = getattr(root, "trainable_variables", None)
    if trainable:
        optimizer.build(list(trainable))


def load_weights_from_h5(root: Any, h5file, skip_mismatch: bool = False,
                         what: str = "weights file") -> None:
    """Assign variables of `root` from an open h5py File in the Keras 3 layout.

    The file is validated whole first; values are assigned only when every variable found its
    matching array, so a bad file never leaves the model half-loaded.
    """
    import h5py

    safety.check_h5_tree(h5file, what)
    assignments: list[tuple[Any, np.ndarray]] = []
    named_states: list[tuple[Any, dict]] = []
    problems: list[str] = []
    for path, obj in saveable_paths(root):
        group = h5file.get(_vars_path(path))
        if group is not None and not isinstance(group, h5py.Group):
            problems.append(f"{_vars_path(path)!r} is not a group")
            continue
        stored = sorted(group.keys(), key=_numeric_key) if group is not None else []
        if _is_optimizer(obj):
            _prepare_optimizer(root, obj, len(stored))
        variables = own_variables(obj)
        label = f"{type(obj).__name__} {getattr(obj, 'name', '?')!r} (path {path or '/'!r})"
        if stored != [str(i) for i in range(len(stored))]:
            named = _named_state(obj, group, stored)
            if named is None:
                problems.append(f"{label}: unexpected entries {stored[:5]} in the file")
            else:
                named_states.append((obj, named))
            continue
        if len(stored) != len(variables) and _is_optimizer(obj):
            if stored:  # an empty group: the file was saved before compiling; nothing to say
                warnings.warn(f"Skipping variable loading for optimizer {label}: it has "
                              f"{len(variables)} variables but the file holds {len(stored)}.",
                              stacklevel=3)
            continue
        if len(stored) != len(variables):
            if not skip_mismatch:
                problems.append(f"{label} expects {len(variables)} variables but the file "
                                f"holds {len(stored)}")
            continue
        for index, variable in enumerate(variables):
            dataset = group[str(index)]
            expected = tuple(variable.shape.as_list())
            if tuple(dataset.shape) != expected:
                if not skip_mismatch:
                    problems.append(f"{label}: variable {index} ({variable.name}) has shape "
                                    f"{expected} but the file holds shape {dataset.shape}")
                continue
            value = dataset[()]
            assignments.append((variable, _cast(value, variable, label)))
    if problems:
        raise ValueError(f"Could not load the {what}: " + "; ".join(problems[:10])
                         + ("" if len(problems) <= 10 else f"; and {len(problems) - 10} more")
                         + ". No variable was changed.")
    for variable, value in assignments:
        variable.assign(value)
    for obj, named in named_states:
        obj.load_own_variables(named)


def _named_state(obj: Any, group, stored: list[str]) -> dict | None:
    """Keras 3 layers that keep state under names (a TF-IDF lookup's `idf_weights`) hand it to
    their `load_own_variables(store)`; None when this object cannot take named entries."""
    import h5py

    if _is_optimizer(obj) or own_variables(obj) or \
            not callable(getattr(obj, "load_own_variables", None)):
        return None
    if not all(isinstance(group[name], h5py.Dataset) for name in stored):
        return None
    return {name: group[name][()] for name in stored}


def _numeric_key(name: str) -> tuple:
    return (0, int(name)) if name.isdigit() else (1, name)


def _cast(value: np.ndarray, variable: Any, label: str) -> np.ndarray:
    target = np.dtype(variable.dtype.as_numpy_dtype)
    if value.dtype == target:
        return value
    if value.dtype.kind == "b" and target.kind != "b":
        raise ValueError(f"{label}: the file holds booleans for {variable.name} "
                         f"({variable.dtype.name}).")
    return value.astype(target)
