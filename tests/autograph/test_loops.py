"""while / for at run time: Python loops, tensor loops, break/continue/return, loop errors."""

import inspect

import numpy as np
import pytest

import eagerflow as tf
from tests.autograph.util import run_three_ways


def line_of(function, text: str) -> int:
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


# --- while -------------------------------------------------------------------------------------
def newton_sqrt(a):
    x = a
    steps = 0
    while tf.reduce_max(tf.abs(x * x - a)) > 1e-4:
        x = 0.5 * (x + a / x)
        steps += 1
    return x, steps


def count_to(n):
    i = 0
    total = 0
    while i < n:
        total += i
        i += 1
    else:
        total += 100
    return total


def python_while_becomes_tensor(x):
    # The test is a Python bool first, then a tensor once `done` is assigned one.
    done = False
    steps = 0
    while not done:
        x = x * 2.0
        steps += 1
        done = x > 50.0
    return x, steps


def test_while_tensor_condition():
    x, steps = run_three_ways(newton_sqrt, tf.constant([2.0, 9.0, 16.0]))
    np.testing.assert_allclose(x.numpy(), [np.sqrt(2), 3, 4], rtol=1e-5)
    assert steps.dtype == tf.int32


@pytest.mark.parametrize("n", [0, 5])
def test_while_with_else(n):
    run_three_ways(count_to, tf.constant(n))
    run_three_ways(count_to, n)


def test_while_python_condition_is_unrolled():
    graph = tf.function(count_to).get_concrete_function(3).graph
    assert "while" not in str(graph).replace("count_to", "")


def test_python_while_switches_to_tensor_loop():
    run_three_ways(python_while_becomes_tensor, tf.constant(1.5))


# --- for ---------------------------------------------------------------------------------------
def sum_range(n):
    s = 0
    for i in tf.range(n):
        s += i
    return s


def sum_python_range_of_tensor(n):
    s = tf.constant(0.0)
    for i in range(n):
        s += tf.cast(i, tf.float32)
    return s


def sum_rows(m):
    total = tf.zeros([3])
    for row in m:
        total = total + row
    return total


def python_list_loop(x):
    for scale in [1.0, 2.0, 3.0]:
        x = x * scale
    return x


def last_item_after_loop(m):
    for row in m:  # noqa: B007 - the loop variable is read after the loop
        pass
    return row


@pytest.mark.parametrize("n", [0, 6])
def test_for_over_tf_range(n):
    run_three_ways(sum_range, tf.constant(n))


def test_for_over_range_of_tensor():
    run_three_ways(sum_python_range_of_tensor, tf.constant(4))


def test_for_over_tensor_rows():
    run_three_ways(sum_rows, tf.reshape(tf.range(12.0), [4, 3]))


