"""Background threads of tf.data: prefetching and parallel map.

Every thread is a daemon that holds no reference to the iterator the user
holds, so dropping that iterator runs its finalizer: a stop event is set, the
threads wake within `_POLL` seconds and exit, closing their input iterators
(which stops the threads further up). An exception raised in a thread is
handed to the consumer, with its traceback, at the position where it
happened; the consumer never waits on a thread that has died.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import weakref
from collections import deque

__all__ = ["BackgroundIterator", "ParallelMapIterator", "close_iterator", "cpu_count"]

_POLL = 0.05
_ITEM, _ERROR, _END = 0, 1, 2


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def close_iterator(iterator) -> None:
    """Close an internal iterator (generators and our iterator classes), ignoring errors."""
    close = getattr(iterator, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001 - closing must never raise into a finalizer
            pass


def _put(q: queue.Queue, item, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=_POLL)
            return True
        except queue.Full:
            continue
    return False


def _produce(source, q: queue.Queue, stop: threading.Event) -> None:
    """Thread body: move `source`'s elements (and errors) into `q` until the end or stop."""
    try:
        while not stop.is_set():
            try:
                item = (_ITEM, next(source))
            except StopIteration:
                _put(q, (_END, None), stop)
                return
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                item = (_ERROR, exc)
            if not _put(q, item, stop):
                return
    finally:
        close_iterator(source)


def _stop_thread(stop: threading.Event, q: queue.Queue, holder: list) -> None:
    stop.set()
    try:
        while True:
            q.get_nowait()
    except queue.Empty:
        pass
    thread = holder[0] if holder else None
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=1.0)


class BackgroundIterator:
    """Runs `source` in a daemon thread, `buffer_size` elements ahead of the consumer."""

    def __init__(self, source, buffer_size: int, name: str = "prefetch") -> None:
        self._source = source
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, buffer_size))
        self._stop = threading.Event()
        self._holder: list = []
        self._name = name
        self._done = False
        self._finalizer = weakref.finalize(self, _stop_thread, self._stop, self._queue,
                                           self._holder)
        self._finalizer.atexit = False  # daemon threads end with the interpreter

    def _start(self) -> None:
        thread = threading.Thread(target=_produce, args=(self._source, self._queue, self._stop),
                                  name=f"tf.data-{self._name}", daemon=True)
        self._source = None  # the thread owns it now
        self._holder.append(thread)
        thread.start()

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        if not self._holder:
            self._start()
        kind, value = self._queue.get()
        if kind == _ITEM:
            return value
        if kind == _END:
            self._done = True
            self._finalizer()
            raise StopIteration
        raise value

    def close(self) -> None:
        self._done = True
        if self._source is not None:
            close_iterator(self._source)
            self._source = None
        self._finalizer()


class _Raised:
    """An exception in place of a result, re-raised when its position is reached."""

    __slots__ = ("exception",)

    def __init__(self, exception: BaseException) -> None:
        self.exception = exception


class _Slot:
    """A chunk of elements mapped by one worker; results are values or `_Raised`."""

    __slots__ = ("elements", "results", "done")

    def __init__(self, elements) -> None:
        self.elements = elements
        self.results = None
        self.done = threading.Event()


def _run_slot(fn, slot: _Slot, timing: list) -> None:
    """Map a slot's elements, keeping each result or exception in place; time the work."""
    results = []
    start = time.perf_counter()
    append = results.append
    for element in slot.elements:
        try:
            append(fn(element))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            append(_Raised(exc))
    if slot.elements:
        timing[0] = (time.perf_counter() - start) / len(slot.elements)
    slot.elements = None
    slot.results = results
    slot.done.set()


def _work(fn, tasks: queue.Queue, finished: queue.Queue | None, stop: threading.Event,
          timing: list) -> None:
    while not stop.is_set():
        try:
            slot = tasks.get(timeout=_POLL)
        except queue.Empty:
            continue
        if slot is None:
            return
        _run_slot(fn, slot, timing)
        if finished is not None:
            finished.put(slot)


def _stop_workers(stop: threading.Event, tasks: queue.Queue, threads: list) -> None:
    stop.set()
    for _ in threads:
        tasks.put(None)
    current = threading.current_thread()
    for thread in threads:
        if thread is not current:
            thread.join(timeout=1.0)


