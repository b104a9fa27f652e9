"""tf.print, the tf.debugging asserts, Assert and check_numerics: output text, errors and
messages, and run-time behaviour inside traced graphs."""

import io
import sys

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.primitive import Spec
from eagerflow.graph.builder import GraphBuilder, tracing
from eagerflow.graph.interpreter import run_arrays
from eagerflow.graph.ir import Graph
from eagerflow.ops.debugging import format_tensor

IAE = tf.errors.InvalidArgumentError


def printed(*inputs, **kwargs) -> str:
    stream = io.StringIO()
    tf.print(*inputs, output_stream=stream, **kwargs)
    return stream.getvalue()


def trace(fn, *specs):
    """Trace `fn` on placeholders of `specs`; return a runner of its kernels (compiled code)."""
    graph = Graph()
    with tracing(GraphBuilder(graph)):
        inputs = [graph.placeholder(Spec(shape, dtype), i)
                  for i, (shape, dtype) in enumerate(specs)]
        out = fn(*inputs)
    graph.outputs = [] if out is None else [out]
    return lambda *arrays: run_arrays(graph, list(arrays))


# --- tensor text --------------------------------------------------------------------------
@pytest.mark.parametrize("value, text", [
    (np.array([1, 2, 3], np.int32), "[1 2 3]"),
    (np.array([[1, 2], [3, 4]], np.int64), "[[1 2]\n [3 4]]"),
    (np.array(5, np.int32), "5"),
    (np.array([1.5, 2.0, -0.25], np.float32), "[1.5 2 -0.25]"),
    (np.array(1 / 3, np.float32), "0.333333343"),
    (np.array(0.1, np.float32), "0.1"),
    (np.array(1 / 3, np.float64), "0.33333333333333331"),
    (np.array([np.nan, np.inf, -np.inf, 1e10], np.float32), "[nan inf -inf 1e+10]"),
    (np.array([True, False]), "[1 0]"),
    (np.array([b"a", b'b"c'], object), '["a" "b\\"c"]'),
    (np.arange(10, dtype=np.int32), "[0 1 2 ... 7 8 9]"),
    (np.zeros((0,), np.float32), "[]"),
    (np.array([1.0, 2.0], np.float16), "[1 2]"),
])
def test_format_tensor(value, text):
    assert format_tensor(value) == text


def test_format_summarized_matrix_and_rank3():
    text = format_tensor(np.arange(100, dtype=np.int32).reshape(10, 10))
    assert text.splitlines() == [
        "[[0 1 2 ... 7 8 9]", " [10 11 12 ... 17 18 19]", " [20 21 22 ... 27 28 29]", " ...",
        " [70 71 72 ... 77 78 79]", " [80 81 82 ... 87 88 89]", " [90 91 92 ... 97 98 99]]"]
    cube = format_tensor(np.arange(8, dtype=np.int32).reshape(2, 2, 2))
    assert cube == "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]"
    assert format_tensor(np.arange(10), summarize=-1) == "[0 1 2 3 4 5 6 7 8 9]"
    assert format_tensor(np.arange(10), summarize=1) == "[0 ... 9]"


# --- tf.print -------------------------------------------------------------------------------
def test_print_to_stderr_by_default(capsys):
    tf.print("x:", tf.constant([1, 2, 3]))
    captured = capsys.readouterr()
    assert captured.err == "x: [1 2 3]\n" and captured.out == ""


def test_print_stdout_sep_end(capsys):
    tf.print(tf.constant(1), 2, "three", output_stream=sys.stdout, sep=", ", end="!\n")
    assert capsys.readouterr().out == "1, 2, three!\n"


def test_print_structures_and_python_values():
    text = printed({"b": tf.constant([1, 2]), "a": "s"}, [1, tf.constant(2.5)], None)
    assert text == "{'a': 's', 'b': [1 2]} [1, 2.5] None\n"


def test_print_summarize_and_variables():
    assert printed(tf.constant(np.arange(10, dtype=np.int32)), summarize=2) == "[0 1 ... 8 9]\n"
    assert printed(tf.constant(np.arange(10, dtype=np.int32)), summarize=-1) == \
        "[0 1 2 3 4 5 6 7 8 9]\n"
    assert printed(tf.Variable([1.0, 2.0])) == "[1 2]\n"


