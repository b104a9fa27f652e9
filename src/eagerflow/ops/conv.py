"""Convolutions and pooling (`tf.nn.conv2d`, `tf.nn.max_pool`, ...).

Convolutions run as im2col (a strided view made contiguous once) and one BLAS
matmul; each has forward, backprop-input and backprop-filter primitives that
differentiate into one another, so gradients of any order work. Pooling is one
vectorized NumPy call per window tap, never a loop over pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import Tensor
from eagerflow.ops.nn import _FLOATS, _REALS, _static, _tensor

__all__: list = []
NAMESPACES = {
    "nn": [
        "convolution", "conv1d", "conv2d", "conv3d", "conv_transpose", "conv1d_transpose",
        "conv2d_transpose", "conv3d_transpose", "depthwise_conv2d", "separable_conv2d",
        "max_pool", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool", "avg_pool1d",
        "avg_pool2d", "avg_pool3d", "atrous_conv2d", "depthwise_conv2d_backprop_input",
        "depthwise_conv2d_backprop_filter", "pool",
    ],
}


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


