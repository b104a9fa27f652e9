"""What the preprocessing layers share: `adapt` over arrays, tensors or datasets, NumPy kernels
run as ops (so they work eagerly, in tf.function and in tf.data map), and the one-hot /
multi-hot / count / tf-idf encoding of integer ids."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

import eagerflow as tf
from eagerflow.core.shape import TensorShape
from eagerflow.keras.layers.layer import Layer

__all__ = ["PreprocessingLayer"]

INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF = "int", "one_hot", "multi_hot", "count", "tf_idf"


class PreprocessingLayer(Layer):
    """Base of layers with state computed from data by `adapt` (vocabularies, statistics)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._is_adapted = False

    def _convert_inputs(self, inputs):
        """A list of strings or numbers is one input tensor here, not a list of inputs."""
        if isinstance(inputs, (list, tuple)) and not any(
                isinstance(item, tf.Tensor) for item in tf.nest.flatten(inputs)):
            inputs = tf.convert_to_tensor(inputs)
        return super()._convert_inputs(inputs)

    @property
    def is_adapted(self) -> bool:
        """Whether `adapt` has run (or the state was given at construction)."""
        return self._is_adapted

    def adapt(self, data, batch_size: int | None = None, steps: int | None = None) -> None:
        """Compute the layer's state from `data`: a NumPy array, a list, a tensor or a
        tf.data.Dataset (of batches). `steps` limits how many dataset batches are read."""
        self.reset_state()
        for batch in iterate_batches(data, batch_size, steps, self.name):
            self.update_state(batch)
        self.finalize_state()
        self._is_adapted = True

    def reset_state(self) -> None:
        """Forget what earlier `adapt` calls accumulated."""

    def update_state(self, data: np.ndarray) -> None:
        raise NotImplementedError(f"{type(self).__name__} has no state to adapt.")

    def finalize_state(self) -> None:
        """Turn the accumulated statistics into the layer's state."""


def to_numpy(value) -> np.ndarray:
    """A batch as a NumPy array (strings as an object array of bytes or str)."""
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    array = np.asarray(value)
    if array.dtype.kind == "U":
        return array.astype(object)
    return array


def iterate_batches(data, batch_size: int | None, steps: int | None,
                    layer_name: str) -> Iterator[np.ndarray]:
    """The batches of `data` as NumPy arrays (a dataset yielding (x, y) pairs gives x)."""
    if isinstance(data, tf.data.Dataset):
        if batch_size is not None:
            raise ValueError(f"Layer {layer_name}: `batch_size` must be None when adapting on "
                             "a tf.data.Dataset (the dataset's own batches are used).")
        for step, element in enumerate(data):
            if steps is not None and step >= steps:
                break
            if isinstance(element, (tuple, list)):
                element = element[0]
            yield to_numpy(element)
        return
    if isinstance(data, dict) or data is None:
        raise TypeError(f"Layer {layer_name}: `adapt` takes a NumPy array, a list, a tensor or "
                        f"a tf.data.Dataset. Received: {type(data).__name__}")
    array = to_numpy(data)
    if batch_size is None or array.ndim == 0:
        yield array
        return
    count = 0
    for start in range(0, len(array), batch_size):
        if steps is not None and count >= steps:
            break
        yield array[start:start + batch_size]
        count += 1


def numpy_kernel(function: Callable, inputs: list, dtype, shape) -> tf.Tensor:
    """`function(*arrays)` run as an op (eager, compiled or in tf.data), with static `shape`.

    A ValueError of the kernel (bad ids, unknown tokens) surfaces as TF's
    InvalidArgumentError; eagerly, with the kernel's message alone (no inner traceback)."""
    try:
        output = tf.numpy_function(function, inputs, dtype)
    except tf.errors.InvalidArgumentError as error:
        cause = error.__cause__
        if isinstance(cause, (ValueError, TypeError)):
            raise tf.errors.InvalidArgumentError(None, None, str(cause)) from cause
        raise
    return tf.ensure_shape(output, TensorShape(shape))


def check_output_mode(layer_name: str, output_mode: str, allowed: tuple) -> None:
    if output_mode not in allowed:
        raise ValueError(f"Layer {layer_name}: unknown `output_mode`. Expected one of "
                         f"{list(allowed)}. Received: output_mode={output_mode!r}")


def encoded_shape(input_shape, output_mode: str, depth: int, layer_name: str) -> list:
    """Static output shape of `encode_categorical` (the batch axis kept, ids become `depth`)."""
    dims = TensorShape(input_shape).as_list()
    if output_mode == INT:
        return dims
    if len(dims) == 0:
        return [depth]
    if output_mode == ONE_HOT and dims[-1] != 1:
        dims = dims + [1]
    if len(dims) > 2:
        raise ValueError(f"Layer {layer_name}: when output_mode is not 'int', the maximum "
                         f"supported output rank is 2. Received output_mode={output_mode!r} "
                         f"and input shape {TensorShape(input_shape)}, which would give output "
                         f"rank {len(dims)}.")
    return [depth] if len(dims) == 1 else [dims[0], depth]


def encode_array(ids: np.ndarray, output_mode: str, depth: int, count_weights=None,
                 idf_weights=None, dtype=np.float32) -> np.ndarray:
    """NumPy encoding of integer ids: one_hot / multi_hot / count (optionally weighted) /
    tf_idf; rows of a 2-D input are samples, a 1-D input is one sample (or, for one_hot,
    one id per sample)."""
    ids = np.asarray(ids)
    if ids.ndim == 0:
        ids = ids.reshape(1)
    if output_mode == ONE_HOT and ids.shape[-1] != 1:
        ids = ids[..., None]
    squeeze = ids.ndim == 1
    rows = ids.reshape(1, -1) if squeeze else ids
    out = np.zeros((rows.shape[0], depth), dtype=dtype)
    weights = None
    if count_weights is not None:
        weights = np.asarray(count_weights, dtype=dtype).reshape(rows.shape)
    for row in range(rows.shape[0]):
        keep = (rows[row] >= 0) & (rows[row] < depth)  # a dropped (mask) id is -1
        out[row] = np.bincount(rows[row][keep], minlength=depth,
                               weights=None if weights is None else weights[row][keep])[:depth]
    if output_mode in (ONE_HOT, MULTI_HOT):
        out = np.minimum(out, 1).astype(dtype)
    if output_mode == TF_IDF:
        out = out * np.asarray(idf_weights, dtype=dtype)
    return out[0] if squeeze else out


def check_id_range(ids: np.ndarray, depth: int) -> None:
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        raise ValueError(f"Input values must be in the range 0 <= values < num_tokens with "
                         f"num_tokens={depth}. Received values from {ids.min()} to "
                         f"{ids.max()}.")
