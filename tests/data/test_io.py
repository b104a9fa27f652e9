"""`tf.io` (src/eagerflow/io.py): whole-file reads and writes, decode_raw, gfile."""

import numpy as np
import pytest

import eagerflow as tf


def test_read_write_file(tmp_path):
    path = str(tmp_path / "sub" / "f.bin")
    tf.io.write_file(path, tf.constant(b"\x00abc"))
    content = tf.io.read_file(path)
    assert content.dtype == tf.string and content.shape == () and content.numpy() == b"\x00abc"
    tf.io.write_file(path, "text")
    assert tf.io.read_file(path).numpy() == b"text"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["f.bin"]  # no temp file left
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.read_file(str(tmp_path / "missing"))


def test_decode_raw():
    data = np.array([1, 2, 3], dtype="<i4").tobytes()
    out = tf.io.decode_raw(tf.constant(data), tf.int32)
    assert out.dtype == tf.int32 and out.numpy().tolist() == [1, 2, 3]
    two = tf.io.decode_raw(tf.constant([data, data]), tf.int32)
    assert two.shape == (2, 3)
    big = tf.io.decode_raw(np.array([1], dtype=">i2").tobytes(), tf.int16, little_endian=False)
    assert big.numpy().tolist() == [1]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.io.decode_raw(tf.constant([b"ab", b"abcd"]), tf.int16)


def test_gfile_and_matching_files(tmp_path):
    gfile = tf.io.gfile
    directory = str(tmp_path / "d")
    gfile.makedirs(directory)
    with gfile.GFile(directory + "/a.txt", "w") as handle:
        handle.write("hello")
    assert gfile.exists(directory + "/a.txt") and gfile.isdir(directory)
    assert gfile.listdir(directory) == ["a.txt"]
    assert gfile.glob(directory + "/*.txt") == [directory + "/a.txt"]
    assert tf.io.matching_files(directory + "/*.txt").numpy().tolist() == \
        [(directory + "/a.txt").encode()]
    gfile.copy(directory + "/a.txt", directory + "/b.txt")
    with pytest.raises(tf.errors.AlreadyExistsError):
        gfile.copy(directory + "/a.txt", directory + "/b.txt")
    gfile.rename(directory + "/b.txt", directory + "/c.txt")
    gfile.remove(directory + "/c.txt")
    with pytest.raises(tf.errors.NotFoundError):
        gfile.remove(directory + "/c.txt")
    gfile.rmtree(directory)
    assert not gfile.exists(directory)


def test_image_codecs_are_in_tf_io():
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    encoded = tf.io.encode_png(tf.constant(pixels))
    np.testing.assert_array_equal(tf.io.decode_png(encoded).numpy(), pixels)
    assert tf.io.decode_image is tf.image.decode_image
