"""A functional model built from TF ops on Keras symbolic tensors, saved to .keras and reloaded.

In tf.keras a TF function or operator applied to a KerasTensor becomes a hidden layer, so a small
attention pooling can be written with tf.expand_dims, tf.matmul, tf.nn.softmax, tf.reduce_mean,
tf.concat, slicing and arithmetic between layers. The model trains, and the .keras file reloads
into a model that gives the same predictions.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

STEPS, CHANNELS = 10, 3
inputs = tf.keras.Input(shape=(STEPS, CHANNELS), name="series")
keys = tf.keras.layers.Dense(8, name="keys")(inputs)                  # (None, 10, 8)
query = tf.keras.layers.Dense(8, name="query")(tf.reduce_mean(inputs, axis=1))  # (None, 8)
query = tf.expand_dims(query, axis=1)                                 # (None, 1, 8)
scores = tf.matmul(query, keys, transpose_b=True) / 8.0 ** 0.5        # (None, 1, 10)
weights = tf.nn.softmax(scores, axis=-1)
attended = tf.squeeze(tf.matmul(weights, keys), axis=1)              # (None, 8)
first_step = inputs[:, 0, :]                                          # (None, 3)
spread = tf.reduce_max(inputs, axis=1) - tf.reduce_min(inputs, axis=1)
features = tf.concat([attended, first_step, 0.5 * spread + 1.0], axis=-1)
hidden = tf.keras.layers.Dense(16, activation="relu", name="hidden")(features)
outputs = tf.keras.layers.Dense(1, name="score")(hidden)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss="mse")

rng = np.random.default_rng(0)
x = rng.standard_normal((512, STEPS, CHANNELS)).astype("float32")
y = (x[:, 0, :1] + x.max(axis=1)[:, 1:2] - x.mean(axis=1)[:, 2:3]).astype("float32")
history = model.fit(x[:448], y[:448], epochs=15, batch_size=32, verbose=0)
test_loss = model.evaluate(x[448:], y[448:], verbose=0)
variance = float(np.var(y[448:]))

model.save("attention_ops.keras")
reloaded = tf.keras.models.load_model("attention_ops.keras")
print("output shape:", model.output_shape)
print("intermediate shapes:", tuple(scores.shape), tuple(attended.shape), tuple(features.shape))
print("number of layers:", len(model.layers), "reloaded:", len(reloaded.layers))
print("trainable weights:", len(model.trainable_weights))
print(f"first loss: {history.history['loss'][0]:.4f}")
print(f"final loss: {history.history['loss'][-1]:.4f}")
print(f"test loss: {test_loss:.4f} target variance: {variance:.4f}")
print("reloaded difference:", float(np.max(np.abs(reloaded.predict(x[448:], verbose=0)
                                                  - model.predict(x[448:], verbose=0)))))
reloaded.compile(optimizer="adam", loss="mse")
print(f"reloaded test loss: {reloaded.evaluate(x[448:], y[448:], verbose=0):.4f}")
