"""`tf.compat.v1`: the few TF 1 names TF 2 programs still use. Graph-mode TF 1 (sessions,
placeholders) is not part of eagerflow: those names raise with what to write instead."""

from __future__ import annotations

import logging as _logging
import types

__all__ = ["logging", "train", "enable_eager_execution", "disable_eager_execution",
           "executing_eagerly", "enable_v2_behavior", "disable_v2_behavior"]


def _set_verbosity(level: int) -> None:
    _logging.getLogger("eagerflow").setLevel(level)


logging = types.SimpleNamespace(
    DEBUG=_logging.DEBUG, INFO=_logging.INFO, WARN=_logging.WARNING, WARNING=_logging.WARNING,
    ERROR=_logging.ERROR, FATAL=_logging.FATAL, set_verbosity=_set_verbosity,
    get_verbosity=lambda: _logging.getLogger("eagerflow").getEffectiveLevel(),
    info=_logging.getLogger("eagerflow").info, warning=_logging.getLogger("eagerflow").warning,
    warn=_logging.getLogger("eagerflow").warning, error=_logging.getLogger("eagerflow").error,
    debug=_logging.getLogger("eagerflow").debug)


def _summary_iterator(path: str):
    from eagerflow.summary import summary_iterator

    return summary_iterator(path)


train = types.SimpleNamespace(summary_iterator=_summary_iterator)


def executing_eagerly() -> bool:
    from eagerflow.core.context import executing_eagerly as eagerly

    return eagerly()


def enable_eager_execution(config=None, device_policy=None, execution_mode=None) -> None:
    """A no-op: eagerflow always executes eagerly outside tf.function."""


def enable_v2_behavior() -> None:
    """A no-op: eagerflow is TF 2."""


def _no_graph_mode(what: str):
    def refuse(*args, **kwargs):
        raise RuntimeError(f"tf.compat.v1.{what}() switches to TF 1 graph mode, which "
                           "eagerflow does not have. Write TF 2 code: eager execution and "
                           "tf.function.")
    refuse.__name__ = what
    return refuse


disable_eager_execution = _no_graph_mode("disable_eager_execution")
disable_v2_behavior = _no_graph_mode("disable_v2_behavior")
