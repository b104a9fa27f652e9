"""sampling.py: sample_from_datasets, choose_from_datasets."""


import numpy as np

import eagerflow as tf

Dataset = tf.data.Dataset


def plain(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, tuple):
        return tuple(plain(x) for x in v)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v.item() if isinstance(v, np.generic) else v


def values(ds):
    return [plain(v) for v in ds.as_numpy_iterator()]


def test_sample_and_choose():
    a, b = Dataset.from_tensors(0).repeat(), Dataset.from_tensors(1).repeat()
    sampled = values(Dataset.sample_from_datasets([a, b], weights=[0.5, 0.5], seed=1).take(200))
    assert 60 < sum(sampled) < 140
    again = values(Dataset.sample_from_datasets([a, b], weights=[0.5, 0.5], seed=1).take(200))
    assert sampled == again
    choice = Dataset.range(3).map(lambda x: x % 2)
    chosen = Dataset.choose_from_datasets(
        [Dataset.from_tensor_slices([b"a0", b"a1"]), Dataset.from_tensor_slices([b"b0"])],
        choice)
    assert values(chosen) == [b"a0", b"b0", b"a1"]
    ended = Dataset.sample_from_datasets([Dataset.range(2), Dataset.range(10, 12)], seed=0)
    assert sorted(values(ended)) == [0, 1, 10, 11]
