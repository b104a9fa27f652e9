"""tf.nn ops: harness cases (values, shape rules, gradients, second order), convolutions and
pooling against naive loop references, TF's padding rules, errors, dtypes and edge cases."""

import itertools
import math

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case

rng = np.random.RandomState(0)


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def away_from_zero(*shape, low=0.2, high=2.0):
    return (f32(*shape, low=low, high=high) * rng.choice([-1, 1], shape)).astype(np.float32)


def distinct(*shape):
    """Values with no ties (max pooling gradients are then well defined)."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1).astype(np.float32)


def as64(fn):
    """A reference computed in float64 and returned in the input's dtype."""
    def reference(x, *args, **kwargs):
        return fn(x.astype(np.float64), *args, **kwargs).astype(x.dtype)
    return reference


# --- NumPy references -------------------------------------------------------------------------
def sigmoid_ref(x):
    return 1 / (1 + np.exp(-x))


def softmax_ref(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def log_softmax_ref(x, axis=-1):
    return np.log(softmax_ref(x.astype(np.float64), axis)).astype(x.dtype)


ERF = np.vectorize(math.erf)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def gelu_ref(x, approximate=False):
    if approximate:
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + ERF(x / math.sqrt(2)))


def pads_ref(size, k, stride, dilation, padding):
    """TF's rule, written out again: SAME out = ceil(in / stride), odd padding goes after."""
    keff = (k - 1) * dilation + 1
    if padding == "VALID":
        return 0, 0
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + keff - size, 0)
        return total // 2, total - total // 2
    return padding


def _norm(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def conv_ref(x, w, strides=1, padding="VALID", dilations=1, depthwise=False):
    """Naive channels-last convolution with loops over outputs and kernel taps."""
    n = w.ndim - 2
    strides, dilations = _norm(strides, n), _norm(dilations, n)
    pads = [pads_ref(x.shape[1 + i], w.shape[i], strides[i], dilations[i],
                     padding if isinstance(padding, str) else padding[1 + i]) for i in range(n)]
    xp = np.pad(x.astype(np.float64), [(0, 0)] + pads + [(0, 0)])
    outs = [(xp.shape[1 + i] - (w.shape[i] - 1) * dilations[i] - 1) // strides[i] + 1
            for i in range(n)]
    channels = w.shape[-2] * w.shape[-1] if depthwise else w.shape[-1]
    y = np.zeros((x.shape[0], *outs, channels))
    for b in range(x.shape[0]):
        for o in itertools.product(*map(range, outs)):
            for tap in itertools.product(*map(range, w.shape[:n])):
                pos = tuple(oi * s + t * d for oi, s, t, d in zip(o, strides, tap, dilations))
                v = xp[(b,) + pos]
                if depthwise:
                    y[(b,) + o] += (v[:, None] * w[tap]).reshape(-1)
                else:
                    y[(b,) + o] += v @ w[tap]
    return y.astype(x.dtype)


def conv_transpose_ref(g, w, output_shape, strides, padding="SAME", dilations=1):
    """The adjoint of conv_ref, by scattering each output back over its taps."""
    n = w.ndim - 2
    strides, dilations = _norm(strides, n), _norm(dilations, n)
    sizes = output_shape[1:-1]
    pads = [pads_ref(sizes[i], w.shape[i], strides[i], dilations[i],
                     padding if isinstance(padding, str) else padding[1 + i]) for i in range(n)]
    dxp = np.zeros((output_shape[0], *[s + a + b for s, (a, b) in zip(sizes, pads)],
                    w.shape[-2]))
    for b in range(g.shape[0]):
        for o in itertools.product(*map(range, g.shape[1:-1])):
            for tap in itertools.product(*map(range, w.shape[:n])):
                pos = tuple(oi * s + t * d for oi, s, t, d in zip(o, strides, tap, dilations))
                dxp[(b,) + pos] += w[tap] @ g[(b,) + o]
    crop = (slice(None),) + tuple(slice(a, a + s) for (a, _), s in zip(pads, sizes))
    return dxp[crop].astype(g.dtype)


def depthwise_transpose_ref(g, w, input_sizes, stride):
    """The adjoint of a SAME depthwise conv, by scattering."""
    c, m = w.shape[-2:]
    pads = [pads_ref(input_sizes[1 + i], w.shape[i], stride, 1, "SAME") for i in range(2)]
    dxp = np.zeros((input_sizes[0], *[s + a + b for s, (a, b) in zip(input_sizes[1:3], pads)],
                    c))
    g5 = g.reshape(g.shape[:-1] + (c, m))
    for b in range(g.shape[0]):
        for o in itertools.product(*map(range, g.shape[1:3])):
            for tap in itertools.product(*map(range, w.shape[:2])):
                pos = tuple(oi * stride + t for oi, t in zip(o, tap))
                dxp[(b,) + pos] += (g5[(b,) + o] * w[tap]).sum(-1)
    return dxp[:, pads[0][0]:pads[0][0] + input_sizes[1],
               pads[1][0]:pads[1][0] + input_sizes[2]].astype(g.dtype)


def depthwise_filter_grad_ref(x, g, filter_sizes):
    """d sum(g * depthwise(x, w)) / dw, SAME stride 1, by finite sums over positions."""
    kh, kw, c, m = filter_sizes
    pads = [pads_ref(x.shape[1 + i], filter_sizes[i], 1, 1, "SAME") for i in range(2)]
    xp = np.pad(x.astype(np.float64), [(0, 0)] + pads + [(0, 0)])
    g5 = g.reshape(g.shape[:-1] + (c, m))
    dw = np.zeros(filter_sizes)
    for i, j in itertools.product(range(kh), range(kw)):
        xs = xp[:, i:i + g.shape[1], j:j + g.shape[2]]
        dw[i, j] = (xs[..., None] * g5).sum((0, 1, 2))
    return dw.astype(x.dtype)


def lrn_ref(x, depth_radius, bias, alpha, beta):
    x64 = x.astype(np.float64)
    sq = np.pad(x64 ** 2, [(0, 0)] * (x.ndim - 1) + [(depth_radius, depth_radius)])
    sums = sum(sq[..., i:i + x.shape[-1]] for i in range(2 * depth_radius + 1))
    return (x64 / (bias + alpha * sums) ** beta).astype(x.dtype)


def log_poisson_ref(targets, log_input, compute_full_loss):
    z, c = targets.astype(np.float64), log_input.astype(np.float64)
    loss = np.exp(c) - c * z
    safe = np.where(z > 1, z, 1)
    stirling = safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe)
    return (loss + np.where(z > 1, stirling, 0)).astype(log_input.dtype)


