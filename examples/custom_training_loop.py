"""A custom training loop: GradientTape, a Keras optimizer, Keras metrics and tf.function steps.

The TF 2 guide "Writing a training loop from scratch" on scikit-learn's digits (flattened):
a tf.data pipeline feeds a compiled train step; metrics are reset at the end of each epoch.
"""

import numpy as np
from sklearn.datasets import load_digits

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

digits = load_digits()
x = (digits.data / 16.0).astype("float32")
y = digits.target.astype("int64")
x_train, y_train, x_val, y_val = x[:1500], y[:1500], x[1500:], y[1500:]

train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(1500).batch(64)
val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(64)

inputs = tf.keras.Input(shape=(64,), name="digits")
hidden = tf.keras.layers.Dense(64, activation="relu")(inputs)
hidden = tf.keras.layers.Dense(64, activation="relu")(hidden)
outputs = tf.keras.layers.Dense(10, name="predictions")(hidden)
model = tf.keras.Model(inputs=inputs, outputs=outputs)

optimizer = tf.keras.optimizers.Adam(learning_rate=1e-2)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
train_acc_metric = tf.keras.metrics.SparseCategoricalAccuracy()
val_acc_metric = tf.keras.metrics.SparseCategoricalAccuracy()
train_loss = tf.keras.metrics.Mean(name="train_loss")


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss_value = loss_fn(y, logits)
    grads = tape.gradient(loss_value, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    train_acc_metric.update_state(y, logits)
    train_loss.update_state(loss_value)
    return loss_value


@tf.function
def test_step(x, y):
    val_logits = model(x, training=False)
    val_acc_metric.update_state(y, val_logits)


for epoch in range(4):
    for x_batch, y_batch in train_dataset:
        train_step(x_batch, y_batch)
    for x_batch, y_batch in val_dataset:
        test_step(x_batch, y_batch)
    print(f"epoch {epoch}: loss {float(train_loss.result()):.4f}, "
          f"train accuracy {float(train_acc_metric.result()):.4f}, "
          f"val accuracy {float(val_acc_metric.result()):.4f}")
    train_acc_metric.reset_state()
    val_acc_metric.reset_state()
    train_loss.reset_state()

# The traced step and the eager model agree on the same batch.
eager_accuracy = float(np.mean(np.argmax(model(x_val).numpy(), axis=1) == y_val))
print("optimizer iterations:", int(optimizer.iterations.numpy()))
print("train_step traces:", train_step.experimental_get_tracing_count())
print(f"eager val accuracy: {eager_accuracy:.4f}")
