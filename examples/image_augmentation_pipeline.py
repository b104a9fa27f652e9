"""An image pipeline: tf.data with tf.image augmentation feeding a CNN with preprocessing layers.

The TF "data augmentation" and "load images" tutorial pattern on generated 16x16 uint8 images of
three shapes (horizontal bar, vertical bar, square). The training pipeline resizes each image,
takes a random crop, flips it at random and jitters its brightness; the model starts with
Rescaling(1/255) and a Normalization layer adapted on the training images.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

SIZE = 16


def make_images(n, rng):
    """uint8 images (n, 16, 16, 1) of a bar or a square at a random place, plus noise."""
    images = rng.integers(0, 40, size=(n, SIZE, SIZE, 1)).astype("uint8")
    labels = rng.integers(0, 3, size=n).astype("int32")
    for image, label in zip(images, labels):
        row, col = rng.integers(3, SIZE - 9, size=2)
        if label == 0:
            image[row + 2:row + 4, col:col + 8] = 220   # horizontal bar
        elif label == 1:
            image[row:row + 8, col + 2:col + 4] = 220   # vertical bar
        else:
            image[row + 1:row + 6, col + 1:col + 6] = 220   # square
    return images, labels


rng = np.random.default_rng(0)
train_images, train_labels = make_images(1200, rng)
test_images, test_labels = make_images(300, rng)


def augment(image, label):
    image = tf.image.resize(image, [SIZE + 4, SIZE + 4])          # float32, 20x20
    image = tf.image.random_crop(image, size=[SIZE, SIZE, 1])
    image = tf.image.random_flip_left_right(image)
    image = tf.image.random_brightness(image, max_delta=20.0)
    image = tf.clip_by_value(image, 0.0, 255.0)
    return image, label


def to_float(image, label):
    return tf.cast(image, tf.float32), label


AUTOTUNE = tf.data.AUTOTUNE
train_ds = (tf.data.Dataset.from_tensor_slices((train_images, train_labels))
            .shuffle(1200, seed=0)
            .map(augment, num_parallel_calls=AUTOTUNE)
            .batch(32)
            .prefetch(AUTOTUNE))
test_ds = (tf.data.Dataset.from_tensor_slices((test_images, test_labels))
           .map(to_float).batch(64))

sample_images, sample_labels = next(iter(train_ds))
print("augmented batch:", tuple(sample_images.shape), sample_images.dtype.name,
      tuple(sample_labels.shape))
low, high = float(tf.reduce_min(sample_images)), float(tf.reduce_max(sample_images))
print(f"augmented range ok: {0.0 <= low and high <= 255.0}")

normalization = tf.keras.layers.Normalization()
normalization.adapt(train_images.astype("float32") / 255.0)

model = tf.keras.Sequential([
    tf.keras.Input(shape=(SIZE, SIZE, 1)),
    tf.keras.layers.Rescaling(1.0 / 255),
    normalization,
    tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(3),
])
model.compile(optimizer=tf.keras.optimizers.Adam(3e-3),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
history = model.fit(train_ds, validation_data=test_ds, epochs=6, verbose=0)
test_loss, test_accuracy = model.evaluate(test_ds, verbose=0)

print(f"normalization mean: {float(np.squeeze(normalization.mean.numpy())):.4f}")
print("final train accuracy: {:.4f}".format(history.history["accuracy"][-1]))
print(f"test loss: {test_loss:.4f}")
print(f"test accuracy: {test_accuracy:.4f}")