def pool_ref(x, ksize, strides, padding, kind):
    n = x.ndim - 2
    ksize, strides = _norm(ksize, n), _norm(strides, n)
    pads = [pads_ref(x.shape[1 + i], ksize[i], strides[i], 1, padding) for i in range(n)]
    outs = [(x.shape[1 + i] + sum(pads[i]) - ksize[i]) // strides[i] + 1 for i in range(n)]
    y = np.zeros((x.shape[0], *outs, x.shape[-1]), x.dtype)
    for o in itertools.product(*map(range, outs)):
        window = tuple(slice(max(oi * s - a, 0), min(oi * s - a + k, size))
                       for oi, s, (a, _), k, size in zip(o, strides, pads, ksize, x.shape[1:-1]))
        part = x[(slice(None),) + window]
        axes = tuple(range(1, n + 1))
        y[(slice(None),) + o] = part.max(axes) if kind == "max" else part.mean(axes)
    return y


# --- harness cases ------------------------------------------------------------------------------
X = away_from_zero(3, 4)
X_RELU6 = np.array([[-1.5, 0.5, 3.0, 5.5], [6.5, 7.0, -0.3, 2.0]], np.float32)
LOGITS = f32(3, 5)
PROBS = softmax_ref(f32(3, 5).astype(np.float64)).astype(np.float32)
LABELS01 = rng.uniform(0, 1, (3, 4)).astype(np.float32)


def xent_ref(labels, logits, axis=-1):
    return -(labels * log_softmax_ref(logits, axis)).sum(axis)


def sparse_ref(labels, logits):
    logp = log_softmax_ref(logits)
    return -np.take_along_axis(logp, labels[..., None].astype(np.int64), -1)[..., 0]


def sigmoid_xent_ref(labels, logits):
    x, z = logits.astype(np.float64), labels.astype(np.float64)
    return (np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))).astype(logits.dtype)


def weighted_xent_ref(labels, logits, pos_weight):
    x, z = logits.astype(np.float64), labels.astype(np.float64)
    return (z * -np.log(sigmoid_ref(x)) * pos_weight + (1 - z) * -np.log(1 - sigmoid_ref(x))
            ).astype(logits.dtype)


def bias_add_ref(value, bias, data_format=None):
    if data_format and data_format.startswith("NC"):
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


def l2_normalize_ref(x, axis=None, epsilon=1e-12):
    x64 = x.astype(np.float64)
    return (x64 / np.sqrt(np.maximum((x64 ** 2).sum(axis, keepdims=True), epsilon))
            ).astype(x.dtype)


def batch_norm_ref(x, mean, variance, offset, scale, variance_epsilon):
    return ((x - mean) / np.sqrt(variance + variance_epsilon) * scale + offset).astype(x.dtype)


def clip_by_norm_ref(t, clip_norm, axes=None):
    axes = None if axes is None else tuple(axes)
    norm = np.sqrt((t.astype(np.float64) ** 2).sum(axes, keepdims=True))
    return (t * clip_norm / np.maximum(norm, clip_norm)).astype(t.dtype)


IMG = f32(1, 5, 5, 2)
FILT = f32(3, 3, 2, 3)
IMG_NCHW = f32(1, 2, 5, 5)
DW_FILT = f32(3, 3, 2, 2)
PW_FILT = f32(1, 1, 4, 3)
IDS = np.array([[0, 2], [3, 2]], np.int32)
TABLE = f32(4, 3)

