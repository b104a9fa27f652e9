"""pad_sequences against hand-written expectations (tf_keras's documented behaviour)."""

import numpy as np
import pytest

from eagerflow.keras.utils import pad_sequences


def test_pre_and_post_padding_and_truncating():
    sequences = [[1, 2, 3], [4], []]
    np.testing.assert_array_equal(pad_sequences(sequences), [[1, 2, 3], [0, 0, 4], [0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(sequences, maxlen=2), [[2, 3], [0, 4], [0, 0]])
    np.testing.assert_array_equal(
        pad_sequences(sequences, maxlen=2, padding="post", truncating="post"),
        [[1, 2], [4, 0], [0, 0]])
    out = pad_sequences(sequences, maxlen=4, value=-1)
    np.testing.assert_array_equal(out, [[-1, 1, 2, 3], [-1, -1, -1, 4], [-1, -1, -1, -1]])
    assert out.dtype == np.int32


def test_dtypes_elements_and_edge_sizes():
    out = pad_sequences([[1.5, 2.0]], dtype="float32", value=-1.0, maxlen=4)
    np.testing.assert_array_equal(out, [[-1, -1, 1.5, 2.0]])
    assert out.dtype == np.float32
    vectors = pad_sequences([np.ones((2, 3)), np.full((1, 3), 2)])
    assert vectors.shape == (2, 2, 3)
    np.testing.assert_array_equal(vectors[1], [[0, 0, 0], [2, 2, 2]])
    assert pad_sequences([], maxlen=3).shape == (0, 3)
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([[1, 2, 3]], maxlen=0).shape == (1, 0)
    text = pad_sequences([["a", "bb"], ["c"]], dtype=object, value="")
    assert text.tolist() == [["a", "bb"], ["", "c"]]
    np.testing.assert_array_equal(pad_sequences(np.array([[1, 2], [3, 4]]), maxlen=3),
                                  [[0, 1, 2], [0, 3, 4]])


@pytest.mark.parametrize("args, kwargs, match", [
    (([[1]],), dict(padding="mid"), 'Padding type "mid" not understood'),
    (([[1]],), dict(truncating="mid"), 'Truncating type "mid" not understood'),
    ((5,), {}, "must be iterable"),
    (([1, 2],), {}, "list of iterables"),
    (([["a"]],), dict(value="x"), "You should set `dtype=object`"),
    (([[[1, 2]], [[1, 2, 3]]],), {}, r"Shape of sample \(3,\) of sequence at position 1"),
    (([[1]],), dict(maxlen=-1), "non-negative"),
])
def test_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences(*args, **kwargs)
