"""The Keras 2 (tf_keras) `.h5` format: full models (`model.save("m.h5")`) and weights-only
files (`save_weights("w.h5")`).

Weights are stored per layer under `/model_weights/<layer name>/<weight name>` (tf_keras names
carry a ":0" suffix, Keras 3's do not; both are read). Long name lists are split over several
attributes (`layer_names0`, `layer_names1`, ...) and reassembled here. Loading matches layers
with weights in order (or by name), validates everything, then assigns.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from eagerflow.keras.saving import config_dialects, safety
from eagerflow.keras.saving.atomic import atomic_path
from eagerflow.keras.saving.keras_zip import compile_from_config
from eagerflow.keras.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["load_legacy_h5_model", "load_legacy_h5_weights", "save_legacy_h5_model",
           "save_legacy_h5_weights"]

HDF5_OBJECT_HEADER_LIMIT = 64512


# ---------------------------------------------------------------- attributes

def save_attributes(group, name: str, values: list[str]) -> None:
    """Store a list of strings as one attribute, or as `name0`, `name1`, ... when too large."""
    import h5py

    encoded = [value.encode("utf-8") for value in values]
    too_long = [value for value in encoded if len(value) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(f"Cannot save the attribute {name!r}: the entry "
                         f"{too_long[0][:60]!r}... is longer than {HDF5_OBJECT_HEADER_LIMIT} "
                         "bytes.")
    array = np.array(values, dtype=h5py.string_dtype("utf-8"))
    total = sum(len(value) + 16 for value in encoded)
    chunks = 1
    while total / chunks > HDF5_OBJECT_HEADER_LIMIT:
        chunks += 1
    if chunks == 1:
        group.attrs[name] = array
        return
    for index, chunk in enumerate(np.array_split(array, chunks)):
        group.attrs[f"{name}{index}"] = chunk


def load_attributes(group, name: str, what: str) -> list[str]:
    """Read a string-list attribute, reassembling `name0`, `name1`, ... chunks."""
    attrs = group.attrs
    chunked = [key for key in attrs if key.startswith(name) and key[len(name):].isdigit()]
    if name in attrs:
        if chunked:
            raise ValueError(f"{what}: both {name!r} and chunks {sorted(chunked)} are present; "
                             "refusing an ambiguous file.")
        values = safety.decode_attr(attrs[name])
    else:
        values = []
        for index in range(len(chunked)):
            key = f"{name}{index}"
            if key not in attrs:
                raise ValueError(f"{what}: attribute chunks {sorted(chunked)} are not numbered "
                                 f"0..{len(chunked) - 1}; refusing an inconsistent file.")
            values.extend(safety.decode_attr(attrs[key]))
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{what}: attribute {name!r} must be a list of strings.")
    return values


# ---------------------------------------------------------------- writing

def _weight_name(variable: Any) -> str:
    name = variable.name
    return name if name.endswith(":0") or ":" in name else f"{name}:0"


def _write_layer_weights(group, layers: list) -> None:
    save_attributes(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = "tensorflow"
    group.attrs["keras_version"] = config_dialects.legacy_keras_version()
    for layer in layers:
        layer_group = group.create_group(layer.name)
        names = []
        for variable in layer.weights:
            name = _weight_name(variable)
            if name in names:
                raise ValueError(f"Layer {layer.name!r} has two weights named {name!r}; the "
                                 "legacy .h5 format needs unique names. Use .keras instead.")
            names.append(name)
            layer_group.create_dataset(name, data=np.asarray(variable.numpy()))
        save_attributes(layer_group, "weight_names", names)


def _model_layers(model: Any) -> list:
    return list(model.layers)


def save_legacy_h5_weights(model: Any, filepath: str | os.PathLike) -> None:
    """tf_keras `save_weights("w.h5")`: per-layer groups at the file's root."""
    import h5py

    with atomic_path(filepath) as temporary, h5py.File(temporary, "w") as h5file:
        _write_layer_weights(h5file, _model_layers(model))


# Keras 3 optimizer options tf_keras does not take (written only when set).
_KERAS3_ONLY_OPTIMIZER_KEYS = ("loss_scale_factor", "gradient_accumulation_steps")


