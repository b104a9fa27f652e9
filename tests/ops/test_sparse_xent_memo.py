"""The sparse cross-entropy gradient kernel reuses the forward kernel's exponentials when it
runs on the same logits array: the same bits as computing softmax afresh, eager and compiled,
and never a stale value for other logits."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.ops import nn


def _arrays(seed, shape=(6, 5), dtype=np.float32):
    rng = np.random.default_rng(seed)
    logits = (rng.standard_normal(shape) * 4).astype(dtype)
    labels = rng.integers(0, shape[-1], shape[:-1]).astype(np.int32)
    return logits, labels


def _reference_backprop(logits, labels):
    probs = nn._softmax_compute(logits, -1)
    probs[np.arange(len(labels)), labels] -= 1
    return probs


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_backprop_after_forward_is_bit_identical(dtype):
    logits, labels = _arrays(0, dtype=dtype)
    want = _reference_backprop(logits, labels)
    nn._sparse_impl(logits, labels)
    got = nn._sparse_backprop_impl(logits, labels)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    # used up: a second call computes afresh, the same again
    assert nn._sparse_backprop_impl(logits, labels).tobytes() == want.tobytes()


def test_other_logits_or_labels_never_get_the_remembered_values():
    first, labels = _arrays(1)
    second, other_labels = _arrays(2)
    nn._sparse_impl(first, labels)
    got = nn._sparse_backprop_impl(second, other_labels)
    assert got.tobytes() == _reference_backprop(second, other_labels).tobytes()
    nn._sparse_impl(first, labels)
    got = nn._sparse_backprop_impl(first, other_labels)  # same logits, other labels
    assert got.tobytes() == _reference_backprop(first, other_labels).tobytes()


def test_gradient_eager_and_compiled_match_closed_form():
    logits, labels = _arrays(3, (8, 10))

    def loss_and_gradient(x, y):
        with tf.GradientTape() as tape:
            tape.watch(x)
            probs = tf.nn.softmax(x)  # a model's output, computed first, as in Keras
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, x))
        return probs, loss, tape.gradient(loss, x)

    x, y = tf.constant(logits), tf.constant(labels)
    eager = [t.numpy() for t in loss_and_gradient(x, y)]
    compiled = [t.numpy() for t in tf.function(loss_and_gradient)(x, y)]
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)
    want = _reference_backprop(logits, labels) / np.float32(8)
    np.testing.assert_array_equal(eager[2], want)
    shifted = logits.astype(np.float64) - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    np.testing.assert_allclose(eager[1], -log_probs[np.arange(8), labels].mean(), rtol=1e-6)


def test_labels_the_forward_did_not_check_are_checked():
    logits, labels = _arrays(4)
    nn._sparse_impl(logits, labels)
    bad = labels.copy()
    bad[0] = -1
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of -1"):
        nn._sparse_backprop_impl(logits, bad)