def test_print_returns_none_and_rejects_unknown_kwargs():
    assert tf.print("x", output_stream=io.StringIO()) is None
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        tf.print("x", colour="red")


def test_print_to_file(tmp_path):
    path = tmp_path / "log.txt"
    tf.print("a", tf.constant([1]), output_stream=f"file://{path}")
    tf.print("b", output_stream=f"file://{path}")
    assert path.read_text() == "a [1]\nb\n"


def test_print_in_traced_graph_prints_at_every_run():
    stream = io.StringIO()
    run = trace(lambda x: tf.print("x =", x, output_stream=stream), ((None,), tf.int32))
    assert stream.getvalue() == ""  # tracing prints nothing
    run(np.array([1, 2], np.int32))
    run(np.array([3], np.int32))
    assert stream.getvalue() == "x = [1 2]\nx = [3]\n"


# --- binary asserts -------------------------------------------------------------------------
def test_assert_equal_passes_and_returns_none():
    assert tf.debugging.assert_equal(tf.constant([1, 2]), [1, 2]) is None
    assert tf.assert_equal(1.0, tf.constant([1.0, 1.0])) is None


def test_assert_equal_message():
    with pytest.raises(IAE) as info:
        tf.debugging.assert_equal(tf.constant([1, 2, 3]), tf.constant([1, 2, 4]),
                                  message="values differ")
    assert str(info.value).splitlines() == [
        "values differ", "Condition x == y did not hold.", "Indices of first 1 different values:",
        "[[2]]", "Corresponding x values:", "[3]", "Corresponding y values:", "[4]",
        "First 3 elements of x:", "[1 2 3]", "First 3 elements of y:", "[1 2 4]"]


def test_assert_equal_summarize_and_broadcast():
    with pytest.raises(IAE) as info:
        tf.debugging.assert_equal(tf.constant([[1, 2], [3, 4]]), 0, summarize=1)
    lines = str(info.value).splitlines()
    assert "First 1 elements of x:" in lines and "[1]" in lines
    assert "Indices" not in str(info.value)  # shapes differ: no index report


@pytest.mark.parametrize("fn, x, y, good_y, sym", [
    (tf.debugging.assert_none_equal, [1, 2], [1, 3], [2, 3], "!="),
    (tf.debugging.assert_less, [1, 5], [2, 5], [2, 6], "<"),
    (tf.debugging.assert_less_equal, [1, 6], [2, 5], [1, 6], "<="),
    (tf.debugging.assert_greater, [3, 1], [2, 1], [2, 0], ">"),
    (tf.debugging.assert_greater_equal, [3, 0], [2, 1], [3, 0], ">="),
])
def test_binary_asserts(fn, x, y, good_y, sym):
    with pytest.raises(IAE, match=f"Condition x {sym} y did not hold"):
        fn(tf.constant(x), tf.constant(y))
    assert fn(tf.constant(x), tf.constant(good_y)) is None


def test_assert_dtype_mismatch():
    with pytest.raises(IAE, match="same dtype"):
        tf.debugging.assert_equal(tf.constant([1]), tf.constant([1.0]))


def test_top_level_names():
    for name in ("print", "Assert", "assert_equal", "assert_less", "assert_greater",
                 "assert_rank"):
        assert hasattr(tf, name), name
    assert tf.Assert is tf.debugging.Assert
    assert tf.assert_equal is tf.debugging.assert_equal


# --- unary asserts ----------------------------------------------------------------------------
@pytest.mark.parametrize("fn, bad, good, sym", [
    (tf.debugging.assert_positive, [1, 0], [1, 2], ">"),
    (tf.debugging.assert_negative, [-1, 0], [-1, -2], "<"),
    (tf.debugging.assert_non_negative, [1, -1], [0, 2], ">="),
    (tf.debugging.assert_non_positive, [-1, 1], [0, -2], "<="),
])
def test_sign_asserts(fn, bad, good, sym):
    assert fn(tf.constant(good)) is None
    with pytest.raises(IAE) as info:
        fn(tf.constant(bad), message="check")
    text = str(info.value)
    assert text.startswith("check.")
    assert f"Condition x {sym} 0 did not hold element-wise:" in text
    assert "x (shape=(2,) dtype=int32) = " in text
    assert str([str(v) for v in bad]) in text


