"""Time-series forecasting from windows: tf.keras.utils.timeseries_dataset_from_array and a
tf.data window / flat_map pipeline feed a Conv1D + LSTM model predicting the next value.

The TF 2 tutorial "Time series forecasting", on a generated noisy two-frequency signal; the model
is compared with the "repeat the last value" baseline.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

rng = np.random.default_rng(0)
time = np.arange(1200, dtype="float32")
series = (np.sin(time * 2 * np.pi / 50) + 0.5 * np.sin(time * 2 * np.pi / 13)
          + 0.1 * rng.standard_normal(1200)).astype("float32")
train_series, test_series = series[:1000], series[1000 - 24:]
WINDOW = 24

# Windows of 24 values, each labelled with the value that follows it.
train_ds = tf.keras.utils.timeseries_dataset_from_array(
    data=train_series[:-1, np.newaxis], targets=train_series[WINDOW:],
    sequence_length=WINDOW, batch_size=32, shuffle=True, seed=0)
test_ds = tf.keras.utils.timeseries_dataset_from_array(
    data=test_series[:-1, np.newaxis], targets=test_series[WINDOW:],
    sequence_length=WINDOW, batch_size=32)


# The same windows built by hand with Dataset.window and flat_map.
def windowed_dataset(values, window_size):
    dataset = tf.data.Dataset.from_tensor_slices(values)
    dataset = dataset.window(window_size + 1, shift=1, drop_remainder=True)
    dataset = dataset.flat_map(lambda window: window.batch(window_size + 1))
    return dataset.map(lambda window: (window[:-1, tf.newaxis], window[-1]))


manual_ds = windowed_dataset(test_series, WINDOW).batch(32)

model = tf.keras.Sequential([
    tf.keras.layers.Conv1D(16, kernel_size=3, activation="relu", input_shape=(WINDOW, 1)),
    tf.keras.layers.LSTM(16),
    tf.keras.layers.Dense(1),
])
model.compile(loss=tf.keras.losses.Huber(), optimizer=tf.keras.optimizers.Adam(5e-3),
              metrics=[tf.keras.metrics.MeanAbsoluteError()])
history = model.fit(train_ds, epochs=8, verbose=0)
loss, mae = model.evaluate(test_ds, verbose=0)
manual_mae = model.evaluate(manual_ds, verbose=0)[1]
baseline_mae = float(np.mean(np.abs(test_series[WINDOW:] - test_series[WINDOW - 1:-1])))

first_inputs, first_targets = next(iter(test_ds))
manual_inputs, manual_targets = next(iter(manual_ds))
print("window batch:", tuple(first_inputs.shape), tuple(first_targets.shape))
print("same windows:", bool(np.allclose(first_inputs.numpy(), manual_inputs.numpy())
                            and np.allclose(first_targets.numpy(), manual_targets.numpy())))
print("test windows:", sum(int(t.shape[0]) for _, t in test_ds))
print(f"final train mae: {history.history['mean_absolute_error'][-1]:.4f}")
print(f"test mae: {mae:.4f}")
print(f"manual pipeline mae: {manual_mae:.4f}")
print(f"last-value baseline mae: {baseline_mae:.4f}")
