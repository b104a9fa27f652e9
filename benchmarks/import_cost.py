"""Time and memory of `import eagerflow`: medians of fresh interpreters.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/import_cost.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

CODE = ("import time, resource; start = time.perf_counter(); import {module}; "
        "print(time.perf_counter() - start, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")


def measure(module: str, runs: int = 7) -> tuple[float, float]:
    """Median seconds and max RSS of fresh interpreters importing `module`, with bytecode
    caching on as users have it (this machine sets PYTHONDONTWRITEBYTECODE; a first run
    writes the cache and is not counted)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-c", CODE.format(module=module)]
    subprocess.run(command, capture_output=True, check=True, env=environment)
    seconds, megabytes = [], []
    for _ in range(runs):
        out = subprocess.run(command, capture_output=True, text=True, check=True,
                             env=environment).stdout.split()
        seconds.append(float(out[0]))
        megabytes.append(float(out[1]))
    return statistics.median(seconds), statistics.median(megabytes)


def main() -> None:
    for module in ("numpy", "eagerflow"):
        seconds, megabytes = measure(module)
        print(f"import {module:10s} {seconds * 1000:7.1f} ms   max RSS {megabytes:6.1f} MB")


if __name__ == "__main__":
    main()
