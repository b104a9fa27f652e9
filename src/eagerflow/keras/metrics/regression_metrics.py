"""Metrics that average a loss-like function over all samples seen: regression errors,
crossentropies, hinges, KL divergence, Poisson, cosine similarity, and RMSE."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras import losses
from eagerflow.keras.metrics.base_metric import Mean, MeanMetricWrapper, Metric

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity",
           "LogCoshError", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "Hinge", "SquaredHinge", "CategoricalHinge",
           "KLDivergence", "Poisson", "R2Score", "cosine_similarity"]


def cosine_similarity(y_true, y_pred, axis: int = -1) -> tf.Tensor:
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


class R2Score(Metric):
    """Coefficient of determination 1 - SS_res / SS_tot per output, aggregated by
    `class_aggregation` ("uniform_average", "variance_weighted_average" or None), and
    adjusted for `num_regressors` when given. Inputs have shape (batch, outputs)."""

    def __init__(self, class_aggregation: str | None = "uniform_average",
                 num_regressors: int = 0, name: str = "r2_score", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in ("uniform_average", "variance_weighted_average", None):
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             "{None, 'uniform_average', 'variance_weighted_average'}. "
                             f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_weight("num_samples", dtype="int32")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape) -> None:
        if y_pred_shape.rank != 2 or y_true_shape.rank != 2 or y_pred_shape[-1] is None:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim), "
                             "with output_dim fully defined. Received input shapes: "
                             f"y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        outputs = (int(y_pred_shape[-1]),)
        self.squared_sum = self.add_weight("squared_sum", shape=outputs)
        self.sum = self.add_weight("sum", shape=outputs)
        self.total_mse = self.add_weight("residual", shape=outputs)
        self.count = self.add_weight("count", shape=outputs)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's sums of y, y^2, squared residuals and weights per output."""
        y_true = tf.cast(y_true, self._dtype)
        y_pred = tf.cast(y_pred, self._dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weights = tf.ones_like(y_true)
        if sample_weight is not None:
            sample_weight = tf.cast(sample_weight, self._dtype)
            if sample_weight.shape.rank == 1:
                sample_weight = tf.expand_dims(sample_weight, 1)
            weights = weights * sample_weight
        weighted_y_true = y_true * weights
        # every update is computed before any is applied: bad input changes no state
        updates = [
            (self.sum, tf.reduce_sum(weighted_y_true, axis=0)),
            (self.squared_sum, tf.reduce_sum(y_true * weighted_y_true, axis=0)),
            (self.total_mse, tf.reduce_sum(tf.square(y_true - y_pred) * weights, axis=0)),
            (self.count, tf.reduce_sum(weights, axis=0)),
            (self.num_samples, tf.size(y_true, out_type=tf.int32)),
        ]
        return [variable.assign_add(delta) for variable, delta in updates][-1]

    def result(self):
        if not self._built:
            return tf.constant(0.0, self._dtype)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1.0 - self.total_mse / total
        raw_scores = tf.where(tf.math.is_inf(raw_scores), tf.zeros_like(raw_scores), raw_scores)
        if self.class_aggregation == "uniform_average":
            r2 = tf.reduce_mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = tf.reduce_sum(total * raw_scores) / tf.reduce_sum(total)
        else:
            r2 = raw_scores
        if self.num_regressors:
            # adjusted R2; tf_keras falls back to plain R2 when n - 1 <= p
            n = tf.cast(self.num_samples, self._dtype)
            p = tf.constant(self.num_regressors, self._dtype)
            adjusted = 1.0 - (1.0 - r2) * (n - 1.0) / tf.maximum(n - p - 1.0, 1.0)
            r2 = tf.where(p < n - 1.0, adjusted, r2)
        return r2

    def reset_state(self) -> None:
        self.num_samples.assign(0)
        if self._built:
            for variable in (self.squared_sum, self.sum, self.total_mse, self.count):
                variable.assign(tf.zeros_like(variable))

    def get_config(self) -> dict:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
