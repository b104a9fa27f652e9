"""The tf.keras namespace: every documented sub-namespace loads and holds what TF code uses."""

import subprocess
import sys

import pytest

import eagerflow as tf

NAMESPACES = ["layers", "models", "optimizers", "losses", "metrics", "callbacks",
              "activations", "initializers", "regularizers", "constraints", "utils", "backend",
              "saving", "config", "mixed_precision", "preprocessing"]


@pytest.mark.parametrize("name", NAMESPACES)
def test_namespace_loads(name):
    assert getattr(tf.keras, name).__name__ == f"eagerflow.keras.{name}"


def test_common_names():
    assert tf.keras.Model is tf.keras.models.Model
    assert tf.keras.Sequential is tf.keras.models.Sequential
    assert callable(tf.keras.Input)
    utils = tf.keras.utils
    assert utils.register_keras_serializable is tf.keras.saving.register_keras_serializable
    assert utils.custom_object_scope is tf.keras.saving.custom_object_scope
    with pytest.raises(AttributeError):
        _ = tf.keras.no_such_namespace


def test_importing_eagerflow_does_not_import_keras():
    code = "import sys, eagerflow; print('eagerflow.keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
