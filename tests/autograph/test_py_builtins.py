"""print / len / range overloads in converted code."""

import numpy as np

import eagerflow as tf
from eagerflow.autograph import py_builtins


def printing(x):
    print("x is", x)
    return x + 1


def length(x):
    return len(x)


def range_sum(n):
    total = 0
    for i in range(n):
        total += i
    return total


def test_print_of_tensor_prints_every_call(capsys):
    f = tf.function(printing)
    f(tf.constant(1))
    f(tf.constant(2))
    out = capsys.readouterr().out
    assert "x is 1" in out and "x is 2" in out


def test_print_of_python_values_is_python_print(capsys):
    py_builtins.print_("plain", 3, sep="-")
    assert capsys.readouterr().out == "plain-3\n"


def test_len_static_and_dynamic():
    assert tf.function(length)(tf.zeros([4, 2])) == 4
    dynamic = tf.function(length, input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    assert dynamic(tf.zeros([5, 2])).numpy() == 5
    assert py_builtins.len_([1, 2, 3]) == 3
    array = tf.TensorArray(tf.float32, size=3)
    assert int(py_builtins.len_(array)) == 3


def test_range_of_tensor_becomes_tf_range():
    assert tf.function(range_sum)(tf.constant(5)).numpy() == 10
    assert py_builtins.range_(3) == range(3)


def test_overloads_table():
    assert py_builtins.OVERLOADS[print] is py_builtins.print_
    assert py_builtins.OVERLOADS[len] is py_builtins.len_
    np.testing.assert_array_equal(list(py_builtins.OVERLOADS[range](2)), [0, 1])
