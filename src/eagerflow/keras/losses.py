"""`tf.keras.losses`: loss functions, the Loss classes that weight and reduce them, and lookup.

tf_keras 2.x semantics: a loss function maps (y_true, y_pred) to one value per sample (the
last axis reduced); a Loss object then applies `sample_weight` and its `reduction`
("sum_over_batch_size" by default: the weighted sum divided by the number of elements).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import eagerflow as tf
from eagerflow.keras import backend
from eagerflow.keras.serialization_helpers import (
    deserialize_object,
    get_object,
    serialize_object_or_function,
    snake_case,
)

__all__ = ["Reduction", "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "BinaryCrossentropy",
           "BinaryFocalCrossentropy", "CategoricalCrossentropy",
           "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy", "Hinge",
           "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson", "Huber", "LogCosh",
           "CosineSimilarity", "mean_squared_error", "mean_absolute_error",
           "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
           "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
           "categorical_focal_crossentropy", "sparse_categorical_crossentropy", "hinge",
           "squared_hinge", "categorical_hinge", "kl_divergence", "kld",
           "kullback_leibler_divergence", "poisson", "huber", "log_cosh", "logcosh",
           "cosine_similarity", "mse", "mae", "mape", "msle", "MSE", "MAE", "MAPE", "MSLE",
           "KLD", "get", "serialize", "deserialize", "compute_weighted_loss"]


class Reduction:
    """How a Loss object combines per-sample losses into its result."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
    # Keras 3 names: "mean" is sum_over_batch_size; "mean_with_sample_weight" divides by
    # the sum of the (broadcast) sample weights instead of the element count.
    MEAN = "mean"
    MEAN_WITH_SAMPLE_WEIGHT = "mean_with_sample_weight"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        """The tf_keras reduction names."""
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key: Any) -> str:
        """`key` as a known reduction name (None means 'none', as in Keras 3)."""
        if key is None:
            return cls.NONE
        if key not in cls.all() + (cls.MEAN, cls.MEAN_WITH_SAMPLE_WEIGHT):
            raise ValueError(f"Invalid Reduction Key: {key}. Expected keys are "
                             f"\"{cls.all()}\"")
        return key


# --- shape and weighting helpers --------------------------------------------------------
def _rank(x) -> int | None:
    return x.shape.rank


