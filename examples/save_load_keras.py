"""Save a compiled, trained model in the .keras format and load it back with its compile state:
the loaded model evaluates the same, predicts the same, and resumes training exactly where the
original would (the optimizer's state is in the file).

The TF 2 guide "Save and load Keras models" (whole-model saving), plus save_weights/load_weights
in the .weights.h5 format.
"""

import zipfile

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

rng = np.random.default_rng(0)
x = rng.standard_normal((300, 6)).astype("float32")
y = np.argmax(x[:, :3] + 0.1 * rng.standard_normal((300, 3)), axis=1).astype("int32")


def get_model():
    inputs = tf.keras.Input(shape=(6,), name="features")
    hidden = tf.keras.layers.Dense(16, activation="relu", name="hidden")(inputs)
    outputs = tf.keras.layers.Dense(3, activation="softmax", name="classes")(hidden)
    model = tf.keras.Model(inputs, outputs, name="classifier")
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


model = get_model()
model.fit(x, y, epochs=5, batch_size=30, verbose=0)

# Calling `save('my_model.keras')` creates a zip archive `my_model.keras`.
model.save("my_model.keras")
# It can be used to reconstruct the model identically.
reconstructed_model = tf.keras.models.load_model("my_model.keras")

prediction_difference = np.max(np.abs(model.predict(x, verbose=0)
                                      - reconstructed_model.predict(x, verbose=0)))
original_evaluation = model.evaluate(x, y, verbose=0)
reloaded_evaluation = reconstructed_model.evaluate(x, y, verbose=0)

# The reconstructed model is already compiled and has retained the optimizer state, so
# training can resume: one more epoch on both gives the same weights.
model.fit(x, y, epochs=1, batch_size=30, shuffle=False, verbose=0)
reconstructed_model.fit(x, y, epochs=1, batch_size=30, shuffle=False, verbose=0)
resumed_difference = max(float(np.max(np.abs(a - b))) for a, b in
                         zip(model.get_weights(), reconstructed_model.get_weights()))

# Weights only: into a fresh model of the same architecture.
model.save_weights("classifier.weights.h5")
fresh = get_model()
fresh.load_weights("classifier.weights.h5")
weights_difference = np.max(np.abs(fresh.predict(x, verbose=0) - model.predict(x, verbose=0)))

with zipfile.ZipFile("my_model.keras") as archive:
    members = sorted(archive.namelist())

print("archive members:", members)
print("reloaded name:", reconstructed_model.name)
print("reloaded optimizer:", type(reconstructed_model.optimizer).__name__,
      f"{float(reconstructed_model.optimizer.learning_rate.numpy()):.3f}")
print("prediction difference:", float(prediction_difference))
print(f"original loss/accuracy: {original_evaluation[0]:.4f} {original_evaluation[1]:.4f}")
print(f"reloaded loss/accuracy: {reloaded_evaluation[0]:.4f} {reloaded_evaluation[1]:.4f}")
print("optimizer iterations:", int(model.optimizer.iterations.numpy()),
      int(reconstructed_model.optimizer.iterations.numpy()))
print("resumed training difference:", resumed_difference)
print("weights-only difference:", float(weights_difference))
