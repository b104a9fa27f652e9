"""Tests of Attention, AdditiveAttention and MultiHeadAttention: values against NumPy and
numbers recorded from tf_keras 2.21, eager vs tf.function vs functional model, masks, configs,
weight names and gradients."""

import numpy as np
import pytest

import eagerflow as tf
from tests.keras.layer_harness import check_layer

layers = tf.keras.layers


def det(shape, k):
    """Deterministic test data (the same formula produced the tf_keras reference numbers)."""
    return np.sin(np.arange(np.prod(shape)) * 0.37 + k).reshape(shape).astype("float32")


Q = det((2, 3, 5), 1)
V = det((2, 4, 6), 2)
MASK = np.array([[[1, 1, 0, 0]] * 3, [[1, 1, 1, 1]] * 3], bool)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def make_mha(**kwargs):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, **kwargs)
    mha(Q, V)
    mha.set_weights([det(w.shape, 10 + i) for i, w in enumerate(mha.weights)])
    return mha


def test_mha_weights_names_and_shapes_match_tf_keras():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4,
                                    name="multi_head_attention")
    mha(Q, V)
    assert [(w.name, tuple(w.shape)) for w in mha.weights] == [
        ("multi_head_attention/query/kernel:0", (5, 2, 3)),
        ("multi_head_attention/query/bias:0", (2, 3)),
        ("multi_head_attention/key/kernel:0", (6, 2, 3)),
        ("multi_head_attention/key/bias:0", (2, 3)),
        ("multi_head_attention/value/kernel:0", (6, 2, 4)),
        ("multi_head_attention/value/bias:0", (2, 4)),
        ("multi_head_attention/attention_output/kernel:0", (2, 4, 5)),
        ("multi_head_attention/attention_output/bias:0", (5,))]
    no_bias = layers.MultiHeadAttention(num_heads=2, key_dim=3, use_bias=False)
    no_bias(Q, V)
    assert len(no_bias.weights) == 4


def test_mha_matches_tf_keras_with_mask():
    mha = make_mha()
    out, scores = mha(Q, V, attention_mask=MASK, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy()[0], [
        [-1.343823, -1.227865, -0.94572, -0.535577, -0.052946],
        [-1.254418, -1.215972, -1.01295, -0.67283, -0.241646],
        [-1.442869, -1.309755, -0.999371, -0.553728, -0.03314]], atol=2e-5)
    np.testing.assert_allclose(scores.numpy()[0, :, 0], [
        [0.190467, 0.809533, 0, 0], [0.443223, 0.556777, 0, 0]], atol=2e-6)
    assert scores.shape == (2, 2, 3, 4)


def test_mha_matches_numpy_reference():
    mha = make_mha()
    wq, bq, wk, bk, wv, bv, wo, bo = [w.numpy() for w in mha.weights]
    q = np.einsum("btd,dnh->btnh", Q, wq) + bq
    k = np.einsum("bsd,dnh->bsnh", V, wk) + bk
    v = np.einsum("bsd,dnh->bsnh", V, wv) + bv
    scores = np.einsum("bsnh,btnh->bnts", k, q / np.sqrt(3.0))
    scores = np.where(MASK[:, None], scores, scores - 1e9)
    probs = softmax(scores)
    context = np.einsum("bnts,bsnh->btnh", probs, v)
    expected = np.einsum("btnh,nhd->btd", context, wo) + bo
    np.testing.assert_allclose(mha(Q, V, attention_mask=MASK).numpy(), expected, atol=1e-5)


def test_mha_causal_mask_matches_tf_keras_and_compiled():
    mha = make_mha()
    eager = mha(Q, V, use_causal_mask=True).numpy()
    np.testing.assert_allclose(eager[1], [
        [-1.113836, -1.09973, -0.936781, -0.647043, -0.269731],
        [-1.228721, -1.190617, -0.991369, -0.657943, -0.235469],
        [-1.332662, -1.260366, -1.017485, -0.636892, -0.1701]], atol=2e-5)
    compiled = tf.function(lambda q, v: mha(q, v, use_causal_mask=True))
    np.testing.assert_allclose(compiled(Q, V).numpy(), eager, atol=1e-6)
    masked = tf.function(lambda q, v, m: mha(q, v, attention_mask=m))
    np.testing.assert_allclose(masked(Q, V, MASK).numpy(), mha(Q, V, attention_mask=MASK),
                               atol=1e-6)


