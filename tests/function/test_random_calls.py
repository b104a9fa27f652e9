"""Random call sequences of one tf.function: structures, Python values, shapes, dtypes.

Whatever the cache does (exact keys, compatible traces, reduce_retracing's relaxed shapes),
every call must return what the Python function returns eagerly.
"""

import collections

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import eagerflow as tf

Pair = collections.namedtuple("Pair", ["left", "right"])


def python_function(x, options, scale):
    total = tf.reduce_sum(x) * scale
    for key in sorted(options["extra"]):
        total = total + tf.reduce_sum(tf.cast(options["extra"][key], x.dtype))
    pair = options["pair"]
    return {"total": total, "shape": tf.shape(x), "mixed": pair.left * 2.0 + pair.right,
            "scale": scale}


@st.composite
def calls(draw):
    rank = draw(st.integers(0, 2))
    shape = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dtype = draw(st.sampled_from([np.float32, np.float32, np.float64]))
    x = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    keys = draw(st.sets(st.sampled_from("abc"), max_size=2))
    extra = {k: np.full(draw(st.integers(1, 3)), ord(k), np.int32) for k in keys}
    pair = Pair(np.float32(draw(st.integers(0, 3))), np.float32(1.5))
    scale = draw(st.sampled_from([1, 2, 2.0, 0.5]))
    return x, {"extra": extra, "pair": pair}, scale


@settings(max_examples=40, deadline=None)
@given(st.lists(calls(), min_size=1, max_size=8), st.booleans())
def test_every_call_matches_eager(sequence, reduce_retracing):
    compiled = tf.function(python_function, reduce_retracing=reduce_retracing)
    for x, options, scale in sequence:
        args = (tf.constant(x), {"extra": {k: tf.constant(v) for k, v in options["extra"].items()},
                                 "pair": Pair(tf.constant(options["pair"].left),
                                              tf.constant(options["pair"].right))}, scale)
        want = python_function(*args)
        got = compiled(*args)
        assert set(got) == set(want)
        for key in want:
            np.testing.assert_allclose(np.asarray(got[key]), np.asarray(want[key]), rtol=1e-6)
            if isinstance(want[key], tf.Tensor):
                assert got[key].dtype == want[key].dtype
    assert compiled.experimental_get_tracing_count() <= len(sequence)
