"""parsing.py: tf.io.parse_single_example / parse_example."""

import pytest

import eagerflow as tf
from eagerflow.data.example import (
    BytesList,
    Example,
    Feature,
    Features,
    FloatList,
    Int64List,
)
from eagerflow.data.parsing import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    parse_example,
    parse_single_example,
)


def make_example(x=(1.0, 2.5), y=(-3, 7), s=(b"hi",)):
    return Example(features=Features(feature={
        "x": Feature(float_list=FloatList(value=list(x))),
        "y": Feature(int64_list=Int64List(value=list(y))),
        "s": Feature(bytes_list=BytesList(value=list(s)))}))


def test_parse_single_example():
    data = make_example().SerializeToString()
    spec = {"x": FixedLenFeature([2], tf.float32),
            "y": VarLenFeature(tf.int64),
            "s": FixedLenFeature([], tf.string),
            "missing": FixedLenFeature([2], tf.int64, default_value=[5, 6]),
            "seq": FixedLenSequenceFeature([], tf.float32, allow_missing=True)}
    out = parse_single_example(tf.constant(data), spec)
    assert out["x"].dtype == tf.float32 and out["x"].numpy().tolist() == [1.0, 2.5]
    assert out["y"].numpy().tolist() == [-3, 7]
    assert out["s"].numpy() == b"hi" and out["s"].shape == ()
    assert out["missing"].numpy().tolist() == [5, 6]
    assert out["seq"].shape == (0,)
    scalar = parse_single_example(data, {"y": FixedLenFeature([2], tf.int64)})
    assert scalar["y"].shape == (2,)


def test_parse_single_example_errors():
    data = make_example().SerializeToString()
    with pytest.raises(tf.errors.InvalidArgumentError, match="is required but could not be "
                                                             "found"):
        parse_single_example(data, {"nope": FixedLenFeature([], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Data types don't match"):
        parse_single_example(data, {"x": FixedLenFeature([2], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Values size: 2 but output "
                                                             r"shape: \[3\]"):
        parse_single_example(data, {"x": FixedLenFeature([3], tf.float32)})
    with pytest.raises(ValueError, match="Unsupported dtype"):
        parse_single_example(data, {"x": FixedLenFeature([2], tf.int32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Could not parse example"):
        parse_single_example(b"\n\x05\n", {"x": FixedLenFeature([2], tf.float32)})


def test_parse_example_batch():
    batch = [make_example(x=(1.0, 2.0), y=(1,)).SerializeToString(),
             make_example(x=(3.0, 4.0), y=(2, 3, 4)).SerializeToString()]
    out = parse_example(batch, {"x": FixedLenFeature([2], tf.float32),
                                "y": VarLenFeature(tf.int64),
                                "s": FixedLenFeature([1], tf.string)})
    assert out["x"].numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert out["y"].numpy().tolist() == [[1, 0, 0], [2, 3, 4]]
    assert out["s"].numpy().tolist() == [[b"hi"], [b"hi"]]


def test_parse_in_pipeline(tmp_path):
    path = str(tmp_path / "ex.tfrecord")
    with tf.io.TFRecordWriter(path) as writer:
        for i in range(5):
            writer.write(make_example(x=(float(i), 0.0), y=(i,)).SerializeToString())
    spec = {"x": FixedLenFeature([2], tf.float32), "y": FixedLenFeature([], tf.int64)}
    ds = tf.data.TFRecordDataset(path).map(lambda r: parse_single_example(r, spec)).batch(2)
    batches = list(ds.as_numpy_iterator())
    assert [b["y"].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert batches[1]["x"][:, 0].tolist() == [2.0, 3.0]
