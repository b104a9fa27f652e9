"""serialize_keras_object / deserialize_keras_object: Keras 3 layout, and names resolved only
through the allow-list (public Keras namespaces + registered custom objects)."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import saving
from eagerflow.keras.saving import safety, serialization
from eagerflow.keras.saving import serialize_keras_object as serialize
from eagerflow.keras.saving.serialization import deserialize_keras_object as deserialize


@saving.register_keras_serializable(package="test_ser")
class Affine:
    def __init__(self, scale=1.0, shift=0.0):
        self.scale, self.shift = scale, shift

    def get_config(self):
        return {"scale": self.scale, "shift": self.shift}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@saving.register_keras_serializable(package="test_ser")
def cube(x):
    return x ** 3


class Unregistered(Affine):
    pass


# ---------------------------------------------------------------- plain values

@pytest.mark.parametrize("value", [None, True, 3, 2.5, "relu", [1, "a", None], {"k": [1, 2]}])
def test_plain_values_round_trip(value):
    assert serialize(value) == value
    assert deserialize(serialize(value)) == value


def test_numpy_tensor_bytes_shapes_and_dtypes():
    array = np.arange(6, dtype="float32").reshape(2, 3)
    encoded = serialize(array)
    assert encoded == {"class_name": "__numpy__",
                       "config": {"value": array.tolist(), "dtype": "float32"}}
    np.testing.assert_array_equal(deserialize(encoded), array)
    tensor_config = serialize(tf.constant([1, 2], dtype=tf.int64))
    assert tensor_config == {"class_name": "__tensor__",
                             "config": {"value": [1, 2], "dtype": "int64"}}
    restored = deserialize(tensor_config)
    assert restored.dtype == tf.int64 and restored.numpy().tolist() == [1, 2]
    assert deserialize(serialize(b"ab")) == b"ab"
    assert serialize(tf.TensorShape([None, 3])) == [None, 3]
    assert serialize(tf.float16) == "float16"
    assert serialize(np.float32(1.5)) == 1.5
    assert serialize((1, 2)) == [1, 2]


def test_tensor_configs_refuse_string_dtypes():
    with pytest.raises(ValueError, match="string"):
        deserialize({"class_name": "__tensor__", "config": {"value": ["a"], "dtype": "string"}})


# ---------------------------------------------------------------- custom objects

def test_registered_class_round_trip_in_keras3_layout():
    config = serialize(Affine(2.0, 1.0))
    assert config == {"module": __name__, "class_name": "Affine",
                      "config": {"scale": 2.0, "shift": 1.0},
                      "registered_name": "test_ser>Affine"}
    rebuilt = deserialize(config)
    assert isinstance(rebuilt, Affine) and (rebuilt.scale, rebuilt.shift) == (2.0, 1.0)


def test_registered_function_round_trip():
    config = serialize(cube)
    assert config == {"module": "builtins", "class_name": "function",
                      "config": "test_ser>cube", "registered_name": "function"}
    assert deserialize(config) is cube


def test_unregistered_class_needs_custom_objects():
    config = serialize(Unregistered(3.0))
    assert config["registered_name"] == "Unregistered"
    with pytest.raises(TypeError, match="Could not deserialize 'Unregistered'"):
        deserialize(config)
    assert isinstance(deserialize(config, custom_objects={"Unregistered": Unregistered}),
                      Unregistered)
    with saving.custom_object_scope({"Unregistered": Unregistered}):
        assert isinstance(deserialize(config), Unregistered)


def test_lambdas_cannot_be_serialized():
    with pytest.raises(ValueError, match="register"):
        serialize(lambda x: x)


def test_objects_without_get_config_are_refused():
    with pytest.raises(TypeError, match="get_config"):
        serialize(object())


def test_plain_dict_values_are_deserialized_inside():
    config = {"a": serialize(Affine(1.5)), "b": 3}
    rebuilt = deserialize(config)
    assert isinstance(rebuilt["a"], Affine) and rebuilt["b"] == 3


def test_from_config_errors_name_the_class():
    with pytest.raises(TypeError, match="Could not build 'Affine'"):
        deserialize({"module": None, "class_name": "Affine", "config": {"bogus": 1},
                     "registered_name": "test_ser>Affine"})


# ---------------------------------------------------------------- attacks (REFERENCE §4.3)

@pytest.mark.parametrize("config", [
    {"module": "os", "class_name": "system", "config": {"command": "touch /tmp/pwned"},
     "registered_name": None},
    {"module": "subprocess", "class_name": "Popen", "config": {"args": ["id"]}},
    {"module": "builtins", "class_name": "eval", "config": {"source": "1"}},
    {"module": "builtins", "class_name": "function", "config": "eval",
     "registered_name": "function"},
    {"module": "builtins", "class_name": "function", "config": "exec",
     "registered_name": "function"},
    {"module": "keras.src.saving.saving_lib", "class_name": "load_model", "config": {}},
    {"module": "keras.src.layers.core.dense", "class_name": "Dense", "config": {"units": 1}},
    {"module": "keras.layers", "class_name": "Dense", "config": {"units": 1},
     "registered_name": "os>system"},
    {"module": 7, "class_name": "Dense", "config": {}},
])
def test_code_execution_paths_are_refused(config):
    with pytest.raises(TypeError, match="Could not"):
        deserialize(config)


@pytest.mark.parametrize("module, name", [
    ("keras.models", "load_model"),
    ("keras.saving", "load_model"),
    ("keras.utils", "get_file"),
    ("keras.config", "enable_unsafe_deserialization"),
    ("keras.preprocessing.image", "load_img"),
    ("keras.activations", "deserialize"),
    ("keras.losses", "get"),
    ("builtins", "load_model"),
])
def test_gadget_functions_are_refused(module, name, monkeypatch):
    calls = []
    monkeypatch.setattr(safety, "enable_unsafe_deserialization", lambda: calls.append(1))
    as_function = {"module": module, "class_name": "function", "config": name,
                   "registered_name": "function"}
    as_activation = {"module": "keras.layers", "class_name": "Dense",
                     "config": {"units": 2, "activation": as_function}}
    with pytest.raises(TypeError, match="Could not"):
        deserialize(as_function)
    as_lambda = {"module": "keras.layers", "class_name": "Lambda",
                 "config": {"function": as_function, "arguments": {"safe_mode": False}}}
    for config in (as_activation, as_lambda):
        with pytest.raises((TypeError, ValueError)):
            deserialize(config)
    assert calls == [] and safety.in_safe_mode()


def test_safe_mode_cannot_be_flipped_by_a_config():
    flip = {"module": "keras.config", "class_name": "function",
            "config": "enable_unsafe_deserialization", "registered_name": "function"}
    exploit = {"class_name": "Lambda", "config": {"function": {
        "class_name": "__lambda__", "config": {"code": "YWJj", "defaults": None}}}}
    with pytest.raises(ValueError, match="bytecode"):
        deserialize({"layers": [flip, exploit]})
    assert safety.in_safe_mode()
    with pytest.raises(TypeError, match="non-modeling API"):
        deserialize(flip)
    assert safety.in_safe_mode()


def test_lambda_bytecode_refused_even_with_safe_mode_off():
    config = {"class_name": "__lambda__", "config": {"code": "YWJj"}}
    with pytest.raises(ValueError, match="never runs marshal'd code"):
        deserialize(config, safe_mode=False)


def test_external_resources_and_sizes_refused():
    with pytest.raises(ValueError, match="external resource"):
        deserialize({"module": "keras.layers", "class_name": "StringLookup",
                     "config": {"vocabulary": "/etc/passwd"}})
    with pytest.raises(ValueError, match="TFSMLayer|external resource"):
        deserialize({"module": "keras.layers", "class_name": "TFSMLayer",
                     "config": {"filepath": "/tmp/saved_model"}})
    with pytest.raises(TypeError, match="Could not locate class 'TorchModuleWrapper'"):
        deserialize({"module": "keras.layers", "class_name": "TorchModuleWrapper",
                     "config": {"module": "gASVAAAA"}})
    with pytest.raises(ValueError, match="units=1000000000000"):
        deserialize({"module": "keras.layers", "class_name": "Dense",
                     "config": {"units": 10**12}})


def test_shared_object_ids_do_not_loop():
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float16"},
              "registered_name": None, "shared_object_id": 1}
    assert deserialize(policy) == "float16"
    assert deserialize([policy, policy]) == ["float16", "float16"]


def test_deny_list_names_never_enter_tables():
    for category in serialization._NAMESPACES:
        table = serialization._table(category)
        assert not set(table) & serialization._DENIED_NAMES


def test_tf_keras_engine_module_names_the_functional_class():
    inputs = tf.keras.Input(shape=(2,))
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(inputs))
    entry = serialize(model)
    entry["module"] = "tf_keras.src.engine.functional"
    rebuilt = deserialize(entry)
    assert type(rebuilt).__name__ == "Functional"
    assert rebuilt(np.ones((1, 2), np.float32)).shape == (1, 1)
