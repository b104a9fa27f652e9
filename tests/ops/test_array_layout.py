"""Layout ops (eagerflow/ops/array/layout.py): harness cases for transpose, expand_dims,
squeeze, reverse, roll, broadcast_to, ensure_shape, reverse_sequence and the broadcast
shapes; their TF errors and roll by a shift known only at run time."""

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case
from tests.ops.array_helpers import X23, X234, f32, i32

CASES = [
    OpCase("transpose_perm", lambda x: tf.transpose(x, [2, 0, 1]), (X234,),
           lambda x: np.transpose(x, [2, 0, 1]), order=2),
    OpCase("transpose_default", tf.transpose, (X234,), np.transpose),
    OpCase("transpose_conjugate", lambda x: tf.transpose(x, conjugate=True),
           (np.array([[1 + 2j, 3 - 1j]], np.complex64),), lambda x: np.conj(x.T)),
    OpCase("matrix_transpose", tf.linalg.matrix_transpose, (X234,),
           lambda x: np.swapaxes(x, -1, -2)),
    OpCase("expand_dims_neg", lambda x: tf.expand_dims(x, -1), (X23,),
           lambda x: x[..., None], order=2),
    OpCase("expand_dims_0", lambda x: tf.expand_dims(x, 0), (X23,), lambda x: x[None]),
    OpCase("squeeze_all", tf.squeeze, (f32(1, 3, 1),), np.squeeze),
    OpCase("squeeze_axis", lambda x: tf.squeeze(x, [-1]), (f32(1, 3, 1),),
           lambda x: np.squeeze(x, -1), order=2),
    OpCase("reverse", lambda x: tf.reverse(x, [0, -1]), (X234,), lambda x: x[::-1, :, ::-1],
           order=2),
    OpCase("roll", lambda x: tf.roll(x, [1, -2], [0, 2]), (X234,),
           lambda x: np.roll(x, [1, -2], [0, 2]), order=2),
    OpCase("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3, 3]), (f32(3, 1),),
           lambda x: np.broadcast_to(x, (2, 3, 3)), order=2),
    OpCase("ensure_shape", lambda x: tf.ensure_shape(x, [2, None]), (X23,), lambda x: x),
    OpCase("reverse_sequence", lambda x: tf.reverse_sequence(x, [3, 0, 4], seq_axis=2,
                                                             batch_axis=1),
           (f32(2, 3, 4),), lambda x: np.stack([np.concatenate([x[:, b, :n][:, ::-1],
                                                                x[:, b, n:]], -1)
                                                for b, n in enumerate([3, 0, 4])], 1),
           order=2),
    OpCase("broadcast_dynamic_shape", tf.broadcast_dynamic_shape, (i32(2, 1), i32(3, 1, 4)),
           lambda a, b: i32(3, 2, 4)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


def test_broadcast_static_shape():
    shape = tf.broadcast_static_shape(tf.TensorShape([None, 3]), tf.TensorShape([2, 1, 1]))
    assert shape.as_list() == [2, None, 3]
    with pytest.raises(ValueError, match="Incompatible shapes for broadcasting"):
        tf.broadcast_static_shape(tf.TensorShape([2]), tf.TensorShape([3]))


def test_roll_by_a_shift_known_only_at_run_time():
    @tf.function
    def roll(x, shift):
        return tf.roll(x, shift, [0, 1])

    x = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    for shift in ([1, -2], [4, 7]):
        np.testing.assert_array_equal(roll(x, tf.constant(shift)).numpy(),
                                      np.roll(x, shift, (0, 1)))
    values = tf.constant(np.arange(5.0, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(values)
        rolled = tf.function(lambda v, s: tf.roll(v, s, 0))(values, tf.constant(1))
        total = tf.reduce_sum(rolled * tf.range(5.0))
    np.testing.assert_array_equal(tape.gradient(total, values).numpy(), [1, 2, 3, 4, 0])


def test_layout_errors():
    x = tf.zeros([2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="transpose expects a vector of "):
        tf.transpose(x, [0, 1, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tried to expand dim index 3"):
        tf.expand_dims(x, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Can not squeeze dim\\[1\\]"):
        tf.squeeze(x, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unable to broadcast"):
        tf.broadcast_to(x, [3, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Shape of tensor x \\[2, 3\\] is not "
                                                            "compatible with expected shape"):
        tf.ensure_shape(x, [2, 4])