def test_assert_near():
    tf.debugging.assert_near(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0 + 1e-7]))
    with pytest.raises(IAE, match="not equal to tolerance"):
        tf.debugging.assert_near(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.1]))
    tf.debugging.assert_near(tf.constant([1.0]), tf.constant([1.05]), atol=0.1)
    tf.debugging.assert_near(tf.constant([100.0]), tf.constant([101.0]), rtol=0.02)


def test_Assert():
    assert tf.debugging.Assert(True, ["never shown"]) is None
    with pytest.raises(IAE) as info:
        tf.debugging.Assert(tf.constant(False), ["x is bad:", tf.constant([1, 2, 3, 4])])
    text = str(info.value)
    assert text.startswith("Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true.")
    assert "x is bad:" in text and "1, 2, 3, ..." in text
    with pytest.raises(IAE, match="1, 2, 3, 4"):
        tf.Assert(False, [tf.constant([1, 2, 3, 4])], summarize=10)


def test_asserts_check_at_run_time_when_traced():
    run = trace(lambda x: tf.debugging.assert_positive(x), ((None,), tf.float32))
    run(np.array([1.0, 2.0], np.float32))
    with pytest.raises(IAE, match="Condition x > 0"):
        run(np.array([1.0, -2.0], np.float32))
    run_assert = trace(lambda c: tf.Assert(c, ["flag was off"]), ((), tf.bool))
    run_assert(np.array(True))
    with pytest.raises(IAE, match="flag was off"):
        run_assert(np.array(False))


# --- rank, shape, type ------------------------------------------------------------------------
def test_assert_rank_static():
    assert tf.debugging.assert_rank(tf.zeros([2, 3]), 2) is None
    with pytest.raises(ValueError, match="must have rank 2.*Received rank 1"):
        tf.debugging.assert_rank(tf.constant([1, 2]), 2)
    tf.debugging.assert_rank_at_least(tf.zeros([2, 3, 4]), 2)
    with pytest.raises(ValueError, match="rank at least 3"):
        tf.debugging.assert_rank_at_least(tf.zeros([2]), 3)
    tf.debugging.assert_rank_in(tf.zeros([2]), [0, 1])
    with pytest.raises(ValueError, match=r"rank in \[0, 2\]"):
        tf.debugging.assert_rank_in(tf.zeros([2]), [0, 2])
    with pytest.raises(ValueError, match="Rank must be a scalar"):
        tf.debugging.assert_rank(tf.zeros([2]), [1])


def test_assert_rank_at_run_time_for_unknown_rank():
    run = trace(lambda x: tf.debugging.assert_rank(x, 2), (None, tf.float32))
    run(np.zeros((2, 2), np.float32))
    with pytest.raises(IAE, match="must have rank 2"):
        run(np.zeros((2,), np.float32))


def test_assert_shapes():
    x, y, s = tf.zeros([3, 2]), tf.zeros([3]), tf.constant(1.0)
    tf.debugging.assert_shapes([(x, ("N", "Q")), (y, ("N",)), (s, ())])
    tf.debugging.assert_shapes([(x, (3, ".")), (tf.zeros([5, 6, 3, 2]), ("*", 3, 2))])
    with pytest.raises(ValueError, match="dimension 0 must have size 3"):
        tf.debugging.assert_shapes([(x, ("N", "Q")), (tf.zeros([4]), ("N",))])
    with pytest.raises(ValueError, match="must have size 4"):
        tf.debugging.assert_shapes([(x, (4, 2))])
    with pytest.raises(ValueError, match="rank"):
        tf.debugging.assert_shapes([(x, ("N",))])


def test_assert_shapes_at_run_time():
    run = trace(lambda a, b: tf.debugging.assert_shapes([(a, ("N",)), (b, ("N", 2))]),
                ((None,), tf.float32), ((None, 2), tf.float32))
    run(np.zeros(3, np.float32), np.zeros((3, 2), np.float32))
    with pytest.raises(IAE, match="must have size 3"):
        run(np.zeros(3, np.float32), np.zeros((4, 2), np.float32))


