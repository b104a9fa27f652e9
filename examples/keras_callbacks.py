"""Training with the usual callbacks: ModelCheckpoint (best only), EarlyStopping with
restore_best_weights, ReduceLROnPlateau, TensorBoard and CSVLogger.

The TF 2 guide "Training and evaluation with the built-in methods" on scikit-learn's breast
cancer data (standardized), with a deliberately high learning rate so the plateau callbacks act.
"""

import csv
import os

import numpy as np
from sklearn.datasets import load_breast_cancer

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

data = load_breast_cancer()
order = np.random.default_rng(0).permutation(len(data.target))
features = data.data[order].astype("float32")
labels = data.target[order].astype("float32")
mean, std = features[:400].mean(axis=0), features[:400].std(axis=0)
features = (features - mean) / std
x_train, y_train = features[:400], labels[:400]
x_val, y_val = features[400:], labels[400:]

model = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="relu", input_shape=(30,)),
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
              loss="binary_crossentropy", metrics=["accuracy"])

callbacks = [
    tf.keras.callbacks.ModelCheckpoint(filepath="best_model.h5", monitor="val_loss",
                                       save_best_only=True, verbose=0),
    tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True,
                                     verbose=0),
    tf.keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2,
                                         min_lr=1e-4, verbose=0),
    tf.keras.callbacks.TensorBoard(log_dir="logs"),
    tf.keras.callbacks.CSVLogger("training.csv"),
]
history = model.fit(x_train, y_train, batch_size=32, epochs=40,
                    validation_data=(x_val, y_val), callbacks=callbacks, verbose=0)

val_losses = history.history["val_loss"]
best_epoch = int(np.argmin(val_losses))
restored_val_loss, restored_val_accuracy = model.evaluate(x_val, y_val, verbose=0)
best_model = tf.keras.models.load_model("best_model.h5")
checkpoint_val_loss = best_model.evaluate(x_val, y_val, verbose=0)[0]
with open("training.csv", newline="") as f:
    rows = list(csv.DictReader(f))

print("epochs run:", len(val_losses))
print("best epoch:", best_epoch)
print(f"best val loss: {min(val_losses):.4f}")
print(f"restored val loss: {restored_val_loss:.4f}")
print(f"restored val accuracy: {restored_val_accuracy:.4f}")
print(f"checkpoint val loss: {checkpoint_val_loss:.4f}")
print("learning rates:", sorted({round(float(lr), 6) for lr in history.history["lr"]}))
print(f"final learning rate: {float(model.optimizer.learning_rate.numpy()):.6f}")
print("csv columns:", list(rows[0]))
print("csv rows:", len(rows))
print("log dirs:", sorted(os.listdir("logs")))
