"""DType objects: properties of every dtype, as_dtype inputs, limits, equality and hashing."""

import pickle

import numpy as np
import pytest

from eagerflow.core import dtypes

# name, numpy type, enum, floating, integer, unsigned, complex, size
TABLE = [
    ("float16", np.float16, 19, True, False, False, False, 2),
    ("float32", np.float32, 1, True, False, False, False, 4),
    ("float64", np.float64, 2, True, False, False, False, 8),
    ("int8", np.int8, 6, False, True, False, False, 1),
    ("int16", np.int16, 5, False, True, False, False, 2),
    ("int32", np.int32, 3, False, True, False, False, 4),
    ("int64", np.int64, 9, False, True, False, False, 8),
    ("uint8", np.uint8, 4, False, True, True, False, 1),
    ("uint16", np.uint16, 17, False, True, True, False, 2),
    ("uint32", np.uint32, 22, False, True, True, False, 4),
    ("uint64", np.uint64, 23, False, True, True, False, 8),
    ("bool", np.bool_, 10, False, False, False, False, 1),
    ("complex64", np.complex64, 8, False, False, False, True, 8),
    ("complex128", np.complex128, 18, False, False, False, True, 16),
]


@pytest.mark.parametrize("name, np_type, enum, floating, integer, unsigned, complex_, size",
                         TABLE, ids=[row[0] for row in TABLE])
def test_properties(name, np_type, enum, floating, integer, unsigned, complex_, size):
    dtype = getattr(dtypes, name)
    assert dtype.name == name
    assert dtype.as_numpy_dtype is np_type
    assert dtype.as_datatype_enum == enum
    assert dtype.is_floating is floating
    assert dtype.is_integer is integer
    assert dtype.is_unsigned is unsigned
    assert dtype.is_complex is complex_
    assert dtype.is_bool is (name == "bool")
    assert dtype.size == size
    assert dtype.base_dtype is dtype
    assert repr(dtype) == f"tf.{name}"
    assert str(dtype) == f"<dtype: '{name}'>"
    for key in (name, np_type, np.dtype(np_type), enum, dtype):
        assert dtypes.as_dtype(key) is dtype
    assert dtype == name and dtype == np_type and dtype == np.dtype(np_type)
    assert pickle.loads(pickle.dumps(dtype)) is dtype


def test_bfloat16_and_string():
    assert dtypes.bfloat16.is_floating and dtypes.bfloat16.size == 2
    assert dtypes.as_dtype("bfloat16") is dtypes.bfloat16
    assert float(dtypes.bfloat16.max) == pytest.approx(3.38953e38, rel=1e-4)
    assert dtypes.string.name == "string"
    assert not dtypes.string.is_numeric and dtypes.float32.is_numeric
    assert dtypes.as_dtype(np.dtype("U3")) is dtypes.string
    assert dtypes.as_dtype(bytes) is dtypes.string


def test_aliases():
    assert dtypes.half is dtypes.float16 and dtypes.double is dtypes.float64
    assert dtypes.as_dtype("half") is dtypes.float16
    assert dtypes.as_dtype("double") is dtypes.float64
    assert dtypes.as_dtype("float") is dtypes.float32
    assert dtypes.as_dtype(float) is dtypes.float32
    assert dtypes.as_dtype(bool) is dtypes.bool


def test_as_dtype_from_arrays_and_tensors():
    assert dtypes.as_dtype(np.zeros(2, np.int16).dtype) is dtypes.int16
    import eagerflow as tf

    assert dtypes.as_dtype(tf.constant([1.0])) is dtypes.float32


@pytest.mark.parametrize("bad", ["float33", 999, object(), [1]])
def test_as_dtype_rejects(bad):
    with pytest.raises(TypeError):
        dtypes.as_dtype(bad)


def test_real_dtype():
    assert dtypes.complex64.real_dtype is dtypes.float32
    assert dtypes.complex128.real_dtype is dtypes.float64
    assert dtypes.int32.real_dtype is dtypes.int32


def test_min_max():
    assert dtypes.int8.min == -128 and dtypes.int8.max == 127
    assert dtypes.uint16.min == 0 and dtypes.uint16.max == 65535
    assert dtypes.int64.max == 2 ** 63 - 1
    assert dtypes.float32.max == np.finfo(np.float32).max
    assert dtypes.float16.min == np.finfo(np.float16).min
    for dtype in (dtypes.bool, dtypes.string, dtypes.complex64):
        with pytest.raises(TypeError, match="Cannot find minimum"):
            _ = dtype.min
        with pytest.raises(TypeError, match="Cannot find maximum"):
            _ = dtype.max


def test_equality_and_hash():
    assert dtypes.float32 != dtypes.float64
    assert dtypes.float32 != "int32"
    assert not (dtypes.float32 == None)  # noqa: E711 - TF compares with None
    assert dtypes.float32 != 3.5
    assert dtypes.float32 != "not a dtype"
    assert len({dtypes.float32, dtypes.as_dtype("float32"), dtypes.float64}) == 2
    assert dtypes.float32.is_compatible_with("float32")
    assert not dtypes.float32.is_compatible_with(dtypes.float64)


def test_from_numpy():
    assert dtypes.from_numpy(np.dtype(np.uint32)) is dtypes.uint32
    assert dtypes.from_numpy(np.dtype("S5")) is dtypes.string
    with pytest.raises(TypeError, match="no TensorFlow equivalent"):
        dtypes.from_numpy(np.dtype("datetime64[s]"))


def test_public_namespace():
    import eagerflow as tf

    assert tf.float32 is dtypes.float32 and tf.dtypes.int64 is dtypes.int64
    assert tf.as_dtype("int32") is tf.int32 and tf.DType is dtypes.DType
