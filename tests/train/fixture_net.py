"""The module tests/train/data/make_fixtures.py saved with real TF, shared by the checkpoint
tests: the same attribute and variable names, holding the saved values or zeros."""

import os

import numpy as np

import eagerflow as tf

DATA = os.path.join(os.path.dirname(__file__), "data")


class Net(tf.Module):
    """`Net()` starts zero-initialised (to restore into); `Net(filled=True)` holds the values
    make_fixtures.py saved."""

    def __init__(self, filled: bool = False):
        super().__init__()
        w = np.arange(6, dtype=np.float32).reshape(2, 3) if filled else np.zeros((2, 3),
                                                                                  np.float32)
        self.w = tf.Variable(w, name="w")
        self._step = tf.Variable(7 if filled else 0, dtype=tf.int64, name="step")
        self.layers = [tf.Variable([True, False] if filled else [False, False], name="flags"),
                       3]
        words = [b"ab", b"", b"xyz"] if filled else [b"", b"", b""]
        self.table = {"words": tf.Variable(words, name="words")}
