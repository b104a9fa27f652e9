"""The helpers shared by the keras object modules: `get_object`, `snake_case`, and the
serialize/deserialize round trip they give initializers, regularizers, constraints, losses."""

import pytest

import eagerflow as tf
from eagerflow.keras import constraints, initializers, losses, regularizers
from eagerflow.keras.serialization_helpers import (
    deserialize_object,
    get_object,
    serialize_object,
    snake_case,
)


class _Base:
    def __init__(self, value=1):
        self.value = value

    def get_config(self):
        return {"value": self.value}


class _Child(_Base):
    pass


def _deserialize(identifier):
    return deserialize_object(identifier, {"_Child": _Child, "child": _Child}, None, "thing")


def test_get_object_rule():
    assert get_object(None, _deserialize, "thing") is None
    assert isinstance(get_object("child", _deserialize, "thing"), _Child)
    made = get_object({"class_name": "_Child", "config": {"value": 3}}, _deserialize, "thing")
    assert isinstance(made, _Child) and made.value == 3
    assert isinstance(get_object(_Child, _deserialize, "thing", base=_Base), _Child)

    def function(x):
        return x

    assert get_object(function, _deserialize, "thing") is function
    # a class outside `base` is only a callable: returned as is, not instantiated
    assert get_object(int, _deserialize, "thing", base=_Base) is int


def test_get_object_error_names_the_kind_and_value():
    with pytest.raises(ValueError, match=r"Could not interpret thing identifier: 42\. Try"):
        get_object(42, _deserialize, "thing", hint=". Try a name.")


def test_unknown_name_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown thing: 'nope'"):
        _deserialize("nope")


@pytest.mark.parametrize("name, expected", [
    ("MeanIoU", "mean_io_u"), ("L1L2", "l1_l2"), ("Conv2D", "conv2_d"),
    ("BinaryCrossentropy", "binary_crossentropy"), ("SGD", "sgd"), ("RMSprop", "rm_sprop"),
    ("KLDivergence", "kl_divergence"), ("AUC", "auc")])
def test_snake_case(name, expected):
    assert snake_case(name) == expected


def test_serialize_object_of_a_builtin_carries_its_module():
    config = serialize_object(regularizers.L2(0.5), module="keras.regularizers")
    assert config == {"module": "keras.regularizers", "class_name": "L2",
                      "config": {"l2": 0.5}, "registered_name": None}


@pytest.mark.parametrize("module, obj", [
    (initializers, initializers.Constant(2.0)), (regularizers, regularizers.L1L2(0.1, 0.2)),
    (constraints, constraints.MaxNorm(3.0)), (losses, losses.Huber(delta=2.0))])
def test_each_module_round_trips_through_the_shared_helpers(module, obj):
    rebuilt = module.get(module.serialize(obj))
    assert type(rebuilt) is type(obj) and rebuilt.get_config() == obj.get_config()
    assert module.get(type(obj)).get_config() == type(obj)().get_config()
    assert module.get(None) is None


@pytest.mark.parametrize("module, what", [
    (initializers, "initializer"), (regularizers, "regularizer"),
    (constraints, "constraint function"), (losses, "loss function")])
def test_each_module_rejects_a_non_callable(module, what):
    with pytest.raises(ValueError, match=f"Could not interpret {what} identifier: 3.5"):
        module.get(3.5)


def test_default_loss_name_is_snake_case():
    assert losses.KLDivergence().name == "kl_divergence"
    assert tf.keras.losses.BinaryCrossentropy().name == "binary_crossentropy"
