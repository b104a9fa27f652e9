"""`keras.utils.Progbar`: the text progress bar `fit`/`evaluate`/`predict` print, in Keras's format.

On a terminal (or in a notebook) the bar redraws in place with `\\r`; when stdout is a file or a
pipe it writes only the finished line, so logs hold one line per epoch instead of redraw noise.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from eagerflow.keras.utils import io_utils

__all__ = ["Progbar"]

_clock = time.time  # module-level so tests can substitute a fake clock


def _supports_dynamic_display() -> bool:
    """Whether stdout can redraw a line in place: a terminal, a Jupyter kernel or PyCharm."""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        on_terminal = bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        on_terminal = False
    return on_terminal or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _format_number(value: Any) -> str:
    """Keras's metric format: 4 decimals, scientific notation for magnitudes up to 1e-3."""
    if isinstance(value, str):
        return value
    if abs(value) > 1e-3:
        return f"{value:.4f}"
    return f"{value:.4e}"


def _format_rate(seconds: float, unit_name: str) -> str:
    """' 12ms/step' style: seconds, milliseconds or microseconds per unit."""
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


def _format_eta(seconds: float) -> str:
    """'1:02:03', '2:03' or '3s', as Keras writes the time left."""
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _to_number(value: Any) -> float | str:
    """A float for tensors, arrays and numbers (arrays are averaged); other values as text."""
    try:
        return float(np.mean(np.asarray(value, dtype=np.float64)))
    except (TypeError, ValueError):
        return str(value)


class Progbar:
    """Displays a progress bar with running averages of metrics.

    Args:
        target: Total number of steps expected, None if unknown.
        width: Progress bar width on screen.
        verbose: Verbosity mode, 0 (silent), 1 (progress bar) or 2 (one line when finished).
        interval: Minimum visual progress update interval (in seconds).
        stateful_metrics: Names of metrics shown as given rather than averaged over steps
            (metrics that already hold a running value, like the ones `fit` reports).
        unit_name: Display name for the step counts (usually "step" or "sample").

    Example:
        >>> bar = Progbar(100)
        >>> for step in range(1, 101):
        ...     bar.update(step, values=[("loss", 0.1)])
    """

    def __init__(
        self,
        target: int | None,
        width: int = 30,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
    ) -> None:
        if target is not None and target < 0:
            raise ValueError(f"Progbar `target` must be a non-negative number of steps or None. "
                             f"Received: target={target}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar `verbose` must be 0, 1 or 2. Received: verbose={verbose}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._dynamic_display = _supports_dynamic_display()
        self._total_width = 0  # width of the last drawn line, to blank what a shorter one leaves
        self._seen_so_far = 0
        # name -> [weighted sum, step count] for averaged values, [value, 1] for stateful ones
        self._values: dict[str, list] = {}
        self._values_order: list[str] = []
        self._start = _clock()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end: float | None = None

    def update(
        self,
        current: int,
        values: Iterable[tuple[str, Any]] | None = None,
        finalize: bool | None = None,
    ) -> None:
        """Record that `current` steps are done and show the bar.

        Args:
            current: Index of the current step (the number of steps done).
            values: `(name, value)` pairs. Values of names not in `stateful_metrics` are averaged
                over steps, each weighted by the steps since the previous update.
            finalize: Whether this is the last update; defaults to `current >= target`.
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        self._record(current, values or [])
        now = _clock()
        if self.target is not None and current == self.target:
            self._time_at_epoch_end = now
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw_bar(current, now, finalize)
        elif self.verbose == 2 and finalize:
            self._print_summary_line(current, now)
        self._last_update = now

    def add(self, n: int, values: Iterable[tuple[str, Any]] | None = None) -> None:
        """Advance by `n` steps (`update(seen + n, values)`)."""
        self.update(self._seen_so_far + n, values)

    # -- bookkeeping ---------------------------------------------------------------------------

    def _record(self, current: int, values: Iterable[tuple[str, Any]]) -> None:
        steps = max(current - self._seen_so_far, 1)
        for name, raw in values:
            if name not in self._values_order:
                self._values_order.append(name)
            value = _to_number(raw)
            if name in self.stateful_metrics or isinstance(value, str):
                self._values[name] = [value, 1]
            elif name in self._values and not isinstance(self._values[name][0], str):
                self._values[name][0] += value * steps
                self._values[name][1] += steps
            else:
                self._values[name] = [value * steps, steps]
        self._seen_so_far = current

    def _metrics_text(self) -> str:
        parts = []
        for name in self._values_order:
            total, count = self._values[name]
            value = total if isinstance(total, str) else total / max(1, count)
            parts.append(f" - {name}: {_format_number(value)}")
        return "".join(parts)

    def _step_duration(self, current: int, now: float) -> float:
        """Seconds per step, leaving out the first step (it holds tracing/compilation time)."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            duration = (now - self._time_after_first_step) / (current - 1)
        else:
            duration = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return duration

    def _count_text(self, current: int) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
        return f"{current:{digits}d}/{self.target}"

    # -- drawing -------------------------------------------------------------------------------

    def _bar_text(self, current: int) -> str:
        text = self._count_text(current)
        if self.target is None:
            return text
        progress = current / self.target if self.target else 1.0
        filled = min(int(self.width * progress), self.width)
        bar = ""
        if filled > 0:
            bar = "=" * (filled - 1) + (">" if current < self.target else "=")
        return f"{text} [{bar}{'.' * (self.width - filled)}]"

    def _draw_bar(self, current: int, now: float, finalize: bool) -> None:
        duration = self._step_duration(current, now)
        if not self._dynamic_display and not finalize:
            return  # a file or pipe gets only the finished line
        bar = self._bar_text(current)
        if self.target is None or finalize:
            info = f" - {now - self._start:.0f}s" + _format_rate(duration, self.unit_name)
        else:
            info = f" - ETA: {_format_eta(duration * (self.target - current))}"
        line = bar + info + self._metrics_text()
        if self._dynamic_display:
            previous_width = self._total_width
            self._total_width = len(line)
            padding = " " * max(previous_width - len(line), 0)
            message = "\b" * previous_width + "\r" + line + padding
        else:
            message = line
        if finalize:
            message += "\n"
        io_utils.print_msg(message, line_break=False)

    def _print_summary_line(self, current: int, now: float) -> None:
        info = self._count_text(current) + f" - {now - self._start:.0f}s" + self._metrics_text()
        epoch_end = self._time_at_epoch_end if self._time_at_epoch_end is not None else now
        epoch_time = epoch_end - self._time_at_epoch_start
        steps = self.target if self.target else max(current, 1)
        info += " -" + _format_rate(epoch_time, "epoch")
        info += " -" + _format_rate(epoch_time / steps, self.unit_name)
        self._time_at_epoch_start = now
        self._time_at_epoch_end = None
        io_utils.print_msg(info + "\n", line_break=False)
