"""Operator layers (TFOpLambda / SlicingOpLambda) in saved models: eagerflow's own files round
trip, tf_keras's and Keras 3's files load (fixtures written by data/make_op_layer_fixtures.py
with real TensorFlow 2.21), and the file layout is tf_keras's."""

import json
import os

import numpy as np
import pytest

import eagerflow as tf

DATA = os.path.join(os.path.dirname(__file__), "data")
RNG = np.random.default_rng(0)
A = RNG.normal(size=(4, 2, 3)).astype("float32")
B = RNG.normal(size=(4, 2, 3)).astype("float32")


@pytest.fixture(autouse=True)
def fresh_names():
    tf.keras.backend.clear_session()  # layer names start again at tf.nn.relu, not tf.nn.relu_3


def operator_model():
    a = tf.keras.Input((2, 3), name="a")
    b = tf.keras.Input((2, 3), name="b")
    h = tf.keras.layers.Dense(3, name="dense")(a)
    outputs = [h + b, a * 2.0, 2.0 * a, 1.0 - a, -a, a[:, 0, 1:], a[..., 1], a[:, None, 0],
               abs(a) ** 2.0, a / (b * b + 1.0), a > 0.0, a @ tf.ones((3, 2))]
    return tf.keras.Model([a, b], outputs)


def operator_reference(model, a, b):
    kernel, bias = (w.numpy() for w in model.get_layer("dense").weights)
    h = a @ kernel + bias
    return [h + b, a * 2, 2 * a, 1 - a, -a, a[:, 0, 1:], a[..., 1], a[:, None, 0],
            np.abs(a) ** 2, a / (b * b + 1), a > 0, a @ np.ones((3, 2), "float32")]


def dispatch_model():
    a = tf.keras.Input((2, 3), name="a")
    b = tf.keras.Input((2, 3), name="b")
    outputs = [tf.nn.relu(a), tf.concat([a, b], 1), tf.reduce_mean(a, axis=1, keepdims=True),
               tf.reshape(a, (-1, 6)), tf.where(a > 0, a, b), tf.cast(a > 0.5, "float32"),
               tf.stack([a, b], axis=1), tf.nn.softmax(a), tf.transpose(a, (0, 2, 1)),
               tf.split(a, 3, axis=-1)[1], tf.math.top_k(a, 2)[0], tf.add_n([a, b, a]),
               tf.einsum("bij,bkj->bik", a, b)]
    return tf.keras.Model([a, b], outputs)


def dispatch_reference(a, b):
    e = np.exp(a - a.max(-1, keepdims=True))
    return [np.maximum(a, 0), np.concatenate([a, b], 1), a.mean(1, keepdims=True),
            a.reshape(-1, 6), np.where(a > 0, a, b), (a > 0.5).astype("float32"),
            np.stack([a, b], 1), e / e.sum(-1, keepdims=True), a.transpose(0, 2, 1),
            a[..., 1:2], -np.sort(-a, -1)[..., :2], 2 * a + b,
            np.einsum("bij,bkj->bik", a, b)]


def assert_outputs(outputs, expected):
    assert len(outputs) == len(expected)
    for index, (out, want) in enumerate(zip(outputs, expected)):
        np.testing.assert_allclose(np.asarray(out), want, rtol=1e-5, atol=1e-6,
                                   err_msg=f"output {index}")


def test_operator_model_values_eager_and_in_tf_function():
    model = operator_model()
    expected = operator_reference(model, A, B)
    assert_outputs(model([A, B]), expected)
    compiled = tf.function(lambda a, b: model([a, b]))
    assert_outputs(compiled(tf.constant(A), tf.constant(B)), expected)


def test_tf_ops_on_keras_tensors_values_eager_and_in_tf_function():
    model = dispatch_model()
    expected = dispatch_reference(A, B)
    assert_outputs(model([A, B]), expected)
    compiled = tf.function(lambda a, b: model([a, b]))
    assert_outputs(compiled(tf.constant(A), tf.constant(B)), expected)


