"""TensorBundle V2: the byte layout TF writes, round trips of every dtype, and TF's own files."""

import os
import struct

import ml_dtypes
import numpy as np
import pytest

import eagerflow as tf
from eagerflow.train import protos
from eagerflow.train.bundle import BundleReader, BundleWriter, data_path, index_path
from eagerflow.train.sstable import TableBuilder, read_table
from tests.train.fixture_net import DATA, Net


def test_annotated_entry_from_the_reference_is_reproduced_byte_for_byte():
    # REFERENCE.md 1.4: v = tf.Variable(arange(6).reshape(2, 3), float32) at offset 8.
    entry = protos.BundleEntry(dtype=1, shape=(2, 3), offset=8, size=24, crc32c=0x173DDBC0)
    value = bytes.fromhex("0801 1208 1202 0802 1202 0803 2008 2818 35c0db3d17")
    assert entry.encode() == value
    key = b"v/.ATTRIBUTES/VARIABLE_VALUE"
    table = TableBuilder()
    table.add(key, value)
    # The block entry: shared 0, key length 28, value length 21, key, value.
    assert table.finish()[:3 + len(key) + len(value)] == b"\x00\x1c\x15" + key + value
    assert protos.BundleEntry.decode(value) == entry


def test_header_bytes_match_what_tf_writes():
    assert protos.BundleHeader().encode() == bytes.fromhex("0801 1a02 0801")
    header = protos.BundleHeader.decode(bytes.fromhex("0801 1a02 0801"))
    assert (header.num_shards, header.endianness, header.version.producer) == (1, 0, 1)


def test_writer_reproduces_tf_single_variable_checkpoint_byte_for_byte(tmp_path):
    prefix = str(tmp_path / "single")
    tf.train.Checkpoint(v=tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))).write(prefix)
    for suffix in (".index", ".data-00000-of-00001"):
        with open(prefix + suffix, "rb") as ours, open(os.path.join(DATA, "single" + suffix),
                                                       "rb") as theirs:
            assert ours.read() == theirs.read(), suffix


def test_save_reproduces_tf_mixed_dtype_checkpoint_byte_for_byte(tmp_path):
    ckpt = tf.train.Checkpoint(
        net=Net(filled=True), half=tf.Variable(np.array([1.5, -2.25], np.float16), name="half"),
        bf16=tf.Variable(tf.constant([0.5, 3.0], tf.bfloat16), name="bf16"),
        cplx=tf.Variable(np.array([1 + 2j], np.complex64), name="c"),
        u8=tf.Variable(np.array([[255, 0]], np.uint8), name="u8"),
        name_with=tf.Variable(2.5, name="dots"))
    ckpt.save(str(tmp_path / "ckpt"))
    for name in ("ckpt-1.index", "ckpt-1.data-00000-of-00001", "checkpoint"):
        with open(tmp_path / name, "rb") as ours, open(os.path.join(DATA, "mixed", name),
                                                       "rb") as theirs:
            assert ours.read() == theirs.read(), name


def test_reads_every_dtype_tf_wrote():
    reader = BundleReader(os.path.join(DATA, "mixed", "ckpt-1"))
    expect = {
        "bf16": (np.array([0.5, 3.0], ml_dtypes.bfloat16), "bfloat16"),
        "cplx": (np.array([1 + 2j], np.complex64), "complex64"),
        "half": (np.array([1.5, -2.25], np.float16), "float16"),
        "name_with": (np.float32(2.5), "float32"),
        "net/_step": (np.int64(7), "int64"),
        "net/layers/0": (np.array([True, False]), "bool"),
        "net/table/words": (np.array([b"ab", b"", b"xyz"], dtype=object), "string"),
        "net/w": (np.arange(6, dtype=np.float32).reshape(2, 3), "float32"),
        "save_counter": (np.int64(1), "int64"),
        "u8": (np.array([[255, 0]], np.uint8), "uint8"),
    }
    for name, (value, dtype) in expect.items():
        key = f"{name}/.ATTRIBUTES/VARIABLE_VALUE"
        got = reader.read(key)
        assert reader.dtype(key).name == dtype
        assert got.dtype == np.asarray(value).dtype and got.shape == np.shape(value)
        np.testing.assert_array_equal(got, value)