CASES = [
    # activations
    OpCase("relu", tf.nn.relu, (X,), lambda x: np.maximum(x, 0), order=2),
    OpCase("relu_int", tf.nn.relu, (np.array([-2, 0, 3], np.int32),), lambda x: np.maximum(x, 0)),
    OpCase("relu6", tf.nn.relu6, (X_RELU6,), lambda x: np.clip(x, 0, 6), order=2),
    OpCase("leaky_relu", tf.nn.leaky_relu, (X,), lambda x: np.where(x > 0, x, 0.2 * x), order=2),
    OpCase("leaky_relu_alpha", tf.nn.leaky_relu, (X,), lambda x, alpha: np.where(x > 0, x,
                                                                                  alpha * x),
           kwargs={"alpha": 0.5}),
    OpCase("elu", tf.nn.elu, (X,), as64(lambda x: np.where(x > 0, x, np.expm1(x))), order=2),
    OpCase("selu", tf.nn.selu, (X,), as64(lambda x: SELU_SCALE * np.where(
        x > 0, x, SELU_ALPHA * np.expm1(x))), order=2),
    OpCase("gelu", tf.nn.gelu, (X,), as64(gelu_ref), order=2),
    OpCase("gelu_tanh", tf.nn.gelu, (X,), as64(gelu_ref), kwargs={"approximate": True},
           order=2),
    OpCase("silu", tf.nn.silu, (X,), as64(lambda x: x * sigmoid_ref(x)), order=2),
    OpCase("swish_beta", tf.nn.swish, (X,), as64(lambda x, beta: x * sigmoid_ref(beta * x)),
           kwargs={"beta": 1.5}),
    OpCase("sigmoid", tf.nn.sigmoid, (X,), as64(sigmoid_ref), order=2),
    OpCase("tanh", tf.nn.tanh, (X,), as64(np.tanh), order=2),
    OpCase("softplus", tf.nn.softplus, (X,), as64(lambda x: np.log1p(np.exp(x))), order=2),
    OpCase("softsign", tf.nn.softsign, (X,), as64(lambda x: x / (1 + np.abs(x))), order=2),
    # softmax family and losses
    OpCase("softmax", tf.nn.softmax, (LOGITS,), as64(softmax_ref), order=2),
    OpCase("softmax_axis0", tf.nn.softmax, (LOGITS,), as64(softmax_ref), kwargs={"axis": 0}),
    OpCase("softmax_rank3_axis1", tf.nn.softmax, (f32(2, 3, 2),), as64(softmax_ref),
           kwargs={"axis": 1}, order=2),
    OpCase("log_softmax", tf.nn.log_softmax, (LOGITS,), log_softmax_ref, order=2),
    OpCase("log_softmax_axis0", tf.nn.log_softmax, (LOGITS,), log_softmax_ref,
           kwargs={"axis": 0}),
    OpCase("softmax_xent", tf.nn.softmax_cross_entropy_with_logits, (PROBS, LOGITS), xent_ref,
           order=2),
    OpCase("softmax_xent_axis0", tf.nn.softmax_cross_entropy_with_logits,
           (PROBS.T.copy(), LOGITS.T.copy()), xent_ref, kwargs={"axis": 0}),
    OpCase("sparse_xent", tf.nn.sparse_softmax_cross_entropy_with_logits,
           (np.array([0, 4, 2], np.int32), LOGITS), sparse_ref, order=2),
    OpCase("sparse_xent_rank3", tf.nn.sparse_softmax_cross_entropy_with_logits,
           (np.array([[0, 1], [2, 0]], np.int64), f32(2, 2, 3)), sparse_ref),
    OpCase("sigmoid_xent", tf.nn.sigmoid_cross_entropy_with_logits, (LABELS01, X),
           sigmoid_xent_ref, order=2),
    OpCase("weighted_xent", tf.nn.weighted_cross_entropy_with_logits, (LABELS01, X, 2.5),
           weighted_xent_ref, rtol=1e-4),
    OpCase("l2_loss", tf.nn.l2_loss, (X,), lambda x: np.float32((x.astype(np.float64) ** 2).sum()
                                                                 / 2), order=2),
    OpCase("l2_normalize", tf.nn.l2_normalize, (X,), l2_normalize_ref, kwargs={"axis": 1},
           order=2),
    OpCase("l2_normalize_all", tf.math.l2_normalize, (X,), l2_normalize_ref),
    OpCase("moments", tf.nn.moments, (f32(4, 3),), lambda x, axes: (
        x.mean(0).astype(x.dtype), x.var(0).astype(x.dtype)), kwargs={"axes": [0]}),
    OpCase("moments_keepdims", tf.nn.moments, (f32(2, 3, 4),), lambda x, axes, keepdims: (
        x.mean((0, 2), keepdims=True).astype(x.dtype),
        x.var((0, 2), keepdims=True).astype(x.dtype)),
        kwargs={"axes": [0, 2], "keepdims": True}),
    OpCase("batch_normalization", tf.nn.batch_normalization,
           (f32(4, 3), f32(3), f32(3, low=0.5, high=2), f32(3), f32(3)), batch_norm_ref,
           kwargs={"variance_epsilon": 1e-3}, rtol=1e-4, atol=1e-5),
    OpCase("bias_add", tf.nn.bias_add, (f32(2, 3, 4), f32(4)), bias_add_ref, order=2),
    OpCase("bias_add_nchw", tf.nn.bias_add, (f32(2, 3, 4, 2), f32(3)), bias_add_ref,
           kwargs={"data_format": "NCHW"}, order=2),
    # convolutions
    OpCase("conv2d_same", tf.nn.conv2d, (IMG, FILT), conv_ref,
           kwargs={"strides": 1, "padding": "SAME"}, order=2, rtol=1e-4, atol=1e-5),
    OpCase("conv2d_valid", tf.nn.conv2d, (IMG, FILT), conv_ref,
           kwargs={"strides": [1, 1, 1, 1], "padding": "VALID"}, rtol=1e-4, atol=1e-5),
    OpCase("conv2d_stride2_same", tf.nn.conv2d, (f32(2, 6, 5, 2), FILT), conv_ref,
           kwargs={"strides": 2, "padding": "SAME"}, order=2, rtol=1e-4, atol=1e-5),
    OpCase("conv2d_stride_hw", tf.nn.conv2d, (IMG, FILT), conv_ref,
           kwargs={"strides": [2, 1], "padding": "VALID"}, rtol=1e-4, atol=1e-5),
    OpCase("conv2d_explicit", tf.nn.conv2d, (IMG, FILT), conv_ref,
           kwargs={"strides": 1, "padding": [[0, 0], [2, 0], [1, 3], [0, 0]]}, order=2,
           rtol=1e-4, atol=1e-5),
    OpCase("conv2d_dilated", tf.nn.conv2d, (f32(1, 6, 6, 2), FILT), conv_ref,
           kwargs={"strides": 1, "padding": "SAME", "dilations": 2}, order=2, rtol=1e-4,
           atol=1e-5),
    OpCase("conv2d_even_kernel_same", tf.nn.conv2d, (f32(1, 5, 6, 2), f32(2, 2, 2, 3)), conv_ref,
           kwargs={"strides": 2, "padding": "SAME"}, order=2, rtol=1e-4, atol=1e-5),
    OpCase("conv2d_explicit_pad_wider_than_kernel", tf.nn.conv2d, (f32(1, 4, 4, 2), FILT),
           conv_ref, kwargs={"strides": 1, "padding": [[0, 0], [4, 1], [0, 3], [0, 0]]},
           order=2, rtol=1e-4, atol=1e-5),
    OpCase("conv2d_dilated_strided", tf.nn.conv2d, (f32(1, 7, 7, 2), FILT), conv_ref,
           kwargs={"strides": 2, "padding": "VALID", "dilations": [2, 1]}, rtol=1e-4,
           atol=1e-5),
    OpCase("conv2d_nchw", tf.nn.conv2d, (IMG_NCHW, FILT),
           lambda x, w, **k: np.moveaxis(conv_ref(np.moveaxis(x, 1, -1), w, 1, "SAME"), -1, 1),
           kwargs={"strides": 1, "padding": "SAME", "data_format": "NCHW"}, order=2, rtol=1e-4,
           atol=1e-5),
    OpCase("conv1d", tf.nn.conv1d, (f32(2, 7, 2), f32(3, 2, 3)),
           lambda x, w, stride, padding: conv_ref(x, w, stride, padding),
           kwargs={"stride": 2, "padding": "SAME"}, order=2, rtol=1e-4, atol=1e-5),
    OpCase("conv3d", tf.nn.conv3d, (f32(1, 4, 3, 4, 2), f32(2, 2, 2, 2, 2)),
           lambda x, w, strides, padding: conv_ref(x, w, (1, 2, 1), padding),
           kwargs={"strides": [1, 1, 2, 1, 1], "padding": "SAME"}, rtol=1e-4, atol=1e-5),
    OpCase("convolution", tf.nn.convolution, (IMG, FILT), conv_ref,
           kwargs={"padding": "VALID"}, rtol=1e-4, atol=1e-5),
    OpCase("conv2d_transpose", tf.nn.conv2d_transpose, (f32(1, 3, 3, 3), FILT),
           lambda g, w, output_shape, strides, padding: conv_transpose_ref(
               g, w, output_shape, strides, padding),
           kwargs={"output_shape": [1, 5, 5, 2], "strides": 2, "padding": "SAME"}, order=2,
           rtol=1e-4, atol=1e-5),
    OpCase("conv2d_transpose_stride1_valid", tf.nn.conv2d_transpose, (f32(1, 3, 3, 3), FILT),
           lambda g, w, output_shape, strides, padding: conv_transpose_ref(
               g, w, output_shape, strides, padding),
           kwargs={"output_shape": [1, 5, 5, 2], "strides": 1, "padding": "VALID"}, order=2,
           rtol=1e-4, atol=1e-5),
    OpCase("conv2d_transpose_nchw", tf.nn.conv2d_transpose, (f32(1, 3, 2, 2), FILT),
           lambda g, w, output_shape, strides, padding, data_format: np.moveaxis(
               conv_transpose_ref(np.moveaxis(g, 1, -1), w, [1, 4, 4, 2], strides, padding),
               -1, 1),
           kwargs={"output_shape": [1, 2, 4, 4], "strides": 2, "padding": "SAME",
                   "data_format": "NCHW"}, order=2, rtol=1e-4, atol=1e-5),
    OpCase("conv1d_transpose", tf.nn.conv1d_transpose, (f32(2, 4, 3), f32(3, 2, 3)),
           lambda g, w, output_shape, strides: conv_transpose_ref(g, w, output_shape, strides),
           kwargs={"output_shape": [2, 8, 2], "strides": 2}, rtol=1e-4, atol=1e-5),
    OpCase("conv3d_transpose", tf.nn.conv3d_transpose, (f32(1, 2, 2, 2, 2), f32(2, 2, 2, 1, 2)),
           lambda g, w, output_shape, strides, padding: conv_transpose_ref(
               g, w, output_shape, strides, padding),
           kwargs={"output_shape": [1, 4, 3, 4, 1], "strides": 2, "padding": "SAME"},
           rtol=1e-4, atol=1e-5),
    OpCase("depthwise_conv2d", tf.nn.depthwise_conv2d, (IMG, DW_FILT),
           lambda x, w, strides, padding: conv_ref(x, w, 1, padding, depthwise=True),
           kwargs={"strides": [1, 1, 1, 1], "padding": "SAME"}, order=2, rtol=1e-4, atol=1e-5),
    OpCase("depthwise_conv2d_strided", tf.nn.depthwise_conv2d, (f32(1, 6, 5, 2), DW_FILT),
           lambda x, w, strides, padding: conv_ref(x, w, 2, padding, depthwise=True),
           kwargs={"strides": [1, 2, 2, 1], "padding": "VALID"}, order=2, rtol=1e-4, atol=1e-5),
    OpCase("depthwise_conv2d_dilated_nchw", tf.nn.depthwise_conv2d,
           (f32(1, 2, 6, 6), f32(2, 2, 2, 3)),
           lambda x, w, strides, padding, data_format, dilations: np.moveaxis(conv_ref(
               np.moveaxis(x, 1, -1), w, 1, padding, 2, depthwise=True), -1, 1),
           kwargs={"strides": 1, "padding": "SAME", "data_format": "NCHW", "dilations": 2},
           order=2, rtol=1e-4, atol=1e-5),
    OpCase("separable_conv2d", tf.nn.separable_conv2d, (IMG, DW_FILT, PW_FILT),
           lambda x, d, p, strides, padding: conv_ref(
               conv_ref(x, d, 1, padding, depthwise=True), p, 1, "VALID"),
           kwargs={"strides": [1, 1, 1, 1], "padding": "SAME"}, rtol=1e-4, atol=1e-5),
    # pooling
    OpCase("max_pool2d_valid", tf.nn.max_pool2d, (distinct(1, 5, 5, 2),),
           lambda x, ksize, strides, padding: pool_ref(x, ksize, strides, padding, "max"),
           kwargs={"ksize": 2, "strides": 2, "padding": "VALID"}, order=2),
    OpCase("max_pool2d_same_overlap", tf.nn.max_pool2d, (distinct(2, 5, 4, 2),),
           lambda x, ksize, strides, padding: pool_ref(x, ksize, (2, 1), padding, "max"),
           kwargs={"ksize": 3, "strides": [1, 2, 1, 1], "padding": "SAME"}, order=2),
    OpCase("max_pool2d_nchw", tf.nn.max_pool2d, (distinct(1, 2, 5, 5),),
           lambda x, ksize, strides, padding, data_format: np.moveaxis(pool_ref(
               np.moveaxis(x, 1, -1), ksize, strides, padding, "max"), -1, 1),
           kwargs={"ksize": 2, "strides": 2, "padding": "SAME", "data_format": "NCHW"}),
    OpCase("max_pool2d_explicit", tf.nn.max_pool2d, (distinct(1, 4, 4, 1),),
           lambda x, ksize, strides, padding: pool_ref(
               np.pad(x, [(0, 0), (1, 0), (0, 1), (0, 0)], constant_values=-np.inf), ksize,
               strides, "VALID", "max"),
           kwargs={"ksize": 2, "strides": 1, "padding": [[0, 0], [1, 0], [0, 1], [0, 0]]}),
    OpCase("max_pool1d", tf.nn.max_pool1d, (distinct(2, 7, 3),),
           lambda x, ksize, strides, padding: pool_ref(x, ksize, strides, padding, "max"),
           kwargs={"ksize": 3, "strides": 2, "padding": "SAME"}),
    OpCase("max_pool_nd", tf.nn.max_pool, (distinct(1, 4, 4, 3, 1),),
           lambda x, ksize, strides, padding: pool_ref(x, ksize, strides, padding, "max"),
           kwargs={"ksize": 2, "strides": 2, "padding": "SAME"}),
    OpCase("avg_pool2d_same", tf.nn.avg_pool2d, (f32(1, 5, 5, 2),),
           lambda x, ksize, strides, padding: pool_ref(x, ksize, strides, padding, "avg"),
           kwargs={"ksize": 3, "strides": 2, "padding": "SAME"}, order=2),
    OpCase("avg_pool2d_valid", tf.nn.avg_pool2d, (f32(1, 5, 5, 2),),
           lambda x, ksize, strides, padding: pool_ref(x, 2, (1, 2), padding, "avg"),
           kwargs={"ksize": [1, 2, 2, 1], "strides": [1, 1, 2, 1], "padding": "VALID"}),
    OpCase("avg_pool2d_nchw", tf.nn.avg_pool2d, (f32(2, 3, 4, 5),),
           lambda x, ksize, strides, padding, data_format: np.moveaxis(pool_ref(
               np.moveaxis(x, 1, -1), ksize, strides, padding, "avg"), -1, 1),
           kwargs={"ksize": 3, "strides": 2, "padding": "SAME", "data_format": "NCHW"},
           order=2),
    OpCase("avg_pool1d", tf.nn.avg_pool1d, (f32(2, 6, 2),),
           lambda x, ksize, strides, padding: pool_ref(x, ksize, strides, padding, "avg"),
           kwargs={"ksize": 4, "strides": 1, "padding": "SAME"}),
    OpCase("avg_pool3d", tf.nn.avg_pool3d, (f32(1, 3, 4, 3, 1),),
           lambda x, ksize, strides, padding: pool_ref(x, ksize, strides, padding, "avg"),
           kwargs={"ksize": 2, "strides": 2, "padding": "SAME"}),
    # embeddings and clipping
    OpCase("embedding_lookup", tf.nn.embedding_lookup, (TABLE, IDS),
           lambda params, ids: params[ids], order=2),
    OpCase("embedding_lookup_rank3", tf.nn.embedding_lookup, (f32(5, 2, 2),
                                                              np.array([4, 0, 4], np.int64)),
           lambda params, ids: params[ids]),
    # extras
    OpCase("crelu", tf.nn.crelu, (X,), lambda x: np.concatenate([np.maximum(x, 0),
                                                                 np.maximum(-x, 0)], -1)),
    OpCase("atrous_conv2d", tf.nn.atrous_conv2d, (f32(1, 6, 6, 2), FILT),
           lambda x, w, rate, padding: conv_ref(x, w, 1, padding, rate),
           kwargs={"rate": 2, "padding": "SAME"}, rtol=1e-4, atol=1e-5),
    OpCase("depthwise_backprop_input", tf.nn.depthwise_conv2d_backprop_input,
           ([1, 5, 5, 2], DW_FILT, f32(1, 3, 3, 4)),
           lambda sizes, w, g, strides, padding: depthwise_transpose_ref(g, w, sizes, 2),
           kwargs={"strides": [1, 2, 2, 1], "padding": "SAME"}, order=2, rtol=1e-4,
           atol=1e-5),
    OpCase("depthwise_backprop_filter", tf.nn.depthwise_conv2d_backprop_filter,
           (IMG, [3, 3, 2, 2], f32(1, 5, 5, 4)),
           lambda x, sizes, g, strides, padding: depthwise_filter_grad_ref(x, g, sizes),
           kwargs={"strides": 1, "padding": "SAME"}, order=2, rtol=1e-4, atol=1e-5),
    OpCase("pool_avg", tf.nn.pool, (f32(1, 5, 5, 2),),
           lambda x, window_shape, pooling_type, strides, padding: pool_ref(
               x, 2, 2, padding, "avg"),
           kwargs={"window_shape": [2, 2], "pooling_type": "AVG", "strides": [2, 2],
                   "padding": "SAME"}),
    OpCase("weighted_moments", lambda x, w, axes: tf.nn.weighted_moments(x, axes, w),
           (f32(4, 3), rng.uniform(0.5, 2, (4, 1)).astype(np.float32)),
           lambda x, w, axes: (
               ((w * x).sum(0) / (w + 0 * x).sum(0)).astype(x.dtype),
               ((w * (x - (w * x).sum(0) / (w + 0 * x).sum(0)) ** 2).sum(0) /
                (w + 0 * x).sum(0)).astype(x.dtype)),
           kwargs={"axes": [0]}, rtol=1e-4, atol=1e-5),
    OpCase("zero_fraction", tf.nn.zero_fraction, (np.array([0.0, 1.0, 0.0, 2.0], np.float32),),
           lambda x: np.float32(0.5), grad=()),
    OpCase("lrn", tf.nn.local_response_normalization, (f32(2, 3, 7),), lrn_ref,
           kwargs={"depth_radius": 2, "bias": 1.5, "alpha": 0.3, "beta": 0.75}, rtol=1e-4,
           atol=1e-5),
    OpCase("log_poisson_loss", tf.nn.log_poisson_loss,
           (np.array([0.0, 1.0, 2.5, 4.0], np.float32), f32(4)), log_poisson_ref,
           kwargs={"compute_full_loss": True}, grad=(1,), rtol=1e-5),
    OpCase("compute_average_loss", tf.nn.compute_average_loss, (f32(4), f32(4)),
           lambda loss, w: np.float32((loss * w).sum() / 4)),
    OpCase("compute_average_loss_global", tf.nn.compute_average_loss, (f32(4, 2),),
           lambda loss, global_batch_size: np.float32(loss.sum() / 16),
           kwargs={"global_batch_size": 16}),
    OpCase("clip_by_norm", tf.clip_by_norm, (X, 1.5), clip_by_norm_ref, order=2),
    OpCase("clip_by_norm_axes", tf.clip_by_norm, (X, 1.0), clip_by_norm_ref,
           kwargs={"axes": [1]}),
    OpCase("clip_by_norm_small", tf.clip_by_norm, (X, 100.0), clip_by_norm_ref),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


# --- namespaces -----------------------------------------------------------------------------------
def test_namespaces():
    for name in ["relu", "conv2d", "max_pool2d", "softmax_cross_entropy_with_logits", "dropout",
                 "embedding_lookup", "moments", "batch_normalization", "swish", "silu"]:
        assert callable(getattr(tf.nn, name))
    assert tf.clip_by_norm is tf.nn.__dict__.get("clip_by_norm", tf.clip_by_norm)
    assert callable(tf.clip_by_global_norm)
    assert not hasattr(tf, "relu") and not hasattr(tf, "conv2d")
    assert tf.math.softmax is tf.nn.softmax and tf.math.log_softmax is tf.nn.log_softmax


# --- TF's padding and shape rules -------------------------------------------------------------


# --- errors ---------------------------------------------------------------------------------------


def test_softmax_errors():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.softmax(tf.constant([1, 2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis"):
        tf.nn.softmax(LOGITS, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="broadcastable"):
        tf.nn.softmax_cross_entropy_with_logits(f32(3, 4), LOGITS)


def test_sparse_softmax_label_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 5.*range of "
                                                             r"\[0, 5\)"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([0, 5, 1], np.int32), LOGITS)
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of -1"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([0, -1, 1], np.int32), LOGITS)
    with pytest.raises(ValueError, match="Rank mismatch"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.zeros((3, 1), np.int32), LOGITS)
    with pytest.raises(TypeError, match="int32 or int64"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.zeros(3, np.float32), LOGITS)


def test_bias_add_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[3\] vs. \[2, 4\]"):
        tf.nn.bias_add(f32(2, 4), f32(3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="1D"):
        tf.nn.bias_add(f32(2, 4), f32(1, 4))


def test_dropout_argument_errors():
    with pytest.raises(ValueError, match=r"range \[0, 1\)"):
        tf.nn.dropout(X, 1.0)
    with pytest.raises(ValueError, match=r"range \[0, 1\)"):
        tf.nn.dropout(X, -0.1)
    with pytest.raises(ValueError, match="floating point"):
        tf.nn.dropout(tf.constant([1, 2]), 0.5)


def test_embedding_lookup_id_out_of_range():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1,0\] = 7 is not in "
                                                             r"\[0, 4\)"):
        tf.nn.embedding_lookup(TABLE, np.array([[0, 1], [7, 2]], np.int32))


def test_clip_by_global_norm_requires_a_list():
    with pytest.raises(TypeError, match="sequence"):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)


# --- dtypes ---------------------------------------------------------------------------------------
def test_python_lists_become_float32():
    assert tf.nn.relu([-1.0, 2.0]).dtype == tf.float32
    assert tf.nn.softmax([[1.0, 2.0]]).dtype == tf.float32
    assert tf.nn.relu([-1, 2]).dtype == tf.int32


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes_are_kept(dtype):
    x = tf.constant(X.astype(dtype))
    for fn in (tf.nn.relu, tf.nn.elu, tf.nn.selu, tf.nn.gelu, tf.nn.softmax, tf.nn.log_softmax,
               tf.nn.softsign, tf.nn.silu, tf.nn.l2_normalize):
        assert fn(x).dtype == x.dtype, fn.__name__
    img = tf.constant(IMG.astype(dtype))
    assert tf.nn.conv2d(img, FILT.astype(dtype), 1, "SAME").dtype == img.dtype
    assert tf.nn.max_pool2d(img, 2, 2, "SAME").dtype == img.dtype
    assert tf.nn.avg_pool2d(img, 2, 2, "SAME").dtype == img.dtype


def test_leaky_relu_casts_integers_to_float32():
    out = tf.nn.leaky_relu(tf.constant([-2, 3]))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), [-0.4, 3.0])


