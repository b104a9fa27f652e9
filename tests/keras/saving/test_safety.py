"""Loading untrusted files: JSON, config trees, zip archives and HDF5 trees are bounded and
refuse every trick of REFERENCE §4.3 with a clear error and no side effect."""

import json
import os
import zipfile

import h5py
import numpy as np
import pytest

from eagerflow.keras.saving import safety

# ---------------------------------------------------------------- JSON

def test_load_json_parses_plain_text_and_bytes():
    assert safety.load_json('{"a": [1, 2]}', "t") == {"a": [1, 2]}
    assert safety.load_json(b'{"a": null}', "t") == {"a": None}


def test_load_json_refuses_deep_nesting_without_recursing():
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ValueError, match="nests 100000 levels"):
        safety.load_json(text, "config.json")


def test_load_json_depth_ignores_brackets_inside_strings():
    text = json.dumps({"name": "[" * 1000})
    assert safety.load_json(text, "t") == {"name": "[" * 1000}


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe{}", "not valid UTF-8"),
    ("{not json", "not valid JSON"),
    ('{"a": 1, "a": 2}', "key 'a' twice"),
])
def test_load_json_refuses_bad_text(data, message):
    with pytest.raises(ValueError, match=message):
        safety.load_json(data, "config.json")


def test_load_json_refuses_oversize(monkeypatch):
    monkeypatch.setattr(safety.LIMITS, "max_json_bytes", 10)
    with pytest.raises(ValueError, match="over the limit"):
        safety.load_json('{"a": "0123456789"}', "config.json")


# ---------------------------------------------------------------- config trees

def test_config_tree_refuses_lambda_bytecode_always():
    keras3 = {"class_name": "Lambda", "config": {"function": {
        "class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": None}}}}
    legacy = {"class_name": "Lambda", "config": {"function": ["4wEAAAAA", None, None],
                                                 "function_type": "lambda"}}
    for config in (keras3, legacy):
        for mode in (True, False):
            with safety.SafeModeScope(mode), pytest.raises(ValueError, match="register"):
                safety.check_config_tree(config)


def test_config_tree_refuses_absurd_sizes_in_safe_mode_only():
    config = {"class_name": "Dense", "config": {"units": 10**12}}
    with pytest.raises(ValueError, match="units=1000000000000"):
        safety.check_config_tree(config)
    with safety.SafeModeScope(False):
        safety.check_config_tree(config)


@pytest.mark.parametrize("key, value", [
    ("vocabulary", "/etc/passwd"),
    ("filepath", "model_dir"),
    ("name", "http://evil.example/x"),
    ("whatever", "gs://bucket/vocab.txt"),
])
def test_config_tree_refuses_external_resources(key, value):
    with pytest.raises(ValueError, match="external resource"):
        safety.check_config_tree({"class_name": "StringLookup", "config": {key: value}})


def test_config_tree_bounds_node_count(monkeypatch):
    monkeypatch.setattr(safety.LIMITS, "max_config_nodes", 1000)
    with pytest.raises(ValueError, match="more than 1000 values"):
        safety.check_config_tree({"inbound_nodes": [[0, 0]] * 2000})


def test_safe_mode_flag_scopes_and_global():
    assert safety.in_safe_mode()
    with safety.SafeModeScope(False):
        assert not safety.in_safe_mode()
        with safety.SafeModeScope(None):
            assert not safety.in_safe_mode()
    assert safety.in_safe_mode()


# ---------------------------------------------------------------- zip archives

def _zip(path, members, symlink=None):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    return zipfile.ZipFile(path)


@pytest.mark.parametrize("name", [
    "../evil.txt", "/abs/path", "C:/windows/x", "assets\\..\\x", "assets/../../x", "a//b",
    "bad\x00name",
])
def test_zip_member_names_are_confined(tmp_path, name):
    with pytest.raises(ValueError, match="refusing the member name"):
        safety.check_member_name(name, "archive")


def test_zip_refuses_symlinks_and_duplicates(tmp_path):
    with pytest.raises(ValueError, match="symbolic link"):
        safety.check_zip(_zip(tmp_path / "a.zip", {}, symlink="assets/link"), "archive")
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("config.json", "{}")
        archive.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="twice"):
        safety.check_zip(zipfile.ZipFile(path), "archive")


def test_zip_refuses_bombs_by_ratio_and_declared_size(tmp_path, monkeypatch):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b"\0" * (8 * 2**20))
    with pytest.raises(ValueError, match="decompression bomb"):
        safety.check_zip(zipfile.ZipFile(path), "archive")
    monkeypatch.setattr(safety.LIMITS, "max_member_bytes", 100)
    with pytest.raises(ValueError, match="declares"):
        safety.check_zip(_zip(tmp_path / "c.zip", {"x": b"1" * 200}), "archive")