def _last_dim(x) -> int | None:
    return x.shape[-1] if x.shape.rank else None


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Align ranks as Keras does: drop a trailing size-1 axis of whichever of y_true/y_pred has
    one axis more, and squeeze or expand `sample_weight` by one axis to match y_pred."""
    if y_true is not None:
        pred_rank, true_rank = _rank(y_pred), _rank(y_true)
        if pred_rank is not None and true_rank is not None:
            if true_rank - pred_rank == 1 and _last_dim(y_true) == 1:
                y_true = tf.squeeze(y_true, -1)
            elif pred_rank - true_rank == 1 and _last_dim(y_pred) == 1:
                y_pred = tf.squeeze(y_pred, -1)
    if sample_weight is not None:
        pred_rank, weight_rank = _rank(y_pred), _rank(sample_weight)
        if pred_rank is not None and weight_rank is not None and weight_rank > 0:
            if weight_rank - pred_rank == 1 and _last_dim(sample_weight) == 1:
                sample_weight = tf.squeeze(sample_weight, -1)
            elif pred_rank - weight_rank == 1:
                sample_weight = tf.expand_dims(sample_weight, -1)
    return y_pred, y_true, sample_weight


def _check_weight_shape(losses, sample_weight, name: str) -> None:
    loss_shape, weight_shape = losses.shape, sample_weight.shape
    if loss_shape.rank is None or weight_shape.rank is None:
        return
    try:
        tf.broadcast_static_shape(loss_shape, weight_shape)
    except ValueError:
        pass
    else:
        return
    raise ValueError(f"{name}: `sample_weight` of shape {weight_shape} cannot be broadcast to "
                     f"the per-sample losses of shape {loss_shape}. Pass one weight per sample "
                     "(shape (batch,)) or per element.")


def _sum_over_count(losses, total):
    """`total` (the sum of `losses`) divided by the number of losses (0 when there are none).

    With a static, non-zero count this is reduce_mean of the losses: the same quotient, one
    kernel instead of four, and a gradient that folds to a constant in compiled code."""
    shape = losses.shape
    if shape.rank is not None and None not in shape.as_list() and shape.num_elements():
        return tf.reduce_mean(losses)
    count = tf.cast(tf.size(losses), losses.dtype)
    return tf.math.divide_no_nan(total, count)


def compute_weighted_loss(losses, sample_weight=None, reduction: str = Reduction.AUTO,
                          name: str = "loss"):
    """Multiply per-sample `losses` by `sample_weight` (broadcast) and reduce them."""
    reduction = Reduction.validate(reduction)
    if reduction in (Reduction.AUTO, Reduction.MEAN):
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    losses = tf.convert_to_tensor(losses)
    input_dtype = losses.dtype
    if not input_dtype.is_floating or input_dtype in (tf.float16, tf.bfloat16):
        losses = tf.cast(losses, tf.float32)  # reduce in at least float32, as Keras does
    if sample_weight is not None:
        sample_weight = tf.cast(tf.convert_to_tensor(sample_weight), losses.dtype)
        losses, _, sample_weight = squeeze_or_expand_dimensions(losses, None, sample_weight)
        _check_weight_shape(losses, sample_weight, name)
        losses = losses * sample_weight
    if reduction == Reduction.NONE:
        loss = losses
    else:
        loss = tf.reduce_sum(losses)
        if reduction == Reduction.SUM_OVER_BATCH_SIZE or (
                reduction == Reduction.MEAN_WITH_SAMPLE_WEIGHT and sample_weight is None):
            loss = _sum_over_count(losses, loss)
        elif reduction == Reduction.MEAN_WITH_SAMPLE_WEIGHT:
            total_weight = tf.reduce_sum(sample_weight * tf.ones_like(losses))
            loss = tf.math.divide_no_nan(loss, total_weight)
    return tf.cast(loss, input_dtype) if loss.dtype != input_dtype else loss


def get_mask(x):
    """The Keras mask carried by a tensor (`_keras_mask`), or None."""
    return getattr(x, "_keras_mask", None)


def _combined_mask(first, second):
    if first is None or second is None:
        return first if second is None else second
    return tf.logical_and(tf.cast(first, tf.bool), tf.cast(second, tf.bool))


def apply_valid_mask(losses, sample_weight, mask, reduction: str):
    """Fold a boolean `mask` into `sample_weight`. For mean reductions the valid entries are
    scaled by total / valid, so the mean is taken over valid entries only."""
    if mask is None:
        return sample_weight
    mask = tf.cast(mask, losses.dtype)
    if reduction in (Reduction.AUTO, Reduction.SUM_OVER_BATCH_SIZE, Reduction.MEAN):
        total = tf.cast(tf.size(mask), losses.dtype)
        mask = mask * tf.math.divide_no_nan(total, tf.reduce_sum(mask))
    if sample_weight is None:
        return mask
    sample_weight = tf.cast(sample_weight, losses.dtype)
    mask, _, sample_weight = squeeze_or_expand_dimensions(mask, None, sample_weight)
    return sample_weight * mask


# --- Loss classes ----------------------------------------------------------------------
class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample losses;
    `__call__` weights and reduces them."""

    def __init__(self, reduction: str = Reduction.AUTO, name: str | None = None) -> None:
        self.reduction = Reduction.validate(reduction)
        self.name = name if name is not None else _snake_case(type(self).__name__)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The weighted, reduced loss of a batch. Entries masked out by a Keras mask on
        y_pred (or on the per-sample losses) count for nothing, as in tf_keras."""
        per_sample = self.call(y_true, y_pred)
        mask = _combined_mask(get_mask(y_pred), get_mask(per_sample))
        sample_weight = apply_valid_mask(per_sample, sample_weight, mask, self.reduction)
        return compute_weighted_loss(per_sample, sample_weight, self.reduction, self.name)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


_snake_case = snake_case  # the name metrics/base_metric.py imports


def _check_broadcastable(y_true, y_pred, name: str) -> None:
    if y_true.shape.rank is None or y_pred.shape.rank is None:
        return
    try:
        tf.broadcast_static_shape(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(f"{name}: `y_true` and `y_pred` have incompatible shapes "
                         f"{y_true.shape} and {y_pred.shape}. They must be equal (or "
                         "broadcastable).") from None


class LossFunctionWrapper(Loss):
    """A Loss that calls a loss function `fn(y_true, y_pred, **kwargs)` per sample."""

    def __init__(self, fn: Callable, reduction: str = Reduction.AUTO, name: str | None = None,
                 **kwargs) -> None:
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None))
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_pred = tf.convert_to_tensor(y_pred)
        y_true = tf.convert_to_tensor(y_true)
        y_pred, y_true, _ = squeeze_or_expand_dimensions(y_pred, y_true)
        if self.fn not in _CHECKS_OWN_SHAPES:
            _check_broadcastable(y_true, y_pred, self.name)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = dict(self._fn_kwargs)
        config.update(super().get_config())
        config["fn"] = getattr(self.fn, "__name__", None)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        config = dict(config)
        config.pop("dtype", None)  # Keras 3 losses may record a compute dtype
        fn_name = config.pop("fn", None)
        if cls is LossFunctionWrapper:
            config["fn"] = get(fn_name)
        return cls(**config)


# --- loss functions (per sample: the last axis is reduced) -------------------------------
def _operands(y_true, y_pred):
    y_pred = tf.convert_to_tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = tf.cast(y_pred, backend.floatx())
    y_true = tf.cast(y_true, y_pred.dtype)
    return y_true, y_pred


def _epsilon(dtype) -> Any:
    return tf.constant(backend.epsilon(), dtype)


def mean_squared_error(y_true, y_pred) -> tf.Tensor:
    """mean((y_pred - y_true) ** 2, axis=-1)."""
    y_true, y_pred = _operands(y_true, y_pred)
    return tf.reduce_mean(tf.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred) -> tf.Tensor:
    """mean(|y_pred - y_true|, axis=-1)."""
    y_true, y_pred = _operands(y_true, y_pred)
    return tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred) -> tf.Tensor:
    """100 * mean(|y_true - y_pred| / max(|y_true|, epsilon), axis=-1)."""
    y_true, y_pred = _operands(y_true, y_pred)
    diff = tf.abs((y_true - y_pred) / tf.maximum(tf.abs(y_true), _epsilon(y_pred.dtype)))
    return tf.constant(100.0, y_pred.dtype) * tf.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred) -> tf.Tensor:
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)."""
    y_true, y_pred = _operands(y_true, y_pred)
    eps = _epsilon(y_pred.dtype)
    first = tf.math.log(tf.maximum(y_pred, eps) + 1.0)
    second = tf.math.log(tf.maximum(y_true, eps) + 1.0)
    return tf.reduce_mean(tf.square(first - second), axis=-1)


