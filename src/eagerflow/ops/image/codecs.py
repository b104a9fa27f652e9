"""Image codecs (`tf.io.decode_png`, `encode_jpeg`, `decode_webp`, ...) and JPEG quality
augmentation, through Pillow (imported when an image is first coded) in numpy_function."""

from __future__ import annotations

import io as _io

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.tensor import Tensor
from eagerflow.ops import array as _array
from eagerflow.ops import math as _math
from eagerflow.ops import random as _random
from eagerflow.ops import script as _script
from eagerflow.ops.image.geometry import crop_to_bounding_box
from eagerflow.ops.image.helpers import (
    _dims,
    _rank,
    _saturate_cast,
    _static,
    _tensor,
    convert_image_dtype,
)
from eagerflow.ops.image.resizing import resize

__all__: list = []
NAMESPACES: dict = {
    "image": [
        "decode_png", "decode_jpeg", "decode_gif", "decode_bmp", "decode_image",
        "encode_png", "encode_jpeg", "is_jpeg", "extract_jpeg_shape", "adjust_jpeg_quality",
        "random_jpeg_quality", "stateless_random_jpeg_quality", "decode_and_crop_jpeg",
        "decode_webp",
    ],
    "io": [
        "decode_png", "decode_jpeg", "decode_gif", "decode_bmp", "decode_image",
        "encode_png", "encode_jpeg", "is_jpeg", "extract_jpeg_shape",
        "decode_and_crop_jpeg", "decode_webp",
    ],
}


# =============================================================================================
# Codecs: PNG, JPEG, GIF, BMP through Pillow (imported when an image is first coded).
# =============================================================================================
def _pillow():
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow is a dependency
        raise ImportError("tf.image encode/decode ops need Pillow: pip install pillow") from exc
    return Image


def _bytes_of(contents) -> bytes:
    value = np.asarray(contents)
    value = value.item() if value.shape == () else value
    if isinstance(value, str):
        return value.encode("latin-1")
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidArgumentError(None, None, f"image decoding: contents must be a scalar "
                                   f"string tensor, got {type(value).__name__} of shape "
                                   f"{np.shape(contents)}.")
    return bytes(value)


def _sniff(data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:4] in (b"GIF8",):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "unknown"


_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _open(data: bytes, kind: str, gray_jpeg: bool = False):
    Image = _pillow()
    try:
        picture = Image.open(_io.BytesIO(data))
        if gray_jpeg and picture.format == "JPEG" and picture.mode != "L":
            picture.draft("L", picture.size)  # libjpeg's own grayscale output (its Y plane)
        picture.load()
    except Exception as exc:
        raise InvalidArgumentError(None, None, f"decode_{kind}: the contents are not a valid "
                                   f"{kind.upper()} image ({exc}).") from None
    return picture


def _native_pixels(picture) -> np.ndarray:
    """Pixels [h, w, c] of a Pillow image with the channels stored in the file (1 to 4)."""
    mode = picture.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        return np.asarray(picture).astype(np.uint16)[..., None]
    if mode == "1":
        mode, picture = "L", picture.convert("L")
    elif mode == "P":
        target = "RGBA" if "transparency" in picture.info else "RGB"
        mode, picture = target, picture.convert(target)
    elif mode == "PA":
        mode, picture = "RGBA", picture.convert("RGBA")
    elif mode not in _MODES.values():
        mode, picture = "RGB", picture.convert("RGB")
    array = np.asarray(picture)
    return array.reshape(array.shape[:2] + (-1,))


