"""Random chains of tf.data transformations against a plain-Python model of TF's semantics."""

from hypothesis import given, settings
from hypothesis import strategies as st

import eagerflow as tf
from tests.data.util import plain

# Each step: (name, transformation of the Dataset, the same on a Python list of ints).
STEPS = {
    "take": lambda n: (lambda ds: ds.take(n), lambda xs: xs[:n]),
    "skip": lambda n: (lambda ds: ds.skip(n), lambda xs: xs[n:]),
    "repeat": lambda n: (lambda ds: ds.repeat(n), lambda xs: xs * n),
    "map": lambda n: (lambda ds: ds.map(lambda x: x * 3 + n), lambda xs: [x * 3 + n for x in xs]),
    "filter": lambda n: (lambda ds: ds.filter(lambda x: x % (n + 2) != 0),
                         lambda xs: [x for x in xs if x % (n + 2) != 0]),
    "concat": lambda n: (lambda ds: ds.concatenate(tf.data.Dataset.range(n)),
                         lambda xs: xs + list(range(n))),
    "batch_unbatch": lambda n: (lambda ds: ds.batch(n + 1).unbatch(), lambda xs: xs),
    "prefetch": lambda n: (lambda ds: ds.prefetch(n), lambda xs: xs),
    "enumerate_second": lambda n: (lambda ds: ds.enumerate().map(lambda i, x: x), lambda xs: xs),
    "take_while": lambda n: (lambda ds: ds.take_while(lambda x: x < 20 + n),
                             lambda xs: _take_while(xs, 20 + n)),
}


def _take_while(xs, limit):
    out = []
    for x in xs:
        if not x < limit:
            break
        out.append(x)
    return out


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 12),
       st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 4)), max_size=5),
       st.integers(1, 4), st.one_of(st.none(), st.integers(1, 20)))
def test_chains_match_the_python_model(size, steps, batch, shuffle_buffer):
    ds = tf.data.Dataset.range(size)
    expected = list(range(size))
    for name, n in steps:
        transform, model = STEPS[name](n)
        ds = transform(ds)
        expected = model(expected)
    shuffled = shuffle_buffer is not None  # last: each epoch is a permutation of the elements
    if shuffled:
        ds = ds.shuffle(shuffle_buffer, seed=shuffle_buffer)
    got = [plain(v) for v in ds.as_numpy_iterator()]
    if shuffled:
        assert sorted(got) == sorted(expected)
    else:
        assert got == expected
    batches = [plain(b) for b in ds.batch(batch).as_numpy_iterator()]
    flat = [x for b in batches for x in b]
    assert (sorted(flat) == sorted(expected)) if shuffled else (flat == expected)
    assert all(len(b) == batch for b in batches[:-1])
    cardinality = int(ds.cardinality())
    if cardinality >= 0:
        assert cardinality == len(expected)
    again = [plain(v) for v in ds.as_numpy_iterator()]  # a dataset iterates again from the start
    assert sorted(again) == sorted(got)
