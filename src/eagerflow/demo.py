"""The demo: a Keras model trained on scikit-learn's digits with eagerflow.

Run: python -m eagerflow.demo [--epochs N] [--output DIR]

It builds a Sequential network, draws it with `tf.keras.utils.plot_model`, trains it with
`model.fit` (progress bar, TensorBoard logs, a TF checkpoint of the best weights, validation),
prints the test accuracy and times one epoch run eagerly against the compiled
(`tf.function`) training step. Everything it writes goes under DIR (default ./eagerflow-demo).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

import eagerflow as tf


def load_digits() -> tuple:
    """scikit-learn's 8x8 digits (shipped with the package), split 80/20, scaled to [0, 1]."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        sys.exit("The demo needs scikit-learn: python -m pip install -e '.[test]'")
    digits = sklearn_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int32)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    return x[:split], y[:split], x[split:], y[split:]


def build_model() -> tf.keras.Model:
    """Dense(64, relu) -> Dropout -> Dense(10, softmax) on the 64 pixels."""
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(64, activation="relu", input_shape=(64,), name="hidden"),
        tf.keras.layers.Dropout(0.1, name="dropout"),
        tf.keras.layers.Dense(10, activation="softmax", name="classes"),
    ], name="digits_mlp")
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def epoch_seconds(model: tf.keras.Model, x, y, run_eagerly: bool, repeats: int = 3) -> float:
    """Median time of one training epoch (after a warm-up epoch that traces)."""
    model.run_eagerly = run_eagerly
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--output", default="eagerflow-demo",
                        help="directory for the picture, TensorBoard logs and checkpoint")
    args = parser.parse_args(argv)
    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    tf.keras.utils.set_random_seed(0)

    x_train, y_train, x_test, y_test = load_digits()
    print(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels")
    model = build_model()
    model.summary()
    picture = output / "model.png"
    tf.keras.utils.plot_model(model, to_file=str(picture), show_shapes=True)
    print(f"model picture: {picture}")

    checkpoint = output / "checkpoint" / "digits"
    callbacks = [
        tf.keras.callbacks.TensorBoard(log_dir=str(output / "logs")),
        tf.keras.callbacks.ModelCheckpoint(str(checkpoint), monitor="val_accuracy",
                                           save_best_only=True, save_weights_only=True),
    ]
    model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, validation_split=0.1,
              callbacks=callbacks, verbose=1)
    print(f"TensorBoard logs: {output / 'logs'}  (tensorboard --logdir {output / 'logs'})")

    model.load_weights(str(checkpoint))
    print(f"restored the best weights from the checkpoint {checkpoint}")
    _, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {test_accuracy:.4f}")

    eager = epoch_seconds(model, x_train, y_train, run_eagerly=True)
    compiled = epoch_seconds(model, x_train, y_train, run_eagerly=False)
    print(f"time per epoch: eager {eager:.3f}s, tf.function {compiled:.3f}s "
          f"({eager / compiled:.1f}x faster compiled)")


if __name__ == "__main__":
    main()
