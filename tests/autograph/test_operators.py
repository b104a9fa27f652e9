"""if / conditional expressions / and-or-not / assert at run time: Python and tensor paths."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.autograph import operators
from tests.autograph.util import run_three_ways


# --- if ----------------------------------------------------------------------------------------
def if_else(x):
    if x > 0:
        y = x * 2.0
    else:
        y = -x
    return y


def if_elif(x):
    if x > 10:
        label, value = 2, x - 10
    elif x > 0:
        label, value = 1, x
    else:
        label, value = 0, -x
    return label, value


def if_python_condition(x, flag):
    if flag:
        x = x + 1.0
    return x


def if_nested_structure(x):
    pair = (x, [x, x])
    if tf.reduce_sum(x) > 0:
        pair = (x + 1.0, [x * 2.0, x])
    return pair[0] + pair[1][0] - pair[1][1]


def if_mutates_container(x):
    d = {"a": x, "b": [x, x]}
    if x > 0:
        d["a"] = x + 1.0
        d["b"][0] = x * 3.0
    else:
        d["b"][1] = -x
    return d["a"], d["b"][0], d["b"][1]


def if_without_else_keeps_value(x):
    y = x
    if x < 0:
        y = -x
    return y


@pytest.mark.parametrize("x", [3.0, -2.0])
def test_if_else(x):
    run_three_ways(if_else, tf.constant(x))


@pytest.mark.parametrize("x", [12.0, 4.0, -3.0])
def test_if_elif(x):
    label, _ = run_three_ways(if_elif, tf.constant(x))
    assert label.dtype == tf.int32


@pytest.mark.parametrize("flag", [True, False])
def test_if_python_condition_runs_one_branch(flag):
    run_three_ways(if_python_condition, tf.constant(1.0), flag)
    graph = tf.function(if_python_condition).get_concrete_function(tf.constant(1.0), flag).graph
    assert "= cond(" not in str(graph)


def test_tensor_if_becomes_cond():
    graph = tf.function(if_else).get_concrete_function(tf.constant(1.0)).graph
    assert "= cond(" in str(graph)


@pytest.mark.parametrize("x", [[1.0, 2.0], [-1.0, -2.0]])
def test_if_nested_structure(x):
    run_three_ways(if_nested_structure, tf.constant(x))


@pytest.mark.parametrize("x", [2.0, -2.0])
def test_if_mutating_a_container(x):
    run_three_ways(if_mutates_container, tf.constant(x))


@pytest.mark.parametrize("x", [5.0, -5.0])
def test_if_without_else(x):
    run_three_ways(if_without_else_keeps_value, tf.constant(x))


class Accumulator:
    def __init__(self):
        self.total = tf.constant(0.0)

    def add(self, x):
        if x > 0:
            self.total = self.total + x
        else:
            self.total = self.total - 1.0
        for _ in tf.range(3):
            self.total += 1.0
        return self.total


@pytest.mark.parametrize("x", [2.0, -2.0])
def test_attribute_state_in_if_and_loop(x):
    expected = Accumulator().add(tf.constant(x))
    assert tf.function(Accumulator().add)(tf.constant(x)).numpy() == expected.numpy()
    code = tf.autograph.to_code(Accumulator.add)
    assert "ag__.set_attr(self, 'total', vars_[0])" in code
    assert "('self.total',), 1)" in code


def test_attribute_helpers():
    class Box:
        pass
    box = Box()
    assert isinstance(operators.ld_attr(box, "x"), operators.Undefined)
    operators.set_attr(box, "x", 3)
    assert operators.ld_attr(box, "x") == 3
    operators.set_attr(box, "x", operators.Undefined("x"))
    assert not hasattr(box, "x")


# --- if errors ---------------------------------------------------------------------------------
def only_main_branch(x):
    if x > 0:
        y = x
    return y


def only_else_branch(x):
    if x > 0:
        pass
    else:
        y = x
    return y


def dtype_differs(x):
    if x > 0:
        y = 1
    else:
        y = 2.0
    return y


def structure_differs(x):
    if x > 0:
        y = (x, x)
    else:
        y = [x]
    return y


def return_in_one_branch(x):
    if x > 0:
        return x


def line_of(function, text: str) -> int:
    import inspect

    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("function,error,message", [
    (only_main_branch, ValueError, "'y' must also be initialized in the else branch"),
    (only_else_branch, ValueError, "'y' must also be initialized in the main branch"),
    (dtype_differs, TypeError,
     "'y' has dtype int32 in the main branch, but dtype float32 in the else branch"),
    (structure_differs, TypeError, "'y' must have the same nested structure in the main and "
                                   "else branches"),
    (return_in_one_branch, ValueError, "the else branch must also have a return statement."),
])
def test_if_errors_name_variable_and_line(function, error, message):
    with pytest.raises(error) as info:
        tf.function(function)(tf.constant(1.0))
    text = str(info.value)
    assert message in text
    assert f"{__file__}:{line_of(function, 'if x > 0')}" in text


def test_branch_only_variable_fine_with_python_condition():
    assert only_main_branch(1.0) == 1.0
    assert tf.autograph.to_graph(only_main_branch)(1.0) == 1.0


# --- conditional expressions and logical operators ---------------------------------------------
def conditional_expression(x):
    return x * 3.0 if x > 1 else x - 1.0


def logic(x):
    inside = x > 0 and x < 10
    outside = x < -5 or x > 20
    return inside, outside, not inside


def python_short_circuit(x, items):
    return len(items) > 0 and items[0] > x


@pytest.mark.parametrize("x", [2.0, 0.5])
def test_conditional_expression(x):
    run_three_ways(conditional_expression, tf.constant(x))


@pytest.mark.parametrize("x", [3.0, 30.0, -30.0])
def test_logical_operators_on_tensors(x):
    result = run_three_ways(logic, tf.constant(x))
    assert all(r.dtype == tf.bool for r in result)


def test_logical_operators_keep_python_short_circuit():
    converted = tf.autograph.to_graph(python_short_circuit)
    assert converted(1, []) is False  # items[0] is never evaluated
    assert converted(1, [5]) is True


def test_not_on_eager_tensor_is_python():
    assert operators.not_(tf.constant(False)) is True


# --- assert, lists, Undefined ------------------------------------------------------------------
def tensor_assert(x):
    assert x > 0, "x must be positive"
    return x + 1


def test_assert_on_tensor_becomes_runtime_check():
    f = tf.function(tensor_assert)
    assert f(tf.constant(2)).numpy() == 3
    with pytest.raises(tf.errors.InvalidArgumentError, match="x must be positive"):
        f(tf.constant(-1))


def test_assert_python_value_is_python_assert():
    with pytest.raises(AssertionError, match="x must be positive"):
        tf.autograph.to_graph(tensor_assert)(-1)


def test_list_append_python_list_in_place():
    xs = [1]
    assert operators.list_append(xs, 2) is xs and xs == [1, 2]


def test_list_append_tensor_array():
    array = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    array = operators.list_append(array, tf.constant(1.5))
    np.testing.assert_allclose(array.stack().numpy(), [1.5])


def test_undefined_raises_unbound_local_error_on_use():
    value = operators.Undefined("y")
    with pytest.raises(UnboundLocalError, match="'y'"):
        value + 1
    with pytest.raises(UnboundLocalError):
        value.shape  # noqa: B018 - the attribute read is what raises
    assert operators.retval(operators.UndefinedReturnValue()) is None
    assert operators.ld({"a": 1}, "a") == 1
    assert isinstance(operators.ld({}, "a"), operators.Undefined)
