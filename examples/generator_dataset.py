"""tf.data.Dataset.from_generator feeds fit with an endless stream and steps_per_epoch.

The TF "tf.data" guide pattern: a Python generator yields (features, label) pairs described by an
output_signature; the dataset is repeated (endless), batched and prefetched, and fit takes a fixed
number of steps per epoch, with validation from a second generator and validation_steps.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

TRUE_W = np.array([1.5, -2.0, 0.5, 3.0], dtype="float32")
calls = {"train": 0}


def samples(seed, count):
    """Yields `count` noisy linear-regression samples; each call restarts from the same seed."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        x = rng.standard_normal(4).astype("float32")
        yield x, np.float32(x @ TRUE_W + 0.7 + 0.05 * rng.standard_normal())


def train_samples():
    calls["train"] += 1
    return samples(0, 200)


signature = (tf.TensorSpec(shape=(4,), dtype=tf.float32),
             tf.TensorSpec(shape=(), dtype=tf.float32))
train_ds = (tf.data.Dataset.from_generator(train_samples, output_signature=signature)
            .repeat().batch(20).prefetch(tf.data.AUTOTUNE))
val_ds = tf.data.Dataset.from_generator(lambda: samples(1, 100),
                                        output_signature=signature).batch(25).repeat()
print("element spec:", train_ds.element_spec[0].shape.as_list(),
      train_ds.element_spec[1].dtype.name)
print("cardinality infinite:",
      int(train_ds.cardinality()) == int(tf.data.INFINITE_CARDINALITY))

model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(1)])
model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
history = model.fit(train_ds, epochs=5, steps_per_epoch=15,
                    validation_data=val_ds, validation_steps=4, verbose=0)
weights, bias = model.layers[0].get_weights()
print("epochs run:", len(history.history["loss"]))
print("optimizer steps:", int(model.optimizer.iterations.numpy()))
print("generator passes at least:", calls["train"] >= 7)
print("learned w:", np.round(weights[:, 0], 2).tolist(), f"b: {float(bias[0]):.2f}")
print("final loss: {:.4f}".format(history.history["loss"][-1]))
print("final val mae: {:.4f}".format(history.history["val_mae"][-1]))
