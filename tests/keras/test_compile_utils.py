"""Loss and metric containers: per-output resolution, 'accuracy' choice, weights, errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.compile_utils import LossesContainer, MetricsContainer


def test_single_loss_applies_to_every_output_with_weights():
    container = LossesContainer("mse", loss_weights=[1.0, 2.0], output_names=["a", "b"])
    y_true = [np.zeros((2, 1), np.float32), np.ones((2, 1), np.float32)]
    y_pred = [tf.ones([2, 1]), tf.zeros([2, 1])]
    total = container(y_true, y_pred)
    np.testing.assert_allclose(float(total), 1.0 + 2.0 * 1.0)
    assert [m.name for m in container.metrics] == ["loss", "a_loss", "b_loss"]


def test_dict_losses_must_name_outputs():
    container = LossesContainer({"c": "mse"}, output_names=["a", "b"])
    with pytest.raises(ValueError, match="Unknown entries in loss dictionary"):
        container([np.zeros(1)] * 2, [tf.zeros([1])] * 2)


@pytest.mark.parametrize("loss, y_true, y_pred, expected", [
    ("sparse_categorical_crossentropy", [[1], [0]], [[0.2, 0.8], [0.6, 0.4]],
     "SparseCategoricalAccuracy"),
    ("binary_crossentropy", [[1.0], [0.0]], [[0.7], [0.2]], "BinaryAccuracy"),
    ("categorical_crossentropy", [[0, 1], [1, 0]], [[0.2, 0.8], [0.6, 0.4]],
     "CategoricalAccuracy"),
    ("mse", [[1.0], [0.0]], [[0.7], [0.2]], "BinaryAccuracy"),
])
def test_accuracy_resolution(loss, y_true, y_pred, expected):
    container = MetricsContainer(["accuracy"], output_names=["out"], losses=loss)
    container.update_state(tf.constant(y_true), tf.constant(y_pred))
    metric = container.metrics[0]
    assert type(metric).__name__ == expected and metric.name == "accuracy"
    assert float(metric.result()) == 1.0


def test_weighted_metrics_get_sample_weights():
    container = MetricsContainer(["mae"], weighted_metrics=["mae"], output_names=["out"])
    y_true = tf.constant([[0.0], [0.0]])
    y_pred = tf.constant([[1.0], [3.0]])
    container.update_state(y_true, y_pred, sample_weight=tf.constant([1.0, 0.0]))
    plain, weighted = container.metrics
    assert (plain.name, weighted.name) == ("mae", "weighted_mae")
    assert float(plain.result()) == 2.0 and float(weighted.result()) == 1.0


def test_a_mask_on_the_predictions_weighs_the_metrics():
    container = MetricsContainer(["mae"], output_names=["out"])
    y_pred = tf.constant([[[1.0], [5.0], [9.0]]])  # (batch, time, features)
    y_pred._keras_mask = tf.constant([[True, True, False]])
    container.update_state(tf.zeros([1, 3, 1]), y_pred)
    assert float(container.metrics[0].result()) == 3.0  # (1 + 5) / 2: the padding is ignored
