"""Neural-network ops (`tf.nn`): activations, softmax and losses, bias_add, dropout,
normalization, embedding_lookup, and tf.clip_by_norm / clip_by_global_norm.
Convolutions and pooling are in ops/conv.py.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops import math as _math
from eagerflow.ops import random as _random
from eagerflow.ops import special as _special
from eagerflow.ops.array import cast, reshape, zeros_like
from eagerflow.ops.math import add, exp, multiply, negative, subtract
from eagerflow.ops.reduce import reduce_sum
from eagerflow.ops.rules import as_tensor, normalize_axis, same_as_first

__all__ = ["clip_by_norm", "clip_by_global_norm"]
NAMESPACES = {
    "nn": [
        "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "sigmoid", "tanh",
        "softplus", "softsign", "softmax", "log_softmax", "bias_add", "dropout",
        "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
        "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits", "l2_loss",
        "l2_normalize", "moments", "batch_normalization", "embedding_lookup", "crelu",
        "weighted_moments", "zero_fraction", "compute_average_loss", "scale_regularization_loss",
        "local_response_normalization", "lrn", "log_poisson_loss",
    ],
    "math": ["softmax", "log_softmax", "softsign", "l2_normalize"],
}

_FLOATS = [np.float16, np.float32, np.float64, dtypes.bfloat16._numpy]
_REALS = _FLOATS + [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16]


_tensor = as_tensor


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
    return _special.erf_p.impl(x).astype(x.dtype, copy=False)


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


# The exponentials of the last sparse cross-entropy over 2-D logits: (logits, exp(logits -
# row max), their row sums). The loss's gradient kernel runs on the same logits array right
# after, and takes softmax(logits) from here (the same bits: the same exp and sum, then the
# division) instead of computing it again, as TF's kernel computes loss and gradient in one
# pass. Identity (`is`) of the logits array decides; the entry holds references, so an id is
# never reused while it is here.
_recent_softmax: list = [None]
_MEMO_LIMIT = 1 << 20  # elements: larger logits are not kept


def _softmax_compute(x, axis):
    # np.maximum.reduce / np.add.reduce are what np.max / np.sum run, minus their dispatch.
    e = np.exp(x - np.maximum.reduce(x, axis=axis, keepdims=True))
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


def _softmax_impl(x, axis):
    if x.size == 0:
        return x.copy()
    return _softmax_compute(x, axis)


def _recent_probabilities(logits, labels):
    """(softmax(logits) along the last axis as a fresh array, whether `labels` were checked
    already) when the last sparse cross-entropy was of this very logits array, else None."""
    memo = _recent_softmax[0]
    if memo is None or memo[0] is not logits:
        return None
    _recent_softmax[0] = None
    return memo[2] / memo[3][:, None], memo[1] is labels


def _log_softmax_impl(x, axis):
    if x.size == 0:
        return x.copy()
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


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


_UNSIGNED = {1: np.dtype(np.uint8), 2: np.dtype(np.uint16), 4: np.dtype(np.uint32),
             8: np.dtype(np.uint64)}


def _sparse_labels(logits, labels):
    if logits.ndim == 0 or labels.shape != logits.shape[:-1]:
        _sparse_check(labels.shape, logits.shape)  # raises the error naming the shapes
    classes = logits.shape[-1]
    if labels.size == 0:
        return labels
    # One reduction finds labels out of [0, classes): seen as unsigned, negatives are huge.
    unsigned = labels if labels.dtype.kind == "u" else labels.view(
        _UNSIGNED[labels.dtype.itemsize])
    if np.maximum.reduce(unsigned, axis=None) >= classes:
        bad = (labels < 0) | (labels >= classes)
        value = labels[bad].reshape(-1)[0]
        raise InvalidArgumentError(
            None, None, f"Received a label value of {value} which is outside the valid range "
            f"of [0, {classes}).  Label values: {' '.join(map(str, labels.reshape(-1)[:100]))} "
            "[Op:SparseSoftmaxCrossEntropyWithLogits]")
    return labels


def _sparse_impl(logits, labels):
    labels = _sparse_labels(logits, labels)
    if logits.ndim == 2 and logits.size:
        # The common (batch, classes) case without building log_softmax: logsumexp minus
        # the label's shifted logit (bit for bit -(log_softmax[label])).
        shifted = logits - np.maximum.reduce(logits, axis=-1, keepdims=True)
        exps = np.exp(shifted)
        sums = np.add.reduce(exps, axis=-1)
        _recent_softmax[0] = (logits, labels, exps, sums) if logits.size <= _MEMO_LIMIT \
            else None
        return np.log(sums) - shifted[np.arange(len(labels)), labels]
    logp = _log_softmax_impl(logits, -1)
    return -np.take_along_axis(logp, labels[..., None].astype(np.intp), axis=-1)[..., 0]


def _sparse_backprop_impl(logits, labels):
    recent = _recent_probabilities(logits, labels) if logits.ndim == 2 else None
    if recent is None or not recent[1]:  # labels the forward kernel did not check
        labels = _sparse_labels(logits, labels)
    if logits.size == 0:
        return logits.copy()
    out = _softmax_compute(logits, -1) if recent is None else recent[0]
    if out.ndim == 2:
        out[np.arange(len(labels)), labels] -= 1
        return out
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
    if g.ndim == 2 and axis == 1:
        return np.add.reduce(g, axis=0, dtype=g.dtype)
    return np.add.reduce(g, axis=tuple(i for i in range(g.ndim) if i != axis), dtype=g.dtype)


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
    from eagerflow.ops.conv import conv1d

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


def _check_replica_context(op_name: str) -> None:
    """TF's rule: the loss scaling ops run per replica, not directly in a strategy's scope.
    tf.distribute is read only when loaded (ops sit below it in the import order)."""
    import sys

    distribute_context = sys.modules.get("eagerflow.distribute.context")
    if distribute_context is not None and distribute_context.in_cross_replica_context():
        raise RuntimeError(f"You are calling `{op_name}` in cross replica context, while it was "
                           "expected to be called in replica context (inside strategy.run).")


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None,
                         name=None) -> Tensor:
    """sum(per_example_loss * sample_weight) / global_batch_size (default: the batch size,
    the first dimension; one replica)."""
    _check_replica_context("compute_average_loss")
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
    _check_replica_context("scale_regularization_loss")
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
