"""Which strategy is current and in which context (cross-replica or a replica): a per-thread
stack that `strategy.scope()`, `strategy.run` and `merge_call` push onto.

An entry is (strategy, replica_context): replica_context None means cross-replica context.
With nothing pushed, the default strategy's replica context is current, as in TF.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eagerflow.distribute.strategy import ReplicaContext, Strategy

__all__ = ["get_strategy", "has_strategy", "get_replica_context", "in_cross_replica_context",
           "get_cross_replica_context", "experimental_set_strategy"]


class _Stack(threading.local):
    def __init__(self) -> None:
        self.entries: list = []


_stack = _Stack()
_default: list = []  # [(default strategy, default replica context)], made on first use


def _default_entry() -> tuple:
    if not _default:
        from eagerflow.distribute.strategy import _DefaultStrategy

        strategy = _DefaultStrategy()
        _default.append((strategy, strategy._make_replica_context()))
    return _default[0]


def _current() -> tuple:
    return _stack.entries[-1] if _stack.entries else _default_entry()


def default_strategy() -> Strategy:
    """The strategy in effect when no other is (one replica, no distribution)."""
    return _default_entry()[0]


@contextlib.contextmanager
def pushed(strategy: Strategy, replica_context: ReplicaContext | None) -> Iterator[None]:
    """Make (strategy, replica_context) current for the `with` body."""
    _stack.entries.append((strategy, replica_context))
    try:
        yield
    finally:
        _stack.entries.pop()


def get_strategy() -> Strategy:
    """The current `tf.distribute.Strategy` (the default strategy outside any scope)."""
    return _current()[0]


def has_strategy() -> bool:
    """Whether a strategy other than the default one is current (inside its scope or run)."""
    return _current()[0] is not default_strategy()


def get_replica_context() -> ReplicaContext | None:
    """The current `ReplicaContext`, or None in cross-replica context (directly inside
    `strategy.scope()`). Outside any scope: the default strategy's replica context."""
    return _current()[1]


def in_cross_replica_context() -> bool:
    """Whether code runs in cross-replica context (in a scope, outside `strategy.run`)."""
    return _current()[1] is None


def get_cross_replica_context() -> Strategy | None:
    """The current strategy in cross-replica context (or the default one outside any scope);
    None inside a replica context of a non-default strategy."""
    strategy, replica_context = _current()
    if replica_context is None or strategy is default_strategy():
        return strategy
    return None


def experimental_set_strategy(strategy: Strategy | None) -> None:
    """Make `strategy` current for the rest of the program (None: back to the default).

    Like entering `strategy.scope()` without leaving it; calling it again replaces the strategy
    it set. It cannot be used inside a `strategy.scope()`.
    """
    entries = _stack.entries
    set_before = bool(entries) and entries[0][2:] == ("set",)
    if len(entries) > (1 if set_before else 0):
        raise RuntimeError("Must not be called inside a `tf.distribute.Strategy` scope.")
    if set_before:
        entries.pop()
    if strategy is not None:
        entries.append((strategy, None, "set"))