def _training_config(model: Any) -> dict | None:
    get = getattr(model, "_get_compile_config", None) or getattr(model, "get_compile_config", None)
    config = get() if callable(get) else None
    if not config:
        return None
    config = serialize_keras_object(config)
    optimizer = config.get("optimizer")
    result = {key: config.get(key) for key in ("loss", "metrics", "weighted_metrics",
                                                 "loss_weights")}
    if isinstance(optimizer, dict):
        # tf_keras names its (non-legacy) optimizers "Custom>Adam" and flags them so.
        inner = {key: value for key, value in (optimizer.get("config") or {}).items()
                 if not (key in _KERAS3_ONLY_OPTIMIZER_KEYS and value is None)}
        inner.setdefault("jit_compile", False)
        inner["is_legacy_optimizer"] = False
        result["optimizer_config"] = {"class_name": f"Custom>{optimizer.get('class_name')}",
                                      "config": inner}
    elif isinstance(optimizer, str):
        result["optimizer_config"] = {"class_name": optimizer, "config": {}}
    return result


def _optimizer_state(model: Any) -> tuple[list[str], list] | None:
    optimizer = getattr(model, "optimizer", None)
    variables = list(getattr(optimizer, "variables", []) or [])
    if not variables:
        return None
    learning_rate = getattr(optimizer, "_learning_rate", None)
    kept = [v for v in variables if v is not learning_rate]  # tf_keras does not store it
    names, seen = [], set()
    for index, variable in enumerate(kept):
        name = "iteration:0" if index == 0 else _weight_name(variable)
        if name in seen:
            name = f"{name.removesuffix(':0')}_{index}:0"
        seen.add(name)
        names.append(name)
    return names, kept


def save_legacy_h5_model(model: Any, filepath: str | os.PathLike,
                         include_optimizer: bool = True) -> None:
    """tf_keras `model.save("m.h5")`: config, training config, weights, optimizer weights."""
    import h5py

    model_config = config_dialects.model_config_for_tf_keras(
        {"class_name": type(model).__name__, "config": serialize_keras_object(model.get_config())},
        config_dialects.call_parameters(model))
    with atomic_path(filepath) as temporary, h5py.File(temporary, "w") as h5file:
        h5file.attrs["backend"] = "tensorflow"
        h5file.attrs["keras_version"] = config_dialects.legacy_keras_version()
        h5file.attrs["model_config"] = json.dumps(model_config)
        training = _training_config(model) if include_optimizer else None
        if training is not None:
            h5file.attrs["training_config"] = json.dumps(training)
        _write_layer_weights(h5file.create_group("model_weights"), _model_layers(model))
        state = _optimizer_state(model) if include_optimizer else None
        if state is not None:
            group = h5file.create_group("optimizer_weights")
            names, variables = state
            save_attributes(group, "weight_names", names)
            for name, variable in zip(names, variables):
                group.create_dataset(name, data=np.asarray(variable.numpy()))


# ---------------------------------------------------------------- reading

def _dataset(group, name: str, what: str) -> Any:
    import h5py

    safety.check_member_name(name, what)
    item = group.get(name)
    if item is None:
        # Keras 3 writers drop tf_keras's ":0" suffix; tf_keras adds it.
        alternative = name[:-2] if name.endswith(":0") else f"{name}:0"
        item = group.get(alternative)
    if not isinstance(item, h5py.Dataset):
        raise ValueError(f"{what}: weight {name!r} is not a dataset in group {group.name!r}.")
    return item


def _weights_by_layer(group, what: str) -> list[tuple[str, list]]:
    """(layer name, [datasets]) for every layer the file lists, in file order."""
    import h5py

    result = []
    for layer_name in load_attributes(group, "layer_names", what):
        safety.check_member_name(layer_name, what)
        layer_group = group.get(layer_name)
        if not isinstance(layer_group, h5py.Group):
            raise ValueError(f"{what}: layer {layer_name!r} is listed but has no group.")
        names = load_attributes(layer_group, "weight_names", f"{what} layer {layer_name!r}")
        result.append((layer_name, [_dataset(layer_group, n, what) for n in names]))
    return result


