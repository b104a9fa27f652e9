"""Neural-network ops (`tf.nn`): activations, softmax and losses, bias_add, dropout,
normalization, convolutions and pooling (with their own backprop primitives, so
second order works), embedding_lookup, and tf.clip_by_norm / clip_by_global_norm.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops import math as _math
from eagerflow.ops import random as _random
from eagerflow.ops.array import cast, reshape, zeros_like
from eagerflow.ops.math import add, exp, multiply, negative, subtract
from eagerflow.ops.reduce import reduce_sum
from eagerflow.ops.rules import normalize_axis, same_as_first

__all__ = ["clip_by_norm", "clip_by_global_norm"]
NAMESPACES = {
    "nn": [
        "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "sigmoid",
        "tanh", "softplus", "softsign", "softmax", "log_softmax", "bias_add", "dropout",
        "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
        "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits", "l2_loss",
        "l2_normalize", "moments", "batch_normalization", "convolution", "conv1d", "conv2d",
        "conv3d", "conv_transpose", "conv1d_transpose", "conv2d_transpose", "conv3d_transpose",
        "depthwise_conv2d", "separable_conv2d", "max_pool", "max_pool1d", "max_pool2d",
        "max_pool3d", "avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d", "embedding_lookup",
        "crelu", "atrous_conv2d", "depthwise_conv2d_backprop_input",
        "depthwise_conv2d_backprop_filter", "pool", "weighted_moments", "zero_fraction",
        "compute_average_loss", "scale_regularization_loss", "local_response_normalization",
        "lrn", "log_poisson_loss",
    ],
    "math": ["softmax", "log_softmax", "softsign", "l2_normalize"],
}

_FLOATS = [np.float16, np.float32, np.float64, dtypes.bfloat16._numpy]
_REALS = _FLOATS + [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16]


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _static(value):
    """An attr TF allows as a tensor, as a plain Python value (eager tensors are read)."""
    if isinstance(value, Tensor):
        return np.asarray(value).tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


# =============================================================================================
# Activations. One table gives each activation's kernel and its derivatives (NumPy, from the
# input x); `activation_grad(g, x, kind, order)` = g * f^(order)(x) is the one gradient
# primitive, and its own gradient is the next derivative, so any order works. sigmoid, tanh
# and softplus are tf.math's, re-exported in tf.nn.
# =============================================================================================
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = 0.7978845608028654
_INV_SQRT_2PI = 0.3989422804014327
_GELU_A = 0.044715


def _erf(x):
    return _math.erf_p.impl(x).astype(x.dtype, copy=False)


def _phi(x):  # the standard normal density
    return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _gelu_tanh_parts(x):
    u = _SQRT_2_OVER_PI * (x + _GELU_A * x * x * x)
    du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_A * x * x)
    return np.tanh(u), du


def _gelu_tanh_d1(x, alpha):
    t, du = _gelu_tanh_parts(x)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du


def _gelu_tanh_d2(x, alpha):
    t, du = _gelu_tanh_parts(x)
    ddu = 6 * _GELU_A * _SQRT_2_OVER_PI * x
    sech2 = 1 - t * t
    return sech2 * du + 0.5 * x * sech2 * (ddu - 2 * t * du * du)


def _softsign_base(x):
    return 1 / (1 + np.abs(x))


# kind -> (kernel(x, alpha), [f'(x, alpha), f''(x, alpha), ...], what lies beyond the list:
# "zero" (piecewise linear), "repeat" (the last derivative repeats) or None (not implemented)).
_ACTIVATIONS = {
    "relu": (lambda x, a: np.maximum(x, 0), [lambda x, a: x > 0], "zero"),
    "relu6": (lambda x, a: np.minimum(np.maximum(x, 0), 6),
              [lambda x, a: (x > 0) & (x < 6)], "zero"),
    "leaky_relu": (lambda x, a: np.where(x > 0, x, x * a),
                   [lambda x, a: np.where(x > 0, 1.0, a)], "zero"),
    "elu": (lambda x, a: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
            [lambda x, a: np.where(x > 0, 1, np.exp(np.minimum(x, 0))),
             lambda x, a: np.where(x > 0, 0, np.exp(np.minimum(x, 0)))], "repeat"),
    "selu": (lambda x, a: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA *
                                                 np.expm1(np.minimum(x, 0))),
             [lambda x, a: _SELU_SCALE * np.where(x > 0, 1, _SELU_ALPHA *
                                                  np.exp(np.minimum(x, 0))),
              lambda x, a: _SELU_SCALE * np.where(x > 0, 0, _SELU_ALPHA *
                                                  np.exp(np.minimum(x, 0)))], "repeat"),
    "softsign": (lambda x, a: x / (1 + np.abs(x)),
                 [lambda x, a: _softsign_base(x) ** 2,
                  lambda x, a: -2 * np.sign(x) * _softsign_base(x) ** 3,
                  lambda x, a: 6 * _softsign_base(x) ** 4], None),
    "gelu": (lambda x, a: 0.5 * x * (1 + _erf(x * 0.7071067811865476)),
             [lambda x, a: 0.5 * (1 + _erf(x * 0.7071067811865476)) + x * _phi(x),
              lambda x, a: _phi(x) * (2 - x * x),
              lambda x, a: _phi(x) * (x * x * x - 4 * x)], None),
    "gelu_tanh": (lambda x, a: 0.5 * x * (1 + _gelu_tanh_parts(x)[0]),
                  [_gelu_tanh_d1, _gelu_tanh_d2], None),
}


def _activation_impl(x, kind, alpha):
    out = _ACTIVATIONS[kind][0](x, alpha)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def _activation_grad_impl(g, x, kind, order, alpha):
    _, derivatives, beyond = _ACTIVATIONS[kind]
    if order > len(derivatives):
        if beyond == "zero":
            return np.zeros_like(g)
        if beyond == "repeat":
            order = len(derivatives)
    return np.multiply(g, derivatives[order - 1](x, alpha), dtype=g.dtype)


def _activation_grad_grad(gg, out, g, x, kind, order, alpha):
    _, derivatives, beyond = _ACTIVATIONS[kind]
    dg = activation_grad_p.bind(gg, x, kind=kind, order=order, alpha=alpha)
    if order >= len(derivatives) and beyond == "zero":
        return dg, None
    if order >= len(derivatives) and beyond is None:
        raise NotImplementedError(f"The derivative of order {order + 1} of {kind} is not "
                                  "implemented.")
    return dg, activation_grad_p.bind(multiply(gg, g), x, kind=kind, order=order + 1,
                                      alpha=alpha)


activation_grad_p = primitive(
    "activation_grad", impl=_activation_grad_impl, shape_rule=same_as_first,
    grad=_activation_grad_grad, dtypes=_FLOATS, elementwise=True)


def _activation(kind: str, dtypes_=_FLOATS):
    return primitive(
        kind, impl=lambda x, alpha=None: _activation_impl(x, kind, alpha),
        shape_rule=same_as_first,
        grad=lambda g, out, x, alpha=None: (activation_grad_p.bind(g, x, kind=kind, order=1,
                                                                   alpha=alpha),),
        dtypes=dtypes_, elementwise=True)


relu_p = _activation("relu", _REALS)
relu6_p = _activation("relu6", _REALS)
leaky_relu_p = _activation("leaky_relu")
elu_p = _activation("elu")
selu_p = _activation("selu")
gelu_p = _activation("gelu")
gelu_tanh_p = _activation("gelu_tanh")

softsign_p = _activation("softsign")

sigmoid, tanh, softplus = _math.sigmoid, _math.tanh, _math.softplus  # tf.math's, also in tf.nn


def relu(features, name=None) -> Tensor:
    """max(features, 0); the gradient at 0 is 0, as TF."""
    return relu_p.bind(features)


def relu6(features, name=None) -> Tensor:
    """min(max(features, 0), 6)."""
    return relu6_p.bind(features)


def leaky_relu(features, alpha=0.2, name=None) -> Tensor:
    """features if features > 0 else alpha * features (integers are cast to float32, as TF)."""
    features = _tensor(features)
    if features.dtype.is_integer:
        features = cast(features, dtypes.float32)
    return leaky_relu_p.bind(features, alpha=float(alpha))


def elu(features, name=None) -> Tensor:
    """features if features > 0 else exp(features) - 1."""
    return elu_p.bind(features)


def selu(features, name=None) -> Tensor:
    """scale * (features if features > 0 else alpha * (exp(features) - 1))."""
    return selu_p.bind(features)


def gelu(features, approximate=False, name=None) -> Tensor:
    """x * Phi(x) with the exact erf form, or the tanh form when `approximate`."""
    return (gelu_tanh_p if approximate else gelu_p).bind(features)


def softsign(features, name=None) -> Tensor:
    """features / (abs(features) + 1)."""
    return softsign_p.bind(features)


def silu(features, beta=1.0, name=None) -> Tensor:
    """features * sigmoid(beta * features) (also called swish)."""
    features = _tensor(features)
    if isinstance(beta, (int, float)) and beta == 1.0:
        return multiply(features, sigmoid(features))
    return multiply(features, sigmoid(multiply(beta, features)))


swish = silu


def crelu(features, axis=-1, name=None) -> Tensor:
    """concat([relu(features), relu(-features)], axis): twice the channels."""
    from eagerflow.ops.array import concat

    features = _tensor(features)
    return concat([relu(features), relu(negative(features))], axis)


# =============================================================================================
# Softmax and the cross-entropy losses.
# =============================================================================================
def _softmax_rule(x: Spec, axis) -> Spec:
    if x.shape is not None:
        if len(x.shape) == 0:
            raise InvalidArgumentError(None, None, "softmax: logits must have >= 1 dimension, "
                                       "got shape []")
        normalize_axis(axis, len(x.shape), "softmax")
    return x


def _softmax_impl(x, axis):
    if x.size == 0:
        return x.copy()
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _log_softmax_impl(x, axis):
    if x.size == 0:
        return x.copy()
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _softmax_vjp(g, y, axis):
    # y * (g - sum(g * y))
    return multiply(y, subtract(g, reduce_sum(multiply(g, y), axis, keepdims=True)))


softmax_p = primitive(
    "softmax", impl=_softmax_impl, shape_rule=_softmax_rule,
    grad=lambda g, y, x, axis: (_softmax_vjp(g, y, axis),), dtypes=_FLOATS)

log_softmax_p = primitive(
    "log_softmax", impl=_log_softmax_impl, shape_rule=_softmax_rule,
    grad=lambda g, y, x, axis: (subtract(g, multiply(exp(y), reduce_sum(g, axis,
                                                                         keepdims=True))),),
    dtypes=_FLOATS)


def softmax(logits, axis=None, name=None) -> Tensor:
    """exp(logits) / sum(exp(logits), axis), computed stably (axis defaults to -1)."""
    return softmax_p.bind(logits, axis=-1 if axis is None else int(_static(axis)))


def log_softmax(logits, axis=None, name=None) -> Tensor:
    """logits - log(sum(exp(logits), axis)), computed stably (axis defaults to -1)."""
    return log_softmax_p.bind(logits, axis=-1 if axis is None else int(_static(axis)))


def _expand_at(g: Tensor, like: Tensor, axis: int) -> Tensor:
    """`g` (reduced over `axis`) with that axis put back as size 1, to broadcast on `like`."""
    shape = like._shape_tuple()
    if shape is not None and None not in shape:
        rank = len(shape)
        return reshape(g, tuple(1 if i == axis % rank else d for i, d in enumerate(shape)))
    from eagerflow.ops.reduce import expand_reduced_p

    return expand_reduced_p.bind(g, like, axis=(axis,))


def _xent_rule(labels: Spec, logits: Spec, axis) -> Spec:
    if labels.shape is not None and logits.shape is not None:
        if len(labels.shape) != len(logits.shape) or any(
                a is not None and b is not None and a != b
                for a, b in zip(labels.shape, logits.shape)):
            raise InvalidArgumentError(
                None, None, f"logits and labels must be broadcastable: logits_size="
                f"{list(logits.shape)} labels_size={list(labels.shape)} "
                "[Op:SoftmaxCrossEntropyWithLogits]")
    if logits.shape is None:
        return Spec(None, logits.dtype)
    if len(logits.shape) == 0:
        raise InvalidArgumentError(None, None, "softmax_cross_entropy_with_logits: logits must "
                                   "have >= 1 dimension, got shape []")
    axis = normalize_axis(axis, len(logits.shape), "softmax_cross_entropy_with_logits")
    return Spec(logits.shape[:axis] + logits.shape[axis + 1:], logits.dtype)


def _xent_impl(labels, logits, axis):
    if labels.shape != logits.shape:
        raise InvalidArgumentError(
            None, None, f"logits and labels must be broadcastable: logits_size="
            f"{list(logits.shape)} labels_size={list(labels.shape)} "
            "[Op:SoftmaxCrossEntropyWithLogits]")
    return -np.sum(labels * _log_softmax_impl(logits, axis), axis=axis)


def _xent_grad(g, out, labels, logits, axis):
    g = _expand_at(g, logits, axis)
    return (multiply(g, negative(log_softmax_p.bind(logits, axis=axis))),
            multiply(g, subtract(softmax_p.bind(logits, axis=axis), labels)))


softmax_xent_p = primitive(
    "softmax_cross_entropy_with_logits", impl=_xent_impl, shape_rule=_xent_rule,
    grad=_xent_grad, dtypes=_FLOATS)


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None) -> Tensor:
    """-sum(labels * log_softmax(logits), axis); gradients flow to labels and logits.

    The logits gradient is softmax(logits) - labels, as TF (exact when the labels of
    each row sum to 1).
    """
    logits = _tensor(logits)
    labels = labels if isinstance(labels, Tensor) else convert_to_tensor(labels, logits.dtype)
    return softmax_xent_p.bind(labels, logits, axis=int(_static(axis)))


def _sparse_check(labels: tuple | None, logits: tuple | None) -> None:
    if labels is None or logits is None:
        return
    if len(logits) == 0 or len(labels) != len(logits) - 1:
        raise ValueError(f"Rank mismatch: Rank of labels (received {len(labels)}) should equal "
                         f"rank of logits minus 1 (received {len(logits)}).")
    for a, b in zip(labels, logits[:-1]):
        if a is not None and b is not None and a != b:
            raise InvalidArgumentError(
                None, None, f"logits and labels must have the same first dimensions, got "
                f"logits shape {list(logits)} and labels shape {list(labels)} "
                "[Op:SparseSoftmaxCrossEntropyWithLogits]")


def _sparse_rule(logits: Spec, labels: Spec) -> Spec:
    _sparse_check(labels.shape, logits.shape)
    return Spec(None if logits.shape is None else logits.shape[:-1], logits.dtype)


def _sparse_labels(logits, labels):
    _sparse_check(labels.shape, logits.shape)
    classes = logits.shape[-1]
    bad = (labels < 0) | (labels >= classes)
    if bad.any():
        value = labels[bad].reshape(-1)[0]
        raise InvalidArgumentError(
            None, None, f"Received a label value of {value} which is outside the valid range "
            f"of [0, {classes}).  Label values: {' '.join(map(str, labels.reshape(-1)[:100]))} "
            "[Op:SparseSoftmaxCrossEntropyWithLogits]")
    return labels


def _sparse_impl(logits, labels):
    labels = _sparse_labels(logits, labels)
    logp = _log_softmax_impl(logits, -1)
    return -np.take_along_axis(logp, labels[..., None].astype(np.intp), axis=-1)[..., 0]


def _sparse_backprop_impl(logits, labels):
    labels = _sparse_labels(logits, labels)
    out = _softmax_impl(logits, -1)
    np.put_along_axis(out, labels[..., None].astype(np.intp),
                      np.take_along_axis(out, labels[..., None].astype(np.intp), -1) - 1, -1)
    return out


# softmax(logits) - one_hot(labels): the logits gradient, itself differentiable (softmax's).
sparse_xent_backprop_p = primitive(
    "sparse_softmax_cross_entropy_backprop", impl=_sparse_backprop_impl,
    shape_rule=lambda logits, labels: logits,
    grad=lambda g, out, logits, labels: (
        _softmax_vjp(g, softmax_p.bind(logits, axis=-1), -1), None),
    same_dtype=False, dtypes=_FLOATS)

sparse_xent_p = primitive(
    "sparse_softmax_cross_entropy_with_logits", impl=_sparse_impl, shape_rule=_sparse_rule,
    grad=lambda g, out, logits, labels: (
        multiply(_expand_at(g, logits, -1), sparse_xent_backprop_p.bind(logits, labels)), None),
    same_dtype=False, dtypes=_FLOATS)


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None) -> Tensor:
    """-log_softmax(logits)[label] per example; labels are int class indices.

    Labels outside [0, num_classes) raise InvalidArgumentError.
    """
    labels, logits = _tensor(labels), _tensor(logits)
    if not labels.dtype.is_integer:
        raise TypeError(f"sparse_softmax_cross_entropy_with_logits: labels must be int32 or "
                        f"int64, got {labels.dtype.name}")
    _sparse_check(labels._shape_tuple(), logits._shape_tuple())
    return sparse_xent_p.bind(logits, labels)


def _loss_operands(labels, logits):
    logits = _tensor(logits)
    labels = labels if isinstance(labels, Tensor) else convert_to_tensor(labels, logits.dtype)
    ls, gs = labels._shape_tuple(), logits._shape_tuple()
    if ls is not None and gs is not None and (len(ls) != len(gs) or any(
            a is not None and b is not None and a != b for a, b in zip(ls, gs))):
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({list(gs)} vs {list(ls)}).")
    return labels, logits


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None) -> Tensor:
    """max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x and labels z (stable)."""
    labels, logits = _loss_operands(labels, logits)
    return subtract(softplus(logits), multiply(logits, labels))


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None) -> Tensor:
    """(1 - z) * x + (1 + (pos_weight - 1) * z) * log(1 + exp(-x)), computed stably."""
    labels, logits = _loss_operands(labels, logits)
    if not isinstance(pos_weight, Tensor):
        pos_weight = convert_to_tensor(pos_weight, logits.dtype)
    log_weight = add(1.0, multiply(subtract(pos_weight, 1.0), labels))
    return add(multiply(subtract(1.0, labels), logits),
               multiply(log_weight, softplus(negative(logits))))


# =============================================================================================
# bias_add
# =============================================================================================
def _channel_axis(rank: int, data_format) -> int:
    return 1 if (data_format is not None and data_format.startswith("NC") and rank > 2) else -1


def _bias_rule(value: Spec, bias: Spec, data_format) -> Spec:
    if bias.shape is not None and len(bias.shape) != 1:
        raise InvalidArgumentError(None, None, f"Biases must be 1D: {list(bias.shape)} "
                                   "[Op:BiasAdd]")
    if value.shape is not None:
        if len(value.shape) < 2:
            raise InvalidArgumentError(None, None, f"Input tensor must be at least 2D: "
                                       f"{list(value.shape)} [Op:BiasAdd]")
        channels = value.shape[_channel_axis(len(value.shape), data_format)]
        if bias.shape is not None and None not in (channels, bias.shape[0]) and \
                channels != bias.shape[0]:
            raise InvalidArgumentError(
                None, None, f"Must provide as many biases as the channel dimension of the input "
                f"tensor: {list(bias.shape)} vs. {list(value.shape)} [Op:BiasAdd]")
    return value


def _bias_impl(value, bias, data_format):
    _bias_rule(Spec(value.shape, None), Spec(bias.shape, None), data_format)
    if _channel_axis(value.ndim, data_format) == 1:
        bias = bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


def _bias_grad_impl(g, data_format):
    axis = _channel_axis(g.ndim, data_format) % g.ndim
    return np.sum(g, axis=tuple(i for i in range(g.ndim) if i != axis), dtype=g.dtype)


def _bias_grad_rule(g: Spec, data_format) -> Spec:
    if g.shape is None:
        return Spec((None,), g.dtype)
    return Spec((g.shape[_channel_axis(len(g.shape), data_format)],), g.dtype)


bias_add_grad_p = primitive(
    "bias_add_grad", impl=_bias_grad_impl, shape_rule=_bias_grad_rule,
    grad=lambda gg, out, g, data_format: (
        bias_add_p.bind(zeros_like(g), gg, data_format=data_format),))

bias_add_p = primitive(
    "bias_add", impl=_bias_impl, shape_rule=_bias_rule,
    grad=lambda g, out, value, bias, data_format: (
        g, bias_add_grad_p.bind(g, data_format=data_format)),
    dtypes=_REALS + [np.complex64, np.complex128])


def bias_add(value, bias, data_format=None, name=None) -> Tensor:
    """value + bias along the channel axis (last; axis 1 for 'NC...' data formats)."""
    if data_format is not None and not (data_format.startswith("NC") or
                                        data_format.endswith("C")):
        raise ValueError(f"data_format must be of the form `N...C` or `NC...`, got "
                         f"{data_format!r}")
    return bias_add_p.bind(value, bias, data_format=data_format)


# =============================================================================================
# dropout
# =============================================================================================
def _noise_shape(x_shape: tuple, noise_shape) -> tuple:
    if noise_shape is None:
        return tuple(x_shape)
    return tuple(x if n is None else n for n, x in zip(noise_shape, x_shape))


def _dropout_mask_impl(x, rate, noise_shape, stream):
    shape = _noise_shape(x.shape, noise_shape)
    uniform = stream.generator.random(shape, np.float64 if x.dtype == np.float64 else np.float32)
    return np.multiply(uniform >= rate, 1.0 / (1.0 - rate), dtype=x.dtype)


def _dropout_mask_rule(x: Spec, rate, noise_shape, stream) -> Spec:
    if x.shape is None:
        return Spec(None if noise_shape is None else tuple(noise_shape), x.dtype)
    return Spec(_noise_shape(x.shape, noise_shape), x.dtype)


# The scaled keep mask (0 or 1 / (1 - rate)); dropout is x * mask, so the gradient is exact.
# `stream` (tf.random's) follows TF's global and op seed rules and draws at run time.
dropout_mask_p = primitive(
    "dropout_mask", impl=_dropout_mask_impl, shape_rule=_dropout_mask_rule, grad=None,
    random=True, dtypes=_FLOATS)


def dropout(x, rate, noise_shape=None, seed=None, name=None) -> Tensor:
    """Zero each element with probability `rate`, scale the kept ones by 1 / (1 - rate).

    `noise_shape` (broadcastable to x's shape) makes the same choice along its 1-dims.
    """
    is_number = isinstance(rate, (int, float)) and not isinstance(rate, bool)
    if is_number and not 0 <= rate < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). "
                         f"Received: rate={rate}")
    x = _tensor(x)
    if not x.dtype.is_floating:
        raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled. "
                         f"Received: x_dtype={x.dtype!r}")
    if is_number and rate == 0:
        return x
    rate = float(_static(rate))
    if not 0 <= rate < 1:
        raise InvalidArgumentError(None, None, f"rate must be in [0, 1), got {rate}")
    if noise_shape is not None:
        noise_shape = _static(noise_shape)
        noise_shape = tuple(None if d is None else int(d) for d in noise_shape)
        shape = x._shape_tuple()
        if shape is not None and (len(noise_shape) != len(shape) or any(
                n is not None and d is not None and n not in (1, d)
                for n, d in zip(noise_shape, shape))):
            raise InvalidArgumentError(None, None, f"dropout: noise_shape {list(noise_shape)} "
                                       f"is not broadcastable to x's shape {list(shape)}")
    stream = _random._stream(seed)
    return multiply(x, dropout_mask_p.bind(x, rate=rate, noise_shape=noise_shape, stream=stream))


# =============================================================================================
# Convolutions. Kernels work channels-last on a padded copy: im2col is a strided view
# (as_strided) made contiguous by one reshape, then one BLAS matmul. Each primitive of a
# (forward, backprop_input, backprop_filter) triple differentiates into the others, so
# gradients of any order work. Attrs: strides, padding ("SAME", "VALID" or per-spatial-dim
# (before, after) pairs), dilations, channels_first.
# =============================================================================================
def _effective(k, d):
    return None if k is None else (k - 1) * d + 1


def _out_size(size, k, stride, dilation, padding, dim, op):
    """TF's output length of one spatial dim (None when unknown)."""
    if size is None:
        return None
    if padding == "SAME":
        return -(-size // stride)
    keff = _effective(k, dilation)
    if keff is None:
        return None
    total = size if padding == "VALID" else size + padding[dim][0] + padding[dim][1]
    if total < keff:
        raise InvalidArgumentError(
            None, None, f"{op}: Computed output size would be negative: "
            f"{(total - keff) // stride + 1} [input_size: {size}, effective_filter_size: "
            f"{keff}, stride: {stride}]")
    return (total - keff) // stride + 1


def _pads(sizes, ksize, strides, dilations, padding) -> tuple:
    """(before, after) per spatial dim; SAME puts the odd element after, as TF."""
    if padding == "VALID":
        return ((0, 0),) * len(sizes)
    if padding != "SAME":
        return padding
    pads = []
    for size, k, s, d in zip(sizes, ksize, strides, dilations):
        out = -(-size // s)
        total = max((out - 1) * s + _effective(k, d) - size, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _pad(x, pads, value=0):
    if not any(a or b for a, b in pads):
        return x
    shape = (x.shape[0],) + tuple(n + a + b for n, (a, b) in zip(x.shape[1:-1], pads)) + \
        (x.shape[-1],)
    out = np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)
    out[_inner(pads, x.shape[1:-1])] = x
    return out


def _inner(pads, sizes):
    """The index of the unpadded region inside a padded array."""
    return (slice(None),) + tuple(slice(a, a + n) for (a, _), n in zip(pads, sizes))


def _windows(xp, ksize, strides, dilations, out_sizes):
    """View (B, *out, *ksize, C) of a padded channels-last array: the im2col patches."""
    sb, *sp, sc = xp.strides
    shape = (xp.shape[0],) + tuple(out_sizes) + tuple(ksize) + (xp.shape[-1],)
    steps = (sb,) + tuple(a * s for a, s in zip(sp, strides)) + \
        tuple(a * d for a, d in zip(sp, dilations)) + (sc,)
    return as_strided(xp, shape, steps, writeable=False)


def _tap(tap, strides, dilations, out_sizes):
    """Index of the input elements that kernel tap `tap` meets, for all outputs."""
    return (slice(None),) + tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                                  for t, d, s, o in zip(tap, dilations, strides, out_sizes))


def _last(x, channels_first):
    return np.moveaxis(x, 1, -1) if channels_first else x


def _first(x, channels_first):
    return np.moveaxis(x, -1, 1) if channels_first else x


def _layout(shape, channels_first):
    """(batch, spatial tuple, channels) of a shape in the user's layout."""
    if shape is None:
        return None, None, None
    if channels_first:
        return shape[0], tuple(shape[2:]), shape[1]
    return shape[0], tuple(shape[1:-1]), shape[-1]


def _compose(batch, spatial, channels, channels_first):
    if channels_first:
        return (batch, channels) + tuple(spatial)
    return (batch,) + tuple(spatial) + (channels,)


def _check_conv(x_shape, w_shape, channels_first, depthwise, op):
    """Rank and channel checks shared by shape rules and kernels (None dims pass)."""
    if x_shape is None or w_shape is None:
        return
    n = len(w_shape) - 2
    if len(x_shape) != n + 2:
        raise InvalidArgumentError(
            None, None, f"{op}: input must be {n + 2}-D to match a {n + 2}-D filter, got input "
            f"shape {list(x_shape)} and filter shape {list(w_shape)}.")
    channels = _layout(x_shape, channels_first)[2]
    if channels is not None and w_shape[-2] is not None and channels != w_shape[-2]:
        layout = ("[filter_height, filter_width, in_channels, channel_multiplier]" if depthwise
                  else "[*spatial, in_channels, out_channels]")
        raise InvalidArgumentError(
            None, None, f"{op}: input depth {channels} does not match the filter's in_channels "
            f"{w_shape[-2]}: input shape {list(x_shape)}, filter shape {list(w_shape)} (filters "
            f"are laid out {layout}). [Op:{op}]")


def _out_channels(w_shape, depthwise):
    if depthwise:
        return None if None in w_shape[-2:] else w_shape[-2] * w_shape[-1]
    return w_shape[-1]


def _conv_rule_factory(depthwise, op):
    def rule(x: Spec, w: Spec, strides, padding, dilations, channels_first):
        if w.shape is not None and len(w.shape) - 2 != len(strides):
            raise InvalidArgumentError(None, None, f"{op}: filter must be {len(strides) + 2}-D, "
                                       f"got shape {list(w.shape)}")
        _check_conv(x.shape, w.shape, channels_first, depthwise, op)
        n = len(strides)
        if x.shape is None:
            return Spec(None, x.dtype)
        batch, sizes, _ = _layout(x.shape, channels_first)
        ksize = (None,) * n if w.shape is None else w.shape[:n]
        out = tuple(_out_size(sizes[i], ksize[i], strides[i], dilations[i], padding, i, op)
                    for i in range(n))
        channels = None if w.shape is None else _out_channels(w.shape, depthwise)
        return Spec(_compose(batch, out, channels, channels_first), x.dtype)
    return rule


def _geometry(x_shape, w_shape, strides, padding, dilations, op):
    """(pads, out sizes) of a channels-last input shape and filter shape."""
    n = len(strides)
    sizes, ksize = x_shape[1:-1], w_shape[:n]
    out = tuple(_out_size(sizes[i], ksize[i], strides[i], dilations[i], padding, i, op)
                for i in range(n))
    return _pads(sizes, ksize, strides, dilations, padding), out


def _conv_fwd(x, w, strides, padding, dilations, channels_first):
    _check_conv(x.shape, w.shape, channels_first, False, "Conv")
    x = _last(x, channels_first)
    n = len(strides)
    pads, out = _geometry(x.shape, w.shape, strides, padding, dilations, "Conv")
    cols = _windows(_pad(x, pads), w.shape[:n], strides, dilations, out)
    depth = int(np.prod(w.shape[:-1]))
    y = np.matmul(cols.reshape(-1, depth), w.reshape(depth, w.shape[-1]))
    return _first(y.reshape((x.shape[0],) + out + (w.shape[-1],)), channels_first)


def _target_shape(donor, shape, g, w, channels_first, channels_of_w):
    """The channels-last input shape a backprop_input kernel produces."""
    if donor:
        return _last(donor[0], channels_first).shape
    batch, sizes, channels = _layout(shape, channels_first)
    batch = g.shape[0] if batch is None else batch
    if batch != g.shape[0]:
        raise InvalidArgumentError(None, None, f"conv_transpose: output_shape batch {batch} "
                                   f"does not match the input's batch {g.shape[0]}")
    if channels is not None and channels != channels_of_w:
        raise InvalidArgumentError(
            None, None, f"conv_transpose: output_shape channels {channels} do not match the "
            f"filter's output channels {channels_of_w} (filter shape {list(w.shape)}, "
            f"output_shape {list(shape)})")
    return (batch,) + tuple(sizes) + (channels_of_w,)


def _check_backprop(g_shape, out, target, op):
    if tuple(g_shape[1:-1]) != tuple(out):
        raise InvalidArgumentError(
            None, None, f"{op}: Size of out_backprop doesn't match computed: actual = "
            f"{list(g_shape[1:-1])}, computed = {list(out)} for input (output_shape) "
            f"{list(target)}.")


def _conv_bi(g, w, *donor, shape, strides, padding, dilations, channels_first):
    """d(conv)/d(input): g @ w^T scattered back over the kernel taps (col2im)."""
    g = _last(g, channels_first)
    n = len(strides)
    target = _target_shape(donor, shape, g, w, channels_first, w.shape[-2])
    if g.shape[-1] != w.shape[-1]:
        raise InvalidArgumentError(
            None, None, f"Conv2DBackpropInput: input depth {g.shape[-1]} does not match the "
            f"filter's out_channels {w.shape[-1]}: input shape {list(g.shape)}, filter shape "
            f"{list(w.shape)}")
    pads, out = _geometry(target, w.shape, strides, padding, dilations, "Conv2DBackpropInput")
    _check_backprop(g.shape, out, target, "Conv2DBackpropInput")
    sizes = target[1:-1]
    if all(s == 1 for s in strides):
        # Stride 1: a full correlation of g with the flipped, transposed filter.
        flipped = w[(slice(None, None, -1),) * n].swapaxes(-1, -2)
        lo = [_effective(k, d) - 1 - a for k, d, (a, _) in zip(w.shape, dilations, pads)]
        hi = [_effective(k, d) - 1 - b for k, d, (_, b) in zip(w.shape, dilations, pads)]
        gp = _pad(g, tuple((max(a, 0), max(b, 0)) for a, b in zip(lo, hi)))
        full = tuple(p - _effective(k, d) + 1 for p, k, d in zip(gp.shape[1:-1], w.shape,
                                                                  dilations))
        cols = _windows(gp, w.shape[:n], (1,) * n, dilations, full)
        depth = int(np.prod(flipped.shape[:-1]))
        dx = np.matmul(cols.reshape(-1, depth), flipped.reshape(depth, -1))
        dx = dx.reshape((g.shape[0],) + full + (w.shape[-2],))
        dx = dx[(slice(None),) + tuple(slice(max(-a, 0), max(-a, 0) + s)
                                       for a, s in zip(lo, sizes))]
        return _first(dx, channels_first)
    padded = tuple(s + a + b for s, (a, b) in zip(sizes, pads))
    dxp = np.zeros((g.shape[0],) + padded + (w.shape[-2],), g.dtype)
    g2 = g.reshape(-1, g.shape[-1])
    for tap in np.ndindex(*w.shape[:n]):
        part = np.matmul(g2, w[tap].T).reshape(g.shape[:-1] + (w.shape[-2],))
        dxp[_tap(tap, strides, dilations, out)] += part
    return _first(dxp[_inner(pads, sizes)], channels_first)


def _conv_bf(x, g, *donor, shape, strides, padding, dilations, channels_first):
    """d(conv)/d(filter): im2col(x)^T @ g."""
    x, g = _last(x, channels_first), _last(g, channels_first)
    fshape = donor[0].shape if donor else shape
    n = len(strides)
    pads, out = _geometry(x.shape, fshape, strides, padding, dilations, "Conv2DBackpropFilter")
    _check_backprop(g.shape, out, x.shape, "Conv2DBackpropFilter")
    cols = _windows(_pad(x, pads), fshape[:n], strides, dilations, out)
    depth = int(np.prod(fshape[:-1]))
    dw = np.matmul(cols.reshape(-1, depth).T, g.reshape(-1, g.shape[-1]))
    return dw.reshape(fshape)


def _depthwise_spec(n):
    """einsum subscripts: (batch, *out, *kernel, channel) windows with a (*kernel, channel)
    filter give (batch, *out, channel)."""
    out, kernel = "defg"[:n], "ijkl"[:n]
    return f"b{out}{kernel}c", f"{kernel}c", f"b{out}c"


# Depthwise kernels: einsum over the im2col window view, one call per channel multiplier
# (usually 1); measured 2-4x faster than a loop over the kernel taps.
def _depthwise_fwd(x, w, strides, padding, dilations, channels_first):
    _check_conv(x.shape, w.shape, channels_first, True, "DepthwiseConv2dNative")
    x = _last(x, channels_first)
    n = len(strides)
    pads, out = _geometry(x.shape, w.shape, strides, padding, dilations,
                          "DepthwiseConv2dNative")
    cols = _windows(_pad(x, pads), w.shape[:n], strides, dilations, out)
    windows, kernel, result = _depthwise_spec(n)
    y = np.empty((x.shape[0],) + out + w.shape[-2:], x.dtype)
    for m in range(w.shape[-1]):
        np.einsum(f"{windows},{kernel}->{result}", cols, w[..., m], out=y[..., m])
    return _first(y.reshape(y.shape[:-2] + (-1,)), channels_first)


def _depthwise_bi(g, w, *donor, shape, strides, padding, dilations, channels_first):
    g = _last(g, channels_first)
    n = len(strides)
    channels, multiplier = w.shape[-2:]
    target = _target_shape(donor, shape, g, w, channels_first, channels)
    pads, out = _geometry(target, w.shape, strides, padding, dilations,
                          "DepthwiseConv2dNativeBackpropInput")
    _check_backprop(g.shape, out, target, "DepthwiseConv2dNativeBackpropInput")
    sizes = target[1:-1]
    g5 = g.reshape(g.shape[:-1] + (channels, multiplier))
    if all(s == 1 for s in strides):
        # Stride 1: a full correlation of g with the flipped filter, summed over multipliers.
        flipped = w[(slice(None, None, -1),) * n]
        lo = [_effective(k, d) - 1 - a for k, d, (a, _) in zip(w.shape, dilations, pads)]
        hi = [_effective(k, d) - 1 - b for k, d, (_, b) in zip(w.shape, dilations, pads)]
        windows, kernel, result = _depthwise_spec(n)
        dx = None
        for m in range(multiplier):
            gp = _pad(np.ascontiguousarray(g5[..., m]),
                      tuple((max(a, 0), max(b, 0)) for a, b in zip(lo, hi)))
            full = tuple(p - _effective(k, d) + 1 for p, k, d in zip(gp.shape[1:-1], w.shape,
                                                                      dilations))
            cols = _windows(gp, w.shape[:n], (1,) * n, dilations, full)
            part = np.einsum(f"{windows},{kernel}->{result}", cols, flipped[..., m])
            dx = part if dx is None else np.add(dx, part, out=dx)
        dx = dx[(slice(None),) + tuple(slice(max(-a, 0), max(-a, 0) + s)
                                       for a, s in zip(lo, sizes))]
        return _first(dx, channels_first)
    dxp = np.zeros((g.shape[0],) + tuple(s + a + b for s, (a, b) in zip(sizes, pads)) +
                   (channels,), g.dtype)
    for tap in np.ndindex(*w.shape[:n]):
        dxp[_tap(tap, strides, dilations, out)] += np.einsum("...cm,cm->...c", g5, w[tap])
    return _first(dxp[_inner(pads, sizes)], channels_first)


def _depthwise_bf(x, g, *donor, shape, strides, padding, dilations, channels_first):
    x, g = _last(x, channels_first), _last(g, channels_first)
    fshape = donor[0].shape if donor else shape
    n = len(strides)
    pads, out = _geometry(x.shape, fshape, strides, padding, dilations,
                          "DepthwiseConv2dNativeBackpropFilter")
    _check_backprop(g.shape, out, x.shape, "DepthwiseConv2dNativeBackpropFilter")
    cols = _windows(_pad(x, pads), fshape[:n], strides, dilations, out)
    g5 = g.reshape(g.shape[:-1] + tuple(fshape[-2:]))
    windows, kernel, result = _depthwise_spec(n)
    dw = np.empty(fshape, x.dtype)
    for m in range(fshape[-1]):
        np.einsum(f"{windows},{result}->{kernel}", cols, g5[..., m], out=dw[..., m])
    return dw


def _backprop_input_rule(g: Spec, w: Spec, *donor, shape, strides, padding, dilations,
                         channels_first):
    if donor:
        return Spec(donor[0].shape, g.dtype)
    batch = shape[0] if shape[0] is not None else (None if g.shape is None else g.shape[0])
    return Spec((batch,) + tuple(shape[1:]), g.dtype)


def _backprop_filter_rule(x: Spec, g: Spec, *donor, shape, strides, padding, dilations,
                          channels_first):
    return Spec(donor[0].shape if donor else tuple(shape), x.dtype)


def _conv_triple(name, fwd, bi, bf, depthwise):
    """Register forward, backprop_input and backprop_filter primitives wired to each other."""
    prims = {}

    def fwd_grad(g, y, x, w, needed=(True, True), **attrs):
        return (prims["bi"].bind(g, w, x, shape=None, **attrs) if needed[0] else None,
                prims["bf"].bind(x, g, w, shape=None, **attrs) if needed[1] else None)

    def bi_grad(gx, out, g, w, *donor, shape, **attrs):
        # bi is bilinear in (g, w): its adjoints are the forward conv and backprop_filter.
        return (prims["fwd"].bind(gx, w, **attrs),
                prims["bf"].bind(gx, g, w, shape=None, **attrs), None)

    def bf_grad(gw, out, x, g, *donor, shape, **attrs):
        return (prims["bi"].bind(g, gw, x, shape=None, **attrs),
                prims["fwd"].bind(x, gw, **attrs), None)

    prims["fwd"] = primitive(name, impl=fwd, shape_rule=_conv_rule_factory(depthwise, name),
                             grad=fwd_grad, dtypes=_FLOATS + [np.int32])
    prims["bi"] = primitive(f"{name}_backprop_input", impl=bi, shape_rule=_backprop_input_rule,
                            grad=bi_grad, dtypes=_FLOATS + [np.int32])
    prims["bf"] = primitive(f"{name}_backprop_filter", impl=bf,
                            shape_rule=_backprop_filter_rule, grad=bf_grad,
                            dtypes=_FLOATS + [np.int32])
    return prims["fwd"], prims["bi"], prims["bf"]


conv_p, conv_backprop_input_p, conv_backprop_filter_p = _conv_triple(
    "conv", _conv_fwd, _conv_bi, _conv_bf, depthwise=False)
depthwise_conv_p, depthwise_conv_backprop_input_p, depthwise_conv_backprop_filter_p = \
    _conv_triple("depthwise_conv", _depthwise_fwd, _depthwise_bi, _depthwise_bf, depthwise=True)


# --- argument parsing shared by the public conv and pool functions ----------------------------
_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _channels_first(data_format, n: int) -> bool:
    if data_format is None:
        return False
    if data_format.startswith("NC") and len(data_format) == n + 2:
        return True
    if data_format.startswith("N") and data_format.endswith("C") and len(data_format) == n + 2:
        return False
    allowed = " or ".join(repr(f) for f in _FORMATS.get(n, ("N...C", "NC...")))
    raise ValueError(f"data_format must be {allowed}. Received: data_format={data_format!r}")


def _spatial(value, n: int, name: str, channels_first: bool, op: str) -> tuple:
    """An int or a list of length 1, n or n + 2 (with 1 at batch and channel) as n ints."""
    if value is None:
        return (1,) * n
    value = _static(value)
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = [int(v) for v in value]
    if len(value) == 1:
        return (value[0],) * n
    if len(value) == n:
        return tuple(value)
    if len(value) == n + 2:
        outer = (value[0], value[1]) if channels_first else (value[0], value[-1])
        if outer != (1, 1):
            raise InvalidArgumentError(
                None, None, f"{op}: Current implementation does not yet support {name} in the "
                f"batch and depth dimensions. Received: {name}={value}")
        return tuple(value[2:] if channels_first else value[1:-1])
    raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. Received: {name}={value} "
                     f"of length {len(value)}")


def _padding(padding, n: int, channels_first: bool, op: str):
    if isinstance(padding, str):
        upper = padding.upper()
        if upper in ("SAME", "VALID"):
            return upper
        raise ValueError(f"{op}: padding must be 'SAME', 'VALID' or a list of explicit "
                         f"paddings. Received: padding={padding!r}")
    pairs = [[int(a) for a in pair] for pair in _static(padding)]
    if len(pairs) != n + 2 or any(len(p) != 2 for p in pairs):
        raise ValueError(f"{op}: explicit padding must be a list of {n + 2} [before, after] "
                         f"pairs. Received: padding={pairs}")
    outer = (pairs[0], pairs[1]) if channels_first else (pairs[0], pairs[-1])
    if outer != ([0, 0], [0, 0]):
        raise ValueError(f"{op}: explicit padding is not allowed in the batch and channel "
                         f"dimensions. Received: padding={pairs}")
    if any(a < 0 for pair in pairs for a in pair):
        raise ValueError(f"{op}: all explicit paddings must be nonnegative. Received: "
                         f"padding={pairs}")
    inner = pairs[2:] if channels_first else pairs[1:-1]
    return tuple((a, b) for a, b in inner)


def _conv_attrs(n, strides, padding, data_format, dilations, op):
    channels_first = _channels_first(data_format, n)
    return dict(strides=_spatial(strides, n, "strides", channels_first, op),
                padding=_padding(padding, n, channels_first, op),
                dilations=_spatial(dilations, n, "dilations", channels_first, op),
                channels_first=channels_first)


def _conv(input, filters, n, strides, padding, data_format, dilations, op):
    filters = _tensor(filters)
    rank = filters.shape.rank
    if rank is not None and rank != n + 2:
        raise InvalidArgumentError(None, None, f"{op}: filters must be {n + 2}-D, got shape "
                                   f"{filters.shape}")
    attrs = _conv_attrs(n, strides, padding, data_format, dilations, op)
    return conv_p.bind(input, filters, **attrs)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution; filters are [filter_width, in_channels, out_channels]."""
    return _conv(input, filters, 1, stride, padding, data_format, dilations, "conv1d")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution (cross-correlation, as TF); filters are [h, w, in, out].

    `padding` is 'SAME' (output = ceil(in / stride)), 'VALID', or explicit
    [[0, 0], [top, bottom], [left, right], [0, 0]].
    """
    return _conv(input, filters, 2, strides, padding, data_format, dilations, "conv2d")


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):
    """3-D convolution; filters are [d, h, w, in, out]."""
    return _conv(input, filters, 3, strides, padding, data_format, dilations, "conv3d")


