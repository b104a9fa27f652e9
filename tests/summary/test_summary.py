"""tf.summary: TF 2 encodings byte for byte, eager and tf.function writes, record_if, steps."""

import io
import os
import re
import struct
import wave

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.summary import proto


def values(logdir):
    """(step, tag, plugin, tensor) of every summary value under `logdir`."""
    return [(e.step, v.tag, v.plugin_name, v.tensor)
            for e in tf.summary.read_events(logdir) for v in e.summary]


def test_file_name_and_header(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path / "run"))
    name = os.path.basename(writer.path)
    assert re.fullmatch(rf"events\.out\.tfevents\.\d{{10}}\..+\.{os.getpid()}\.\d+\.v2", name)
    events = list(tf.summary.read_events(writer.path))
    assert events[0].file_version == "brain.Event:2" and events[0].summary == []
    assert events[0].wall_time == int(events[0].wall_time)
    other = tf.summary.create_file_writer(str(tmp_path / "run"), filename_suffix=".x")
    assert other.path.endswith(".x") and other.path != writer.path


def test_scalar_bytes_match_tensorflow(tmp_path):
    # The Summary part of an Event TF 2.21 wrote for tf.summary.scalar('s', 1.5, step=0).
    tf_bytes = b'*\x1e\n\x1c\n\x01sB\n\x08\x01\x12\x00"\x04\x00\x00\xc0?J\x0b\n\t\n\x07scalars'
    value = proto.encode_summary_value("s", np.float32(1.5), proto.encode_metadata("scalars"))
    event = proto.encode_event(1.0, 0, [value])
    assert event[9:] == tf_bytes
    # step 3 with a description, as TF wrote it.
    tf_bytes3 = (b'\x10\x03*$\n"\n\x01sB\n\x08\x01\x12\x00"\x04\x00\x00\x00@J\x11\n\t\n\x07'
                 b'scalars\x1a\x04desc')
    value = proto.encode_summary_value("s", np.float32(2.0),
                                       proto.encode_metadata("scalars", description="desc"))
    assert proto.encode_event(1.0, 3, [value])[9:] == tf_bytes3


def test_scalar_eager_and_compiled_agree(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))

    @tf.function
    def step_fn(x, step):
        tf.summary.scalar("loss", x * 2.0, step=step)
        return x

    with writer.as_default():
        assert bool(tf.summary.scalar("loss", 3.0, step=1).numpy()) is True
        tf.summary.scalar("loss", np.int32(4), step=2)
        step_fn(tf.constant(2.5), tf.constant(3, tf.int64))
        step_fn(tf.constant(3.0), tf.constant(4, tf.int64))
    got = [(s, t, p, float(x)) for s, t, p, x in values(str(tmp_path))]
    assert got == [(1, "loss", "scalars", 3.0), (2, "loss", "scalars", 4.0),
                   (3, "loss", "scalars", 5.0), (4, "loss", "scalars", 6.0)]
    assert all(x.dtype == np.float32 for *_, x in values(str(tmp_path)))


def test_no_writer_records_nothing_and_noop_writer(tmp_path):
    assert bool(tf.summary.scalar("x", 1.0, step=0).numpy()) is False
    assert bool(tf.summary.should_record_summaries().numpy()) is False
    with tf.summary.create_noop_writer().as_default():
        assert bool(tf.summary.scalar("x", 1.0).numpy()) is False
        assert bool(tf.summary.should_record_summaries().numpy()) is False


def test_missing_step_is_a_clear_error(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)


def test_bad_scalar_input(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=0):
        with pytest.raises(ValueError, match="expected a scalar, saw shape \\(2,\\)"):
            tf.summary.scalar("x", [1.0, 2.0])
        with pytest.raises(TypeError, match="must be a string tensor"):
            tf.summary.text("t", 3.0)


