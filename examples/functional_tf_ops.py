"""TF functions called directly on Keras symbolic tensors inside a functional model.

tf.keras wraps each such call (tf.nn.relu, tf.concat, tf.reduce_mean, tf.expand_dims, ...) in a
hidden layer (TFOpLambda), so models can mix layers and TF ops freely; the model trains, saves and
reloads like any other.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

inputs = tf.keras.Input(shape=(8, 3), name="sequence")
features = tf.keras.layers.Dense(16)(inputs)
features = tf.nn.relu(features)
pooled = tf.concat([tf.reduce_mean(features, axis=1), tf.reduce_max(features, axis=1)], axis=-1)
logits = tf.keras.layers.Dense(1)(pooled)
outputs = tf.squeeze(logits, axis=-1)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))

rng = np.random.default_rng(0)
x = rng.standard_normal((256, 8, 3)).astype("float32")
y = (x[:, :, 0].max(axis=1) > 1.5).astype("float32")
history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
model.save("ops_model.keras")
reloaded = tf.keras.models.load_model("ops_model.keras")

print("layer types:", sorted({type(layer).__name__ for layer in model.layers}))
print("output shape:", model.output_shape)
print(f"final loss: {history.history['loss'][-1]:.4f}")
print("reloaded difference:", float(np.max(np.abs(reloaded.predict(x, verbose=0)
                                                  - model.predict(x, verbose=0)))))
