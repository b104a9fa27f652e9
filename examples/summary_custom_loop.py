"""tf.summary in a custom training loop: scalars per epoch for train and test writers, weight
histograms, a text note, and per-step scalars written from inside a tf.function.

The TF 2 guide "TensorBoard: get started" (the GradientTape section), on generated data.
"""

import os

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

rng = np.random.default_rng(0)
x = rng.standard_normal((512, 10)).astype("float32")
y = (x[:, :3].sum(axis=1) > 0).astype("int64")
x_train, y_train, x_test, y_test = x[:384], y[:384], x[384:], y[384:]
train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(384).batch(32)
test_dataset = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)

model = tf.keras.models.Sequential([
    tf.keras.layers.Dense(32, activation="relu", input_shape=(10,)),
    tf.keras.layers.Dropout(0.1),
    tf.keras.layers.Dense(2),
])
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.Adam(1e-2)

# Define our metrics
train_loss = tf.keras.metrics.Mean("train_loss", dtype=tf.float32)
train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy("train_accuracy")
test_loss = tf.keras.metrics.Mean("test_loss", dtype=tf.float32)
test_accuracy = tf.keras.metrics.SparseCategoricalAccuracy("test_accuracy")

train_log_dir = os.path.join("logs", "gradient_tape", "train")
test_log_dir = os.path.join("logs", "gradient_tape", "test")
train_summary_writer = tf.summary.create_file_writer(train_log_dir)
test_summary_writer = tf.summary.create_file_writer(test_log_dir)


@tf.function
def train_step(x_batch, y_batch):
    with tf.GradientTape() as tape:
        predictions = model(x_batch, training=True)
        loss = loss_object(y_batch, predictions)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    train_loss(loss)
    train_accuracy(y_batch, predictions)
    # Per-step summaries from inside the compiled step, every 4th step only.
    with train_summary_writer.as_default(step=optimizer.iterations):
        with tf.summary.record_if(optimizer.iterations % 4 == 0):
            tf.summary.scalar("batch_loss", loss)


@tf.function
def test_step(x_batch, y_batch):
    predictions = model(x_batch)
    loss = loss_object(y_batch, predictions)
    test_loss(loss)
    test_accuracy(y_batch, predictions)


EPOCHS = 5
for epoch in range(EPOCHS):
    for (x_batch, y_batch) in train_dataset:
        train_step(x_batch, y_batch)
    with train_summary_writer.as_default():
        tf.summary.scalar("loss", train_loss.result(), step=epoch)
        tf.summary.scalar("accuracy", train_accuracy.result(), step=epoch)
        for weight in model.trainable_weights:
            tf.summary.histogram(weight.name.replace(":", "_"), weight, step=epoch)

    for (x_batch, y_batch) in test_dataset:
        test_step(x_batch, y_batch)
    with test_summary_writer.as_default():
        tf.summary.scalar("loss", test_loss.result(), step=epoch)
        tf.summary.scalar("accuracy", test_accuracy.result(), step=epoch)

    template = "Epoch {}, Loss: {:.4f}, Accuracy: {:.4f}, Test Loss: {:.4f}, Test Accuracy: {:.4f}"
    print(template.format(epoch + 1, train_loss.result(), train_accuracy.result(),
                          test_loss.result(), test_accuracy.result()))

    # Reset metrics every epoch
    train_loss.reset_state()
    test_loss.reset_state()
    train_accuracy.reset_state()
    test_accuracy.reset_state()

with train_summary_writer.as_default():
    tf.summary.text("notes", f"trained for {EPOCHS} epochs", step=0)
train_summary_writer.flush()
test_summary_writer.flush()
print("optimizer iterations:", int(optimizer.iterations.numpy()))
print("log dirs:", sorted(os.listdir(os.path.join("logs", "gradient_tape"))))