def convolution(input, filters, strides=None, padding="VALID", data_format=None,
                dilations=None, name=None):
    """N-D convolution, N = rank(filters) - 2."""
    filters = _tensor(filters)
    n = filters.shape.rank - 2
    return _conv(input, filters, n, strides, padding, data_format, dilations, "convolution")


def _static_dim(d):
    """An int, or None for a dim only known when the traced function runs."""
    if d is None:
        return None
    if isinstance(d, Tensor):
        try:
            return int(np.asarray(d))
        except (TypeError, ValueError, NotImplementedError):  # symbolic
            return None
    return int(d)


def _conv_transpose(input, filters, output_shape, n, strides, padding, data_format, dilations,
                    op):
    filters = _tensor(filters)
    attrs = _conv_attrs(n, strides, padding, data_format, dilations, op)
    shape = tuple(_static_dim(d) for d in (output_shape if isinstance(output_shape, (list, tuple))
                                           else _static(output_shape)))
    if None in shape[1:]:
        raise ValueError(f"{op}: only the batch entry of output_shape may be unknown (traced); "
                         f"got {output_shape}")
    if len(shape) != n + 2:
        raise ValueError(f"{op}: output_shape must have length {n + 2}, got {list(shape)}")
    return conv_backprop_input_p.bind(input, filters, shape=shape, **attrs)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",
                     dilations=None, name=None):
    """The transpose (gradient) of conv1d; filters are [w, out_channels, in_channels]."""
    return _conv_transpose(input, filters, output_shape, 1, strides, padding, data_format,
                           dilations, "conv1d_transpose")


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",
                     dilations=None, name=None):
    """The transpose (gradient) of conv2d; filters are [h, w, out_channels, in_channels]."""
    return _conv_transpose(input, filters, output_shape, 2, strides, padding, data_format,
                           dilations, "conv2d_transpose")


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME",
                     data_format="NDHWC", dilations=None, name=None):
    return _conv_transpose(input, filters, output_shape, 3, strides, padding, data_format,
                           dilations, "conv3d_transpose")


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,
                   dilations=None, name=None):
    """N-D transposed convolution, N = rank(filters) - 2."""
    filters = _tensor(filters)
    return _conv_transpose(input, filters, output_shape, filters.shape.rank - 2, strides,
                           padding, data_format, dilations, "conv_transpose")


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,
                     name=None):
    """Each input channel convolved with its own `channel_multiplier` filters.

    filter is [h, w, in_channels, channel_multiplier]; the output has
    in_channels * channel_multiplier channels (channel c * multiplier + m).
    """
    attrs = _conv_attrs(2, strides, padding, data_format, dilations, "depthwise_conv2d")
    return depthwise_conv_p.bind(input, filter, **attrs)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None):
    """depthwise_conv2d followed by a 1x1 conv2d with `pointwise_filter` [1, 1, c*m, out]."""
    depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format,
                                 dilations)
    return conv2d(depthwise, pointwise_filter, 1, "VALID", data_format or "NHWC")


