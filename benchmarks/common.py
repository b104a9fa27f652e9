"""Helpers the benchmark scripts share: interleaved median timing and the BLAS in use.

Scripts run as `python benchmarks/<name>.py`, so this folder is on sys.path.
"""

from __future__ import annotations

import statistics
import time


def median_times(fns, repeats: int) -> list:
    """Median seconds per call of each function; runs are interleaved so that load from
    other processes on the (shared, noisy) machine falls on all of them alike."""
    for fn in fns:
        fn()  # warm up (page faults, BLAS thread start, tracing)
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, record in zip(fns, times):
            start = time.perf_counter()
            fn()
            record.append(time.perf_counter() - start)
    return [statistics.median(record) for record in times]


def blas_info() -> str:
    """The BLAS library threadpoolctl finds (its kernel and threads), for the printout."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to see which BLAS ran)"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not infos:
        return "none reported"
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} "
                     f"threads, {i.get('architecture')} kernel)" for i in infos)
