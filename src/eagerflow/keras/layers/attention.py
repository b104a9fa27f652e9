"""Attention layers: dot-product `Attention` (Luong), `AdditiveAttention` (Bahdanau) and
`MultiHeadAttention` (Transformer), with tf.keras's weights, masks and configs."""

from __future__ import annotations

import math
import string

import numpy as np

import eagerflow as tf
from eagerflow.core.shape import TensorShape
from eagerflow.keras import constraints, initializers, regularizers
from eagerflow.keras.layers.einsum_dense import EinsumDense
from eagerflow.keras.layers.layer import Layer, _scoped_build
from eagerflow.keras.layers.layer_args import _serialize
from eagerflow.keras.layers.regularization import Dropout, _in_training

__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention"]

_LETTERS = string.ascii_lowercase


def _large_negative(dtype) -> float:
    """The additive mask value: large enough to zero a softmax term, finite in `dtype`."""
    return 65500.0 if dtype == tf.float16 else 1.0e9


def _causal_mask(query_length, key_length):
    """`[1, Tq, Tv]` booleans, True where key position <= query position."""
    rows = tf.expand_dims(tf.range(query_length), -1)
    columns = tf.expand_dims(tf.range(key_length), 0)
    return tf.expand_dims(tf.greater_equal(rows, columns), 0)


def _as_tensor(value, dtype=None):
    if value is None or isinstance(value, (tf.Tensor, tf.Variable)):
        return value
    array = np.asarray(value)
    if dtype is not None and array.dtype.kind == "f":
        return tf.constant(array, dtype=dtype)
    return tf.convert_to_tensor(array)


class _BaseDenseAttention(Layer):
    """Shared call logic of Attention and AdditiveAttention: scores, masks, softmax, dropout."""

    def __init__(self, dropout: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.dropout = float(dropout)
        self.supports_masking = True

    def _calculate_scores(self, query, key):
        raise NotImplementedError  # each subclass defines its score

    def _split_inputs(self, inputs, mask):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{type(self).__name__} layer {self.name} must be called on a list "
                             "of inputs, namely [query, value] or [query, value, key]. "
                             f"Received: inputs={inputs!r}.")
        if mask is not None and (not isinstance(mask, (list, tuple)) or
                                 len(mask) not in (2, 3)):
            raise ValueError(f"{type(self).__name__} layer {self.name}: `mask` must be a list "
                             f"of length 2, namely [query_mask, value_mask]. Received: {mask!r}")
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) == 3 else value
        query_mask = mask[0] if mask is not None else None
        value_mask = mask[1] if mask is not None else None
        return query, value, key, query_mask, value_mask

    def call(self, inputs, mask=None, training=None, return_attention_scores: bool = False,
             use_causal_mask: bool = False):
        query, value, key, query_mask, value_mask = self._split_inputs(inputs, mask)
        scores = self._calculate_scores(query, key)
        scores_mask = None
        if value_mask is not None:
            scores_mask = tf.expand_dims(tf.cast(value_mask, tf.bool), -2)  # [B, 1, Tv]
        if use_causal_mask:
            shape = tf.shape(scores)
            causal = _causal_mask(shape[-2], shape[-1])
            scores_mask = causal if scores_mask is None else tf.logical_and(scores_mask, causal)
        if scores_mask is not None:
            padding = tf.cast(tf.logical_not(scores_mask), scores.dtype)
            scores = scores - _large_negative(scores.dtype) * padding
        weights = tf.nn.softmax(scores)
        if self.dropout > 0:
            weights = _in_training(training, lambda: tf.nn.dropout(weights, self.dropout),
                                   lambda: tf.identity(weights))
        result = tf.matmul(weights, value)
        if query_mask is not None:
            result = result * tf.cast(tf.expand_dims(query_mask, -1), result.dtype)
        if return_attention_scores:
            return result, weights
        return result

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return tf.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        query_shape = TensorShape(input_shape[0]).as_list()
        value_shape = TensorShape(input_shape[1]).as_list()
        return TensorShape(query_shape[:-1] + value_shape[-1:])

    def get_config(self) -> dict:
        config = super().get_config()
        config["dropout"] = self.dropout
        return config


