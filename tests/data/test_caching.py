"""caching.py: cache() in memory and in files."""

import os
import warnings

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.spec import TensorSpec
from tests.data.util import values

Dataset = tf.data.Dataset


def test_cache_in_memory():
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)

    ds = Dataset.from_generator(gen, output_signature=TensorSpec((), tf.int64)).cache()
    assert values(ds) == [0, 1, 2] and values(ds) == [0, 1, 2]
    assert len(calls) == 1
    partial = Dataset.range(5).cache()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        it = iter(partial)
        next(it)
        del it
    assert any("did not fully read" in str(w.message) for w in caught)
    assert values(partial) == [0, 1, 2, 3, 4]


def test_cache_to_file(tmp_path):
    path = str(tmp_path / "cache")
    calls = []

    def gen():
        calls.append(1)
        yield (np.arange(3, dtype=np.float32), b"s")
        yield (np.arange(3, dtype=np.float32) + 1, b"t")

    spec = (TensorSpec((3,), tf.float32), TensorSpec((), tf.string))
    ds = Dataset.from_generator(gen, output_signature=spec).cache(path)
    first = values(ds)
    assert first == [([0.0, 1.0, 2.0], b"s"), ([1.0, 2.0, 3.0], b"t")]
    assert values(ds) == first and len(calls) == 1
    written = [n for n in os.listdir(tmp_path)]
    assert written == ["cache.efcache"]  # no temp file left behind
    again = Dataset.from_generator(gen, output_signature=spec).cache(path)
    assert values(again) == first and len(calls) == 1  # read from the file
    partial = Dataset.range(10).cache(str(tmp_path / "partial"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert values(partial.take(2)) == [0, 1]
    assert sorted(os.listdir(tmp_path)) == ["cache.efcache"]  # nothing half-written kept


def test_cache_file_rejects_garbage(tmp_path):
    path = tmp_path / "bad"
    (tmp_path / "bad.efcache").write_bytes(b"not a cache")
    with pytest.raises(tf.errors.DataLossError):
        list(Dataset.range(3).cache(str(path)))
