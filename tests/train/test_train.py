"""tf.train exposes the Example protos that tf.io writes and parses."""

import eagerflow as tf


def test_example_round_trip_through_the_public_namespace():
    example = tf.train.Example(features=tf.train.Features(feature={
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=[1.5, 2.5])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[3])),
        "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"cat"])),
    }))
    data = example.SerializeToString()
    assert tf.train.Example.FromString(data).features.feature["label"].int64_list.value == [3]
    parsed = tf.io.parse_single_example(data, {
        "x": tf.io.FixedLenFeature([2], tf.float32),
        "label": tf.io.FixedLenFeature([], tf.int64),
        "name": tf.io.FixedLenFeature([], tf.string)})
    assert parsed["x"].numpy().tolist() == [1.5, 2.5]
    assert int(parsed["label"]) == 3 and parsed["name"].numpy() == b"cat"