def test_tf_op_calls_become_one_layer_named_by_tf_api_path():
    names = [layer.name for layer in dispatch_model().layers]
    for expected in ("tf.nn.relu", "tf.concat", "tf.math.reduce_mean", "tf.reshape", "tf.where",
                     "tf.cast", "tf.stack", "tf.nn.softmax", "tf.transpose", "tf.split",
                     "tf.math.top_k", "tf.math.add_n"):
        assert expected in names
    # softmax is built from several primitives but is recorded as one layer, as in TF.
    assert not any(name.startswith("tf.math.exp") for name in names)


@pytest.mark.parametrize("build", [operator_model, dispatch_model])
def test_config_round_trip(build):
    model = build()
    clone = tf.keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert_outputs(clone([A, B]), [np.asarray(o) for o in model([A, B])])


@pytest.mark.parametrize("build", [operator_model, dispatch_model])
def test_json_round_trip(build):
    model = build()
    clone = tf.keras.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    assert_outputs(clone([A, B]), [np.asarray(o) for o in model([A, B])])


@pytest.mark.parametrize("extension", ["keras", "h5"])
@pytest.mark.parametrize("build", [operator_model, dispatch_model])
def test_file_round_trip(tmp_path, build, extension):
    model = build()
    path = str(tmp_path / f"model.{extension}")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert_outputs(loaded([A, B]), [np.asarray(o) for o in model([A, B])])
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


def _layer_entries(model):
    return {entry["name"]: entry for entry in json.loads(model.to_json())["config"]["layers"]}


def test_json_is_written_as_tf_keras_writes_it():
    layers = _layer_entries(operator_model())
    add = layers["tf.__operators__.add"]
    assert add["class_name"] == "TFOpLambda"
    assert add["config"] == {"name": "tf.__operators__.add", "trainable": True,
                             "dtype": "float32", "function": "__operators__.add"}
    assert add["inbound_nodes"] == [["dense", 0, 0, {"y": ["b", 0, 0], "name": None}]]
    assert layers["tf.math.multiply"]["inbound_nodes"] == [["a", 0, 0, {"y": 2.0, "name": None}]]
    assert layers["tf.math.multiply_1"]["inbound_nodes"] == [
        ["_CONSTANT_VALUE", -1, 2.0, {"y": ["a", 0, 0], "name": None}]]
    assert layers["tf.math.subtract"]["inbound_nodes"][0][:3] == ["_CONSTANT_VALUE", -1, 1.0]
    assert layers["tf.math.negative"]["config"]["function"] == "math.negative"
    getitem = layers["tf.__operators__.getitem"]
    assert getitem["class_name"] == "SlicingOpLambda"
    assert getitem["inbound_nodes"] == [["a", 0, 0, {"slice_spec": [
        {"start": None, "stop": None, "step": None}, 0, {"start": 1, "stop": None,
                                                         "step": None}]}]]
    assert layers["tf.__operators__.getitem_1"]["inbound_nodes"][0][3]["slice_spec"] == [
        {"class_name": "__ellipsis__"}, 1]
    assert layers["tf.__operators__.getitem_2"]["inbound_nodes"][0][3]["slice_spec"] == [
        {"start": None, "stop": None, "step": None}, None, 0]
    assert layers["tf.linalg.matmul"]["inbound_nodes"][0][3]["b"] == [[1.0, 1.0]] * 3


def test_list_inputs_are_written_as_one_reference_per_tensor():
    layers = _layer_entries(dispatch_model())
    assert layers["tf.concat"]["inbound_nodes"] == [[["a", 0, 0, {"axis": 1}],
                                                     ["b", 0, 0, {"axis": 1}]]]
    assert layers["tf.math.reduce_mean"]["inbound_nodes"] == [
        ["a", 0, 0, {"axis": 1, "keepdims": True}]]


