"""TextVectorization: raw strings to token indices or bag-of-words vectors
(standardize -> split -> n-grams -> vocabulary lookup -> pad or encode), with `adapt`."""

from __future__ import annotations

import re

import numpy as np

import eagerflow as tf
from eagerflow.core.shape import TensorShape
from eagerflow.keras.layers.preprocessing.base import (
    COUNT,
    INT,
    MULTI_HOT,
    TF_IDF,
    PreprocessingLayer,
    check_output_mode,
    encode_array,
    numpy_kernel,
)
from eagerflow.keras.layers.preprocessing.lookup import StringLookup

__all__ = ["TextVectorization"]

LOWER_AND_STRIP_PUNCTUATION = "lower_and_strip_punctuation"
STRIP_PUNCTUATION = "strip_punctuation"
LOWER = "lower"
WHITESPACE = "whitespace"
CHARACTER = "character"
# The characters tf.keras strips (its DEFAULT_STRIP_REGEX).
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')


def _callable_config(value):
    if value is None or isinstance(value, str):
        return value
    from eagerflow.keras.saving.object_registration import get_registered_name

    return get_registered_name(value)


class TextVectorization(PreprocessingLayer):
    """Turns a batch of strings into token ids (`output_mode="int"`) or into one vector per
    string (`"multi_hot"`, `"count"`, `"tf_idf"`).

    `standardize`: None, "lower_and_strip_punctuation", "lower", "strip_punctuation" or a
    callable (string tensor -> string tensor). `split`: None, "whitespace", "character" or a
    callable (one standardized `str` -> list of tokens). `ngrams`: None, n (all 1..n-grams)
    or a tuple of sizes. The vocabulary ("" = padding at 0, "[UNK]" at 1 for int output) is
    given or learned by `adapt`.
    """

    def __init__(self, max_tokens=None, standardize=LOWER_AND_STRIP_PUNCTUATION,
                 split=WHITESPACE, ngrams=None, output_mode: str = INT,
                 output_sequence_length: int | None = None, pad_to_max_tokens: bool = False,
                 vocabulary=None, idf_weights=None, sparse: bool = False, ragged: bool = False,
                 encoding: str = "utf-8", vocabulary_size=None, **kwargs) -> None:
        kwargs.setdefault("dtype", "string")
        if kwargs["dtype"] is None:
            kwargs["dtype"] = "string"
        super().__init__(**kwargs)
        check_output_mode(self.name, output_mode, (INT, MULTI_HOT, COUNT, TF_IDF))
        if isinstance(standardize, str) and standardize not in (
                LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION):
            raise ValueError(f"Layer {self.name}: unknown `standardize` {standardize!r}; use "
                             "None, 'lower_and_strip_punctuation', 'lower', "
                             "'strip_punctuation' or a callable.")
        if isinstance(split, str) and split not in (WHITESPACE, CHARACTER):
            raise ValueError(f"Layer {self.name}: unknown `split` {split!r}; use None, "
                             "'whitespace', 'character' or a callable.")
        if isinstance(ngrams, int) and not isinstance(ngrams, bool):
            if ngrams < 1:
                raise ValueError(f"Layer {self.name}: `ngrams` must be None, an integer >= 1 "
                                 f"or a tuple of integers. Received: ngrams={ngrams}")
        elif ngrams is not None:
            ngrams = tuple(int(n) for n in ngrams)
        if output_sequence_length is not None and output_mode != INT:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is "
                             f"not 'int'. Received output_sequence_length="
                             f"{output_sequence_length}.")
        if ragged or sparse:
            raise ValueError(f"Layer {self.name}: `ragged=True` / `sparse=True` need "
                             "tf.RaggedTensor / tf.SparseTensor, which eagerflow does not "
                             "have; use the defaults (dense, padded output).")
        self.max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams = ngrams
        self._ngram_sizes = (tuple(range(1, ngrams + 1)) if isinstance(ngrams, int)
                             else ngrams or (1,))
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = pad_to_max_tokens
        self.sparse = sparse
        self.ragged = ragged
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, mask_token="", vocabulary=vocabulary,
            idf_weights=idf_weights, encoding=encoding, output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens, name=f"{self.name}_lookup")
        self._is_adapted = vocabulary is not None

    # --- the vocabulary ------------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)
        self._is_adapted = True

    def save_assets(self, dir_path: str) -> None:
        """Write the vocabulary as Keras does (`vocabulary.txt`, special tokens first)."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path: str) -> None:
        """Read the vocabulary a Keras `.keras` file keeps in this layer's assets."""
        self._lookup_layer.load_assets(dir_path)
        self._is_adapted = self._lookup_layer.is_adapted

    # --- text to tokens ------------------------------------------------------------------------
    def _standardized(self, texts: list) -> list:
        standardize = self._standardize
        if standardize is None:
            return texts
        if callable(standardize):
            result = standardize(tf.constant(np.array(texts + [""], dtype=object)[:-1]))
            return [t.decode(self._encoding) if isinstance(t, bytes) else str(t)
                    for t in np.asarray(result.numpy()).ravel().tolist()]
        if standardize in (LOWER, LOWER_AND_STRIP_PUNCTUATION):
            texts = [t.lower() for t in texts]
        if standardize in (STRIP_PUNCTUATION, LOWER_AND_STRIP_PUNCTUATION):
            texts = [_PUNCTUATION.sub("", t) for t in texts]
        return texts

    def _tokens(self, text: str) -> list:
        split = self._split
        if split is None:
            tokens = [text]
        elif callable(split):
            tokens = [t.decode(self._encoding) if isinstance(t, bytes) else str(t)
                      for t in split(text)]
        elif split == CHARACTER:
            tokens = list(text)
        else:
            # TF splits on ASCII whitespace only (as bytes.split does).
            tokens = [t.decode(self._encoding) for t in text.encode(self._encoding).split()]
        if self._ngrams is None:
            return tokens
        grams = []
        for size in self._ngram_sizes:
            grams.extend(" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))
        return grams

    def _documents(self, values: np.ndarray) -> tuple[list, bool]:
        """The token lists of a batch (or of one string, flagged as a scalar)."""
        values = np.asarray(values, dtype=object)
        scalar = values.ndim == 0
        if values.ndim == 2 and values.shape[-1] == 1:
            values = values[:, 0]
        if values.ndim > 1:
            raise ValueError(f"When using TextVectorization to tokenize strings, the input "
                             f"rank must be 1 or the last shape dimension must be 1. Received: "
                             f"inputs.shape={values.shape} with rank={values.ndim}")
        texts = [v.decode(self._encoding) if isinstance(v, bytes) else str(v)
                 for v in values.reshape(-1).tolist()]
        return [self._tokens(t) for t in self._standardized(texts)], scalar

    @staticmethod
    def _padded(documents: list, length: int | None, fill) -> np.ndarray:
        width = length if length is not None else max([len(d) for d in documents] + [0])
        out = np.full((len(documents), width), fill, dtype=object)
        for row, tokens in enumerate(documents):
            tokens = tokens[:width]
            out[row, :len(tokens)] = tokens
        return out

    # --- adapt ---------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise ValueError(f"Cannot adapt TextVectorization layer {self.name} after setting "
                             "a static vocabulary via init argument or `set_vocabulary`.")
        super().adapt(data, batch_size, steps)

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def update_state(self, data: np.ndarray) -> None:
        documents, scalar = self._documents(data)
        self._lookup_layer.update_state(self._padded(documents, None, ""))

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()
        self._lookup_layer._is_adapted = True

    # --- call ----------------------------------------------------------------------------------
    def _kernel(self, values):
        documents, scalar = self._documents(values)
        lookup = self._lookup_layer
        if self._output_mode == INT:
            tokens = self._padded(documents, self._output_sequence_length, "")
            ids = lookup._lookup(tokens) if tokens.size else tokens.astype(np.int64)
            ids = ids.astype(np.int64)
            return ids[0] if scalar else ids
        tokens = self._padded(documents, None, "")
        ids = lookup._lookup(tokens) if tokens.size else np.zeros(tokens.shape, np.int64)
        encoded = encode_array(ids.reshape(len(documents), -1), self._output_mode,
                               lookup._depth(), idf_weights=lookup._full_idf)
        return encoded[0] if scalar else encoded

    def call(self, inputs):
        if inputs.dtype != tf.string:
            raise TypeError(f"Layer {self.name} (TextVectorization) expects string inputs; "
                            f"received dtype {inputs.dtype.name}.")
        if self._output_mode == TF_IDF and self._lookup_layer._full_idf is None:
            raise ValueError(f"Layer {self.name}: output_mode='tf_idf' needs idf weights; "
                             "call `adapt()` or pass `vocabulary` and `idf_weights` first.")
        shape = self.compute_output_shape(inputs.shape)
        dtype = tf.int64 if self._output_mode == INT else tf.float32
        return numpy_kernel(self._kernel, [inputs], dtype, shape)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        batch = dims[:1]
        if self._output_mode == INT:
            return TensorShape(batch + [self._output_sequence_length])
        return TensorShape(batch + [self._lookup_layer._depth()])

    def get_config(self) -> dict:
        lookup = self._lookup_layer.get_config()
        config = super().get_config()
        config.update({
            "max_tokens": self.max_tokens,
            "standardize": _callable_config(self._standardize),
            "split": _callable_config(self._split),
            "ngrams": list(self._ngrams) if isinstance(self._ngrams, tuple) else self._ngrams,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "sparse": self.sparse,
            "ragged": self.ragged,
            "vocabulary": lookup["vocabulary"],
            "idf_weights": lookup["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("vocabulary"), str):
            raise ValueError("TextVectorization: the config names a vocabulary file "
                             f"({config['vocabulary']!r}); loading a model must not read other "
                             "files, so this is refused. Save the vocabulary as a list.")
        for key in ("standardize", "split"):
            value = config.get(key)
            if isinstance(value, str) and value not in (
                    LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION, WHITESPACE,
                    CHARACTER):
                from eagerflow.keras.saving.object_registration import get_registered_object

                function = get_registered_object(value)
                if function is None:
                    raise ValueError(f"TextVectorization: unknown {key} function {value!r} in "
                                     "the config; register it with "
                                     "@tf.keras.utils.register_keras_serializable.")
                config[key] = function
        config.pop("vocabulary_size", None)
        return super().from_config(config)
