"""Customizing what happens in fit(): a Model subclass overriding train_step and test_step.

The TF 2 guide "Customizing what happens in fit()": first the compiled loss and metrics are used
from inside train_step, then a model tracks its own loss and metric objects (listed in the
`metrics` property so fit() resets them each epoch).
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)


class CustomModel(tf.keras.Model):
    def train_step(self, data):
        # Unpack the data. Its structure depends on your model and
        # on what you pass to `fit()`.
        x, y = data

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute the loss value
            # (the loss function is configured in `compile()`)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        # Update weights
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))
        # Update metrics (includes the metric that tracks the loss)
        self.compiled_metrics.update_state(y, y_pred)
        # Return a dict mapping metric names to current value
        return {m.name: m.result() for m in self.metrics}


# Construct and compile an instance of CustomModel
inputs = tf.keras.Input(shape=(32,))
outputs = tf.keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])

# Just use `fit` as usual: a noisy linear target the Dense layer can fit.
rng = np.random.default_rng(0)
x = rng.random((1000, 32)).astype("float32")
true_w = rng.standard_normal((32, 1)).astype("float32")
y = x @ true_w + 0.01 * rng.standard_normal((1000, 1)).astype("float32")
history = model.fit(x, y, epochs=10, verbose=0)
print("compiled history keys:", sorted(history.history))
print(f"compiled final loss: {history.history['loss'][-1]:.5f}")
print(f"compiled final mae: {history.history['mae'][-1]:.5f}")

loss_tracker = tf.keras.metrics.Mean(name="loss")
mae_metric = tf.keras.metrics.MeanAbsoluteError(name="mae")


class LowLevelModel(tf.keras.Model):
    def train_step(self, data):
        x, y = data

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute our own loss
            loss = tf.keras.losses.mean_squared_error(y, y_pred)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))

        # Compute our own metrics
        loss_tracker.update_state(loss)
        mae_metric.update_state(y, y_pred)
        return {"loss": loss_tracker.result(), "mae": mae_metric.result()}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss_tracker.update_state(tf.keras.losses.mean_squared_error(y, y_pred))
        mae_metric.update_state(y, y_pred)
        return {"loss": loss_tracker.result(), "mae": mae_metric.result()}

    @property
    def metrics(self):
        # We list our `Metric` objects here so that `reset_states()` can be
        # called automatically at the start of each epoch
        # or at the start of `evaluate()`.
        return [loss_tracker, mae_metric]


inputs = tf.keras.Input(shape=(32,))
outputs = tf.keras.layers.Dense(1)(inputs)
low_level = LowLevelModel(inputs, outputs)

# We don't pass a loss or metrics here.
low_level.compile(optimizer=tf.keras.optimizers.Adam(0.05))
low_level_history = low_level.fit(x, y, epochs=10, verbose=0)
evaluation = low_level.evaluate(x, y, verbose=0, return_dict=True)
print("low-level history keys:", sorted(low_level_history.history))
print(f"low-level first loss: {low_level_history.history['loss'][0]:.5f}")
print(f"low-level final loss: {low_level_history.history['loss'][-1]:.5f}")
print(f"low-level evaluate loss: {evaluation['loss']:.5f}")
print(f"low-level evaluate mae: {evaluation['mae']:.5f}")
print("tracker count after evaluate:", int(loss_tracker.count.numpy()))
