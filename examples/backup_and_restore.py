"""BackupAndRestore lets an interrupted fit resume from the last finished epoch.

The Keras "fault tolerance" pattern: a callback stops training with an error in the middle of
epoch 4; calling fit again with the same BackupAndRestore directory resumes at epoch 4 (weights
and optimizer state restored) rather than starting over. With shuffling off, the resumed run ends
with the same weights as one uninterrupted run.
"""

import os

import numpy as np

import eagerflow as tf

rng = np.random.default_rng(0)
x = rng.standard_normal((256, 6)).astype("float32")
y = (x @ rng.standard_normal((6, 1)) + 0.1).astype("float32")
EPOCHS = 6


def build_model():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(6,)),
        tf.keras.layers.Dense(16, activation="tanh"),
        tf.keras.layers.Dense(1),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss="mse")
    return model


class InterruptAtEpoch(tf.keras.callbacks.Callback):
    """Raises in the middle of the given epoch, as a pre-empted worker would stop."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch
        self.current = None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == 2:
            raise RuntimeError("Interrupting training")


class RecordEpochs(tf.keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


reference = build_model()
reference.fit(x, y, epochs=EPOCHS, batch_size=32, shuffle=False, verbose=0)

backup_dir = os.path.join(os.getcwd(), "backup")
model = build_model()
first_run = RecordEpochs()
try:
    model.fit(x, y, epochs=EPOCHS, batch_size=32, shuffle=False, verbose=0,
              callbacks=[tf.keras.callbacks.BackupAndRestore(backup_dir),
                         InterruptAtEpoch(3), first_run])
except RuntimeError as error:
    print("interrupted:", error)
print("first run epochs:", first_run.epochs)
print("backup written:", os.path.isdir(backup_dir) and len(os.listdir(backup_dir)) > 0)

model = build_model()
second_run = RecordEpochs()
history = model.fit(x, y, epochs=EPOCHS, batch_size=32, shuffle=False, verbose=0,
                    callbacks=[tf.keras.callbacks.BackupAndRestore(backup_dir), second_run])
print("resumed epochs:", second_run.epochs)
print("history length:", len(history.history["loss"]))
print("optimizer steps:", int(model.optimizer.iterations.numpy()))
difference = max(float(np.max(np.abs(a - b)))
                 for a, b in zip(model.get_weights(), reference.get_weights()))
print(f"max weight difference from uninterrupted run: {difference:.2e}")
print("backup removed after success:", not os.path.exists(backup_dir)
      or len(os.listdir(backup_dir)) == 0)