def _bmp_pixels(data: bytes):
    """Pixels of an uncompressed 24- or 32-bit BMP (BGR(A) rows, bottom-up unless the height
    is negative), or None for other BMPs (left to Pillow). 32-bit BMPs keep their alpha."""
    if len(data) < 54:
        return None
    offset = int.from_bytes(data[10:14], "little")
    width = int.from_bytes(data[18:22], "little", signed=True)
    height = int.from_bytes(data[22:26], "little", signed=True)
    bits = int.from_bytes(data[28:30], "little")
    compression = int.from_bytes(data[30:34], "little")
    if bits not in (24, 32) or compression not in (0, 3) or width <= 0 or height == 0:
        return None
    depth = bits // 8
    stride = (width * depth + 3) // 4 * 4
    rows = abs(height)
    if offset + stride * rows > len(data):
        raise InvalidArgumentError(None, None, f"decode_bmp: the BMP data is truncated (needs "
                                   f"{offset + stride * rows} bytes, got {len(data)}).")
    pixels = np.frombuffer(data, np.uint8, stride * rows, offset).reshape(rows, stride)
    pixels = pixels[:, :width * depth].reshape(rows, width, depth)
    if height > 0:
        pixels = pixels[::-1]
    order = [2, 1, 0, 3] if depth == 4 else [2, 1, 0]
    return np.ascontiguousarray(pixels[..., order])


def _gray(rgb: np.ndarray) -> np.ndarray:
    """libpng's RGB -> gray as TF's decoders use it: (9797 R + 19234 G + 3737 B) >> 15."""
    wide = rgb.astype(np.int64)
    gray = (9797 * wide[..., 0] + 19234 * wide[..., 1] + 3737 * wide[..., 2]) >> 15
    return gray.astype(rgb.dtype)[..., None]


def _to_channels(picture, channels: int) -> np.ndarray:
    """Pixels [h, w, c] of a Pillow image, as `channels` channels (0: as in the file)."""
    return _convert_channels(_native_pixels(picture), channels)


def _convert_channels(array: np.ndarray, channels: int) -> np.ndarray:
    """Gray, gray+alpha, RGB or RGBA pixels as `channels` channels, as TF's decoders do."""
    have = array.shape[-1]
    if channels in (0, have):
        return array
    opaque = np.full(array.shape[:2] + (1,), np.iinfo(array.dtype).max, array.dtype)
    color, alpha = (array[..., :1], array[..., 1:2]) if have <= 2 else \
        (array[..., :3], array[..., 3:4])
    if have == 1 or have == 3:
        alpha = opaque
    if channels in (1, 2):
        gray = color if have <= 2 else _gray(color)
        return gray if channels == 1 else np.concatenate([gray, alpha], -1)
    rgb = np.repeat(color, 3, -1) if have <= 2 else color
    return rgb if channels == 3 else np.concatenate([rgb, alpha], -1)


def _check_channels(channels, allowed, op: str) -> int:
    channels = int(_static(channels) or 0)
    if channels not in allowed:
        raise ValueError(f"{op}: channels must be one of {allowed}, got {channels}.")
    return channels


def _frames(picture, found: str, channels: int, kind: str) -> np.ndarray:
    """The frames [n, h, w, c] of a GIF (RGB) or WebP (as stored; RGBA when animated)."""
    count = getattr(picture, "n_frames", 1)
    if found == "gif" and channels not in (0, 3):
        raise InvalidArgumentError(None, None, f"decode_{kind}: GIF images have 3 channels; "
                                   f"channels={channels} was asked.")
    if count == 1 and found == "webp":
        return _to_channels(picture, channels)[None]
    mode = "RGB" if found == "gif" else "RGBA"
    frames = []
    for index in range(count):
        picture.seek(index)
        frames.append(np.asarray(picture.convert(mode)))
    return np.stack(frames)


