"""Metrics that average a loss-like function over all samples seen: regression errors,
crossentropies, hinges, KL divergence, Poisson, cosine similarity, and RMSE."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras import losses
from eagerflow.keras.metrics.base_metric import Mean, MeanMetricWrapper

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity",
           "LogCoshError", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "Hinge", "SquaredHinge", "CategoricalHinge",
           "KLDivergence", "Poisson", "cosine_similarity"]


def cosine_similarity(y_true, y_pred, axis: int = -1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): 1 when aligned (the metric
    form; the loss is its negative)."""
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of (y_pred - y_true) ** 2."""

    def __init__(self, name: str = "mean_squared_error", dtype=None) -> None:
        super().__init__(losses.mean_squared_error, name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of |y_pred - y_true|."""

    def __init__(self, name: str = "mean_absolute_error", dtype=None) -> None:
        super().__init__(losses.mean_absolute_error, name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of 100 * |y_true - y_pred| / |y_true|."""

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype=None) -> None:
        super().__init__(losses.mean_absolute_percentage_error, name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean of squared differences of log(1 + value)."""

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype=None) -> None:
        super().__init__(losses.mean_squared_logarithmic_error, name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean of element-wise squared errors."""

    def __init__(self, name: str = "root_mean_squared_error", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's squared errors to the running mean."""
        y_pred = tf.cast(y_pred, self._dtype)
        y_true = tf.cast(y_true, self._dtype)
        y_pred, y_true, _ = losses.squeeze_or_expand_dimensions(y_pred, y_true)
        return super().update_state(tf.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return tf.sqrt(tf.math.divide_no_nan(self.total, self.count))


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions along `axis`."""

    def __init__(self, name: str = "cosine_similarity", dtype=None, axis: int = -1) -> None:
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)


class LogCoshError(MeanMetricWrapper):
    """Mean of log(cosh(y_pred - y_true))."""

    def __init__(self, name: str = "logcosh", dtype=None) -> None:
        super().__init__(losses.log_cosh, name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy (see keras.losses.binary_crossentropy)."""

    def __init__(self, name: str = "binary_crossentropy", dtype=None, from_logits: bool = False,
                 label_smoothing: float = 0) -> None:
        super().__init__(losses.binary_crossentropy, name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical crossentropy of one-hot labels."""

    def __init__(self, name: str = "categorical_crossentropy", dtype=None,
                 from_logits: bool = False, label_smoothing: float = 0, axis: int = -1) -> None:
        super().__init__(losses.categorical_crossentropy, name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean crossentropy of integer labels."""

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype=None,
                 from_logits: bool = False, ignore_class: int | None = None,
                 axis: int = -1) -> None:
        super().__init__(losses.sparse_categorical_crossentropy, name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class Hinge(MeanMetricWrapper):
    """Mean hinge loss."""

    def __init__(self, name: str = "hinge", dtype=None) -> None:
        super().__init__(losses.hinge, name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss."""

    def __init__(self, name: str = "squared_hinge", dtype=None) -> None:
        super().__init__(losses.squared_hinge, name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss."""

    def __init__(self, name: str = "categorical_hinge", dtype=None) -> None:
        super().__init__(losses.categorical_hinge, name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence."""

    def __init__(self, name: str = "kullback_leibler_divergence", dtype=None) -> None:
        super().__init__(losses.kl_divergence, name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Mean Poisson loss."""

    def __init__(self, name: str = "poisson", dtype=None) -> None:
        super().__init__(losses.poisson, name, dtype=dtype)
