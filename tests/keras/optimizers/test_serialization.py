"""optimizers.get / serialize / deserialize, configs, and the legacy/experimental names."""

import json

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import optimizers

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl",
       "Lion"]
BASE_KEYS = {"name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
             "clipvalue", "use_ema", "ema_momentum", "ema_overwrite_frequency",
             "loss_scale_factor", "gradient_accumulation_steps"}


@pytest.mark.parametrize("name", ALL)
def test_get_by_name_and_round_trip(name):
    assert type(optimizers.get(name)) is getattr(optimizers, name)
    assert type(optimizers.get(name.lower())) is getattr(optimizers, name)
    optimizer = getattr(optimizers, name)(learning_rate=0.25, clipnorm=2.0)
    serialized = optimizers.serialize(optimizer)
    json.dumps(serialized)
    assert serialized["module"] == "keras.optimizers"
    assert serialized["class_name"] == name
    assert serialized["registered_name"] is None
    assert BASE_KEYS <= set(serialized["config"])
    rebuilt = optimizers.deserialize(serialized)
    assert type(rebuilt) is type(optimizer)
    assert rebuilt.get_config() == optimizer.get_config()
    assert optimizers.get(serialized).get_config() == optimizer.get_config()


def test_adam_config_matches_keras():
    config = optimizers.Adam(learning_rate=0.001, name="adam").get_config()
    assert config == {
        "name": "adam", "learning_rate": float(np.float32(0.001)), "weight_decay": None,
        "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
        "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False}


def test_get_returns_instances_unchanged():
    optimizer = optimizers.RMSprop()
    assert optimizers.get(optimizer) is optimizer


def test_schedule_inside_an_optimizer_config():
    schedule = optimizers.schedules.PolynomialDecay(0.1, 100, 0.001)
    optimizer = optimizers.Adam(learning_rate=schedule)
    config = optimizer.get_config()
    assert config["learning_rate"]["class_name"] == "PolynomialDecay"
    assert config["learning_rate"]["module"] == "keras.optimizers.schedules"
    rebuilt = optimizers.Adam.from_config(config)
    assert isinstance(rebuilt._learning_rate, optimizers.schedules.PolynomialDecay)
    assert float(rebuilt.learning_rate) == pytest.approx(0.1)
    assert optimizers.deserialize(optimizers.serialize(optimizer)).get_config() == config


def test_keras2_and_tf_keras_layouts():
    # tf_keras configs carry extra keys (jit_compile, is_legacy_optimizer), and legacy .h5
    # training configs name the optimizer "Custom>Adam".
    config = {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "learning_rate": 0.01, "beta_1": 0.8, "jit_compile": True,
        "is_legacy_optimizer": False, "weight_decay": None}}
    optimizer = optimizers.deserialize(config)
    assert type(optimizer) is optimizers.Adam
    assert optimizer.beta_1 == 0.8 and optimizer.name == "Adam"
    assert float(optimizer.learning_rate) == pytest.approx(0.01)
    sgd = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5,
                                                          "momentum": 0.9}})
    assert sgd.momentum == 0.9
    legacy = optimizers.serialize(sgd, use_legacy_format=True)
    assert set(legacy) == {"class_name", "config"}


def test_unknown_identifiers():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: foo"):
        optimizers.get("foo")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get({"class_name": "Foo", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)
    with pytest.raises(ValueError, match="not a tf.keras.optimizers.Optimizer"):
        optimizers.serialize("adam")
    # A name that is public but not an optimizer never resolves.
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get("get")


def test_custom_objects_and_registered_optimizers():
    class Fancy(optimizers.SGD):
        pass

    config = {"class_name": "Fancy", "config": {"learning_rate": 0.3}}
    assert type(optimizers.deserialize(config, custom_objects={"Fancy": Fancy})) is Fancy
    from eagerflow.keras.saving import object_registration

    with object_registration.CustomObjectScope({"Fancy": Fancy}):
        assert type(optimizers.get("Fancy")) is Fancy


def test_legacy_and_experimental_names_are_the_same_classes():
    for name in ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl",
                 "Optimizer"]:
        assert getattr(optimizers.legacy, name) is getattr(optimizers, name)
    assert optimizers.experimental.AdamW is optimizers.AdamW
    assert tf.keras.optimizers.Adam is optimizers.Adam
    assert tf.keras.optimizers.schedules.ExponentialDecay is \
        optimizers.schedules.ExponentialDecay
