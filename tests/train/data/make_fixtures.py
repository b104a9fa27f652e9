"""Writes the tiny real-TensorFlow checkpoints in this folder. NOT run by the tests.

Run with a Python that has TensorFlow (e.g. /tmp/tfvenv/bin/python make_fixtures.py);
the tests read the files with eagerflow and compare against the values below.
"""

import os

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))


class Net(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
        self._step = tf.Variable(7, dtype=tf.int64, name="step")
        self.layers = [tf.Variable([True, False], name="flags"), 3]
        self.table = {"words": tf.Variable([b"ab", b"", b"xyz"], name="words")}


def main():
    # 1. The annotated single-variable checkpoint (REFERENCE.md 1.4).
    v = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    tf.train.Checkpoint(v=v).write(os.path.join(HERE, "single"))
    # 2. A module with mixed dtypes, a list and a dict, saved with save() (save_counter).
    net = Net()
    half = tf.Variable(np.array([1.5, -2.25], np.float16), name="half")
    bf16 = tf.Variable(tf.constant([0.5, 3.0], tf.bfloat16), name="bf16")
    cplx = tf.Variable(np.array([1 + 2j], np.complex64), name="c")
    u8 = tf.Variable(np.array([[255, 0]], np.uint8), name="u8")
    ckpt = tf.train.Checkpoint(net=net, half=half, bf16=bf16, cplx=cplx, u8=u8,
                               name_with=tf.Variable(2.5, name="dots"))
    ckpt.save(os.path.join(HERE, "mixed", "ckpt"))
    # 3. A name needing escapes.
    tf.train.Checkpoint(**{"a.b": tf.Variable(1.0), "x/y": tf.Variable(2.0)}).write(
        os.path.join(HERE, "escaped"))
    # 4. tf_keras save_weights (TF format) of a compiled, trained Sequential model.
    import tf_keras

    model = tf_keras.Sequential([tf_keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                                 tf_keras.layers.Dropout(0.5), tf_keras.layers.Dense(1)])
    model.compile(optimizer=tf_keras.optimizers.Adam(0.01), loss="mse")
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    model.save_weights(os.path.join(HERE, "keras", "weights"))
    np.save(os.path.join(HERE, "keras", "expected.npy"), model.predict(x, verbose=0))


if __name__ == "__main__":
    main()
