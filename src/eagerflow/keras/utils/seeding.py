"""`keras.utils.set_random_seed`: one call that seeds Python's `random`, NumPy and eagerflow,
so a Keras program (initializers, dropout, shuffling) gives the same numbers on every run."""

from __future__ import annotations

import random

import numpy as np

__all__ = ["set_random_seed"]


def set_random_seed(seed: int) -> None:
    """Sets all random seeds: Python's `random.seed`, `np.random.seed` and `tf.random.set_seed`.

    Args:
        seed: Integer, the random seed to use.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"Expected `seed` argument to be an integer. "
                         f"Received: seed={seed} (of type {type(seed)})")
    from eagerflow import random as tf_random

    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    tf_random.set_seed(seed)
