"""Malformed checkpoints (REFERENCE.md 1.7, 4.3 items 11-12) raise clear errors, never crash
or allocate what the file merely declares."""

import struct

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.data.tfrecord import masked_crc32c
from eagerflow.train import protos
from eagerflow.train.bundle import BundleReader, BundleWriter, data_path, index_path
from eagerflow.train.sstable import MAGIC, _BlockBuilder, read_table

DataLoss = tf.errors.DataLossError


def _block_with_trailer(contents: bytes, kind: int = 0) -> bytes:
    return contents + bytes([kind]) + struct.pack("<I", masked_crc32c(contents + bytes([kind])))


def raw_table(pairs, restart_interval: int = 16, kind: int = 0) -> bytes:
    """One data block holding `pairs` as given (no order check), empty metaindex, index."""
    block = _BlockBuilder(restart_interval)
    for key, value in pairs:
        block.buffer += (protos.encode_varint(0) + protos.encode_varint(len(key))
                         + protos.encode_varint(len(value)) + key + value)
        block.count += 1
    out = bytearray(_block_with_trailer(block.finish(), kind))
    data_handle = protos.encode_varint(0) + protos.encode_varint(len(block.finish()))
    meta_offset = len(out)
    meta = _BlockBuilder(16).finish()
    out += _block_with_trailer(meta)
    index = _BlockBuilder(1)
    index.add(b"\xff", data_handle)
    index_contents = index.finish()
    index_offset = len(out)
    out += _block_with_trailer(index_contents)
    handles = (protos.encode_varint(meta_offset) + protos.encode_varint(len(meta))
               + protos.encode_varint(index_offset) + protos.encode_varint(len(index_contents)))
    return bytes(out + handles.ljust(40, b"\0") + struct.pack("<Q", MAGIC))


def write_bundle(tmp_path, entries, data=b"", header=None, raw=False, num_shards=1):
    """A bundle from (key, BundleEntry) pairs and raw shard bytes."""
    prefix = str(tmp_path / "evil")
    header = header or protos.BundleHeader(num_shards=num_shards)
    pairs = [(b"", header.encode())] + [
        (k.encode(), e.encode() if isinstance(e, protos.BundleEntry) else e) for k, e in entries]
    with open(index_path(prefix), "wb") as f:
        f.write(raw_table(pairs))
    with open(data_path(prefix, 0, max(1, header.num_shards) if 0 < header.num_shards < 99
                        else 1), "wb") as f:
        f.write(data)
    return prefix


def good_entry(payload: bytes, dtype: int = 1, shape=(2,), **kw) -> protos.BundleEntry:
    fields = dict(dtype=dtype, shape=shape, size=len(payload), crc32c=masked_crc32c(payload))
    fields.update(kw)
    return protos.BundleEntry(**fields)


PAYLOAD = np.array([1.0, 2.0], np.float32).tobytes()


def test_the_helper_builds_a_valid_bundle(tmp_path):
    prefix = write_bundle(tmp_path, [("x", good_entry(PAYLOAD))], PAYLOAD)
    np.testing.assert_array_equal(BundleReader(prefix).read("x"), [1.0, 2.0])


# -- 11: the table itself ------------------------------------------------------------------
def _good_index(tmp_path) -> tuple[str, bytes]:
    prefix = str(tmp_path / "good")
    writer = BundleWriter(prefix)
    writer.add("x", np.array([1.0, 2.0], np.float32))
    writer.finish()
    return prefix, open(index_path(prefix), "rb").read()


def _rewrite(prefix: str, data: bytes) -> None:
    with open(index_path(prefix), "wb") as f:
        f.write(data)


def test_bad_magic(tmp_path):
    prefix, data = _good_index(tmp_path)
    _rewrite(prefix, data[:-1] + b"\x00")
    with pytest.raises(DataLoss, match="bad magic"):
        BundleReader(prefix)


def test_file_shorter_than_footer(tmp_path):
    prefix, data = _good_index(tmp_path)
    _rewrite(prefix, data[-20:])
    with pytest.raises(DataLoss, match="shorter than the 48-byte footer"):
        BundleReader(prefix)


