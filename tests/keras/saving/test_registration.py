"""The custom-object registry: decorator names, scopes and lookup precedence."""

import pytest

from eagerflow.keras import saving
from eagerflow.keras.saving import object_registration


class _Thing:
    def __init__(self, value=1):
        self.value = value

    def get_config(self):
        return {"value": self.value}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def test_register_names_the_object_package_and_name():
    registered = saving.register_keras_serializable(package="test_reg")(_Thing)
    assert registered is _Thing
    assert saving.get_registered_name(_Thing) == "test_reg>_Thing"
    assert saving.get_registered_object("test_reg>_Thing") is _Thing
    assert saving.get_custom_objects()["test_reg>_Thing"] is _Thing


def test_register_with_explicit_name_and_function():
    def double(x):
        return 2 * x

    saving.register_keras_serializable("test_reg", name="twice")(double)
    assert saving.get_registered_name(double) == "test_reg>twice"
    assert saving.get_registered_object("test_reg>twice") is double


def test_unregistered_name_is_dunder_name():
    class Local:
        pass

    assert saving.get_registered_name(Local) == "Local"
    assert saving.get_registered_object("nobody>Local") is None


def test_register_refuses_bad_package_and_classes_without_get_config():
    with pytest.raises(ValueError, match="package"):
        saving.register_keras_serializable(package="a>b")
    with pytest.raises(ValueError, match="get_config"):
        saving.register_keras_serializable("test_reg")(type("NoConfig", (), {}))


def test_scopes_nest_and_win_over_global():
    marker_a, marker_b = object(), object()
    with saving.custom_object_scope({"X": marker_a}):
        assert saving.get_registered_object("X") is marker_a
        with saving.CustomObjectScope({"X": marker_b}):
            assert saving.get_registered_object("X") is marker_b
        assert saving.get_registered_object("X") is marker_a
    assert saving.get_registered_object("X") is None


def test_explicit_custom_objects_come_first():
    marker_a, marker_b = object(), object()
    with saving.custom_object_scope({"X": marker_a}):
        assert saving.get_registered_object("X", custom_objects={"X": marker_b}) is marker_b
    assert object_registration.get_registered_object("X", module_objects={"X": marker_a}) \
        is marker_a


def test_scope_rejects_non_dicts():
    with pytest.raises(TypeError, match="dicts"):
        saving.custom_object_scope(["X"])