def test_for_over_tensor_unknown_length():
    f = tf.function(sum_rows, input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    np.testing.assert_allclose(f(tf.ones([5, 3])).numpy(), [5, 5, 5])


def test_for_over_python_list_is_unrolled():
    run_three_ways(python_list_loop, tf.constant(2.0))


def test_loop_target_readable_after_tensor_loop():
    run_three_ways(last_item_after_loop, tf.reshape(tf.range(6.0), [3, 2]))


# --- break, continue, return -------------------------------------------------------------------
def nested_break_continue(n):
    count = 0
    for i in tf.range(n):
        if i % 3 == 0:
            continue
        j = 0
        while j < n:
            j += 1
            if j > i:
                break
            if j % 2 == 0:
                continue
            count += 1
        if count > 12:
            break
    return count


def python_nested_break_continue(n):
    count = 0
    for i in range(n):
        if i % 3 == 0:
            continue
        for j in range(1, n + 1):
            if j > i:
                break
            if j % 2 == 0:
                continue
            count += 1
        if count > 12:
            break
    return count


def early_return_python_loop(x):
    for scale in [1.0, 2.0, 3.0]:
        if scale > 1.5:
            return x * scale
        x = x + 1.0
    return x


def early_return_tensor_loop(x):
    i = 0
    while i < x:
        if i > 2:
            return i
        i += 1
    return 0


def tensor_break_in_python_loop(x):
    total = tf.constant(0.0)
    for value in [1.0, 2.0, 3.0, 4.0]:
        if total > x:
            break
        total += value
    return total


@pytest.mark.parametrize("n", [4, 10])
def test_nested_loops_break_continue(n):
    result = run_three_ways(nested_break_continue, tf.constant(n))
    assert result.numpy() == python_nested_break_continue(n)


def test_early_return_from_python_loop():
    run_three_ways(early_return_python_loop, tf.constant(1.0))


def find_row(m, threshold):
    for row in m:
        if tf.reduce_sum(row) > threshold:
            return row
    return tf.zeros([2])


def implicit_none_return(x):
    for i in tf.range(x):
        if i > 2:
            return i


@pytest.mark.parametrize("x", [5, 2])
def test_early_return_from_tensor_while_loop(x):
    result = run_three_ways(early_return_tensor_loop, tf.constant(x))
    assert result.numpy() == (3 if x == 5 else 0)


@pytest.mark.parametrize("threshold", [5.0, 100.0])
def test_early_return_from_tensor_for_loop(threshold):
    m = tf.constant([[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]])
    run_three_ways(find_row, m, tf.constant(threshold))


def test_return_in_tensor_loop_with_implicit_none_path_is_not_implemented():
    # Python would return None when the loop ends without returning: a graph cannot.
    with pytest.raises(NotImplementedError, match="a return statement cannot be placed inside "
                                                  "this TensorFlow loop"):
        tf.function(implicit_none_return)(tf.constant(5))
    assert tf.autograph.to_graph(implicit_none_return)(5) == 3


@pytest.mark.parametrize("x", [0.5, 2.5, 100.0])
def test_tensor_break_in_python_loop(x):
    run_three_ways(tensor_break_in_python_loop, tf.constant(x))


# --- loop state --------------------------------------------------------------------------------
def defined_only_inside(n):
    i = 0
    while i < n:
        y = tf.cast(i, tf.float32) * 2.0
        i += 1
    return y


def tensor_array_squares(n):
    squares = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    for i in tf.range(n):
        squares = squares.write(i, tf.cast(i * i, tf.float32))
    return squares.stack()


def doubling_with_invariant(x):
    s = tf.ones([1])
    while tf.reduce_sum(s) < x:
        tf.autograph.experimental.set_loop_options(shape_invariants=[(s, tf.TensorShape([None]))])
        s = tf.concat([s, s], 0)
    return s


def capped_loop(x):
    i = 0
    while x > 0:
        tf.autograph.experimental.set_loop_options(maximum_iterations=3)
        x -= 1.0
        i += 1
    return i


def test_variable_defined_only_inside_tensor_loop():
    assert tf.function(defined_only_inside)(tf.constant(3)).numpy() == 4.0


def test_tensor_array_accumulation():
    result = run_three_ways(tensor_array_squares, tf.constant(4))
    np.testing.assert_allclose(result.numpy(), [0, 1, 4, 9])


def test_shape_invariants_from_set_loop_options():
    result = run_three_ways(doubling_with_invariant, tf.constant(5.0))
    assert result.shape == (8,)


def test_maximum_iterations_from_set_loop_options():
    assert tf.function(capped_loop)(tf.constant(10.0)).numpy() == 3


class Point:
    pass


def attributes_through_loop_variable(x):
    points = [Point(), Point()]
    for point in points:
        point.x = x
        if x > 0:
            point.y = x
        else:
            point.y = -x
    return points[0].y + points[1].x


@pytest.mark.parametrize("x", [3.0, -2.0])
def test_attribute_writes_are_outputs_even_when_read_through_aliases(x):
    run_three_ways(attributes_through_loop_variable, tf.constant(x))


# --- loop errors -------------------------------------------------------------------------------
def shape_changes(x):
    s = tf.zeros([1])
    while tf.reduce_sum(s) < x:
        s = tf.concat([s, s + 1.0], 0)
    return s


def dtype_changes(x):
    s = 0
    while x > 0:
        s = tf.cast(s, tf.float32) + 0.5
        x -= 1.0
    return s


def none_before_loop(n):
    last = None
    i = 0
    while i < n:
        last = i
        i += 1
    return last


def list_append_in_tensor_loop(n):
    out = []
    for i in tf.range(n):
        out.append(i)
    return out


def unknown_shape_only_inside(m):
    for row in m:
        kept = tf.boolean_mask(row, row > 0)
    return kept


@pytest.mark.parametrize("function,arg,error,message,line", [
    (shape_changes, tf.constant(5.0), ValueError,
     "'s' has shape (1,) before the loop, but shape (2,) after one iteration. Use "
     "tf.autograph.experimental.set_loop_options to set shape invariants.", "while"),
    (dtype_changes, tf.constant(2.0), TypeError,
     "'s' has dtype int32 before the loop, but dtype float32 after one iteration", "while"),
    (none_before_loop, tf.constant(3), ValueError,
     "'last' is None before the loop: initialize it with a tensor before the loop", "while"),
    (list_append_in_tensor_loop, tf.constant(3), ValueError,
     "'out' is a Python list that changes length inside a TensorFlow loop", "for"),
    (unknown_shape_only_inside, tf.ones([2, 3]), ValueError,
     "'kept' must be defined before the loop", "for"),
])
def test_loop_errors_name_variable_and_line(function, arg, error, message, line):
    with pytest.raises(error) as info:
        tf.function(function)(arg)
    text = str(info.value)
    assert message in text
    assert f"{__file__}:{line_of(function, line + ' ')}" in text


def test_list_append_error_mentions_tensor_array():
    with pytest.raises(ValueError, match="tf.TensorArray"):
        tf.function(list_append_in_tensor_loop)(tf.constant(3))


def test_python_list_append_in_python_loop_works():
    def build(n):
        out = []
        for i in range(n):
            out.append(i * 2)
        return out
    assert tf.autograph.to_graph(build)(3) == [0, 2, 4]


# --- datasets ----------------------------------------------------------------------------------
def dataset_sum(ds):
    total = 0
    for x in ds:
        total += x
    return total


def test_for_over_dataset_eagerly():
    ds = tf.data.Dataset.range(5)
    assert int(tf.autograph.to_graph(dataset_sum)(ds)) == 10


def test_for_over_dataset_inside_tf_function():
    ds = tf.data.Dataset.from_tensor_slices(np.arange(1, 6, dtype=np.float32)).map(
        lambda x: x * 2.0)

    @tf.function
    def weighted_sum(scale):
        total = tf.constant(0.0)
        count = tf.constant(0)
        for x in ds:
            total += x * scale
            count += 1
        return total, count

    total, count = weighted_sum(tf.constant(0.5))
    assert float(total) == 15.0 and int(count) == 5
    total, _ = weighted_sum(tf.constant(1.0))  # the dataset is read again at every call
    assert float(total) == 30.0
    assert weighted_sum.experimental_get_tracing_count() == 1


def test_break_in_for_over_dataset_inside_tf_function_names_the_alternative():
    ds = tf.data.Dataset.range(5)

    @tf.function
    def first_big(limit):
        found = tf.constant(-1, tf.int64)
        for x in ds:
            if x > limit:
                found = x
                break
        return found

    with pytest.raises(NotImplementedError, match="take_while"):
        first_big(tf.constant(2, tf.int64))
