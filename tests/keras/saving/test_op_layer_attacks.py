"""Model files naming code through operator layers are refused: a TFOpLambda's function, a
SlicingOpLambda's spec and a Keras 3 operation class resolve only through eagerflow's allow-list
of pure tf.* ops, never through imports or getattr on names from the file."""

import json
import os

import pytest

import eagerflow as tf
from eagerflow.keras.layers.tf_op_layer import SlicingOpLambda, TFOpLambda, decode_slice_spec
from eagerflow.keras.saving import op_allowlist

# Names an attacker could write as a TFOpLambda's "function".
HOSTILE_FUNCTIONS = [
    "os.system", "os.popen", "io.gfile.GFile", "io.gfile.remove", "io.write_file",
    "io.read_file", "__import__", "builtins.eval", "__builtins__.exec", "py_function",
    "numpy_function", "compat.v1.py_func", "keras.models.load_model",
    "keras.saving.load_model", "keras.utils.get_file", "print", "debugging.Assert",
    "random.uniform", "nn.dropout", "cond", "while_loop", "function", "convert_to_tensor",
    "Variable", "zeros", "fill", "math.add.__globals__", "math.add.__code__",
    "math..add", "tf.tf.math.add", "summary.write", "saved_model.load", "data.Dataset",
    "subprocess.run", "", "tf.",
]


def tf_keras_config(function, class_name="TFOpLambda", node_kwargs=None, module=None):
    entry = {"class_name": class_name,
             "config": {"name": "op", "trainable": True, "dtype": "float32",
                        "function": function},
             "name": "op",
             "inbound_nodes": [["x", 0, 0, node_kwargs or {"name": None}]]}
    if module is not None:
        entry["module"] = module
    return {"class_name": "Functional", "config": {
        "name": "model", "trainable": True,
        "layers": [{"class_name": "InputLayer",
                    "config": {"batch_input_shape": [None, 3], "dtype": "float32",
                               "name": "x"},
                    "name": "x", "inbound_nodes": []}, entry],
        "input_layers": [["x", 0, 0]], "output_layers": [["op", 0, 0]]}}


def keras3_config(class_name, module="keras.src.ops.numpy", config=None, args_extra=()):
    tensor = {"class_name": "__keras_tensor__",
              "config": {"shape": [None, 3], "dtype": "float32", "keras_history": ["x", 0, 0]}}
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "registered_name": "Functional", "config": {
                "name": "model", "trainable": True,
                "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                            "config": {"batch_shape": [None, 3], "dtype": "float32",
                                       "name": "x"},
                            "registered_name": None, "name": "x", "inbound_nodes": []},
                           {"module": module, "class_name": class_name,
                            "config": config or {"name": "op"}, "registered_name": class_name,
                            "name": "op",
                            "inbound_nodes": [{"args": [tensor, *args_extra], "kwargs": {}}]}],
                "input_layers": [["x", 0, 0]], "output_layers": [["op", 0, 0]]}}


def test_a_benign_config_loads():
    model = tf.keras.models.model_from_json(json.dumps(tf_keras_config("math.negative")))
    assert model(tf.constant([[1.0, -2.0, 3.0]])).numpy().tolist() == [[-1.0, 2.0, -3.0]]


@pytest.mark.parametrize("function", HOSTILE_FUNCTIONS)
def test_hostile_function_names_are_refused(function, monkeypatch):
    called = []
    monkeypatch.setattr(os, "system", lambda *a: called.append(a))
    with pytest.raises(TypeError, match="TFOpLambda") as info:
        tf.keras.models.model_from_json(json.dumps(tf_keras_config(function)))
    assert repr(function) in str(info.value) or function == ""
    assert called == []


@pytest.mark.parametrize("function", [None, 7, ["math", "add"], {"class_name": "function",
                                                                  "config": "os.system"}])
def test_non_string_functions_are_refused(function):
    with pytest.raises(TypeError, match="TF API path"):
        tf.keras.models.model_from_json(json.dumps(tf_keras_config(function)))


def test_slicing_layer_only_slices():
    config = tf_keras_config("math.add", class_name="SlicingOpLambda",
                             node_kwargs={"slice_spec": [0]})
    with pytest.raises(TypeError, match="getitem"):
        tf.keras.models.model_from_json(json.dumps(config))


@pytest.mark.parametrize("spec", [{"start": "os.system", "stop": None, "step": None},
                                  [{"start": 0, "stop": 1, "step": None, "code": "x"}],
                                  [[0, 1]], [1.5], "os.system", [True]])
def test_hostile_slice_specs_are_refused(spec):
    config = tf_keras_config("__operators__.getitem", class_name="SlicingOpLambda",
                             node_kwargs={"slice_spec": spec})
    with pytest.raises(ValueError, match="slice"):
        tf.keras.models.model_from_json(json.dumps(config))