def _plan(layer: Any, datasets: list, what: str, skip_mismatch: bool,
          problems: list[str]) -> list[tuple[Any, Any]]:
    variables = list(layer.weights)
    if len(variables) != len(datasets):
        if not skip_mismatch:
            problems.append(f"layer {layer.name!r} expects {len(variables)} weights but the "
                            f"file holds {len(datasets)}")
        return []
    plan = []
    for variable, dataset in zip(variables, datasets):
        expected = tuple(variable.shape.as_list())
        if tuple(dataset.shape) != expected:
            if skip_mismatch:
                return []
            problems.append(f"layer {layer.name!r} weight {variable.name} has shape {expected} "
                            f"but the file holds shape {dataset.shape}")
            continue
        plan.append((variable, dataset))
    return plan


def load_weights_from_group(model: Any, group, what: str, by_name: bool = False,
                            skip_mismatch: bool = False) -> None:
    """Assign weights from a tf_keras-layout group (topologically, or by layer name)."""
    stored = _weights_by_layer(group, what)
    problems: list[str] = []
    plan: list[tuple[Any, Any]] = []
    if by_name:
        by_layer_name = {}
        for layer_name, datasets in stored:
            by_layer_name[layer_name] = datasets
        for layer in _model_layers(model):
            if layer.name in by_layer_name:
                plan += _plan(layer, by_layer_name[layer.name], what, skip_mismatch, problems)
    else:
        with_weights = [layer for layer in _model_layers(model) if layer.weights]
        stored = [(name, datasets) for name, datasets in stored if datasets]
        if len(with_weights) != len(stored):
            raise ValueError(
                f"{what}: the model has {len(with_weights)} layers with weights but the file "
                f"holds {len(stored)} ({[name for name, _ in stored][:10]}). Load by_name=True "
                "or check that this file belongs to this model. No variable was changed.")
        for layer, (_, datasets) in zip(with_weights, stored):
            plan += _plan(layer, datasets, what, skip_mismatch, problems)
    if problems:
        raise ValueError(f"Could not load {what}: " + "; ".join(problems[:10])
                         + ". No variable was changed.")
    values = [(variable, _read(dataset, variable)) for variable, dataset in plan]
    for variable, value in values:
        variable.assign(value)


def _read(dataset, variable) -> np.ndarray:
    value = dataset[()]
    target = np.dtype(variable.dtype.as_numpy_dtype)
    return value if value.dtype == target else value.astype(target)


def _open(filepath: str | os.PathLike, what: str):
    import h5py

    try:
        h5file = h5py.File(filepath, "r")
    except OSError as error:
        raise ValueError(f"{what} is not a readable HDF5 file ({error}).") from None
    try:
        safety.check_h5_tree(h5file, what)
    except BaseException:
        h5file.close()
        raise
    return h5file


def is_legacy_layout(h5file) -> bool:
    """Whether an open HDF5 file uses the tf_keras layout (rather than Keras 3's `vars`)."""
    return "layer_names" in h5file.attrs or "layer_names0" in h5file.attrs \
        or "model_weights" in h5file


def load_legacy_h5_weights(model: Any, filepath: str | os.PathLike, by_name: bool = False,
                           skip_mismatch: bool = False) -> None:
    """`load_weights("w.h5")` for weights-only or full-model tf_keras files."""
    what = f"weights file {os.fspath(filepath)!r}"
    with _open(filepath, what) as h5file:
        group = h5file["model_weights"] if "model_weights" in h5file else h5file
        load_weights_from_group(model, group, what, by_name=by_name,
                                skip_mismatch=skip_mismatch)


