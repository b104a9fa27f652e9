"""Malicious model files (REFERENCE §4.3 items 1-10) through the public loaders: each one is
refused with a clear error, and nothing happens besides (no file written, no code run, no
variable changed, safe mode still on)."""

import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import saving
from eagerflow.keras.saving import safety

from .helpers import functional_model, sequential_model


@pytest.fixture
def good_keras(tmp_path):
    path = tmp_path / "good.keras"
    saving.save_model(functional_model(), path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return members


def _write(tmp_path, members, name="bad.keras", compression=zipfile.ZIP_STORED):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def _with_config(members, edit):
    config = json.loads(members["config.json"])
    edit(config)
    return {**members, "config.json": json.dumps(config).encode()}


def _layer(config, name):
    return next(e for e in config["config"]["layers"] if e["config"].get("name") == name)


def _refused(path, error=(ValueError, TypeError), match=None, **kwargs):
    before = sorted(os.listdir(os.path.dirname(path)))
    with pytest.raises(error, match=match):
        saving.load_model(path, **kwargs)
    assert sorted(os.listdir(os.path.dirname(path))) == before
    assert safety.in_safe_mode()


def test_the_unmodified_file_loads(tmp_path, good_keras):
    saving.load_model(_write(tmp_path, good_keras))


# ---------------------------------------------------------------- 1-6: configs

def test_keras3_lambda_bytecode_is_refused(tmp_path, good_keras):
    def edit(config):
        config["config"]["layers"].insert(1, {
            "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": "evil", "function": {"class_name": "__lambda__", "config": {
                "code": "4wEAAAAAAAAAAAAAAAEAAAADAAAA", "defaults": None, "closure": None}}},
            "name": "evil", "inbound_nodes": []})
    path = _write(tmp_path, _with_config(good_keras, edit))
    _refused(path, ValueError, "bytecode")
    _refused(path, ValueError, "bytecode", safe_mode=False)


@pytest.mark.parametrize("module, class_name", [
    ("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"),
    ("keras.src.saving.saving_lib", "load_model"), ("keras.utils", "get_file"),
    ("keras.config", "enable_unsafe_deserialization"),
])
def test_foreign_classes_in_config_are_refused(tmp_path, good_keras, module, class_name):
    def edit(config):
        layer = _layer(config, "d1")
        layer["module"], layer["class_name"] = module, class_name
    _refused(_write(tmp_path, _with_config(good_keras, edit)), TypeError, "Could not")


def test_gadget_as_activation_is_refused(tmp_path, good_keras):
    def edit(config):
        _layer(config, "d1")["config"]["activation"] = {
            "module": "keras.utils", "class_name": "function", "config": "get_file",
            "registered_name": "function"}
    _refused(_write(tmp_path, _with_config(good_keras, edit)))


def test_registered_name_on_builtin_is_refused(tmp_path, good_keras):
    def edit(config):
        _layer(config, "d1")["registered_name"] = "os>system"
    _refused(_write(tmp_path, _with_config(good_keras, edit)), TypeError, "registered_name")


def test_ordering_attack_flips_nothing(tmp_path, good_keras):
    def edit(config):
        layers = config["config"]["layers"]
        layers.insert(1, {"module": "keras.layers", "class_name": "Lambda",
                          "config": {"name": "flip", "function": {
                              "module": "keras.config", "class_name": "function",
                              "config": "enable_unsafe_deserialization",
                              "registered_name": "function"}},
                          "name": "flip", "inbound_nodes": []})
        layers.append({"module": "keras.layers", "class_name": "Lambda",
                       "config": {"name": "boom", "function": {
                           "class_name": "__lambda__", "config": {"code": "YWJj"}}},
                       "name": "boom", "inbound_nodes": []})
    _refused(_write(tmp_path, _with_config(good_keras, edit)))


@pytest.mark.parametrize("field, value", [
    ("vocabulary", "/etc/passwd"), ("filepath", "http://example.com/model"),
])
def test_external_resources_are_refused(tmp_path, good_keras, field, value):
    def edit(config):
        _layer(config, "d1")["config"][field] = value
    _refused(_write(tmp_path, _with_config(good_keras, edit)), ValueError, "external resource")


def test_torch_and_savedmodel_wrappers_are_unknown(tmp_path, good_keras):
    for class_name in ("TorchModuleWrapper", "TFSMLayer"):
        def edit(config, class_name=class_name):
            _layer(config, "d1")["class_name"] = class_name
            _layer(config, "d1")["config"] = {"name": "d1", "module": "gASVAAA"}
        _refused(_write(tmp_path, _with_config(good_keras, edit)), TypeError, class_name)


