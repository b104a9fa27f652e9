"""A custom test_step and a custom Metric subclass with add_weight state.

The Keras "customizing what happens in fit" guide pattern for evaluation: the model overrides
test_step (here it also scores the prediction against a noisy label and reports a loss of its
own), and a hand-written Metric keeps running totals in weights made with add_weight, updated in
update_state, read in result and zeroed in reset_state.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)


class WithinTolerance(tf.keras.metrics.Metric):
    """The fraction of predictions within `tolerance` of the target, weighted if asked."""

    def __init__(self, tolerance=0.5, name="within_tolerance", **kwargs):
        super().__init__(name=name, **kwargs)
        self.tolerance = tolerance
        self.hits = self.add_weight(name="hits", initializer="zeros")
        self.total = self.add_weight(name="total", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = tf.cast(tf.reshape(y_true, [-1]), self.dtype)
        y_pred = tf.cast(tf.reshape(y_pred, [-1]), self.dtype)
        hit = tf.cast(tf.abs(y_true - y_pred) <= self.tolerance, self.dtype)
        if sample_weight is None:
            sample_weight = tf.ones_like(hit)
        sample_weight = tf.cast(tf.reshape(sample_weight, [-1]), self.dtype)
        self.hits.assign_add(tf.reduce_sum(hit * sample_weight))
        self.total.assign_add(tf.reduce_sum(sample_weight))

    def result(self):
        return tf.math.divide_no_nan(self.hits, self.total)

    def reset_state(self):
        self.hits.assign(0.0)
        self.total.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "tolerance": self.tolerance}


class Regressor(tf.keras.Model):
    """Trains with the default train_step; evaluates with its own test_step."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = tf.keras.layers.Dense(32, activation="relu")
        self.out = tf.keras.layers.Dense(1)
        self.abs_error = tf.keras.metrics.Mean(name="abs_error")

    def call(self, inputs):
        return self.out(self.hidden(inputs))

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        self.compiled_metrics.update_state(y, y_pred)
        self.abs_error.update_state(tf.abs(tf.reshape(y, [-1]) - tf.reshape(y_pred, [-1])))
        results = {m.name: m.result() for m in self.metrics}
        return results

    @property
    def metrics(self):
        return super().metrics + [self.abs_error]


rng = np.random.default_rng(0)
x = rng.uniform(-2, 2, size=(600, 2)).astype("float32")
y = (np.sin(x[:, :1]) * 2 + x[:, 1:] ** 2).astype("float32")
x_train, y_train, x_test, y_test = x[:500], y[:500], x[500:], y[500:]

metric = WithinTolerance(0.5)
metric.update_state([[1.0], [2.0], [3.0]], [[1.2], [2.9], [3.4]], sample_weight=[1.0, 1.0, 2.0])
print(f"metric by hand: {float(metric.result()):.4f}")  # (1 + 0 + 2) / 4
metric.reset_state()
print(f"after reset: {float(metric.result()):.4f}")
print("metric weights:", [w.name.split("/")[-1].split(":")[0] for w in metric.variables])

model = Regressor()
model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss="mse",
              metrics=[WithinTolerance(0.25, name="close")])
history = model.fit(x_train, y_train, batch_size=32, epochs=30, verbose=0,
                    validation_data=(x_test, y_test))
results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
print("history keys:", sorted(history.history))
print("evaluate keys:", sorted(results))
print("test loss: {:.4f}".format(results["loss"]))
print("test close: {:.4f}".format(results["close"]))
print("test abs_error: {:.4f}".format(results["abs_error"]))
predictions = model.predict(x_test, verbose=0)
print("abs_error matches: {}".format(
    bool(np.isclose(np.mean(np.abs(predictions - y_test)), results["abs_error"], atol=1e-4))))
print("close matches: {}".format(
    bool(np.isclose(np.mean(np.abs(predictions - y_test) <= 0.25), results["close"], atol=1e-4))))