def test_block_handle_out_of_range(tmp_path):
    prefix, data = _good_index(tmp_path)
    footer = (protos.encode_varint(0) + protos.encode_varint(8)
              + protos.encode_varint(10**15) + protos.encode_varint(10))
    _rewrite(prefix, data[:-48] + footer.ljust(40, b"\0") + data[-8:])
    with pytest.raises(DataLoss, match="extends past"):
        BundleReader(prefix)


def test_overlapping_blocks(tmp_path):
    prefix, data = _good_index(tmp_path)
    footer = data[-48:-8]
    _, p = protos.read_varint(footer, 0)
    _, p = protos.read_varint(footer, p)
    index_handle = footer[p:]
    _rewrite(prefix, data[:-48] + (index_handle.rstrip(b"\0") + index_handle).ljust(40, b"\0")
             [:40] + data[-8:])
    with pytest.raises(DataLoss, match="overlap"):
        BundleReader(prefix)


def test_block_checksum_mismatch(tmp_path):
    prefix, data = _good_index(tmp_path)
    _rewrite(prefix, bytes([data[0] ^ 1]) + data[1:])
    with pytest.raises(DataLoss, match="checksum mismatch"):
        BundleReader(prefix)


def test_compressed_block_is_refused(tmp_path):
    prefix = str(tmp_path / "snappy")
    with open(index_path(prefix), "wb") as f:
        f.write(raw_table([(b"", protos.BundleHeader().encode())], kind=1))
    with pytest.raises(DataLoss, match="compression type 1"):
        BundleReader(prefix)


def test_varint_overflow_in_block(tmp_path):
    prefix = str(tmp_path / "v")
    block = b"\xff" * 11 + struct.pack("<II", 0, 1)
    _rewrite(prefix, _table_around(block))
    with pytest.raises(DataLoss, match="varint"):
        BundleReader(prefix)


def test_restart_array_out_of_bounds():
    contents = b"\x00\x01\x00k" + struct.pack("<I", 10**6)
    with pytest.raises(DataLoss, match="restart count"):
        read_table(_table_around(contents))


def test_restart_offset_not_at_an_entry():
    contents = b"\x00\x01\x00k" + struct.pack("<II", 2, 1)
    with pytest.raises(DataLoss, match="restart"):
        read_table(_table_around(contents))


def test_shared_prefix_longer_than_previous_key():
    contents = b"\x05\x01\x00k" + struct.pack("<II", 0, 1)
    with pytest.raises(DataLoss, match="shares 5 bytes"):
        read_table(_table_around(contents))


def _table_around(block: bytes) -> bytes:
    """An SSTable whose one data block is `block` (raw bytes, with a valid trailer)."""
    out = _block_with_trailer(block)
    meta = _BlockBuilder(16).finish()
    index = _BlockBuilder(1)
    index.add(b"\xff", protos.encode_varint(0) + protos.encode_varint(len(block)))
    contents = index.finish()
    table = out + _block_with_trailer(meta) + _block_with_trailer(contents)
    handles = (protos.encode_varint(len(out)) + protos.encode_varint(len(meta))
               + protos.encode_varint(len(out) + len(meta) + 5)
               + protos.encode_varint(len(contents)))
    return table + handles.ljust(40, b"\0") + struct.pack("<Q", MAGIC)


@pytest.mark.parametrize("keys", [[b"b", b"a"], [b"a", b"a"]], ids=["unsorted", "duplicate"])
def test_unsorted_or_duplicate_keys(tmp_path, keys):
    entry = good_entry(PAYLOAD).encode()
    prefix = write_bundle(tmp_path, [(k.decode(), entry) for k in keys], PAYLOAD)
    with pytest.raises(DataLoss, match="strictly increasing"):
        BundleReader(prefix)


def test_missing_header_entry(tmp_path):
    prefix = str(tmp_path / "nohead")
    with open(index_path(prefix), "wb") as f:
        f.write(raw_table([(b"x", good_entry(PAYLOAD).encode())]))
    with pytest.raises(DataLoss, match="no header entry"):
        BundleReader(prefix)


def test_missing_files(tmp_path):
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
        BundleReader(str(tmp_path / "nothing"))
    prefix = write_bundle(tmp_path, [("x", good_entry(PAYLOAD))], PAYLOAD)
    import os
    os.remove(data_path(prefix))
    with pytest.raises(tf.errors.NotFoundError, match="data file .* is missing"):
        BundleReader(prefix)


