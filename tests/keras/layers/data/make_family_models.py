"""Writes the family_model_* fixtures next to this file. Run it with real TensorFlow 2.21
(tf_keras 2.21, Keras 3.15) in a scratch environment; the eagerflow tests never import it."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tf_keras  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def build(layers, models):
    inputs = models.Input((6, 6, 2))
    h = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    h = layers.BatchNormalization()(h)
    h = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")(h)
    h = layers.SeparableConv2D(4, 3)(h)
    h = layers.PReLU(alpha_initializer="ones")(h)
    h = layers.concatenate([layers.MaxPooling2D()(h), layers.AveragePooling2D(2)(h)])
    h = layers.Conv2DTranspose(3, 2, strides=2)(h)
    h = layers.LayerNormalization()(h)
    h = layers.GroupNormalization(groups=3)(h)
    h = layers.ZeroPadding2D(1)(h)
    h = layers.Cropping2D(((1, 0), (0, 1)))(h)
    h = layers.UpSampling2D()(h)
    h = layers.Conv2D(2, 3, strides=2)(h)
    h = layers.Flatten()(h)
    h = layers.Dropout(0.3)(h)
    outputs = layers.Dense(3, activation="softmax")(h)
    return models.Model(inputs, outputs)


def main():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, 6, 2)).astype("float32")
    for name, module in (("tf_keras", tf_keras), ("keras3", keras)):
        model = build(module.layers, module)
        model.compile("adam", "mse")
        model.fit(x, rng.random((3, 3)).astype("float32"), epochs=2, verbose=0)
        extension = "h5" if name == "tf_keras" else "keras"
        model.save(os.path.join(HERE, f"family_model_{name}.{extension}"))
        np.save(os.path.join(HERE, f"family_model_{name}_output.npy"),
                model.predict(x, verbose=0))
    np.save(os.path.join(HERE, "family_model_input.npy"), x)


if __name__ == "__main__":
    main()