def atrous_conv2d(value, filters, rate, padding, name=None) -> Tensor:
    """conv2d with dilation `rate` (NHWC, stride 1)."""
    return conv2d(value, filters, 1, padding, dilations=rate)


def depthwise_conv2d_backprop_input(input_sizes, filter, out_backprop, strides, padding,
                                    data_format="NHWC", dilations=None, name=None) -> Tensor:
    """The gradient of depthwise_conv2d with respect to its input (of shape input_sizes)."""
    attrs = _conv_attrs(2, strides, padding, data_format, dilations,
                        "depthwise_conv2d_backprop_input")
    shape = tuple(int(d) for d in _static(input_sizes))
    return depthwise_conv_backprop_input_p.bind(out_backprop, filter, shape=shape, **attrs)


def depthwise_conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                                     data_format="NHWC", dilations=None, name=None) -> Tensor:
    """The gradient of depthwise_conv2d with respect to its filter (of shape filter_sizes)."""
    attrs = _conv_attrs(2, strides, padding, data_format, dilations,
                        "depthwise_conv2d_backprop_filter")
    shape = tuple(int(d) for d in _static(filter_sizes))
    return depthwise_conv_backprop_filter_p.bind(input, out_backprop, shape=shape, **attrs)


# =============================================================================================
# Pooling: one vectorized NumPy call per window tap (never a loop over pixels). Attrs: ksize,
# strides, padding ("SAME", "VALID" or pairs), channels_first.
# =============================================================================================
def _pool_rule(x: Spec, *rest, ksize, strides, padding, channels_first) -> Spec:
    if x.shape is None:
        return Spec(None, x.dtype)
    n = len(ksize)
    if len(x.shape) != n + 2:
        raise InvalidArgumentError(None, None, f"pooling: input must be {n + 2}-D, got shape "
                                   f"{list(x.shape)}")
    batch, sizes, channels = _layout(x.shape, channels_first)
    out = tuple(_out_size(sizes[i], ksize[i], strides[i], 1, padding, i, "pool")
                for i in range(n))
    return Spec(_compose(batch, out, channels, channels_first), x.dtype)