class Attention(_BaseDenseAttention):
    """Dot-product attention: `softmax(query @ key^T) @ value`.

    `score_mode="concat"` scores with `sum(tanh(query + key))` instead; `use_scale` adds a
    learned scalar `scale` on the scores.
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", **kwargs) -> None:
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Received: score_mode={score_mode}. Acceptable values are: "
                             "['dot', 'concat']")
        self.use_scale = use_scale
        self.score_mode = score_mode

    def build(self, input_shape) -> None:
        self.scale = (self.add_weight("scale", shape=(), initializer="ones")
                      if self.use_scale else None)
        self.concat_score_weight = (self.add_weight("concat_score_weight", shape=(),
                                                    initializer="ones")
                                    if self.score_mode == "concat" else None)
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = tf.matmul(query, key, transpose_b=True)
            return scores * self.scale if self.scale is not None else scores
        summed = tf.expand_dims(query, -2) + tf.expand_dims(key, -3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * tf.reduce_sum(tf.tanh(summed), axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode})
        return config


class AdditiveAttention(_BaseDenseAttention):
    """Additive (Bahdanau) attention: scores `sum(scale * tanh(query + key))` over features."""

    def __init__(self, use_scale: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.use_scale = use_scale

    def build(self, input_shape) -> None:
        dim = TensorShape(input_shape[1])[-1]
        if self.use_scale and dim is None:
            raise ValueError(f"AdditiveAttention {self.name}: the last dimension of `value` "
                             f"must be known to create `scale`. Received: {input_shape}")
        self.scale = (self.add_weight("scale", shape=(dim,), initializer="glorot_uniform")
                      if self.use_scale else None)
        self.built = True

    def _calculate_scores(self, query, key):
        summed = tf.tanh(tf.expand_dims(query, -2) + tf.expand_dims(key, -3))
        if self.scale is not None:
            summed = self.scale * summed
        return tf.reduce_sum(summed, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        config["use_scale"] = self.use_scale
        return config


def _projection_equation(free_dims: int, bound_dims: int, output_dims: int):
    """Einsum equation, bias axes and output rank of a projection that contracts the last
    `bound_dims` input axes into `output_dims` new ones, keeping `free_dims` axes."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims:free_dims + bound_dims]
    new = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{new}->{free}{new}", new, free_dims + output_dims


def _partial_shape(output_rank: int, known_last_dims) -> list:
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)


