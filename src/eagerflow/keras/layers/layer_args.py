"""Argument helpers the layer families share: Keras's checks of tuple, padding and
data_format arguments, output lengths of windows, and the initializer / regularizer /
constraint triples of a layer's weights (set from arguments, written to configs, used to add
the weight)."""

from __future__ import annotations

import importlib
from typing import Any

import eagerflow as tf
from eagerflow.keras.layers.layer import Layer


def _keras_module(kind: str):
    """eagerflow.keras.<kind> (initializers, activations, ...), imported when first needed."""
    return importlib.import_module(f"eagerflow.keras.{kind}")


def _get(kind: str, identifier: Any) -> Any:
    """`keras.<kind>.get(identifier)`; None stays None (except activations: linear)."""
    if identifier is None and kind != "activations":
        return None
    return _keras_module(kind).get(identifier)


def _serialize(kind: str, obj: Any) -> Any:
    """`keras.<kind>.serialize(obj)`, None for None: the JSON-safe form get_config stores."""
    if obj is None:
        return None
    return _keras_module(kind).serialize(obj)


def _normalize_tuple(value: Any, n: int, name: str, allow_zero: bool = False) -> tuple:
    """An int or an iterable of n ints as a tuple of n ints (Keras's conv_utils rule)."""
    error = (f"The `{name}` argument must be a tuple of {n} integers. Received: "
             f"{name}={value}")
    if isinstance(value, int) and not isinstance(value, bool):
        result = (value,) * n
    else:
        try:
            result = tuple(value)
        except TypeError:
            raise ValueError(error) from None
        if len(result) != n or not all(isinstance(v, int) and not isinstance(v, bool)
                                       for v in result):
            raise ValueError(error)
    lowest = 0 if allow_zero else 1
    if any(v < lowest for v in result):
        relation = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{error}, including values that are not {relation}.")
    return result


def _normalize_padding(value: Any, allowed=("valid", "same")) -> str:
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {list(allowed)}. Received: "
                         f"padding={value!r}")
    return padding


def _normalize_data_format(value: str | None) -> str:
    if value is None:
        value = _keras_module("backend").image_data_format()
    data_format = value.lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'The `data_format` argument must be one of "channels_first", '
                         f'"channels_last". Received: data_format={value!r}')
    return data_format


def _op_format(data_format: str, rank: int) -> str:
    """The op-level data format string ('NHWC', 'NCW', ...) of a Keras data_format."""
    spatial = {1: "W", 2: "HW", 3: "DHW"}[rank]
    return f"NC{spatial}" if data_format == "channels_first" else f"N{spatial}C"


def _conv_output_length(length, kernel, padding, stride, dilation=1):
    """Output length of a convolution or pooling window over `length` (None stays None)."""
    if length is None:
        return None
    span = (kernel - 1) * dilation + 1
    if padding in ("same", "causal"):
        out = length
    else:
        out = length - span + 1
    return max(0, (out + stride - 1) // stride)


def _deconv_output_length(length, kernel, padding, output_padding, stride, dilation=1):
    """Output length of a transposed convolution (Keras's deconv_output_length)."""
    if length is None:
        return None
    span = (kernel - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(span - stride, 0)
        return length * stride
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


def _shape_list(input_shape) -> list:
    return tf.TensorShape(input_shape).as_list()


def _check_rank(layer: Layer, shape: list, ndim: int, exact: bool = False) -> None:
    """Keras's InputSpec message, raised from build for layers called on a bad rank."""
    if (len(shape) != ndim) if exact else (len(shape) < ndim):
        kind = "ndim" if exact else "min_ndim"
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: '
                         f"expected {kind}={ndim}, found ndim={len(shape)}. Full shape "
                         f"received: {tuple(shape)}")


def _fold_batch_dims(inputs, keep: int):
    """Reshape inputs with extra leading batch dims to rank `keep` (returns the restorer)."""
    rank = inputs.shape.rank
    if rank is None or rank <= keep:
        return inputs, lambda y: y
    outer = tf.shape(inputs)[: rank - keep + 1]
    inner = inputs.shape.as_list()[rank - keep + 1:]
    folded = tf.reshape(inputs, [-1] + [-1 if d is None else d for d in inner])

    def restore(y):
        tail = tf.shape(y)[1:]
        static = inputs.shape.as_list()[:rank - keep + 1] + y.shape.as_list()[1:]
        return tf.ensure_shape(tf.reshape(y, tf.concat([outer, tail], axis=0)), static)
    return folded, restore


_WEIGHT_ARG_KINDS = (("initializer", "initializers"), ("regularizer", "regularizers"),
                     ("constraint", "constraints"))


def _set_weight_args(layer: Layer, prefix: str, initializer: Any, regularizer: Any = None,
                     constraint: Any = None) -> None:
    """Set `layer.<prefix>_initializer/_regularizer/_constraint` from layer arguments (names,
    dicts, classes or objects, resolved with keras.initializers/regularizers/constraints.get)."""
    for (suffix, kind), value in zip(_WEIGHT_ARG_KINDS, (initializer, regularizer, constraint)):
        setattr(layer, f"{prefix}_{suffix}", _get(kind, value))


def _weight_args_config(layer: Layer, *prefixes: str, activity: bool = False) -> dict:
    """The serialized `<prefix>_initializer/_regularizer/_constraint` entries of a config in
    Keras's order (all initializers, all regularizers [then activity_regularizer], all
    constraints)."""
    config = {}
    for suffix, kind in _WEIGHT_ARG_KINDS:
        for prefix in prefixes:
            config[f"{prefix}_{suffix}"] = _serialize(kind, getattr(layer, f"{prefix}_{suffix}"))
        if suffix == "regularizer" and activity:
            config["activity_regularizer"] = _serialize("regularizers",
                                                        layer._activity_regularizer)
    return config


def _add_weight_from_args(layer: Layer, name: str, shape, prefix: str | None = None,
                          initializer: Any = None, **kwargs):
    """A weight of `layer` (trainable, of the layer's dtype unless kwargs say otherwise) made
    with its `<prefix>_initializer/_regularizer/_constraint`; prefix defaults to `name`, and
    `initializer` replaces the layer's one when given."""
    prefix = name if prefix is None else prefix
    return layer.add_weight(
        name=name, shape=shape, initializer=initializer or getattr(layer, f"{prefix}_initializer"),
        regularizer=getattr(layer, f"{prefix}_regularizer"),
        constraint=getattr(layer, f"{prefix}_constraint"), **kwargs)
