"""Learning-rate callbacks: `LearningRateScheduler` and `ReduceLROnPlateau`."""

from __future__ import annotations

import math

import numpy as np

from eagerflow.keras.callbacks._util import (
    get_learning_rate,
    logger,
    monitor_mode,
    set_learning_rate,
    to_python,
)
from eagerflow.keras.callbacks.callback import Callback

__all__ = ["LearningRateScheduler", "ReduceLROnPlateau"]


def _print(message: str) -> None:
    from eagerflow.keras.utils.io_utils import print_msg

    print_msg(message)


class LearningRateScheduler(Callback):
    """At each epoch start, set the learning rate to `schedule(epoch, lr)` (or `schedule(epoch)`).

    The rate used is logged as "lr" at the epoch's end.
    """

    def __init__(self, schedule, verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        import eagerflow as tf

        optimizer = getattr(self.model, "optimizer", None)
        current = get_learning_rate(optimizer)
        try:
            lr = self.schedule(epoch, current)
        except TypeError:  # a schedule of the epoch only
            lr = self.schedule(epoch)
        if tf.is_tensor(lr):
            if not lr.dtype.is_floating:
                raise ValueError(f"The dtype of `lr` Tensor should be float. Got: {lr.dtype}")
        elif not isinstance(lr, (float, np.floating)):
            raise ValueError(f'The output of the "schedule" function should be float. Got: '
                             f"{lr!r}")
        value = float(to_python(lr))
        set_learning_rate(optimizer, value)
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                   f"{value}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = get_learning_rate(self.model.optimizer)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement.

    Args:
        monitor: the log to watch.
        factor: new_lr = lr * factor (must be < 1).
        patience: epochs without improvement before reducing.
        mode: "min", "max" or "auto".
        min_delta: smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: lower bound on the learning rate.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0, **kwargs) -> None:
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Got {factor}")
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            logger.warning("`epsilon` argument is deprecated and will be removed, use "
                           "`min_delta` instead.")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected arguments {sorted(kwargs)}.")
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.mode = mode
        self._reset()

    def _reset(self) -> None:
        self.mode = monitor_mode("Learning rate reduction", self.monitor, self.mode)
        if self.mode == "auto":
            self.mode = "min"
        self.best = math.inf if self.mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.wait = 0

    def _improved(self, current: float) -> bool:
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = get_learning_rate(self.model.optimizer)
        current = logs.get(self.monitor)
        if current is None:
            logger.warning("Learning rate reduction is conditioned on metric `%s` which is "
                           "not available. Available metrics are: %s", self.monitor,
                           ",".join(logs))
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = get_learning_rate(self.model.optimizer)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    set_learning_rate(self.model.optimizer, new_lr)
                    if self.verbose > 0:
                        _print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning "
                               f"rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
