"""Categorical preprocessing without a vocabulary: CategoryEncoding (ids to one-hot,
multi-hot or count vectors) and Hashing (strings or integers to hash buckets)."""

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
    check_id_range,
    check_output_mode,
    encode_array,
    encoded_shape,
    numpy_kernel,
    to_numpy,
)
from eagerflow.keras.layers.preprocessing.string_hash import hash_buckets

__all__ = ["CategoryEncoding", "Hashing"]


def _refuse_sparse(layer_name: str, sparse: bool) -> None:
    if sparse:
        raise ValueError(f"Layer {layer_name}: `sparse=True` needs tf.SparseTensor, which "
                         "eagerflow does not have; use sparse=False.")


class CategoryEncoding(Layer):
    """Integer ids in `[0, num_tokens)` to dense vectors of length `num_tokens`.

    `one_hot`: one vector per id; `multi_hot`: 1 where an id occurs in the sample; `count`:
    how often each id occurs (weighted by `count_weights` when given).
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = MULTI_HOT,
                 sparse: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        check_output_mode(self.name, output_mode, (ONE_HOT, MULTI_HOT, COUNT))
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        _refuse_sparse(self.name, sparse)
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = sparse

    def _kernel(self, ids, weights=None):
        ids = np.asarray(ids)
        if ids.dtype.kind == "f":
            ids = ids.astype(np.int64)
        check_id_range(ids, self.num_tokens)
        return encode_array(ids, self.output_mode, self.num_tokens, count_weights=weights,
                            dtype=np.dtype(self.dtype))

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != COUNT:
            raise ValueError("`count_weights` is not used when `output_mode` is not "
                             f"`'count'`. Received `count_weights={count_weights}`.")
        shape = encoded_shape(inputs.shape, self.output_mode, self.num_tokens, self.name)
        arguments = [inputs] if count_weights is None else [
            inputs, tf.convert_to_tensor(to_numpy(count_weights).astype(self.dtype))
            if not isinstance(count_weights, tf.Tensor) else count_weights]
        return numpy_kernel(self._kernel, arguments, tf.as_dtype(self.dtype), shape)

    def compute_output_shape(self, input_shape):
        return TensorShape(encoded_shape(input_shape, self.output_mode, self.num_tokens,
                                         self.name))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config


class Hashing(Layer):
    """Strings or integers to `num_bins` hash buckets, with TensorFlow's hashes.

    Without `salt` the bucket is FarmHash Fingerprint64 mod `num_bins` (TF's
    `to_hash_bucket_fast`); with `salt` it is SipHash-2-4 keyed by the salt
    (`to_hash_bucket_strong`). Integers hash as their decimal text, as in tf.keras.
    `mask_value` maps to 0 and the other values to buckets 1..num_bins-1.
    """

    def __init__(self, num_bins: int, mask_value=None, salt=None, output_mode: str = INT,
                 sparse: bool = False, **kwargs) -> None:
        if "dtype" not in kwargs or kwargs["dtype"] is None:
            kwargs["dtype"] = "int64" if output_mode == INT else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        check_output_mode(self.name, output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT))
        _refuse_sparse(self.name, sparse)
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of "
                                 f"size 2 integers, or a single integer. Received: salt={salt}.")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = salt
        self.output_mode = output_mode
        self.sparse = sparse

    def _hash(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values)
        if values.dtype.kind == "f":
            raise ValueError(f"Layer {self.name}: Hashing takes strings or integers; "
                             f"received {values.dtype} values. Cast them first.")
        buckets = self.num_bins - (1 if self.mask_value is not None else 0)
        hashed = hash_buckets(values, buckets, None if self.salt is None else tuple(self.salt))
        if self.mask_value is None:
            return hashed
        mask_value = self.mask_value
        if values.dtype == object and isinstance(mask_value, str):
            mask_value = mask_value.encode("utf-8")
        return np.where(values == mask_value, 0, hashed + 1).astype(np.int64)

    def _kernel(self, values):
        ids = self._hash(values)
        if self.output_mode == INT:
            return ids
        return encode_array(ids, self.output_mode, self.num_bins, dtype=np.dtype(self.dtype))

    def call(self, inputs):
        shape = encoded_shape(inputs.shape, self.output_mode, self.num_bins, self.name)
        return numpy_kernel(self._kernel, [inputs], tf.as_dtype(self.dtype), shape)

    def compute_output_shape(self, input_shape):
        return TensorShape(encoded_shape(input_shape, self.output_mode, self.num_bins,
                                         self.name))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
