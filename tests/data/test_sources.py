"""Source datasets: from_tensor_slices, from_tensors, from_generator, range, zip, files."""

import collections
import gzip
import os
import zlib

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.spec import TensorSpec
from tests.data.util import values

Dataset = tf.data.Dataset


def test_from_tensor_slices_kinds():
    assert values(Dataset.from_tensor_slices([1, 2, 3])) == [1, 2, 3]
    assert values(Dataset.from_tensor_slices([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]
    assert values(Dataset.from_tensor_slices(tf.constant([1.5, 2.5]))) == [1.5, 2.5]
    assert values(Dataset.from_tensor_slices(([1, 2], [3, 4]))) == [(1, 3), (2, 4)]
    assert values(Dataset.from_tensor_slices({"a": [1, 2], "b": [[1], [2]]})) == \
        [{"a": 1, "b": [1]}, {"a": 2, "b": [2]}]
    nested = Dataset.from_tensor_slices(((np.arange(2), {"c": np.ones((2, 2))}), [b"x", b"y"]))
    assert values(nested) == [((0, {"c": [1.0, 1.0]}), b"x"), ((1, {"c": [1.0, 1.0]}), b"y")]
    assert Dataset.from_tensor_slices([1.0]).element_spec.dtype == tf.float32
    assert Dataset.from_tensor_slices(np.array([1.0])).element_spec.dtype == tf.float64


def test_from_tensor_slices_namedtuple_and_strings():
    Point = collections.namedtuple("Point", ["x", "y"])
    ds = Dataset.from_tensor_slices(Point([1, 2], [3, 4]))
    first = next(iter(ds))
    assert isinstance(first, Point) and int(first.y) == 3
    strings = Dataset.from_tensor_slices(["ab", "c"])
    assert strings.element_spec == TensorSpec((), tf.string)
    assert values(strings) == [b"ab", b"c"]


def test_from_tensor_slices_errors():
    with pytest.raises(ValueError, match="Dimensions 3 and 2 are not compatible"):
        Dataset.from_tensor_slices(([1, 2, 3], [1, 2]))
    with pytest.raises(ValueError, match="rank >= 1"):
        Dataset.from_tensor_slices(5)


def test_from_tensors():
    ds = Dataset.from_tensors(([1, 2, 3], "x"))
    assert ds.element_spec == (TensorSpec((3,), tf.int32), TensorSpec((), tf.string))
    assert values(ds) == [([1, 2, 3], b"x")]


def test_range():
    assert values(Dataset.range(5)) == [0, 1, 2, 3, 4]
    assert values(Dataset.range(2, 5)) == [2, 3, 4]
    assert values(Dataset.range(1, 5, 2)) == [1, 3]
    assert values(Dataset.range(5, 1, -2)) == [5, 3]
    assert values(Dataset.range(0)) == []
    ds = Dataset.range(3, dtype=tf.int32)
    assert ds.element_spec.dtype == tf.int32 and next(iter(ds)).dtype == tf.int32
    big = Dataset.range(10 ** 12)  # lazy: nothing of that size is built
    assert int(next(iter(big.skip(5000)))) == 5000
    with pytest.raises(tf.errors.InvalidArgumentError, match="step"):
        Dataset.range(0, 5, 0)


def test_counter_and_random():
    assert values(Dataset.counter(3, 2).take(3)) == [3, 5, 7]
    a = values(Dataset.random(seed=4).take(5))
    b = values(Dataset.random(seed=4).take(5))
    assert a == b and len(set(a)) == 5
    assert Dataset.random().element_spec == TensorSpec((), tf.int64)


def test_from_generator_signature():
    def gen():
        for i in range(3):
            yield i, [float(i)] * i

    ds = Dataset.from_generator(gen, output_signature=(
        TensorSpec((), tf.int32), TensorSpec((None,), tf.float32)))
    assert ds.element_spec == (TensorSpec((), tf.int32), TensorSpec((None,), tf.float32))
    assert values(ds) == [(0, []), (1, [1.0]), (2, [2.0, 2.0])]
    assert values(ds) == [(0, []), (1, [1.0]), (2, [2.0, 2.0])]  # called again per iteration
    x, y = next(iter(ds))
    assert x.dtype == tf.int32 and y.dtype == tf.float32


def test_from_generator_legacy_types_and_args():
    def gen(n, name):
        assert isinstance(name, bytes)
        for i in range(int(n)):
            yield {"i": i, "name": name}

    ds = Dataset.from_generator(gen, output_types={"i": tf.int64, "name": tf.string},
                                output_shapes={"i": (), "name": ()}, args=(2, "z"))
    assert ds.element_spec == {"i": TensorSpec((), tf.int64), "name": TensorSpec((), tf.string)}
    assert values(ds) == [{"i": 0, "name": b"z"}, {"i": 1, "name": b"z"}]
    untyped = Dataset.from_generator(lambda: iter([[1, 2]]), output_types=tf.int32)
    assert untyped.element_spec == TensorSpec(None, tf.int32)
    with pytest.raises(TypeError):
        Dataset.from_generator(lambda: iter([1]))
    with pytest.raises(TypeError):
        Dataset.from_generator(lambda: iter([1]), output_types=tf.int32,
                               output_signature=TensorSpec((), tf.int32))


def test_from_generator_conversion_errors():
    spec = TensorSpec((None,), tf.int32)
    # TF converts with astype: 1.5 silently becomes 1.
    assert values(Dataset.from_generator(lambda: iter([[1.5]]), output_signature=spec)) == [[1]]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"yielded an element of shape \(1, 1\) where an element of "
                             r"shape \(None,\) was expected"):
        list(Dataset.from_generator(lambda: iter([[[1]]]), output_signature=spec))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="could not be converted to the expected type. The expected type "
                             "was int32"):
        list(Dataset.from_generator(lambda: iter([["x"]]), output_signature=spec))
    pair = (TensorSpec((), tf.int32), TensorSpec((), tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="did not match the expected "
                                                             "structure"):
        list(Dataset.from_generator(lambda: iter([1]), output_signature=pair))


def test_from_generator_error_classes():
    def raising(exc):
        def gen():
            yield 1
            raise exc
        return Dataset.from_generator(gen, output_signature=TensorSpec((), tf.int32))

    with pytest.raises(tf.errors.InvalidArgumentError, match="ValueError: bad value"):
        list(raising(ValueError("bad value")))
    with pytest.raises(tf.errors.UnknownError, match="RuntimeError: boom"):
        list(raising(RuntimeError("boom")))


def test_zip():
    a, b = Dataset.range(1, 4), Dataset.range(4, 7)
    assert values(Dataset.zip((a, b))) == [(1, 4), (2, 5), (3, 6)]
    assert values(Dataset.zip(a, b)) == [(1, 4), (2, 5), (3, 6)]
    assert values(Dataset.zip(datasets=(a, b))) == [(1, 4), (2, 5), (3, 6)]
    zipped = Dataset.zip({"x": a, "y": (b, Dataset.range(2))})
    assert values(zipped) == [{"x": 1, "y": (4, 0)}, {"x": 2, "y": (5, 1)}]
    assert zipped.element_spec == {"x": TensorSpec((), tf.int64),
                                   "y": (TensorSpec((), tf.int64), TensorSpec((), tf.int64))}
    with pytest.raises(TypeError):
        Dataset.zip((a, 5))


def test_list_files(tmp_path):
    for name in ("b.txt", "a.txt", "c.csv"):
        (tmp_path / name).write_text("x")
    pattern = str(tmp_path / "*.txt")
    ordered = values(Dataset.list_files(pattern, shuffle=False))
    assert ordered == [str(tmp_path / "a.txt").encode(), str(tmp_path / "b.txt").encode()]
    shuffled = Dataset.list_files(pattern, seed=3)
    assert sorted(values(shuffled)) == ordered
    assert len(shuffled) == 2
    both = Dataset.list_files([pattern, str(tmp_path / "*.csv")], shuffle=False)
    assert len(values(both)) == 3
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched pattern"):
        Dataset.list_files(str(tmp_path / "*.none"))


def test_text_line_dataset(tmp_path):
    first = tmp_path / "one.txt"
    first.write_bytes(b"alpha\nbeta\r\n\ngamma")
    second = tmp_path / "two.txt.gz"
    with gzip.open(second, "wb") as handle:
        handle.write(b"delta\nepsilon\n")
    third = tmp_path / "three.txt.z"
    third.write_bytes(zlib.compress(b"zeta\neta\n"))
    ds = tf.data.TextLineDataset(str(first))
    assert ds.element_spec == TensorSpec((), tf.string)
    assert values(ds) == [b"alpha", b"beta", b"", b"gamma"]
    assert values(tf.data.TextLineDataset([str(second)], compression_type="GZIP")) == \
        [b"delta", b"epsilon"]
    assert values(tf.data.TextLineDataset(str(third), compression_type="ZLIB")) == \
        [b"zeta", b"eta"]
    both = tf.data.TextLineDataset([str(first), str(first)], num_parallel_reads=2)
    assert values(both) == [b"alpha", b"alpha", b"beta", b"beta", b"", b"", b"gamma", b"gamma"]
    from_files = Dataset.list_files(str(tmp_path / "one.txt")).interleave(
        tf.data.TextLineDataset, cycle_length=1)
    assert values(from_files)[:2] == [b"alpha", b"beta"]
    with pytest.raises(tf.errors.NotFoundError):
        list(tf.data.TextLineDataset(str(tmp_path / "missing.txt")))


def test_text_line_dataset_from_dataset_of_names(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("1\n2\n")
    names = Dataset.from_tensor_slices([os.fspath(path)] * 2)
    assert values(tf.data.TextLineDataset(names)) == [b"1", b"2", b"1", b"2"]


def test_bytes_with_trailing_nul_survive():
    # Serialized protos often end in b"\x00"; NumPy's fixed-width bytes would drop it.
    records = [b"a\x00", b"\x00\x00", b"b"]
    assert values(Dataset.from_tensor_slices(records)) == records
    assert values(Dataset.from_tensors(b"x\x00")) == [b"x\x00"]
    assert values(Dataset.from_tensor_slices(records).batch(3)) == [records]
