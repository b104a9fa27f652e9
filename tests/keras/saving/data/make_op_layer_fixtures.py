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


def keras3_many_ops_model():
    """One Keras 3 operation class of each kind eagerflow maps (see op_layer_configs.py)."""
    ops = keras.ops
    a = keras.Input((2, 3), name="a")
    b = keras.Input((2, 3), name="b")
    outputs = [
        ops.reshape(a, (-1, 6)), ops.transpose(a, (0, 2, 1)), ops.expand_dims(a, 1),
        ops.squeeze(ops.expand_dims(a, 1), 1), ops.cast(a, "int32"), ops.softmax(a, axis=-1),
        ops.clip(a, 0.0, 1.0), ops.where(a > b, a, b), ops.stack([a, b], axis=1),
        ops.sum(a, axis=1, keepdims=True), ops.max(a, axis=-1), ops.argmax(a, axis=-1),
        ops.sqrt(ops.abs(a)), ops.exp(a), ops.log(ops.abs(a) + 1), ops.square(a),
        ops.sigmoid(a), ops.tanh(a), ops.maximum(a, b), ops.minimum(a, 0.5), ops.equal(a, b),
        ops.logical_and(a > 0, b > 0), ops.all(a > 0, axis=1), a - b, a // b, a % b,
        ops.min(a), ops.prod(a, axis=1), ops.softplus(a), ops.gelu(a), ops.elu(a),
        ops.leaky_relu(a), ops.silu(a), ops.log_softmax(a), ops.sign(a), ops.floor(a),
        ops.round(a), ops.zeros_like(a), ops.ones_like(a), ops.tile(a, (1, 2, 1)),
        ops.logical_not(a > 0), ops.less(a, b), ops.greater_equal(a, 1.0), ops.absolute(a),
        ops.mean(a, axis=(1, 2)), ops.var(a, axis=1), ops.std(a, axis=1),
        ops.cumsum(a, axis=1), ops.take(a, [0, 2], axis=2), ops.relu6(a),
        ops.one_hot(ops.argmax(a, -1), 3), ops.negative(a), ops.divide(a, b),
        ops.power(a, 2), ops.log1p(ops.abs(a)), ops.reciprocal(b), ops.rsqrt(ops.abs(a) + 1),
        ops.selu(a), ops.softsign(a), ops.ceil(a), ops.logical_or(a > 0, b > 0),
        ops.logical_xor(a > 0, b > 0), ops.less_equal(a, b), a[0], a[:, -1], ops.expm1(a),
        ops.sin(a), ops.cos(a), ops.argmin(a, axis=1), ops.any(a > 1, axis=1),
        ops.matmul(a, np.ones((3, 2), "float32"))]
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
    model = keras3_many_ops_model()
    model.save(os.path.join(HERE, "op_layers_keras3_many.keras"))
    np.savez(os.path.join(HERE, "op_layers_keras3_many_outputs.npz"),
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
