"""Primitive and bind: registration, dtype rules, error translation, the fast path."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.primitive import REGISTRY, Spec, primitive


def test_registry_holds_each_primitive_once():
    assert REGISTRY["add"].name == "add"
    with pytest.raises(ValueError, match="already defined"):
        primitive("add", np.add, lambda x, y: x)


def test_bind_runs_eagerly_and_wraps():
    out = REGISTRY["add"].bind(tf.constant([1.0]), 2.0)
    assert isinstance(out, tf.Tensor) and out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), [3.0])


def test_dtype_errors_name_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[Op:add\]"):
        REGISTRY["add"].bind(tf.constant(1.0), tf.constant(1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not in the list of allowed"):
        tf.sqrt(tf.constant(4))


def test_kernel_errors_become_invalid_argument_with_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs"):
        tf.ones([2]) * tf.ones([3])


def test_shape_rule_specs_carry_unknown_dims():
    rule = REGISTRY["add"].shape_rule
    assert rule(Spec((None, 3), tf.float32), Spec((3,), tf.float32)) == Spec((None, 3),
                                                                             tf.float32)


def test_traits_that_passes_read():
    assert REGISTRY["add"].elementwise and REGISTRY["add"].commutative
    assert REGISTRY["assign_variable"].side_effect and REGISTRY["assign_variable"].stateful
    assert REGISTRY["random_sample"].random and REGISTRY["random_sample"].stateful
    assert not REGISTRY["matmul"].elementwise
