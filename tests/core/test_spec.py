"""tf.TensorSpec (src/eagerflow/core/spec.py)."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.shape import TensorShape
from eagerflow.core.spec import TensorSpec


def test_construction_and_repr():
    spec = TensorSpec((None, 3))
    assert spec.shape == TensorShape([None, 3]) and spec.dtype == tf.float32
    assert spec.name is None
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)"
    assert repr(TensorSpec([], tf.int64, "x")) == \
        "TensorSpec(shape=(), dtype=tf.int64, name='x')"
    assert repr(TensorSpec(None, "string")) == \
        "TensorSpec(shape=<unknown>, dtype=tf.string, name=None)"
    assert repr(TensorSpec([2])) == "TensorSpec(shape=(2,), dtype=tf.float32, name=None)"


def test_equality_and_hash():
    assert TensorSpec([2], tf.int32) == TensorSpec((2,), "int32")
    assert TensorSpec([2]) != TensorSpec([None])
    assert TensorSpec([2], name="a") != TensorSpec([2])
    assert TensorSpec([2], tf.int32) != TensorSpec([2], tf.int64)
    assert len({TensorSpec([2]), TensorSpec((2,)), TensorSpec([3])}) == 2


def test_is_compatible_with():
    spec = TensorSpec((None, 3), tf.float32)
    assert spec.is_compatible_with(TensorSpec((5, 3), tf.float32))
    assert not spec.is_compatible_with(TensorSpec((5, 4), tf.float32))
    assert not spec.is_compatible_with(TensorSpec((5, 3), tf.float64))
    assert spec.is_compatible_with(tf.constant(np.zeros((2, 3), np.float32)))
    assert not spec.is_compatible_with(tf.constant(np.zeros((2, 3), np.float64)))
    assert spec.is_compatible_with(np.zeros((1, 3), np.float32))
    assert TensorSpec(None).is_compatible_with(TensorSpec((1, 2, 3)))


def test_from_tensor_and_common_types():
    assert TensorSpec.from_tensor(tf.constant([1, 2])) == TensorSpec((2,), tf.int32)
    assert TensorSpec.from_tensor(tf.constant(1.0), name="v").name == "v"
    assert TensorSpec.from_spec(TensorSpec([1], tf.int8, "n")) == TensorSpec([1], tf.int8, "n")
    a, b = TensorSpec((2, 3)), TensorSpec((4, 3))
    assert a.most_specific_compatible_type(b) == TensorSpec((None, 3))
    assert a.most_specific_common_supertype([b]) == TensorSpec((None, 3))
    assert a.most_specific_common_supertype([TensorSpec((2, 3), tf.int32)]) is None
    with pytest.raises(ValueError):
        a.most_specific_compatible_type(TensorSpec((2, 3), tf.int32))
    assert TensorSpec((4, 3)).is_subtype_of(TensorSpec((None, 3)))
    assert not TensorSpec((None, 3)).is_subtype_of(TensorSpec((4, 3)))
