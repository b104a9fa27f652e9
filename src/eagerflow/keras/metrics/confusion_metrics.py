"""Metrics computed from confusion-matrix counts at one or more thresholds: TruePositives and
friends, Precision, Recall, AUC, and the X-at-Y family (PrecisionAtRecall, ...).

A prediction counts as positive when it is strictly above a threshold; a label is positive
when it is non-zero. Counts are (weighted) sums kept in state variables of shape
(num_thresholds,) — or (num_thresholds, num_labels) for a multi-label AUC.
"""

from __future__ import annotations

from collections.abc import Sequence

import eagerflow as tf
from eagerflow.keras import backend
from eagerflow.keras.losses import squeeze_or_expand_dimensions
from eagerflow.keras.metrics.base_metric import Metric

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision",
           "Recall", "AUC", "PrecisionAtRecall", "RecallAtPrecision",
           "SensitivityAtSpecificity", "SpecificityAtSensitivity"]

NEG_INF = -1e10  # the score given to classes outside the top k
# state variable order, as tf_keras creates them
_CONDITIONS = ("true_positives", "true_negatives", "false_positives", "false_negatives")


def _as_list(value) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    if hasattr(value, "tolist"):
        out = value.tolist()
        return out if isinstance(out, list) else [out]
    return [value]


def _parse_thresholds(thresholds, default: float) -> list[float]:
    if thresholds is None:
        return [float(default)]
    values = [float(t) for t in _as_list(thresholds)]
    bad = [t for t in values if not 0.0 <= t <= 1.0]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {values}")
    return values


def _even_thresholds(num_thresholds: int) -> list[float]:
    """num_thresholds points spanning [0, 1], the ends nudged by epsilon so that
    predictions of exactly 0 and 1 fall inside."""
    eps = backend.epsilon()
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - eps] + inner + [1.0 + eps]


def _filter_top_k(y_pred, k: int):
    """Keep each row's k largest scores; the rest become NEG_INF."""
    _, indices = tf.math.top_k(y_pred, k, sorted=False)
    mask = tf.reduce_sum(tf.one_hot(indices, y_pred.shape[-1], dtype=y_pred.dtype), axis=-2)
    return y_pred * mask + NEG_INF * (1.0 - mask)


def update_confusion_matrix_variables(variables: dict, y_true, y_pred,
                                      thresholds: Sequence[float], top_k: int | None = None,
                                      class_id: int | None = None, sample_weight=None,
                                      multi_label: bool = False, label_weights=None,
                                      name: str = "metric"):
    """Add this batch's (weighted) counts to the variables named in `variables`
    ("true_positives", ...), one count per threshold (and per label if `multi_label`)."""
    dtype = next(iter(variables.values())).dtype
    y_true = tf.cast(y_true, dtype)
    y_pred = tf.cast(y_pred, dtype)
    y_pred, y_true, _ = squeeze_or_expand_dimensions(y_pred, y_true)
    if not y_pred.shape.is_compatible_with(y_true.shape):
        raise ValueError(f"{name}: `y_true` and `y_pred` must have the same shape, got "
                         f"{y_true.shape} and {y_pred.shape}.")
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = tf.gather(y_true, class_id, axis=-1)
        y_pred = tf.gather(y_pred, class_id, axis=-1)
    weights = tf.ones_like(y_pred)
    if sample_weight is not None:
        sample_weight = tf.cast(sample_weight, dtype)
        _, _, sample_weight = squeeze_or_expand_dimensions(y_pred, None, sample_weight)
        weights = weights * sample_weight
    if label_weights is not None and not multi_label:
        weights = weights * tf.cast(label_weights, dtype)
    if multi_label:  # (N, L) -> per threshold and label
        y_true = tf.reshape(y_true, [-1, y_true.shape[-1]])
        y_pred = tf.reshape(y_pred, [-1, y_pred.shape[-1]])
        weights = tf.reshape(weights, [-1, weights.shape[-1]])
        threshold_values = tf.reshape(tf.constant(thresholds, dtype), [-1, 1, 1])
    else:  # everything flattened -> per threshold
        y_true = tf.reshape(y_true, [-1])
        y_pred = tf.reshape(y_pred, [-1])
        weights = tf.reshape(weights, [-1])
        threshold_values = tf.reshape(tf.constant(thresholds, dtype), [-1, 1])
    pred_is_pos = tf.expand_dims(y_pred, 0) > threshold_values  # (T, N[, L])
    label_is_pos = tf.expand_dims(tf.not_equal(y_true, 0.0), 0)
    pred_is_neg = tf.logical_not(pred_is_pos)
    label_is_neg = tf.logical_not(label_is_pos)
    conditions = {
        "true_positives": (label_is_pos, pred_is_pos),
        "false_positives": (label_is_neg, pred_is_pos),
        "true_negatives": (label_is_neg, pred_is_neg),
        "false_negatives": (label_is_pos, pred_is_neg),
    }
    weights = tf.expand_dims(weights, 0)
    deltas = {}
    for key in variables:
        label, pred = conditions[key]
        hits = tf.cast(tf.logical_and(label, pred), dtype) * weights
        deltas[key] = tf.reduce_sum(hits, axis=1)
    # assigned only once all deltas exist: bad input changes no state
    return [variable.assign_add(deltas[key]) for key, variable in variables.items()]


