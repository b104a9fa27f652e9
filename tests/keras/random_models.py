"""Hypothesis strategies that draw small, valid Keras models as plain data (specs), and the
builders that turn a spec into a Sequential or functional model plus matching inputs.

A spec is printable data, so a failing example shows the exact model; every layer entry is
`(class_name, kwargs)` and the strategies track the per-sample shape so each drawn model is
valid. The tracked shape is a third, independent oracle for the model's output shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

import eagerflow as tf

keras = tf.keras

ACTIVATIONS = ["linear", "relu", "tanh", "sigmoid", "elu", "softplus", "swish", "gelu"]
RNN_KINDS = ["SimpleRNN", "LSTM", "GRU"]
RNN_MIN_UNITS = 1
MERGES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]


@dataclass
class ModelSpec:
    """A drawn model: its input kind and shape, and its layers (or functional blocks)."""

    input_kind: str  # "vector", "sequence", "image" or "tokens"
    input_shape: tuple[int, ...]
    vocab: int = 0  # token models only
    blocks: list = field(default_factory=list)  # ("layer", spec) or ("merge", spec, merge)
    output_shape: tuple[int, ...] = ()
    functional: bool = False
    has_dropout: bool = False
    time_unknown: bool = False  # sequence/token models: Input((None, ...)), any length

    @property
    def has_regularizer(self) -> bool:
        return "_regularizer" in repr(self.blocks)

    @property
    def symbolic_input_shape(self) -> tuple:
        """The Input's shape: the time axis is None for a variable-length model."""
        if self.time_unknown:
            return (None,) + self.input_shape[1:]
        return self.input_shape


