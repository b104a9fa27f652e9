"""Helpers shared by the tf.data tests: datasets as plain Python values."""

import numpy as np


def plain(v):
    """NumPy arrays and scalars (inside tuples and dicts) as lists and Python numbers."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, tuple):
        return tuple(plain(x) for x in v)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v.item() if isinstance(v, np.generic) else v


def values(ds):
    """Every element of `ds`, as plain Python values."""
    return [plain(v) for v in ds.as_numpy_iterator()]
