"""`tf.summary.write/scalar/histogram/text/image/audio` in TF 2's encodings.

Eagerly a summary is encoded and queued at once. Inside tf.function the write
is a side-effect op (`numpy_function`) that runs every time the compiled
function runs, with the data, step and record_if condition of that run.
Each call returns a bool tensor: True when something was written.
"""

from __future__ import annotations

import contextlib
import io
import time
import wave

import numpy as np

from eagerflow.summary import proto
from eagerflow.summary.writer import _NoopWriter, current_condition, current_writer, get_step

__all__ = ["write", "scalar", "histogram", "text", "image", "audio", "write_raw_pb",
           "summary_scope", "histogram_buckets"]

DEFAULT_BUCKET_COUNT = 30


def _scoped(name: str) -> str:
    from eagerflow.core.module import _current_scope

    prefix = "/".join(part for part in _current_scope() if part)
    return f"{prefix}/{name}" if prefix else name


@contextlib.contextmanager
def summary_scope(name, default_name=None, values=None):
    """`tf.summary.experimental.summary_scope`: yields (tag, scope) for a summary `name`."""
    from eagerflow.core.module import name_scope

    name = name or default_name
    with name_scope(name) as scope:
        yield scope.rstrip("/"), scope


def _metadata_bytes(metadata) -> bytes | None:
    if metadata is None:
        return None
    if isinstance(metadata, (bytes, bytearray)):
        return bytes(metadata)
    if hasattr(metadata, "SerializeToString"):
        return metadata.SerializeToString()
    raise TypeError(f"tf.summary.write: metadata must be a SummaryMetadata proto or its "
                    f"serialized bytes, got {type(metadata).__name__}.")


def _as_step(step) -> int:
    value = np.asarray(step.numpy() if hasattr(step, "numpy") else step)
    if value.shape != () or value.dtype.kind not in "iub":
        raise ValueError(f"tf.summary: step must be a scalar integer, got {step!r}.")
    return int(value)


def _emit(writer, tag: str, encode, data, step, condition) -> bool:
    """Encode `data` with `encode` and queue the event; runs eagerly or from compiled code."""
    if not bool(np.asarray(condition)):
        return False
    values = encode(tag, data)
    event = proto.encode_event(time.time(), _as_step(step), summary_values=values)
    return writer._write_event(event)


def _step_or_default(step):
    """`step`, or the default step of tf.summary.experimental.set_step when it is None."""
    step = get_step() if step is None else step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument "
                         "or through tf.summary.experimental.set_step()")
    return step


def _summary_op(name: str, data, step, encode, check=None, scoped: bool = True):
    """Shared body of every summary function: decides if and when `encode` runs.

    `name` is prefixed with the current name scope unless `scoped` is False
    (`tf.summary.write` takes its tag as given, as TF does).
    """
    import eagerflow as tf

    writer = current_writer()
    if writer is None or isinstance(writer, _NoopWriter):
        return tf.constant(False)
    condition = current_condition()
    if callable(condition):
        condition = condition()
    if not tf.is_tensor(condition) and not bool(condition):
        return tf.constant(False)
    step = _step_or_default(step)
    tag = _scoped(name) if scoped else name
    if tf.executing_eagerly():
        array = _numpy(data)
        if check is not None:
            check(tag, array.shape, array.dtype)
        condition = condition.numpy() if tf.is_tensor(condition) else condition
        return tf.constant(_emit(writer, tag, encode, array, _numpy(step), condition))
    tensor = data if tf.is_tensor(data) else tf.convert_to_tensor(data)
    if check is not None:
        check(tag, tuple(tensor.shape) if tensor.shape.rank is not None else None,
              np.dtype(tensor.dtype.as_numpy_dtype) if tensor.dtype != tf.string else
              np.dtype(object))
    step_tensor = tf.cast(step, tf.int64)
    condition_tensor = tf.cast(condition, tf.bool) if tf.is_tensor(condition) else \
        tf.constant(True)

    def run(data_array, step_array, condition_array):
        return np.bool_(_emit(writer, tag, encode, data_array, step_array, condition_array))

    return tf.numpy_function(run, [tensor, step_tensor, condition_tensor], tf.bool)