def test_moments_of_float16_computed_in_float32():
    x = np.array([60000, 60000, 60000, 60000], np.float16)
    mean, variance = tf.nn.moments(tf.constant(x), axes=[0])
    assert mean.dtype == tf.float16 and variance.dtype == tf.float16
    assert float(mean) == 60000 and float(variance) == 0


# --- gradients and values at edges ---------------------------------------------------------------
def gradient(fn, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x).numpy()


def test_relu_family_gradient_at_kinks():
    np.testing.assert_array_equal(gradient(tf.nn.relu, np.array([-1.0, 0.0, 1.0])), [0, 0, 1])
    np.testing.assert_array_equal(gradient(tf.nn.relu6, np.array([0.0, 3.0, 6.0, 7.0])),
                                  [0, 1, 0, 0])
    np.testing.assert_allclose(gradient(tf.nn.leaky_relu, np.array([-1.0, 0.0, 1.0])),
                               [0.2, 0.2, 1])


def test_softmax_is_stable_for_large_logits():
    x = np.array([[1000.0, 0.0, -1000.0]], np.float32)
    np.testing.assert_allclose(tf.nn.softmax(x).numpy(), [[1, 0, 0]])
    np.testing.assert_allclose(tf.nn.log_softmax(x).numpy(), [[0, -1000, -2000]])
    loss = tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0, 0.0]], x)
    np.testing.assert_allclose(loss.numpy(), [1000])
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([2], np.int32), x)
    np.testing.assert_allclose(sparse.numpy(), [2000])