def _decode(contents, kind: str, channels: int, out_dtype, animated: bool, shape) -> Tensor:
    contents = _tensor(contents)
    if contents.dtype != dtypes.string:
        raise TypeError(f"decode_{kind}: contents must be a string tensor, got "
                        f"{contents.dtype!r}.")
    np_dtype = dtypes.as_dtype(out_dtype)._numpy

    def kernel(value):
        data = _bytes_of(value)
        found = _sniff(data)
        if found == "unknown":  # as TF 2, every decode_* reads every supported format
            raise InvalidArgumentError(None, None, f"decode_{kind}: Unknown image file format. "
                                       f"One of JPEG, PNG, GIF, BMP, WebP required.")
        bmp = _bmp_pixels(data) if found == "bmp" else None
        picture = _open(data, found, gray_jpeg=channels == 1) if bmp is None else None
        if bmp is not None:
            frames = _convert_channels(bmp, channels)[None]
        elif found in ("gif", "webp"):  # formats with frames
            frames = _frames(picture, found, channels, kind)
        else:
            frames = _to_channels(picture, channels)[None]
        if animated and (kind in ("gif", "webp") or found in ("gif", "webp")):
            array = frames
        else:
            if frames.shape[0] > 1 and kind != "image":
                raise InvalidArgumentError(None, None, f"decode_{kind}: Got {frames.shape[0]} "
                                           f"frames, but animated images can only be decoded "
                                           f"by tf.io.decode_gif, decode_webp or decode_image.")
            array = frames[0]
        if array.dtype == np.uint16 and np_dtype == np.uint8:
            array = (array >> 8).astype(np.uint8)
        elif array.dtype == np.uint8 and np_dtype == np.uint16:
            array = array.astype(np.uint16) * 257
        return np.ascontiguousarray(array)

    source = np.uint16 if np_dtype == np.uint16 else np.uint8
    out = _script.numpy_function(kernel, [contents], dtypes.from_numpy(np.dtype(source)))
    if shape is not None:
        out = _array.ensure_shape(out, shape)
    if np_dtype not in (np.uint8, np.uint16):
        out = convert_image_dtype(out, dtypes.from_numpy(np.dtype(np_dtype)))
    return out


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None) -> Tensor:
    """Decode a PNG string into a uint8 (or uint16) tensor [height, width, channels]."""
    channels = _check_channels(channels, (0, 1, 2, 3, 4), "decode_png")
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16):
        raise TypeError(f"decode_png: dtype must be uint8 or uint16, got {dtype!r}.")
    return _decode(contents, "png", channels, dtype, False, [None, None, channels or None])


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None) -> Tensor:
    """Decode a JPEG string into a uint8 tensor [height, width, channels]."""
    channels = _check_channels(channels, (0, 1, 3), "decode_jpeg")
    out = _decode(contents, "jpeg", channels, dtypes.uint8, False, [None, None, channels or None])
    ratio = int(ratio)
    if ratio not in (1, 2, 4, 8):
        raise InvalidArgumentError(None, None, f"decode_jpeg: ratio must be 1, 2, 4 or 8, got "
                                   f"{ratio}.")
    if ratio > 1:
        dims = _dims(out)
        out = resize(out, [-(-dims[0] // ratio), -(-dims[1] // ratio)], method="area")
        out = _saturate_cast(_math.round(out), dtypes.uint8)
    return out


def decode_gif(contents, name=None) -> Tensor:
    """Decode a (possibly animated) GIF into uint8 frames [num_frames, height, width, 3]."""
    return _decode(contents, "gif", 0, dtypes.uint8, True, [None, None, None, 3])


def decode_bmp(contents, channels=0, name=None) -> Tensor:
    """Decode a BMP string into a uint8 tensor [height, width, channels]."""
    channels = _check_channels(channels, (0, 1, 3, 4), "decode_bmp")
    return _decode(contents, "bmp", channels, dtypes.uint8, False, [None, None, channels or None])


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None,
                 expand_animations=True) -> Tensor:
    """Decode a PNG, JPEG, GIF or BMP string (format sniffed from its first bytes).

    GIFs give [frames, h, w, 3] when `expand_animations`, other formats [h, w, c]. A float
    `dtype` rescales to [0, 1] as convert_image_dtype.
    """
    channels = _check_channels(channels or 0, (0, 1, 2, 3, 4), "decode_image")
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16, dtypes.float16, dtypes.float32,
                     dtypes.float64):
        raise ValueError(f"decode_image: dtype must be uint8, uint16, float16, float32 or "
                         f"float64, got {dtype!r}.")
    shape = None if expand_animations else [None, None, channels or None]
    return _decode(contents, "image", channels, dtype, bool(expand_animations), shape)


def _encode(image, op: str, save) -> Tensor:
    image = _tensor(image)
    _rank(image, op, (3,))

    def kernel(array):
        Image = _pillow()
        array = np.asarray(array)
        depth = array.shape[-1]
        if depth not in (1, 2, 3, 4):
            raise InvalidArgumentError(None, None, f"{op}: image must have 1 to 4 channels, got "
                                       f"shape {array.shape}.")
        buffer = _io.BytesIO()
        save(Image, array, buffer)
        out = np.empty((), object)
        out[()] = buffer.getvalue()
        return out

    return _array.ensure_shape(_script.numpy_function(kernel, [image], dtypes.string), [])


def encode_png(image, compression=-1, name=None) -> Tensor:
    """Encode a uint8 or uint16 image [height, width, channels] as a PNG string."""
    image = _tensor(image)
    if image.dtype not in (dtypes.uint8, dtypes.uint16):
        raise TypeError(f"encode_png: image must be uint8 or uint16, got {image.dtype!r}.")
    level = int(compression)
    level = 6 if level < 0 else min(level, 9)

    def save(Image, array, buffer):
        depth = array.shape[-1]
        if array.dtype == np.uint16:
            if depth != 1:
                raise InvalidArgumentError(None, None, "encode_png: 16-bit images with "
                                           f"{depth} channels need a PNG writer Pillow lacks; "
                                           "encode 1-channel uint16 or uint8 images.")
            picture = Image.fromarray(np.ascontiguousarray(array[..., 0], "<u2"))
        else:
            picture = Image.fromarray(array[..., 0] if depth == 1 else array, _MODES[depth])
        picture.save(buffer, format="PNG", compress_level=level)

    return _encode(image, "encode_png", save)


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None) -> Tensor:
    """Encode a uint8 image [height, width, 1 or 3] as a JPEG string."""
    image = _tensor(image)
    if image.dtype != dtypes.uint8:
        raise TypeError(f"encode_jpeg: image must be uint8, got {image.dtype!r}.")
    quality = int(quality)
    if not 0 <= quality <= 100:
        raise ValueError(f"encode_jpeg: quality must be in [0, 100], got {quality}.")

    def save(Image, array, buffer):
        depth = array.shape[-1]
        mode = {"grayscale": "L", "rgb": "RGB"}.get(format, "L" if depth == 1 else "RGB")
        if depth not in (1, 3):
            raise InvalidArgumentError(None, None, f"encode_jpeg: image must have 1 or 3 "
                                       f"channels, got shape {array.shape}.")
        picture = Image.fromarray(array[..., 0] if depth == 1 else array,
                                  "L" if depth == 1 else "RGB")
        if picture.mode != mode:
            picture = picture.convert(mode)
        dpi = (int(x_density), int(y_density))
        if density_unit == "cm":
            dpi = (round(x_density * 2.54), round(y_density * 2.54))
        picture.save(buffer, format="JPEG", quality=quality, progressive=bool(progressive),
                     optimize=bool(optimize_size), subsampling=2 if chroma_downsampling else 0,
                     dpi=dpi)

    return _encode(image, "encode_jpeg", save)