# ---------------------------------------------------------------- files from real TF / Keras

def _fixture_outputs(name):
    data = np.load(os.path.join(DATA, name))
    return [data[f"arr_{index}"] for index in range(len(data.files))]


def _fixture_inputs():
    data = np.load(os.path.join(DATA, "op_layers_inputs.npz"))
    return [data["a"], data["b"]]


def test_tf_keras_h5_with_op_layers_loads():
    model = tf.keras.models.load_model(os.path.join(DATA, "op_layers_tf_keras.h5"))
    assert_outputs(model(_fixture_inputs()), _fixture_outputs("op_layers_tf_keras_outputs.npz"))
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {"TFOpLambda", "SlicingOpLambda"} <= kinds


def test_tf_keras_json_with_op_layers_loads():
    with open(os.path.join(DATA, "op_layers_tf_keras.json")) as stream:
        model = tf.keras.models.model_from_json(stream.read())
    weights = tf.keras.models.load_model(os.path.join(DATA, "op_layers_tf_keras.h5"))
    model.set_weights(weights.get_weights())
    assert_outputs(model(_fixture_inputs()), _fixture_outputs("op_layers_tf_keras_outputs.npz"))


def test_keras3_operation_layers_load():
    model = tf.keras.models.load_model(os.path.join(DATA, "op_layers_keras3.keras"))
    assert_outputs(model(_fixture_inputs()), _fixture_outputs("op_layers_keras3_outputs.npz"))
    compiled = tf.function(lambda a, b: model([a, b]))
    assert_outputs(compiled(*_fixture_inputs()), _fixture_outputs("op_layers_keras3_outputs.npz"))


def test_keras3_masking_lstm_file_with_not_equal_and_any_loads():
    data = np.load(os.path.join(DATA, "op_layers_masking_lstm.npz"))
    model = tf.keras.models.load_model(os.path.join(DATA, "op_layers_masking_lstm.keras"))
    functions = {getattr(layer, "symbol", None) for layer in model.layers}
    assert {"math.not_equal", "math.reduce_any"} <= functions
    np.testing.assert_allclose(model(data["x"]).numpy(), data["y"], rtol=1e-5, atol=1e-6)


