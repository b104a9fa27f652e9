"""tf.slice and tf.pad with begin/size/paddings known only at run time inside tf.function:
values against NumPy, eager vs compiled, static dims kept, gradients (first and second order)
and TF's errors raised when the run-time values are out of range."""

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case

X = np.arange(1, 25, dtype=np.float32).reshape(4, 6) / 10


def _run_time(value):
    """`value` as a tensor the trace cannot see through (a scalar or vector known at run time)."""
    return tf.cast(tf.reduce_max(tf.zeros([1, 1], tf.float32)), tf.int32) + value


# The harness runs each case eagerly and inside tf.function; the registry test traces them
# once more with every dim unknown.
CASES = [
    OpCase("slice_runtime_begin", lambda x: tf.slice(x, _run_time(tf.constant([1, 2])), [2, 3]),
           (X,), lambda x: x[1:3, 2:5]),
    OpCase("slice_runtime_size_to_end",
           lambda x: tf.slice(x, [1, _run_time(2)], [_run_time(2), -1]),
           (X,), lambda x: x[1:3, 2:]),
    OpCase("pad_runtime_constant",
           lambda x: tf.pad(x, [[_run_time(1), 0], [2, _run_time(1)]], constant_values=3.0),
           (X,), lambda x: np.pad(x, [[1, 0], [2, 1]], constant_values=3.0)),
    OpCase("pad_runtime_reflect",
           lambda x: tf.pad(x, _run_time(tf.constant([[1, 2], [2, 1]])), mode="REFLECT"),
           (X,), lambda x: np.pad(x, [[1, 2], [2, 1]], mode="reflect")),
    OpCase("pad_runtime_symmetric",
           lambda x: tf.pad(x, _run_time(tf.constant([[0, 4], [3, 0]])), mode="symmetric"),
           (X,), lambda x: np.pad(x, [[0, 4], [3, 0]], mode="symmetric")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


def _second_order(fn, x):
    """d/dx of sum((d/dx sum(fn(x)^3))^2): a nonzero second derivative through fn's adjoint."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            total = tf.reduce_sum(fn(x) ** 3)
        first = inner.gradient(total, x)
        second_total = tf.reduce_sum(first * first)
    return first, outer.gradient(second_total, x)


@pytest.mark.parametrize("name, fn, reference", [
    ("slice", lambda x, n: tf.slice(x, tf.stack([n, 1]), [2, -1]), lambda x: x[1:3, 1:]),
    ("pad", lambda x, n: tf.pad(x, [[n, 0], [1, n]], mode="SYMMETRIC"),
     lambda x: np.pad(x, [[1, 0], [1, 1]], mode="symmetric")),
])
def test_first_and_second_gradients_match_eager(name, fn, reference):
    x = tf.constant(X)
    spec = [tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([], tf.int32)]
    compiled = tf.function(lambda x, n: _second_order(lambda v: fn(v, n), x),
                           input_signature=spec)
    got_first, got_second = compiled(x, tf.constant(1))
    want_first, want_second = _second_order(lambda v: fn(v, 1), x)
    np.testing.assert_allclose(got_first.numpy(), want_first.numpy(), rtol=1e-5)
    np.testing.assert_allclose(got_second.numpy(), want_second.numpy(), rtol=1e-5)
    # Closed form of the first derivative: 3 y^2 summed back through the adjoint.
    y = reference(X)
    assert np.asarray(compiled(x, tf.constant(1))[0]).shape == X.shape
    np.testing.assert_allclose(np.sum(got_first.numpy()), np.sum(3 * y * y), rtol=1e-5)


def test_static_dims_are_kept_when_traced():
    shapes = {}

    @tf.function
    def run(x, n):
        shapes["slice"] = tf.slice(x, tf.stack([n, 0]), [2, -1]).shape.as_list()
        shapes["slice_end"] = tf.slice(x, [0, n], [-1, 2]).shape.as_list()
        shapes["pad"] = tf.pad(x, [[0, n], [1, 2]]).shape.as_list()
        shapes["pad_tensor"] = tf.pad(x, tf.reshape(tf.stack([0, n, 1, 2]), [2, 2])).shape.as_list()
        return tf.slice(x, tf.stack([n, 0]), tf.shape(x) - tf.stack([n, 0]))

    out = run(tf.constant(X), tf.constant(1))
    np.testing.assert_array_equal(out.numpy(), X[1:])
    assert shapes == {"slice": [2, 6], "slice_end": [4, 2], "pad": [None, 9],
                      "pad_tensor": [None, None]}

    unknown = run.get_concrete_function(tf.TensorSpec([None, 6]), tf.TensorSpec([], tf.int32))
    assert unknown.structured_outputs.shape.as_list() == [None, None]
    assert shapes["slice"] == [2, 6] and shapes["slice_end"] == [None, 2]


def test_run_time_values_out_of_range_raise_tf_errors():
    slice_fn = tf.function(lambda x, b: tf.slice(x, b, [2, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"size\[0\] in \[0, 1\]"):
        slice_fn(tf.constant(X), tf.constant([3, 0]))
    pad_fn = tf.function(lambda x, p: tf.pad(x, p, mode="REFLECT"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="less than the dimension size"):
        pad_fn(tf.constant(X), tf.constant([[4, 0], [0, 0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        tf.function(lambda x, n: tf.pad(x, [[n, 0], [0, 0]]))(tf.constant(X), tf.constant(-1))


def test_wrong_lengths_are_caught_when_tracing():
    with pytest.raises(tf.errors.InvalidArgumentError, match="1-D tensors of size 2"):
        tf.function(lambda x, n: tf.slice(x, tf.stack([n, n, n]), [1, 1, 1]))(
            tf.constant(X), tf.constant(0))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"begin \[-1, None\] must be >= 0"):
        tf.function(lambda x, n: tf.slice(x, [-1, n], [1, 1]))(tf.constant(X), tf.constant(0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank of inputs"):
        tf.function(lambda x, n: tf.pad(x, [[n, 0]]))(tf.constant(X), tf.constant(0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="2 columns"):
        tf.function(lambda x, n: tf.pad(x, [[n, 0, 1], [0, 0, 0]]))(tf.constant(X),
                                                                    tf.constant(0))