def _numpy(value) -> np.ndarray:
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    if hasattr(value, "read_value"):
        return np.asarray(value.read_value().numpy())
    if isinstance(value, str):
        return np.array(value.encode("utf-8"), dtype=object)
    array = np.asarray(value)
    if array.dtype.kind == "U":
        return np.vectorize(lambda s: s.encode("utf-8"), otypes=[object])(array)
    return array


# -- write ---------------------------------------------------------------------------------
def write(tag, tensor, step=None, metadata=None, name=None):
    """Write `tensor` under `tag` with optional SummaryMetadata (`tf.summary.write`)."""
    metadata = _metadata_bytes(metadata)

    def encode(full_tag, array):
        return [proto.encode_summary_value(full_tag, np.asarray(array), metadata)]

    return _summary_op(tag, tensor, step, encode, scoped=False)


def write_raw_pb(tensor, step=None, name=None):
    """Write already-serialized Summary protos (a string tensor of any shape)."""
    import eagerflow as tf

    writer = current_writer()
    if writer is None or isinstance(writer, _NoopWriter):
        return tf.constant(False)

    def emit(array, step_value):
        ok = False
        for raw in np.asarray(array, dtype=object).reshape(-1):
            event = proto.encode_event(time.time(), _as_step(step_value), raw_summary=raw)
            ok = writer._write_event(event) or ok
        return np.bool_(ok)

    step = _step_or_default(step)
    if tf.executing_eagerly():
        return tf.constant(bool(emit(_numpy(tensor), _numpy(step))))
    return tf.numpy_function(emit, [tensor, tf.cast(step, tf.int64)], tf.bool)


# -- scalar --------------------------------------------------------------------------------
def _check_scalar(tag, shape, dtype) -> None:
    if shape is not None and tuple(shape) != ():
        raise ValueError(f"tf.summary.scalar {tag!r}: expected a scalar, saw shape "
                         f"{tuple(shape)}.")
    if dtype.kind not in "iufb":
        raise TypeError(f"tf.summary.scalar {tag!r}: data must be numeric, got {dtype}.")


def _data_summary(name, data, step, description, plugin: str, check, dtype):
    """A summary whose value is the data itself, checked by `check(tag, shape, dtype)` (when
    traced and again when it runs) and stored as a tensor of `dtype`."""
    metadata = proto.encode_metadata(plugin, description=description or "")

    def encode(tag, array):
        check(tag, np.shape(array), np.asarray(array).dtype)
        return [proto.encode_summary_value(tag, np.asarray(array, dtype=dtype), metadata)]

    return _summary_op(name, data, step, encode, check)


def scalar(name, data, step=None, description=None):
    """Write a scalar (float32 tensor, plugin "scalars"), as TF 2 does."""
    return _data_summary(name, data, step, description, "scalars", _check_scalar, np.float32)


# -- histogram -----------------------------------------------------------------------------
def histogram_buckets(data, bucket_count: int = DEFAULT_BUCKET_COUNT) -> np.ndarray:
    """TensorBoard's [k, 3] float64 rows (left edge, right edge, count) of `data`.

    k equal-width buckets spanning [min, max] (the last one closed); empty data gives
    k zero rows; a single distinct value gives k rows at that value, all counted last.
    """
    data = np.asarray(data, dtype=np.float64).reshape(-1)
    bucket_count = max(0, int(bucket_count))
    if data.size == 0 or bucket_count == 0:
        return np.zeros((bucket_count, 3), np.float64)
    low, high = data.min(), data.max()
    if not np.isfinite(low) or not np.isfinite(high):
        raise ValueError("tf.summary.histogram: data holds NaN or infinite values.")
    if low == high:
        out = np.zeros((bucket_count, 3), np.float64)
        out[:, :2] = high
        out[-1, 2] = data.size
        return out
    width = (high - low) / bucket_count
    indices = np.minimum(np.floor((data - low) / width).astype(np.int64), bucket_count - 1)
    counts = np.bincount(indices, minlength=bucket_count).astype(np.float64)
    edges = np.linspace(low, high, bucket_count + 1)
    edges[-1] = high
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def _check_numeric(tag, shape, dtype) -> None:
    if dtype.kind not in "iufb":
        raise TypeError(f"tf.summary {tag!r}: data must be numeric, got {dtype}.")