# -- 12: entries ---------------------------------------------------------------------------
@pytest.mark.parametrize("entry, message", [
    (good_entry(PAYLOAD, shape=(-2,)), "negative dimension"),
    (good_entry(PAYLOAD, shape=(2**62, 2**62)), "needs"),
    (good_entry(PAYLOAD, shape=(3,)), "has size 8 but shape \\[3\\]"),
    (good_entry(PAYLOAD, dtype=7, shape=(2**40,)), "declares 1099511627776 strings"),
    (good_entry(PAYLOAD, offset=4), "past the end of its data file"),
    (good_entry(PAYLOAD, shard_id=1), "names shard 1 of 1"),
    (good_entry(PAYLOAD, offset=-8), "negative offset"),
    (good_entry(PAYLOAD, dtype=20), "DataType 20"),
    (good_entry(PAYLOAD, dtype=21), "DataType 21"),
    (good_entry(PAYLOAD, dtype=11), "DataType 11"),
    (good_entry(PAYLOAD, dtype=999), "DataType 999"),
    (good_entry(PAYLOAD, shape=tuple([1] * 300)), "rank"),
])
def test_bad_entries_are_refused_before_any_read(tmp_path, entry, message):
    prefix = write_bundle(tmp_path, [("x", entry)], PAYLOAD)
    with pytest.raises(DataLoss, match=message):
        BundleReader(prefix)
    with pytest.raises(DataLoss, match=message):
        tf.train.load_checkpoint(prefix)


def test_sliced_entries_are_refused(tmp_path):
    entry = good_entry(PAYLOAD).encode() + b"\x3a\x00"  # one empty TensorSliceProto
    prefix = write_bundle(tmp_path, [("x", entry)], PAYLOAD)
    with pytest.raises(tf.errors.UnimplementedError, match="partitioned"):
        BundleReader(prefix)


@pytest.mark.parametrize("header, message", [
    (protos.BundleHeader(num_shards=0), "num_shards=0"),
    (protos.BundleHeader(num_shards=2**31 - 1), "num_shards=2147483647"),
    (protos.BundleHeader(endianness=7), "unknown endianness"),
    (protos.BundleHeader(version=protos.VersionDef(producer=1, min_consumer=5)), "newer"),
    (protos.BundleHeader(version=protos.VersionDef(producer=1, bad_consumers=[1])), "newer"),
])
def test_bad_headers(tmp_path, header, message):
    prefix = write_bundle(tmp_path, [("x", good_entry(PAYLOAD))], PAYLOAD, header=header)
    with pytest.raises(DataLoss, match=message):
        BundleReader(prefix)


def test_malformed_entry_proto(tmp_path):
    prefix = write_bundle(tmp_path, [("x", b"\x0a\x05ab")], PAYLOAD)
    with pytest.raises(DataLoss, match="malformed entry"):
        BundleReader(prefix)


def test_entry_checksum_mismatch_is_found_on_read(tmp_path):
    corrupt = bytes([PAYLOAD[0] ^ 0x40]) + PAYLOAD[1:]
    prefix = write_bundle(tmp_path, [("x", good_entry(PAYLOAD))], corrupt)
    reader = BundleReader(prefix)
    with pytest.raises(DataLoss, match="Checksum does not match for entry 'x'"):
        reader.read("x")


def _string_entry(tmp_path, data: bytes, shape=(2,), crc=None):
    entry = protos.BundleEntry(dtype=7, shape=shape, size=len(data),
                               crc32c=crc if crc is not None else masked_crc32c(data))
    return write_bundle(tmp_path, [("s", entry)], data)


def _string_bytes(lengths, body, length_crc=None):
    varints = b"".join(protos.encode_varint(n) for n in lengths)
    crc = length_crc if length_crc is not None else masked_crc32c(
        b"".join(struct.pack("<I" if n < 2**32 else "<Q", n) for n in lengths))
    return varints + struct.pack("<I", crc) + body


def test_string_length_checksum_mismatch(tmp_path):
    prefix = _string_entry(tmp_path, _string_bytes([1, 2], b"abc", length_crc=12345))
    with pytest.raises(DataLoss, match="length checksum mismatch"):
        BundleReader(prefix).read("s")