def test_default_step_and_variable_step_in_function(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    writer = tf.summary.create_file_writer(str(tmp_path))

    @tf.function
    def train(x):
        tf.summary.scalar("v", x)
        step.assign_add(1)

    with writer.as_default(step=step):
        assert tf.summary.experimental.get_step() is step
        for i in range(3):
            train(tf.constant(float(i)))
    assert tf.summary.experimental.get_step() is None
    assert [(s, float(x)) for s, _, _, x in values(str(tmp_path))] == [(0, 0.0), (1, 1.0),
                                                                        (2, 2.0)]
    tf.summary.experimental.set_step(7)
    try:
        with writer.as_default():
            tf.summary.scalar("w", 1.0)
    finally:
        tf.summary.experimental.set_step(None)
    assert values(str(tmp_path))[-1][:2] == (7, "w")


def test_record_if_bool_callable_and_tensor(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    counter = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def every_other(x):
        with tf.summary.record_if(tf.equal(counter % 2, 0)):
            tf.summary.scalar("e", x, step=counter)
        counter.assign_add(1)

    with writer.as_default():
        with tf.summary.record_if(False):
            assert bool(tf.summary.scalar("off", 1.0, step=0).numpy()) is False
            assert bool(tf.summary.should_record_summaries().numpy()) is False
        with tf.summary.record_if(lambda: True):
            tf.summary.scalar("on", 1.0, step=0)
        for i in range(4):
            every_other(tf.constant(float(i)))
    got = [(s, t) for s, t, _, _ in values(str(tmp_path))]
    assert got == [(0, "on"), (0, "e"), (2, "e")]


def test_name_scope_prefixes_tags(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=0):
        with tf.name_scope("outer"):
            tf.summary.scalar("x", 1.0)
    assert values(str(tmp_path))[0][1] == "outer/x"


def test_histogram_buckets_closed_form(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=1):
        tf.summary.histogram("h", [1.0, 2.0, 3.0, 4.0])
        tf.summary.histogram("h3", tf.constant([1.0, 2.0, 3.0, 4.0]), buckets=3)
        tf.summary.histogram("one", [5.0, 5.0])
        tf.summary.histogram("empty", tf.zeros([0]))
        tf.function(lambda x: tf.summary.histogram("traced", x, buckets=3))(
            tf.constant([1.0, 2.0, 3.0, 4.0]))
    got = {t: x for _, t, p, x in values(str(tmp_path)) if p == "histograms"}
    assert got["h"].shape == (30, 3) and got["h"].dtype == np.float64
    np.testing.assert_allclose(got["h"][:, 0], np.linspace(1, 4, 31)[:-1])
    assert got["h"][-1, 1] == 4.0
    np.testing.assert_array_equal(np.nonzero(got["h"][:, 2])[0], [0, 10, 20, 29])
    expected3 = [[1, 2, 1], [2, 3, 1], [3, 4, 2]]  # as TF 2.21 wrote it
    np.testing.assert_array_equal(got["h3"], expected3)
    np.testing.assert_array_equal(got["traced"], expected3)
    assert (got["one"][:, :2] == 5.0).all() and got["one"][:, 2].tolist() == [0] * 29 + [2]
    np.testing.assert_array_equal(got["empty"], np.zeros((30, 3)))


def test_text_image_audio(tmp_path):
    from PIL import Image

    images = np.full([2, 3, 4, 3], 0.5, np.float32)
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=2):
        tf.summary.text("t", "hello")
        tf.summary.text("t2", tf.constant([["a", "b"]]))
        tf.summary.image("im", images, max_outputs=1)
        tf.summary.image("gray", np.zeros([1, 2, 2, 1], np.uint8) + 9)
        tf.summary.audio("au", np.array([[[0.5], [-1.0], [0.0]]], np.float32), 8000)
    got = {t: (p, x) for _, t, p, x in values(str(tmp_path))}
    assert got["t"][0] == "text" and got["t"][1][()] == b"hello"
    assert got["t2"][1].tolist() == [[b"a", b"b"]]
    plugin, tensor = got["im"]
    assert plugin == "images" and tensor.shape == (3,) and tensor[:2].tolist() == [b"4", b"3"]
    picture = np.array(Image.open(io.BytesIO(tensor[2])))
    assert picture.shape == (3, 4, 3) and (picture == 127).all()  # TF: 0.5 * 255.5 -> 127
    assert np.array(Image.open(io.BytesIO(got["gray"][1][2]))).tolist() == [[9, 9], [9, 9]]
    plugin, tensor = got["au"]
    assert plugin == "audio" and tensor.shape == (1, 2)
    with wave.open(io.BytesIO(tensor[0, 0])) as clip:
        assert clip.getframerate() == 8000 and clip.getnchannels() == 1
        assert np.frombuffer(clip.readframes(3), "<i2").tolist() == [16384, -32767, 0]


def test_write_generic_and_raw(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=4):
        tf.summary.write("raw", tf.constant([1, 2], tf.int32),
                         metadata=proto.encode_metadata("custom", content=b"c"))
        summary = proto.encode_summary_value("pb", np.float32(2.0))
        tf.summary.experimental.write_raw_pb(tf.constant(b"\n" + bytes([len(summary)])
                                                         + summary))
    events = [e for e in tf.summary.read_events(str(tmp_path)) if e.summary]
    raw = events[0].summary[0]
    assert (raw.tag, raw.plugin_name, raw.plugin_content) == ("raw", "custom", b"c")
    assert raw.tensor.dtype == np.int32 and raw.tensor.tolist() == [1, 2]
    assert events[1].summary[0].tag == "pb" and events[1].step == 4


def test_closed_writer_and_flush(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path), max_queue=100, flush_millis=10**7)
    with writer.as_default(step=0):
        tf.summary.scalar("a", 1.0)
        assert len(values(str(tmp_path))) == 0  # buffered
        tf.summary.flush()
        assert len(values(str(tmp_path))) == 1
    writer.close()
    with pytest.raises(RuntimeError, match="already closed"):
        writer.as_default().__enter__()
    writer.close()  # closing twice is fine


