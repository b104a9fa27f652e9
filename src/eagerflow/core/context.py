"""The only mutable global state: the active graph builder and the recording tapes.

Each thread has its own builder and tape stack (`state.local`), as TF's
context is per thread. `state.plain` is True exactly when no thread is tracing
or recording; eager dispatch checks that one plain attribute (a thread-local
read costs 4x more) and takes its fast path.
"""

from __future__ import annotations

import threading
import weakref

__all__ = ["state", "executing_eagerly"]


class _ThreadContext(threading.local):
    def __init__(self) -> None:
        self.builder = None      # graph builder of the innermost trace, or None (eager)
        self.tapes: tuple = ()   # recording GradientTapes, outermost first
        self.counted = False     # whether this thread counts in _State.busy_threads


class _State:
    """Execution context: `plain`, and per-thread `local.builder` / `local.tapes`."""

    def __init__(self) -> None:
        self.plain = True
        self.local = _ThreadContext()
        self.busy_threads = 0
        self._lock = threading.Lock()
        # Randomness (see ops/random.py): tf.random.set_seed's global seed, the
        # random.Random that draws eager op seeds after it, TF's kernel cache of
        # seeded streams, the per-graph count of random ops, the shared entropy
        # stream of unseeded eager ops and tf.random's global Generator.
        self.random_seed = None
        self.random_op_seeds = None
        self.random_kernels: dict = {}
        self.random_graph_ops = weakref.WeakKeyDictionary()
        self.random_entropy = None
        self.random_generator = None
        self.random_traced_streams = weakref.WeakSet()  # seeded streams of traced graphs

    @property
    def builder(self):
        return self.local.builder

    @property
    def tapes(self) -> tuple:
        return self.local.tapes

    def _refresh(self) -> None:
        local = self.local
        busy = local.builder is not None or bool(local.tapes)
        if busy != local.counted:
            with self._lock:
                self.busy_threads += 1 if busy else -1
                local.counted = busy
                self.plain = self.busy_threads == 0

    def push_tape(self, tape) -> None:
        self.local.tapes = self.local.tapes + (tape,)
        self._refresh()

    def pop_tape(self, tape) -> None:
        self.local.tapes = tuple(t for t in self.local.tapes if t is not tape)
        self._refresh()

    def set_tapes(self, tapes: tuple) -> tuple:
        """Replace this thread's tape stack; return the previous one for restoring."""
        previous = self.local.tapes
        self.local.tapes = tuple(tapes)
        self._refresh()
        return previous

    def set_builder(self, builder):
        """Make `builder` current in this thread; return the previous one for restoring."""
        previous = self.local.builder
        self.local.builder = builder
        self._refresh()
        return previous


state = _State()


def executing_eagerly() -> bool:
    """True outside `tf.function` tracing, as `tf.executing_eagerly()`."""
    return state.local.builder is None
