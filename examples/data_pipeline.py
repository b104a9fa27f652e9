"""A tf.data input pipeline into Model.fit: from_tensor_slices, shuffle, map with augmentation
written in tf ops (random contrast, pixel dropout and noise; no tf.image), batch and prefetch.

The TF 2 guides "tf.data: Build TensorFlow input pipelines" and "Data augmentation", on
scikit-learn's digits as 8x8x1 images.
"""

import numpy as np
from sklearn.datasets import load_digits

import eagerflow as tf

tf.keras.utils.set_random_seed(0)
AUTOTUNE = tf.data.AUTOTUNE
BATCH_SIZE = 64

digits = load_digits()
images = (digits.images / 16.0).astype("float32")[..., np.newaxis]
labels = digits.target.astype("int64")
x_train, y_train = images[:1400], labels[:1400]
x_test, y_test = images[1400:], labels[1400:]


def normalize(image, label):
    return (image - 0.5) / 0.5, label


def augment(image, label):
    # Random contrast, randomly dropped pixels and a little noise.
    image = image * tf.random.uniform([], 0.8, 1.2)
    keep = tf.cast(tf.random.uniform(tf.shape(image)) > 0.05, image.dtype)
    image = image * keep + tf.random.normal(tf.shape(image), stddev=0.05)
    image = tf.clip_by_value(image, -1.0, 1.0)
    return image, label


train_ds = (
    tf.data.Dataset.from_tensor_slices((x_train, y_train))
    .shuffle(1000)
    .map(normalize, num_parallel_calls=AUTOTUNE)
    .cache()
    .map(augment, num_parallel_calls=AUTOTUNE)
    .batch(BATCH_SIZE)
    .prefetch(AUTOTUNE)
)
test_ds = (
    tf.data.Dataset.from_tensor_slices((x_test, y_test))
    .map(normalize)
    .batch(BATCH_SIZE)
    .prefetch(AUTOTUNE)
)

model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(10),
])
model.compile(optimizer=tf.keras.optimizers.Adam(3e-3),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
history = model.fit(train_ds, validation_data=test_ds, epochs=6, verbose=0)
test_loss, test_accuracy = model.evaluate(test_ds, verbose=0)

image_batch, label_batch = next(iter(train_ds))
print("element_spec:", train_ds.element_spec)
print("batch shapes:", tuple(image_batch.shape), tuple(label_batch.shape))
print("batches per epoch:", int(train_ds.cardinality().numpy()))
print(f"augmented range: {float(tf.reduce_min(image_batch)):.2f} "
      f"{float(tf.reduce_max(image_batch)):.2f}")
print(f"final train accuracy: {history.history['accuracy'][-1]:.4f}")
print(f"test loss: {test_loss:.4f}")
print(f"test accuracy: {test_accuracy:.4f}")
