"""Keras training under tf.distribute.MirroredStrategy.

The TF "distributed training with Keras" tutorial pattern: the model and its optimizer are created
inside strategy.scope() (so their variables are mirrored across the replicas, here the one CPU),
the global batch size scales with num_replicas_in_sync, and fit / evaluate / save run as usual.
"""

import numpy as np
from sklearn.datasets import load_digits

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

digits = load_digits()
images = (digits.data / 16.0).astype("float32")
labels = digits.target.astype("int64")
order = np.random.default_rng(0).permutation(len(labels))
images, labels = images[order], labels[order]

strategy = tf.distribute.MirroredStrategy()
print("number of devices:", strategy.num_replicas_in_sync)
BATCH_SIZE = 32 * strategy.num_replicas_in_sync

train_ds = (tf.data.Dataset.from_tensor_slices((images[:1400], labels[:1400]))
            .shuffle(1400, seed=0).batch(BATCH_SIZE))
test_ds = tf.data.Dataset.from_tensor_slices((images[1400:], labels[1400:])).batch(BATCH_SIZE)

with strategy.scope():
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(64,)),
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dense(10),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])

print("variables created in scope:", all(
    hasattr(v, "aggregation") for v in model.trainable_variables))
history = model.fit(train_ds, epochs=5, verbose=0)
test_loss, test_accuracy = model.evaluate(test_ds, verbose=0)
print("final train accuracy: {:.4f}".format(history.history["accuracy"][-1]))
print(f"test loss: {test_loss:.4f}")
print(f"test accuracy: {test_accuracy:.4f}")

model.save("mirrored.keras")
with strategy.scope():
    restored = tf.keras.models.load_model("mirrored.keras")
print("restored difference:", float(np.max(np.abs(
    restored.predict(images[1400:1432], verbose=0) - model.predict(images[1400:1432], verbose=0)))))

# A custom training loop under the same strategy: distributed dataset, strategy.run, reduce.
with strategy.scope():
    loop_model = tf.keras.Sequential([tf.keras.Input(shape=(64,)), tf.keras.layers.Dense(10)])
    loop_optimizer = tf.keras.optimizers.SGD(0.5)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction=tf.keras.losses.Reduction.NONE)
    loop_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()


def compute_loss(y, logits):
    per_example_loss = loss_object(y, logits)
    return tf.nn.compute_average_loss(per_example_loss, global_batch_size=BATCH_SIZE)


def step_fn(x, y):
    with tf.GradientTape() as tape:
        logits = loop_model(x, training=True)
        loss = compute_loss(y, logits)
    gradients = tape.gradient(loss, loop_model.trainable_variables)
    loop_optimizer.apply_gradients(zip(gradients, loop_model.trainable_variables))
    loop_accuracy.update_state(y, logits)
    return loss


@tf.function
def distributed_train_step(x, y):
    per_replica_losses = strategy.run(step_fn, args=(x, y))
    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)


dist_train_ds = strategy.experimental_distribute_dataset(train_ds)
for _ in range(3):
    loop_accuracy.reset_state()
    total_loss, batches = 0.0, 0
    for x_batch, y_batch in dist_train_ds:
        total_loss += float(distributed_train_step(x_batch, y_batch))
        batches += 1
print("custom loop batches per epoch:", batches)
print(f"custom loop loss: {total_loss / batches:.4f}")
print(f"custom loop accuracy: {float(loop_accuracy.result()):.4f}")
