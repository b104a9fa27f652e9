"""Conversion: recursion into user code, caching, closures, methods, library code, warnings."""

import functools
import logging
import traceback

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.autograph import conversion
from tests.autograph.util import assert_same, run_three_ways


# --- a recursive helper chain: every function is converted --------------------------------
def chain_top(x):
    return chain_middle(x) + 1.0


def chain_middle(x):
    if x > 0:
        r = chain_bottom(x)
    else:
        r = -chain_bottom(-x)
    return r


def chain_bottom(x):
    i = tf.constant(0)
    while i < 3:
        x = x * 2.0
        i += 1
    return x


@pytest.mark.parametrize("x", [1.5, -1.5])
def test_helper_chain_all_converted(x):
    run_three_ways(chain_top, tf.constant(x))
    graph = str(tf.function(chain_top).get_concrete_function(tf.constant(x)).graph)
    assert "= cond(" in graph  # chain_middle's if
    # chain_bottom's tensor loop sits inside the branches; all three were converted.
    for function in (chain_top, chain_middle, chain_bottom):
        assert function.__code__ in conversion._CODE_CACHE


def test_conversion_is_cached_per_code_object():
    first = conversion.convert(chain_bottom)
    second = conversion.convert(chain_bottom)
    assert first.__code__ is second.__code__
    assert conversion.convert(first) is first  # converted code is never converted again


# --- closures, methods, partials, callable objects, lambdas -------------------------------
def make_threshold(limit):
    def above(x):
        if x > limit:
            return x - limit
        return tf.zeros_like(x)
    return above


class Scaler:
    def __init__(self, factor):
        self.factor = factor
        self.__offset = 1.0

    def __call__(self, x):
        if x > 0:
            y = x * self.factor + self.__offset
        else:
            y = x
        return y

    @tf.function
    def method(self, x):
        while x < 10.0:
            x = x * self.factor
        return x


class Child(Scaler):
    def __call__(self, x):
        if x > 1:
            x = super().__call__(x)
        return x


def scaled_sum(x, scale, shift=0.0):
    if scale > 1:
        x = x * scale
    return x + shift


def test_closure_cells_are_shared():
    f = make_threshold(tf.constant(2.0))
    run_three_ways(f, tf.constant(5.0))
    run_three_ways(f, tf.constant(1.0))


def test_callable_object_and_name_mangling():
    scaler = Scaler(3.0)
    run_three_ways(scaler, tf.constant(2.0))
    run_three_ways(scaler, tf.constant(-2.0))


def test_super_call_in_converted_method():
    run_three_ways(Child(2.0), tf.constant(3.0))


def test_tf_function_method():
    scaler = Scaler(2.0)
    assert scaler.method(tf.constant(3.0)).numpy() == 12.0


def test_partial_and_lambda():
    partial = functools.partial(scaled_sum, scale=tf.constant(3.0), shift=1.0)
    assert tf.function(partial)(tf.constant(2.0)).numpy() == 7.0
    absolute = tf.function(lambda x: x if x > 0 else -x)
    assert absolute(tf.constant(-4.0)).numpy() == 4.0


def test_nested_function_defined_inside_converted_code():
    def outer(x):
        def helper(y):
            if y > 0:
                return y
            return -y
        return helper(x) + helper(x - 10.0)
    run_three_ways(outer, tf.constant(3.0))


def clipped(x):
    if x > 2:
        x = x * 10
    return x


def test_dataset_map_functions_are_converted():
    ds = tf.data.Dataset.range(5).map(clipped)
    assert [int(v) for v in ds] == [0, 1, 2, 30, 40]


# --- what is not converted ------------------------------------------------------------------
@tf.autograph.experimental.do_not_convert
def not_converted(x):
    if x > 0:
        return x
    return -x


def test_do_not_convert_runs_python():
    with pytest.raises(TypeError, match="Python bool"):
        tf.function(lambda x: not_converted(x))(tf.constant(1.0))
    assert not conversion.is_convertible(not_converted)