def test_string_lengths_larger_than_size(tmp_path):
    prefix = _string_entry(tmp_path, _string_bytes([1, 2**40], b"abc"))
    with pytest.raises(DataLoss, match="declares 1099511627777 string bytes but holds 3"):
        BundleReader(prefix).read("s")


def test_string_entry_checksum_mismatch(tmp_path):
    prefix = _string_entry(tmp_path, _string_bytes([1, 2], b"abc"), crc=1)
    with pytest.raises(DataLoss, match="has a checksum mismatch"):
        BundleReader(prefix).read("s")


def test_string_varint_overflow(tmp_path):
    prefix = _string_entry(tmp_path, b"\xff" * 11 + b"\x00" * 8)
    with pytest.raises(DataLoss, match="malformed length"):
        BundleReader(prefix).read("s")


def test_random_corruptions_only_raise_tf_errors(tmp_path):
    """Flip, truncate and splice bytes of a real bundle: every outcome is a value or an OpError."""
    prefix = str(tmp_path / "fuzz")
    writer = BundleWriter(prefix)
    writer.add("a", np.arange(5, dtype=np.int32))
    writer.add("s", np.array([b"xy", b"z"], dtype=object), "string")
    writer.add("b/c", np.ones((2, 2), np.float64))
    writer.finish()
    index, data = open(index_path(prefix), "rb").read(), open(data_path(prefix), "rb").read()
    rng = np.random.default_rng(0)
    for trial in range(400):
        target, blob = (index, data) if trial % 3 else (data, index)
        mutated = bytearray(target)
        kind = trial % 4
        if kind == 0:
            for _ in range(rng.integers(1, 4)):
                mutated[rng.integers(len(mutated))] ^= 1 << int(rng.integers(8))
        elif kind == 1:
            mutated = mutated[:rng.integers(len(mutated))]
        elif kind == 2:
            position = int(rng.integers(len(mutated)))
            mutated[position:position + 4] = rng.bytes(4)
        else:
            mutated[rng.integers(len(mutated))] = 0xFF
        is_index = target is index
        with open(index_path(prefix), "wb") as f:
            f.write(bytes(mutated) if is_index else blob)
        with open(data_path(prefix), "wb") as f:
            f.write(blob if is_index else bytes(mutated))
        try:
            reader = BundleReader(prefix)
            for key in reader.keys():
                reader.read(key)
        except tf.errors.OpError:
            pass


def test_random_object_graph_corruptions_only_raise_clear_errors(tmp_path):
    """Mutated object graphs (inside a valid bundle) restore or raise an OpError/ValueError,
    never an IndexError or a hang, and never leave a variable half-written."""
    from eagerflow.train.trackable import OBJECT_GRAPH_KEY, build_object_graph

    module = tf.Module()
    module.a = tf.Variable([1.0, 2.0])
    module.items = [tf.Variable(3), {"k": tf.Variable(b"s")}]
    graph = build_object_graph(tf.train.Checkpoint(m=module)).proto.encode()
    rng = np.random.default_rng(1)
    for trial in range(300):
        mutated = bytearray(graph)
        for _ in range(1 + trial % 3):
            mutated[rng.integers(len(mutated))] = int(rng.integers(256))
        prefix = str(tmp_path / f"g{trial}")
        writer = BundleWriter(prefix)
        writer.add("m/a/.ATTRIBUTES/VARIABLE_VALUE", np.array([5.0, 6.0], np.float32))
        writer.add(OBJECT_GRAPH_KEY, np.array(bytes(mutated), dtype=object), "string")
        writer.finish()
        target = tf.Module()
        target.a = tf.Variable([0.0, 0.0])
        target.items = [tf.Variable(0), {"k": tf.Variable(b"")}]
        try:
            tf.train.Checkpoint(m=target).restore(prefix).expect_partial()
        except (tf.errors.OpError, ValueError):
            pass
        assert target.a.numpy().tolist() in ([0.0, 0.0], [5.0, 6.0])


def test_oversized_index_is_refused_without_reading_it(tmp_path):
    prefix = str(tmp_path / "huge")
    with open(index_path(prefix), "wb") as f:
        f.truncate((1 << 31) + 1)  # sparse: no real disk space or memory used
    with pytest.raises(DataLoss, match="more than the 2147483648 an index can be"):
        BundleReader(prefix)