def test_sigmoid_cross_entropy_is_stable():
    logits = np.array([-200.0, -30.0, 0.0, 30.0, 200.0], np.float32)
    labels = np.array([1.0, 1.0, 0.5, 0.0, 0.0], np.float32)
    out = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits).numpy()
    np.testing.assert_allclose(out, [200, 30, math.log(2), 30, 200], rtol=1e-6)
    assert np.all(np.isfinite(gradient(
        lambda z: tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=z), logits)))


def test_sigmoid_cross_entropy_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=f32(3), logits=f32(4))


def test_sparse_softmax_gradient_is_softmax_minus_one_hot():
    labels = np.array([1, 0, 4], np.int32)
    g = gradient(lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z), LOGITS)
    expected = softmax_ref(LOGITS.astype(np.float64)) - np.eye(5)[labels]
    np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-6)


def test_softmax_cross_entropy_gradients_to_both_inputs():
    labels, logits = tf.constant(PROBS), tf.constant(LOGITS)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([labels, logits])
        loss = tf.nn.softmax_cross_entropy_with_logits(labels, logits)
    np.testing.assert_allclose(tape.gradient(loss, logits).numpy(),
                               softmax_ref(LOGITS.astype(np.float64)) - PROBS, atol=1e-6)
    np.testing.assert_allclose(tape.gradient(loss, labels).numpy(), -log_softmax_ref(LOGITS),
                               atol=1e-6)