def test_loaded_keras3_model_saves_again(tmp_path):
    model = tf.keras.models.load_model(os.path.join(DATA, "op_layers_masking_lstm.keras"))
    data = np.load(os.path.join(DATA, "op_layers_masking_lstm.npz"))
    for extension in ("keras", "h5"):
        path = str(tmp_path / f"again.{extension}")
        model.save(path)
        again = tf.keras.models.load_model(path)
        np.testing.assert_allclose(again(data["x"]).numpy(), data["y"], rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- .keras files for Keras 3

def _keras_file_entries(model, tmp_path):
    import zipfile

    path = str(tmp_path / "model.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    return {entry["name"]: entry for entry in config["config"]["layers"]}, path


def test_keras_files_write_keras3_operation_classes(tmp_path):
    entries, path = _keras_file_entries(operator_model(), tmp_path)
    tensor = {"class_name": "__keras_tensor__",
              "config": {"shape": [None, 2, 3], "dtype": "float32",
                         "keras_history": ["a", 0, 0]}}
    multiply = entries["tf.math.multiply"]
    assert multiply == {"module": "keras.src.ops.numpy", "class_name": "Multiply",
                        "config": {"name": "tf.math.multiply"}, "registered_name": "Multiply",
                        "name": "tf.math.multiply",
                        "inbound_nodes": [{"args": [tensor, 2.0], "kwargs": {}}]}
    assert entries["tf.math.multiply_1"]["inbound_nodes"] == [{"args": [2.0, tensor],
                                                               "kwargs": {}}]
    getitem = entries["tf.__operators__.getitem"]
    assert getitem["class_name"] == "GetItem"
    assert getitem["inbound_nodes"][0]["args"][1] == [
        {"class_name": "__slice__", "config": {"start": None, "stop": None, "step": None}}, 0,
        {"class_name": "__slice__", "config": {"start": 1, "stop": None, "step": None}}]
    assert entries["tf.__operators__.getitem_1"]["inbound_nodes"][0]["args"][1] == [
        {"class_name": "__ellipsis__", "config": {}}, 1]
    matmul = entries["tf.linalg.matmul"]["inbound_nodes"][0]["args"][1]
    assert matmul == {"class_name": "__numpy__",
                      "config": {"value": [[1.0, 1.0]] * 3, "dtype": "float32"}}
    loaded = tf.keras.models.load_model(path)
    assert_outputs(loaded([A, B]), [np.asarray(o) for o in operator_model_outputs(loaded)])


def operator_model_outputs(model):
    return operator_reference(model, A, B)


def test_keras_files_write_tf_defaults_that_keras3_reads_differently(tmp_path):
    a = tf.keras.Input((2, 3), name="a")
    model = tf.keras.Model(a, [tf.nn.softmax(a), tf.nn.gelu(a),
                               tf.math.argmax(a, output_type=tf.int32),
                               tf.reduce_mean(a, axis=1), tf.math.argmin(a)])
    entries, path = _keras_file_entries(model, tmp_path)
    assert entries["tf.nn.softmax"]["config"] == {"name": "tf.nn.softmax", "axis": -1}
    assert entries["tf.nn.gelu"]["config"] == {"name": "tf.nn.gelu", "approximate": False}
    assert entries["tf.math.argmax"]["config"]["axis"] == 0
    # Keras 3's argmin gives int32; TF's default int64 result has no Keras 3 class.
    assert entries["tf.math.argmin"]["class_name"] == "TFOpLambda"
    assert entries["tf.math.reduce_mean"]["config"] == {"name": "tf.math.reduce_mean",
                                                        "axis": 1, "keepdims": False}
    loaded = tf.keras.models.load_model(path)
    assert_outputs(loaded(A), [np.asarray(o) for o in model(A)])


def test_ops_without_a_keras3_class_stay_tf_op_lambda(tmp_path):
    a = tf.keras.Input((2, 3), name="a")
    model = tf.keras.Model(a, [tf.matmul(a, a, transpose_b=True), tf.nn.l2_normalize(a, -1)])
    entries, path = _keras_file_entries(model, tmp_path)
    assert {entries[name]["class_name"] for name in ("tf.linalg.matmul",
                                                     "tf.nn.l2_normalize")} == {"TFOpLambda"}
    assert_outputs(tf.keras.models.load_model(path)(A), [np.asarray(o) for o in model(A)])


def test_seventy_keras3_operations_load_with_keras3_values_and_dtypes(tmp_path):
    import zipfile

    model = tf.keras.models.load_model(os.path.join(DATA, "op_layers_keras3_many.keras"))
    expected = _fixture_outputs("op_layers_keras3_many_outputs.npz")
    outputs = model(_fixture_inputs())
    assert len(outputs) == len(expected) == 71
    for index, (out, want) in enumerate(zip(outputs, expected)):
        assert out.dtype.name == str(want.dtype), index
        np.testing.assert_allclose(np.asarray(out, np.float64), want.astype(np.float64),
                                   rtol=1e-5, atol=1e-5, err_msg=f"output {index}")
    # Written again, every operation is a Keras 3 class again (Keras 3 can open the file).
    path = str(tmp_path / "again.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        layers = json.loads(archive.read("config.json"))["config"]["layers"]
    assert {entry["class_name"] for entry in layers} & {"TFOpLambda", "SlicingOpLambda"} == set()
    again = tf.keras.models.load_model(path)
    for out, want in zip(again(_fixture_inputs()), expected):
        np.testing.assert_allclose(np.asarray(out, np.float64), want.astype(np.float64),
                                   rtol=1e-5, atol=1e-5)