def test_reader_truncation_and_corruption(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=0):
        tf.summary.scalar("a", 1.0)
        tf.summary.scalar("b", 2.0)
    writer.close()
    data = open(writer.path, "rb").read()
    truncated = tmp_path / "t" / "events.out.tfevents.1.h"
    truncated.parent.mkdir()
    truncated.write_bytes(data[:-5])
    assert [v.tag for e in tf.summary.read_events(str(truncated)) for v in e.summary] == ["a"]
    corrupted = bytearray(data)
    corrupted[-6] ^= 0xFF
    truncated.write_bytes(bytes(corrupted))
    with pytest.raises(tf.errors.DataLossError, match="CRC does not match"):
        list(tf.summary.read_events(str(truncated)))
    huge = struct.pack("<Q", 1 << 40)
    from eagerflow.data.tfrecord import masked_crc32c

    truncated.write_bytes(huge + struct.pack("<I", masked_crc32c(huge)) + b"x" * 10)
    with pytest.raises(tf.errors.DataLossError, match="more than the limit"):
        list(tf.summary.read_events(str(truncated)))


def test_trace_functions_do_not_fail(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=0):
        tf.summary.trace_on(graph=True, profiler=False)
        tf.summary.trace_export("graph", step=0)
        tf.summary.trace_off()
        tf.summary.trace_export("again", step=0)


def test_writer_used_inside_function_flushes_at_run_time(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path), max_queue=1000, flush_millis=10**7)

    @tf.function
    def log(x, step):
        with writer.as_default():
            tf.summary.scalar("x", x, step=step)
        return x

    log(tf.constant(1.0), tf.constant(1, tf.int64))
    assert [(s, float(x)) for s, _, _, x in values(str(tmp_path))] == [(1, 1.0)]
    log(tf.constant(2.0), tf.constant(2, tf.int64))
    assert [(s, float(x)) for s, _, _, x in values(str(tmp_path))] == [(1, 1.0), (2, 2.0)]

    @tf.function
    def log_and_flush(x):
        tf.summary.scalar("y", x, step=3)
        tf.summary.flush()

    with writer.as_default():
        log_and_flush(tf.constant(3.0))
        assert values(str(tmp_path))[-1][1] == "y"


TF_FILE = os.path.join(os.path.dirname(__file__), "data", "tf2_21.tfevents.v2")