def _to_signed_labels(y_true):
    """Hinge losses take labels in {-1, 1}; {0, 1} labels are converted as Keras does."""
    is_binary = tf.reduce_all(tf.logical_or(tf.equal(y_true, 0), tf.equal(y_true, 1)))
    return tf.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred) -> tf.Tensor:
    """mean(max(1 - y_true * y_pred, 0), axis=-1), labels -1/1 (0/1 converted)."""
    y_true, y_pred = _operands(y_true, y_pred)
    y_true = _to_signed_labels(y_true)
    return tf.reduce_mean(tf.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred) -> tf.Tensor:
    """mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1), labels -1/1 (0/1 converted)."""
    y_true, y_pred = _operands(y_true, y_pred)
    y_true = _to_signed_labels(y_true)
    return tf.reduce_mean(tf.square(tf.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred) -> tf.Tensor:
    """max(0, 1 + max((1 - y_true) * y_pred) - sum(y_true * y_pred)) for one-hot y_true."""
    y_true, y_pred = _operands(y_true, y_pred)
    positive = tf.reduce_sum(y_true * y_pred, axis=-1)
    negative = tf.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return tf.maximum(negative - positive + 1.0, 0.0)


def huber(y_true, y_pred, delta: float = 1.0) -> tf.Tensor:
    """Quadratic for |error| <= delta, linear beyond: mean over the last axis."""
    y_true, y_pred = _operands(y_true, y_pred)
    delta = tf.constant(delta, y_pred.dtype)
    error = y_pred - y_true
    abs_error = tf.abs(error)
    quadratic = 0.5 * tf.square(error)
    linear = delta * abs_error - 0.5 * tf.square(delta)
    return tf.reduce_mean(tf.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred) -> tf.Tensor:
    """mean(log(cosh(y_pred - y_true)), axis=-1), computed without overflow."""
    y_true, y_pred = _operands(y_true, y_pred)
    x = y_pred - y_true
    log2 = tf.constant(0.6931471805599453, y_pred.dtype)
    return tf.reduce_mean(x + tf.math.softplus(-2.0 * x) - log2, axis=-1)


def kl_divergence(y_true, y_pred) -> tf.Tensor:
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1]."""
    y_true, y_pred = _operands(y_true, y_pred)
    eps = _epsilon(y_pred.dtype)
    one = tf.constant(1, y_pred.dtype)
    y_true = tf.clip_by_value(y_true, eps, one)
    y_pred = tf.clip_by_value(y_pred, eps, one)
    return tf.reduce_sum(y_true * tf.math.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred) -> tf.Tensor:
    """mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)."""
    y_true, y_pred = _operands(y_true, y_pred)
    return tf.reduce_mean(y_pred - y_true * tf.math.log(y_pred + _epsilon(y_pred.dtype)),
                          axis=-1)


def cosine_similarity(y_true, y_pred, axis: int = -1) -> tf.Tensor:
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): -1 when aligned."""
    y_true, y_pred = _operands(y_true, y_pred)
    y_true = tf.math.l2_normalize(y_true, axis=axis)
    y_pred = tf.math.l2_normalize(y_pred, axis=axis)
    return -tf.reduce_sum(y_true * y_pred, axis=axis)