def _pool_geometry(shape, ksize, strides, padding, op):
    n = len(ksize)
    if len(shape) != n + 2:
        raise InvalidArgumentError(None, None, f"{op}: input must be {n + 2}-D, got shape "
                                   f"{list(shape)}")
    ones = (1,) * n
    out = tuple(_out_size(shape[1 + i], ksize[i], strides[i], 1, padding, i, op)
                for i in range(n))
    return _pads(shape[1:-1], ksize, strides, ones, padding), out, ones


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" or dtype == dtypes.bfloat16._numpy else \
        np.iinfo(dtype).min


def _max_pool_impl(x, ksize, strides, padding, channels_first):
    x = _last(x, channels_first)
    pads, out, ones = _pool_geometry(x.shape, ksize, strides, padding, "MaxPool")
    xp = _pad(x, pads, _lowest(x.dtype))
    y = None
    for tap in np.ndindex(*ksize):
        part = xp[_tap(tap, strides, ones, out)]
        y = part.copy() if y is None else np.maximum(y, part, out=y)
    return _first(y, channels_first)


def _argmax_taps(x, y, ksize, strides, padding):
    """Yield (index, mask): for each tap, where it holds its window's first maximum."""
    pads, out, ones = _pool_geometry(x.shape, ksize, strides, padding, "MaxPoolGrad")
    xp = _pad(x, pads, _lowest(x.dtype))
    taken = np.zeros(y.shape, bool)
    for tap in np.ndindex(*ksize):
        index = _tap(tap, strides, ones, out)
        mask = (xp[index] == y) & ~taken
        taken |= mask
        yield index, mask, pads


