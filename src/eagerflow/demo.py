"""The demo: train a small network on scikit-learn's digits with eagerflow, eagerly and compiled.

Run: python -m eagerflow.demo [--epochs N]

It shows what exists today: a two-layer network written with ops, trained by
mini-batch SGD with GradientTape, fed by tf.data when available, the training
step compiled with tf.function (its generated Python source is printed), the
test accuracy, and the eager vs tf.function time per epoch.
"""

from __future__ import annotations

import argparse
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


class TwoLayerNet(tf.Module):
    """Dense(64, relu) -> Dense(10) written with ops and tf.Variables in a tf.Module."""

    def __init__(self, inputs: int, hidden: int, classes: int, seed: int = 0) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        limit1 = np.sqrt(6 / (inputs + hidden))
        limit2 = np.sqrt(6 / (hidden + classes))
        self.w1 = tf.Variable(rng.uniform(-limit1, limit1, (inputs, hidden)).astype(np.float32),
                              name="dense/kernel")
        self.b1 = tf.Variable(np.zeros(hidden, np.float32), name="dense/bias")
        self.w2 = tf.Variable(rng.uniform(-limit2, limit2, (hidden, classes)).astype(np.float32),
                              name="dense_1/kernel")
        self.b2 = tf.Variable(np.zeros(classes, np.float32), name="dense_1/bias")

    def __call__(self, x):
        hidden = tf.nn.relu(tf.matmul(x, self.w1) + self.b1)
        return tf.matmul(hidden, self.w2) + self.b2


def make_train_step(model: TwoLayerNet, learning_rate: float):
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x)
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, model.trainable_variables)
        for variable, grad in zip(model.trainable_variables, grads):
            variable.assign_sub(learning_rate * grad)
        return loss
    return train_step


def batches(x, y, batch_size: int, seed: int):
    """Shuffled mini-batches, through tf.data when it exists."""
    data = getattr(tf, "data", None) if _has_data() else None
    if data is not None:
        dataset = data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed)
        yield from dataset.batch(batch_size)
        return
    order = np.random.default_rng(seed).permutation(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        yield tf.constant(x[index]), tf.constant(y[index])


def _has_data() -> bool:
    try:
        import eagerflow.data  # noqa: F401
    except ImportError:
        return False
    return True


def progress(epoch: int, epochs: int, step: int, steps: int, loss: float, seconds: float) -> None:
    """A Keras-style progress bar: redrawn in place on a terminal, one line per epoch in a log."""
    if step < steps and not sys.stdout.isatty():
        return
    width = 30
    done = int(width * step / steps)
    bar = "=" * max(done - 1, 0) + (">" if done < width else "=") + "." * (width - done)
    sys.stdout.write(f"\rEpoch {epoch}/{epochs} {step}/{steps} [{bar}] - {seconds:.2f}s "
                     f"- loss: {loss:.4f}")
    sys.stdout.flush()


def run_epoch(step_fn, x, y, batch_size, epoch, epochs, seed) -> tuple[float, float]:
    steps = -(-len(x) // batch_size)
    start = time.perf_counter()
    losses = []
    for index, (xb, yb) in enumerate(batches(x, y, batch_size, seed), 1):
        losses.append(float(step_fn(xb, yb)))
        progress(epoch, epochs, index, steps, float(np.mean(losses)),
                 time.perf_counter() - start)
    elapsed = time.perf_counter() - start
    sys.stdout.write("\n")
    return float(np.mean(losses)), elapsed


def accuracy(model: TwoLayerNet, x, y) -> float:
    predictions = tf.argmax(model(tf.constant(x)), axis=1).numpy()
    return float(np.mean(predictions == y))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.5)
    args = parser.parse_args(argv)

    x_train, y_train, x_test, y_test = load_digits()
    print(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels")

    model = TwoLayerNet(64, 64, 10)
    eager_step = make_train_step(model, args.learning_rate)
    compiled_step = tf.function(eager_step)

    print("\n-- one epoch eagerly (every op dispatched from Python) --")
    _, eager_seconds = run_epoch(eager_step, x_train, y_train, args.batch_size, 1, 1, seed=0)

    print(f"\n-- {args.epochs} epochs with the training step compiled by tf.function --")
    compiled_times = []
    for epoch in range(1, args.epochs + 1):
        _, seconds = run_epoch(compiled_step, x_train, y_train, args.batch_size, epoch,
                               args.epochs, seed=epoch)
        compiled_times.append(seconds)

    concrete = compiled_step.get_concrete_function(
        tf.constant(x_train[:args.batch_size]), tf.constant(y_train[:args.batch_size]))
    print("\n-- the Python source tf.function generated for the training step --")
    print(concrete.python_source)

    test_accuracy = accuracy(model, x_test, y_test)
    steady = float(np.median(compiled_times[1:] or compiled_times))
    print(f"test accuracy: {test_accuracy:.4f}")
    print(f"time per epoch: eager {eager_seconds:.3f}s, tf.function {steady:.3f}s "
          f"({eager_seconds / steady:.1f}x faster compiled)")


if __name__ == "__main__":
    main()