def _probability_logits(output, kind: str, axis: int = -1):
    """The logits behind probabilities made by a softmax/sigmoid (see activations.logits_of),
    cast to the output's dtype; None when unknown."""
    from eagerflow.keras.activations import logits_of

    logits = logits_of(output, kind, axis)
    if logits is None or logits.shape.rank != output.shape.rank:
        return None
    return logits if logits.dtype == output.dtype else tf.cast(logits, output.dtype)


def _elementwise_binary_crossentropy(target, output, from_logits: bool):
    if not from_logits:
        logits = _probability_logits(output, "sigmoid")
        if logits is not None:
            output, from_logits = logits, True
    if from_logits:
        return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = _epsilon(output.dtype)
    output = tf.clip_by_value(output, eps, 1.0 - eps)
    bce = target * tf.math.log(output + eps)
    bce += (1.0 - target) * tf.math.log(1.0 - output + eps)
    return -bce


def _smooth_binary(y_true, label_smoothing: float):
    if not label_smoothing:
        return y_true
    smoothing = tf.constant(label_smoothing, y_true.dtype)
    return y_true * (1.0 - smoothing) + 0.5 * smoothing


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> tf.Tensor:
    """Mean over `axis` of -(y log p + (1 - y) log(1 - p)), p clipped to [eps, 1 - eps];
    with `from_logits`, the stable sigmoid cross-entropy of the logits."""
    y_true, y_pred = _operands(y_true, y_pred)
    _check_broadcastable(y_true, y_pred, "binary_crossentropy")
    y_true = _smooth_binary(y_true, label_smoothing)
    return tf.reduce_mean(_elementwise_binary_crossentropy(y_true, y_pred, from_logits),
                          axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1) -> tf.Tensor:
    """Binary cross-entropy scaled by (1 - p_t) ** gamma, focusing on hard examples
    (Lin et al., 2017); `apply_class_balancing` also weights positives by `alpha`."""
    y_true, y_pred = _operands(y_true, y_pred)
    _check_broadcastable(y_true, y_pred, "binary_focal_crossentropy")
    y_true = _smooth_binary(y_true, label_smoothing)
    probabilities = tf.sigmoid(y_pred) if from_logits else y_pred
    p_t = y_true * probabilities + (1.0 - y_true) * (1.0 - probabilities)
    focal = tf.pow(1.0 - p_t, tf.constant(gamma, y_pred.dtype))
    loss = focal * _elementwise_binary_crossentropy(y_true, y_pred, from_logits)
    if apply_class_balancing:
        alpha_t = tf.constant(alpha, y_pred.dtype)
        loss = (y_true * alpha_t + (1.0 - y_true) * (1.0 - alpha_t)) * loss
    return tf.reduce_mean(loss, axis=axis)


