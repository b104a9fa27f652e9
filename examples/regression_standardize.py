"""Regression on scikit-learn's diabetes data with features standardized by hand (NumPy mean and
standard deviation of the training split, no Normalization layer): a linear model and a small DNN.

The TF 2 tutorial "Basic regression": mean absolute error loss, validation split, evaluation on a
held-out test split, compared with the constant (mean) predictor.
"""

import numpy as np
from sklearn.datasets import load_diabetes

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

features, target = load_diabetes(return_X_y=True)
order = np.random.default_rng(0).permutation(len(target))
features, target = features[order].astype("float32"), target[order].astype("float32")
train_features, test_features = features[:350], features[350:]
train_labels, test_labels = target[:350], target[350:]

mean = train_features.mean(axis=0)
std = train_features.std(axis=0)
train_features = (train_features - mean) / std
test_features = (test_features - mean) / std


def build_and_compile_model(hidden_layers, learning_rate):
    model = tf.keras.Sequential(
        [tf.keras.layers.Dense(units, activation="relu") for units in hidden_layers]
        + [tf.keras.layers.Dense(1)])
    model.compile(loss="mean_absolute_error", optimizer=tf.keras.optimizers.Adam(learning_rate))
    return model


# The targets are in the hundreds: the linear model's bias needs large steps to get there.
linear_model = build_and_compile_model([], learning_rate=1.0)
linear_history = linear_model.fit(train_features, train_labels, epochs=40, batch_size=32,
                                  validation_split=0.2, verbose=0)
dnn_model = build_and_compile_model([32, 32], learning_rate=0.05)
dnn_history = dnn_model.fit(train_features, train_labels, epochs=40, batch_size=32,
                            validation_split=0.2, verbose=0)

test_results = {
    "baseline": float(np.mean(np.abs(test_labels - train_labels.mean()))),
    "linear_model": linear_model.evaluate(test_features, test_labels, verbose=0),
    "dnn_model": dnn_model.evaluate(test_features, test_labels, verbose=0),
}
test_predictions = dnn_model.predict(test_features, verbose=0).flatten()

print("linear model weights:", [tuple(w.shape) for w in linear_model.weights])
print(f"linear val loss: {linear_history.history['val_loss'][-1]:.2f}")
print(f"dnn val loss: {dnn_history.history['val_loss'][-1]:.2f}")
for name, mae in test_results.items():
    print(f"{name} test MAE: {mae:.2f}")
print(f"prediction correlation: {np.corrcoef(test_predictions, test_labels)[0, 1]:.3f}")
