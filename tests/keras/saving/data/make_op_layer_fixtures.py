"""Writes the op_layers_* fixtures next to this file: functional models whose operators and
tf.* / keras.ops calls became hidden operation layers (tf_keras TFOpLambda/SlicingOpLambda,
Keras 3 `keras.src.ops.*` classes). Run it with real TensorFlow 2.21 (tf_keras 2.21, Keras
3.15) in a scratch environment; the eagerflow tests never import it."""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def tf_keras_model():
    a = tf_keras.Input((2, 3), name="a")
    b = tf_keras.Input((2, 3), name="b")
    h = tf_keras.layers.Dense(3, name="dense")(a)
    s = h + b
    t = 1.0 - s * 2.0
    u = tf.nn.relu(t[:, 0, 1:])
    c = tf.concat([u, -u], 1)
    m = tf.reduce_mean(c, axis=1, keepdims=True)
    w = tf.where(a > 0, a, b)
    r = tf.reshape(w, (-1, 6))
    st = tf.stack([a[..., 0], b[..., 0]], axis=1)
    cast = tf.cast(a > 0.5, "float32")
    mm = tf.matmul(r, tf.ones((6, 2)))
    any_ = tf.reduce_any(tf.math.not_equal(a, 0.0), axis=-1)
    outputs = [m, r, st, cast, mm, tf.cast(any_, "float32"), abs(a) ** 2.0, 2.0 / (b + 1.0),
               a[:, tf.newaxis, 1]]
    return tf_keras.Model([a, b], outputs)


def keras3_model():
    ops = keras.ops
    a = keras.Input((2, 3), name="a")
    b = keras.Input((2, 3), name="b")
    h = keras.layers.Dense(3, name="dense")(a)
    s = h + b
    t = 1.0 - s * 2.0
    u = ops.relu(t[:, 0, 1:])
    c = ops.concatenate([u, -u], axis=1)
    m = ops.mean(c, axis=1, keepdims=True)
    w = ops.where(a > 0, a, b)
    r = ops.reshape(w, (-1, 6))
    st = ops.stack([a[..., 0], b[..., 0]], axis=1)
    cast = ops.cast(a > 0.5, "float32")
    mm = ops.matmul(r, np.ones((6, 2), "float32"))
    any_ = ops.any(ops.not_equal(a, 0.0), axis=-1)
    outputs = [m, r, st, cast, mm, ops.cast(any_, "float32"), ops.abs(a) ** 2.0, 2.0 / (b + 1.0),
               ops.transpose(a, (0, 2, 1)), ops.sum(ops.square(a), axis=-1),
               ops.softmax(a, axis=-1), ops.clip(a, -0.5, 0.5)]
    return keras.Model([a, b], outputs)


def masking_model():
    x = keras.Input((4, 2), name="x")
    h = keras.layers.Masking(mask_value=0.0)(x)
    h = keras.layers.LSTM(3, name="lstm")(h)
    return keras.Model(x, h)


def main():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 2, 3)).astype("float32")
    b = rng.normal(size=(4, 2, 3)).astype("float32")
    np.savez(os.path.join(HERE, "op_layers_inputs.npz"), a=a, b=b)
    model = tf_keras_model()
    model.save(os.path.join(HERE, "op_layers_tf_keras.h5"))
    with open(os.path.join(HERE, "op_layers_tf_keras.json"), "w") as stream:
        json.dump(json.loads(model.to_json()), stream)
    np.savez(os.path.join(HERE, "op_layers_tf_keras_outputs.npz"),
             *[np.asarray(o) for o in model([a, b])])
    model = keras3_model()
    model.save(os.path.join(HERE, "op_layers_keras3.keras"))
    np.savez(os.path.join(HERE, "op_layers_keras3_outputs.npz"),
             *[np.asarray(o) for o in model([a, b])])
    sequences = rng.normal(size=(3, 4, 2)).astype("float32")
    sequences[0, 2:] = 0.0  # masked steps
    sequences[1, 1:] = 0.0
    model = masking_model()
    model.save(os.path.join(HERE, "op_layers_masking_lstm.keras"))
    np.savez(os.path.join(HERE, "op_layers_masking_lstm.npz"), x=sequences,
             y=np.asarray(model(sequences)))


if __name__ == "__main__":
    main()
