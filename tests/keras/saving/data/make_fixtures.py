"""Regenerate the interop fixtures with real Keras (NOT run by the tests).

Run with a Python that has tensorflow 2.21 + keras 3.15 + tf_keras 2.21 installed, from this
directory:  python make_fixtures.py
Writes: k3_functional.keras (Keras 3, compiled SGD with momentum, two epochs trained),
tfk_sequential.h5 (tf_keras legacy full model, compiled SGD), expected.json (inputs
and the predictions each model gives, which eagerflow must reproduce after loading).
"""

import json
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

rng = np.random.default_rng(0)
x = rng.normal(size=(4, 3)).astype("float32")
y = rng.normal(size=(4, 2)).astype("float32")
expected = {"x": x.tolist()}

import keras  # noqa: E402

keras.utils.set_random_seed(1)
inputs = keras.Input((3,), name="x")
hidden = keras.layers.Dense(4, activation="relu", name="d1")(inputs)
hidden = keras.layers.BatchNormalization(name="bn")(hidden)
outputs = keras.layers.Dense(2, activation="tanh", name="d2")(hidden)
functional = keras.Model(inputs, outputs)
functional.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse",
                   metrics=["mae"])
functional.fit(x, y, epochs=2, verbose=0)
functional.save("k3_functional.keras")
expected["k3_functional"] = functional.predict(x, verbose=0).tolist()
expected["k3_functional_iterations"] = int(functional.optimizer.iterations.numpy())

os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tf_keras  # noqa: E402

tf_keras.utils.set_random_seed(2)
legacy = tf_keras.Sequential([tf_keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                              tf_keras.layers.Dense(2)])
legacy.compile(optimizer=tf_keras.optimizers.SGD(0.1), loss="mse")
legacy.fit(x, y, epochs=1, verbose=0)
legacy.save("tfk_sequential.h5")
expected["tfk_sequential"] = legacy.predict(x, verbose=0).tolist()

with open("expected.json", "w") as stream:
    json.dump(expected, stream)
