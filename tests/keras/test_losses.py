"""keras.losses: values vs NumPy formulas and tf_keras, reductions, sample weights,
from_logits equivalences, eager == tf.function, gradients, serialization and errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import losses
from tests.keras.finite_differences import numeric_gradient

EPS = 1e-7
rng = np.random.RandomState(0)
Y_PROB = rng.rand(4, 3).astype("float32")
Y_BIN = (rng.rand(4, 3) > 0.5).astype("float32")
Y_ONEHOT = np.eye(3, dtype="float32")[[0, 2, 1, 1]]
LOGITS = rng.randn(4, 3).astype("float32")
LABELS = np.array([0, 2, 1, 1])
SW = np.array([1.0, 0.5, 0.0, 2.0], "float32")


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p + EPS) + (1 - t) * np.log(1 - p + EPS))


def _cce(t, p):
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -(t * np.log(p)).sum(-1)


def _signed(t):
    return 2 * t - 1 if np.isin(t, (0, 1)).all() else t


def _huber(t, p, delta):
    e = p - t
    return np.where(np.abs(e) <= delta, 0.5 * e ** 2, delta * np.abs(e) - 0.5 * delta ** 2)


def _unit(x):
    return x / np.sqrt(np.maximum((x ** 2).sum(-1, keepdims=True), 1e-12))


# (loss object, y_true, y_pred, per-sample NumPy reference)
CASES = {
    "mse": (losses.MeanSquaredError(), Y_BIN, Y_PROB, lambda t, p: ((p - t) ** 2).mean(-1)),
    "mae": (losses.MeanAbsoluteError(), Y_BIN, Y_PROB, lambda t, p: np.abs(p - t).mean(-1)),
    "mape": (losses.MeanAbsolutePercentageError(), Y_PROB, LOGITS,
             lambda t, p: 100 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1)),
    "msle": (losses.MeanSquaredLogarithmicError(), Y_BIN, Y_PROB, lambda t, p: (
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1)),
    "bce": (losses.BinaryCrossentropy(), Y_BIN, Y_PROB, lambda t, p: _bce(t, p).mean(-1)),
    "bce_smooth": (losses.BinaryCrossentropy(label_smoothing=0.2), Y_BIN, Y_PROB,
                   lambda t, p: _bce(t * 0.8 + 0.1, p).mean(-1)),
    "bce_logits": (losses.BinaryCrossentropy(from_logits=True), Y_BIN, LOGITS, lambda t, x: (
        np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))).mean(-1)),
    "focal": (losses.BinaryFocalCrossentropy(gamma=1.5), Y_BIN, Y_PROB, lambda t, p: (
        (1 - (t * p + (1 - t) * (1 - p))) ** 1.5 * _bce(t, p)).mean(-1)),
    "cce": (losses.CategoricalCrossentropy(), Y_ONEHOT, Y_PROB, _cce),
    "cce_logits_smooth": (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.3),
                          Y_ONEHOT, LOGITS, lambda t, x: -(
                              (t * 0.7 + 0.1) * np.log(_softmax(x))).sum(-1)),
    "scce": (losses.SparseCategoricalCrossentropy(), LABELS, Y_PROB,
             lambda t, p: _cce(np.eye(3)[t.astype(int)], p)),
    "scce_logits": (losses.SparseCategoricalCrossentropy(from_logits=True), LABELS[:, None],
                    LOGITS, lambda t, x: -np.log(_softmax(x))[np.arange(4), t[:, 0].astype(int)]),
    "hinge": (losses.Hinge(), Y_BIN, LOGITS,
              lambda t, p: np.maximum(1 - _signed(t) * p, 0).mean(-1)),
    "squared_hinge": (losses.SquaredHinge(), 2 * Y_BIN - 1, LOGITS,
                      lambda t, p: (np.maximum(1 - t * p, 0) ** 2).mean(-1)),
    "categorical_hinge": (losses.CategoricalHinge(), Y_ONEHOT, LOGITS, lambda t, p: np.maximum(
        ((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
    "kld": (losses.KLDivergence(), Y_PROB[::-1].copy(), Y_PROB, lambda t, p: (
        np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1)),
    "poisson": (losses.Poisson(), Y_BIN, Y_PROB,
                lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    "huber": (losses.Huber(delta=0.5), Y_BIN, LOGITS, lambda t, p: _huber(t, p, 0.5).mean(-1)),
    "log_cosh": (losses.LogCosh(), Y_BIN, LOGITS, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    "cosine": (losses.CosineSimilarity(), Y_BIN, LOGITS,
               lambda t, p: -(_unit(t) * _unit(p)).sum(-1)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_reductions_and_weights(case):
    loss, y_true, y_pred, reference = CASES[case]
    per_sample = reference(y_true.astype(np.float64), y_pred.astype(np.float64))
    expected = {
        "none": (per_sample, per_sample * SW),
        "sum": (per_sample.sum(), (per_sample * SW).sum()),
        "sum_over_batch_size": (per_sample.mean(), (per_sample * SW).mean()),
    }
    for reduction, (plain, weighted) in expected.items():
        loss.reduction = reduction
        try:
            np.testing.assert_allclose(loss(y_true, y_pred).numpy(), plain, rtol=2e-5,
                                       atol=1e-6)
            np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=SW).numpy(),
                                       weighted, rtol=2e-5, atol=1e-6)
            compiled = tf.function(lambda t, p, w: loss(t, p, sample_weight=w))
            np.testing.assert_allclose(compiled(y_true, y_pred, SW).numpy(), weighted,
                                       rtol=2e-5, atol=1e-6)
        finally:
            loss.reduction = "auto"


def test_auto_is_sum_over_batch_size_and_function_forms_match():
    fn_for = {"mse": losses.mse, "mae": losses.mae, "mape": losses.mape, "msle": losses.msle,
              "kld": losses.kld, "poisson": losses.poisson, "log_cosh": losses.logcosh,
              "hinge": losses.hinge, "categorical_hinge": losses.categorical_hinge}
    for case, fn in fn_for.items():
        loss, y_true, y_pred, _ = CASES[case]
        assert loss.reduction == "auto"
        np.testing.assert_allclose(loss(y_true, y_pred).numpy(),
                                   fn(y_true, y_pred).numpy().mean(), rtol=1e-6)


def test_matches_tf_keras_golden_values():
    """Numbers printed by tf_keras 2.21 for the same inputs."""
    golden = [
        (losses.BinaryCrossentropy(), Y_BIN, Y_PROB, None, 0.6480217576026917),
        (losses.BinaryCrossentropy(label_smoothing=0.2), Y_BIN, Y_PROB, SW, 0.7368706464767456),
        (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), Y_ONEHOT,
         LOGITS, None, 1.7841986417770386),
        (losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1), LABELS,
         LOGITS, None, 1.309227466583252),
        (losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1), LABELS,
         LOGITS, SW, 0.7329825162887573),
        (losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3,
                                        from_logits=True, label_smoothing=0.1), Y_BIN, LOGITS,
         None, 0.18049852550029755),
        (losses.Huber(delta=0.5, reduction="sum"), Y_BIN, LOGITS, None, 2.203809976577759),
        (losses.CategoricalFocalCrossentropy(from_logits=True, gamma=1.0), Y_ONEHOT, LOGITS,
         None, 0.3951079845428467),
    ]
    for loss, y_true, y_pred, weights, value in golden:
        got = loss(y_true, y_pred, sample_weight=weights).numpy()
        np.testing.assert_allclose(got, value, rtol=1e-5, err_msg=loss.name)


def test_from_logits_equivalences():
    x = tf.constant(LOGITS, tf.float64)
    probs = tf.sigmoid(x)
    np.testing.assert_allclose(losses.binary_crossentropy(Y_BIN, x, from_logits=True).numpy(),
                               losses.binary_crossentropy(Y_BIN, probs).numpy(), rtol=1e-5)
    soft = tf.nn.softmax(x)
    np.testing.assert_allclose(
        losses.categorical_crossentropy(Y_ONEHOT, x, from_logits=True).numpy(),
        losses.categorical_crossentropy(Y_ONEHOT, soft).numpy(), rtol=1e-6)
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(LABELS, x, from_logits=True).numpy(),
        losses.categorical_crossentropy(Y_ONEHOT, x, from_logits=True).numpy(), rtol=1e-10)
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(LABELS, soft).numpy(),
        losses.categorical_crossentropy(Y_ONEHOT, soft).numpy(), rtol=1e-6)
    focal = losses.binary_focal_crossentropy(Y_BIN, x, gamma=0.0, from_logits=True)
    np.testing.assert_allclose(focal.numpy(),
                               losses.binary_crossentropy(Y_BIN, x, from_logits=True).numpy(),
                               rtol=1e-10)


def test_crossentropies_stay_finite_at_extremes():
    t = np.array([[1.0, 0.0]])
    assert np.isfinite(losses.binary_crossentropy(t, np.array([[0.0, 1.0]])).numpy()).all()
    big = np.array([[1000.0, -1000.0]])
    np.testing.assert_allclose(losses.binary_crossentropy(t, big, from_logits=True).numpy(), 0)
    assert np.isfinite(losses.categorical_crossentropy(t, np.array([[0.0, 1.0]])).numpy()).all()
    np.testing.assert_allclose(
        losses.categorical_crossentropy(t, -big, from_logits=True).numpy(), [2000.0])
    clipped = losses.binary_crossentropy(np.array([[1.0]]), np.array([[0.0]])).numpy()
    np.testing.assert_allclose(clipped, -np.log(2 * EPS), rtol=1e-3)  # clip to eps, then +eps


def test_sparse_axis_and_sequence_shapes():
    logits = rng.randn(2, 5, 3)
    labels = rng.randint(0, 3, size=(2, 5))
    got = losses.sparse_categorical_crossentropy(labels, logits, from_logits=True).numpy()
    assert got.shape == (2, 5)
    expected = -np.log(_softmax(logits))[np.arange(2)[:, None], np.arange(5), labels]
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    channels_first = np.moveaxis(logits, -1, 1)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(
        labels, channels_first, from_logits=True, axis=1).numpy(), expected, rtol=1e-10)
    cce_axis = losses.categorical_crossentropy(np.moveaxis(np.eye(3)[labels], -1, 1),
                                               channels_first, from_logits=True, axis=1)
    np.testing.assert_allclose(cce_axis.numpy(), expected, rtol=1e-10)


def test_sample_weight_broadcasting_for_sequences():
    """The tf_keras rules: (B,) weights expand to (B, 1); (B, T, 1) squeeze to (B, T)."""
    loss = losses.MeanSquaredError()
    y = rng.rand(2, 3, 4)
    p = rng.rand(2, 3, 4)
    per = ((p - y) ** 2).mean(-1)  # (2, 3)
    w_b = np.array([1.0, 3.0])
    np.testing.assert_allclose(loss(y, p, sample_weight=w_b).numpy(),
                               (per * w_b[:, None]).mean(), rtol=1e-10)
    w_bt = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(loss(y, p, sample_weight=w_bt).numpy(), (per * w_bt).mean(),
                               rtol=1e-10)
    np.testing.assert_allclose(loss(y, p, sample_weight=w_bt[..., None]).numpy(),
                               (per * w_bt).mean(), rtol=1e-10)
    np.testing.assert_allclose(loss(y, p, sample_weight=2.0).numpy(), 2 * per.mean(),
                               rtol=1e-10)
    # y_true of shape (B,) against y_pred (B, 1): the trailing 1 is squeezed, not broadcast
    np.testing.assert_allclose(loss(tf.constant([1.0, 2.0]), tf.constant([[1.5], [2.0]])),
                               0.125)


def test_ignore_class_masks_samples():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    labels = np.array([0, -1, 2, -1])
    per = -np.log(_softmax(LOGITS.astype(np.float64)))
    kept = np.array([per[0, 0], per[2, 2]])
    np.testing.assert_allclose(loss(labels, LOGITS).numpy(), kept.mean(), rtol=1e-5)
    loss.reduction = "sum"
    np.testing.assert_allclose(loss(labels, LOGITS).numpy(), kept.sum(), rtol=1e-5)
    loss.reduction = "none"
    np.testing.assert_allclose(loss(labels, LOGITS).numpy(), [kept[0], 0, kept[1], 0],
                               rtol=1e-5)


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(), losses.MeanAbsolutePercentageError(),
    losses.MeanSquaredLogarithmicError(), losses.BinaryCrossentropy(),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    losses.BinaryFocalCrossentropy(apply_class_balancing=True),
    losses.CategoricalCrossentropy(), losses.CategoricalCrossentropy(from_logits=True),
    losses.CategoricalFocalCrossentropy(from_logits=True),
    losses.SparseCategoricalCrossentropy(from_logits=True), losses.KLDivergence(),
    losses.Poisson(), losses.Huber(), losses.LogCosh(), losses.CosineSimilarity(),
    losses.SquaredHinge(),
], ids=lambda loss: loss.name)
def test_gradients_match_finite_differences(loss):
    y_pred0 = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        y_true = np.array([2, 0])
    else:
        y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    if isinstance(loss, losses.MeanAbsolutePercentageError):
        y_true = y_true + 0.5  # away from the 1 / max(|y_true|, eps) cliff
    weights = np.array([0.7, 1.3])
    y_pred = tf.Variable(y_pred0)
    with tf.GradientTape() as tape:
        value = loss(y_true, y_pred, sample_weight=weights)
    grad = tape.gradient(value, y_pred).numpy()
    numeric = numeric_gradient(
        lambda pred: loss(y_true, pred, sample_weight=weights).numpy(), y_pred0)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


ALL_CLASSES = [losses.MeanSquaredError, losses.MeanAbsoluteError,
               losses.MeanAbsolutePercentageError, losses.MeanSquaredLogarithmicError,
               losses.BinaryCrossentropy, losses.BinaryFocalCrossentropy,
               losses.CategoricalCrossentropy, losses.CategoricalFocalCrossentropy,
               losses.SparseCategoricalCrossentropy, losses.Hinge, losses.SquaredHinge,
               losses.CategoricalHinge, losses.KLDivergence, losses.Poisson, losses.Huber,
               losses.LogCosh, losses.CosineSimilarity]


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_config_round_trip(cls):
    loss = cls(reduction="sum", name="custom_name")
    config = losses.serialize(loss)
    assert config["module"] == "keras.losses" and config["class_name"] == cls.__name__
    assert config["config"]["reduction"] == "sum"
    assert config["config"]["name"] == "custom_name"
    rebuilt = losses.deserialize(config)
    assert type(rebuilt) is cls and rebuilt.get_config() == loss.get_config()
    assert cls.from_config(loss.get_config()).get_config() == loss.get_config()


def test_default_names_and_configs_follow_tf_keras():
    assert losses.MeanSquaredError().get_config() == {
        "reduction": "auto", "name": "mean_squared_error", "fn": "mean_squared_error"}
    assert losses.Huber().name == "huber_loss"
    assert losses.BinaryCrossentropy(from_logits=True).get_config() == {
        "from_logits": True, "label_smoothing": 0.0, "axis": -1, "reduction": "auto",
        "name": "binary_crossentropy", "fn": "binary_crossentropy"}
    assert losses.Reduction.all() == ("auto", "none", "sum", "sum_over_batch_size")


def test_get_serialize_deserialize():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert losses.get("kullback_leibler_divergence") is losses.kl_divergence
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    assert losses.get(None) is None
    huber = losses.get({"class_name": "Huber", "config": {"delta": 2.0}})
    assert huber.get_config()["delta"] == 2.0
    serialized = losses.serialize(losses.mse)
    assert serialized["config"] == "mean_squared_error"
    assert losses.deserialize(serialized) is losses.mean_squared_error

    def my_loss(y_true, y_pred):
        return tf.reduce_mean(y_pred - y_true, axis=-1)

    assert losses.get(my_loss) is my_loss
    assert losses.deserialize("my_loss", custom_objects={"my_loss": my_loss}) is my_loss
    wrapped = losses.LossFunctionWrapper(my_loss, name="mine")
    np.testing.assert_allclose(wrapped(np.zeros((2, 2)), np.ones((2, 2))).numpy(), 1.0)


def test_errors():
    with pytest.raises(ValueError, match="Unknown loss function: 'foo'"):
        losses.get("foo")
    with pytest.raises(ValueError, match="Could not interpret loss"):
        losses.get(5)
    with pytest.raises(ValueError, match="Invalid Reduction Key: average"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match=r"Shapes \(2, 3\) and \(2, 4\) are incompatible"):
        losses.CategoricalCrossentropy()(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="mean_squared_error.*incompatible shapes"):
        losses.MeanSquaredError()(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="sample_weight.*cannot be broadcast"):
        losses.MeanSquaredError()(np.ones((4, 3)), np.ones((4, 3)), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="integer class indices"):
        losses.SparseCategoricalCrossentropy()(Y_ONEHOT, Y_PROB)


def test_reads_keras3_configs_and_reductions():
    config = {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
              "config": {"name": "sparse_categorical_crossentropy",
                         "reduction": "sum_over_batch_size", "from_logits": True,
                         "ignore_class": None, "dtype": None}, "registered_name": None}
    loss = losses.deserialize(config)
    assert isinstance(loss, losses.SparseCategoricalCrossentropy)
    assert loss.get_config()["from_logits"] is True
    assert losses.MeanSquaredError(reduction=None).reduction == "none"
    per = ((Y_PROB - Y_BIN) ** 2).mean(-1)
    mean = losses.MeanSquaredError(reduction="mean")
    np.testing.assert_allclose(mean(Y_BIN, Y_PROB, sample_weight=SW).numpy(), (per * SW).mean(),
                               rtol=1e-6)
    by_weight = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    np.testing.assert_allclose(by_weight(Y_BIN, Y_PROB, sample_weight=SW).numpy(),
                               (per * SW).sum() / SW.sum(), rtol=1e-6)
    np.testing.assert_allclose(by_weight(Y_BIN, Y_PROB).numpy(), per.mean(), rtol=1e-6)


def test_crossentropy_uses_logits_behind_softmax_and_sigmoid_like_tf_keras():
    """tf_keras computes from the logits when y_pred comes from a softmax/sigmoid op inside
    tf.function, or from keras.activations.softmax/sigmoid; otherwise it clips. Numbers
    printed by tf_keras 2.21."""
    from eagerflow.keras import activations

    x = tf.constant([[100.0, 0.0]])
    onehot = tf.constant([[0.0, 1.0]])
    cases = [
        (lambda t: losses.categorical_crossentropy(onehot, tf.nn.softmax(t)), 16.118095),
        (lambda t: losses.binary_crossentropy(tf.constant([[0.0]]), tf.sigmoid(t[:, :1])),
         15.333239),
        (lambda t: losses.sparse_categorical_crossentropy(tf.constant([1]), tf.nn.softmax(t)),
         16.118095),
        (lambda t: losses.binary_focal_crossentropy(tf.constant([[0.0]]),
                                                    tf.sigmoid(t[:, :1])), 15.333239),
    ]
    for fn, clipped in cases:
        np.testing.assert_allclose(fn(x).numpy(), [clipped], rtol=1e-5)  # eager: clipped
        np.testing.assert_allclose(tf.function(fn)(x).numpy(), [100.0], rtol=1e-6)
    def keras_softmax(t):
        return losses.CategoricalCrossentropy()(onehot, activations.softmax(t))

    np.testing.assert_allclose(keras_softmax(x).numpy(), 100.0, rtol=1e-6)
    np.testing.assert_allclose(tf.function(keras_softmax)(x).numpy(), 100.0, rtol=1e-6)
    keras_sigmoid = losses.binary_crossentropy([[0.0]], activations.sigmoid(x[:, :1]))
    np.testing.assert_allclose(keras_sigmoid.numpy(), [100.0], rtol=1e-6)
    # a softmax over another axis than the loss's is left alone (tf_keras: same numbers)
    x3 = tf.constant([[[100.0, 0.0]]])
    other_axis = tf.function(lambda t: losses.categorical_crossentropy(
        tf.constant([[[0.0, 1.0]]]), tf.nn.softmax(t, axis=1), axis=1))
    np.testing.assert_allclose(other_axis(x3).numpy(), [[0.0, 1.1920929e-07]], atol=1e-9)


def test_gradient_through_saturated_softmax_does_not_vanish_when_compiled():
    x = tf.Variable([[100.0, 0.0]])

    @tf.function
    def grad():
        with tf.GradientTape() as tape:
            loss = losses.categorical_crossentropy([[0.0, 1.0]], tf.nn.softmax(x))
        return tape.gradient(loss, x)

    np.testing.assert_allclose(grad().numpy(), [[1.0, -1.0]], atol=1e-6)  # softmax - labels


def test_keras_mask_on_y_pred_weights_the_loss_like_tf_keras():
    """A mask carried by y_pred (e.g. from Embedding(mask_zero=True)) drops entries; mean
    reductions average over the valid ones. Numbers printed by tf_keras 2.21."""
    data = np.random.RandomState(5)
    logits = data.randn(2, 4, 3).astype("float32")
    labels = data.randint(0, 3, size=(2, 4))
    labels[0, 1] = 2
    labels[1, 3] = 2
    weights = np.array([1.0, 3.0], "float32")
    y_pred = tf.constant(logits)
    y_pred._keras_mask = tf.constant([[True, True, False, True], [True, False, False, True]])
    expected = {"sum_over_batch_size": (1.385828971862793, 2.78210711479187),
                "sum": (6.929145812988281, 13.910534858703613)}
    for reduction, (plain, weighted) in expected.items():
        loss = losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)
        np.testing.assert_allclose(loss(labels, y_pred).numpy(), plain, rtol=1e-6)
        np.testing.assert_allclose(loss(labels, y_pred, sample_weight=weights).numpy(),
                                   weighted, rtol=1e-6)
    none = losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")
    np.testing.assert_allclose(none(labels, y_pred).numpy(),
                               [[2.17182, 0.328547, 0.0, 0.938084],
                                [2.664015, 0.0, 0.0, 0.82668]], rtol=1e-5, atol=1e-7)
    mse = losses.MeanSquaredError()
    np.testing.assert_allclose(mse(np.ones((2, 4, 3)), y_pred).numpy(), 2.1959314, rtol=1e-6)
    np.testing.assert_allclose(mse(np.ones((2, 4, 3)), y_pred, sample_weight=weights).numpy(),
                               4.6066132, rtol=1e-6)


# -- sum_over_batch_size: reduce_mean for a static count, divide_no_nan otherwise -----------
@pytest.mark.parametrize("batch", [1, 3, 7, 32, 100])
def test_sum_over_batch_size_is_sum_divided_by_count_eager_and_compiled(batch):
    rng = np.random.default_rng(batch)
    per_sample = rng.standard_normal(batch).astype(np.float32) ** 2
    want = np.float32(np.add.reduce(per_sample)) / np.float32(batch)

    def reduce(x):
        return losses.compute_weighted_loss(x)

    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = losses.compute_weighted_loss(x * 1.0)
        return tape.gradient(loss, x)

    x = tf.constant(per_sample)
    assert reduce(x).numpy() == want
    assert tf.function(reduce)(x).numpy() == want
    # unknown batch size: the run-time count path gives the same bits
    dynamic = tf.function(reduce, input_signature=[tf.TensorSpec([None], tf.float32)])
    assert dynamic(x).numpy() == want
    grad_want = np.full(batch, np.float32(1) / np.float32(batch))
    np.testing.assert_array_equal(gradient(x).numpy(), grad_want)
    np.testing.assert_array_equal(tf.function(gradient)(x).numpy(), grad_want)


def test_sum_over_batch_size_of_no_losses_is_zero():
    empty = tf.zeros([0], tf.float32)
    assert losses.compute_weighted_loss(empty).numpy() == 0.0
    assert tf.function(losses.compute_weighted_loss)(empty).numpy() == 0.0