def _max_pool_grad_impl(x, y, g, ksize, strides, padding, channels_first):
    x, y, g = (_last(a, channels_first) for a in (x, y, g))
    dxp = None
    for index, mask, pads in _argmax_taps(x, y, ksize, strides, padding):
        if dxp is None:
            dxp = np.zeros((x.shape[0],) + tuple(s + a + b for s, (a, b) in
                                                 zip(x.shape[1:-1], pads)) + x.shape[-1:],
                           g.dtype)
        dxp[index] += np.where(mask, g, 0)
    return _first(dxp[_inner(pads, x.shape[1:-1])], channels_first)


def _max_pool_grad_grad_impl(x, y, gg, ksize, strides, padding, channels_first):
    x, y, gg = (_last(a, channels_first) for a in (x, y, gg))
    out = np.zeros(y.shape, gg.dtype)
    ggp = None
    for index, mask, pads in _argmax_taps(x, y, ksize, strides, padding):
        ggp = _pad(gg, pads) if ggp is None else ggp
        out += np.where(mask, ggp[index], 0)
    return _first(out, channels_first)


max_pool_p = primitive(
    "max_pool", impl=_max_pool_impl, shape_rule=_pool_rule,
    grad=lambda g, y, x, **a: (max_pool_grad_p.bind(x, y, g, **a),), dtypes=_REALS)

