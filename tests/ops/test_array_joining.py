"""Joining and splitting (eagerflow/ops/array/joining.py): harness cases for concat, split,
stack, unstack, tile, pad and repeat, and their TF errors."""

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case
from tests.ops.array_helpers import PADS, X23, X234, f32

CASES = [
    OpCase("concat", lambda a, b, c: tf.concat([a, b, c], -1), (X23, f32(2, 1), f32(2, 2)),
           lambda a, b, c: np.concatenate([a, b, c], -1), order=2),
    OpCase("concat_axis0", lambda a, b: tf.concat([a, b], 0), (X23, f32(1, 3)),
           lambda a, b: np.concatenate([a, b], 0)),
    OpCase("split_num", lambda x: tf.split(x, 2, axis=2), (X234,),
           lambda x: np.split(x, 2, axis=2), order=2),
    OpCase("split_sizes", lambda x: tf.split(x, [1, -1], axis=-1), (X234,),
           lambda x: np.split(x, [1], axis=-1), order=2),
    OpCase("stack", lambda a, b: tf.stack([a, b], axis=1), (X23, f32(2, 3)),
           lambda a, b: np.stack([a, b], 1)),
    OpCase("unstack", lambda x: tf.unstack(x, axis=1), (X234,),
           lambda x: list(np.moveaxis(x, 1, 0)), order=2),
    OpCase("tile", lambda x: tf.tile(x, [2, 1, 3]), (f32(2, 1, 2),),
           lambda x: np.tile(x, [2, 1, 3]), order=2),
    OpCase("pad_constant", lambda x: tf.pad(x, PADS, constant_values=1.5), (X23,),
           lambda x: np.pad(x, PADS, constant_values=1.5), order=2),
    OpCase("pad_reflect", lambda x: tf.pad(x, [[1, 1], [2, 2]], "REFLECT"), (X23,),
           lambda x: np.pad(x, [[1, 1], [2, 2]], "reflect"), order=2),
    OpCase("pad_symmetric", lambda x: tf.pad(x, [[2, 1], [3, 0]], "symmetric"), (X23,),
           lambda x: np.pad(x, [[2, 1], [3, 0]], "symmetric"), order=2),
    OpCase("repeat_scalar", lambda x: tf.repeat(x, 2, axis=1), (X23,),
           lambda x: np.repeat(x, 2, axis=1), order=2),
    OpCase("repeat_per_element", lambda x: tf.repeat(x, [2, 0, 3], axis=-1), (X23,),
           lambda x: np.repeat(x, [2, 0, 3], axis=-1), order=2),
    OpCase("repeat_flatten", lambda x: tf.repeat(x, 2), (X23,), lambda x: np.repeat(x, 2)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


def test_joining_errors():
    x = tf.zeros([2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Dimension 1 in both shapes"):
        tf.concat([x, tf.zeros([2, 4])], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Ranks of all input tensors"):
        tf.concat([x, tf.zeros([2])], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="cannot compute concat"):
        tf.concat([x, tf.zeros([2, 3], tf.float64)], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="evenly divide"):
        tf.split(x, 2, axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Determined shape must"):
        tf.split(x, [2, 2], axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="multiples argument to be a vector"):
        tf.tile(x, [2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="paddings must be less than"):
        tf.pad(x, [[0, 0], [3, 0]], "REFLECT")
    with pytest.raises(tf.errors.InvalidArgumentError, match="first dimension of paddings"):
        tf.pad(x, [[1, 1]])
    with pytest.raises(ValueError, match="mode"):
        tf.pad(x, [[1, 1], [1, 1]], "WRAP")
