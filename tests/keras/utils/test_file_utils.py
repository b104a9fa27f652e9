"""get_file from file:// URLs into a temporary cache: caching, hashes, extraction, and the
archive members it must refuse (path traversal through names and links)."""

import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from eagerflow.keras.utils import get_file
from eagerflow.keras.utils.file_utils import extract_archive, hash_file, validate_file


def _url(path):
    return path.resolve().as_uri()


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "data.bin"
    path.parent.mkdir()
    path.write_bytes(b"eagerflow " * 1000)
    return path


def test_download_once_then_use_the_cache(tmp_path, source, capsys):
    cache = tmp_path / "cache"
    path = get_file(origin=_url(source), cache_dir=cache)
    assert path == os.path.join(cache, "datasets", "data.bin")
    assert open(path, "rb").read() == source.read_bytes()
    assert f"Downloading data from {_url(source)}" in capsys.readouterr().out
    source.write_bytes(b"changed")
    assert get_file("data.bin", _url(source), cache_dir=cache) == path
    assert open(path, "rb").read() != b"changed"  # cached copy kept
    assert capsys.readouterr().out == ""
    assert sorted(os.listdir(cache / "datasets")) == ["data.bin"]  # no temporary left


def test_hashes(tmp_path, source):
    content = source.read_bytes()
    sha256, md5 = hashlib.sha256(content).hexdigest(), hashlib.md5(content).hexdigest()
    assert hash_file(source) == sha256 and hash_file(source, "md5") == md5
    assert validate_file(source, sha256) and validate_file(source, md5)
    assert not validate_file(source, "0" * 64)
    cache = tmp_path / "cache"
    get_file(origin=_url(source), file_hash=sha256, cache_dir=cache)
    get_file(fname="copy.bin", origin=_url(source), md5_hash=md5, cache_dir=cache)
    with pytest.raises(ValueError, match="file hash does not match the provided value"):
        get_file(fname="bad.bin", origin=_url(source), file_hash="0" * 64, cache_dir=cache)
    assert not (cache / "datasets" / "bad.bin").exists()


def test_stale_cached_file_is_downloaded_again(tmp_path, source, capsys):
    cache = tmp_path / "cache"
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "data.bin").write_bytes(b"stale")
    sha256 = hashlib.sha256(source.read_bytes()).hexdigest()
    path = get_file(origin=_url(source), file_hash=sha256, cache_dir=cache)
    assert open(path, "rb").read() == source.read_bytes()
    assert "incomplete or outdated" in capsys.readouterr().out


def _tar(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)


def _file_member(name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def test_extract_tar_and_zip(tmp_path):
    tar_path = tmp_path / "src" / "set.tar.gz"
    tar_path.parent.mkdir()
    _tar(tar_path, [_file_member("set/a.txt", b"A"), _file_member("set/sub/b.txt", b"B")])
    cache = tmp_path / "cache"
    out = get_file(origin=_url(tar_path), extract=True, cache_dir=cache)
    assert out.endswith("set.tar.gz")
    assert (cache / "datasets" / "set" / "sub" / "b.txt").read_bytes() == b"B"
    untarred = get_file("other", _url(tar_path), untar=True, cache_dir=tmp_path / "c2")
    assert untarred == os.path.join(tmp_path / "c2", "datasets", "other")
    assert (tmp_path / "c2" / "datasets" / "set" / "a.txt").read_bytes() == b"A"
    zip_path = tmp_path / "src" / "z.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("z/c.txt", "C")
    get_file(origin=_url(zip_path), extract=True, cache_dir=cache)
    assert (cache / "datasets" / "z" / "c.txt").read_text() == "C"
    assert extract_archive(zip_path, tmp_path / "x", archive_format="tar") is False
    assert extract_archive(zip_path, tmp_path / "x", archive_format=None) is False


def _symlink(name, target):
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info, None


@pytest.mark.parametrize("members, match", [
    ([_file_member("../evil.txt", b"x")], "outside"),
    ([_file_member("/tmp/evil_abs.txt", b"x")], "outside"),
    ([_symlink("link", "../../outside")], "links to"),
    ([_symlink("link", "/etc/passwd")], "links to"),
])
def test_tar_members_escaping_the_target_are_refused(tmp_path, members, match):
    archive = tmp_path / "bad.tar.gz"
    _tar(archive, [_file_member("ok.txt", b"fine")] + members)
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(ValueError, match=match):
        extract_archive(archive, target)
    assert os.listdir(target) == []  # checked before anything was written
    assert not (tmp_path / "evil.txt").exists()


def test_zip_member_escaping_the_target_is_refused(tmp_path):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("../evil.txt", "x")
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(ValueError, match="outside"):
        extract_archive(archive, target)
    assert not (tmp_path / "evil.txt").exists()


def test_bad_arguments_and_fetch_failures(tmp_path):
    with pytest.raises(ValueError, match="origin"):
        get_file("x", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="Can't parse the file name"):
        get_file(origin="http://example.com/", cache_dir=tmp_path)
    with pytest.raises(Exception, match="URL fetch failure"):
        get_file(origin=_url(tmp_path / "missing.bin"), cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []
