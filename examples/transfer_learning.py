"""Transfer learning and fine-tuning: freeze a pretrained base, train a new head, then unfreeze
the base and fine-tune everything with a low learning rate after recompiling.

The TF 2 guide "Transfer learning & fine-tuning": here the base is a small CNN pretrained on the
digits 0-4 of scikit-learn's digits, reused to classify the digits 5-9.
"""

import numpy as np
from sklearn.datasets import load_digits

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

digits = load_digits()
images = (digits.images / 16.0).astype("float32")[..., np.newaxis]
labels = digits.target
low, high = labels < 5, labels >= 5
x_low, y_low = images[low], labels[low]
x_high, y_high = images[high], labels[high] - 5
x_train, y_train, x_test, y_test = x_high[:600], y_high[:600], x_high[600:], y_high[600:]

# 1. Pretrain a base model on the first task.
base_model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
    tf.keras.layers.BatchNormalization(momentum=0.9),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(32, activation="relu"),
], name="base")
pretrain = tf.keras.Sequential([base_model, tf.keras.layers.Dense(5)])
pretrain.compile(optimizer=tf.keras.optimizers.Adam(3e-3),
                 loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                 metrics=["accuracy"])
pretrain.fit(x_low, y_low, epochs=4, batch_size=32, verbose=0)

# 2. Freeze the base and train a new head on the second task.
base_model.trainable = False
inputs = tf.keras.Input(shape=(8, 8, 1))
x = base_model(inputs, training=False)  # keep BatchNormalization in inference mode
x = tf.keras.layers.Dropout(0.2)(x)
outputs = tf.keras.layers.Dense(5)(x)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer=tf.keras.optimizers.Adam(3e-3),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
frozen_before = [w.numpy() for w in base_model.weights]
print("trainable weights (frozen base):", len(model.trainable_weights))
print("non-trainable weights (frozen base):", len(model.non_trainable_weights))
model.fit(x_train, y_train, epochs=5, batch_size=32, verbose=0)
frozen_unchanged = all(np.array_equal(a, w.numpy()) for a, w in zip(frozen_before,
                                                                     base_model.weights))
head_accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
print("base unchanged while frozen:", frozen_unchanged)
print(f"head-only test accuracy: {head_accuracy:.4f}")

# 3. Unfreeze the base and fine-tune end to end with a low learning rate (recompile first).
base_model.trainable = True
model.compile(optimizer=tf.keras.optimizers.Adam(1e-4),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
print("trainable weights (fine-tuning):", len(model.trainable_weights))
kernel_before = base_model.layers[0].kernel.numpy()
moving_mean_before = base_model.layers[1].moving_mean.numpy()
model.fit(x_train, y_train, epochs=3, batch_size=32, verbose=0)
fine_tuned_accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
kernel_after = base_model.layers[0].kernel.numpy()
print("base kernel changed:", not np.array_equal(kernel_before, kernel_after))
print("moving mean unchanged:",
      np.array_equal(moving_mean_before, base_model.layers[1].moving_mean.numpy()))
print(f"fine-tuned test accuracy: {fine_tuned_accuracy:.4f}")
