"""A custom layer (build / add_weight / get_config) in a functional model, saved and reloaded.

The TF 2 guides "Making new layers and models via subclassing" and "Save and load Keras models":
the model is saved in the .keras format and reloaded with custom_objects.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)


class ScaledDense(tf.keras.layers.Layer):
    """Dense layer with a learned per-unit output scale."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True)
        self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros",
                                 trainable=True)
        self.scale = self.add_weight(name="scale", shape=(self.units,), initializer="ones",
                                     trainable=True)
        super().build(input_shape)

    def call(self, inputs):
        return (tf.matmul(inputs, self.w) + self.b) * self.scale

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


rng = np.random.default_rng(0)
x = rng.standard_normal((256, 4)).astype("float32")
y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32") + 1.0) ** 2 / 10.0

inputs = tf.keras.Input(shape=(4,))
hidden = ScaledDense(16, name="scaled")(inputs)
outputs = tf.keras.layers.Dense(1)(tf.keras.layers.ReLU()(hidden))
functional = tf.keras.Model(inputs, outputs)
functional.compile(optimizer=tf.keras.optimizers.Adam(0.02), loss="mse")
history = functional.fit(x, y, epochs=30, batch_size=32, verbose=0)
functional.save("functional.keras")
reloaded = tf.keras.models.load_model("functional.keras",
                                      custom_objects={"ScaledDense": ScaledDense})
functional_difference = np.max(np.abs(reloaded(x).numpy() - functional(x).numpy()))

print("first loss: {:.4f}".format(history.history["loss"][0]))
print("final loss: {:.4f}".format(history.history["loss"][-1]))
print("scaled layer config:", reloaded.get_layer("scaled").get_config())
print("reloaded weight shapes:", [tuple(w.shape) for w in reloaded.get_layer("scaled").weights])
print("functional max difference:", float(functional_difference))
print(f"reloaded evaluate: {reloaded.evaluate(x, y, verbose=0):.4f}")
