"""Helpers the callbacks share: logs to Python floats, monitor direction, optimizer LR."""

from __future__ import annotations

import logging

import numpy as np

logger = logging.getLogger("eagerflow")


def to_python(value):
    """A tensor / NumPy scalar -> Python float or int (arrays -> lists); others unchanged."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_numpy_or_python(value):
    """A tensor -> NumPy array, then scalars -> Python float or int (as tf_keras's
    sync_to_numpy_or_python_type): arrays stay arrays, others unchanged."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else value
    if isinstance(value, np.generic):
        return value.item()
    return value


def process_logs(logs) -> dict:
    """The logs dict with tensors turned into Python numbers or NumPy arrays (the same dict
    when already so)."""
    if logs is None:
        return {}
    for value in logs.values():  # (a loop: this runs twice per training step)
        if type(value) not in _PLAIN and not isinstance(value, _PLAIN):
            return {key: to_numpy_or_python(value) for key, value in logs.items()}
    return logs


_PLAIN = (float, int, str, type(None))  # log values callbacks get as they are


def monitor_mode(owner: str, monitor: str, mode: str) -> str:
    """'min' or 'max' for `mode` ('auto' picks max for accuracy-like names, as tf_keras)."""
    if mode not in ("auto", "min", "max"):
        logger.warning("%s mode %s is unknown, fallback to auto mode.", owner, mode)
        mode = "auto"
    if mode == "auto":
        return "max" if "acc" in monitor or monitor.startswith("fmeasure") else "min"
    return mode


def is_frequency(value) -> bool:
    """Whether `value` is a valid save / update frequency: "epoch" or a positive int of
    batches."""
    return value == "epoch" or (isinstance(value, int) and value > 0)


class SavesEveryNBatches:
    """Mixin (listed before Callback) of callbacks that save every `save_freq` training
    batches when it is an int: it tracks the epoch and counts batches, then calls
    `_save_at_batch(epoch, batch, logs)`."""

    save_freq = "epoch"
    _batches_seen_since_last_saving = 0
    _current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen_since_last_saving += 1
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save_at_batch(self._current_epoch, batch, logs)

    def _save_at_batch(self, epoch: int, batch: int, logs) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define `_save_at_batch`.")


def get_learning_rate(optimizer) -> float:
    """The optimizer's current learning rate as a Python float (schedules evaluated)."""
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError('Optimizer must have a "learning_rate" attribute; got '
                         f"{type(optimizer).__name__}.")
    value = optimizer.learning_rate
    if callable(value) and not hasattr(value, "numpy"):
        value = value(optimizer.iterations)
    return float(to_python(value))


def set_learning_rate(optimizer, value: float) -> None:
    """Set the optimizer's learning rate (assigns its learning-rate variable)."""
    current = getattr(optimizer, "_learning_rate", None)
    if current is not None and hasattr(current, "assign"):
        current.assign(float(value))
    else:
        optimizer.learning_rate = float(value)