def _check_same_shape(y_true, y_pred, name: str) -> None:
    if not y_true.shape.is_compatible_with(y_pred.shape):
        raise ValueError(f"{name}: Shapes {y_true.shape} and {y_pred.shape} are incompatible: "
                         "`y_true` must be one-hot (or probabilities) with y_pred's shape. For "
                         "integer class labels use sparse_categorical_crossentropy.")


def _smooth_categorical(y_true, label_smoothing: float, axis: int):
    if not label_smoothing:
        return y_true
    smoothing = tf.constant(label_smoothing, y_true.dtype)
    num_classes = tf.cast(tf.shape(y_true)[axis], y_true.dtype)
    return y_true * (1.0 - smoothing) + smoothing / num_classes


def _categorical_log_probs(y_pred, from_logits: bool, axis: int):
    if from_logits:
        return tf.nn.log_softmax(y_pred, axis=axis)
    eps = _epsilon(y_pred.dtype)
    y_pred = y_pred / tf.reduce_sum(y_pred, axis=axis, keepdims=True)
    return tf.math.log(tf.clip_by_value(y_pred, eps, 1.0 - eps))


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> tf.Tensor:
    """-sum(y_true * log(p), axis) with p = y_pred normalised and clipped to [eps, 1 - eps],
    or p = softmax(y_pred) with `from_logits` (the fused stable op)."""
    y_true, y_pred = _operands(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "categorical_crossentropy")
    y_true = _smooth_categorical(y_true, label_smoothing, axis)
    if not from_logits:
        logits = _probability_logits(y_pred, "softmax", axis)
        if logits is not None:
            y_pred, from_logits = logits, True
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    return -tf.reduce_sum(y_true * _categorical_log_probs(y_pred, False, axis), axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1) -> tf.Tensor:
    """sum(-alpha * (1 - p) ** gamma * y_true * log(p), axis): categorical cross-entropy that
    down-weights well-classified examples."""
    y_true, y_pred = _operands(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "categorical_focal_crossentropy")
    y_true = _smooth_categorical(y_true, label_smoothing, axis)
    log_probs = _categorical_log_probs(y_pred, from_logits, axis)
    probabilities = tf.exp(log_probs)
    modulating = tf.pow(1.0 - probabilities, tf.constant(gamma, y_pred.dtype))
    loss = -tf.constant(alpha, y_pred.dtype) * modulating * y_true * log_probs
    return tf.reduce_sum(loss, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, axis: int = -1,
                                    ignore_class: int | None = None) -> tf.Tensor:
    """-log(p[label]) per sample for integer labels; labels of shape y_pred.shape[:-1] (or
    with a trailing 1). Samples labelled `ignore_class` get loss 0."""
    y_pred = tf.convert_to_tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = tf.cast(y_pred, backend.floatx())
    y_true = tf.convert_to_tensor(y_true)
    if not from_logits:
        logits = _probability_logits(y_pred, "softmax", axis)
        if logits is not None:
            y_pred, from_logits = logits, True
    rank = y_pred.shape.rank
    if rank is not None:
        axis = axis % rank
        if axis != rank - 1:
            perm = [i for i in range(rank) if i != axis] + [axis]
            y_pred = tf.transpose(y_pred, perm)
    if y_true.shape.rank is not None and rank is not None and y_true.shape.rank == rank:
        if y_true.shape[-1] not in (1, None):
            raise ValueError(
                "sparse_categorical_crossentropy: `y_true` must hold integer class indices of "
                f"shape {y_pred.shape[:-1]} (or with a trailing 1), got shape {y_true.shape} "
                f"for y_pred of shape {y_pred.shape}. For one-hot labels use "
                "categorical_crossentropy.")
        y_true = tf.squeeze(y_true, -1)
    # the op takes int32 or int64 labels: others (floats, small ints) are cast to int64
    labels = y_true if y_true.dtype in (tf.int32, tf.int64) else tf.cast(y_true, tf.int64)
    valid = None
    if ignore_class is not None:
        valid = tf.not_equal(labels, ignore_class)
        labels = tf.where(valid, labels, tf.zeros_like(labels))
    if from_logits:
        logits = y_pred
    else:
        eps = _epsilon(y_pred.dtype)
        logits = tf.math.log(tf.clip_by_value(y_pred, eps, 1.0 - eps))
    if labels.shape.rank is not None and rank is not None and labels.shape.rank != rank - 1:
        raise ValueError(
            f"sparse_categorical_crossentropy: `y_true` of shape {y_true.shape} does not match "
            f"`y_pred` of shape {y_pred.shape}: expected labels of shape {y_pred.shape[:-1]}.")
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    if valid is not None:
        loss = loss * tf.cast(valid, loss.dtype)
        loss._keras_mask = valid  # Loss objects and metrics then average over valid samples
    return loss


