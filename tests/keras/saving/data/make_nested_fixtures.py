"""Make a tf_keras legacy `.h5` with nested models (a functional model used twice and a
Sequential), whose references tf_keras numbers from node 1.

Run with the scratch venv: /tmp/tfvenv/bin/python make_nested_fixtures.py
Writes tfk_nested.h5 and tfk_nested_outputs.npz next to this script.
"""

import os

import numpy as np
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    keras.utils.set_random_seed(0)
    inner_in = keras.Input((3,), name="inner_in")
    inner = keras.Model(inner_in, keras.layers.Dense(4, activation="tanh", name="inner_d")(
        inner_in), name="inner")
    head = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, name="head_d")],
                            name="head")
    left, right = keras.Input((3,), name="left"), keras.Input((3,), name="right")
    joined = keras.layers.Concatenate(name="cat")([inner(left), inner(right)])
    model = keras.Model([left, right], [head(joined), inner(left)])
    model.save(os.path.join(HERE, "tfk_nested.h5"))
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
    y = x[::-1].copy()
    outputs = model([x, y])
    np.savez(os.path.join(HERE, "tfk_nested_outputs.npz"), x=x, y=y,
             out0=outputs[0].numpy(), out1=outputs[1].numpy())


if __name__ == "__main__":
    main()