def test_zip_refuses_too_many_members(tmp_path, monkeypatch):
    monkeypatch.setattr(safety.LIMITS, "max_zip_members", 5)
    archive = _zip(tmp_path / "many.zip", {f"assets/{i}": b"" for i in range(6)})
    with pytest.raises(ValueError, match="6 members"):
        safety.check_zip(archive, "archive")


def test_read_member_is_capped_whatever_the_header_says(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"config.json": b"x" * 100})
    with pytest.raises(ValueError, match="larger than 10 bytes"):
        safety.read_member(archive, "config.json", 10, "archive")
    assert safety.read_member(archive, "config.json", 100, "archive") == b"x" * 100


# ---------------------------------------------------------------- HDF5 trees

def _h5(tmp_path, build):
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as h5file:
        build(h5file)
    return h5py.File(path, "r")


def test_h5_plain_tree_passes(tmp_path):
    def build(f):
        f.create_group("layers/dense/vars").create_dataset("0", data=np.ones((2, 3), "f4"))
    with _h5(tmp_path, build) as f:
        safety.check_h5_tree(f, "weights")


@pytest.mark.parametrize("kind", ["soft", "external"])
def test_h5_refuses_links(tmp_path, kind):
    def build(f):
        group = f.create_group("layers/dense/vars")
        f.create_dataset("real", data=np.ones(3))
        group["0"] = (h5py.SoftLink("/real") if kind == "soft"
                      else h5py.ExternalLink("/etc/passwd", "/x"))
    with _h5(tmp_path, build) as f, pytest.raises(ValueError, match=f"{kind} link"):
        safety.check_h5_tree(f, "weights")


def test_h5_refuses_external_storage(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(4, dtype="f4").tobytes())

    def build(f):
        f.create_group("vars").create_dataset("0", shape=(4,), dtype="f4",
                                              external=[(str(secret), 0, 16)])
    with _h5(tmp_path, build) as f, pytest.raises(ValueError, match="external files"):
        safety.check_h5_tree(f, "weights")


def test_h5_refuses_virtual_datasets(tmp_path):
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as f:
        f.create_dataset("data", data=np.ones(4, "f4"))

    def build(f):
        layout = h5py.VirtualLayout(shape=(4,), dtype="f4")
        layout[:] = h5py.VirtualSource(str(source), "data", shape=(4,))
        f.create_group("vars").create_virtual_dataset("0", layout)
    with _h5(tmp_path, build) as f, pytest.raises(ValueError, match="virtual dataset"):
        safety.check_h5_tree(f, "weights")


def test_h5_refuses_shape_bombs(tmp_path):
    def build(f):
        f.create_group("vars").create_dataset("0", shape=(2**20, 2**12), dtype="f4",
                                              chunks=(1024, 1024), compression="gzip",
                                              fillvalue=1.0)
    with _h5(tmp_path, build) as f, pytest.raises(ValueError, match="declares"):
        safety.check_h5_tree(f, "weights")


@pytest.mark.parametrize("dtype", [h5py.string_dtype(), np.dtype([("a", "f4"), ("b", "i4")]),
                                   h5py.vlen_dtype("f4")])
def test_h5_refuses_non_numeric_datasets(tmp_path, dtype):
    def build(f):
        f.create_group("vars").create_dataset("0", shape=(2,), dtype=dtype)
    with _h5(tmp_path, build) as f, pytest.raises(ValueError, match="dtype"):
        safety.check_h5_tree(f, "weights")


def test_h5_hard_link_cycles_are_visited_once(tmp_path):
    def build(f):
        group = f.create_group("a")
        group["loop"] = group  # a hard link back to itself
    with _h5(tmp_path, build) as f:
        safety.check_h5_tree(f, "weights")


def test_decode_attr_handles_fixed_and_variable_strings(tmp_path):
    path = tmp_path / "a.h5"
    with h5py.File(path, "w") as f:
        f.attrs["fixed"] = np.array([b"dense", b"dense_1"])
        f.attrs["vlen"] = np.array(["dense"], dtype=h5py.string_dtype())
        f.attrs["scalar_bytes"] = np.bytes_(b"tensorflow")
    with h5py.File(path, "r") as f:
        assert safety.decode_attr(f.attrs["fixed"]) == ["dense", "dense_1"]
        assert safety.decode_attr(f.attrs["vlen"]) == ["dense"]
        assert safety.decode_attr(f.attrs["scalar_bytes"]) == "tensorflow"
    assert os.path.exists(path)