def histogram(name, data, step=None, buckets=None, description=None):
    """Write a histogram of `data` (float64 [k, 3], plugin "histograms"; k = buckets or 30)."""
    count = DEFAULT_BUCKET_COUNT if buckets is None else int(buckets)
    metadata = proto.encode_metadata("histograms", description=description or "")

    def encode(tag, array):
        return [proto.encode_summary_value(tag, histogram_buckets(array, count), metadata)]

    return _summary_op(name, data, step, encode, _check_numeric)


# -- text ----------------------------------------------------------------------------------
def _check_text(tag, shape, dtype) -> None:
    if dtype.kind not in "OSU":
        raise TypeError(f"tf.summary.text {tag!r}: data must be a string tensor, got {dtype}.")


def text(name, data, step=None, description=None):
    """Write a string tensor of any shape (plugin "text"; Markdown in TensorBoard)."""
    return _data_summary(name, data, step, description, "text", _check_text, object)


# -- image ---------------------------------------------------------------------------------
def _to_uint8(images: np.ndarray) -> np.ndarray:
    """TF's convert_image_dtype(..., uint8, saturate=True): floats in [0, 1] scale by 255.5."""
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind == "f":
        return np.clip(images.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
    if images.dtype.kind in "iu":
        scaled = images.astype(np.float64) / np.iinfo(images.dtype).max * 255.5
        return np.clip(scaled, 0, 255).astype(np.uint8)
    if images.dtype.kind == "b":
        return images.astype(np.uint8) * 255
    raise TypeError(f"tf.summary.image: images must be numeric, got {images.dtype}.")


def _check_image(tag, shape, dtype) -> None:
    _check_numeric(tag, shape, dtype)
    if shape is not None and (len(shape) != 4 or shape[-1] not in (1, 3, 4, None)):
        raise ValueError(f"tf.summary.image {tag!r}: expected images of shape [k, h, w, c] "
                         f"with c in (1, 3, 4), saw shape {tuple(shape)}.")


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    mode = {1: "L", 3: "RGB", 4: "RGBA"}[image.shape[-1]]
    picture = Image.fromarray(image[..., 0] if mode == "L" else image, mode=mode)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def image(name, data, step=None, max_outputs=3, description=None):
    """Write up to `max_outputs` images ([k, h, w, c]; PNG, plugin "images").

    The tensor written is [width, height, png_1, ..., png_n] as strings, TF 2's layout.
    """
    metadata = proto.encode_metadata("images", description=description or "")
    limit = max(0, int(max_outputs))

    def encode(tag, array):
        array = np.asarray(array)
        _check_image(tag, array.shape, array.dtype)
        pictures = _to_uint8(array[:limit])
        height, width = array.shape[1], array.shape[2]
        items = [str(width).encode(), str(height).encode()] + [_png(p) for p in pictures]
        tensor = np.empty(len(items), dtype=object)
        tensor[:] = items
        return [proto.encode_summary_value(tag, tensor, metadata)]

    return _summary_op(name, data, step, encode, _check_image)


# -- audio ---------------------------------------------------------------------------------
def _wav(clip: np.ndarray, sample_rate: int) -> bytes:
    samples = np.round(np.clip(clip, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(clip.shape[1])
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def audio(name, data, sample_rate, step=None, max_outputs=3, encoding=None, description=None):
    """Write up to `max_outputs` clips ([k, t, c] floats in [-1, 1]) as 16-bit WAV."""
    if encoding not in (None, "wav"):
        raise ValueError(f"tf.summary.audio: unknown encoding {encoding!r}; only 'wav'.")
    rate = int(np.asarray(sample_rate.numpy() if hasattr(sample_rate, "numpy")
                          else sample_rate))
    metadata = proto.encode_metadata("audio", content=b"\x10\x0b",
                                     description=description or "")

    def check(tag, shape, dtype):
        _check_numeric(tag, shape, dtype)
        if shape is not None and len(shape) != 3:
            raise ValueError(f"tf.summary.audio {tag!r}: expected audio of shape [k, t, c], "
                             f"saw shape {tuple(shape)}.")

    def encode(tag, array):
        array = np.asarray(array, dtype=np.float64)
        check(tag, array.shape, array.dtype)
        clips = array[:max(0, int(max_outputs))]
        tensor = np.empty((len(clips), 2), dtype=object)
        for row, clip in enumerate(clips):
            tensor[row] = (_wav(clip, rate), b"")
        return [proto.encode_summary_value(tag, tensor, metadata)]

    return _summary_op(name, data, step, encode, check)