# Gradients route to each window's first maximum; the pair below differentiates into itself.
max_pool_grad_p = primitive(
    "max_pool_grad", impl=_max_pool_grad_impl, shape_rule=lambda x, y, g, **a: x,
    grad=lambda gg, out, x, y, g, **a: (None, None, max_pool_grad_grad_p.bind(x, y, gg, **a)),
    dtypes=_REALS)

max_pool_grad_grad_p = primitive(
    "max_pool_grad_grad", impl=_max_pool_grad_grad_impl, shape_rule=lambda x, y, gg, **a: y,
    grad=lambda ggg, out, x, y, gg, **a: (None, None, max_pool_grad_p.bind(x, y, ggg, **a)),
    dtypes=_REALS)


def _avg_counts(sizes, ksize, strides, pads, out, dtype):
    """Per output position, how many window elements lie inside the input (SAME divides by
    that, as TF)."""
    count = np.ones((), dtype)
    for i, (size, k, s, (before, _), o) in enumerate(zip(sizes, ksize, strides, pads, out)):
        start = np.arange(o) * s - before
        valid = np.minimum(start + k, size) - np.maximum(start, 0)
        shape = [1] * len(sizes)
        shape[i] = o
        count = count * valid.reshape(shape).astype(dtype)
    return count[..., None]