def _conv_length(length: int, kernel: int, stride: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(length / stride)
    return (length - kernel) // stride + 1


@st.composite
def _layer(draw, shape: tuple[int, ...], allow_dropout: bool, allow_rnn: bool,
           time_unknown: bool = False, allow_batchnorm: bool = True):
    """One layer valid for `shape` (no batch dim; the sample's real shape); returns
    (spec, new_shape). With `time_unknown` the model sees None for axis 0 of a rank-2
    shape, so layers needing a static size there (Flatten, Permute) are not drawn."""
    spec, new_shape = draw(_any_layer(shape, allow_dropout, allow_rnn, time_unknown,
                                      allow_batchnorm))
    name, kwargs = spec
    if name in FREEZABLE and draw(st.integers(0, 5)) == 0:
        spec = name, kwargs = (name, {**kwargs, "trainable": False})
    if name in REGULARIZABLE and draw(st.integers(0, 4)) == 0:
        key = draw(st.sampled_from(["kernel_regularizer", "bias_regularizer",
                                    "activity_regularizer"]))
        spec = (name, {**kwargs, key: draw(st.sampled_from(["l1", "l2", "l1_l2"]))})
    return spec, new_shape


REGULARIZABLE = {"Dense", "Conv1D", "Conv2D"}


FREEZABLE = {"Dense", "Conv1D", "Conv2D", "BatchNormalization", "LayerNormalization",
             "Bidirectional", "LSTM", "GRU", "SimpleRNN", "Embedding"}


@st.composite
def _any_layer(draw, shape, allow_dropout, allow_rnn, time_unknown, allow_batchnorm):
    rank = len(shape)
    options = ["Dense", "Activation", "ReLU"]
    if allow_batchnorm:
        # Layers that can make a gradient exactly zero in theory (a bias followed by a
        # normalization, or by a softmax over an axis the bias is constant along): float
        # noise there is what Adam-like optimizers scale up to full steps.
        options += ["BatchNormalization", "LayerNormalization", "Softmax", "UnitNormalization",
                    "GroupNormalization"]
    if allow_dropout:
        options += ["Dropout"]
    if rank == 1:
        options += ["Reshape", "RepeatVector", "PReLU", "LeakyReLU"]
    if rank == 2:
        options += ["Conv1D", "Pool1D", "GlobalPool1D", "ZeroPadding1D", "UpSampling1D",
                    "SeparableConv1D", "TimeDistributed", "DilatedConv1D", "Conv1DTranspose",
                    "Cropping1D"]
        if not time_unknown:
            options += ["Flatten", "Permute"]
        if allow_rnn:
            options += ["RNN", "Bidirectional"]
    if rank == 3:
        options += ["Conv2D", "Pool2D", "GlobalPool2D", "Flatten", "Reshape",
                    "DepthwiseConv2D", "UpSampling2D", "Cropping2D", "TimeDistributed",
                    "Conv2DTranspose", "SeparableConv2D", "ZeroPadding2D", "ChannelsFirst"]
    kind = draw(st.sampled_from(options))
    small = st.integers(1, 4)
    if kind == "Dense":
        units = draw(small)
        return ("Dense", {"units": units, "activation": draw(st.sampled_from(ACTIVATIONS)),
                          "use_bias": draw(st.booleans())}), shape[:-1] + (units,)
    if kind == "ReLU":
        return ("ReLU", {"max_value": draw(st.sampled_from([None, 1.0, 6.0])),
                         "negative_slope": draw(st.sampled_from([0.0, 0.1])),
                         "threshold": draw(st.sampled_from([0.0, 0.5]))}), shape
    if kind == "Softmax":
        return ("Softmax", {"axis": draw(st.sampled_from([-1] + list(range(1, rank + 1))))}), \
            shape
    if kind == "UnitNormalization":
        return ("UnitNormalization", {"axis": -1}), shape
    if kind == "GroupNormalization":
        channels = shape[-1]
        groups = draw(st.sampled_from([g for g in range(1, channels + 1) if channels % g == 0]))
        return ("GroupNormalization", {"groups": groups, "epsilon": 1e-3}), shape
    if kind == "DilatedConv1D":
        length, _ = shape
        dilation = draw(st.integers(1, 2))
        kernel = draw(st.integers(1, 3))
        padding = "same" if (kernel - 1) * dilation + 1 > length else draw(
            st.sampled_from(["valid", "same", "causal"]))
        filters = draw(small)
        out = length if padding in ("same", "causal") else length - (kernel - 1) * dilation
        return ("Conv1D", {"filters": filters, "kernel_size": kernel, "padding": padding,
                           "dilation_rate": dilation}), (out, filters)
    if kind == "Conv1DTranspose":
        length, _ = shape
        kernel, stride = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        padding = draw(st.sampled_from(["valid", "same"]))
        filters = draw(small)
        out = length * stride if padding == "same" else (length - 1) * stride + max(kernel,
                                                                                     stride)
        return ("Conv1DTranspose", {"filters": filters, "kernel_size": kernel,
                                    "strides": stride, "padding": padding}), (out, filters)
    if kind == "Cropping1D":
        crop = draw(st.integers(0, (shape[0] - 1) // 2))
        return ("Cropping1D", {"cropping": (crop, crop)}), (shape[0] - 2 * crop, shape[1])
    if kind == "Conv2DTranspose":
        height, width, _ = shape
        kernel, stride = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        padding = draw(st.sampled_from(["valid", "same"]))
        filters = draw(small)

        def grown(n: int) -> int:
            return n * stride if padding == "same" else (n - 1) * stride + max(kernel, stride)

        return ("Conv2DTranspose", {"filters": filters, "kernel_size": kernel,
                                    "strides": stride, "padding": padding}), (
            grown(height), grown(width), filters)
    if kind == "SeparableConv2D":
        height, width, _ = shape
        padding = draw(st.sampled_from(["valid", "same"]))
        kernel = draw(st.integers(1, min(3, height, width) if padding == "valid" else 3))
        filters = draw(small)
        return ("SeparableConv2D", {"filters": filters, "kernel_size": kernel,
                                    "padding": padding,
                                    "depth_multiplier": draw(st.integers(1, 2))}), (
            _conv_length(height, kernel, 1, padding), _conv_length(width, kernel, 1, padding),
            filters)
    if kind == "ZeroPadding2D":
        top, left = draw(st.integers(0, 1)), draw(st.integers(0, 2))
        return ("ZeroPadding2D", {"padding": ((top, top), (left, 0))}), (
            shape[0] + 2 * top, shape[1] + left, shape[2])
    if kind == "ChannelsFirst":  # a convolution or pooling on (channels, height, width) data
        height, width, channels = shape
        name = draw(st.sampled_from(["Conv2D", "MaxPooling2D", "AveragePooling2D"]))
        # The spec's shape is (h, w, c); as channels_first the layer reads (h) as channels.
        if name == "Conv2D":
            kernel = draw(st.integers(1, min(2, width, channels)))
            filters = draw(small)
            return ("Conv2D", {"filters": filters, "kernel_size": kernel,
                               "data_format": "channels_first"}), (
                filters, width - kernel + 1, channels - kernel + 1)
        pool = draw(st.integers(1, min(2, width, channels)))
        return (name, {"pool_size": pool, "data_format": "channels_first"}), (
            height, width // pool, channels // pool)
    if kind == "Activation":
        return ("Activation", {"activation": draw(st.sampled_from(ACTIVATIONS))}), shape
    if kind == "LayerNormalization":
        return ("LayerNormalization", {"epsilon": 1e-3, "center": draw(st.booleans()),
                                       "scale": draw(st.booleans())}), shape
    if kind == "BatchNormalization":
        return ("BatchNormalization", {"momentum": draw(st.sampled_from([0.5, 0.9, 0.99])),
                                       "center": draw(st.booleans()),
                                       "scale": draw(st.booleans())}), shape
    if kind == "Dropout":
        return ("Dropout", {"rate": draw(st.sampled_from([0.1, 0.5]))}), shape
    if kind == "PReLU":
        return ("PReLU", {}), shape
    if kind == "LeakyReLU":
        return ("LeakyReLU", {"alpha": draw(st.sampled_from([0.1, 0.3]))}), shape
    if kind == "RepeatVector":
        n = draw(st.integers(1, 3))
        return ("RepeatVector", {"n": n}), (n,) + shape
    if kind == "Reshape":
        total = int(np.prod(shape))
        divisors = [d for d in range(1, total + 1) if total % d == 0]
        first = draw(st.sampled_from(divisors))
        target = (first, total // first)
        if draw(st.booleans()):
            target = (-1, total // first)
            return ("Reshape", {"target_shape": target}), (first, total // first)
        return ("Reshape", {"target_shape": target}), target
    if kind == "Flatten":
        return ("Flatten", {}), (int(np.prod(shape)),)
    if kind == "Permute":
        return ("Permute", {"dims": (2, 1)}), (shape[1], shape[0])
    if kind in ("Conv1D", "SeparableConv1D"):
        length, _ = shape
        padding = draw(st.sampled_from(["valid", "same"]))
        kernel = draw(st.integers(1, min(3, length) if padding == "valid" else 3))
        stride = draw(st.integers(1, 2))
        filters = draw(small)
        kwargs = {"filters": filters, "kernel_size": kernel, "strides": stride,
                  "padding": padding, "activation": draw(st.sampled_from(ACTIVATIONS))}
        return (kind, kwargs), (_conv_length(length, kernel, stride, padding), filters)
    if kind == "Pool1D":
        length, channels = shape
        name = draw(st.sampled_from(["MaxPooling1D", "AveragePooling1D"]))
        padding = draw(st.sampled_from(["valid", "same"]))
        pool = draw(st.integers(1, min(2, length)))
        return (name, {"pool_size": pool, "padding": padding}), (
            _conv_length(length, pool, pool, padding), channels)
    if kind == "GlobalPool1D":
        name = draw(st.sampled_from(["GlobalAveragePooling1D", "GlobalMaxPooling1D"]))
        return (name, {}), (shape[-1],)
    if kind == "ZeroPadding1D":
        pad = draw(st.integers(1, 2))
        return ("ZeroPadding1D", {"padding": pad}), (shape[0] + 2 * pad, shape[1])
    if kind == "UpSampling1D":
        size = draw(st.integers(1, 2))
        return ("UpSampling1D", {"size": size}), (shape[0] * size, shape[1])
    if kind in ("RNN", "Bidirectional"):
        units = draw(st.integers(RNN_MIN_UNITS, 4))
        sequences = draw(st.booleans())
        rnn = (draw(st.sampled_from(RNN_KINDS)), {"units": units, "return_sequences": sequences,
                                                   "go_backwards": draw(st.booleans())})
        if kind == "RNN":
            out = (shape[0], units) if sequences else (units,)
            return rnn, out
        merge_mode = draw(st.sampled_from(["concat", "sum", "ave", "mul"]))
        width = 2 * units if merge_mode == "concat" else units
        out = (shape[0], width) if sequences else (width,)
        return ("Bidirectional", {"layer": rnn, "merge_mode": merge_mode}), out
    if kind in ("Conv2D", "DepthwiseConv2D"):
        height, width, channels = shape
        padding = draw(st.sampled_from(["valid", "same"]))
        limit = min(3, height, width) if padding == "valid" else 3
        kernel = draw(st.integers(1, limit))
        stride = draw(st.integers(1, 2))
        kwargs = {"kernel_size": kernel, "strides": stride, "padding": padding}
        if kind == "Conv2D":
            out_channels = draw(small)
            kwargs["filters"] = out_channels
            kwargs["activation"] = draw(st.sampled_from(ACTIVATIONS))
        else:
            multiplier = draw(st.integers(1, 2))
            kwargs["depth_multiplier"] = multiplier
            out_channels = channels * multiplier
        return (kind, kwargs), (_conv_length(height, kernel, stride, padding),
                                _conv_length(width, kernel, stride, padding), out_channels)
    if kind == "Pool2D":
        height, width, channels = shape
        name = draw(st.sampled_from(["MaxPooling2D", "AveragePooling2D"]))
        padding = draw(st.sampled_from(["valid", "same"]))
        pool = draw(st.integers(1, min(2, height, width)))
        return (name, {"pool_size": pool, "padding": padding}), (
            _conv_length(height, pool, pool, padding), _conv_length(width, pool, pool, padding),
            channels)
    if kind == "TimeDistributed" and rank == 2:
        units = draw(small)
        inner = ("Dense", {"units": units, "activation": draw(st.sampled_from(ACTIVATIONS))})
        return ("TimeDistributed", {"layer": inner}), (shape[0], units)
    if kind == "TimeDistributed":  # over the rows of an image: a Conv1D along each row
        filters, kernel = draw(small), draw(st.integers(1, min(3, shape[1])))
        inner = ("Conv1D", {"filters": filters, "kernel_size": kernel})
        return ("TimeDistributed", {"layer": inner}), (shape[0], shape[1] - kernel + 1, filters)
    if kind == "GlobalPool2D":
        name = draw(st.sampled_from(["GlobalAveragePooling2D", "GlobalMaxPooling2D"]))
        return (name, {}), (shape[-1],)
    if kind == "UpSampling2D":
        size = draw(st.integers(1, 2))
        return ("UpSampling2D", {"size": size}), (shape[0] * size, shape[1] * size, shape[2])
    if kind == "Cropping2D":
        top = draw(st.integers(0, (shape[0] - 1) // 2))
        left = draw(st.integers(0, (shape[1] - 1) // 2))
        return ("Cropping2D", {"cropping": ((top, top), (left, left))}), (
            shape[0] - 2 * top, shape[1] - 2 * left, shape[2])
    raise AssertionError(kind)


def _same_shape_layer(draw, shape: tuple[int, ...]):
    """A layer whose output has the input's shape, to feed a merge with its own input."""
    options = ["Dense", "Activation", "LayerNormalization"]
    if len(shape) == 2:
        options.append("Conv1D")
    if len(shape) == 3:
        options.append("Conv2D")
    kind = draw(st.sampled_from(options))
    activation = draw(st.sampled_from(ACTIVATIONS))
    if kind == "Dense":
        return ("Dense", {"units": shape[-1], "activation": activation})
    if kind == "Activation":
        return ("Activation", {"activation": activation})
    if kind == "LayerNormalization":
        return ("LayerNormalization", {})
    return (kind, {"filters": shape[-1], "kernel_size": draw(st.integers(1, 3)),
                   "padding": "same", "activation": activation})


@st.composite
def model_specs(draw, functional: bool | None = None, allow_dropout: bool = True,
                max_layers: int = 4, allow_rnn: bool = True, allow_nesting: bool = True,
                allow_batchnorm: bool = True) -> ModelSpec:
    """A small valid model: an input kind, 1..max_layers random layers (some grouped into a
    nested Sequential / functional model, some merged with a branch), then a Dense head.

    `allow_batchnorm=False` leaves out the normalization and softmax layers: they can make
    the gradient of a bias before them exactly zero in theory, float noise in practice, which
    Adam-like optimizers scale up to full steps (so eager and compiled runs would part)."""
    kind = draw(st.sampled_from(["vector", "sequence", "image", "tokens"]))
    vocab = 0
    if kind == "vector":
        shape = (draw(st.integers(1, 6)),)
    elif kind == "sequence":
        shape = (draw(st.integers(1, 5)), draw(st.integers(1, 4)))
    elif kind == "image":
        shape = (draw(st.integers(2, 5)), draw(st.integers(2, 5)), draw(st.integers(1, 3)))
    else:
        shape = (draw(st.integers(1, 5)),)
        vocab = draw(st.integers(2, 8))
    if functional is None:
        functional = draw(st.booleans())
    spec = ModelSpec(kind, shape, vocab=vocab, functional=functional)
    spec.time_unknown = kind in ("sequence", "tokens") and draw(st.integers(0, 3)) == 0
    current = shape
    if kind == "tokens":
        dim = draw(st.integers(1, 4))
        spec.blocks.append(("layer", ("Embedding", {"input_dim": vocab, "output_dim": dim})))
        current = (shape[0], dim)

    for _ in range(draw(st.integers(1, max_layers))):
        choice = draw(st.integers(0, 6))
        if functional and choice == 6:  # one layer applied twice: x -> f(f(x))
            spec.blocks.append(("shared", _same_shape_layer(draw, current)))
            continue
        if functional and choice <= 1:
            branch = _same_shape_layer(draw, current)
            merge = draw(st.sampled_from(MERGES))
            spec.blocks.append(("merge", branch, merge))
            if merge == "Concatenate":
                current = current[:-1] + (2 * current[-1],)
            continue
        time_unknown = _time_unknown(spec, current)
        if allow_nesting and choice == 5:
            inner_shape = _symbolic(current, time_unknown)
            inner = []
            for _ in range(draw(st.integers(1, 2))):
                layer, current = draw(_layer(current, allow_dropout, allow_rnn,
                                             _time_unknown(spec, current, inner),
                                             allow_batchnorm))
                inner.append(layer)
            spec.has_dropout |= any(layer[0] == "Dropout" for layer in inner)
            style = draw(st.sampled_from(["sequential", "functional"]))
            spec.blocks.append(("nested", style, inner, inner_shape))
            continue
        layer, current = draw(_layer(current, allow_dropout, allow_rnn, time_unknown,
                                     allow_batchnorm))
        spec.has_dropout |= layer[0] == "Dropout"
        spec.blocks.append(("layer", layer))
    if len(current) > 1:
        if _time_unknown(spec, current):
            spec.blocks.append(("layer", ("GlobalAveragePooling1D", {})))
            current = current[1:]
        else:
            spec.blocks.append(("layer", ("Flatten", {})))
            current = (int(np.prod(current)),)
    units = draw(st.integers(1, 3))
    spec.blocks.append(("layer", ("Dense", {"units": units})))
    spec.output_shape = (units,)
    return spec


# Layers after which a rank-2 value's axis 0 is no longer the input's (None) time axis.
_TIME_ENDING = {"Flatten", "Permute", "Reshape", "RepeatVector", "GlobalAveragePooling1D",
                "GlobalMaxPooling1D"}


def _time_unknown(spec: ModelSpec, current: tuple, pending: list = ()) -> bool:
    """Whether the model sees None for axis 0 of `current`: a variable-length model whose
    layers so far all kept the time axis (RNNs without return_sequences end it too)."""
    if not spec.time_unknown or len(current) != 2:
        return False
    layers = []
    for block in spec.blocks:
        if block[0] == "layer":
            layers.append(block[1])
        elif block[0] == "nested":
            layers.extend(block[2])
    layers.extend(pending)
    for name, kwargs in layers:
        if name in _TIME_ENDING:
            return False
        inner = kwargs.get("layer", (name, kwargs))
        if inner[0] in RNN_KINDS and not inner[1].get("return_sequences"):
            return False
    return True


def _symbolic(shape: tuple, time_unknown: bool) -> tuple:
    return (None,) + shape[1:] if time_unknown else shape


def make_layer(layer_spec) -> keras.layers.Layer:
    """Instantiate one `(class_name, kwargs)` entry (Bidirectional wraps its inner spec)."""
    name, kwargs = layer_spec
    kwargs = dict(kwargs)
    if name in ("Bidirectional", "TimeDistributed"):
        kwargs["layer"] = make_layer(kwargs["layer"])
    return getattr(keras.layers, name)(**kwargs)


def build_model(spec: ModelSpec, seed: int = 0) -> keras.Model:
    """The Sequential (no merges) or functional model a spec describes, with seeded weights."""
    keras.utils.set_random_seed(seed)
    dtype = "int32" if spec.input_kind == "tokens" else keras.backend.floatx()
    if not spec.functional:
        layers = [keras.Input(spec.symbolic_input_shape, dtype=dtype)]
        layers += [_make_block(block) for block in spec.blocks]
        return keras.Sequential(layers)
    inputs = keras.Input(spec.symbolic_input_shape, dtype=dtype)
    x = inputs
    for block in spec.blocks:
        x = _apply_block(block, x)
    return keras.Model(inputs, x)


def _apply_block(block, x):
    """The functional-API call of one block on the KerasTensor `x`."""
    if block[0] == "merge":
        return make_layer((block[2], {}))([x, make_layer(block[1])(x)])
    if block[0] == "shared":
        layer = make_layer(block[1])
        return layer(layer(x))
    return _make_block(block)(x)


def _make_block(block) -> keras.layers.Layer:
    """A layer, or a nested Sequential / functional model of a few layers."""
    if block[0] == "layer":
        return make_layer(block[1])
    _, style, layer_specs, input_shape = block
    if style == "sequential":
        return keras.Sequential([keras.Input(input_shape)]
                                + [make_layer(layer) for layer in layer_specs])
    inputs = keras.Input(input_shape)
    x = inputs
    for layer in layer_specs:
        x = make_layer(layer)(x)
    return keras.Model(inputs, x)


def make_inputs(spec: ModelSpec, batch: int, seed: int = 0, steps: int | None = None
                ) -> np.ndarray:
    """A batch of inputs for the spec's model (token ids below the vocabulary size);
    `steps` overrides the time length of a variable-length model."""
    rng = np.random.default_rng(seed)
    shape = spec.input_shape
    if steps is not None:
        shape = (steps,) + shape[1:]
    if spec.input_kind == "tokens":
        return rng.integers(0, spec.vocab, (batch,) + shape).astype(np.int32)
    return rng.standard_normal((batch,) + shape).astype(keras.backend.floatx())


def make_targets(spec: ModelSpec, batch: int, seed: int = 1) -> np.ndarray:
    """Regression targets matching the model's output shape."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch,) + spec.output_shape).astype(np.float32)


OPTIMIZERS = ["SGD", "SGD_momentum", "Adam", "RMSprop", "Adagrad", "Adamax", "Nadam", "AdamW"]
# Optimizers whose step is proportional to the gradient, so float noise stays float noise.
# Adam-like ones scale a gradient that is zero in theory but noise in practice (a bias before
# a normalization) up to a full learning-rate step.
STEP_SIZE_KEEPING = {"SGD", "SGD_momentum", "Adagrad"}


def training_cases(**spec_options):
    """(spec, optimizer name) pairs; no BatchNormalization with Adam-like optimizers."""
    return st.sampled_from(OPTIMIZERS).flatmap(lambda name: st.tuples(
        model_specs(allow_dropout=False, allow_batchnorm=name in STEP_SIZE_KEEPING,
                    **spec_options), st.just(name)))


def make_optimizer(name: str) -> keras.optimizers.Optimizer:
    """A fresh optimizer by short name (learning rates small enough to stay finite)."""
    if name == "SGD":
        return keras.optimizers.SGD(0.01)
    if name == "SGD_momentum":
        return keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True)
    return getattr(keras.optimizers, name)(0.01)


@dataclass
class MaskedSpec:
    """A variable-length token model whose Embedding masks id 0, and how inputs are padded."""

    vocab: int
    embedding_dim: int
    layers: list  # (class_name, kwargs) entries that all support masking
    padding: str  # "post" or "pre"
    output_units: int


@st.composite
def masked_specs(draw, timewise: bool = True) -> MaskedSpec:
    """Embedding(mask_zero=True), then RNNs (and with `timewise`, Dense / Activation layers)
    that keep the mask, ended by an RNN without return_sequences or a masked average, then a
    Dense head."""
    layers = []
    middle = ["RNN", "Bidirectional"] + (["Dense", "Activation"] if timewise else [])
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(middle))
        units = draw(st.integers(RNN_MIN_UNITS, 4))
        if kind == "Dense":
            layers.append(("Dense", {"units": units, "activation": "tanh"}))
        elif kind == "Activation":
            layers.append(("Activation", {"activation": draw(st.sampled_from(ACTIVATIONS))}))
        else:
            layers.append(_masked_rnn(draw, kind, units, return_sequences=True))
    end = draw(st.sampled_from(["RNN", "Bidirectional", "GlobalAveragePooling1D"]))
    if end == "GlobalAveragePooling1D":
        layers.append(("GlobalAveragePooling1D", {}))
    else:
        layers.append(_masked_rnn(draw, end, draw(st.integers(RNN_MIN_UNITS, 4)), False))
    return MaskedSpec(vocab=draw(st.integers(3, 8)), embedding_dim=draw(st.integers(1, 4)),
                      layers=layers, padding=draw(st.sampled_from(["post", "pre"])),
                      output_units=draw(st.integers(1, 3)))


def _masked_rnn(draw, kind: str, units: int, return_sequences: bool):
    # go_backwards with return_sequences returns the reversed sequence under the unreversed
    # mask (as Keras does), so padding would move: only the last RNN may go backwards.
    backwards = not return_sequences and draw(st.booleans())
    rnn = (draw(st.sampled_from(RNN_KINDS)), {"units": units,
                                              "return_sequences": return_sequences,
                                              "go_backwards": backwards})
    if kind == "RNN":
        return rnn
    return ("Bidirectional", {"layer": rnn,
                              "merge_mode": draw(st.sampled_from(["concat", "sum", "mul"]))})


def build_masked_model(spec: MaskedSpec, seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((None,), dtype="int32"),
              keras.layers.Embedding(spec.vocab, spec.embedding_dim, mask_zero=True)]
    layers += [make_layer(layer) for layer in spec.layers]
    layers.append(keras.layers.Dense(spec.output_units))
    return keras.Sequential(layers)


@dataclass
class MultiSpec:
    """A functional model with named inputs and outputs: each input runs through its own
    random layers to a vector, the vectors are concatenated, and each output is a Dense head."""

    inputs: list  # ModelSpec per input (its blocks end in a vector)
    output_units: list
    losses: list
    loss_weights: list


@st.composite
def multi_specs(draw) -> MultiSpec:
    inputs = [draw(model_specs(functional=True, allow_dropout=False, max_layers=2,
                               allow_nesting=False))
              for _ in range(draw(st.integers(1, 2)))]
    outputs = draw(st.integers(1, 3))
    return MultiSpec(inputs=inputs,
                     output_units=[draw(st.integers(1, 3)) for _ in range(outputs)],
                     losses=[draw(st.sampled_from(["mse", "mae", "huber"]))
                             for _ in range(outputs)],
                     loss_weights=[draw(st.sampled_from([1.0, 0.5, 2.0]))
                                   for _ in range(outputs)])


def build_multi_model(spec: MultiSpec, seed: int = 0) -> keras.Model:
    """Inputs 'in_0', 'in_1', ... and outputs 'out_0', ... (each input's own head dropped)."""
    keras.utils.set_random_seed(seed)
    inputs, features = {}, []
    for index, part in enumerate(spec.inputs):
        dtype = "int32" if part.input_kind == "tokens" else keras.backend.floatx()
        tensor = keras.Input(part.symbolic_input_shape, dtype=dtype, name=f"in_{index}")
        inputs[f"in_{index}"] = tensor
        x = tensor
        for block in part.blocks[:-1]:  # the last block is the single-output Dense head
            x = _apply_block(block, x)
        features.append(x)
    joined = features[0] if len(features) == 1 else keras.layers.Concatenate()(features)
    outputs = {f"out_{index}": keras.layers.Dense(units, name=f"out_{index}")(joined)
               for index, units in enumerate(spec.output_units)}
    return keras.Model(inputs, outputs)


def multi_data(spec: MultiSpec, batch: int, seed: int = 0):
    """(x, y) dictionaries keyed by input and output names."""
    x = {f"in_{i}": make_inputs(part, batch, seed=seed + i) for i, part in enumerate(spec.inputs)}
    rng = np.random.default_rng(seed + 10)
    y = {f"out_{i}": rng.standard_normal((batch, units)).astype(keras.backend.floatx())
         for i, units in enumerate(spec.output_units)}
    return x, y
