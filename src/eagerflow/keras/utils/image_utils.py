"""Images between files, Pillow and arrays: `load_img`, `save_img`, `img_to_array`,
`array_to_img` (Keras's image helpers; Pillow does the decoding and encoding)."""

from __future__ import annotations

import io
import os
import warnings
from typing import Any

import numpy as np

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]

_COLOR_MODES = ("grayscale", "rgb", "rgba")


def _interpolations() -> dict:
    from PIL import Image

    resampling = getattr(Image, "Resampling", Image)
    return {"nearest": resampling.NEAREST, "bilinear": resampling.BILINEAR,
            "bicubic": resampling.BICUBIC, "hamming": resampling.HAMMING,
            "box": resampling.BOX, "lanczos": resampling.LANCZOS}


def _data_format(data_format: str | None) -> str:
    if data_format is None:
        from eagerflow.keras import backend

        data_format = backend.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Invalid data_format: {data_format}. Expected 'channels_first' or "
                         "'channels_last'.")
    return data_format


def _floatx() -> str:
    from eagerflow.keras import backend

    return backend.floatx()


def array_to_img(x: Any, data_format: str | None = None, scale: bool = True,
                 dtype: str | None = None):
    """Converts a 3D array (height, width, channels) to a `PIL.Image`.

    Args:
        x: Array-like or tensor of rank 3 with 1 (grayscale), 3 (RGB) or 4 (RGBA) channels.
        data_format: 'channels_last' (default: Keras's image data format) or 'channels_first'.
        scale: Rescale values to [0, 255] (min to 0, max to 255) before conversion.
        dtype: Data type used for the intermediate array (default: floatx).
    """
    from PIL import Image

    data_format = _data_format(data_format)
    array = np.asarray(x, dtype=dtype or _floatx())
    if array.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {array.shape}")
    if data_format == "channels_first":
        array = array.transpose(1, 2, 0)
    if scale:
        array = array - np.min(array)
        peak = np.max(array)
        if peak != 0:
            array = array / peak
        array = array * 255
    channels = array.shape[2]
    if channels == 4:
        return Image.fromarray(array.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(array.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(array) > 255:  # 32-bit signed integer grayscale (PIL mode "I")
            return Image.fromarray(array[:, :, 0].astype("int32"), "I")
        return Image.fromarray(array[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img: Any, data_format: str | None = None, dtype: str | None = None) -> np.ndarray:
    """Converts a `PIL.Image` to a 3D NumPy array (a grayscale image gets a channel axis)."""
    data_format = _data_format(data_format)
    array = np.asarray(img, dtype=dtype or _floatx())
    if array.ndim == 3:
        return array.transpose(2, 0, 1) if data_format == "channels_first" else array
    if array.ndim == 2:
        shape = (1, *array.shape) if data_format == "channels_first" else (*array.shape, 1)
        return array.reshape(shape)
    raise ValueError(f"Unsupported image shape: {array.shape}")


def save_img(path: str | os.PathLike | Any, x: Any, data_format: str | None = None,
             file_format: str | None = None, scale: bool = True, **kwargs) -> None:
    """Saves an image stored as an array to a path or file object (format from the name)."""
    image = array_to_img(x, data_format=data_format, scale=scale)
    if image.mode == "RGBA" and (file_format in ("jpg", "jpeg") or (
            isinstance(path, str | os.PathLike) and
            os.fspath(path).lower().endswith((".jpg", ".jpeg")))):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        image = image.convert("RGB")
    image.save(path, format=file_format, **kwargs)


def load_img(path: str | os.PathLike | io.BytesIO, grayscale: bool = False,
             color_mode: str = "rgb", target_size: tuple[int, int] | None = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False):
    """Loads an image into PIL format.

    Args:
        path: Path to the image file (or a binary file object).
        grayscale: Deprecated; use `color_mode="grayscale"`.
        color_mode: 'grayscale', 'rgb' or 'rgba'.
        target_size: None (original size) or `(height, width)`.
        interpolation: Resampling used when resizing: 'nearest', 'bilinear', 'bicubic',
            'hamming', 'box' or 'lanczos'.
        keep_aspect_ratio: Crop the centre to the target aspect ratio before resizing.
    """
    from PIL import Image

    if grayscale:
        warnings.warn("grayscale is deprecated. Please use color_mode = 'grayscale'",
                      stacklevel=2)
        color_mode = "grayscale"
    if color_mode not in _COLOR_MODES:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba". '
                         f"Received: color_mode={color_mode!r}")
    if isinstance(path, io.BytesIO):
        image = Image.open(path)
    elif isinstance(path, str | os.PathLike):
        with open(path, "rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if image.mode not in ("L", "I;16", "I"):
            image = image.convert("L")
    elif color_mode == "rgba":
        if image.mode != "RGBA":
            image = image.convert("RGBA")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if target_size is not None:
        height, width = target_size
        if image.size != (width, height):
            methods = _interpolations()
            if interpolation not in methods:
                raise ValueError(f"Invalid interpolation method {interpolation!r}. Supported "
                                 f"methods are {', '.join(methods)}")
            if keep_aspect_ratio:
                img_width, img_height = image.size
                crop_height = min(img_height, img_width * height // width)
                crop_width = min(img_width, img_height * width // height)
                left = (img_width - crop_width) // 2
                top = (img_height - crop_height) // 2
                image = image.crop((left, top, left + crop_width, top + crop_height))
            image = image.resize((width, height), methods[interpolation])
    return image