def test_third_order_through_activation_grad():
    x = tf.constant([-0.7, 0.4, 1.3], tf.float64)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.nn.elu(x)
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    np.testing.assert_allclose(d3.numpy(), np.where(x.numpy() > 0, 0, np.exp(x.numpy())))


def test_l2_normalize_of_zeros_is_zeros():
    np.testing.assert_array_equal(tf.nn.l2_normalize(np.zeros(3, np.float32)).numpy(), [0, 0, 0])


def test_batch_normalization_without_offset_and_scale():
    x, mean, var = f32(4, 3), f32(3), f32(3, low=0.5, high=2)
    out = tf.nn.batch_normalization(x, mean, var, None, None, 1e-3)
    np.testing.assert_allclose(out.numpy(), (x - mean) / np.sqrt(var + 1e-3), rtol=1e-5,
                               atol=1e-6)


def test_embedding_lookup_gradient_accumulates_repeated_ids():
    ids = np.array([1, 1, 3, 1], np.int32)
    g = gradient(lambda p: tf.nn.embedding_lookup(p, ids), TABLE)
    np.testing.assert_array_equal(g[:, 0], [0, 3, 0, 1])


def test_embedding_lookup_of_a_variable_gives_its_gradient():
    table = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(tf.nn.embedding_lookup(table, [0, 0, 2]))
    grad = tape.gradient(out, table)
    np.testing.assert_array_equal(grad.numpy()[:, 0], [2, 0, 1, 0])


