"""Tests of eagerflow.core.files: atomic writes with normal permissions."""

import os
import stat

import pytest

from eagerflow.core import files


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _leftovers(directory) -> list:
    return [name for name in os.listdir(directory) if "tempstate" in name]


def test_atomic_write_bytes_and_normal_permissions(tmp_path):
    target = tmp_path / "a.bin"
    with files.atomic_write(target) as stream:
        stream.write(b"hello")
    assert target.read_bytes() == b"hello"
    assert _mode(target) == 0o666 & ~_umask()
    assert _leftovers(tmp_path) == []


def test_permissions_follow_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        with files.atomic_write(tmp_path / "u.txt", "w") as stream:
            stream.write("x")
        with files.atomic_path(tmp_path / "p.bin") as temporary:
            with open(temporary, "wb") as stream:
                stream.write(b"x")
        file = files.AtomicFile(tmp_path / "f.bin")
        file.write(b"x")
        file.commit()
    finally:
        os.umask(previous)
    for name in ("u.txt", "p.bin", "f.bin"):
        assert _mode(tmp_path / name) == 0o640, name  # not mkstemp's 0o600


def test_text_mode_defaults_to_utf8(tmp_path):
    target = tmp_path / "t.txt"
    with files.atomic_write(target, "w") as stream:
        stream.write("päth ✓")
    assert target.read_text(encoding="utf-8") == "päth ✓"


def test_exception_leaves_old_content_and_no_temporary(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with files.atomic_write(target, "w") as stream:
            stream.write("new, half written")
            stream.flush()
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_exception_creates_no_file(tmp_path):
    target = tmp_path / "never.bin"
    with pytest.raises(KeyboardInterrupt):
        with files.atomic_path(target) as temporary:
            with open(temporary, "wb") as stream:
                stream.write(b"partial")
            raise KeyboardInterrupt
    assert not target.exists()
    assert _leftovers(tmp_path) == []


def test_replaces_atomically_while_open_for_reading(tmp_path):
    target = tmp_path / "r.txt"
    target.write_text("old")
    with open(target) as reader:
        with files.atomic_write(target, "w") as stream:
            stream.write("new")
            # Until the block ends the target still holds the complete old file.
            assert target.read_text() == "old"
        assert reader.read() == "old"  # the reader keeps the file it opened
    assert target.read_text() == "new"


def test_temporary_lives_beside_target(tmp_path):
    target = tmp_path / "side.bin"
    with files.atomic_path(target) as temporary:
        assert os.path.dirname(temporary) == str(tmp_path)
        assert os.path.exists(temporary)  # reserved exclusively, empty
        with open(temporary, "wb") as stream:
            stream.write(b"1")
    assert target.read_bytes() == b"1"


def test_atomic_file_abort_keeps_target(tmp_path):
    target = tmp_path / "d.bin"
    target.write_bytes(b"old")
    file = files.AtomicFile(target)
    file.write(b"new")
    file.abort()
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_write_bytes_atomically(tmp_path):
    files.write_bytes_atomically(tmp_path / "c.bin", [b"ab", b"cd"])
    files.write_bytes_atomically(tmp_path / "d.bin", b"xyz")
    assert (tmp_path / "c.bin").read_bytes() == b"abcd"
    assert (tmp_path / "d.bin").read_bytes() == b"xyz"


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        with files.atomic_write(tmp_path / "no" / "x.bin"):
            pass


def test_bad_mode_and_exclusive_mode(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        with files.atomic_write(tmp_path / "x", "a"):
            pass
    (tmp_path / "e").write_text("1")
    with pytest.raises(FileExistsError):
        with files.atomic_write(tmp_path / "e", "x"):
            pass
