"""keras.metrics: values vs tf_keras 2.21 and NumPy/scikit-learn, accumulation over batches,
sample weights, eager == tf.function, state reset, serialization and errors."""

import json

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import backend
from eagerflow.keras import metrics as M

rng = np.random.RandomState(0)
N = 20
YP = rng.rand(N, 4).astype("float32")
YT = (rng.rand(N, 4) > 0.5).astype("float32")
LAB = rng.randint(0, 4, size=N)
OH = np.eye(4, dtype="float32")[LAB]
SW = rng.rand(N).astype("float32")
LOGITS = rng.randn(N, 4).astype("float32")
YB = (rng.rand(N) > 0.5).astype("float32")
PB = rng.rand(N).astype("float32")

# name -> (factory, update(metric, sample_weight)); each is updated twice: weighted, then not
CASES = {
    "mean": (lambda: M.Mean(), lambda m, w: m.update_state(YP, sample_weight=w)),
    "sum": (lambda: M.Sum(), lambda m, w: m.update_state(YP, sample_weight=w)),
    "acc": (lambda: M.Accuracy(),
            lambda m, w: m.update_state(YT, (YP > .5).astype("float32"), sample_weight=w)),
    "bacc": (lambda: M.BinaryAccuracy(threshold=0.3),
             lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "cacc": (lambda: M.CategoricalAccuracy(),
             lambda m, w: m.update_state(OH, YP, sample_weight=w)),
    "scacc": (lambda: M.SparseCategoricalAccuracy(),
              lambda m, w: m.update_state(LAB[:, None], YP, sample_weight=w)),
    "top2": (lambda: M.TopKCategoricalAccuracy(k=2),
             lambda m, w: m.update_state(OH, YP, sample_weight=w)),
    "stop2": (lambda: M.SparseTopKCategoricalAccuracy(k=2),
              lambda m, w: m.update_state(LAB, YP, sample_weight=w)),
    "mse": (lambda: M.MeanSquaredError(), lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "rmse": (lambda: M.RootMeanSquaredError(),
             lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "mae": (lambda: M.MeanAbsoluteError(), lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "cos": (lambda: M.CosineSimilarity(),
            lambda m, w: m.update_state(YT, LOGITS, sample_weight=w)),
    "logcosh": (lambda: M.LogCoshError(),
                lambda m, w: m.update_state(YT, LOGITS, sample_weight=w)),
    "bce": (lambda: M.BinaryCrossentropy(from_logits=True),
            lambda m, w: m.update_state(YT, LOGITS, sample_weight=w)),
    "cce": (lambda: M.CategoricalCrossentropy(label_smoothing=0.1),
            lambda m, w: m.update_state(OH, YP, sample_weight=w)),
    "scce": (lambda: M.SparseCategoricalCrossentropy(from_logits=True),
             lambda m, w: m.update_state(LAB, LOGITS, sample_weight=w)),
    "kld": (lambda: M.KLDivergence(),
            lambda m, w: m.update_state(YP[::-1].copy(), YP, sample_weight=w)),
    "prec": (lambda: M.Precision(), lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "prec_multi": (lambda: M.Precision(thresholds=[0.2, 0.5, 0.9]),
                   lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "prec_topk": (lambda: M.Precision(top_k=2),
                  lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "rec_cls": (lambda: M.Recall(class_id=2, thresholds=0.4),
                lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "tp": (lambda: M.TruePositives(), lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "fp": (lambda: M.FalsePositives(thresholds=[0.1, 0.7]),
           lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "tn": (lambda: M.TrueNegatives(), lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "fn": (lambda: M.FalseNegatives(), lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "auc": (lambda: M.AUC(), lambda m, w: m.update_state(YB, PB, sample_weight=w)),
    "auc_pr": (lambda: M.AUC(curve="PR"), lambda m, w: m.update_state(YB, PB, sample_weight=w)),
    "auc_pr_min": (lambda: M.AUC(curve="PR", summation_method="minoring", num_thresholds=50),
                   lambda m, w: m.update_state(YB, PB, sample_weight=w)),
    "auc_maj": (lambda: M.AUC(summation_method="majoring", thresholds=[0.3, 0.5, 0.6]),
                lambda m, w: m.update_state(YB, PB, sample_weight=w)),
    "auc_ml": (lambda: M.AUC(multi_label=True),
               lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "auc_ml_lw": (lambda: M.AUC(multi_label=True, label_weights=[1, 2, 0, 1], curve="PR"),
                  lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "auc_lw": (lambda: M.AUC(label_weights=[1, 2, 0, 1]),
               lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "auc_logits": (lambda: M.AUC(from_logits=True),
                   lambda m, w: m.update_state(YT, LOGITS, sample_weight=w)),
    "par": (lambda: M.PrecisionAtRecall(0.6), lambda m, w: m.update_state(YB, PB, sample_weight=w)),
    "rap": (lambda: M.RecallAtPrecision(0.5), lambda m, w: m.update_state(YB, PB, sample_weight=w)),
    "sas": (lambda: M.SensitivityAtSpecificity(0.5),
            lambda m, w: m.update_state(YB, PB, sample_weight=w)),
    "sas_cls": (lambda: M.SpecificityAtSensitivity(0.5, class_id=1, num_thresholds=20),
                lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "r2": (lambda: M.R2Score(), lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "r2_var_adj": (lambda: M.R2Score(class_aggregation="variance_weighted_average",
                                     num_regressors=3),
                   lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "r2_none": (lambda: M.R2Score(class_aggregation=None),
                lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "f1": (lambda: M.F1Score(), lambda m, w: m.update_state(OH, YP, sample_weight=w)),
    "f1_micro": (lambda: M.F1Score(average="micro", threshold=0.5),
                 lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "fbeta_w": (lambda: M.FBetaScore(average="weighted", beta=2.0),
                lambda m, w: m.update_state(OH, YP, sample_weight=w)),
    "fbeta_macro": (lambda: M.FBetaScore(average="macro", beta=0.5, threshold=0.4),
                    lambda m, w: m.update_state(YT, YP, sample_weight=w)),
    "miou": (lambda: M.MeanIoU(4),
             lambda m, w: m.update_state(LAB, YP.argmax(-1), sample_weight=w)),
    "miou_ign": (lambda: M.MeanIoU(4, ignore_class=2),
                 lambda m, w: m.update_state(LAB, YP.argmax(-1), sample_weight=w)),
    "iou": (lambda: M.IoU(4, [1, 3]),
            lambda m, w: m.update_state(LAB, YP.argmax(-1), sample_weight=w)),
    "biou": (lambda: M.BinaryIoU(threshold=0.3),
             lambda m, w: m.update_state(YB, PB, sample_weight=w)),
    "biou1": (lambda: M.BinaryIoU(target_class_ids=[1]),
              lambda m, w: m.update_state(YB, PB, sample_weight=w)),
    "ohiou": (lambda: M.OneHotIoU(4, [0, 2]),
              lambda m, w: m.update_state(OH, YP, sample_weight=w)),
    "ohmiou": (lambda: M.OneHotMeanIoU(4), lambda m, w: m.update_state(OH, YP, sample_weight=w)),
}

# Printed by tf_keras 2.21 for the same data: "<case>/plain" = two unweighted updates,
# "<case>/sw" = one update weighted by SW then one unweighted.
GOLDEN = {
    'mean/plain': 0.4886142,
    'mean/sw': 0.4838415,
    'sum/plain': 78.1782761,
    'sum/sw': 56.3932495,
    'acc/plain': 0.4125,
    'acc/sw': 0.4003559,
    'bacc/plain': 0.5375,
    'bacc/sw': 0.5202755,
    'cacc/plain': 0.35,
    'cacc/sw': 0.3574209,
    'scacc/plain': 0.35,
    'scacc/sw': 0.3574209,
    'top2/plain': 0.4,
    'top2/sw': 0.4101224,
    'stop2/plain': 0.4,
    'stop2/sw': 0.4101224,
    'mse/plain': 0.3667655,
    'mse/sw': 0.3754899,
    'rmse/plain': 0.6056116,
    'rmse/sw': 0.6127723,
    'mae/plain': 0.5327154,
    'mae/sw': 0.5428396,
    'cos/plain': 0.0028917,
    'cos/sw': -0.0231452,
    'logcosh/plain': 0.5232925,
    'logcosh/sw': 0.530664,
    'bce/plain': 0.7584589,
    'bce/sw': 0.7591368,
    'cce/plain': 1.6923794,
    'cce/sw': 1.672857,
    'scce/plain': 1.8573383,
    'scce/sw': 1.8598545,
    'kld/plain': 1.0487506,
    'kld/sw': 1.0532624,
    'prec/plain': 0.5,
    'prec/sw': 0.4778569,
    'prec_multi/plain': [0.5737705, 0.5, 0.625],
    'prec_multi/sw': [0.5510747, 0.4778569, 0.5607903],
    'prec_topk/plain': 0.475,
    'prec_topk/sw': 0.460061,
    'rec_cls/plain': 0.7,
    'rec_cls/sw': 0.6952102,
    'tp/plain': 40.0,
    'tp/sw': 27.5448875,
    'fp/plain': [62.0, 22.0],
    'fp/sw': [47.1784668, 16.4103699],
    'tn/plain': 26.0,
    'tn/sw': 19.1178532,
    'fn/plain': 54.0,
    'fn/sw': 39.7927437,
    'auc/plain': 0.4821428,
    'auc/sw': 0.4851705,
    'auc_pr/plain': 0.2739686,
    'auc_pr/sw': 0.3021101,
    'auc_pr_min/plain': 0.2017974,
    'auc_pr_min/sw': 0.2206891,
    'auc_maj/plain': 0.5595238,
    'auc_maj/sw': 0.5658297,
    'auc_ml/plain': 0.416812,
    'auc_ml/sw': 0.3985099,
    'auc_ml_lw/plain': 0.5775402,
    'auc_ml_lw/sw': 0.5572198,
    'auc_lw/plain': 0.4374588,
    'auc_lw/sw': 0.4204726,
    'auc_logits/plain': 0.554481,
    'auc_logits/sw': 0.557142,
    'par/plain': 0.3571429,
    'par/sw': 0.3774059,
    'rap/plain': 0.0,
    'rap/sw': 0.0,
    'sas/plain': 0.5,
    'sas/sw': 0.5046523,
    'sas_cls/plain': 0.375,
    'sas_cls/sw': 0.377699,
    'r2/plain': -0.5355499,
    'r2/sw': -0.5643996,
    'r2_var_adj/plain': -0.5616447,
    'r2_var_adj/sw': -0.5912142,
    'r2_none/plain': [-0.7403331, -0.4316696, -0.4688193, -0.5013776],
    'r2_none/sw': [-0.7857139, -0.4703809, -0.5056826, -0.4958211],
    'f1/plain': [0.2857143, 0.2222222, 0.3333333, 0.5],
    'f1/sw': [0.3326639, 0.2334552, 0.3031753, 0.5065122],
    'f1_micro/plain': 0.4597701,
    'f1_micro/sw': 0.4407881,
    'fbeta_w/plain': 0.3457006,
    'fbeta_w/sw': 0.3519987,
    'fbeta_macro/plain': 0.5778278,
    'fbeta_macro/sw': 0.5604619,
    'miou/plain': 0.20625,
    'miou/sw': 0.2123728,
    'miou_ign/plain': 0.1794643,
    'miou_ign/sw': 0.1917557,
    'iou/plain': 0.2291667,
    'iou/sw': 0.2356504,
    'biou/plain': 0.2470588,
    'biou/sw': 0.2534733,
    'biou1/plain': 0.1818182,
    'biou1/sw': 0.1912625,
    'ohiou/plain': 0.1833333,
    'ohiou/sw': 0.1890952,
    'ohmiou/plain': 0.20625,
    'ohmiou/sw': 0.2123728,
    'mean_bt_b': 3.0,
    'mse_seq_bt': 0.0915527,
}

def _run(case: str, weights, compiled: bool):
    make, update = CASES[case]
    metric = make()
    if compiled:
        tf.function(lambda: update(metric, weights))()
        tf.function(lambda: update(metric, None))()
        return metric, tf.function(metric.result)().numpy()
    update(metric, weights)
    update(metric, None)
    return metric, metric.result().numpy()


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_tf_keras_eager_and_compiled(case):
    for label, weights in (("plain", None), ("sw", SW)):
        _, eager = _run(case, weights, compiled=False)
        np.testing.assert_allclose(eager, GOLDEN[f"{case}/{label}"], rtol=2e-5, atol=1e-6)
        _, compiled = _run(case, weights, compiled=True)
        np.testing.assert_allclose(compiled, eager, rtol=1e-6, atol=1e-7)


def test_mean_and_sum_against_numpy():
    values = rng.rand(3, 5)
    weights = rng.rand(3)
    mean = M.Mean()
    mean.update_state(values[0])
    mean.update_state(values[1:], sample_weight=weights[1:])
    total = values[0].sum() + (values[1:] * weights[1:, None]).sum()
    count = 5 + 5 * weights[1:].sum()  # a (B,) weight covers all 5 values of its row
    np.testing.assert_allclose(mean.result().numpy(), total / count, rtol=1e-6)
    summed = M.Sum()
    summed.update_state(values, sample_weight=weights)
    np.testing.assert_allclose(summed.result().numpy(), (values * weights[:, None]).sum(),
                               rtol=1e-6)
    per_element = M.Mean()
    per_element.update_state(values, sample_weight=np.ones((3, 5)) * 2)
    np.testing.assert_allclose(per_element.result().numpy(), values.mean(), rtol=1e-6)
    # weights of lower rank than values after one expand: extra value axes are averaged
    nested = M.Mean()
    cube = rng.rand(2, 3, 4)
    nested.update_state(cube, sample_weight=np.array([1.0, 3.0]))
    np.testing.assert_allclose(nested.result().numpy(),
                               (cube.mean((1, 2)) * [1, 3]).sum() / 4, rtol=1e-6)


def test_accuracies_against_numpy():
    scores = rng.rand(50, 6)
    labels = rng.randint(0, 6, size=50)
    one_hot = np.eye(6)[labels]
    top1 = (scores.argmax(-1) == labels).mean()
    rank = (scores > scores[np.arange(50), labels][:, None]).sum(-1)
    np.testing.assert_allclose(M.SparseCategoricalAccuracy()(labels, scores).numpy(), top1,
                               rtol=1e-6)
    np.testing.assert_allclose(M.CategoricalAccuracy()(one_hot, scores).numpy(), top1, rtol=1e-6)
    for k in (1, 3):
        np.testing.assert_allclose(M.SparseTopKCategoricalAccuracy(k=k)(labels, scores).numpy(),
                                   (rank < k).mean(), rtol=1e-6)
        np.testing.assert_allclose(M.TopKCategoricalAccuracy(k=k)(one_hot, scores).numpy(),
                                   (rank < k).mean(), rtol=1e-6)
    probs = rng.rand(50, 3)
    truth = (rng.rand(50, 3) > 0.5).astype(float)
    np.testing.assert_allclose(M.BinaryAccuracy()(truth, probs).numpy(),
                               ((probs > 0.5) == truth).mean(), rtol=1e-6)


def test_top_k_ties_count_as_in_top_k():
    scores = np.array([[0.5, 0.5, 0.5, 0.1]])  # label 2 ties with two others for the top
    assert M.sparse_top_k_categorical_accuracy(np.array([2]), scores, k=1).numpy()[0] == 1.0
    assert M.sparse_top_k_categorical_accuracy(np.array([3]), scores, k=3).numpy()[0] == 0.0
    sequence = rng.rand(2, 5, 4)
    labels = rng.randint(0, 4, size=(2, 5))
    got = M.sparse_top_k_categorical_accuracy(labels, sequence, k=2).numpy()
    rank = (sequence > np.take_along_axis(sequence, labels[..., None], -1)).sum(-1)
    np.testing.assert_array_equal(got, (rank < 2).astype(float))


def test_precision_recall_and_counts_against_numpy():
    thresholds = [0.0, 0.3, 0.5, 0.8]
    truth = YT.ravel() > 0
    scores = YP.ravel()
    weights = np.repeat(SW, 4)
    predicted = scores[None] > np.array(thresholds)[:, None]
    tp = (predicted & truth).astype(float) @ weights
    fp = (predicted & ~truth).astype(float) @ weights
    fn = (~predicted & truth).astype(float) @ weights
    tn = (~predicted & ~truth).astype(float) @ weights
    precision = M.Precision(thresholds=thresholds)
    precision.update_state(YT, YP, sample_weight=SW)
    np.testing.assert_allclose(precision.result().numpy(), tp / (tp + fp), rtol=1e-5)
    recall = M.Recall(thresholds=thresholds)
    recall.update_state(YT, YP, sample_weight=SW)
    np.testing.assert_allclose(recall.result().numpy(), tp / (tp + fn), rtol=1e-5)
    for cls, expected in ((M.TruePositives, tp), (M.FalsePositives, fp),
                          (M.TrueNegatives, tn), (M.FalseNegatives, fn)):
        counter = cls(thresholds=thresholds)
        counter.update_state(YT, YP, sample_weight=SW)
        np.testing.assert_allclose(counter.result().numpy(), expected, rtol=1e-5)


def test_auc_against_scikit_learn():
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels = (rng.rand(2000) > 0.6).astype("float32")
    scores = np.clip(labels * 0.3 + rng.rand(2000) * 0.7, 0, 1).astype("float32")
    auc = M.AUC(num_thresholds=1000)
    for batch in range(4):  # accumulates over batches
        part = slice(batch * 500, (batch + 1) * 500)
        auc.update_state(labels[part], scores[part])
    np.testing.assert_allclose(auc.result().numpy(), roc_auc_score(labels, scores), atol=2e-3)
    pr = M.AUC(num_thresholds=1000, curve="PR")
    pr.update_state(labels, scores)
    np.testing.assert_allclose(pr.result().numpy(), average_precision_score(labels, scores),
                               atol=1e-2)
    multi = M.AUC(multi_label=True, num_thresholds=500)
    stacked_labels = np.stack([labels, 1 - labels], axis=1)
    stacked_scores = np.stack([scores, 1 - scores], axis=1)
    multi.update_state(stacked_labels, stacked_scores)
    np.testing.assert_allclose(multi.result().numpy(), roc_auc_score(labels, scores), atol=3e-3)


def test_reset_and_call():
    metric = M.Mean()
    assert float(metric([1.0, 3.0])) == 2.0
    assert float(metric([5.0])) == 3.0
    metric.reset_state()
    assert float(metric.result()) == 0.0
    metric.update_state([4.0])
    metric.reset_states()
    assert [float(v.numpy()) for v in metric.variables] == [0.0, 0.0]
    auc = M.AUC(multi_label=True)
    auc.reset_state()  # not built yet: nothing to reset
    assert float(auc.result()) == 0.0
    precision = M.Precision(thresholds=[0.2, 0.6])
    precision.update_state(YT, YP)
    precision.reset_state()
    np.testing.assert_array_equal(precision.result().numpy(), [0.0, 0.0])


def test_state_variables_and_checkpoint_children():
    mean = M.Mean()
    assert [v.name.split(":")[0] for v in mean.variables] == ["total", "count"]
    assert mean.trainable_weights == [] and len(mean.non_trainable_weights) == 2
    assert all(not v.trainable for v in mean.variables)
    assert list(mean._trackable_children()) == ["total", "count"]
    auc = M.AUC()
    assert list(auc._trackable_children()) == ["true_positives", "true_negatives",
                                               "false_positives", "false_negatives"]
    assert auc.true_positives.shape == (200,)
    assert list(M.Precision()._trackable_children()) == ["true_positives", "false_positives"]
    assert mean.dtype == "float32" and M.Mean(dtype="float64").dtype == "float64"


def test_update_inside_one_compiled_step_many_times():
    """The trainer's pattern: one tf.function updating metrics on every call."""
    accuracy = M.SparseCategoricalAccuracy()
    auc = M.AUC(multi_label=True)  # builds its state lazily, on the first trace

    @tf.function
    def step(labels, scores, multi_labels):
        accuracy.update_state(labels, scores)
        auc.update_state(multi_labels, scores)
        return accuracy.result(), auc.result()

    eager_acc, eager_auc = M.SparseCategoricalAccuracy(), M.AUC(multi_label=True)
    for i in range(3):
        part = slice(i * 6, (i + 1) * 6)
        got_acc, got_auc = step(LAB[part], YP[part], YT[part])
        eager_acc.update_state(LAB[part], YP[part])
        eager_auc.update_state(YT[part], YP[part])
        np.testing.assert_allclose(got_acc.numpy(), eager_acc.result().numpy(), rtol=1e-6)
        np.testing.assert_allclose(got_auc.numpy(), eager_auc.result().numpy(), rtol=1e-6)


def test_mean_tensor():
    metric = M.MeanTensor()
    metric.update_state([1.0, 2.0, 3.0])
    metric.update_state([3.0, 4.0, 5.0], sample_weight=[1.0, 0.0, 3.0])
    np.testing.assert_allclose(metric.result().numpy(), [2.0, 2.0, 4.5])
    with pytest.raises(ValueError, match="same shape"):
        metric.update_state([1.0, 2.0])
    with pytest.raises(ValueError, match="does not have any value yet"):
        M.MeanTensor().result()


def test_default_names_and_configs():
    assert M.Accuracy().name == "accuracy"
    assert M.SparseCategoricalAccuracy().name == "sparse_categorical_accuracy"
    assert M.Mean().name == "mean" and M.Mean().name == "mean"  # explicit default: not unique
    assert M.KLDivergence().name == "kullback_leibler_divergence"
    assert M.LogCoshError().name == "logcosh"
    backend.clear_session()
    assert [M.AUC().name, M.AUC().name, M.Precision().name] == ["auc", "auc_1", "precision"]
    assert M.BinaryAccuracy().get_config() == {"name": "binary_accuracy", "dtype": "float32",
                                               "threshold": 0.5}
    assert M.Precision().get_config() == {"name": "precision_1", "dtype": "float32",
                                          "thresholds": None, "top_k": None, "class_id": None}
    assert M.MeanMetricWrapper(M.mse).name == "mean_squared_error"


ALL_CLASSES = [cls for cls in (getattr(M, n) for n in M.__all__)
               if isinstance(cls, type) and issubclass(cls, M.Metric)
               and cls not in (M.Metric, M.MeanMetricWrapper)]
NEEDS_VALUE = {M.PrecisionAtRecall: (0.5,), M.RecallAtPrecision: (0.5,),
               M.SensitivityAtSpecificity: (0.5,), M.SpecificityAtSensitivity: (0.5,),
               M.IoU: (3, [0, 2]), M.MeanIoU: (3,), M.OneHotIoU: (3, [1]),
               M.OneHotMeanIoU: (3,)}


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_config_round_trip(cls):
    metric = cls(*NEEDS_VALUE.get(cls, ()))
    config = M.serialize(metric)
    assert config["module"] == "keras.metrics" and config["class_name"] == cls.__name__
    rebuilt = M.deserialize(config)
    assert type(rebuilt) is cls and rebuilt.get_config() == metric.get_config()
    json.dumps(config)  # JSON-safe


def test_wrapper_and_auc_config_round_trips():
    wrapper = M.MeanMetricWrapper(M.mean_absolute_error, name="my_mae")
    assert wrapper.get_config()["fn"] == "mean_absolute_error"
    rebuilt = M.MeanMetricWrapper.from_config(wrapper.get_config())
    np.testing.assert_allclose(rebuilt(YT, YP).numpy(), wrapper(YT, YP).numpy())
    keras3 = {"module": "keras.metrics", "class_name": "MeanMetricWrapper", "config": {
        "name": "mean_metric_wrapper", "dtype": "float32", "fn": {
            "module": "builtins", "class_name": "function", "config": "mean_squared_error",
            "registered_name": "function"}}, "registered_name": None}
    from_keras3 = M.deserialize(keras3)
    np.testing.assert_allclose(from_keras3(YT, YP).numpy(), ((YT - YP) ** 2).mean(), rtol=1e-6)
    auc = M.AUC(thresholds=[0.6, 0.2], curve="PR", multi_label=True, label_weights=[1, 0, 2, 1])
    config = auc.get_config()
    assert config["thresholds"] == [0.2, 0.6] and config["num_thresholds"] == 4
    again = M.AUC.from_config(config)
    assert again.get_config() == config
    auc.update_state(YT, YP)
    again.update_state(YT, YP)
    np.testing.assert_allclose(again.result().numpy(), auc.result().numpy())


def test_get():
    assert M.get("accuracy") is M.accuracy
    assert M.get("acc") is M.accuracy
    assert M.get("mse") is M.mean_squared_error
    assert M.get("sparse_categorical_accuracy") is M.sparse_categorical_accuracy
    assert isinstance(M.get("AUC"), M.AUC)
    assert isinstance(M.get(M.Recall), M.Recall)
    precision = M.Precision()
    assert M.get(precision) is precision
    rebuilt = M.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.7}})
    assert rebuilt.get_config()["threshold"] == 0.7
    assert M.deserialize(M.serialize(M.mae)) is M.mean_absolute_error


def test_errors():
    with pytest.raises(ValueError, match="Unknown metric function: 'acuracy'"):
        M.get("acuracy")
    with pytest.raises(ValueError, match="Could not interpret metric"):
        M.get(3)
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        M.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        M.AUC(curve="ROCK")
    with pytest.raises(ValueError, match="Invalid AUC summation"):
        M.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="num_thresholds"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="must be in the range"):
        M.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="same shape"):
        M.Precision().update_state(np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="sample_weight"):
        M.Mean().update_state(np.ones((4, 3)), sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="integer labels"):
        M.SparseCategoricalAccuracy().update_state(OH, YP)
    with pytest.raises(TypeError, match="unexpected keyword"):
        M.Metric(nmae="x")


def test_r2_f1_iou_against_scikit_learn():
    from sklearn.metrics import f1_score, fbeta_score, jaccard_score, r2_score

    targets = rng.randn(40, 3)
    predictions = targets + 0.5 * rng.randn(40, 3)
    weights = rng.rand(40)
    r2 = M.R2Score(dtype="float64")
    r2.update_state(targets[:20], predictions[:20], sample_weight=weights[:20])
    r2.update_state(targets[20:], predictions[20:], sample_weight=weights[20:])
    np.testing.assert_allclose(r2.result().numpy(),
                               r2_score(targets, predictions, sample_weight=weights), rtol=1e-10)
    per_output = M.R2Score(class_aggregation=None, dtype="float64")
    per_output.update_state(targets, predictions)
    np.testing.assert_allclose(per_output.result().numpy(),
                               r2_score(targets, predictions, multioutput="raw_values"),
                               rtol=1e-10)

    labels = rng.randint(0, 4, size=60)
    scores = rng.rand(60, 4)
    predicted = scores.argmax(-1)
    one_hot = np.eye(4)[labels]
    for average in ("macro", "weighted", "micro", None):
        f1 = M.F1Score(average=average)
        f1.update_state(one_hot, scores)
        expected = f1_score(labels, predicted, average=average)
        np.testing.assert_allclose(f1.result().numpy(), expected, rtol=1e-5)
    fbeta = M.FBetaScore(average="macro", beta=2.0)
    fbeta.update_state(one_hot, scores)
    np.testing.assert_allclose(fbeta.result().numpy(),
                               fbeta_score(labels, predicted, beta=2.0, average="macro"),
                               rtol=1e-5)
    mean_iou = M.MeanIoU(num_classes=4)
    mean_iou.update_state(labels, predicted)
    np.testing.assert_allclose(mean_iou.result().numpy(),
                               jaccard_score(labels, predicted, average="macro"), rtol=1e-5)
    segmentation = M.OneHotMeanIoU(num_classes=4)
    segmentation.update_state(one_hot.reshape(3, 20, 4), scores.reshape(3, 20, 4))
    np.testing.assert_allclose(segmentation.result().numpy(), mean_iou.result().numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("metric, good, bad", [
    (M.R2Score(), (YT, YP), (YT, YP[:, :3])),
    (M.F1Score(), (OH, YP), (OH, YP[:, :3])),
    (M.AUC(), (YB, PB), (YT, YP[:, :3])),
    (M.Mean(), (YP,), (YP[:, :3],)),
])
def test_bad_input_changes_no_state(metric, good, bad):
    metric.update_state(*good)
    before = [v.numpy().copy() for v in metric.variables]
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)):
        metric.update_state(*bad, sample_weight=SW[:5])
    for old, variable in zip(before, metric.variables):
        np.testing.assert_array_equal(variable.numpy(), old)


def test_custom_metric_subclass_eager_and_compiled():
    class BinaryTruePositives(M.Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_weight(name="tp", initializer="zeros")
            self.seen = self.add_variable(shape=(), name="seen")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = tf.logical_and(tf.cast(y_true, tf.bool), tf.cast(y_pred, tf.bool))
            self.seen.assign_add(tf.cast(tf.size(y_true), self.seen.dtype))
            return self.true_positives.assign_add(tf.reduce_sum(tf.cast(hits, tf.float32)))

        def result(self):
            return self.true_positives

    eager = BinaryTruePositives()
    compiled = BinaryTruePositives()
    step = tf.function(lambda t, p: compiled.update_state(t, p))
    for _ in range(2):
        eager.update_state([1, 1, 0, 1], [1, 0, 1, 1])
        step(tf.constant([1, 1, 0, 1]), tf.constant([1, 0, 1, 1]))
    assert float(eager.result()) == float(compiled.result()) == 4.0
    assert float(compiled.seen) == 8.0
    assert [v.name.split(":")[0] for v in compiled.variables] == ["tp", "seen"]
    compiled.reset_state()
    assert float(compiled.result()) == 0.0


def test_sparse_crossentropy_metric_ignores_class_like_tf_keras():
    data = np.random.RandomState(5)
    logits = data.randn(2, 4, 3).astype("float32")
    labels = data.randint(0, 3, size=(2, 4))
    labels[0, 1] = 2
    labels[1, 3] = 2
    metric = M.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)
    metric.update_state(labels, logits)
    metric.update_state(labels, logits, sample_weight=np.array([1.0, 3.0]))
    np.testing.assert_allclose(metric.result().numpy(), 1.3563472032546997, rtol=1e-6)


def test_mean_of_weighted_scalars_equals_the_general_weighted_mean():
    values, weights = [0.25, 1.5, -3.0], [32, 32, 7]
    fast = M.Mean()
    for value, weight in zip(values, weights):
        fast.update_state(tf.constant(value), sample_weight=weight)  # scalar value and weight
    general = M.Mean()
    general.update_state(tf.constant(values), sample_weight=tf.constant(weights, tf.float32))
    expected = np.dot(values, weights) / np.sum(weights)
    np.testing.assert_allclose(float(fast.result()), expected, rtol=1e-6)
    np.testing.assert_allclose(float(general.result()), expected, rtol=1e-6)
    assert float(fast.count) == 71.0

    @tf.function
    def update(metric, value, weight):
        metric.update_state(value, sample_weight=weight)

    compiled = M.Mean()
    for value, weight in zip(values, weights):
        update(compiled, tf.constant(value), tf.constant(float(weight)))
    assert float(compiled.result()) == float(fast.result())
    summed = M.Sum()
    summed.update_state(tf.constant(2.0), sample_weight=3.0)
    assert float(summed.result()) == 6.0


def test_mean_counts_static_and_dynamic_batches_alike():
    @tf.function(input_signature=[tf.TensorSpec([None])])
    def dynamic(values):
        metric_dynamic.update_state(values)

    @tf.function
    def static(values):
        metric_static.update_state(values)

    metric_dynamic, metric_static = M.Mean(), M.Mean()
    for batch in (np.arange(4.0, dtype=np.float32), np.arange(3.0, dtype=np.float32)):
        dynamic(batch)
        static(batch)
    assert float(metric_dynamic.count) == float(metric_static.count) == 7.0
    assert float(metric_dynamic.result()) == float(metric_static.result()) == np.float32(9 / 7)