def test_embedding_lookup_partitioned_params_and_max_norm():
    shards = [TABLE[:2], TABLE[2:]]
    ids = np.array([3, 0, 2], np.int32)
    np.testing.assert_array_equal(tf.nn.embedding_lookup(shards, ids).numpy(), TABLE[ids])
    clipped = tf.nn.embedding_lookup(TABLE, ids, max_norm=0.5).numpy()
    norms = np.linalg.norm(TABLE[ids], axis=1, keepdims=True)
    np.testing.assert_allclose(clipped, TABLE[ids] * np.minimum(1, 0.5 / norms), rtol=1e-6)


def test_clip_by_norm_of_zero_has_a_finite_gradient():
    g = gradient(lambda t: tf.clip_by_norm(t, 1.0), np.zeros(3, np.float32))
    assert np.all(np.isfinite(g))


def test_clip_by_global_norm():
    a, b = np.array([3.0, 0.0], np.float32), np.array([[4.0]], np.float32)
    clipped, norm = tf.clip_by_global_norm([a, None, b], 2.5)
    assert clipped[1] is None
    np.testing.assert_allclose(float(norm), 5.0)
    np.testing.assert_allclose(clipped[0].numpy(), a / 2)
    np.testing.assert_allclose(clipped[2].numpy(), b / 2)
    unchanged, _ = tf.clip_by_global_norm([a, b], 10.0)
    np.testing.assert_allclose(unchanged[0].numpy(), a)
    nans, norm = tf.clip_by_global_norm([np.array([np.inf, 1.0], np.float32)], 1.0)
    assert np.isinf(float(norm)) and np.all(np.isnan(nans[0].numpy()))


# --- dropout -----------------------------------------------------------------------------------
def test_dropout_keeps_the_mean_and_scales_kept_values():
    x = np.ones((200, 500), np.float32)
    out = tf.nn.dropout(x, 0.3).numpy()
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.01
    assert abs(out.mean() - 1.0) < 0.02


