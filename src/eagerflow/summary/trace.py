"""`tf.summary.trace_on/trace_off/trace_export`: graph and profiler tracing switches.

eagerflow has no TF GraphDef or profiler to export, so a trace records only that
it was on; `trace_export` writes nothing and never fails (TF warns when no trace
is active, and so does this).
"""

from __future__ import annotations

import logging

__all__ = ["trace_on", "trace_off", "trace_export"]

_tracing = {"on": False}


def trace_on(graph: bool = True, profiler: bool = False, profiler_outdir=None) -> None:
    """Start collecting traces (a switch only in eagerflow)."""
    _tracing["on"] = True


def trace_off() -> None:
    """Stop collecting traces and drop what was collected."""
    _tracing["on"] = False


def trace_export(name, step=None, profiler_outdir=None) -> None:
    """End the trace; eagerflow has no graph to export, so nothing is written."""
    if not _tracing["on"]:
        logging.getLogger("eagerflow").warning(
            "Cannot export trace because trace_on() was not called.")
    _tracing["on"] = False
