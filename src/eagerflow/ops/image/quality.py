"""Image gradients, edges and quality metrics (`tf.image.sobel_edges`, `total_variation`,
`psnr`, `ssim`, `ssim_multiscale`)."""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.ops import array as _array
from eagerflow.ops import conv as _conv
from eagerflow.ops import math as _math
from eagerflow.ops import reduce as _reduce
from eagerflow.ops.image.geometry import _window
from eagerflow.ops.image.helpers import _dims, _is_static, _rank, _tensor, convert_image_dtype

__all__: list = []
NAMESPACES: dict = {
    "image": [
        "image_gradients", "sobel_edges", "total_variation", "psnr", "ssim",
        "ssim_multiscale",
    ],
    "io": [],
}


# =============================================================================================
# Gradients, edges and quality metrics.
# =============================================================================================
def image_gradients(image) -> tuple:
    """(dy, dx): forward differences along height and width, zero in the last row/column."""
    image = _tensor(image)
    if image.shape.rank != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not "
                         f"{image.shape}.")
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    dy = _array.pad(dy, [[0, 0], [0, 1], [0, 0], [0, 0]])
    dx = _array.pad(dx, [[0, 0], [0, 0], [0, 1], [0, 0]])
    return dy, dx


_SOBEL_Y = ((-1, -2, -1), (0, 0, 0), (1, 2, 1))


def sobel_edges(image) -> Tensor:
    """Sobel responses [batch, h, w, d, 2] (dy then dx) with reflected borders."""
    image = _tensor(image)
    _rank(image, "sobel_edges", (4,))
    padded = _array.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    dims = _dims(image)
    height, width = dims[1], dims[2]

    def window(i: int, j: int) -> Tensor:
        return _window(padded, [0, i, j, 0], [-1, height, width, -1])

    shifted = {(i, j): window(i, j) for i in range(3) for j in range(3)}
    outs = []
    for kernel in (_SOBEL_Y, tuple(zip(*_SOBEL_Y))):
        total = None
        for i in range(3):
            for j in range(3):
                if kernel[i][j]:
                    term = shifted[i, j] * float(kernel[i][j])
                    total = term if total is None else total + term
        outs.append(total)
    return _array.stack(outs, axis=-1)


def total_variation(images, name=None) -> Tensor:
    """Sum of absolute differences of neighbouring pixels (per image for a batch)."""
    images = _tensor(images)
    rank = _rank(images, "total_variation", name="images")
    axes = [0, 1, 2] if rank == 3 else [1, 2, 3]
    rows = images[..., 1:, :, :] - images[..., :-1, :, :]
    cols = images[..., :, 1:, :] - images[..., :, :-1, :]
    return _reduce.reduce_sum(_math.abs(rows), axis=axes) + \
        _reduce.reduce_sum(_math.abs(cols), axis=axes)


def _metric_inputs(a, b, max_val, op: str):
    a, b = _tensor(a), _tensor(b)
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: the two images must have the same dtype, got {a.dtype!r} and "
                        f"{b.dtype!r}.")
    sa, sb = a.shape.as_list() if a.shape.rank else [], b.shape.as_list() if b.shape.rank else []
    if a.shape.rank is not None and b.shape.rank is not None:
        if a.shape.rank < 3 or b.shape.rank < 3:
            raise ValueError(f"{op}: images must have at least 3 dims [.., h, w, c], got "
                             f"{a.shape} and {b.shape}.")
        for x, y in zip(sa[::-1][:3], sb[::-1][:3]):
            if x is not None and y is not None and x != y:
                raise ValueError(f"{op}: image shapes {a.shape} and {b.shape} are not "
                                 f"compatible.")
    work = a.dtype if a.dtype.is_floating and a.dtype != dtypes.float16 else dtypes.float32
    max_t = _math.cast(_tensor(max_val), a.dtype)
    max_t = convert_image_dtype(max_t, work)
    return convert_image_dtype(a, work), convert_image_dtype(b, work), max_t


def psnr(a, b, max_val, name=None) -> Tensor:
    """Peak signal-to-noise ratio in dB per image: 20 log10(max_val) - 10 log10(MSE)."""
    a, b, max_t = _metric_inputs(a, b, max_val, "psnr")
    mse = _reduce.reduce_mean(_math.squared_difference(a, b), axis=[-3, -2, -1])
    ln10 = np.log(10.0)
    return 20.0 * _math.log(max_t) / ln10 - (10.0 / ln10) * _math.log(mse)


