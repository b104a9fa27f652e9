"""`ProgbarLogger`: the progress bar fit/evaluate/predict print (keras.utils.Progbar)."""

from __future__ import annotations

from eagerflow.keras.callbacks.callback import Callback
from eagerflow.keras.utils import progbar as progbar_module

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints metrics to stdout with a Progbar: one bar per epoch ("Epoch i/n" above it).

    Args:
        count_mode: "steps" or "samples" (the unit the bar counts).
        stateful_metrics: names shown as given rather than averaged; the logs fit
            passes are running values already, so every logged name is treated so.
    """

    def __init__(self, count_mode: str = "samples", stateful_metrics=None) -> None:
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(f"Unknown `count_mode`: {count_mode}. Expected values are "
                             f"['samples', 'steps']")
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps") if self.use_steps else params.get("samples")

    def _reset(self) -> None:
        self.seen = 0
        self.progbar = None

    def _update(self, batch: int, logs, with_values: bool = True) -> None:
        if self.progbar is not None and self._can_skip(batch, logs):
            return
        from eagerflow.keras.utils import Progbar

        logs = dict(logs or {})
        size = logs.pop("size", 1)
        logs.pop("batch", None)
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose,
                                   stateful_metrics=self.stateful_metrics,
                                   unit_name="step" if self.use_steps else "sample")
        self.progbar.stateful_metrics.update(logs)
        self.seen = batch + 1 if self.use_steps else self.seen + int(size)
        if self.verbose == 1:
            self.progbar.update(self.seen, list(logs.items()) if with_values else None,
                                finalize=False)

    def _can_skip(self, batch: int, logs) -> bool:
        """Count the batch and say whether the bar can skip it: it would not redraw (the
        refresh interval has not passed, or verbose is not 1) and it is not the last step.

        Every logged value is stateful (shown as given), so a skipped batch's values are
        never needed: the next drawn one carries the current values.
        """
        if self.use_steps:
            seen = batch + 1
        else:
            seen = self.seen + int((logs or {}).get("size", 1))
        if self.target is not None and seen >= self.target:
            return False
        if self.verbose == 1:
            bar = self.progbar
            if progbar_module._clock() - bar._last_update >= bar.interval:
                return False
        self.seen = seen
        return True

    def _finalize(self, logs) -> None:
        logs = dict(logs or {})
        if self.progbar is None:
            return
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.seen
        self.progbar.stateful_metrics.update(logs)
        self.progbar.update(self.target, list(logs.items()), finalize=True)

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            from eagerflow.keras.utils.io_utils import print_msg

            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None, with_values=False)

    def on_predict_end(self, logs=None):
        self._finalize({})
