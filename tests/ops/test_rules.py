"""Shared shape rules: broadcasting with unknown dims, axes, reductions."""

import pytest

import eagerflow as tf
from eagerflow.ops.rules import broadcast_shapes, normalize_axis, reduced_shape


def test_broadcast_shapes_with_unknown_dims():
    assert broadcast_shapes((2, 1, 3), (4, 1)) == (2, 4, 3)
    assert broadcast_shapes((None, 3), (3,)) == (None, 3)
    assert broadcast_shapes((None, 1), (1, 5)) == (None, 5)
    assert broadcast_shapes((None,), (4,)) == (4,)
    assert broadcast_shapes(None, (4,)) is None
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        broadcast_shapes((2, 3), (4,))


def test_axes_and_reduced_shapes():
    assert normalize_axis(-1, 3) == 2
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
        normalize_axis(3, 3)
    assert reduced_shape((2, None, 4), (1,), keepdims=False) == (2, 4)
    assert reduced_shape((2, None, 4), (0, 2), keepdims=True) == (1, None, 1)
    assert reduced_shape((2, 3), None, keepdims=False) == ()
