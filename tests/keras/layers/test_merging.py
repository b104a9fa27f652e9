"""Merging layers against NumPy, eager vs tf.function, shapes, masks, configs and errors."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import merging
from tests.keras.layers.family_support import config_round_trip


def _random(*shape):
    return np.random.uniform(-1, 1, shape).astype(np.float32)


def _both(layer, inputs):
    eager = layer(inputs).numpy()
    compiled = tf.function(lambda *xs: layer(list(xs)))(*inputs).numpy()
    np.testing.assert_allclose(eager, compiled, rtol=1e-6)
    shapes = [x.shape for x in inputs]
    assert eager.shape == tuple(layer.compute_output_shape(shapes).as_list())
    return eager


@pytest.mark.parametrize("cls,reference", [
    (merging.Add, lambda xs: xs[0] + xs[1] + xs[2]),
    (merging.Multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (merging.Average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3),
    (merging.Maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    (merging.Minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
])
def test_elementwise_merges(cls, reference):
    xs = [_random(2, 3, 4) for _ in range(3)]
    np.testing.assert_allclose(_both(cls(), xs), reference(xs), rtol=1e-6)
    config_round_trip(cls(), xs)


def test_function_forms():
    a, b = _random(2, 3), _random(2, 3)
    np.testing.assert_allclose(merging.add([a, b]).numpy(), a + b, rtol=1e-6)
    np.testing.assert_allclose(merging.subtract([a, b]).numpy(), a - b, rtol=1e-6)
    np.testing.assert_allclose(merging.multiply([a, b]).numpy(), a * b, rtol=1e-6)
    np.testing.assert_allclose(merging.average([a, b]).numpy(), (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(merging.maximum([a, b]).numpy(), np.maximum(a, b))
    np.testing.assert_allclose(merging.minimum([a, b]).numpy(), np.minimum(a, b))
    np.testing.assert_allclose(merging.concatenate([a, b], axis=0).numpy(),
                               np.concatenate([a, b], 0))
    np.testing.assert_allclose(merging.dot([a, b], axes=1).numpy(),
                               (a * b).sum(1, keepdims=True), rtol=1e-6)


def test_subtract_and_broadcasting():
    a, b = _random(2, 4, 3), _random(2, 1, 3)
    np.testing.assert_allclose(_both(merging.Subtract(), [a, b]), a - b, rtol=1e-6)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        merging.Subtract()([a, a, a])
    # lower-rank inputs get axes after the batch (Keras): (2, 3) with (2, 4, 3)
    c = _random(2, 3)
    np.testing.assert_allclose(_both(merging.Add(), [a, c]), a + c[:, None], rtol=1e-6)
    with pytest.raises(ValueError, match="broadcastable"):
        merging.Add()([_random(2, 3), _random(2, 4)])
    with pytest.raises(ValueError, match="at least 2 inputs"):
        merging.Add()([a])
    with pytest.raises(ValueError, match="batch sizes"):
        merging.Add()([_random(2, 3), _random(3, 3)])


def test_concatenate():
    a, b = _random(2, 3, 4), _random(2, 5, 4)
    layer = merging.Concatenate(axis=1)
    np.testing.assert_allclose(_both(layer, [a, b]), np.concatenate([a, b], 1))
    assert config_round_trip(layer, [a, b])["axis"] == 1
    last = merging.Concatenate()
    c = _random(2, 3, 2)
    np.testing.assert_allclose(_both(last, [a, c]), np.concatenate([a, c], -1))
    assert last.compute_output_shape([(None, 3, 4), (None, 3, None)]).as_list() == [
        None, 3, None]
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        merging.Concatenate(axis=1)([a, c])


def test_concatenate_and_add_masks():
    a, b = tf.constant(_random(2, 3, 2)), tf.constant(_random(2, 3, 1))
    mask_a = tf.constant([[True, False, True], [True, True, False]])
    layer = merging.Concatenate()
    mask = layer.compute_mask([a, b], [mask_a, None])
    np.testing.assert_array_equal(mask.numpy(), mask_a.numpy())
    add_mask = merging.Add().compute_mask([a, a], [mask_a, tf.constant([[True] * 3,
                                                                         [False] * 3])])
    np.testing.assert_array_equal(add_mask.numpy(), [[True, False, True], [False] * 3])


def test_dot():
    a, b = _random(2, 3), _random(2, 3)
    layer = merging.Dot(axes=1)
    np.testing.assert_allclose(_both(layer, [a, b]), (a * b).sum(1, keepdims=True), rtol=1e-5)
    cosine = merging.Dot(axes=-1, normalize=True)
    expected = ((a / np.linalg.norm(a, axis=1, keepdims=True))
                * (b / np.linalg.norm(b, axis=1, keepdims=True))).sum(1, keepdims=True)
    np.testing.assert_allclose(_both(cosine, [a, b]), expected, rtol=1e-5)
    x, y = _random(2, 3, 4), _random(2, 5, 4)
    pair = merging.Dot(axes=(2, 2))  # attention-style scores: (2, 3, 5)
    np.testing.assert_allclose(_both(pair, [x, y]), np.einsum("nik,njk->nij", x, y),
                               rtol=1e-5)
    mixed = merging.Dot(axes=[1, 2])
    z = _random(2, 4, 3)
    np.testing.assert_allclose(_both(mixed, [x, z]), np.einsum("nkj,nik->nji", x, z),
                               rtol=1e-5)
    config = config_round_trip(pair, [x, y])
    assert config["axes"] == [2, 2] and config["normalize"] is False
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        merging.Dot(axes=1)([x, y])
    with pytest.raises(TypeError, match="axes"):
        merging.Dot(axes="last")


def test_merge_gradients():
    a, b = tf.constant(_random(2, 3)), tf.constant(_random(2, 3))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        out = tf.reduce_sum(merging.Maximum()([a, b]))
        avg = tf.reduce_sum(merging.Average()([a, b]))
    np.testing.assert_array_equal(tape.gradient(out, a).numpy(),
                                  (a.numpy() >= b.numpy()).astype(np.float32))
    np.testing.assert_allclose(tape.gradient(avg, b).numpy(), 0.5)


@pytest.mark.parametrize("factory,shapes", [
    (lambda **kw: merging.Add(**kw), [(2, 3), (2, 3)]),
    (lambda **kw: merging.Subtract(**kw), [(2, 3), (2, 3)]),
    (lambda **kw: merging.Multiply(**kw), [(2, 3), (2, 1), (2, 3)]),
    (lambda **kw: merging.Average(**kw), [(2, 3, 2), (2, 3, 2)]),
    (lambda **kw: merging.Maximum(**kw), [(2, 3), (2, 3)]),
    (lambda **kw: merging.Minimum(**kw), [(2, 3), (2, 3)]),
    (lambda **kw: merging.Concatenate(axis=1, **kw), [(2, 3, 2), (2, 1, 2)]),
    (lambda **kw: merging.Dot(axes=(2, 2), normalize=True, **kw), [(2, 3, 4), (2, 2, 4)]),
])
def test_layer_harness(factory, shapes):
    from tests.keras.layer_harness import check_layer

    rng = np.random.default_rng(6)
    inputs = [rng.uniform(-1, 1, s).astype(np.float32) for s in shapes]
    check_layer(factory, inputs, max_gradient_checks=4)
