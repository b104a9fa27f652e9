"""A subclassed model holding a custom layer, saved in the .keras format and reloaded.

The TF 2 guide "Save and load Keras models" (custom objects): the subclassed model and its layer
define get_config, and load_model receives them through custom_objects.
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


class TwoLayerNet(tf.keras.Model):
    """Subclassed model: ScaledDense -> relu -> Dense."""

    def __init__(self, hidden_units=16, num_outputs=1, **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = hidden_units
        self.num_outputs = num_outputs
        self.hidden = ScaledDense(hidden_units)
        self.out = tf.keras.layers.Dense(num_outputs)

    def call(self, inputs):
        return self.out(tf.nn.relu(self.hidden(inputs)))

    def get_config(self):
        return {"hidden_units": self.hidden_units, "num_outputs": self.num_outputs}


rng = np.random.default_rng(0)
x = rng.standard_normal((256, 4)).astype("float32")
y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32") + 1.0) ** 2 / 10.0

model = TwoLayerNet()
model.compile(optimizer=tf.keras.optimizers.Adam(0.02), loss="mse")
history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
model.save("subclassed.keras")
restored = tf.keras.models.load_model(
    "subclassed.keras", custom_objects={"TwoLayerNet": TwoLayerNet, "ScaledDense": ScaledDense})
subclassed_difference = np.max(np.abs(restored.predict(x, verbose=0) - model.predict(x, verbose=0)))

print("first loss: {:.4f}".format(history.history["loss"][0]))
print("final loss: {:.4f}".format(history.history["loss"][-1]))
print("restored class:", type(restored).__name__)
print("restored weights:", len(restored.weights))
print("subclassed max difference:", float(subclassed_difference))
print(f"restored evaluate: {restored.evaluate(x, y, verbose=0):.4f}")
