"""Summary writers and the per-thread summary state (default writer, step, record_if).

`create_file_writer(logdir)` gives a writer whose `as_default()` makes the
`tf.summary.*` functions write to it; `create_noop_writer()` one that drops
everything. State is per thread, as in TF.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import weakref

import numpy as np

from eagerflow.summary.event_file import EventFileWriter

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "get_step", "set_step",
           "record_if", "should_record_summaries", "flush", "current_writer",
           "current_condition"]


class _State(threading.local):
    def __init__(self) -> None:
        self.writer = None
        self.step = None
        self.condition = True


_state = _State()
_LIVE_WRITERS: weakref.WeakSet = weakref.WeakSet()


class SummaryWriter:
    """Base of summary writers (`tf.summary.SummaryWriter`): a destination for summaries."""

    def set_as_default(self, step=None) -> None:
        """Make this the default writer (and `step` the default step, when given) from now on."""
        self._check_open()
        _state.writer = self
        if step is not None:
            _state.step = step

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Within the `with` block, summaries go to this writer; flushed on exit."""
        self._check_open()
        previous_writer, previous_step = _state.writer, _state.step
        _state.writer = self
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            _state.writer = previous_writer
            if step is not None:
                _state.step = previous_step
            _flush_now_or_at_run_time(self)

    def init(self) -> None:
        """Initialize the writer's resources; already done at creation in eagerflow."""
        self._check_open()

    def flush(self) -> None:
        """Write buffered summaries out."""

    def close(self) -> None:
        """Flush and release the writer; it cannot be made default afterwards."""

    def _check_open(self) -> None:
        pass

    def _write_event(self, event_bytes: bytes) -> bool:
        """Append one serialized Event; False when this writer drops summaries."""
        return False


class _FileWriter(SummaryWriter):
    """A writer appending to one event file in `logdir`."""

    def __init__(self, logdir: str, max_queue: int, flush_millis: int,
                 filename_suffix: str) -> None:
        self._logdir = logdir
        self._file = EventFileWriter(logdir, max_queue=max_queue, flush_millis=flush_millis,
                                     filename_suffix=filename_suffix)
        _LIVE_WRITERS.add(self)

    @property
    def logdir(self) -> str:
        return self._logdir

    @property
    def path(self) -> str:
        """The event file being written."""
        return self._file.path

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()
        if _state.writer is self:
            _state.writer = None

    def _check_open(self) -> None:
        if self._file.closed:
            raise RuntimeError(f"SummaryWriter for {self._logdir!r} is already closed; create "
                               f"a new one with tf.summary.create_file_writer(logdir).")

    def _write_event(self, event_bytes: bytes) -> bool:
        if self._file.closed:
            return False
        self._file.add_record(event_bytes)
        return True

    def __repr__(self) -> str:
        return f"<SummaryWriter logdir={self._logdir!r} path={self.path!r}>"


class _NoopWriter(SummaryWriter):
    """A writer that records nothing (`tf.summary.create_noop_writer()`)."""


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False,
                       experimental_mesh=None) -> SummaryWriter:
    """A SummaryWriter for event files in `logdir` (created if missing).

    Args:
        logdir: directory of the event file.
        max_queue: summaries buffered before a write (default 10).
        flush_millis: longest time between writes (default 120000 ms).
        filename_suffix: event file name suffix (default ".v2").
    """
    if logdir is None:
        raise ValueError("tf.summary.create_file_writer: logdir must be a directory path, "
                         "got None.")
    if hasattr(logdir, "numpy"):
        logdir = logdir.numpy()
    if isinstance(logdir, bytes):
        logdir = logdir.decode("utf-8")
    logdir = os.fspath(logdir)
    if not logdir:
        raise ValueError("tf.summary.create_file_writer: logdir must be a non-empty path.")
    return _FileWriter(logdir, 10 if max_queue is None else int(max_queue),
                       120000 if flush_millis is None else int(flush_millis),
                       ".v2" if filename_suffix is None else str(filename_suffix))


def create_noop_writer() -> SummaryWriter:
    """A SummaryWriter that drops every summary."""
    return _NoopWriter()


def current_writer() -> SummaryWriter | None:
    """The default writer of this thread, or None."""
    return _state.writer


def current_condition():
    """The record_if condition of this thread: a bool, a bool tensor, or a callable."""
    return _state.condition


def get_step():
    """The default step (`tf.summary.experimental.get_step`): int, tensor, Variable or None."""
    return _state.step


def set_step(step) -> None:
    """Set the default step used when a summary call gives none (may be a Variable)."""
    _state.step = step


@contextlib.contextmanager
def record_if(condition):
    """Record summaries only where `condition` (bool, bool tensor, or callable) holds."""
    previous = _state.condition
    _state.condition = condition
    try:
        yield
    finally:
        _state.condition = previous


def should_record_summaries():
    """A bool tensor: is there a default writer and does the record_if condition hold?"""
    import eagerflow as tf

    writer = _state.writer
    if writer is None or isinstance(writer, _NoopWriter):
        return tf.constant(False)
    condition = _state.condition
    if callable(condition):
        condition = condition()
    return tf.cast(condition, tf.bool) if tf.is_tensor(condition) else tf.constant(
        bool(condition))


def _flush_now_or_at_run_time(writer: SummaryWriter) -> None:
    """Flush eagerly, or add a flush op when a tf.function is being traced."""
    import eagerflow as tf

    if tf.executing_eagerly():
        writer.flush()
        return

    def run():
        writer.flush()
        return np.bool_(True)

    tf.numpy_function(run, [], tf.bool)


def flush(writer=None, name=None) -> None:
    """Flush `writer`, or the default writer when None (at run time inside tf.function)."""
    writer = _state.writer if writer is None else writer
    if writer is not None:
        _flush_now_or_at_run_time(writer)


@atexit.register
def _flush_all() -> None:
    for writer in list(_LIVE_WRITERS):
        try:
            writer.flush()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
