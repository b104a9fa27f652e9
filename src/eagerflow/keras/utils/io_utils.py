"""Where Keras's console messages go: stdout while interactive logging is on (the default),
the `eagerflow` logger otherwise (`keras.utils.disable_interactive_logging()`), as in Keras."""

from __future__ import annotations

import logging
import sys
import threading

__all__ = ["disable_interactive_logging", "enable_interactive_logging",
           "is_interactive_logging_enabled", "print_msg",
           "write_text_atomically"]

_state = threading.local()


def enable_interactive_logging() -> None:
    """Send Keras messages (progress bars, summaries) to stdout, the default."""
    _state.interactive = True


def disable_interactive_logging() -> None:
    """Send Keras messages to the `eagerflow` logger instead of stdout (for log collectors)."""
    _state.interactive = False


def is_interactive_logging_enabled() -> bool:
    """Whether Keras messages go to stdout (True) or to the logger (False)."""
    return getattr(_state, "interactive", True)


def print_msg(message: str, line_break: bool = True) -> None:
    """Write `message` to stdout (flushed at once), or log it at INFO when not interactive."""
    if is_interactive_logging_enabled():
        sys.stdout.write(message + "\n" if line_break else message)
        sys.stdout.flush()
    else:
        logging.getLogger("eagerflow").info(message)


def write_text_atomically(path: str, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically (eagerflow.core.files.atomic_write)."""
    from eagerflow.core.files import atomic_write

    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(text)
