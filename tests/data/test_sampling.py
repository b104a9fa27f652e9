"""sampling.py: sample_from_datasets, choose_from_datasets."""



import eagerflow as tf
from tests.data.util import values

Dataset = tf.data.Dataset


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