def test_assert_type_integer_scalar():
    tf.debugging.assert_type(tf.constant(1), tf.int32)
    with pytest.raises(TypeError, match="must be of type float32"):
        tf.debugging.assert_type(tf.constant(1), tf.float32)
    tf.debugging.assert_integer(tf.constant([1]))
    with pytest.raises(TypeError, match="integer"):
        tf.debugging.assert_integer(tf.constant([1.0]))
    assert tf.debugging.assert_scalar(tf.constant(1.0)) is not None
    with pytest.raises(ValueError, match="Expected scalar shape"):
        tf.debugging.assert_scalar(tf.constant([1.0]))


def test_assert_same_float_dtype_and_proper_iterable():
    assert tf.debugging.assert_same_float_dtype([tf.zeros([1]), tf.ones([2])]) == tf.float32
    with pytest.raises(ValueError):
        tf.debugging.assert_same_float_dtype([tf.zeros([1]), tf.zeros([1], tf.float64)])
    tf.debugging.assert_proper_iterable([1, 2])
    with pytest.raises(TypeError):
        tf.debugging.assert_proper_iterable("abc")


# --- check_numerics -------------------------------------------------------------------------
def test_check_numerics_passes_value():
    x = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(tf.debugging.check_numerics(x, "msg"), [1.0, 2.0])


@pytest.mark.parametrize("values, kind", [
    ([1.0, np.nan], "NaN"), ([np.inf, 1.0], "Inf"), ([np.inf, np.nan], "Inf and NaN")])
def test_check_numerics_errors(values, kind):
    with pytest.raises(IAE, match=f"^my check : Tensor had {kind} values"):
        tf.debugging.check_numerics(tf.constant(values), "my check")
    with pytest.raises(IAE, match=kind):
        tf.debugging.assert_all_finite(tf.constant(values), "finite")


def test_check_numerics_rejects_ints():
    with pytest.raises(IAE, match="floating"):
        tf.debugging.check_numerics(tf.constant([1]), "m")


def test_check_numerics_gradient_passes_through():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.debugging.check_numerics(x, "m") * 3.0)
    np.testing.assert_array_equal(tape.gradient(y, x), [3.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.debugging.check_numerics(x, "fwd") * np.inf)
    with pytest.raises(IAE, match="detected in gradient. fwd"):
        tape.gradient(y, x)


def test_check_numerics_at_run_time():
    run = trace(lambda x: tf.debugging.check_numerics(x, "run") * 2.0, ((2,), tf.float32))
    np.testing.assert_array_equal(run(np.array([1.0, 2.0], np.float32))[0], [2.0, 4.0])
    with pytest.raises(IAE, match="run : Tensor had NaN"):
        run(np.array([np.nan, 2.0], np.float32))


def test_is_numeric_tensor():
    assert tf.debugging.is_numeric_tensor(tf.constant([1.0]))
    assert tf.debugging.is_numeric_tensor(tf.constant([1]))
    assert not tf.debugging.is_numeric_tensor(tf.constant([True]))
    assert not tf.debugging.is_numeric_tensor(tf.constant(["a"]))
    assert not tf.debugging.is_numeric_tensor(np.array([1.0]))


def test_print_lone_scalar_string_prints_its_text():
    assert printed(tf.constant("hello")) == "hello\n"
    assert printed("a", tf.constant("hello")) == 'a "hello"\n'


# --- tf.function ----------------------------------------------------------------------------
def test_function_prints_and_checks_at_every_call(capsys):
    @tf.function
    def f(x):
        tf.print("x:", x)
        y = tf.debugging.check_numerics(x, "f")
        tf.debugging.assert_non_negative(y)
        return y + 1

    f(tf.constant([1.0, 2.0]))
    f(tf.constant([3.0, 4.0]))
    assert capsys.readouterr().err == "x: [1 2]\nx: [3 4]\n"
    with pytest.raises(IAE, match="Condition x >= 0"):
        f(tf.constant([-1.0, 4.0]))
    with pytest.raises(IAE, match="f : Tensor had NaN values"):
        f(tf.constant([np.nan, 4.0]))