def is_jpeg(contents, name=None) -> Tensor:
    """Whether a string starts with the JPEG magic bytes."""
    contents = _tensor(contents)
    out = _script.numpy_function(lambda v: np.asarray(_sniff(_bytes_of(v)) == "jpeg"),
                                 [contents], dtypes.bool)
    return _array.ensure_shape(out, [])


def extract_jpeg_shape(contents, output_type=dtypes.int32, name=None) -> Tensor:
    """[height, width, channels] of a JPEG, read from its header without decoding it."""
    contents = _tensor(contents)
    np_type = dtypes.as_dtype(output_type)._numpy

    def kernel(value):
        data = _bytes_of(value)
        if _sniff(data) != "jpeg":
            raise InvalidArgumentError(None, None, "extract_jpeg_shape: the contents are not a "
                                       "JPEG image.")
        picture = _pillow().open(_io.BytesIO(data))
        depth = {"L": 1, "RGB": 3, "CMYK": 4}.get(picture.mode, len(picture.getbands()))
        return np.asarray([picture.height, picture.width, depth], np_type)

    out = _script.numpy_function(kernel, [contents], dtypes.from_numpy(np.dtype(np_type)))
    return _array.ensure_shape(out, [3])



# =============================================================================================
# JPEG quality augmentation and cropped decoding.
# =============================================================================================
def adjust_jpeg_quality(image, jpeg_quality, dct_method="", name=None) -> Tensor:
    """Re-encode an RGB or gray image as JPEG at `jpeg_quality` and decode it (an artefact
    augmentation); float images come back as float in [0, 1]."""
    image = _tensor(image)
    _rank(image, "adjust_jpeg_quality", (3,))
    depth = image.shape.as_list()[-1]
    if depth not in (1, 3, None):
        raise InvalidArgumentError(None, None, f"adjust_jpeg_quality: image must have 1 or 3 "
                                   f"channels, got shape {image.shape}.")
    dtype = image.dtype
    as_bytes = convert_image_dtype(image, dtypes.uint8, saturate=True)
    quality = _math.cast(_tensor(jpeg_quality), dtypes.int32)

    def kernel(array, q):
        Image = _pillow()
        array = np.asarray(array)
        buffer = _io.BytesIO()
        picture = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
        picture.save(buffer, format="JPEG", quality=int(np.clip(q, 0, 100)))
        decoded = np.asarray(Image.open(_io.BytesIO(buffer.getvalue())).convert(picture.mode))
        return decoded.reshape(array.shape)

    out = _script.numpy_function(kernel, [as_bytes, quality], dtypes.uint8)
    out = _array.ensure_shape(out, image.shape.as_list())
    return convert_image_dtype(out, dtype, saturate=True)