def test_op_layer_from_an_unknown_module_is_refused():
    config = tf_keras_config("math.add", module="os")
    with pytest.raises(TypeError, match="module 'os'"):
        tf.keras.models.model_from_json(json.dumps(config))


def test_bytecode_in_op_layer_node_arguments_is_refused():
    config = tf_keras_config("math.add", node_kwargs={
        "y": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}})
    with pytest.raises(ValueError, match="bytecode"):
        tf.keras.models.model_from_json(json.dumps(config))


@pytest.mark.parametrize("class_name,module", [
    ("Eval", "keras.src.ops.numpy"), ("LoadModel", "keras.src.ops.core"),
    ("system", "keras.src.ops.nn"), ("CustomGradient", "keras.src.ops.core"),
    ("Cond", "keras.src.ops.core"), ("ConvertToTensor", "keras.src.ops.core"),
])
def test_unknown_keras3_operations_are_refused(class_name, module):
    with pytest.raises(TypeError, match=class_name):
        tf.keras.models.model_from_config(keras3_config(class_name, module))


def test_keras3_operation_from_a_foreign_module_is_refused():
    with pytest.raises(TypeError, match="module 'os.path'"):
        tf.keras.models.model_from_config(keras3_config("Add", module="os.path",
                                                        args_extra=(1.0,)))


def test_keras3_operation_settings_are_checked():
    config = keras3_config("Mean", config={"name": "op", "axis": 1, "keepdims": False,
                                           "exec": "os.system('x')"})
    with pytest.raises(ValueError, match="unknown setting 'exec'"):
        tf.keras.models.model_from_config(config)
    config = keras3_config("Elu", module="keras.src.ops.nn", config={"name": "op", "alpha": 0.5})
    with pytest.raises(ValueError, match="alpha"):
        tf.keras.models.model_from_config(config)


def test_keras3_operation_maps_to_an_allow_listed_op():
    model = tf.keras.models.model_from_config(keras3_config("Add", args_extra=(1.0,)))
    assert model(tf.constant([[1.0, 2.0, 3.0]])).numpy().tolist() == [[2.0, 3.0, 4.0]]


def test_allow_list_holds_only_pure_ops():
    paths = op_allowlist.allowed_paths()
    assert {"math.add", "nn.relu", "concat", "reshape", "linalg.matmul",
            "__operators__.add", "__operators__.getitem", "math.reduce_any",
            "math.not_equal"} <= set(paths)
    for path in paths:
        assert "." not in path.replace("__operators__.", "").split(".", 1)[-1] or \
            path.count(".") == 1
        function = op_allowlist.resolve_op(path)
        assert function.__module__.startswith(("eagerflow.ops.", "eagerflow.keras.saving"))
        assert not function.__module__.endswith(("script", "debugging", "control_flow",
                                                 "random"))
    for denied in ("print", "py_function", "numpy_function", "Assert", "cond", "while_loop",
                   "nn.dropout", "zeros", "ones", "fill", "range", "constant", "function",
                   "convert_to_tensor", "Variable", "random.uniform", "random.normal",
                   "io.write_file", "io.read_file", "custom_gradient", "case", "switch_case"):
        assert denied not in paths, denied


def test_layer_refuses_functions_off_the_list():
    with pytest.raises(ValueError, match="pure tf"):
        TFOpLambda(lambda x: x)
    with pytest.raises(ValueError, match="pure tf"):
        TFOpLambda(os.system)
    with pytest.raises(TypeError, match="os.system"):
        TFOpLambda("os.system")
    with pytest.raises(TypeError, match="getitem"):
        SlicingOpLambda("math.add")


def test_slice_spec_decoding_is_strict():
    assert decode_slice_spec([{"start": 1, "stop": None, "step": 2}, None,
                              {"class_name": "__ellipsis__"}, 3]) == (
        slice(1, None, 2), None, Ellipsis, 3)
    assert decode_slice_spec({"class_name": "__slice__",
                              "config": {"start": 0, "stop": 2, "step": None}}) == slice(0, 2)
    with pytest.raises(ValueError):
        decode_slice_spec({"class_name": "__import__", "config": {"name": "os"}})


def test_operator_layer_arguments_that_allocate_are_bounded():
    config = tf_keras_config("tile", node_kwargs={"multiples": [1, 10**12]})
    with pytest.raises(ValueError, match="multiples"):
        tf.keras.models.model_from_json(json.dumps(config))
    config = tf_keras_config("one_hot", node_kwargs={"depth": 10**12})
    with pytest.raises(ValueError, match="depth"):
        tf.keras.models.model_from_json(json.dumps(config))