def _avg_pool_impl(x, ksize, strides, padding, channels_first):
    x = _last(x, channels_first)
    pads, out, ones = _pool_geometry(x.shape, ksize, strides, padding, "AvgPool")
    xp = _pad(x, pads)
    total = None
    for tap in np.ndindex(*ksize):
        part = xp[_tap(tap, strides, ones, out)]
        total = part.copy() if total is None else np.add(total, part, out=total)
    total /= _avg_counts(x.shape[1:-1], ksize, strides, pads, out, x.dtype)
    return _first(total, channels_first)


def _avg_pool_grad_impl(g, x, ksize, strides, padding, channels_first):
    g, x = _last(g, channels_first), _last(x, channels_first)
    pads, out, ones = _pool_geometry(x.shape, ksize, strides, padding, "AvgPoolGrad")
    share = g / _avg_counts(x.shape[1:-1], ksize, strides, pads, out, g.dtype)
    dxp = np.zeros((x.shape[0],) + tuple(s + a + b for s, (a, b) in zip(x.shape[1:-1], pads)) +
                   x.shape[-1:], g.dtype)
    for tap in np.ndindex(*ksize):
        dxp[_tap(tap, strides, ones, out)] += share
    return _first(dxp[_inner(pads, x.shape[1:-1])], channels_first)


avg_pool_p = primitive(
    "avg_pool", impl=_avg_pool_impl, shape_rule=_pool_rule,
    grad=lambda g, y, x, **a: (avg_pool_grad_p.bind(g, x, **a),), dtypes=_FLOATS)

avg_pool_grad_p = primitive(
    "avg_pool_grad", impl=_avg_pool_grad_impl, shape_rule=lambda g, x, **a: x,
    grad=lambda gg, out, g, x, **a: (avg_pool_p.bind(gg, **a), None), dtypes=_FLOATS)


def _pool(prim, input, ksize, strides, padding, data_format, n, op, explicit=True):
    input = _tensor(input)
    if n is None:
        rank = input.shape.rank
        if rank is None:
            raise ValueError(f"{op}: the input's rank must be known")
        n = rank - 2
    if n not in (1, 2, 3):
        raise ValueError(f"{op}: input must be 3-D, 4-D or 5-D, got rank {n + 2}")
    channels_first = _channels_first(data_format, n)
    if not explicit and not isinstance(padding, str):
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID'. Received: "
                         f"padding={padding!r}")
    return prim.bind(input, ksize=_spatial(ksize, n, "ksize", channels_first, op),
                     strides=_spatial(strides, n, "strides", channels_first, op),
                     padding=_padding(padding, n, channels_first, op),
                     channels_first=channels_first)


def max_pool(input, ksize, strides, padding, data_format=None, name=None) -> Tensor:
    """Max pooling over N spatial dims (N from the input's rank)."""
    return _pool(max_pool_p, input, ksize, strides, padding, data_format, None, "max_pool")


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None) -> Tensor:
    return _pool(max_pool_p, input, ksize, strides, padding, data_format, 1, "max_pool1d")


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None) -> Tensor:
    return _pool(max_pool_p, input, ksize, strides, padding, data_format, 2, "max_pool2d")


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None) -> Tensor:
    return _pool(max_pool_p, input, ksize, strides, padding, data_format, 3, "max_pool3d")


def avg_pool(input, ksize, strides, padding, data_format=None, name=None) -> Tensor:
    """Average pooling; with SAME padding each output divides by its count of real inputs."""
    return _pool(avg_pool_p, input, ksize, strides, padding, data_format, None, "avg_pool",
                 explicit=False)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None) -> Tensor:
    return _pool(avg_pool_p, input, ksize, strides, padding, data_format, 1, "avg_pool1d",
                 explicit=False)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None) -> Tensor:
    return _pool(avg_pool_p, input, ksize, strides, padding, data_format, 2, "avg_pool2d",
                 explicit=False)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None) -> Tensor:
    return _pool(avg_pool_p, input, ksize, strides, padding, data_format, 3, "avg_pool3d",
                 explicit=False)


def pool(input, window_shape, pooling_type, strides=None, padding="VALID", data_format=None,
         dilations=None, name=None) -> Tensor:
    """N-D pooling; pooling_type is "MAX" or "AVG" (dilations other than 1 are not
    supported)."""
    n = len(window_shape)
    if dilations is not None and any(d != 1 for d in _spatial(dilations, n, "dilations", False,
                                                                "pool")):
        raise NotImplementedError("pool: dilation_rate other than 1 is not supported")
    kinds = {"MAX": max_pool_p, "AVG": avg_pool_p}
    if pooling_type not in kinds:
        raise ValueError(f"pool: pooling_type must be 'MAX' or 'AVG'. Received: "
                         f"pooling_type={pooling_type!r}")
    return _pool(kinds[pooling_type], input, window_shape, 1 if strides is None else strides,
                 padding, data_format, n, "pool", explicit=pooling_type == "MAX")


# =============================================================================================
# embedding_lookup: params[ids]; the gradient is a dense scatter-add (np.add.at).
# =============================================================================================
def _check_ids(params, ids):
    rows = params.shape[0]
    bad = (ids < 0) | (ids >= rows)
    if bad.any():
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        index = ",".join(map(str, position))
        raise InvalidArgumentError(
            None, None, f"indices[{index}] = {ids[position]} is not in [0, {rows}) "
            f"[Op:ResourceGather]")


def _embedding_impl(params, ids):
    _check_ids(params, ids)
    return np.take(params, ids, axis=0)


def _embedding_grad_impl(g, ids, params):
    _check_ids(params, ids)
    out = np.zeros(params.shape, g.dtype)
    np.add.at(out, ids, g)
    return out


def _embedding_rule(params: Spec, ids: Spec) -> Spec:
    if params.shape is None or ids.shape is None:
        return Spec(None, params.dtype)
    return Spec(tuple(ids.shape) + tuple(params.shape[1:]), params.dtype)


embedding_lookup_p = primitive(
    "embedding_lookup", impl=_embedding_impl, shape_rule=_embedding_rule,
    grad=lambda g, out, params, ids: (embedding_lookup_grad_p.bind(g, ids, params), None),
    same_dtype=False)

embedding_lookup_grad_p = primitive(
    "embedding_lookup_grad", impl=_embedding_grad_impl,
    shape_rule=lambda g, ids, params: Spec(params.shape, g.dtype),
    grad=lambda gg, out, g, ids, params: (embedding_lookup_p.bind(gg, ids), None, None),
    same_dtype=False)


