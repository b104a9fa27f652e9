"""The TFRecord format: framing, masked CRC32C, compression, corruption detection."""

import gzip
import struct
import zlib

import pytest

import eagerflow as tf
from eagerflow.core.spec import TensorSpec
from eagerflow.data import tfrecord
from eagerflow.io import TFRecordOptions, TFRecordWriter


def reference_crc32c(data: bytes) -> int:
    """Bitwise CRC-32C (reflected polynomial 0x82F63B78), independent of google_crc32c."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def reference_mask(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def hand_built_record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", reference_mask(reference_crc32c(length))) + data
            + struct.pack("<I", reference_mask(reference_crc32c(data))))


def records(path, compression=""):
    return [r.numpy() for r in tf.data.TFRecordDataset(str(path), compression_type=compression)]


def test_crc32c_known_values():
    assert tfrecord.crc32c(b"123456789") == 0xE3069283  # the standard check value
    assert reference_crc32c(b"123456789") == 0xE3069283
    for data in (b"", b"\x00" * 8, b"hello", bytes(range(256))):
        crc = tfrecord.crc32c(data)
        assert crc == reference_crc32c(data)
        assert tfrecord.masked_crc32c(data) == reference_mask(crc)
        assert tfrecord.unmask_crc32c(tfrecord.masked_crc32c(data)) == crc


def test_hand_built_file_reads(tmp_path):
    path = tmp_path / "hand.tfrecord"
    payloads = [b"hello", b"", b"\x00\xff" * 100]
    path.write_bytes(b"".join(hand_built_record(p) for p in payloads))
    assert records(path) == payloads


def test_writer_is_byte_exact(tmp_path):
    path = tmp_path / "out.tfrecord"
    payloads = [b"first", b"", b"x" * 1000]
    with TFRecordWriter(str(path)) as writer:
        for p in payloads:
            writer.write(p)
    assert path.read_bytes() == b"".join(hand_built_record(p) for p in payloads)
    assert records(path) == payloads
    # Reading and rewriting gives the same bytes.
    copy = tmp_path / "copy.tfrecord"
    with TFRecordWriter(str(copy)) as writer:
        for record in tf.data.TFRecordDataset(str(path)):
            writer.write(record)
    assert copy.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("compression", ["GZIP", "ZLIB"])
def test_compressed_round_trip(tmp_path, compression):
    path = tmp_path / f"c.{compression}"
    payloads = [b"a" * 50, b"b", b""]
    with TFRecordWriter(str(path), TFRecordOptions(compression_type=compression)) as writer:
        for p in payloads:
            writer.write(p)
    raw = path.read_bytes()
    plain = gzip.decompress(raw) if compression == "GZIP" else zlib.decompress(raw)
    assert plain == b"".join(hand_built_record(p) for p in payloads)
    assert records(path, compression) == payloads
    assert records(path, compression.lower()) == payloads


def test_writer_accepts_string_option_and_tensors(tmp_path):
    path = tmp_path / "s.tfrecord"
    with TFRecordWriter(str(path), "GZIP") as writer:
        writer.write(tf.constant(b"tensor"))
        writer.write("text")
    assert records(path, "GZIP") == [b"tensor", b"text"]
    with pytest.raises(tf.errors.InvalidArgumentError):
        TFRecordWriter(str(tmp_path / "bad"), "LZMA")


def test_corruption_raises_data_loss(tmp_path):
    path = tmp_path / "bad.tfrecord"
    good = hand_built_record(b"payload")
    corrupted = bytearray(good)
    corrupted[14] ^= 0x01  # a data byte
    path.write_bytes(good + bytes(corrupted))
    it = iter(tf.data.TFRecordDataset(str(path)))
    assert next(it).numpy() == b"payload"
    with pytest.raises(tf.errors.DataLossError, match="corrupted record"):
        next(it)
    bad_length = bytearray(good)
    bad_length[0] ^= 0x01
    path.write_bytes(bytes(bad_length))
    with pytest.raises(tf.errors.DataLossError):
        records(path)
    path.write_bytes(good[:-3])
    with pytest.raises(tf.errors.DataLossError, match="truncated"):
        records(path)


def test_multiple_files_and_parallel_reads(tmp_path):
    paths = []
    for index in range(3):
        path = tmp_path / f"f{index}.tfrecord"
        with TFRecordWriter(str(path)) as writer:
            for j in range(2):
                writer.write(f"{index}-{j}".encode())
        paths.append(str(path))
    sequential = [r.numpy() for r in tf.data.TFRecordDataset(paths)]
    assert sequential == [b"0-0", b"0-1", b"1-0", b"1-1", b"2-0", b"2-1"]
    parallel = [r.numpy() for r in tf.data.TFRecordDataset(paths, num_parallel_reads=3)]
    assert parallel == [b"0-0", b"1-0", b"2-0", b"0-1", b"1-1", b"2-1"]
    ds = tf.data.TFRecordDataset(paths)
    assert ds.element_spec == TensorSpec((), tf.string)
    with pytest.raises(tf.errors.NotFoundError):
        records(tmp_path / "missing.tfrecord")
