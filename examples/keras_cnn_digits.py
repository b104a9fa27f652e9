"""A small CNN (Conv2D, BatchNormalization, MaxPooling2D, Dropout) on scikit-learn's 8x8 digits.

The TF 2 "CNN" tutorial pattern: Sequential model, compile with Adam and sparse categorical
cross-entropy, fit with a validation split, then evaluate on held-out images.
"""

import numpy as np
from sklearn.datasets import load_digits

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

digits = load_digits()
images = (digits.images / 16.0).astype("float32")[..., np.newaxis]  # (1797, 8, 8, 1)
labels = digits.target.astype("int32")
order = np.random.default_rng(0).permutation(len(images))
images, labels = images[order], labels[order]
x_train, y_train = images[:1400], labels[:1400]
x_test, y_test = images[1400:], labels[1400:]

model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
    tf.keras.layers.BatchNormalization(momentum=0.9),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
    tf.keras.layers.BatchNormalization(momentum=0.9),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dropout(0.3),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(1e-2),
              loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=64, epochs=5, validation_split=0.1, verbose=0)

test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
predictions = model.predict(x_test[:5], verbose=0)
print("parameters:", model.count_params())
print("final train accuracy: {:.4f}".format(history.history["accuracy"][-1]))
print("final val accuracy: {:.4f}".format(history.history["val_accuracy"][-1]))
print(f"test loss: {test_loss:.4f}")
print(f"test accuracy: {test_accuracy:.4f}")
print("predicted:", np.argmax(predictions, axis=1).tolist(), "true:", y_test[:5].tolist())