def _attention_equations(rank: int, attention_axes: tuple):
    """Einsum equations for scores (key, query -> scores) and for combining scores with
    values, for projected tensors of `rank` (the heads axis is rank - 2)."""
    target = _LETTERS[:rank]
    batch_dims = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _LETTERS[offset]
            offset += 1
    product = ("".join(target[i] for i in batch_dims) + "".join(target[i] for i in attention_axes)
               + "".join(source[i] for i in attention_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al.): `num_heads` scaled dot-product attentions over
    learned projections of query, key and value, projected back to the query's size.

    >>> mha = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)
    >>> mha(tf.ones((4, 10, 16)), tf.ones((4, 6, 16))).shape
    TensorShape([4, 10, 16])
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 query_shape=None, key_shape=None, value_shape=None,
                 softmax_robust_masking: bool = False, **kwargs) -> None:
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        if int(num_heads) <= 0 or int(key_dim) <= 0:
            raise ValueError(f"MultiHeadAttention {self.name}: `num_heads` and `key_dim` must "
                             f"be positive. Received: num_heads={num_heads}, key_dim={key_dim}")
        self._num_heads = int(num_heads)
        self._key_dim = int(key_dim)
        self._value_dim = int(value_dim) if value_dim else self._key_dim
        self._dropout = float(dropout)
        self._use_bias = use_bias
        self._output_shape = output_shape
        if attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            attention_axes = (attention_axes,)
        self._attention_axes = tuple(attention_axes) if attention_axes is not None else None
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self._softmax_robust_masking = softmax_robust_masking
        self._built_from_signature = False
        self._query_shape = self._key_shape = self._value_shape = None
        self.supports_masking = True
        if None not in (query_shape, value_shape):
            self._build_from_signature(query_shape, value_shape, key_shape or value_shape)

    # --- properties tf.keras exposes ----------------------------------------------------------
    @property
    def num_heads(self) -> int:
        return self._num_heads

    @property
    def key_dim(self) -> int:
        return self._key_dim

    @property
    def value_dim(self) -> int:
        return self._value_dim

    @property
    def use_bias(self) -> bool:
        return self._use_bias

    @property
    def attention_axes(self):
        return self._attention_axes

    def build(self, input_shape) -> None:
        # Weights depend on query, key and value shapes: made at the first call.
        self.built = True

    def _dense(self, equation: str, output_shape: list, bias_axes: str, name: str):
        return EinsumDense(equation, output_shape=output_shape,
                           bias_axes=bias_axes if self._use_bias else None, name=name,
                           kernel_initializer=initializers.deserialize(
                               initializers.serialize(self._kernel_initializer)),
                           bias_initializer=initializers.deserialize(
                               initializers.serialize(self._bias_initializer)),
                           kernel_regularizer=self._kernel_regularizer,
                           bias_regularizer=self._bias_regularizer,
                           kernel_constraint=self._kernel_constraint,
                           bias_constraint=self._bias_constraint, dtype=self.dtype)

    def _build_from_signature(self, query_shape, value_shape, key_shape=None) -> None:
        """Create the four projections for inputs of these shapes (tf.keras's weight layout)."""
        query_shape = TensorShape(query_shape)
        value_shape = TensorShape(value_shape)
        key_shape = TensorShape(key_shape) if key_shape is not None else value_shape
        self._query_shape, self._value_shape, self._key_shape = (
            query_shape, value_shape, key_shape)
        _scoped_build(type(self)._build_projections)(self, query_shape, value_shape, key_shape)
        self._built_from_signature = True
        self.built = True

    def _build_projections(self, query_shape, value_shape, key_shape) -> None:
        from eagerflow.graph.builder import init_scope

        heads = self._num_heads
        with init_scope():
            equation, bias_axes, rank = _projection_equation(query_shape.rank - 1, 1, 2)
            self._query_dense = self._dense(equation, _partial_shape(
                rank - 1, [heads, self._key_dim]), bias_axes, "query")
            self._query_dense.build(query_shape)
            equation, bias_axes, rank = _projection_equation(key_shape.rank - 1, 1, 2)
            self._key_dense = self._dense(equation, _partial_shape(
                rank - 1, [heads, self._key_dim]), bias_axes, "key")
            self._key_dense.build(key_shape)
            equation, bias_axes, rank = _projection_equation(value_shape.rank - 1, 1, 2)
            self._value_dense = self._dense(equation, _partial_shape(
                rank - 1, [heads, self._value_dim]), bias_axes, "value")
            self._value_dense.build(value_shape)
            self._build_attention(rank)
            if self._output_shape:
                output_shape = (list(self._output_shape)
                                if isinstance(self._output_shape, (list, tuple))
                                else [self._output_shape])
            else:
                output_shape = [query_shape[-1]]
            equation, bias_axes, rank = _projection_equation(query_shape.rank - 1, 2,
                                                             len(output_shape))
            self._output_dense = self._dense(equation, _partial_shape(rank - 1, output_shape),
                                             bias_axes, "attention_output")
            self._output_dense.build(TensorShape(
                query_shape.as_list()[:-1] + [heads, self._value_dim]))

    def _build_attention(self, rank: int) -> None:
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a % rank if a < 0 else a for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = \
            _attention_equations(rank, self._attention_axes)
        self._norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype)

    # --- the forward pass -----------------------------------------------------------------------
    def _masked_softmax(self, scores, attention_mask=None):
        if attention_mask is not None:
            # Masks come as [B, T, S]; scores are [B, N, T, S]: insert the heads axis (and
            # any missing leading axes) in front of the attention axes.
            expansion_axis = -len(self._attention_axes) * 2 - 1
            for _ in range(scores.shape.rank - attention_mask.shape.rank):
                attention_mask = tf.expand_dims(attention_mask, axis=expansion_axis)
            adder = (1.0 - tf.cast(attention_mask, scores.dtype)) * -_large_negative(scores.dtype)
            scores = scores + adder
        if len(self._norm_axes) == 1:
            return tf.nn.softmax(scores, axis=self._norm_axes[0])
        return tf.exp(scores - tf.reduce_logsumexp(scores, axis=self._norm_axes, keepdims=True))

    def _compute_attention(self, query, key, value, attention_mask=None, training=None):
        query = query * (1.0 / math.sqrt(float(self._key_dim)))
        scores = tf.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        dropped = self._dropout_layer(scores, training=training)
        return tf.einsum(self._combine_equation, dropped, value), scores

    def _compute_attention_mask(self, query, value, key, attention_mask, use_causal_mask):
        auto_mask = None
        query_mask = getattr(query, "_keras_mask", None)
        value_mask = getattr(value, "_keras_mask", None)
        key_mask = getattr(key, "_keras_mask", None)
        if query_mask is not None:
            auto_mask = tf.expand_dims(tf.cast(query_mask, tf.bool), -1)  # [B, T, 1]
        for mask in (value_mask, key_mask if key is not value else None):
            if mask is not None:
                mask = tf.expand_dims(tf.cast(mask, tf.bool), 1)  # [B, 1, S]
                auto_mask = mask if auto_mask is None else tf.logical_and(auto_mask, mask)
        if use_causal_mask:
            causal = _causal_mask(tf.shape(query)[1], tf.shape(value)[1])
            auto_mask = causal if auto_mask is None else tf.logical_and(auto_mask, causal)
        if auto_mask is not None:
            attention_mask = auto_mask if attention_mask is None else tf.logical_and(
                tf.cast(attention_mask, tf.bool), auto_mask)
        return attention_mask

    def call(self, query, value, key=None, attention_mask=None,
             return_attention_scores: bool = False, training=None,
             use_causal_mask: bool = False):
        value = _as_tensor(value, self.dtype)
        key = value if key is None else _as_tensor(key, self.dtype)
        attention_mask = _as_tensor(attention_mask)
        if not self._built_from_signature:
            self._build_from_signature(query.shape, value.shape, key.shape)
        if query.shape.rank != self._query_shape.rank or value.shape.rank != \
                self._value_shape.rank:
            raise ValueError(f"MultiHeadAttention {self.name} was built for query of shape "
                             f"{self._query_shape} and value of shape {self._value_shape}; "
                             f"received query {query.shape} and value {value.shape}.")
        attention_mask = self._compute_attention_mask(query, value, key, attention_mask,
                                                      use_causal_mask)
        query = self._query_dense(query)  # [B, T, N, key_dim]
        key = self._key_dense(key)  # [B, S, N, key_dim]
        value = self._value_dense(value)  # [B, S, N, value_dim]
        output, scores = self._compute_attention(query, key, value, attention_mask, training)
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def compute_mask(self, inputs, mask=None):
        # The output keeps the query's positions, hence its mask.
        return mask if mask is not None else getattr(inputs, "_keras_mask", None)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = TensorShape(query_shape)
        if self._output_shape:
            extra = (list(self._output_shape) if isinstance(self._output_shape, (list, tuple))
                     else [self._output_shape])
            return TensorShape(query_shape.as_list()[:-1] + extra)
        return query_shape

    def get_config(self) -> dict:
        config = super().get_config()

        def shape_list(shape):
            return None if shape is None else TensorShape(shape).as_list()

        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "output_shape": self._output_shape,
            "attention_axes": (list(self._attention_axes) if self._attention_axes is not None
                               else None),
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": _serialize("regularizers", self._kernel_regularizer),
            "bias_regularizer": _serialize("regularizers", self._bias_regularizer),
            "activity_regularizer": _serialize("regularizers", self.activity_regularizer),
            "kernel_constraint": _serialize("constraints", self._kernel_constraint),
            "bias_constraint": _serialize("constraints", self._bias_constraint),
            "query_shape": shape_list(self._query_shape),
            "key_shape": shape_list(self._key_shape),
            "value_shape": shape_list(self._value_shape),
            "softmax_robust_masking": self._softmax_robust_masking,
        })
        return config