def test_dropout_noise_shape_and_gradient():
    x = tf.constant(np.ones((50, 8), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.nn.dropout(x, 0.5, noise_shape=[50, 1])
    values = out.numpy()
    assert np.all(values == values[:, :1])  # one choice per row
    g = tape.gradient(out, x).numpy()
    np.testing.assert_array_equal(g, values)  # gradient = mask * 1 / (1 - rate) = out for x = 1


def test_dropout_rate_zero_returns_the_input_and_draws_differ():
    x = tf.constant(X)
    assert tf.nn.dropout(x, 0) is x
    a = tf.nn.dropout(np.ones(1000, np.float32), 0.5, seed=3).numpy()
    b = tf.nn.dropout(np.ones(1000, np.float32), 0.5, seed=3).numpy()
    assert not np.array_equal(a, b)  # each call of a seeded op draws anew, as TF


def test_dropout_follows_the_global_seed():
    x = np.ones(1000, np.float32)
    try:
        tf.random.set_seed(5)
        first = [tf.nn.dropout(x, 0.5).numpy(), tf.nn.dropout(x, 0.5, seed=2).numpy()]
        tf.random.set_seed(5)
        again = [tf.nn.dropout(x, 0.5).numpy(), tf.nn.dropout(x, 0.5, seed=2).numpy()]
    finally:
        tf.random.set_seed(None)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])


# --- inside tf.function with unknown dims ---------------------------------------------------


def test_dropout_in_tf_function_draws_fresh_masks():
    fn = tf.function(lambda x: (tf.nn.dropout(x, 0.5), tf.nn.dropout(x, 0.5)))
    x = np.ones((4, 100), np.float32)
    a, b = fn(x)
    c, _ = fn(x)
    assert not np.array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())




# --- the fast (batch, classes) kernels match the general formulas bit for bit --------------


def _reference_sparse_xent(logits, labels):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_softmax, labels[..., None].astype(np.intp), -1)[..., 0]


def _reference_sparse_backprop(logits, labels):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    out = e / e.sum(axis=-1, keepdims=True)
    one_hot = np.eye(logits.shape[-1], dtype=logits.dtype)[labels]
    return out - one_hot


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64, np.uint8])
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (32, 10), (5, 4, 6)])
def test_sparse_xent_matches_the_log_softmax_formula_exactly(dtype, label_dtype, shape):
    rng = np.random.default_rng(11)
    logits = (rng.standard_normal(shape) * 20).astype(dtype)
    labels = rng.integers(0, shape[-1], shape[:-1]).astype(label_dtype)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    np.testing.assert_array_equal(loss.numpy(), _reference_sparse_xent(logits, labels))
    compiled = tf.function(tf.nn.sparse_softmax_cross_entropy_with_logits)(labels, logits)
    np.testing.assert_array_equal(compiled.numpy(), loss.numpy())
    if dtype is not np.float16:
        x = tf.constant(logits)
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x))
        np.testing.assert_allclose(tape.gradient(total, x).numpy(),
                                   _reference_sparse_backprop(logits, labels),
                                   rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("label_dtype", [np.int8, np.int32, np.int64, np.uint16])
def test_sparse_xent_rejects_labels_out_of_range_in_every_label_dtype(label_dtype):
    logits = np.zeros((3, 4), np.float32)
    bad_values = [4, 100] + ([] if np.dtype(label_dtype).kind == "u" else [-1, -128])
    for bad in bad_values:
        labels = np.array([0, bad, 1]).astype(label_dtype)
        with pytest.raises(tf.errors.InvalidArgumentError, match=f"label value of {bad}"):
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    fn = tf.function(tf.nn.sparse_softmax_cross_entropy_with_logits)
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range"):
        fn(np.array([0, 4, 1]).astype(label_dtype), logits)
    empty = tf.nn.sparse_softmax_cross_entropy_with_logits(np.zeros(0, label_dtype),
                                                           np.zeros((0, 4), np.float32))
    assert empty.shape == (0,)


def test_softmax_and_bias_add_grad_kernels_match_numpy():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((6, 5)).astype(np.float32)
    e = np.exp(x - x.max(axis=0, keepdims=True))
    np.testing.assert_array_equal(tf.nn.softmax(x, axis=0).numpy(), e / e.sum(0, keepdims=True))
    bias = tf.Variable(np.zeros(5, np.float32))
    for shape, axes in [((6, 5), (0,)), ((2, 3, 5), (0, 1))]:
        g = rng.standard_normal(shape).astype(np.float32)
        with tf.GradientTape() as tape:
            out = tf.nn.bias_add(np.zeros(shape, np.float32), bias)
        np.testing.assert_array_equal(tape.gradient(out, bias, output_gradients=g).numpy(),
                                      g.sum(axis=axes, dtype=np.float32))


# --- loss scaling for tf.distribute (one replica) -------------------------------------------
def test_compute_average_loss_divides_by_first_dimension_of_any_rank():
    assert float(tf.nn.compute_average_loss([[1.0, 2.0], [3.0, 4.0]])) == 5.0  # 10 / 2, as TF
    assert float(tf.nn.compute_average_loss([1.0, 2.0], global_batch_size=4)) == 0.75


def test_scale_regularization_loss_sums_a_list_over_one_replica():
    assert float(tf.nn.scale_regularization_loss([1.0, 2.5])) == 3.5
    assert float(tf.nn.scale_regularization_loss(2.0)) == 2.0


def test_loss_scaling_in_a_strategy_runs_per_replica_only():
    strategy = tf.distribute.MirroredStrategy()
    per_example = tf.constant([1.0, 2.0, 6.0])
    inside = strategy.run(lambda loss: tf.nn.compute_average_loss(loss), args=(per_example,))
    assert float(inside) == 3.0
    assert float(strategy.run(tf.nn.scale_regularization_loss, args=(4.0,))) == 4.0
    with strategy.scope():
        with pytest.raises(RuntimeError, match="compute_average_loss.*cross replica"):
            tf.nn.compute_average_loss(per_example)
        with pytest.raises(RuntimeError, match="scale_regularization_loss.*cross replica"):
            tf.nn.scale_regularization_loss(1.0)