def random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed=None) -> Tensor:
    """adjust_jpeg_quality at a quality drawn uniformly from [min, max)."""
    _check_quality(min_jpeg_quality, max_jpeg_quality, "random_jpeg_quality")
    quality = _random.uniform([], min_jpeg_quality, max_jpeg_quality, dtype=dtypes.int32,
                              seed=seed)
    return adjust_jpeg_quality(image, quality)


def stateless_random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed) -> Tensor:
    """random_jpeg_quality, deterministic in `seed`."""
    _check_quality(min_jpeg_quality, max_jpeg_quality, "stateless_random_jpeg_quality")
    quality = _random.stateless_uniform([], seed, min_jpeg_quality, max_jpeg_quality,
                                        dtype=dtypes.int32)
    return adjust_jpeg_quality(image, quality)


def _check_quality(low, high, op: str) -> None:
    if low < 0 or high < 0:
        raise ValueError(f"{op}: jpeg_quality must be non-negative (got {low}, {high}).")
    if low > 100 or high > 100:
        raise ValueError(f"{op}: jpeg_quality must be <= 100 (got {low}, {high}).")
    if low >= high:
        raise ValueError(f"{op}: `min_jpeg_quality` must be less than `max_jpeg_quality` (got "
                         f"{low}, {high}).")


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                         name=None) -> Tensor:
    """decode_jpeg, then the window `crop_window` = [y, x, height, width]."""
    decoded = decode_jpeg(contents, channels=channels, ratio=ratio)
    window = _static(crop_window)
    y, x, h, w = (window[i] for i in range(4))
    return crop_to_bounding_box(decoded, y, x, h, w)


def decode_webp(contents, channels=0, dtype=dtypes.uint8, name=None) -> Tensor:
    """Decode a WebP string into uint8 frames [num_frames, height, width, channels] (one frame
    for a still image, as TF)."""
    channels = _check_channels(channels, (0, 3, 4), "decode_webp")
    return _decode(contents, "webp", channels, dtypes.uint8, True,
                   [None, None, None, channels or None])
