"""Elementwise math ops through the harness: values, shape rules, gradients."""

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case

rng = np.random.RandomState(0)


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype(np.float32)


CASES = [
    OpCase("add", tf.add, (f32(3, 4), f32(3, 4)), np.add, order=2),
    OpCase("add_broadcast", tf.add, (f32(3, 1), f32(4)), np.add),
    OpCase("subtract_broadcast", tf.subtract, (f32(2, 3, 4), f32(3, 1)), np.subtract),
    OpCase("multiply", tf.multiply, (f32(3, 4), f32(1, 4)), np.multiply, order=2),
    OpCase("divide", tf.divide, (f32(3, 4), f32(4, low=0.5, high=2)), np.divide, order=2),
    OpCase("divide_int", tf.divide, (np.arange(6, dtype=np.int32), np.full(6, 4, np.int32)),
           lambda x, y: x / y),
    OpCase("negative", tf.negative, (f32(5),), np.negative),
    OpCase("exp", tf.exp, (f32(2, 3),), np.exp, order=2),
    OpCase("log", tf.math.log if hasattr(tf, "math") else tf.log, (f32(4, low=0.5, high=3),),
           np.log, order=2),
    OpCase("equal", tf.equal, (np.array([1, 2, 3], np.int32), np.array([1, 0, 3], np.int32)),
           np.equal),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)