# these raise their own, more specific shape errors
_CHECKS_OWN_SHAPES = (categorical_crossentropy, categorical_focal_crossentropy,
                      sparse_categorical_crossentropy)

# aliases, as tf.keras.losses exports them
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


_AUTO = Reduction.AUTO


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors between labels and predictions."""

    def __init__(self, reduction: str = _AUTO, name: str = "mean_squared_error") -> None:
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors."""

    def __init__(self, reduction: str = _AUTO, name: str = "mean_absolute_error") -> None:
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """100 * mean of |error| / |y_true|."""

    def __init__(self, reduction: str = _AUTO,
                 name: str = "mean_absolute_percentage_error") -> None:
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean of squared differences of log(1 + value)."""

    def __init__(self, reduction: str = _AUTO,
                 name: str = "mean_squared_logarithmic_error") -> None:
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy of 0/1 labels against probabilities (or logits with `from_logits`)."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str = _AUTO, name: str = "binary_crossentropy") -> None:
        super().__init__(binary_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy down-weighting easy examples by (1 - p_t) ** gamma."""

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str = _AUTO,
                 name: str = "binary_focal_crossentropy") -> None:
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of one-hot labels against class probabilities (or logits)."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str = _AUTO, name: str = "categorical_crossentropy") -> None:
        super().__init__(categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy down-weighting well-classified examples."""

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1, reduction: str = _AUTO,
                 name: str = "categorical_focal_crossentropy") -> None:
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of integer class labels against class probabilities (or logits).

    With `ignore_class`, samples with that label are masked out: they add nothing and the
    "sum_over_batch_size" mean is taken over the remaining samples only (tf_keras).
    """

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str = _AUTO, name: str = "sparse_categorical_crossentropy") -> None:
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, ignore_class=ignore_class)


