"""`tf.keras.metrics`: stateful metric objects, metric functions, and lookup by name.

Metric state lives in tf.Variables, so metrics update inside the compiled train step;
`get("accuracy")` and friends return the function forms, as tf_keras does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eagerflow.keras.initializers import deserialize_object, serialize_object
from eagerflow.keras.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from eagerflow.keras.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from eagerflow.keras.metrics.base_metric import Mean, MeanMetricWrapper, MeanTensor, Metric, Sum
from eagerflow.keras.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from eagerflow.keras.metrics.f_score_metrics import F1Score, FBetaScore
from eagerflow.keras.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from eagerflow.keras.metrics.regression_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    R2Score,
    RootMeanSquaredError,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)

MSE = mse
MAE = mae
MAPE = mape
MSLE = msle
KLD = kld

_CLASSES = (Metric, Mean, Sum, MeanMetricWrapper, MeanTensor, Accuracy, BinaryAccuracy,
            CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
            SparseTopKCategoricalAccuracy, AUC, FalseNegatives, FalsePositives, TrueNegatives,
            TruePositives, Precision, Recall, PrecisionAtRecall, RecallAtPrecision,
            SensitivityAtSpecificity, SpecificityAtSensitivity, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy, CategoricalHinge,
            CosineSimilarity, Hinge, SquaredHinge, KLDivergence, LogCoshError,
            MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
            MeanSquaredLogarithmicError, Poisson, RootMeanSquaredError, R2Score, F1Score,
            FBetaScore, IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU)
_FUNCTIONS = (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
              binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
              categorical_focal_crossentropy, sparse_categorical_crossentropy, hinge,
              squared_hinge, categorical_hinge, kl_divergence, poisson, log_cosh,
              mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error)
_OBJECTS: dict[str, Any] = (
    {cls.__name__: cls for cls in _CLASSES} | {fn.__name__: fn for fn in _FUNCTIONS}
    | {"acc": accuracy, "mse": mse, "mae": mae, "mape": mape, "msle": msle, "kld": kld,
       "MSE": mse, "MAE": mae, "MAPE": mape, "MSLE": msle, "KLD": kld, "logcosh": log_cosh,
       "kullback_leibler_divergence": kl_divergence, "auc": AUC})

__all__ = sorted({cls.__name__ for cls in _CLASSES} | {fn.__name__ for fn in _FUNCTIONS} | {
    "MSE", "MAE", "MAPE", "MSLE", "KLD", "mse", "mae", "mape", "msle", "kld", "logcosh",
    "kullback_leibler_divergence", "get", "serialize", "deserialize"})


def serialize(metric: Metric | Callable) -> dict:
    """A Metric as `{"module": "keras.metrics", ...}`; a function as the
    `{"class_name": "function", "config": name}` dict tf_keras writes."""
    if isinstance(metric, Metric):
        return serialize_object(metric, module="keras.metrics")
    name = getattr(metric, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize metric {metric!r}: it is neither a Metric nor a "
                         "named function.")
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def deserialize(config: dict | str, custom_objects: dict | None = None,
                use_legacy_format: bool = False) -> Metric | Callable:
    """A metric function (for function names) or Metric object (for class names / dicts)."""
    return deserialize_object(config, _OBJECTS, custom_objects, "metric function")


def get(identifier: Any) -> Metric | Callable:
    """The metric for `compile(metrics=[...])`: a name or dict -> the function or object,
    a Metric class -> an instance, a callable -> itself."""
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")
