"""`tf.keras.activations`: element-wise activation functions and their lookup by name.

Every function is built from eagerflow ops, so it runs eagerly and inside tf.function alike;
`get`/`serialize`/`deserialize` map between functions and the names stored in layer configs.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import eagerflow as tf
from eagerflow.keras.serialization_helpers import (
    deserialize_object,
    registered_object,
    serialize_object,
)

__all__ = ["relu", "sigmoid", "softmax", "log_softmax", "tanh", "elu", "selu", "softplus",
           "softsign", "swish", "silu", "gelu", "exponential", "hard_sigmoid", "hard_silu",
           "hard_swish", "linear", "leaky_relu", "relu6", "mish", "celu", "glu",
           "tanh_shrink", "hard_tanh", "hard_shrink", "soft_shrink", "sparse_plus",
           "squareplus", "log_sigmoid", "sparse_sigmoid", "threshold", "sparsemax", "get",
           "serialize", "deserialize"]


def relu(x, alpha: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> tf.Tensor:
    """Rectified linear unit: `x` above `threshold`, `alpha * (x - threshold)` below it,
    clipped at `max_value` when given (tf_keras semantics)."""
    x = tf.convert_to_tensor(x)
    if alpha != 0.0 and max_value is None and threshold == 0.0:
        return tf.nn.leaky_relu(x, alpha=alpha)
    negative_part = None
    if alpha != 0.0:
        negative_part = tf.nn.relu(-x + threshold) if threshold != 0.0 else tf.nn.relu(-x)
    clip_max = max_value is not None
    if threshold != 0.0:
        x = x * tf.cast(tf.greater(x, threshold), x.dtype)
    elif max_value == 6:
        x = tf.nn.relu6(x)
        clip_max = False
    else:
        x = tf.nn.relu(x)
    if clip_max:
        x = tf.clip_by_value(x, tf.constant(0, x.dtype), tf.constant(max_value, x.dtype))
    if negative_part is not None:
        x = x - tf.cast(alpha, x.dtype) * negative_part
    return x


# --- logits behind probabilities --------------------------------------------------------
# tf_keras caches the input of its softmax/sigmoid on the output (`_keras_logits`) so that a
# crossentropy given those probabilities computes from the logits instead (stable, and its
# gradient never vanishes at the clip). Tensors here have no spare attribute slot, so the
# cache is keyed by identity and forgets an entry when its output tensor dies.
_LOGITS: dict[int, tuple] = {}


def _remember_logits(output, logits, kind: str, axis: int | None = None):
    key = id(output)

    def forget(ref, key=key) -> None:
        entry = _LOGITS.get(key)
        if entry is not None and entry[0] is ref:
            del _LOGITS[key]

    _LOGITS[key] = (weakref.ref(output, forget), logits, kind, axis)
    return output


def _normalize_axis(axis: int, rank: int | None) -> int:
    return axis % rank if rank else axis


def logits_of(output, kind: str, axis: int = -1):
    """The logits `output` was computed from by `kind` ("softmax" over `axis`, or "sigmoid"),
    or None: from the Keras activation cache, or, inside tf.function, from the graph node
    that made `output` (as tf_keras does for its Softmax/Sigmoid ops)."""
    entry = _LOGITS.get(id(output))
    rank = output.shape.rank
    if entry is not None and entry[0]() is output and entry[2] == kind:
        if kind == "sigmoid" or _normalize_axis(entry[3], rank) == _normalize_axis(axis, rank):
            return entry[1]
    from eagerflow.graph.ir import SymbolicTensor

    if not isinstance(output, SymbolicTensor) or output.node.op.name != kind:
        return None
    if kind == "softmax":
        op_axis = output.node.attrs.get("axis", -1)
        last = -1 if rank is None else rank - 1
        if _normalize_axis(op_axis, rank) != last or _normalize_axis(axis, rank) != last:
            return None  # TF's Softmax op is always over the last axis
    return output.node.inputs[0]


def sigmoid(x) -> tf.Tensor:
    """Logistic function `1 / (1 + exp(-x))`."""
    x = tf.convert_to_tensor(x)
    return _remember_logits(tf.sigmoid(x), x, "sigmoid")


def _check_softmax_rank(x, name: str) -> None:
    rank = x.shape.rank
    if rank is not None and rank <= 1:
        raise ValueError(f"Cannot apply {name} to a tensor that is 1D. Received input shape: "
                         f"{x.shape}. Add a batch dimension first (e.g. tf.expand_dims(x, 0)).")


def softmax(x, axis: int | tuple | list = -1) -> tf.Tensor:
    """Softmax along `axis`: exponentials normalised to sum to one (rank >= 2 as in tf_keras)."""
    x = tf.convert_to_tensor(x)
    _check_softmax_rank(x, "softmax")
    if isinstance(axis, int):
        return _remember_logits(tf.nn.softmax(x, axis=axis), x, "softmax", axis)
    shifted = x - tf.reduce_logsumexp(x, axis=axis, keepdims=True)
    return tf.exp(shifted)


def log_softmax(x, axis: int | tuple | list = -1) -> tf.Tensor:
    """Logarithm of `softmax(x, axis)`, computed stably."""
    x = tf.convert_to_tensor(x)
    if isinstance(axis, int):
        return tf.nn.log_softmax(x, axis=axis)
    return x - tf.reduce_logsumexp(x, axis=axis, keepdims=True)


def tanh(x) -> tf.Tensor:
    """Hyperbolic tangent."""
    return tf.tanh(x)


def elu(x, alpha: float = 1.0) -> tf.Tensor:
    """Exponential linear unit: `x` for x > 0, `alpha * (exp(x) - 1)` otherwise."""
    x = tf.convert_to_tensor(x)
    result = tf.nn.elu(x)
    if alpha == 1:
        return result
    return tf.where(x > 0, result, tf.cast(alpha, x.dtype) * result)


def selu(x) -> tf.Tensor:
    """Scaled ELU with the self-normalising constants of Klambauer et al. (2017)."""
    return tf.nn.selu(x)


def softplus(x) -> tf.Tensor:
    """`log(exp(x) + 1)`, computed without overflow."""
    return tf.math.softplus(x)


def softsign(x) -> tf.Tensor:
    """`x / (abs(x) + 1)`."""
    return tf.nn.softsign(x)


def swish(x) -> tf.Tensor:
    """`x * sigmoid(x)` (also called SiLU)."""
    return tf.nn.silu(x)


def silu(x) -> tf.Tensor:
    """`x * sigmoid(x)`, the Keras 3 name of swish."""
    return tf.nn.silu(x)


def gelu(x, approximate: bool = False) -> tf.Tensor:
    """Gaussian error linear unit `x * Phi(x)`; the tanh approximation when `approximate`."""
    return tf.nn.gelu(x, approximate=approximate)


def exponential(x) -> tf.Tensor:
    """`exp(x)`."""
    return tf.exp(x)


def hard_sigmoid(x) -> tf.Tensor:
    """Piecewise-linear sigmoid of tf_keras 2.x: `clip(0.2 * x + 0.5, 0, 1)`."""
    x = tf.convert_to_tensor(x)
    point_two = tf.constant(0.2, x.dtype)
    half = tf.constant(0.5, x.dtype)
    return tf.clip_by_value(point_two * x + half, tf.constant(0, x.dtype), tf.constant(1, x.dtype))


def hard_silu(x) -> tf.Tensor:
    """`x * relu6(x + 3) / 6`, the piecewise-linear swish."""
    x = tf.convert_to_tensor(x)
    return x * tf.nn.relu6(x + tf.constant(3, x.dtype)) / tf.constant(6, x.dtype)


hard_swish = hard_silu


def linear(x) -> tf.Tensor:
    """The identity: returns its input unchanged (the activation of `activation=None`)."""
    return x


def leaky_relu(x, negative_slope: float = 0.2) -> tf.Tensor:
    """`x` for x >= 0, `negative_slope * x` otherwise."""
    return tf.nn.leaky_relu(x, alpha=negative_slope)


def relu6(x) -> tf.Tensor:
    """`min(max(x, 0), 6)`."""
    return tf.nn.relu6(x)


def mish(x) -> tf.Tensor:
    """`x * tanh(softplus(x))` (Misra, 2019)."""
    x = tf.convert_to_tensor(x)
    return x * tf.tanh(tf.math.softplus(x))


# --- Keras 3 additions (so Keras 3 configs naming them load) -----------------------------
def celu(x, alpha: float = 1.0) -> tf.Tensor:
    """Continuously differentiable ELU: `x` for x > 0, `alpha * (exp(x / alpha) - 1)`."""
    x = tf.convert_to_tensor(x)
    alpha_t = tf.constant(alpha, x.dtype)
    return tf.where(x > 0, x, alpha_t * tf.math.expm1(x / alpha_t))


def glu(x, axis: int = -1) -> tf.Tensor:
    """Gated linear unit: split `x` in two halves a, b along `axis`; `a * sigmoid(b)`."""
    x = tf.convert_to_tensor(x)
    size = x.shape[axis]
    if size is not None and size % 2:
        raise ValueError(f"glu expects an even size along axis {axis}. Received: "
                         f"x.shape={x.shape}")
    a, b = tf.split(x, 2, axis=axis)
    return a * tf.sigmoid(b)


def tanh_shrink(x) -> tf.Tensor:
    """`x - tanh(x)`."""
    x = tf.convert_to_tensor(x)
    return x - tf.tanh(x)


def hard_tanh(x) -> tf.Tensor:
    """`clip(x, -1, 1)`."""
    x = tf.convert_to_tensor(x)
    return tf.clip_by_value(x, tf.constant(-1, x.dtype), tf.constant(1, x.dtype))


def hard_shrink(x, threshold: float = 0.5) -> tf.Tensor:
    """`x` where |x| > threshold, else 0."""
    x = tf.convert_to_tensor(x)
    return tf.where(tf.abs(x) > threshold, x, tf.zeros_like(x))


def soft_shrink(x, threshold: float = 0.5) -> tf.Tensor:
    """`x` moved `threshold` towards zero, 0 inside [-threshold, threshold]."""
    x = tf.convert_to_tensor(x)
    t = tf.constant(threshold, x.dtype)
    return tf.where(x > t, x - t, tf.where(x < -t, x + t, tf.zeros_like(x)))


def sparse_plus(x) -> tf.Tensor:
    """0 for x <= -1, `(x + 1)^2 / 4` in between, `x` for x >= 1 (a smooth ReLU)."""
    x = tf.convert_to_tensor(x)
    return tf.where(x <= -1.0, tf.zeros_like(x), tf.where(x >= 1.0, x, tf.square(x + 1.0) / 4.0))


def squareplus(x, b: float = 4) -> tf.Tensor:
    """`(x + sqrt(x^2 + b)) / 2`, a smooth ReLU."""
    x = tf.convert_to_tensor(x)
    return (x + tf.sqrt(tf.square(x) + tf.constant(b, x.dtype))) / 2.0


def log_sigmoid(x) -> tf.Tensor:
    """`log(sigmoid(x))`, computed stably."""
    return tf.math.log_sigmoid(x)


def sparse_sigmoid(x) -> tf.Tensor:
    """0 for x <= -1, `(x + 1) / 2` in between, 1 for x >= 1."""
    x = tf.convert_to_tensor(x)
    return tf.clip_by_value((x + 1.0) / 2.0, tf.constant(0, x.dtype), tf.constant(1, x.dtype))


def threshold(x, threshold: float, default_value: float) -> tf.Tensor:
    """`x` where x > threshold, else `default_value`."""
    x = tf.convert_to_tensor(x)
    return tf.where(x > threshold, x, tf.fill(tf.shape(x), tf.constant(default_value, x.dtype)))


def sparsemax(x, axis: int = -1) -> tf.Tensor:
    """Euclidean projection of `x` onto the probability simplex along `axis` (Martins &
    Astudillo, 2016): like softmax, but exact zeros for low scores."""
    x = tf.convert_to_tensor(x)
    rank = x.shape.rank
    axis = axis % rank
    if axis != rank - 1:
        perm = [i for i in range(rank) if i != axis] + [axis]
        inverse = [perm.index(i) for i in range(rank)]
        return tf.transpose(sparsemax(tf.transpose(x, perm)), inverse)
    ordered = tf.sort(x, axis=-1, direction="DESCENDING")
    ranks = tf.cast(tf.range(1, tf.shape(x)[-1] + 1), x.dtype)
    cumulative = tf.cumsum(ordered, axis=-1)
    support = tf.cast(1.0 + ranks * ordered > cumulative, x.dtype)  # a prefix of ones
    support_size = tf.reduce_sum(support, axis=-1, keepdims=True)
    tau = (tf.reduce_sum(ordered * support, axis=-1, keepdims=True) - 1.0) / support_size
    return tf.maximum(x - tau, tf.zeros_like(x))


_ACTIVATIONS: dict[str, Callable] = {
    fn.__name__: fn for fn in (relu, sigmoid, softmax, log_softmax, tanh, elu, selu, softplus,
                               softsign, swish, silu, gelu, exponential, hard_sigmoid, hard_silu,
                               linear, leaky_relu, relu6, mish, celu, glu, tanh_shrink,
                               hard_tanh, hard_shrink, soft_shrink, sparse_plus, squareplus,
                               log_sigmoid, sparse_sigmoid, threshold, sparsemax)
}
_ACTIVATIONS["hard_swish"] = hard_silu


def serialize(activation: Callable) -> str | dict:
    """The name stored in a layer config: 'relu' for a built-in, the function's or object's
    serialized form for a custom one."""
    name = getattr(activation, "__name__", None)
    if name is not None and _ACTIVATIONS.get(name) is activation:
        return name
    if hasattr(activation, "get_config"):  # an activation layer or custom object
        try:
            from eagerflow.keras.saving import serialize_keras_object
        except ImportError:
            return serialize_object(activation, module="keras.layers")
        return serialize_keras_object(activation)
    if name is not None and callable(activation):
        return name
    raise ValueError(f"Could not serialize activation {activation!r}: it is neither a built-in "
                     "activation, a named function, nor an object with `get_config()`.")


def deserialize(name: str | dict, custom_objects: dict | None = None,
                use_legacy_format: bool = False) -> Callable:
    """The activation function named `name` (custom_objects consulted first)."""
    if isinstance(name, dict):
        return deserialize_object(name, _ACTIVATIONS | _activation_layers(), custom_objects,
                                  "activation function")
    if not isinstance(name, str):
        raise TypeError(f"Could not interpret activation function identifier: {name!r}")
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    registered = registered_object(name)
    if registered is not None:
        return registered
    if name not in _ACTIVATIONS:
        raise ValueError(
            f"Unknown activation function: '{name}'. Please ensure you are using a "
            "`keras.utils.custom_object_scope` and that this object is included in the scope. "
            f"Known activations: {sorted(_ACTIVATIONS)}.")
    return _ACTIVATIONS[name]


def _activation_layers() -> dict:
    """The activation layers (ReLU, LeakyReLU, ...) a serialized activation may name, as
    tf_keras accepts them in `activation=` configs."""
    try:
        from eagerflow.keras.layers import activation_layers
    except ImportError:
        return {}
    names = ("ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax")
    return {n: getattr(activation_layers, n) for n in names if hasattr(activation_layers, n)}


def get(identifier: Any) -> Callable:
    """The activation for a layer's `activation=` argument: None -> linear, a name or a
    serialized dict -> the function, a callable -> itself."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}. "
                    "Pass a name such as 'relu', a callable, or None.")
