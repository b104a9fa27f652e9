"""Vocabulary lookups: StringLookup and IntegerLookup map tokens to indices (or back, with
`invert=True`) and can encode them as one-hot / multi-hot / count / tf-idf vectors.

Index layout, as in tf.keras: `[mask_token]` (int output only) + `num_oov_indices` OOV slots +
the vocabulary. The vocabulary is given as a list or computed by `adapt` (most frequent
first), and is stored in the layer's config so that saved models carry it; a vocabulary file
path is never read from a config (a loaded file must not make the loader read other files).
"""

from __future__ import annotations

import numpy as np

import eagerflow as tf
from eagerflow.core.shape import TensorShape
from eagerflow.keras.layers.preprocessing.base import (
    COUNT,
    INT,
    MULTI_HOT,
    ONE_HOT,
    TF_IDF,
    PreprocessingLayer,
    check_output_mode,
    encode_array,
    encoded_shape,
    numpy_kernel,
)
from eagerflow.keras.layers.preprocessing.string_hash import hash_buckets

__all__ = ["StringLookup", "IntegerLookup"]


class IndexLookup(PreprocessingLayer):
    """The shared machinery of StringLookup and IntegerLookup (tokens are `str` or `int`)."""

    _token_kind = "string"

    def __init__(self, max_tokens=None, num_oov_indices: int = 1, mask_token=None,
                 oov_token=None, vocabulary=None, idf_weights=None, invert: bool = False,
                 output_mode: str = INT, sparse: bool = False, pad_to_max_tokens: bool = False,
                 vocabulary_size=None, **kwargs) -> None:
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = (self._inverted_dtype() if invert else
                               "int64" if output_mode == INT else "float32")
        super().__init__(**kwargs)
        check_output_mode(self.name, output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF))
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("`num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if invert and output_mode != INT:
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if sparse:
            raise ValueError(f"Layer {self.name}: `sparse=True` needs tf.SparseTensor, which "
                             "eagerflow does not have; use sparse=False.")
        if output_mode == TF_IDF and vocabulary is not None and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf' and a "
                             "vocabulary is given.")
        if idf_weights is not None and output_mode != TF_IDF:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={output_mode} and "
                             f"idf_weights={idf_weights}")
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = invert
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self._tokens: list = []
        self._idf_weights = None
        self._has_input_vocabulary = False
        self._rebuild_tables()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # --- token kinds (strings here; IntegerLookup overrides) -----------------------------------
    def _inverted_dtype(self) -> str:
        return "string"

    def _key(self, token):
        """The dictionary key of a token as it arrives in an array (bytes for strings)."""
        if isinstance(token, bytes):
            return token
        return str(token).encode("utf-8")

    def _token(self, value):
        """A vocabulary entry in its Python form (str for strings)."""
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    def _oov_hash(self, values: np.ndarray) -> np.ndarray:
        return hash_buckets(values, self.num_oov_indices)

    def _output_token_array(self, tokens: list) -> np.ndarray:
        return np.array([self._key(t) for t in tokens] + [b""], dtype=object)[:-1]

    # --- the index layout ------------------------------------------------------------------------
    @property
    def _mask_slots(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == INT else 0

    def _special_tokens(self) -> list:
        return [self.mask_token] * self._mask_slots + [self.oov_token] * self.num_oov_indices

    def vocabulary_size(self) -> int:
        """Number of indices: special tokens (mask, OOV) plus the vocabulary."""
        return self._mask_slots + self.num_oov_indices + len(self._tokens)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary, index order; with the mask and OOV tokens first unless told not."""
        if include_special_tokens:
            return self._special_tokens() + list(self._tokens)
        return list(self._tokens)

    def _depth(self) -> int:
        if self.pad_to_max_tokens and self.max_tokens is not None:
            return self.max_tokens
        return self.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Replace the vocabulary (a list of tokens, or a file with one token per line)."""
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        vocabulary = [self._token(v) for v in (vocabulary.numpy() if hasattr(
            vocabulary, "numpy") else np.asarray(vocabulary, dtype=object)).ravel().tolist()]
        specials = self._special_tokens()
        has_specials = len(specials) > 0 and vocabulary[:len(specials)] == specials
        tokens = vocabulary[len(specials):] if has_specials else vocabulary
        seen, repeated = set(), []
        for token in tokens:
            if token in seen:
                repeated.append(token)
            seen.add(token)
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are {repeated}")
        for special, what in ((self.mask_token, "mask"), (self.oov_token, "OOV")):
            if special is not None and special in seen and (what == "OOV" or self._mask_slots):
                raise ValueError(f"Found reserved {what} token at unexpected location in "
                                 "`vocabulary`. Note that passed `vocabulary` does not need to "
                                 "include the OOV and mask tokens. Either remove all mask and "
                                 "OOV tokens, or include them only at the start of the "
                                 f"vocabulary in precisely this order: {specials}. Received: "
                                 f"mask_token={self.mask_token}, oov_token={self.oov_token}, "
                                 f"vocabulary={vocabulary}")
        size = len(specials) + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab "
                             f"size. Passed vocab size is {size}, max vocab size is "
                             f"{self.max_tokens}.")
        if self.output_mode == TF_IDF:
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
            idf_weights = np.asarray(idf_weights, dtype=np.float64).ravel()
            if has_specials:
                idf_weights = idf_weights[len(specials):]
            if len(idf_weights) != len(tokens):
                raise ValueError("`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(idf_weights)}; len(vocabulary) "
                                 f"is {len(tokens)}")
            self._idf_weights = idf_weights
        self._tokens = tokens
        self._rebuild_tables()
        self._is_adapted = True
        self._has_input_vocabulary = True

    def _read_vocabulary_file(self, path: str) -> list:
        if getattr(self, "_from_config", False):
            raise ValueError(f"Layer {self.name}: a vocabulary file path ({path!r}) in a "
                             "config is refused: loading a model must not read other files. "
                             "Save the layer with its vocabulary as a list.")
        with open(path, encoding="utf-8") as handle:
            return [line.rstrip("\n") for line in handle]

    def _rebuild_tables(self) -> None:
        """The key -> index dictionary, the index -> token array and the full idf vector."""
        start = self._mask_slots + self.num_oov_indices
        index = {self._key(t): start + i for i, t in enumerate(self._tokens)}
        if self.mask_token is not None:
            index[self._key(self.mask_token)] = 0 if self._mask_slots else -1
        self._index = index
        self._inverse = self._output_token_array(self.get_vocabulary())
        if self._idf_weights is not None:
            oov_weight = float(np.mean(self._idf_weights)) if len(self._idf_weights) else 0.0
            weights = np.concatenate([np.full(self.num_oov_indices, oov_weight),
                                      self._idf_weights])
            self._full_idf = np.pad(weights, (0, max(0, self._depth() - len(weights))))
        else:
            self._full_idf = None

    # --- adapt ---------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt {type(self).__name__} layer {self.name} after "
                             "setting a static vocabulary via init argument or "
                             "`set_vocabulary`.")
        super().adapt(data, batch_size, steps)

    def reset_state(self) -> None:
        self._counts: dict = {}
        self._document_counts: dict = {}
        self._documents = 0

    def update_state(self, data: np.ndarray) -> None:
        data = np.asarray(data, dtype=object) if self._token_kind == "string" else \
            np.asarray(data)
        skip = {self._key(t) for t in (self.mask_token, self.oov_token) if t is not None}
        for value in data.ravel().tolist():
            key = self._key(value)
            if key not in skip:
                self._counts[key] = self._counts.get(key, 0) + 1
        if self.output_mode == TF_IDF:
            # Rows are documents; a 1-D batch is a single document (as in tf.keras).
            documents = data.reshape(1, -1) if data.ndim <= 1 else \
                data.reshape(data.shape[0], -1)
            for row in documents:
                for key in {self._key(v) for v in row.tolist()} - skip:
                    self._document_counts[key] = self._document_counts.get(key, 0) + 1
            self._documents += len(documents)

    def finalize_state(self) -> None:
        # Most frequent first; ties in descending token order (as tf.keras sorts).
        ordered = sorted(self._counts.items(), key=lambda item: (item[1], self._sort_key(
            item[0])), reverse=True)
        tokens = [self._token(key) for key, _ in ordered]
        if self.max_tokens is not None:
            tokens = tokens[:max(0, self.max_tokens - len(self._special_tokens()))]
        if self.output_mode == TF_IDF:
            frequency = np.array([self._document_counts.get(self._key(t), 0) for t in tokens],
                                 dtype=np.float64)
            self._idf_weights = np.log(1.0 + self._documents / (1.0 + frequency))
        self._tokens = tokens
        self._rebuild_tables()

    def _sort_key(self, key):
        return key

    # --- call ----------------------------------------------------------------------------------
    def _lookup(self, values: np.ndarray) -> np.ndarray:
        flat = values.ravel().tolist()
        index = self._index
        ids = np.fromiter((index.get(self._key(v), -2) for v in flat), dtype=np.int64,
                          count=len(flat))
        missing = ids == -2
        if missing.any():
            if self.num_oov_indices == 0:
                found = sorted({self._token(v) for v, m in zip(flat, missing) if m})
                raise ValueError("When `num_oov_indices=0` all inputs should be in "
                                 f"vocabulary, found OOV values {found}, consider setting "
                                 "`num_oov_indices=1`.")
            start = self._mask_slots
            if self.num_oov_indices == 1:
                ids[missing] = start
            else:
                oov_values = np.array([flat[i] for i in np.flatnonzero(missing)],
                                      dtype=values.dtype)
                ids[missing] = start + self._oov_hash(oov_values)
        return ids.reshape(values.shape)

    def _invert(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids).astype(np.int64)
        inside = (ids >= 0) & (ids < len(self._inverse))
        oov = self._output_token_array([self.oov_token])[0]
        out = np.full(ids.shape, oov, dtype=self._inverse.dtype)
        out[inside] = self._inverse[ids[inside]]
        return out

    def _kernel(self, values):
        values = np.asarray(values)
        if self.invert:
            return self._invert(values)
        ids = self._lookup(values)
        if self.output_mode == INT:
            return ids
        return encode_array(ids, self.output_mode, self._depth(), idf_weights=self._full_idf,
                            dtype=np.dtype(self.dtype))

    def call(self, inputs):
        if self.output_mode == TF_IDF and self._full_idf is None:
            raise ValueError(f"Layer {self.name}: output_mode='tf_idf' needs idf weights; "
                             "call `adapt()` or pass `vocabulary` and `idf_weights` first.")
        self._check_input_dtype(inputs)
        shape = encoded_shape(inputs.shape, self.output_mode, self._depth(), self.name)
        return numpy_kernel(self._kernel, [inputs], tf.as_dtype(self.dtype), shape)

    def _check_input_dtype(self, inputs) -> None:
        wanted_string = self._token_kind == "string" and not self.invert
        if wanted_string != (inputs.dtype == tf.string):
            raise TypeError(f"Layer {self.name} ({type(self).__name__}, invert="
                            f"{self.invert}) expects "
                            f"{'string' if wanted_string else 'integer'} inputs; received "
                            f"dtype {inputs.dtype.name}.")

    def compute_output_shape(self, input_shape):
        return TensorShape(encoded_shape(input_shape, self.output_mode, self._depth(),
                                         self.name))

    # --- .keras assets (how tf.keras / Keras 3 store an adapted vocabulary) --------------------
    def save_assets(self, dir_path: str) -> None:
        """Write `vocabulary.txt` (special tokens included, one per line) into `dir_path`, as
        Keras does for an adapted vocabulary (eagerflow's configs also carry it)."""
        import os

        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as handle:
            handle.write("\n".join(str(token) for token in self.get_vocabulary()))

    def load_assets(self, dir_path: str) -> None:
        """Read the vocabulary a Keras `.keras` file keeps in its assets (`vocabulary.txt`),
        unless the config already gave one. `dir_path` is inside the extracted archive."""
        import os

        if self._has_input_vocabulary:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()  # as Keras reads it: any line ending
        while lines and lines[-1] == "":
            lines.pop()  # a final newline adds no token
        values = [self._token(line) for line in lines if self._token_kind == "string" or
                  line.strip()]
        if self.output_mode == TF_IDF:
            specials = len(self._special_tokens())
            tokens = values[specials:] if values[:specials] == self._special_tokens() else values
            if self._idf_weights is None or len(self._idf_weights) != len(tokens):
                raise ValueError(f"Layer {self.name}: the file's vocabulary has "
                                 f"{len(tokens)} tokens but no matching idf weights; "
                                 "tf_idf lookups must be saved with their idf_weights.")
            self.set_vocabulary(values, self._idf_weights)
        else:
            self.set_vocabulary(values)

    # --- config --------------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary": list(self._tokens) if self._is_adapted else None,
            "idf_weights": (self._idf_weights.tolist() if self._idf_weights is not None
                            else None),
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("vocabulary"), str):
            raise ValueError(f"{cls.__name__}: the config names a vocabulary file "
                             f"({config['vocabulary']!r}); loading a model must not read "
                             "other files, so this is refused. Save the vocabulary as a list.")
        config.pop("vocabulary_size", None)
        return super().from_config(config)


