"""tf.train.Example protos (hand-written wire format) and tf.io.parse_*example."""

import numpy as np
import pytest

from eagerflow.data.example import (
    BytesList,
    DecodeError,
    Example,
    Feature,
    FeatureList,
    FeatureLists,
    Features,
    FloatList,
    Int64List,
    SequenceExample,
)


def make_example(x=(1.0, 2.5), y=(-3, 7), s=(b"hi",)):
    return Example(features=Features(feature={
        "x": Feature(float_list=FloatList(value=list(x))),
        "y": Feature(int64_list=Int64List(value=list(y))),
        "s": Feature(bytes_list=BytesList(value=list(s)))}))


def test_wire_bytes_known():
    example = Example(features=Features(feature={
        "a": Feature(int64_list=Int64List(value=[1, 2]))}))
    # Example.features(1) > map entry(1) > key(1) "a", value(2) > int64_list(3) > packed(1)
    assert example.SerializeToString() == b"\n\r\n\x0b\n\x01a\x12\x06\x1a\x04\n\x02\x01\x02"
    floats = Feature(float_list=FloatList(value=[1.0]))
    assert floats.SerializeToString() == b"\x12\x06\n\x04\x00\x00\x80?"
    strings = Feature(bytes_list=BytesList(value=[b"ab", b""]))
    assert strings.SerializeToString() == b"\n\x06\n\x02ab\n\x00"
    negative = Int64List(value=[-1])
    assert negative.SerializeToString() == b"\n\n" + b"\xff" * 9 + b"\x01"
    assert Example().SerializeToString() == b""
    assert Example(features=Features()).SerializeToString() == b"\n\x00"


def test_round_trip_and_equality():
    example = make_example()
    data = example.SerializeToString()
    parsed = Example.FromString(data)
    assert parsed == example
    assert parsed.SerializeToString() == data
    assert list(parsed.features.feature["x"].float_list.value) == [1.0, 2.5]
    assert parsed.features.feature["y"].int64_list.value[0] == -3
    assert parsed.features.feature["s"].bytes_list.value == [b"hi"]
    other = Example()
    assert other.ParseFromString(data) == len(data)
    assert other == example
    assert make_example(y=(1,)) != example
    copy = Example()
    copy.CopyFrom(example)
    assert copy == example


def test_parse_unpacked_and_unknown_fields():
    # Unpacked repeated floats (wire type 5) and int64s (wire type 0), plus an unknown field 9.
    floats = FloatList.FromString(b"\r\x00\x00\x80?\r\x00\x00\x00@" + b"H\x05")
    assert list(floats.value) == [1.0, 2.0]
    ints = Int64List.FromString(b"\x08\x05\x08\x07")
    assert list(ints.value) == [5, 7]
    with pytest.raises(DecodeError):
        Example.FromString(b"\n\x05\n")  # truncated


def test_presence_and_oneof():
    feature = Feature()
    assert feature.WhichOneof("kind") is None
    _ = feature.float_list  # reading does not set the field
    assert feature.WhichOneof("kind") is None and not feature.HasField("float_list")
    feature.float_list.value.append(3)
    assert feature.WhichOneof("kind") == "float_list"
    assert feature.float_list.value[0] == 3.0
    feature.int64_list.value.extend([1])  # setting another member of the oneof
    assert feature.WhichOneof("kind") == "int64_list"
    example = Example()
    assert not example.HasField("features")
    example.features.feature["k"].bytes_list.value.append(b"v")
    assert example.HasField("features")
    assert "k" in example.features.feature
    example.ClearField("features")
    assert example.SerializeToString() == b""


def test_value_checks():
    assert FloatList(value=[0.1]).value[0] == float(np.float32(0.1))
    with pytest.raises(TypeError):
        BytesList(value=["text"])
    with pytest.raises(TypeError):
        Int64List(value=[1.5])
    with pytest.raises(ValueError):
        Int64List(value=[2 ** 63])
    with pytest.raises(ValueError):
        Features().feature["x"] = Feature()  # direct assignment of submessages
    with pytest.raises(AttributeError):
        FloatList().value = [1.0]


def test_text_format():
    example = Example(features=Features(feature={
        "b": Feature(bytes_list=BytesList(value=[b'q"\n'])),
        "a": Feature(float_list=FloatList(value=[0.5]))}))
    assert str(example) == (
        'features {\n  feature {\n    key: "a"\n    value {\n      float_list {\n'
        '        value: 0.5\n      }\n    }\n  }\n  feature {\n    key: "b"\n'
        '    value {\n      bytes_list {\n        value: "q\\"\\n"\n      }\n    }\n  }\n}\n')


def test_sequence_example_round_trip():
    sequence = SequenceExample(
        context=Features(feature={"id": Feature(int64_list=Int64List(value=[4]))}),
        feature_lists=FeatureLists(feature_list={"tokens": FeatureList(feature=[
            Feature(int64_list=Int64List(value=[1, 2])),
            Feature(int64_list=Int64List(value=[3]))])}))
    parsed = SequenceExample.FromString(sequence.SerializeToString())
    assert parsed == sequence
    tokens = parsed.feature_lists.feature_list["tokens"].feature
    assert len(tokens) == 2 and list(tokens[1].int64_list.value) == [3]
    assert parsed.context.feature["id"].int64_list.value[0] == 4
