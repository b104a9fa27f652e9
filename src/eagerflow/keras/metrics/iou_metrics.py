"""Intersection-over-union metrics for segmentation and classification: IoU, MeanIoU,
BinaryIoU, OneHotIoU, OneHotMeanIoU, all from one accumulated confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import eagerflow as tf
from eagerflow.keras.metrics.base_metric import Metric

__all__ = ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"]


class _IoUBase(Metric):
    """Accumulates a (num_classes, num_classes) confusion matrix: rows are true classes,
    columns predicted classes. Labels equal to `ignore_class` are left out."""

    def __init__(self, num_classes: int, name: str | None = None, dtype=None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(name=name, dtype=dtype)
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"`num_classes` must be a positive integer. Received: "
                             f"num_classes={num_classes}")
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight("total_confusion_matrix",
                                        shape=(num_classes, num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's (weighted) label/prediction pairs to the confusion matrix."""
        if not self.sparse_y_true:
            y_true = tf.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = tf.argmax(y_pred, axis=self.axis)
        y_true = tf.reshape(tf.cast(y_true, tf.int32), [-1])
        y_pred = tf.reshape(tf.cast(y_pred, tf.int32), [-1])
        weights = tf.ones_like(y_true, dtype=self._dtype)
        if sample_weight is not None:
            weights = weights * tf.reshape(tf.cast(sample_weight, self._dtype), [-1])
        if self.ignore_class is not None:
            valid = tf.not_equal(y_true, self.ignore_class)
            weights = weights * tf.cast(valid, self._dtype)
            y_true = tf.where(valid, y_true, tf.zeros_like(y_true))  # weight 0 anyway
        true_one_hot = tf.one_hot(y_true, self.num_classes, dtype=self._dtype)
        pred_one_hot = tf.one_hot(y_pred, self.num_classes, dtype=self._dtype)
        batch_cm = tf.matmul(true_one_hot * tf.expand_dims(weights, -1), pred_one_hot,
                             transpose_a=True)
        return self.total_cm.assign_add(batch_cm)

    def _class_ious(self):
        """(true positives, union) per class."""
        predicted = tf.reduce_sum(self.total_cm, axis=0)
        actual = tf.reduce_sum(self.total_cm, axis=1)
        true_positives = tf.linalg.diag_part(self.total_cm)
        return true_positives, predicted + actual - true_positives

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, **super().get_config(),
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class IoU(_IoUBase):
    """Mean, over `target_class_ids`, of TP / (TP + FP + FN) per class (classes never seen
    in labels or predictions are left out of the mean)."""

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: str | None = None, dtype=None, ignore_class: int | None = None,
                 sparse_y_true: bool = True, sparse_y_pred: bool = True,
                 axis: int = -1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        target_class_ids = [int(i) for i in target_class_ids]
        if max(target_class_ids, default=0) >= num_classes or min(target_class_ids,
                                                                   default=0) < 0:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, "
                             f"which is [0, {num_classes}).")
        self.target_class_ids = target_class_ids

    def result(self):
        true_positives, union = self._class_ious()
        ids = tf.constant(self.target_class_ids, tf.int32)
        true_positives = tf.gather(true_positives, ids)
        union = tf.gather(union, ids)
        valid = tf.reduce_sum(tf.cast(tf.not_equal(union, 0), self._dtype))
        return tf.math.divide_no_nan(tf.reduce_sum(tf.math.divide_no_nan(true_positives,
                                                                         union)), valid)

    def get_config(self) -> dict:
        config = super().get_config()
        config["target_class_ids"] = list(self.target_class_ids)
        return config


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes."""

    def __init__(self, num_classes: int, name: str | None = None, dtype=None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """IoU of 0/1 labels against predictions thresholded at `threshold`."""

    def __init__(self, target_class_ids: Sequence[int] = (0, 1), threshold: float = 0.5,
                 name: str | None = None, dtype=None) -> None:
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.convert_to_tensor(y_pred)
        predicted = tf.cast(y_pred > tf.cast(self.threshold, y_pred.dtype), self._dtype)
        return super().update_state(y_true, predicted, sample_weight)

    def get_config(self) -> dict:
        return {"target_class_ids": list(self.target_class_ids), "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class OneHotIoU(IoU):
    """IoU for one-hot labels (and, by default, per-class prediction scores)."""

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: str | None = None, dtype=None, ignore_class: int | None = None,
                 sparse_y_pred: bool = False, axis: int = -1) -> None:
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU for one-hot labels (and, by default, per-class prediction scores)."""

    def __init__(self, num_classes: int, name: str | None = None, dtype=None,
                 ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
