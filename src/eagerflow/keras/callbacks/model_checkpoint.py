"""`ModelCheckpoint`: save the model or its weights every epoch / every N batches."""

from __future__ import annotations

import math
import os

from eagerflow.keras.callbacks._util import (
    SavesEveryNBatches,
    is_frequency,
    logger,
    monitor_mode,
)
from eagerflow.keras.callbacks.callback import Callback

__all__ = ["ModelCheckpoint"]


def format_filepath(filepath: str, epoch: int, logs: dict, batch: int | None = None) -> str:
    """`filepath` with {epoch:02d}, {batch}, {val_loss:.2f} ... filled in (epoch 1-based)."""
    values = dict(logs or {})
    values["epoch"] = epoch + 1
    if batch is not None:
        values["batch"] = batch + 1
    try:
        return os.fspath(filepath).format(**values)
    except KeyError as exc:
        raise KeyError(f'Failed to format this callback filepath: "{filepath}". Reason: '
                       f"{exc}; the logs hold {sorted(logs or {})}.") from None


class ModelCheckpoint(SavesEveryNBatches, Callback):
    """Save the model (or its weights) during training.

    Args:
        filepath: where to save; may hold "{epoch:02d}" and log names ("{val_loss:.2f}").
        monitor: the log to watch when `save_best_only`.
        save_best_only: save only when `monitor` improves on the best value seen.
        save_weights_only: `model.save_weights(filepath)` instead of `model.save(filepath)`.
        mode: "min", "max" or "auto" (max for accuracy-like names).
        save_freq: "epoch" or a number of batches.
        initial_value_threshold: the best value to beat at the start.
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq="epoch", options=None,
                 initial_value_threshold=None, **kwargs) -> None:
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        if "period" in kwargs:
            self.save_freq = "epoch"
            self._period = int(kwargs.pop("period"))
        else:
            self._period = 1
        if not is_frequency(save_freq):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             f"'epoch' or a positive integer number of batches.")
        self.mode = monitor_mode("ModelCheckpoint", monitor, mode)
        self.initial_value_threshold = initial_value_threshold
        self.best = initial_value_threshold if initial_value_threshold is not None else (
            math.inf if self.mode == "min" else -math.inf)

    def _improved(self, current: float) -> bool:
        return current < self.best if self.mode == "min" else current > self.best

    def _save_at_batch(self, epoch: int, batch: int, logs) -> None:
        self._save_model(epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch" and (epoch + 1) % self._period == 0:
            self._save_model(epoch, None, logs)

    def _save_model(self, epoch: int, batch: int | None, logs) -> None:
        logs = logs or {}
        filepath = format_filepath(self.filepath, epoch, logs, batch)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                logger.warning("Can save best model only with %s available, skipping.",
                               self.monitor)
                return
            if not self._improved(current):
                if self.verbose > 0:
                    _print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                           f"{self.best:.5f}")
                return
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} "
                       f"to {current:.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


def _print(message: str) -> None:
    from eagerflow.keras.utils.io_utils import print_msg

    print_msg(message)