@pytest.mark.parametrize("value", [
    np.arange(12, dtype=np.float32).reshape(3, 4), np.array(-3.25, np.float64),
    np.array([1, -2], np.int8), np.array([300, -7], np.int16), np.array([2**31 - 1], np.int32),
    np.array([-(2**63)], np.int64), np.array([255], np.uint8), np.array([65535], np.uint16),
    np.array([2**32 - 1], np.uint32), np.array([2**64 - 1], np.uint64),
    np.array([[True, False, True]]), np.array([1 - 1j], np.complex64),
    np.array([3 + 4j], np.complex128), np.array([65504, -0.5], np.float16),
    np.array([1.0, -2.5e30], ml_dtypes.bfloat16), np.zeros((0, 3), np.float32),
    np.array([b"", b"a" * 200, "é".encode()], dtype=object), np.array(b"scalar", dtype=object),
    np.array([], dtype=object)])
def test_round_trip_of_every_storable_dtype(tmp_path, value):
    prefix = str(tmp_path / "ck")
    writer = BundleWriter(prefix)
    dtype = "string" if value.dtype == object else None
    writer.add("x", value, dtype)
    writer.add("y", np.array([1.0], np.float32))  # a second entry after an odd-sized one
    writer.finish()
    reader = BundleReader(prefix)
    got = reader.read("x")
    assert got.dtype == value.dtype and got.shape == value.shape
    np.testing.assert_array_equal(got, value)
    np.testing.assert_array_equal(reader.read("y"), [1.0])


def test_data_has_no_padding_and_offsets_follow_write_order(tmp_path):
    prefix = str(tmp_path / "ck")
    writer = BundleWriter(prefix)
    writer.add("b", np.array([1], np.int8))
    writer.add("a", np.array([2.0], np.float32))
    writer.finish()
    entries = dict(read_table(open(index_path(prefix), "rb").read()))
    assert protos.BundleEntry.decode(entries[b"b"]).offset == 0
    assert protos.BundleEntry.decode(entries[b"a"]).offset == 1
    assert os.path.getsize(data_path(prefix)) == 5


def test_string_layout_lengths_checksum_then_bytes(tmp_path):
    prefix = str(tmp_path / "ck")
    writer = BundleWriter(prefix)
    writer.add("s", np.array([b"ab", b"xyz"], dtype=object), "string")
    writer.finish()
    data = open(data_path(prefix), "rb").read()
    assert data[:2] == b"\x02\x03" and data[6:] == b"abxyz"
    from eagerflow.data.tfrecord import masked_crc32c
    lengths = struct.pack("<II", 2, 3)
    assert struct.unpack("<I", data[2:6])[0] == masked_crc32c(lengths)


def test_many_keys_span_several_data_blocks_and_read_back():
    table = TableBuilder(block_size=512)
    keys = [f"layer_{i:04d}/kernel".encode() for i in range(300)]
    for key in keys:
        table.add(key, key[::-1])
    data = table.finish()
    pairs = read_table(data)
    assert [k for k, _ in pairs] == keys and all(v == k[::-1] for k, v in pairs)
    # Several data blocks: the index block has one restart per entry (interval 1).
    footer = data[-48:]
    _, position = protos.read_varint(footer, 0)
    _, position = protos.read_varint(footer, position)
    index_offset, position = protos.read_varint(footer, position)
    index_size, _ = protos.read_varint(footer, position)
    block = data[index_offset:index_offset + index_size]
    assert struct.unpack("<I", block[-4:])[0] > 5


def test_large_bundle_uses_tf_block_size(tmp_path):
    prefix = str(tmp_path / "big")
    writer = BundleWriter(prefix)
    for i in range(2500):
        writer.add(f"model/layer_with_weights-{i}/kernel/.ATTRIBUTES/VARIABLE_VALUE",
                   np.full((2,), i, np.float32))
    writer.finish()
    reader = BundleReader(prefix)
    assert len(reader.keys()) == 2500
    np.testing.assert_array_equal(
        reader.read("model/layer_with_weights-2499/kernel/.ATTRIBUTES/VARIABLE_VALUE"),
        [2499, 2499])