def _gaussian_window(size: int, sigma: float, channels: int, dtype) -> Tensor:
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.square(coords) * (-0.5 / (sigma * sigma))
    g = (g[None, :] + g[:, None]).reshape(-1)
    g = np.exp(g - g.max())
    g = (g / g.sum()).reshape(size, size, 1, 1)
    return convert_to_tensor(np.tile(g, (1, 1, channels, 1)).astype(dtype._numpy))


def _ssim_parts(x: Tensor, y: Tensor, max_t: Tensor, filter_size: int, filter_sigma: float,
                k1: float, k2: float):
    """(luminance, contrast-structure) maps [..., h', w', c] of two equal-shape batches."""
    shape = x.shape.as_list()
    channels = shape[-1]
    if channels is None:
        raise ValueError(f"ssim needs a static channel count, got shape {x.shape}.")
    height, width = shape[-3], shape[-2]
    for dim in (height, width):
        if dim is not None and dim < filter_size:
            raise InvalidArgumentError(None, None, f"ssim: the images (shape {x.shape}) must be "
                                       f"at least filter_size={filter_size} pixels high and "
                                       f"wide.")
    window = _gaussian_window(filter_size, filter_sigma, channels, x.dtype)
    lead = _dims(x)[:-3]

    def reducer(v: Tensor) -> Tensor:
        flat = _array.reshape(v, [-1] + _dims(v)[-3:])
        out = _conv.depthwise_conv2d(flat, window, [1, 1, 1, 1], "VALID")
        return _array.reshape(out, lead + _dims(out)[1:])

    c1 = (k1 * max_t) ** 2
    c2 = (k2 * max_t) ** 2
    mean0, mean1 = reducer(x), reducer(y)
    num0 = mean0 * mean1 * 2.0
    den0 = _math.square(mean0) + _math.square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(x * y) * 2.0
    den1 = reducer(_math.square(x) + _math.square(y))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    return luminance, cs


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         return_index_map=False) -> Tensor:
    """Structural similarity per image (Wang et al. 2004) with an 11x11 Gaussian window."""
    x, y, max_t = _metric_inputs(img1, img2, max_val, "ssim")
    luminance, cs = _ssim_parts(x, y, max_t, int(filter_size), float(filter_sigma), k1, k2)
    if return_index_map:
        return _reduce.reduce_mean(luminance * cs, axis=[-1])
    per_channel = _reduce.reduce_mean(luminance * cs, axis=[-3, -2])
    return _reduce.reduce_mean(per_channel, axis=[-1])


_MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ssim_multiscale(img1, img2, max_val, power_factors=_MSSSIM_WEIGHTS, filter_size=11,
                    filter_sigma=1.5, k1=0.01, k2=0.03) -> Tensor:
    """Multi-scale SSIM: contrast-structure at each 2x-downsampled scale, luminance at the
    last, combined with `power_factors`."""
    x, y, max_t = _metric_inputs(img1, img2, max_val, "ssim_multiscale")
    lead = _dims(x)[:-3]
    values = []
    for scale, _ in enumerate(power_factors):
        if scale:
            pooled = []
            for img in (x, y):
                dims = _dims(img)
                if not all(_is_static(d) for d in dims[-3:-1]):
                    raise ValueError("ssim_multiscale needs static height and width.")
                pad = [[0, 0]] * 1 + [[0, dims[-3] % 2], [0, dims[-2] % 2], [0, 0]]
                flat = _array.reshape(img, [-1] + dims[-3:])
                flat = _array.pad(flat, pad, mode="SYMMETRIC")
                down = _conv.avg_pool2d(flat, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
                pooled.append(_array.reshape(down, lead + _dims(down)[1:]))
            x, y = pooled
        luminance, cs = _ssim_parts(x, y, max_t, int(filter_size), float(filter_sigma), k1, k2)
        cs_mean = _reduce.reduce_mean(cs, axis=[-3, -2])
        if scale == len(power_factors) - 1:
            values.append(_reduce.reduce_mean(luminance * cs, axis=[-3, -2]))
        else:
            values.append(cs_mean)
    stacked = _math.maximum(_array.stack(values, axis=-1), 0.0)
    powers = convert_to_tensor(np.asarray(power_factors, x.dtype._numpy))
    ms = _reduce.reduce_prod(_math.pow(stacked, powers), axis=[-1])
    return _reduce.reduce_mean(ms, axis=[-1])
