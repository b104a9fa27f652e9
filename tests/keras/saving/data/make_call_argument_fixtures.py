"""Make the tf_keras legacy `.h5` with MultiHeadAttention extra call inputs.

Run with the scratch venv: /tmp/tfvenv/bin/python make_call_argument_fixtures.py
Writes tfk_attention.h5 and tfk_attention_outputs.npz next to this script.
"""

import os

import numpy as np
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    keras.utils.set_random_seed(0)
    query = keras.Input((4, 8), name="q")
    value = keras.Input((5, 8), name="v")
    mask = keras.Input((4, 5), name="mask", dtype="bool")
    hidden = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")(
        query, value, value, mask)
    output = keras.layers.MultiHeadAttention(num_heads=1, key_dim=2, name="mha2")(
        hidden, value=value, use_causal_mask=True)
    model = keras.Model([query, value, mask], output)
    model.save(os.path.join(HERE, "tfk_attention.h5"))
    rng = np.random.default_rng(1)
    inputs = [rng.normal(size=(2, 4, 8)).astype("float32"),
              rng.normal(size=(2, 5, 8)).astype("float32"), rng.random((2, 4, 5)) > 0.3]
    np.savez(os.path.join(HERE, "tfk_attention_outputs.npz"), q=inputs[0], v=inputs[1],
             mask=inputs[2], out=model(inputs).numpy())


if __name__ == "__main__":
    main()