def test_writer_refuses_duplicate_keys_and_unstorable_values(tmp_path):
    writer = BundleWriter(str(tmp_path / "ck"))
    writer.add("a", np.ones(2, np.float32))
    with pytest.raises(ValueError, match="Duplicate checkpoint key 'a'"):
        writer.add("a", np.ones(2, np.float32))
    with pytest.raises(ValueError, match="must not be empty"):
        writer.add("", np.ones(2, np.float32))
    with pytest.raises(TypeError, match="string tensor element"):
        writer.add("s", np.array([1, 2], dtype=object), "string")


def test_failed_write_leaves_previous_checkpoint_and_no_temp_files(tmp_path, monkeypatch):
    prefix = str(tmp_path / "ck")
    writer = BundleWriter(prefix)
    writer.add("a", np.array([1.0], np.float32))
    writer.finish()
    writer = BundleWriter(prefix)
    writer.add("a", np.array([2.0], np.float32))

    def broken_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        writer.finish()
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["ck.data-00000-of-00001", "ck.index"]
    np.testing.assert_array_equal(BundleReader(prefix).read("a"), [1.0])


def test_big_endian_bundle_is_byte_swapped(tmp_path):
    prefix = str(tmp_path / "be")
    payload = np.array([1.5, -2.0], ">f4").tobytes()
    from eagerflow.data.tfrecord import masked_crc32c
    entry = protos.BundleEntry(dtype=1, shape=(2,), size=8, crc32c=masked_crc32c(payload))
    table = TableBuilder()
    table.add(b"", protos.BundleHeader(endianness=protos.BIG).encode())
    table.add(b"x", entry.encode())
    with open(index_path(prefix), "wb") as f:
        f.write(table.finish())
    with open(data_path(prefix), "wb") as f:
        f.write(payload)
    np.testing.assert_array_equal(BundleReader(prefix).read("x"), [1.5, -2.0])


def test_checkpoint_state_text_round_trip_and_tf_observed_text():
    text = ('model_checkpoint_path: "ckpt-3"\nall_model_checkpoint_paths: "ckpt-2"\n'
            'all_model_checkpoint_paths: "ckpt-3"\n'
            "all_model_checkpoint_timestamps: 1795960448.7403533\n"
            "all_model_checkpoint_timestamps: 1795960448.7454438\n"
            "last_preserved_timestamp: 1795960447.7203336\n")
    state = protos.CheckpointState.from_text(text)
    assert state.model_checkpoint_path == "ckpt-3"
    assert state.all_model_checkpoint_paths == ["ckpt-2", "ckpt-3"]
    assert state.all_model_checkpoint_timestamps == [1795960448.7403533, 1795960448.7454438]
    assert state.to_text() == text
    odd = protos.CheckpointState('dir "x"\\y\n\u00e9')
    assert protos.CheckpointState.from_text(odd.to_text()) == odd
    with pytest.raises(ValueError, match="unknown field 'bogus'"):
        protos.CheckpointState.from_text("bogus: 1\n")
    with pytest.raises(ValueError, match="quoted string"):
        protos.CheckpointState.from_text("model_checkpoint_path: ckpt\n")


def test_object_graph_proto_round_trip():
    graph = protos.TrackableObjectGraph([
        protos.TrackableObject(children=[protos.ObjectReference(1, "v")],
                               has_checkpoint_values=True),
        protos.TrackableObject(
            attributes=[protos.SerializedTensor("VARIABLE_VALUE", "Variable",
                                                "v/.ATTRIBUTES/VARIABLE_VALUE")],
            slot_variables=[protos.SlotVariableReference(1, "m", 0)],
            has_checkpoint_values=False)])
    assert protos.TrackableObjectGraph.decode(graph.encode()) == graph
