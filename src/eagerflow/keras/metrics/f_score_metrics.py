"""F-beta and F1 scores per class, or averaged ("micro", "macro", "weighted"), from
accumulated true/false positive and false negative counts."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.metrics.base_metric import Metric

__all__ = ["FBetaScore", "F1Score"]

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """(1 + beta^2) * precision * recall / (beta^2 * precision + recall) per class.

    Predictions are positive above `threshold`; with `threshold=None` each sample's highest
    score is its (single) positive class. Labels and predictions have shape
    (batch, num_classes); state is built on the first update.
    """

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str = "fbeta_score", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError("Invalid `beta` argument value. It should be a Python float "
                             f"greater than 0. Received: beta={beta}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError("Invalid `threshold` argument value. It should be a Python float "
                             f"in the range ]0, 1]. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self._built = False

    def _build(self, y_pred_shape) -> None:
        if y_pred_shape.rank != 2 or y_pred_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim) and a known output_dim. Received: {y_pred_shape}")
        shape = () if self.average == "micro" else (int(y_pred_shape[-1]),)
        for state in ("true_positives", "false_positives", "false_negatives",
                      "intermediate_weights"):
            setattr(self, state, self.add_weight(state, shape=shape))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's per-class (or total, for "micro") counts."""
        y_pred = tf.cast(y_pred, self._dtype)
        y_true = tf.cast(y_true, self._dtype)
        if not self._built:
            self._build(y_pred.shape)
        if self.threshold is None:
            top = tf.reduce_max(y_pred, axis=-1, keepdims=True)
            # an all-zero row must not become all-positive
            positive = tf.logical_and(y_pred >= top, tf.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > self.threshold
        y_pred = tf.cast(positive, self._dtype)
        axis = None if self.average == "micro" else 0
        weights = None
        if sample_weight is not None:
            weights = tf.expand_dims(tf.cast(sample_weight, self._dtype), 1)

        def weighted_sum(values):
            if weights is not None:
                values = values * weights
            return tf.reduce_sum(values, axis=axis)

        # every update is computed before any is applied: bad input changes no state
        updates = [(self.true_positives, weighted_sum(y_pred * y_true)),
                   (self.false_positives, weighted_sum(y_pred * (1.0 - y_true))),
                   (self.false_negatives, weighted_sum((1.0 - y_pred) * y_true)),
                   (self.intermediate_weights, weighted_sum(y_true))]
        return [variable.assign_add(delta) for variable, delta in updates][-1]

    def result(self):
        if not self._built:
            return tf.constant(0.0, self._dtype)
        tp = self.true_positives
        precision = tf.math.divide_no_nan(tp, tp + self.false_positives)
        recall = tf.math.divide_no_nan(tp, tp + self.false_negatives)
        beta_squared = self.beta ** 2
        score = tf.math.divide_no_nan(precision * recall, beta_squared * precision + recall)
        score = score * (1.0 + beta_squared)
        if self.average == "weighted":
            weights = tf.math.divide_no_nan(self.intermediate_weights,
                                            tf.reduce_sum(self.intermediate_weights))
            return tf.reduce_sum(score * weights)
        if self.average is not None:  # micro (already scalar) or macro
            return tf.reduce_mean(score)
        return score

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The harmonic mean of precision and recall (F-beta with beta = 1)."""

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str = "f1_score", dtype=None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