def test_same_bytes_as_tensorflow(tmp_path):
    """The events TF 2.21 wrote (tests/summary/data) and ours, compared after wall_time.

    Byte-identical except the PNG stream, whose compressor differs; its pixels are equal.
    """
    from PIL import Image

    from eagerflow.data.tfrecord import read_records

    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        tf.summary.scalar("s", 1.5, step=0)
        tf.summary.scalar("s", 2, step=3, description="desc")
        tf.summary.histogram("h", [1.0, 2.0, 3.0, 4.0], step=1)
        tf.summary.histogram("h2", [1.0, 2.0, 3.0, 4.0], step=1, buckets=3)
        tf.summary.histogram("hempty", tf.zeros([0]), step=1)
        tf.summary.histogram("hconst", [5.0, 5.0], step=1)
        tf.summary.text("t", "hello", step=2)
        tf.summary.text("t2", [["a", "b"]], step=2)
        tf.summary.image("im", np.ones([2, 3, 4, 3], np.float32) * 0.5, step=2, max_outputs=1)
        tf.summary.audio("au", np.zeros([1, 4, 1], np.float32), 8000, step=2)
        tf.summary.write("raw", tf.constant([1, 2], tf.int32), step=4)
    ours = list(read_records(writer.path))[1:]
    theirs = list(read_records(TF_FILE))[1:]
    assert len(ours) == len(theirs) == 11
    for index, (mine, tfs) in enumerate(zip(ours, theirs)):
        if index != 8:  # skip the 9-byte wall_time field
            assert mine[9:] == tfs[9:], index
    ours_image = list(tf.summary.read_events(writer.path))[9].summary[0].tensor
    tf_image = list(tf.summary.read_events(TF_FILE))[9].summary[0].tensor
    assert ours_image[:2].tolist() == tf_image[:2].tolist()
    np.testing.assert_array_equal(np.array(Image.open(io.BytesIO(ours_image[2]))),
                                  np.array(Image.open(io.BytesIO(tf_image[2]))))


def test_reads_tensorflow_file():
    events = list(tf.summary.read_events(TF_FILE))
    assert events[0].file_version == "brain.Event:2"
    assert events[0].source_writer == "tensorflow.core.util.events_writer"
    first = events[1].summary[0]
    assert (first.tag, first.plugin_name, float(first.tensor)) == ("s", "scalars", 1.5)
    assert events[2].step == 3 and events[2].summary[0].description == "desc"
    assert events[10].summary[0].plugin_content == b"\x10\x0b"  # audio: WAV encoding


def test_set_as_default_and_init(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    writer.init()
    writer.set_as_default(step=5)
    try:
        tf.summary.scalar("x", 1.0)
    finally:
        writer.close()  # also stops it being the default
        tf.summary.experimental.set_step(None)
    assert bool(tf.summary.scalar("x", 1.0, step=0).numpy()) is False
    assert [(s, t) for s, t, _, _ in values(str(tmp_path))] == [(5, "x")]
    with pytest.raises(ValueError, match="logdir"):
        tf.summary.create_file_writer(None)


@pytest.mark.parametrize("array", [np.float32(2.5), np.arange(6, dtype=np.int64).reshape(2, 3),
                                   np.array([True, False]), np.array([1.5], np.float16),
                                   np.array([[b"a"], [b"bc"]], dtype=object)])
def test_tensor_proto_round_trip(array):
    decoded = proto.decode_tensor(proto.encode_tensor(array))
    assert decoded.dtype == np.asarray(array).dtype and decoded.shape == np.shape(array)
    assert decoded.tolist() == np.asarray(array).tolist()


def test_decodes_value_fields_and_legacy_encodings():
    from eagerflow.data.example import _varint

    bits = np.array([1.5, -2], np.float16).view(np.uint16)
    packed = b"".join(_varint(int(b)) for b in bits)
    half = b"\x08\x13\x12\x04\x12\x02\x08\x02\x6a" + bytes([len(packed)]) + packed
    assert proto.decode_tensor(half).tolist() == [1.5, -2.0]
    floats = struct.pack("<2f", 1.0, 2.0)  # float_val, packed
    assert proto.decode_tensor(b"\x08\x01\x12\x04\x12\x02\x08\x02\x2a\x08" + floats).tolist() \
        == [1.0, 2.0]
    histo = (struct.pack("<Bd", 0x09, -1.0) + struct.pack("<Bd", 0x11, 3.0)
             + b"\x32\x10" + struct.pack("<2d", 0.0, 3.0) + b"\x3a\x10" + struct.pack("<2d", 1, 2))
    value = proto.encode_summary_value("legacy", simple_value=0.25)
    event = proto.decode_event(proto.encode_event(2.0, 9, raw_summary=b"\x0a" + bytes(
        [len(value) + len(histo) + 2]) + value + b"\x2a" + bytes([len(histo)]) + histo))
    legacy = event.summary[0]
    assert (event.step, legacy.tag, legacy.simple_value) == (9, "legacy", 0.25)
    assert legacy.histo["min"] == -1.0 and legacy.histo["max"] == 3.0
    assert legacy.histo["bucket_limit"] == [0.0, 3.0] and legacy.histo["bucket"] == [1.0, 2.0]