class ParallelMapIterator:
    """Applies `fn` to the elements of `source` on `num_workers` daemon threads.

    Elements are pulled in the consumer's thread and handed to the workers in
    chunks whose size adapts to the cost of `fn` (about a millisecond of work
    per chunk, one element for slow functions), so cheap functions do not pay
    a thread hand-off per element. A function cheaper than `_INLINE_SECONDS`
    per element runs in the consumer's thread instead: under the GIL, threads
    only add contention for such work (measured: 2.4x the CPU time for a 6 us
    NumPy function). The cost is measured continuously, so the choice follows
    the function. Order is kept unless `deterministic` is False, in which case
    chunks are returned as they finish.
    """

    _TARGET_CHUNK_SECONDS = 1e-3
    _MAX_CHUNK = 64
    _INLINE_SECONDS = 50e-6

    def __init__(self, source, fn, num_workers: int, deterministic: bool = True) -> None:
        self._source = source
        self._fn = fn
        self._workers = max(1, num_workers)
        self._deterministic = deterministic
        self._tasks: queue.Queue = queue.Queue()
        self._finished: queue.Queue | None = None if deterministic else queue.Queue()
        self._stop = threading.Event()
        self._threads: list = []
        self._timing = [None]
        self._pending: deque = deque()  # slots in submission order (deterministic)
        self._in_flight = 0
        self._current = None  # iterator over the results of the chunk being handed out
        self._input_done = False
        self._finalizer = weakref.finalize(self, _stop_workers, self._stop, self._tasks,
                                           self._threads)
        self._finalizer.atexit = False

    def _start(self) -> None:
        for index in range(self._workers):
            thread = threading.Thread(
                target=_work, args=(self._fn, self._tasks, self._finished, self._stop,
                                    self._timing),
                name=f"tf.data-map-{index}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _chunk_size(self) -> int:
        seconds = self._timing[0]
        if seconds is None:
            return 1
        if seconds <= 0:
            return self._MAX_CHUNK
        return int(min(self._MAX_CHUNK, max(1, self._TARGET_CHUNK_SECONDS / seconds)))

    def _submit(self) -> None:
        """Pull one chunk from the input and hand it to the workers."""
        size = self._chunk_size()
        elements = []
        error = None
        pull, append = self._source.__next__, elements.append
        try:
            for _ in range(size):
                append(pull())
        except StopIteration:
            self._input_done = True
        except BaseException as exc:  # noqa: BLE001 - an input error keeps its position
            error = exc
        if elements:
            slot = _Slot(elements)
            self._pending.append(slot)
            self._in_flight += 1
            seconds = self._timing[0]
            if seconds is not None and seconds < self._INLINE_SECONDS:
                _run_slot(self._fn, slot, self._timing)
                if self._finished is not None:
                    self._finished.put(slot)
            else:
                if not self._threads:
                    self._start()
                self._tasks.put(slot)
        if error is not None:
            slot = _Slot(None)
            slot.results = [_Raised(error)]
            slot.done.set()
            self._pending.append(slot)
            self._in_flight += 1
            if self._finished is not None:
                self._finished.put(slot)

    def __iter__(self):
        return self

    def __next__(self):
        current = self._current
        if current is not None:
            for value in current:  # the rest of the current chunk (a list iterator)
                if type(value) is _Raised:
                    raise value.exception
                return value
        return self._next_chunk()

    def _next_chunk(self):
        while True:
            while not self._input_done and self._in_flight < 2 * self._workers:
                self._submit()
                if self._timing[0] is not None and self._timing[0] < self._INLINE_SECONDS:
                    break  # cheap function, mapped inline: hand its results out first
            if not self._in_flight:
                self._current = None
                self._finalizer()
                raise StopIteration
            if self._deterministic:
                slot = self._pending.popleft()
                slot.done.wait()
            else:
                slot = self._finished.get()
                self._pending.remove(slot)
            self._in_flight -= 1
            self._current = current = iter(slot.results)
            for value in current:
                if type(value) is _Raised:
                    raise value.exception
                return value

    def close(self) -> None:
        self._input_done = True
        close_iterator(self._source)
        self._finalizer()