class _ConfusionMatrixConditionCount(Metric):
    """The (weighted) count of one confusion-matrix cell per threshold."""

    _condition = "true_positives"

    def __init__(self, thresholds=None, name: str | None = None, dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        return update_confusion_matrix_variables(
            {self._condition: self.accumulator}, y_true, y_pred, self.thresholds,
            sample_weight=sample_weight, name=self.name)

    def result(self):
        if len(self.thresholds) == 1:
            return self.accumulator[0]
        return tf.identity(self.accumulator)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of positive labels predicted above the threshold."""

    _condition = "true_positives"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of negative labels predicted above the threshold."""

    _condition = "false_positives"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of negative labels predicted at or below the threshold."""

    _condition = "true_negatives"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of positive labels predicted at or below the threshold."""

    _condition = "false_negatives"


class _PrecisionRecallBase(Metric):
    def __init__(self, thresholds=None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        shape = (len(self.thresholds),)
        self.true_positives = self.add_weight("true_positives", shape=shape)
        other = self._other_condition
        setattr(self, other, self.add_weight(other, shape=shape))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's true positives and false positives (or negatives)."""
        other = self._other_condition
        return update_confusion_matrix_variables(
            {"true_positives": self.true_positives, other: getattr(self, other)}, y_true,
            y_pred, self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, name=self.name)

    def result(self):
        tp = self.true_positives
        value = tf.math.divide_no_nan(tp, tp + getattr(self, self._other_condition))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecallBase):
    """TP / (TP + FP): how many of the predicted positives are right."""

    _other_condition = "false_positives"


class Recall(_PrecisionRecallBase):
    """TP / (TP + FN): how many of the actual positives are found."""

    _other_condition = "false_negatives"


class _ConfusionMatrixAll(Metric):
    """Holds all four counts per threshold (shared by AUC and the X-at-Y metrics)."""

    def _build_counts(self, shape: tuple) -> None:
        for condition in _CONDITIONS:
            setattr(self, condition, self.add_weight(condition, shape=shape))

    def _counts(self) -> dict:
        return {condition: getattr(self, condition) for condition in _CONDITIONS}


class AUC(_ConfusionMatrixAll):
    """Area under the ROC or precision-recall curve, approximated by a Riemann sum over
    `num_thresholds` thresholds (or the Davis & Goadrich interpolation for PR)."""

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype=None, thresholds=None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights=None,
                 from_logits: bool = False) -> None:
        super().__init__(name=name, dtype=dtype)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"Invalid AUC curve value: {curve}. Expected values are "
                             "['ROC', 'PR']")
        summation_method = str(summation_method).lower()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"Invalid AUC summation method value: {summation_method}. "
                             "Expected values are ['interpolation', 'majoring', 'minoring']")
        self.curve = curve
        self.summation_method = summation_method
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
            eps = backend.epsilon()
            self.thresholds = [0.0 - eps] + inner + [1.0 + eps]
            self._explicit_thresholds = inner
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            self.thresholds = _even_thresholds(num_thresholds)
            self._explicit_thresholds = None
        self.multi_label = multi_label
        self.from_logits = from_logits
        if label_weights is not None:
            label_weights = [float(w) for w in _as_list(label_weights)]
            if any(w < 0 for w in label_weights):
                raise ValueError("All values of `label_weights` must be non-negative. "
                                 f"Received: label_weights={label_weights}")
        self.label_weights = label_weights
        self.num_labels = num_labels
        self._built = False
        if not multi_label:
            self._build_counts((self.num_thresholds,))
            self._built = True
        elif num_labels is not None:
            self._build_counts((self.num_thresholds, num_labels))
            self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's four confusion counts at every threshold."""
        y_pred = tf.convert_to_tensor(y_pred)
        if not self._built:
            if y_pred.shape.rank != 2 or y_pred.shape[-1] is None:
                raise ValueError(f"{self.name}: a multi-label AUC needs predictions of shape "
                                 f"(batch, num_labels) with a known num_labels, got "
                                 f"{y_pred.shape}. Pass `num_labels=` to AUC().")
            self._build_counts((self.num_thresholds, int(y_pred.shape[-1])))
            self._built = True
        if self.from_logits:
            y_pred = tf.sigmoid(y_pred)
        return update_confusion_matrix_variables(
            self._counts(), y_true, y_pred, self.thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights, name=self.name)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def _average_labels(self, by_label):
        if not self.multi_label:
            return tf.reduce_sum(by_label)
        per_label = tf.reduce_sum(by_label, axis=0)
        if self.label_weights is None:
            return tf.reduce_mean(per_label)
        label_weights = tf.constant(self.label_weights, per_label.dtype)
        return tf.math.divide_no_nan(tf.reduce_sum(per_label * label_weights),
                                     tf.reduce_sum(label_weights))

    def _interpolate_pr_auc(self):
        """PR-AUC with precision interpolated between thresholds (Davis & Goadrich 2006)."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        zero = tf.zeros_like(dp)
        slope = tf.math.divide_no_nan(dtp, tf.maximum(dp, zero))
        intercept = tp[1:] - slope * p[1:]
        both_positive = tf.logical_and(p[: n - 1] > 0, p[1:] > 0)
        safe_ratio = tf.where(both_positive,
                              tf.math.divide_no_nan(p[: n - 1], tf.maximum(p[1:], zero)),
                              tf.ones_like(p[1:]))
        increments = tf.math.divide_no_nan(slope * (dtp + intercept * tf.math.log(safe_ratio)),
                                           tf.maximum(tp[1:] + fn[1:], zero))
        return self._average_labels(increments)

    def result(self):
        if not self._built:
            return tf.constant(0.0, self._dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = tf.math.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = tf.math.divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, tf.math.divide_no_nan(tp, tp + fp)
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = tf.minimum(y[: n - 1], y[1:])
        else:
            heights = tf.maximum(y[: n - 1], y[1:])
        return self._average_labels((x[: n - 1] - x[1:]) * heights)

    def get_config(self) -> dict:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self.from_logits}
        if self._explicit_thresholds is not None:
            config["thresholds"] = list(self._explicit_thresholds)
        return config

    @classmethod
    def from_config(cls, config: dict) -> AUC:
        config = dict(config)
        if "thresholds" in config:
            config.pop("num_thresholds", None)
        return cls(**config)


def _max_under_constraint(constrained, dependent, value):
    """max(dependent) over thresholds where constrained >= value; 0 when none qualifies."""
    feasible = constrained >= value
    candidates = tf.where(feasible, dependent, tf.fill(tf.shape(dependent), float("-inf")))
    best = tf.reduce_max(candidates)
    return tf.where(tf.reduce_any(feasible), best, tf.zeros_like(best))


class _SensitivitySpecificityBase(_ConfusionMatrixAll):
    _value_name = "value"

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. "
                             f"Received: {self._value_name}={value}")
        if not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value = value
        self.class_id = class_id
        self.num_thresholds = num_thresholds
        self.thresholds = [0.5] if num_thresholds == 1 else _even_thresholds(num_thresholds)
        self._build_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's four confusion counts at every threshold."""
        return update_confusion_matrix_variables(
            self._counts(), y_true, y_pred, self.thresholds, class_id=self.class_id,
            sample_weight=sample_weight, name=self.name)

    def _rates(self) -> dict:
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        return {"sensitivity": tf.math.divide_no_nan(tp, tp + fn),
                "specificity": tf.math.divide_no_nan(tn, tn + fp),
                "precision": tf.math.divide_no_nan(tp, tp + fp)}

    def get_config(self) -> dict:
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best recall among thresholds whose specificity is >= `specificity`."""

    _value_name = "specificity"

    def __init__(self, specificity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype=None) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return _max_under_constraint(rates["specificity"], rates["sensitivity"], self.value)


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity among thresholds whose recall is >= `sensitivity`."""

    _value_name = "sensitivity"

    def __init__(self, sensitivity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype=None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return _max_under_constraint(rates["sensitivity"], rates["specificity"], self.value)


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision among thresholds whose recall is >= `recall`."""

    _value_name = "recall"

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype=None) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return _max_under_constraint(rates["sensitivity"], rates["precision"], self.value)


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall among thresholds whose precision is >= `precision`."""

    _value_name = "precision"

    def __init__(self, precision: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype=None) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return _max_under_constraint(rates["precision"], rates["sensitivity"], self.value)
