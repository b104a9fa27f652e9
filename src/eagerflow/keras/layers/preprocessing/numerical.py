"""Numerical preprocessing: Normalization (feature-wise standardization with adaptable
mean/variance), Discretization (bucketing by boundaries or adapted quantiles), Rescaling."""

from __future__ import annotations

import numpy as np

import eagerflow as tf
from eagerflow.core.shape import TensorShape
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.layers.preprocessing.base import (
    COUNT,
    INT,
    MULTI_HOT,
    ONE_HOT,
    PreprocessingLayer,
    check_output_mode,
    encode_array,
    encoded_shape,
    numpy_kernel,
)

__all__ = ["Normalization", "Discretization", "Rescaling"]

_EPSILON = 1e-7  # Keras's backend epsilon: the smallest standard deviation divided by


def _listify(value):
    if value is None:
        return None
    array = np.asarray(value)
    return array.tolist() if array.ndim else array.item()


class Normalization(PreprocessingLayer):
    """`(x - mean) / sqrt(variance)` per feature along `axis` (or the inverse, `invert=True`).

    The statistics are given (`mean=`, `variance=`) or computed by `adapt(data)`; adapted
    statistics are the non-trainable weights `mean`, `variance` and `count`.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        if 0 in axis:
            raise ValueError("The argument 'axis' may not be 0 (the batch axis). "
                             f"Received: axis={axis}")
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must "
                             f"be set. Got mean: {mean} and variance: {variance}")
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self._is_adapted = mean is not None

    def build(self, input_shape) -> None:
        dims = TensorShape(input_shape).as_list()
        ndim = len(dims)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Layer {self.name}: all `axis` values must be in the range "
                             f"[-ndim, ndim). Found ndim: `{ndim}`, axis: {self.axis}")
        self._keep_axis = sorted(a % ndim for a in self.axis)
        for a in self._keep_axis:
            if dims[a] is None:
                raise ValueError(f"Layer {self.name}: all `axis` values to be kept must have "
                                 f"known shape. Got axis: {self.axis}, input shape: {dims}, "
                                 f"with unknown axis at index: {a}")
        self._reduce_axis = tuple(a for a in range(ndim) if a not in self._keep_axis)
        self._broadcast_shape = [dims[a] if a in self._keep_axis else 1 for a in range(ndim)]
        shape = tuple(dims[a] for a in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", shape=shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight("variance", shape=shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight("count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
        else:
            ones = np.ones(shape)
            try:
                self._fixed_mean = (np.asarray(self.input_mean) * ones).reshape(
                    self._broadcast_shape).astype(self.dtype)
                self._fixed_variance = (np.asarray(self.input_variance) * ones).reshape(
                    self._broadcast_shape).astype(self.dtype)
            except ValueError as exc:
                raise ValueError(f"Layer {self.name}: `mean` and `variance` must broadcast to "
                                 f"the kept axes' shape {shape}. Received mean of shape "
                                 f"{np.shape(self.input_mean)} and variance of shape "
                                 f"{np.shape(self.input_variance)}.") from exc
        self.built = True

    # --- adapt ---------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        if self.input_mean is not None:
            raise ValueError(f"Layer {self.name} was given `mean` and `variance`; it cannot "
                             "also be adapted.")
        super().adapt(data, batch_size, steps)

    def reset_state(self) -> None:
        self._adapt_count = 0
        self._adapt_sum = None
        self._adapt_squares = None

    def update_state(self, data: np.ndarray) -> None:
        data = np.asarray(data, dtype=np.float64)
        if not self.built:
            self._maybe_build(TensorShape([None] + list(data.shape[1:])))
        if data.ndim != len(self._broadcast_shape):
            raise ValueError(f"Layer {self.name} expects data of rank "
                             f"{len(self._broadcast_shape)} to adapt on; received shape "
                             f"{data.shape}.")
        count = int(np.prod([data.shape[a] for a in self._reduce_axis]))
        mean = data.mean(axis=self._reduce_axis)
        squares = ((data - data.mean(axis=self._reduce_axis, keepdims=True)) ** 2).sum(
            axis=self._reduce_axis)
        if self._adapt_sum is None:
            self._adapt_count, self._adapt_sum, self._adapt_squares = count, mean, squares
            return
        # Chan et al.'s pairwise merge of (count, mean, sum of squared deviations).
        total = self._adapt_count + count
        delta = mean - self._adapt_sum
        self._adapt_squares = (self._adapt_squares + squares +
                               delta ** 2 * self._adapt_count * count / total)
        self._adapt_sum = self._adapt_sum + delta * count / total
        self._adapt_count = total

    def finalize_state(self) -> None:
        if self._adapt_sum is None:
            return
        self.adapt_mean.assign(self._adapt_sum.astype(self.dtype))
        self.adapt_variance.assign((self._adapt_squares / self._adapt_count).astype(self.dtype))
        self.count.assign(np.int64(self._adapt_count))

    # --- call ----------------------------------------------------------------------------------
    @property
    def mean(self):
        if self.input_mean is not None:
            return tf.constant(self._fixed_mean)
        return tf.reshape(self.adapt_mean, self._broadcast_shape)

    @property
    def variance(self):
        if self.input_variance is not None:
            return tf.constant(self._fixed_variance)
        return tf.reshape(self.adapt_variance, self._broadcast_shape)

    def call(self, inputs):
        if inputs.dtype != tf.as_dtype(self.dtype):
            inputs = tf.cast(inputs, self.dtype)
        scale = tf.maximum(tf.sqrt(self.variance), _EPSILON)
        if self.invert:
            return self.mean + inputs * scale
        return (inputs - self.mean) / scale

    def compute_output_shape(self, input_shape):
        return TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axis": list(self.axis), "invert": self.invert,
                       "mean": _listify(self.input_mean),
                       "variance": _listify(self.input_variance)})
        return config


class Discretization(PreprocessingLayer):
    """Bucket index of each value: `i` where `boundaries[i-1] <= x < boundaries[i]`.

    Boundaries are given or adapted as `num_bins` quantiles of the data (exact quantiles,
    lower value; tf.keras uses an approximate quantile summary within `epsilon`).
    """

    def __init__(self, bin_boundaries=None, num_bins: int | None = None, epsilon: float = 0.01,
                 output_mode: str = INT, sparse: bool = False, **kwargs) -> None:
        if "dtype" not in kwargs or kwargs["dtype"] is None:
            kwargs["dtype"] = "int64" if output_mode == INT else "float32"
        super().__init__(**kwargs)
        check_output_mode(self.name, output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT))
        if sparse:
            raise ValueError(f"Layer {self.name}: `sparse=True` needs tf.SparseTensor, which "
                             "eagerflow does not have; use sparse=False.")
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. "
                             f"You passed `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None and \
                len(bin_boundaries) != num_bins - 1:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. You "
                             f"passed `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else []
        self._is_adapted = bin_boundaries is not None

    def reset_state(self) -> None:
        self._adapt_values = []

    def update_state(self, data: np.ndarray) -> None:
        if self.num_bins is None:
            raise ValueError(f"Layer {self.name}: `num_bins` must be set to adapt the bin "
                             "boundaries.")
        self._adapt_values.append(np.asarray(data, dtype=np.float64).ravel())

    def finalize_state(self) -> None:
        values = np.concatenate(self._adapt_values) if self._adapt_values else np.zeros(0)
        if values.size == 0:
            raise ValueError(f"Layer {self.name}: cannot adapt on empty data.")
        quantiles = np.arange(1, self.num_bins) / self.num_bins
        self.bin_boundaries = np.quantile(values, quantiles, method="lower").tolist()

    def _kernel(self, values: np.ndarray) -> np.ndarray:
        ids = np.searchsorted(np.asarray(self.bin_boundaries, dtype=np.float64),
                              values.astype(np.float64), side="right").astype(np.int64)
        if self.output_mode == INT:
            return ids
        return encode_array(ids, self.output_mode, len(self.bin_boundaries) + 1,
                            dtype=np.dtype(self.dtype))

    def call(self, inputs):
        shape = encoded_shape(inputs.shape, self.output_mode, self._depth(), self.name)
        return numpy_kernel(self._kernel, [inputs], tf.as_dtype(self.dtype), shape)

    def _depth(self) -> int:
        if self.num_bins is not None:
            return self.num_bins
        return len(self.bin_boundaries) + 1

    def compute_output_shape(self, input_shape):
        return TensorShape(encoded_shape(input_shape, self.output_mode, self._depth(),
                                         self.name))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"bin_boundaries": (list(self.bin_boundaries) if self._is_adapted
                                          else None),
                       "num_bins": self.num_bins, "epsilon": self.epsilon,
                       "output_mode": self.output_mode, "sparse": self.sparse})
        return config


class Rescaling(Layer):
    """`inputs * scale + offset` (e.g. `Rescaling(1 / 255)` maps pixels to [0, 1])."""

    def __init__(self, scale, offset=0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = tf.as_dtype(self.dtype)
        if inputs.dtype != dtype:
            inputs = tf.cast(inputs, dtype)
        scale = tf.constant(np.asarray(self.scale, dtype=dtype.as_numpy_dtype))
        offset = tf.constant(np.asarray(self.offset, dtype=dtype.as_numpy_dtype))
        return inputs * scale + offset

    def compute_output_shape(self, input_shape):
        return TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"scale": _listify(self.scale), "offset": _listify(self.offset)})
        return config