def test_library_code_is_called_as_is():
    assert not conversion.is_convertible(np.mean)
    assert not conversion.is_convertible(logging.getLogger)
    assert not conversion.is_convertible(tf.reduce_sum)
    assert conversion.is_convertible(chain_top)


def test_autograph_false_keeps_python_semantics():
    f = tf.function(chain_middle, autograph=False)
    with pytest.raises(TypeError, match="Python bool"):
        f(tf.constant(1.0))


def test_missing_source_warns_once_and_runs_as_is(caplog):
    namespace = {"tf": tf}
    exec("def nosource(x, n=2):\n    for _ in range(n):\n        x = x * 2.0\n    return x\n",
         namespace)  # noqa: S102
    exec("def straight(x):\n    return x * 2.0\n", namespace)  # noqa: S102
    with caplog.at_level(logging.WARNING, logger="eagerflow"):
        assert conversion.convert(namespace["nosource"]) is namespace["nosource"]
        conversion.convert(namespace["nosource"])
        # Straight-line code needs no conversion: running it as-is says nothing.
        assert conversion.convert(namespace["straight"]) is namespace["straight"]
    messages = [r.getMessage() for r in caplog.records if "AutoGraph" in r.getMessage()]
    assert len(messages) == 1
    assert "AutoGraph could not transform <function nosource" in messages[0]
    assert "will run it as-is" in messages[0] and "Unable to locate the source" in messages[0]
    assert tf.function(namespace["nosource"])(tf.constant(2.0)).numpy() == 8.0


# --- gradients through converted control flow ------------------------------------------------
def branchy_loop(x):
    y = x
    i = 0
    while i < 3:
        y = y * x
        i += 1
    if tf.reduce_sum(y) > 10.0:
        y = y * 2.0
    else:
        y = y + tf.sin(x)
    return tf.reduce_sum(y)


def finite_difference(f, x, eps=1e-3):
    x = np.asarray(x, np.float64)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        up = float(f(tf.constant((x + step).astype(np.float32))))
        down = float(f(tf.constant((x - step).astype(np.float32))))
        grad.flat[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("x", [[1.0, 1.2], [2.0, 1.5]])
def test_gradient_tape_outside_function(x):
    f = tf.function(branchy_loop)
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    grad = tape.gradient(y, x)
    np.testing.assert_allclose(grad.numpy(), finite_difference(f, x.numpy()), rtol=2e-2)


@pytest.mark.parametrize("x", [[1.0, 1.2], [2.0, 1.5]])
def test_gradient_tape_inside_function(x):
    @tf.function
    def grad_of(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = branchy_loop(x)
        return tape.gradient(y, x)

    with tf.GradientTape() as tape:
        x_eager = tf.constant(x)
        tape.watch(x_eager)
        expected = tape.gradient(branchy_loop(x_eager), x_eager)
    assert_same(grad_of(tf.constant(x)), expected)
    np.testing.assert_allclose(grad_of(tf.constant(x)).numpy(),
                               finite_difference(branchy_loop, x), rtol=2e-2)


# --- to_code --------------------------------------------------------------------------------
def test_to_code_is_readable_and_runnable():
    code = tf.autograph.to_code(chain_middle)
    assert code.startswith("def chain_middle(x):")
    assert "ag__.if_stmt(x > 0, if_body, else_body, get_state, set_state, ('r',), 1)" in code
    assert "ag__.converted_call(chain_bottom, (x,), None)" in code
    namespace = {"ag__": conversion.AG, "chain_bottom": chain_bottom}
    exec(code, namespace)  # noqa: S102 - the point of the test
    assert namespace["chain_middle"](-1.0) == -8.0
    assert float(namespace["chain_middle"](tf.constant(1.0))) == 8.0


def test_traceback_points_at_user_line():
    def failing(x):
        if x > 0:
            y = tf.reshape(x, [7])
        else:
            y = x
        return y
    with pytest.raises(Exception) as info:
        tf.function(failing)(tf.constant([1.0, 2.0]))
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(info.tb)]
    assert (__file__, failing.__code__.co_firstlineno + 1) in frames  # the `if` line
