"""Partition ops (eagerflow/ops/array/partition.py): harness cases for unique, searchsorted,
dynamic_partition, dynamic_stitch and unravel_index."""

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case
from tests.ops.array_helpers import X23, X234, check_dynamic_case, f32, i32

CASES = [
    OpCase("searchsorted_batched", lambda s, v: tf.searchsorted(s, v, side="right"),
           (np.array([[1, 3, 5], [0, 2, 2]], np.float32),
            np.array([[3, 6], [2, -1]], np.float32)),
           lambda s, v: np.stack([np.searchsorted(a, b, "right") for a, b in zip(s, v)]
                                 ).astype(np.int32), grad=()),
    OpCase("unravel_index", lambda i: tf.unravel_index(i, [3, 4]), (i32([5, 7], [0, 11]),),
           lambda i: np.array(np.unravel_index(i, (3, 4)), np.int32)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


# Ops whose output shape depends on values (see array_helpers.check_dynamic_case).
DYNAMIC_CASES = [
    OpCase("unique", lambda x: tuple(tf.unique(x)), (i32(4, 1, 4, 7, 1),),
           lambda x: [i32(4, 1, 7), i32(0, 1, 0, 2, 1)]),
    OpCase("unique_with_counts_int64", lambda x: tuple(tf.unique_with_counts(x, tf.int64)),
           (np.array([2.5, 2.5, -1.0], np.float32),),
           lambda x: [np.array([2.5, -1.0], np.float32), np.array([0, 0, 1], np.int64),
                      np.array([2, 1], np.int64)], grad=()),
    OpCase("dynamic_partition", lambda x: tf.dynamic_partition(x, [[0, 2, 0], [1, 0, 2]], 3),
           (X234,), lambda x: [x[[0, 0, 1], [0, 2, 1]], x[[1], [0]], x[[0, 1], [1, 2]]]),
    OpCase("dynamic_stitch", lambda a, b: tf.dynamic_stitch([[0, 3], [1, 2]], [a, b]),
           (X23, f32(2, 3)), lambda a, b: np.stack([a[0], b[0], b[1], a[1]])),
]


@pytest.mark.parametrize("case", DYNAMIC_CASES, ids=str)
def test_dynamic_shape_op(case):
    check_dynamic_case(case)