def _load_optimizer_weights(model: Any, h5file, what: str) -> None:
    group = h5file.get("optimizer_weights")
    optimizer = getattr(model, "optimizer", None)
    if group is None or optimizer is None:
        return
    names = load_attributes(group, "weight_names", f"{what} optimizer_weights")
    datasets = [_dataset(group, name, what) for name in names]
    if callable(getattr(optimizer, "build", None)):
        variables = list(optimizer.variables)
        if len(variables) < len(datasets):
            optimizer.build(list(model.trainable_variables))
    variables = list(optimizer.variables)
    learning_rate = getattr(optimizer, "_learning_rate", None)
    without_rate = [v for v in variables if v is not learning_rate]
    if len(datasets) == len(without_rate):
        variables = without_rate  # tf_keras does not store the learning rate
    elif len(datasets) != len(variables):
        import warnings

        warnings.warn(f"{what}: the optimizer has {len(variables)} variables but the file holds "
                      f"{len(datasets)} ({names[:3]}...); only the iteration count is restored "
                      "(tf_keras keeps slots eagerflow's optimizer does not use, e.g. SGD "
                      "without momentum).", stacklevel=3)
        if not names or not names[0].split("/")[-1].startswith("iteration"):
            return
        variables, datasets = variables[:1], datasets[:1]
    for variable, dataset in zip(variables, datasets):
        if tuple(dataset.shape) != tuple(variable.shape.as_list()):
            raise ValueError(f"{what}: optimizer weight {dataset.name!r} has shape "
                             f"{dataset.shape}, expected {variable.shape}.")
    values = [_read(dataset, variable) for variable, dataset in zip(variables, datasets)]
    for variable, value in zip(variables, values):
        variable.assign(value)


_LEGACY_OPTIMIZER_KEYS = ("is_legacy_optimizer", "jit_compile")


def _compile_config_from_training(training: dict) -> dict:
    """tf_keras's `training_config` as a Keras 3 compile config."""
    optimizer = training.get("optimizer_config")
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        inner = {k: v for k, v in optimizer["config"].items() if k not in _LEGACY_OPTIMIZER_KEYS}
        optimizer = {"class_name": optimizer.get("class_name"), "config": inner}
    return {"optimizer": optimizer, "loss": training.get("loss"),
            "metrics": _legacy_metrics(training.get("metrics")),
            "weighted_metrics": _legacy_metrics(training.get("weighted_metrics")),
            "loss_weights": training.get("loss_weights")}


def _legacy_metrics(metrics: Any) -> Any:
    """tf_keras stores metrics per output (`[[{MeanMetricWrapper}]]`); single-output lists are
    flattened and metric wrappers become their names."""
    if not isinstance(metrics, list):
        return metrics
    if len(metrics) == 1 and isinstance(metrics[0], list):
        metrics = metrics[0]
    result = []
    for metric in metrics:
        if isinstance(metric, dict) and metric.get("class_name") == "MeanMetricWrapper":
            inner = metric.get("config") or {}
            result.append(inner.get("name") or inner.get("fn"))
        else:
            result.append(metric)
    return result


def load_legacy_h5_model(filepath: str | os.PathLike, custom_objects: dict | None = None,
                         compile: bool = True, safe_mode: bool = True) -> Any:
    """Rebuild a model saved by tf_keras (or Keras 3) as a legacy `.h5` file."""
    what = f"legacy .h5 file {os.fspath(filepath)!r}"
    with _open(filepath, what) as h5file, \
            safety.SafeModeScope(False if safe_mode is False else None):
        if "model_config" not in h5file.attrs:
            raise ValueError(f"{what} has no model_config: it holds weights only. Build the "
                             "model in code and call model.load_weights() instead.")
        config = safety.load_json(safety.decode_attr(h5file.attrs["model_config"]),
                                  f"{what} model_config")
        if not isinstance(config, dict):
            raise ValueError(f"{what}: model_config must be a JSON object.")
        training = None
        if "training_config" in h5file.attrs:
            training = safety.load_json(safety.decode_attr(h5file.attrs["training_config"]),
                                        f"{what} training_config")
        safety.check_config_tree(config, f"{what} model_config")
        config = config_dialects.tf_keras_node_indices_to_eagerflow(config)
        model = deserialize_keras_object(config, custom_objects=custom_objects)
        if "model_weights" not in h5file:
            raise ValueError(f"{what} has no model_weights group.")
        load_weights_from_group(model, h5file["model_weights"], what)
        if compile and isinstance(training, dict):
            safety.check_config_tree(training, f"{what} training_config")
            compile_from_config(model, _compile_config_from_training(training), custom_objects)
            _load_optimizer_weights(model, h5file, what)
    return model