class StringLookup(IndexLookup):
    """Strings to integer indices (or indices back to strings with `invert=True`).

    >>> layer = tf.keras.layers.StringLookup(vocabulary=["a", "b", "c"])
    >>> layer([["a", "c", "z"]])  # [[1, 3, 0]]: 0 is the OOV index
    """

    _token_kind = "string"

    def __init__(self, max_tokens=None, num_oov_indices: int = 1, mask_token=None,
                 oov_token: str = "[UNK]", vocabulary=None, idf_weights=None,
                 encoding: str = "utf-8", invert: bool = False, output_mode: str = INT,
                 sparse: bool = False, pad_to_max_tokens: bool = False, **kwargs) -> None:
        # Set before Layer.__init__: the base class reads it to store the vocabulary.
        object.__setattr__(self, "encoding", encoding)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _key(self, token):
        if isinstance(token, bytes):
            return token
        return str(token).encode(self.encoding)

    def _token(self, value):
        return value.decode(self.encoding) if isinstance(value, bytes) else str(value)

    def get_config(self) -> dict:
        config = super().get_config()
        config["encoding"] = self.encoding
        return config


class IntegerLookup(IndexLookup):
    """Integers (ids, codes) to contiguous indices (or back with `invert=True`).

    >>> layer = tf.keras.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    >>> layer([[12, 1138, 42], [42, 1000, 36]])  # [[1, 3, 4], [4, 0, 2]]
    """

    _token_kind = "int"

    def __init__(self, max_tokens=None, num_oov_indices: int = 1, mask_token=None,
                 oov_token: int = -1, vocabulary=None, vocabulary_dtype: str = "int64",
                 idf_weights=None, invert: bool = False, output_mode: str = INT,
                 sparse: bool = False, pad_to_max_tokens: bool = False, **kwargs) -> None:
        if vocabulary_dtype not in ("int32", "int64"):
            raise ValueError("`vocabulary_dtype` must be 'int32' or 'int64'. Received: "
                             f"vocabulary_dtype={vocabulary_dtype}")
        # Set before Layer.__init__: the base class reads it to choose the inverted dtype.
        object.__setattr__(self, "vocabulary_dtype", vocabulary_dtype)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=None if mask_token is None else int(mask_token),
                         oov_token=int(oov_token), vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _inverted_dtype(self) -> str:
        return self.vocabulary_dtype

    def _key(self, token):
        return int(token)

    def _token(self, value):
        return int(value)

    def _oov_hash(self, values: np.ndarray) -> np.ndarray:
        return np.mod(values.astype(np.int64), self.num_oov_indices)

    def _output_token_array(self, tokens: list) -> np.ndarray:
        return np.array(tokens, dtype=self.vocabulary_dtype)

    def _read_vocabulary_file(self, path: str) -> list:
        return [int(line) for line in super()._read_vocabulary_file(path) if line.strip()]

    def _check_input_dtype(self, inputs) -> None:
        if not (inputs.dtype.is_integer or self.invert and inputs.dtype.is_integer):
            raise TypeError(f"Layer {self.name} (IntegerLookup) expects integer inputs; "
                            f"received dtype {inputs.dtype.name}.")

    def get_config(self) -> dict:
        config = super().get_config()
        config["vocabulary_dtype"] = self.vocabulary_dtype
        return config
