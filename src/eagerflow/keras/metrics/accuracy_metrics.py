"""Accuracy metrics: the share of predictions that match the labels, in the several label
encodings Keras supports (exact values, thresholded binary, one-hot, integer, top-k)."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.metrics.base_metric import MeanMetricWrapper

__all__ = ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "accuracy",
           "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"]


def accuracy(y_true, y_pred) -> tf.Tensor:
    """1.0 where y_pred equals y_true exactly, element-wise."""
    y_true = tf.convert_to_tensor(y_true)
    y_pred = tf.convert_to_tensor(y_pred)
    if y_true.dtype != y_pred.dtype:
        y_pred = tf.cast(y_pred, y_true.dtype)
    return tf.cast(tf.equal(y_true, y_pred), tf.float32)


def binary_matches(y_true, y_pred, threshold: float = 0.5) -> tf.Tensor:
    """1.0 where (y_pred > threshold) == y_true, element-wise."""
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.cast(y_true, y_pred.dtype)
    predicted = tf.cast(y_pred > tf.cast(threshold, y_pred.dtype), y_pred.dtype)
    return tf.cast(tf.equal(y_true, predicted), tf.float32)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> tf.Tensor:
    """Mean over the last axis of (y_pred > threshold) == y_true."""
    return tf.reduce_mean(binary_matches(y_true, y_pred, threshold), axis=-1)


def _sparse_labels(y_true, y_pred):
    """Integer labels shaped like y_pred without its class axis."""
    y_true = tf.convert_to_tensor(y_true)
    rank_true, rank_pred = y_true.shape.rank, y_pred.shape.rank
    if rank_true is not None and rank_pred is not None and rank_true == rank_pred:
        if y_true.shape[-1] not in (1, None):
            raise ValueError(f"Sparse accuracy expects integer labels of shape "
                             f"{y_pred.shape[:-1]} (or with a trailing 1), got y_true of shape "
                             f"{y_true.shape}. For one-hot labels use the categorical metric.")
        y_true = tf.squeeze(y_true, -1)
    return y_true


def sparse_categorical_accuracy(y_true, y_pred) -> tf.Tensor:
    """1.0 where argmax(y_pred) equals the integer label."""
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = _sparse_labels(y_true, y_pred)
    predicted = tf.argmax(y_pred, axis=-1)
    if y_true.dtype != predicted.dtype:
        predicted = tf.cast(predicted, y_true.dtype)
    return tf.cast(tf.equal(y_true, predicted), tf.float32)


def categorical_accuracy(y_true, y_pred) -> tf.Tensor:
    """1.0 where argmax(y_pred) equals argmax(y_true) (one-hot labels)."""
    y_pred = tf.convert_to_tensor(y_pred)
    return sparse_categorical_accuracy(tf.argmax(y_true, axis=-1), y_pred)


def _in_top_k(labels, predictions, k: int):
    """tf.math.in_top_k semantics: the label's score has fewer than k scores above it
    (ties at the boundary count as in); non-finite label scores are never in."""
    num_classes = predictions.shape[-1]
    one_hot = tf.one_hot(tf.cast(labels, tf.int32), num_classes, on_value=True,
                         off_value=False, dtype=tf.bool)
    zeros = tf.zeros_like(predictions)
    target = tf.reduce_sum(tf.where(one_hot, predictions, zeros), axis=-1, keepdims=True)
    above = tf.reduce_sum(tf.cast(predictions > target, tf.int32), axis=-1)
    finite = tf.math.is_finite(tf.squeeze(target, -1))
    return tf.logical_and(above < k, finite)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> tf.Tensor:
    """1.0 where the integer label is among the k highest-scoring classes."""
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = _sparse_labels(y_true, y_pred)
    return tf.cast(_in_top_k(y_true, y_pred, k), tf.float32)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> tf.Tensor:
    """1.0 where the one-hot label's class is among the k highest-scoring classes."""
    y_pred = tf.convert_to_tensor(y_pred)
    return sparse_top_k_categorical_accuracy(tf.argmax(y_true, axis=-1), y_pred, k=k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name: str = "accuracy", dtype=None) -> None:
        super().__init__(accuracy, name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches 0/1 labels."""

    def __init__(self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5):
        # Element-wise matches (not binary_accuracy's per-sample means), so that a batch
        # counts by its number of elements whatever the label's rank, as in tf.keras.
        super().__init__(binary_matches, name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the highest-scoring class matches the one-hot label."""

    def __init__(self, name: str = "categorical_accuracy", dtype=None) -> None:
        super().__init__(categorical_accuracy, name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the highest-scoring class matches the integer label."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None) -> None:
        super().__init__(sparse_categorical_accuracy, name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the k highest-scoring classes."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the k highest-scoring classes."""

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy",
                 dtype=None) -> None:
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype=dtype, k=k)