def embedding_lookup(params, ids, max_norm=None, name=None) -> Tensor:
    """Rows of `params` for each id (any shape of ids); a list of params is joined in order
    (TF's "div" partition strategy). With `max_norm`, rows are clipped to that L2 norm."""
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("embedding_lookup: params must not be empty")
        if len(params) == 1:
            params = params[0]
        else:
            from eagerflow.ops.array import concat

            params = concat(list(params), axis=0)
    ids = _tensor(ids)
    if not ids.dtype.is_integer:
        raise TypeError(f"embedding_lookup: ids must be int32 or int64, got {ids.dtype.name}")
    out = embedding_lookup_p.bind(params, ids)
    if max_norm is not None:
        ids_rank, out_rank = ids.shape.rank, out.shape.rank
        out = clip_by_norm(out, max_norm, axes=list(range(ids_rank, out_rank)))
    return out


# =============================================================================================
# Normalization and norm clipping: composites of math and reduce ops.
# =============================================================================================
def l2_loss(t, name=None) -> Tensor:
    """sum(t ** 2) / 2."""
    t = _tensor(t)
    return _math.realdiv(reduce_sum(multiply(t, t)), 2)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None) -> Tensor:
    """x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    x = _tensor(x)
    axis = dim if axis is None else axis
    square_sum = reduce_sum(_math.square(x), _static(axis), keepdims=True)
    return multiply(x, _math.rsqrt(_math.maximum(square_sum, epsilon)))


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of x over `axes`; float16 inputs are computed in float32, as TF."""
    from eagerflow.ops.array import squeeze, stop_gradient
    from eagerflow.ops.reduce import reduce_mean

    x = _tensor(x)
    axes = _static(axes)
    axes = [axes] if isinstance(axes, int) else list(axes)
    y = cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
    mean = reduce_mean(y, axes, keepdims=True)
    variance = reduce_mean(_math.squared_difference(y, stop_gradient(mean)), axes, keepdims=True)
    if not keepdims:
        mean, variance = squeeze(mean, axes), squeeze(variance, axes)
    if x.dtype == dtypes.float16:
        mean, variance = cast(mean, x.dtype), cast(variance, x.dtype)
    return mean, variance


def weighted_moments(x, axes, frequency_weights, keepdims=False, name=None):
    """(mean, variance) of x over `axes`, each element counted `frequency_weights` times."""
    from eagerflow.ops.array import squeeze, stop_gradient

    x = _tensor(x)
    weights = cast(_tensor(frequency_weights), x.dtype)
    axes = _static(axes)
    axes = [axes] if isinstance(axes, int) else list(axes)
    total = reduce_sum(add(weights, zeros_like(x)), axes, keepdims=True)
    mean = _math.divide_no_nan(reduce_sum(multiply(weights, x), axes, keepdims=True), total)
    spread = multiply(weights, _math.squared_difference(x, stop_gradient(mean)))
    variance = _math.divide_no_nan(reduce_sum(spread, axes, keepdims=True), total)
    if not keepdims:
        mean, variance = squeeze(mean, axes), squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None) -> Tensor:
    """(x - mean) * scale / sqrt(variance + variance_epsilon) + offset (offset and scale may
    be None)."""
    x = _tensor(x)
    inv = _math.rsqrt(add(_tensor(variance), variance_epsilon))
    if scale is not None:
        inv = multiply(inv, scale)
    shift = negative(multiply(mean, inv))
    if offset is not None:
        shift = add(offset, shift)
    return add(multiply(x, cast(inv, x.dtype)), cast(shift, x.dtype))


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,
                                 name=None) -> Tensor:
    """input / (bias + alpha * sum of squares over the 2r+1 nearest channels) ** beta."""
    input = _tensor(input)
    channels = input.shape[-1]
    if channels is None:
        raise ValueError("local_response_normalization: the channel dimension must be known")
    r = int(depth_radius)
    squares = reshape(_math.square(input), (-1, channels, 1))
    window = convert_to_tensor(np.ones((2 * r + 1, 1, 1)), input.dtype)
    sums = conv1d(squares, window, 1, [[0, 0], [r, r], [0, 0]])
    from eagerflow.ops.array import reshape_like

    sums = reshape_like(sums, input)
    return multiply(input, _math.pow(add(multiply(alpha, sums), bias), -float(beta)))


lrn = local_response_normalization


def zero_fraction(value, name=None) -> Tensor:
    """The fraction of zeros in `value`, as float32."""
    from eagerflow.ops.reduce import reduce_mean

    return reduce_mean(cast(_math.equal(value, 0), dtypes.float32))


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None) -> Tensor:
    """exp(log_input) - log_input * targets (+ Stirling's term for targets > 1 when
    compute_full_loss)."""
    log_input = _tensor(log_input)
    targets = targets if isinstance(targets, Tensor) else convert_to_tensor(targets,
                                                                            log_input.dtype)
    result = subtract(exp(log_input), multiply(log_input, targets))
    if compute_full_loss:
        from eagerflow.ops.array import ones_like
        from eagerflow.ops.indexing import where

        safe = where(_math.greater(targets, 1), targets, ones_like(targets))
        stirling = add(subtract(multiply(safe, _math.log(safe)), safe),
                       multiply(0.5, _math.log(multiply(2 * np.pi, safe))))
        zeros = zeros_like(targets)
        result = add(result, where(_math.greater(targets, 1), stirling, zeros))
    return result


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None,
                         name=None) -> Tensor:
    """sum(per_example_loss * sample_weight) / global_batch_size (default: the batch size,
    the first dimension; one replica)."""
    loss = _tensor(per_example_loss)
    if not loss.dtype.is_floating:
        raise TypeError(f"compute_average_loss: per_example_loss must be floating, got "
                        f"{loss.dtype.name}")
    if loss.shape.rank == 0:
        raise ValueError("Invalid value passed for `per_example_loss`. Expected a tensor with "
                         "at least rank 1.")
    if sample_weight is not None:
        loss = multiply(loss, cast(_tensor(sample_weight), loss.dtype))
    if global_batch_size is None:
        from eagerflow.ops.array import shape

        global_batch_size = cast(shape(loss)[0], loss.dtype)
    else:
        global_batch_size = convert_to_tensor(_static(global_batch_size), loss.dtype) \
            if not isinstance(global_batch_size, Tensor) else cast(global_batch_size, loss.dtype)
    return _math.realdiv(reduce_sum(loss), global_batch_size)


def scale_regularization_loss(regularization_loss, name=None) -> Tensor:
    """The regularization loss (summed when a list) divided by the replica count (1)."""
    if isinstance(regularization_loss, (list, tuple)):
        total = _tensor(regularization_loss[0])
        for term in regularization_loss[1:]:
            total = add(total, term)
        return total
    return _tensor(regularization_loss)


def clip_by_norm(t, clip_norm, axes=None, name=None) -> Tensor:
    """t * clip_norm / max(l2norm(t, axes), clip_norm): rescale t where its L2 norm is larger
    than clip_norm; a zero norm gives t unchanged (and a finite gradient)."""
    from eagerflow.ops.array import ones_like
    from eagerflow.ops.indexing import where

    t = _tensor(t)
    axes = _static(axes)
    l2sum = reduce_sum(multiply(t, t), axes, keepdims=True)
    positive = _math.greater(l2sum, 0)
    safe = where(positive, l2sum, ones_like(l2sum))
    l2norm = where(positive, _math.sqrt(safe), l2sum)
    clip_norm = _tensor(clip_norm) if isinstance(clip_norm, Tensor) else \
        convert_to_tensor(clip_norm, t.dtype)
    return _math.realdiv(multiply(t, clip_norm), _math.maximum(l2norm, clip_norm))


def _global_norm(values) -> Tensor:
    squares = [reduce_sum(multiply(v, v)) for v in values]
    total = squares[0]
    for s in squares[1:]:
        total = add(total, s)
    return _math.sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor by clip_norm / max(global_norm, clip_norm).

    Returns (list_clipped, global_norm); None entries stay None. A non-finite
    global norm makes every entry NaN, as TF.
    """
    if not isinstance(t_list, (list, tuple)) or isinstance(t_list, str):
        raise TypeError("`t_list` should be a sequence of tensors. Received "
                        f"{type(t_list).__name__}.")
    values = [None if t is None else _tensor(t) for t in t_list]
    present = [v for v in values if v is not None]
    if use_norm is None:
        if not present:
            raise ValueError("clip_by_global_norm: t_list has no tensors")
        use_norm = _global_norm(present)
    use_norm = _tensor(use_norm)
    dtype = present[0].dtype if present else use_norm.dtype
    clip = convert_to_tensor(clip_norm, dtype) if not isinstance(clip_norm, Tensor) else \
        clip_norm
    # clip * min(1 / norm, 1 / clip), and NaN (for every entry) when the norm is inf or NaN.
    from eagerflow.ops.indexing import where

    scale = multiply(clip, _math.minimum(_math.realdiv(1.0, use_norm), _math.realdiv(1.0, clip)))
    scale = where(_math.is_finite(use_norm), scale, convert_to_tensor(np.nan, scale.dtype))
    clipped = [None if v is None else multiply(v, cast(scale, v.dtype)) for v in values]
    return clipped, use_norm
