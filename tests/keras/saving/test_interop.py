"""Files written by real Keras 3.15 and tf_keras 2.21 (tests/keras/saving/data, made by
make_fixtures.py) load here with the same predictions and optimizer state."""

import json
import os
import warnings

import h5py
import numpy as np

from eagerflow.keras import saving

from .helpers import predictions

DATA = os.path.join(os.path.dirname(__file__), "data")
EXPECTED = json.load(open(os.path.join(DATA, "expected.json")))
X = np.array(EXPECTED["x"], dtype="float32")


def test_keras3_functional_keras_file():
    model = saving.load_model(os.path.join(DATA, "k3_functional.keras"))
    np.testing.assert_allclose(model(X).numpy(), EXPECTED["k3_functional"], atol=1e-6)
    assert [layer.name for layer in model.layers] == ["x", "d1", "bn", "d2"]
    bn = model.get_layer("bn")
    assert len(bn.weights) == 4 and not np.allclose(bn.weights[2].numpy(), 0)  # moving mean
    optimizer = model.optimizer
    assert type(optimizer).__name__ == "SGD"
    assert int(optimizer.iterations.numpy()) == EXPECTED["k3_functional_iterations"]
    np.testing.assert_allclose(float(optimizer.learning_rate.numpy()), 0.05, rtol=1e-6)
    assert any(np.any(v.numpy() != 0) for v in optimizer.variables[2:])  # momentum restored


def test_keras3_functional_without_compile_predicts_alike_in_tf_function():
    model = saving.load_model(os.path.join(DATA, "k3_functional.keras"), compile=False)
    np.testing.assert_allclose(model(X).numpy(), EXPECTED["k3_functional"], atol=1e-6)
    import eagerflow as tf

    compiled = tf.function(lambda x: model(x))(tf.constant(X)).numpy()
    np.testing.assert_allclose(compiled, EXPECTED["k3_functional"], atol=1e-6)


def test_tf_keras_legacy_h5_full_model():
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        model = saving.load_model(os.path.join(DATA, "tfk_sequential.h5"))
    np.testing.assert_allclose(model(X).numpy(), EXPECTED["tfk_sequential"], atol=1e-6)
    assert type(model).__name__ == "Sequential"
    assert int(model.optimizer.iterations.numpy()) == 1
    np.testing.assert_allclose(float(model.optimizer.learning_rate.numpy()), 0.1, rtol=1e-6)


def test_tf_keras_legacy_h5_as_weights_only(tmp_path):
    reference = saving.load_model(os.path.join(DATA, "tfk_sequential.h5"), compile=False)
    import eagerflow as tf

    fresh = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                                 tf.keras.layers.Dense(2)])
    saving.load_weights(fresh, os.path.join(DATA, "tfk_sequential.h5"))
    np.testing.assert_array_equal(predictions(fresh), predictions(reference))


def test_keras3_weights_member_reads_with_unsuffixed_and_suffixed_names(tmp_path):
    # A Keras-3-written legacy file stores "d1/kernel" (no ":0"); tf_keras "dense/kernel:0".
    model = saving.load_model(os.path.join(DATA, "tfk_sequential.h5"), compile=False)
    path = tmp_path / "k3_style.h5"
    saving.save_weights(model, path)
    with h5py.File(path, "a") as h5file:
        for layer in model.layers:
            group = h5file[layer.name]
            names = [n.removesuffix(":0") for n in group.attrs["weight_names"]]
            for old, new in zip(group.attrs["weight_names"], names):
                group.move(old, new)
            group.attrs["weight_names"] = names
    import eagerflow as tf

    fresh = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                                 tf.keras.layers.Dense(2)])
    saving.load_weights(fresh, path)
    np.testing.assert_array_equal(fresh(X).numpy(), model(X).numpy())


def test_model_from_json_reads_both_keras_dialects():
    import zipfile

    with zipfile.ZipFile(os.path.join(DATA, "k3_functional.keras")) as archive:
        keras3_text = archive.read("config.json").decode()
    with h5py.File(os.path.join(DATA, "tfk_sequential.h5")) as h5file:
        tf_keras_text = h5file.attrs["model_config"]
    keras3 = saving.model_from_json(keras3_text)
    tf_keras = saving.model_from_json(tf_keras_text)
    assert [layer.name for layer in keras3.layers] == ["x", "d1", "bn", "d2"]
    assert keras3.count_params() == 3 * 4 + 4 + 4 * 4 + 4 * 2 + 2
    assert tf_keras.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    assert getattr(keras3, "optimizer", None) is None  # JSON holds no compile state