def test_mha_attention_axes_and_output_shape_match_tf_keras():
    x = det((2, 3, 4, 5), 3)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2),
                                    output_shape=(3,))
    out, scores = mha(x, x, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 3) and scores.shape == (2, 2, 3, 4, 3, 4)
    mha.set_weights([det(w.shape, 20 + i) for i, w in enumerate(mha.weights)])
    np.testing.assert_allclose(mha(x, x).numpy()[0, 0], [
        [-0.039372, -0.622665, -1.121683], [0.352101, -0.176389, -0.681006],
        [0.262944, -0.185245, -0.608362], [-0.045895, -0.595696, -1.064873]], atol=2e-5)
    np.testing.assert_allclose(scores.numpy().reshape(2, 2, 12, 12).sum(-1), 1.0, atol=1e-5)


def test_mha_functional_model_config_and_masks_from_inputs():
    query = tf.keras.Input((3, 5))
    value = tf.keras.Input((4, 6))
    mha = layers.MultiHeadAttention(2, 3, value_dim=4)
    out = mha(query, value)
    assert out.shape.as_list() == [None, 3, 5]
    model = tf.keras.Model([query, value], out)
    mha.set_weights(make_mha().get_weights())
    np.testing.assert_allclose(model([Q, V]).numpy(), make_mha()(Q, V).numpy(), atol=1e-6)

    config = mha.get_config()
    assert config["query_shape"] == [None, 3, 5] and config["value_shape"] == [None, 4, 6]
    clone = layers.MultiHeadAttention.from_config(config)
    assert [tuple(w.shape) for w in clone.weights] == [tuple(w.shape) for w in mha.weights]
    clone.set_weights(mha.get_weights())
    np.testing.assert_allclose(clone(Q, V).numpy(), model([Q, V]).numpy(), atol=1e-6)
    assert clone.get_config() == {**config, "name": clone.name}

    # A value mask carried by the tensor (from Embedding(mask_zero=True)) masks the keys.
    ids = np.array([[1, 2, 0, 0], [3, 1, 2, 2]])
    embedded = layers.Embedding(5, 6, mask_zero=True)(ids)
    mha2 = make_mha()
    np.testing.assert_allclose(
        mha2(Q, embedded).numpy(),
        mha2(Q, embedded.numpy(), attention_mask=ids[:, None, :] != 0).numpy(), atol=1e-6)


def test_mha_gradients_match_finite_differences():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2, dtype="float64")
    q = Q.astype(np.float64)
    v = V.astype(np.float64)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sin(mha(q, v, use_causal_mask=True)))
    gradients = tape.gradient(loss, mha.trainable_weights)
    assert all(g is not None for g in gradients)
    kernel = mha.trainable_weights[2]  # key kernel
    base = kernel.numpy().copy()
    eps = 1e-6
    for index in [(0, 0, 0), (3, 1, 1), (5, 0, 1)]:
        values = []
        for sign in (1, -1):
            shifted = base.copy()
            shifted[index] += sign * eps
            kernel.assign(shifted)
            values.append(float(tf.reduce_sum(tf.sin(mha(q, v, use_causal_mask=True)))))
        kernel.assign(base)
        np.testing.assert_allclose(gradients[2].numpy()[index],
                                   (values[0] - values[1]) / (2 * eps), rtol=1e-5, atol=1e-8)


def test_mha_dropout_only_in_training():
    mha = make_mha(dropout=0.5)
    inference = mha(Q, V, training=False).numpy()
    np.testing.assert_allclose(inference, make_mha()(Q, V).numpy(), atol=1e-6)
    _, scores = mha(Q, V, training=True, return_attention_scores=True)
    assert not np.allclose(mha(Q, V, training=True).numpy(), inference)


def test_mha_bad_arguments():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    mha = make_mha()
    with pytest.raises(ValueError, match="built for query"):
        mha(Q[:, :, None], V)


def numpy_dot_attention(q, v, k=None, q_mask=None, v_mask=None, causal=False, score_fn=None):
    k = v if k is None else k
    scores = score_fn(q, k) if score_fn else q @ np.swapaxes(k, -1, -2)
    keep = np.ones(scores.shape, bool)
    if v_mask is not None:
        keep &= v_mask[:, None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[-2:], bool))
    scores = scores - 1e9 * (~keep)
    out = softmax(scores) @ v
    if q_mask is not None:
        out = out * q_mask[..., None]
    return out