class Hinge(LossFunctionWrapper):
    """Hinge loss for -1/1 (or 0/1) labels."""

    def __init__(self, reduction: str = _AUTO, name: str = "hinge") -> None:
        super().__init__(hinge, reduction=reduction, name=name)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss for -1/1 (or 0/1) labels."""

    def __init__(self, reduction: str = _AUTO, name: str = "squared_hinge") -> None:
        super().__init__(squared_hinge, reduction=reduction, name=name)


class CategoricalHinge(LossFunctionWrapper):
    """Hinge loss between the true class score and the best wrong class score."""

    def __init__(self, reduction: str = _AUTO, name: str = "categorical_hinge") -> None:
        super().__init__(categorical_hinge, reduction=reduction, name=name)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence of y_pred from y_true."""

    def __init__(self, reduction: str = _AUTO, name: str = "kl_divergence") -> None:
        super().__init__(kl_divergence, reduction=reduction, name=name)


class Poisson(LossFunctionWrapper):
    """Poisson negative log-likelihood (up to a constant)."""

    def __init__(self, reduction: str = _AUTO, name: str = "poisson") -> None:
        super().__init__(poisson, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """Quadratic for small errors, linear for errors beyond `delta`."""

    def __init__(self, delta: float = 1.0, reduction: str = _AUTO,
                 name: str = "huber_loss") -> None:
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Mean of log(cosh(error)): about x**2/2 for small errors, |x| - log 2 for large."""

    def __init__(self, reduction: str = _AUTO, name: str = "log_cosh") -> None:
        super().__init__(log_cosh, reduction=reduction, name=name)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along `axis` (-1 for identical directions)."""

    def __init__(self, axis: int = -1, reduction: str = _AUTO,
                 name: str = "cosine_similarity") -> None:
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)


# --- lookup ------------------------------------------------------------------------------
_CLASSES = (Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, BinaryCrossentropy,
            BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
            SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge, KLDivergence,
            Poisson, Huber, LogCosh, CosineSimilarity)
_FUNCTIONS = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error, binary_crossentropy, binary_focal_crossentropy,
              categorical_crossentropy, categorical_focal_crossentropy,
              sparse_categorical_crossentropy, hinge, squared_hinge, categorical_hinge,
              kl_divergence, poisson, huber, log_cosh, cosine_similarity)
_OBJECTS: dict[str, Any] = (
    {cls.__name__: cls for cls in _CLASSES} | {fn.__name__: fn for fn in _FUNCTIONS}
    | {"mse": mse, "mae": mae, "mape": mape, "msle": msle, "kld": kld, "MSE": mse, "MAE": mae,
       "MAPE": mape, "MSLE": msle, "KLD": kld, "kullback_leibler_divergence": kl_divergence,
       "logcosh": log_cosh, "huber_loss": huber})


def serialize(loss: Loss | Callable) -> dict | str:
    """A Loss object as `{"module": "keras.losses", ...}`; a built-in function as the
    `{"class_name": "function", "config": name}` dict tf_keras writes."""
    return serialize_object_or_function(loss, Loss, "keras.losses", "loss")


def deserialize(name: str | dict, custom_objects: dict | None = None,
                use_legacy_format: bool = False) -> Loss | Callable:
    """A loss function (for function names) or Loss object (for class names / dicts)."""
    return deserialize_object(name, _OBJECTS, custom_objects, "loss function")


def get(identifier: Any) -> Loss | Callable | None:
    """The loss for `compile(loss=...)`: None -> None, a name or dict -> the function or
    object, a Loss class -> an instance, a callable -> itself."""
    return get_object(identifier, deserialize, "loss function", base=Loss)