def test_resource_exhaustion_configs_are_refused(tmp_path, good_keras):
    def huge_units(config):
        _layer(config, "d1")["config"]["units"] = 10**12
    _refused(_write(tmp_path, _with_config(good_keras, huge_units)), ValueError, "units")

    deep = good_keras | {"config.json": b"[" * 50_000 + b"]" * 50_000}
    _refused(_write(tmp_path, deep), ValueError, "nests")

    def duplicate_names(config):
        layer = _layer(config, "d2")
        layer["config"]["name"] = layer["name"] = "d1"
    _refused(_write(tmp_path, _with_config(good_keras, duplicate_names)), ValueError, "twice")

    def cycle(config):
        d1, d2 = _layer(config, "d1"), _layer(config, "d2")
        d1["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["d2", 0, 0]
        d2["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["d1", 0, 0]
    _refused(_write(tmp_path, _with_config(good_keras, cycle)), ValueError)


# ---------------------------------------------------------------- 7-9: archives

@pytest.mark.parametrize("name", ["../escape.txt", "/tmp/abs.txt", "C:/x.txt",
                                  "assets\\..\\x.txt", "assets/../../x.txt"])
def test_member_paths_are_confined(tmp_path, good_keras, name):
    _refused(_write(tmp_path, good_keras | {name: b"owned"}), ValueError, "member name")
    assert not (tmp_path.parent / "escape.txt").exists()


def test_unexpected_members_and_symlinks_are_refused(tmp_path, good_keras):
    _refused(_write(tmp_path, good_keras | {"payload.py": b"import os"}), ValueError,
             "unexpected member")
    path = _write(tmp_path, good_keras)
    with zipfile.ZipFile(path, "a") as archive:
        info = zipfile.ZipInfo("assets/link")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    _refused(path, ValueError, "symbolic link")


def test_duplicate_members_are_refused(tmp_path, good_keras):
    path = _write(tmp_path, good_keras)
    with zipfile.ZipFile(path, "a") as archive, pytest.warns(UserWarning):
        archive.writestr("config.json", b'{"class_name": "Other"}')
    _refused(path, ValueError, "twice")


def test_nested_archives_in_assets_are_never_opened(tmp_path, good_keras):
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("../../escape.txt", b"owned")
    model = saving.load_model(_write(tmp_path, good_keras | {"assets/inner.zip":
                                                             inner.read_bytes()}))
    assert model is not None and not (tmp_path.parent / "escape.txt").exists()


def test_decompression_bombs_and_member_floods(tmp_path, good_keras, monkeypatch):
    bomb = good_keras | {"config.json": b" " * (16 * 2**20)}
    _refused(_write(tmp_path, bomb, compression=zipfile.ZIP_DEFLATED), ValueError,
             "decompression bomb")
    monkeypatch.setattr(safety.LIMITS, "max_zip_members", 50)
    flood = good_keras | {f"assets/{i}": b"" for i in range(100)}
    _refused(_write(tmp_path, flood), ValueError, "members")


def test_missing_members_bad_json_and_metadata_claims(tmp_path, good_keras):
    _refused(_write(tmp_path, {k: v for k, v in good_keras.items() if k != "config.json"}),
             ValueError, "no 'config.json'")
    _refused(_write(tmp_path, {k: v for k, v in good_keras.items()
                               if k != "model.weights.h5"}), ValueError, "model.weights.h5")
    _refused(_write(tmp_path, good_keras | {"config.json": b"{oops"}), ValueError,
             "not valid JSON")
    _refused(_write(tmp_path, good_keras | {"config.json": b"\xff\xfe"}), ValueError, "UTF-8")
    _refused(_write(tmp_path, good_keras | {"config.json": b"[1, 2]"}), ValueError, "object")
    _refused(_write(tmp_path, good_keras | {"metadata.json": b"{bad"}), ValueError, "JSON")
    claims = json.dumps({"keras_version": "1.0.0", "safe_mode": False, "trusted": True})
    _refused(_write(tmp_path, _with_config(good_keras | {"metadata.json": claims.encode()},
                                           lambda c: _layer(c, "d1").update(
                                               module="os", class_name="system"))), TypeError)


def test_sharded_weight_maps_escaping_the_folder_are_refused(tmp_path):
    (tmp_path / "model.weights.json").write_text(json.dumps(
        {"metadata": {}, "weight_map": {"/layers/dense/vars": ["../../../etc/passwd"]}}))
    with pytest.raises(ValueError, match="refusing the shard name"):
        saving.load_weights(functional_model(None), tmp_path / "model.weights.json")


# ---------------------------------------------------------------- 10: HDF5

def _weights_file(tmp_path, edit):
    model = functional_model(None)
    path = tmp_path / "w.weights.h5"
    saving.save_weights(model, path)
    with h5py.File(path, "a") as h5file:
        edit(h5file)
    return path


def _refused_weights(path, match, loader=saving.load_weights):
    model = functional_model(None)
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        loader(model, path)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_weights_with_external_storage_or_links_are_refused(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(12, dtype="float32").tobytes())

    def external(h5file):
        del h5file["layers/dense/vars/0"]
        h5file["layers/dense/vars"].create_dataset("0", shape=(3, 4), dtype="f4",
                                                   external=[(str(secret), 0, 48)])
    _refused_weights(_weights_file(tmp_path, external), "external files")

    def soft(h5file):
        del h5file["layers/dense/vars/0"]
        h5file["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")
    _refused_weights(_weights_file(tmp_path, soft), "soft link")

    def external_link(h5file):
        del h5file["layers/dense"]
        h5file["layers/dense"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/")
    _refused_weights(_weights_file(tmp_path, external_link), "external link")


def test_weights_with_bad_dtypes_or_shapes_are_refused(tmp_path):
    def strings(h5file):
        del h5file["layers/dense/vars/1"]
        h5file["layers/dense/vars"].create_dataset("1", data=np.array(["a"] * 4, dtype="S1"))
    _refused_weights(_weights_file(tmp_path, strings), "dtype")

    def wrong_shape(h5file):
        del h5file["layers/dense/vars/0"]
        h5file["layers/dense/vars"].create_dataset("0", data=np.ones((4, 3), "f4"))
    _refused_weights(_weights_file(tmp_path, wrong_shape), r"shape \(3, 4\)")

    def bomb(h5file):
        del h5file["layers/dense/vars/0"]
        h5file["layers/dense/vars"].create_dataset("0", shape=(2**16, 2**14), dtype="f4",
                                                   chunks=(256, 256), compression="gzip")
    _refused_weights(_weights_file(tmp_path, bomb), "declares")


def _legacy_file(tmp_path, edit, build=sequential_model):
    model = build(None)
    path = tmp_path / "w.h5"
    saving.save_weights(model, path)
    with h5py.File(path, "a") as h5file:
        edit(h5file)
    return path


def test_legacy_attribute_chunks_must_be_consistent(tmp_path):
    def both(h5file):
        h5file.attrs["layer_names0"] = h5file.attrs["layer_names"]
    _refused_weights(_legacy_file(tmp_path, both), "ambiguous",
                     loader=lambda m, p: saving.load_weights(_seq(m), p))

    def gap(h5file):
        names = h5file.attrs["layer_names"]
        del h5file.attrs["layer_names"]
        h5file.attrs["layer_names0"] = names[:1]
        h5file.attrs["layer_names2"] = names[1:]
    _refused_weights(_legacy_file(tmp_path, gap), "numbered",
                     loader=lambda m, p: saving.load_weights(_seq(m), p))


def _seq(_model):
    return sequential_model(None)


@pytest.mark.parametrize("bad_name", ["../dense_1/kernel:0", "/dense_1/dense_1/kernel:0"])
def test_legacy_weight_names_cannot_leave_their_group(tmp_path, bad_name):
    def edit(h5file):
        group = h5file[h5file.attrs["layer_names"][0]]
        names = list(group.attrs["weight_names"])
        group.attrs["weight_names"] = [bad_name] + names[1:]
    path = _legacy_file(tmp_path, edit)
    model = sequential_model(None)
    before = model.get_weights()
    with pytest.raises(ValueError, match="member name"):
        saving.load_weights(model, path)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_legacy_full_model_with_lambda_code_is_refused(tmp_path):
    path = tmp_path / "m.h5"
    saving.save_model(sequential_model(), path)
    with h5py.File(path, "a") as h5file:
        config = json.loads(h5file.attrs["model_config"])
        config["config"]["layers"].append({"class_name": "Lambda", "config": {
            "name": "evil", "function": ["4wEAAAAAAAAA", None, None],
            "function_type": "lambda", "module": "__main__"}})
        h5file.attrs["model_config"] = json.dumps(config)
    for mode in (True, False):
        _refused(path, ValueError, "bytecode", safe_mode=mode)


def test_legacy_full_model_with_foreign_class_is_refused(tmp_path):
    path = tmp_path / "m.h5"
    saving.save_model(sequential_model(), path)
    with h5py.File(path, "a") as h5file:
        config = json.loads(h5file.attrs["model_config"])
        config["config"]["layers"][1]["class_name"] = "system"
        config["config"]["layers"][1]["module"] = "os"
        h5file.attrs["model_config"] = json.dumps(config)
    _refused(path, TypeError, "Could not")


def test_no_code_runs_while_refusing(tmp_path, good_keras, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    monkeypatch.setattr(tf.keras.saving, "load_model", lambda *a, **k: calls.append(a))

    def edit(config):
        _layer(config, "d1").update(module="os", class_name="system")
    with pytest.raises(TypeError):
        saving.saving_api.load_model(_write(tmp_path, _with_config(good_keras, edit)))
    assert calls == []


def test_corrupt_members_are_value_errors(tmp_path, good_keras):
    path = _write(tmp_path, good_keras, compression=zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("config.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 5:start + 25] = b"\xff" * 20  # damage the deflate stream of config.json
    path.write_bytes(bytes(data))
    _refused(path, ValueError)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(bytes(data[:len(data) // 2]))
    _refused(truncated, ValueError)