def test_attention_layer_harness_and_numpy():
    q, v = Q[:, :, :4], V[:, :, :4]
    check_layer(lambda **kw: layers.Attention(**kw), [q, v],
                expected=numpy_dot_attention(q, v), expected_output_shape=(2, 3, 4))
    k = det((2, 4, 4), 7)
    check_layer(lambda **kw: layers.Attention(use_scale=True, **kw), [q, v, k],
                expected=numpy_dot_attention(q, v, k))


def test_attention_masks_and_causal():
    q, v = Q[:, :, :4], V[:, :, :4]
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[1, 0, 1, 1], [1, 1, 1, 1]], bool)
    layer = layers.Attention()
    out, weights = layer([q, v], mask=[q_mask, v_mask], return_attention_scores=True,
                         use_causal_mask=True)
    np.testing.assert_allclose(out.numpy(), numpy_dot_attention(
        q, v, q_mask=q_mask, v_mask=v_mask, causal=True), atol=1e-6)
    assert np.all(weights.numpy()[0, :, 1] == 0)
    compiled = tf.function(lambda a, b, m1, m2: layer([a, b], mask=[m1, m2],
                                                      use_causal_mask=True))
    np.testing.assert_allclose(compiled(q, v, q_mask, v_mask).numpy(), out.numpy(), atol=1e-6)


def test_attention_concat_matches_tf_keras():
    v = V[:, :, :5]
    layer = layers.Attention(use_scale=True, score_mode="concat", name="attention")
    layer([Q, v])
    assert [w.name for w in layer.weights] == ["attention/scale:0",
                                               "attention/concat_score_weight:0"]
    layer.set_weights([np.float32(0.5), np.float32(1.5)])
    np.testing.assert_allclose(layer([Q, v], use_causal_mask=True).numpy()[0], [
        [0.909297, 0.697278, 0.390885, 0.031587, -0.331985],
        [0.872784, 0.662818, 0.363143, 0.014318, -0.336445],
        [0.315438, 0.535174, 0.682476, 0.737409, 0.692537]], atol=2e-5)
    assert layer.get_config()["score_mode"] == "concat"
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="bad")
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(Q)


def test_additive_attention_matches_tf_keras_and_harness():
    q, v = Q[:, :, :4], V[:, :, :4]
    layer = layers.AdditiveAttention(name="additive_attention")
    layer([q, v])
    assert [w.name for w in layer.weights] == ["additive_attention/scale:0"]
    layer.set_weights([det((4,), 5)])
    out = layer([q, v], mask=[np.array([[1, 1, 0], [1, 1, 1]], bool),
                              np.array([[1, 0, 1, 1], [1, 1, 1, 1]], bool)])
    np.testing.assert_allclose(out.numpy()[0], [
        [0.574852, 0.519088, 0.393067, 0.213847], [0.581176, 0.503345, 0.357388, 0.163061],
        [0, 0, 0, 0]], atol=2e-5)

    def expected(layer, inputs):
        scale = layer.scale.numpy()
        return numpy_dot_attention(*inputs, score_fn=lambda a, b: np.sum(
            scale * np.tanh(a[:, :, None, :] + b[:, None, :, :]), -1))

    check_layer(lambda **kw: layers.AdditiveAttention(**kw), [q, v], expected=expected)


def test_mha_separate_key_and_output_mask():
    mha = make_mha()
    key = det((2, 4, 6), 9)
    wq, bq, wk, bk, wv, bv, wo, bo = [w.numpy() for w in mha.weights]
    q = np.einsum("btd,dnh->btnh", Q, wq) + bq
    k = np.einsum("bsd,dnh->bsnh", key, wk) + bk
    v = np.einsum("bsd,dnh->bsnh", V, wv) + bv
    probs = softmax(np.einsum("bsnh,btnh->bnts", k, q / np.sqrt(3.0)))
    expected = np.einsum("btnh,nhd->btd", np.einsum("bnts,bsnh->btnh", probs, v), wo) + bo
    np.testing.assert_allclose(mha(Q, V, key=key).numpy(), expected, atol=1e-5)

    ids = np.array([[1, 2, 0], [3, 0, 0]])
    embedded = layers.Embedding(5, 4, mask_zero=True)(ids)
    self_attention = layers.MultiHeadAttention(2, 2)
    out = self_attention(embedded, embedded)
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)  # the query's mask
    explicit = self_attention(embedded.numpy(), embedded.numpy(),
                              attention_mask=(ids != 0)[:, :, None] & (ids != 0)[:, None, :])
    np.testing.assert_allclose(out.numpy(), explicit.numpy(), atol=1e-6)
