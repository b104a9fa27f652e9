"""tf.function: tracing, the cache key and retracing, variables, side effects, gradients."""

import logging

import numpy as np
import pytest

import eagerflow as tf


def test_seed_simple_nn_example():
    def linear_layer(x):
        return 3 * x + 2

    @tf.function
    def simple_nn(x):
        return tf.nn.relu(linear_layer(x)) if hasattr(tf.nn, "relu") else tf.maximum(
            linear_layer(x), 0.0)

    def simple_function(x):
        return 3 * x

    x = tf.constant([-2.0, 0.5, 1.0])
    np.testing.assert_allclose(simple_nn(x).numpy(), np.maximum(3 * x.numpy() + 2, 0))
    np.testing.assert_allclose(simple_function(x).numpy(), 3 * x.numpy())
    assert isinstance(simple_nn, tf.function(lambda: None).__class__)


def test_same_result_eager_and_compiled():
    def f(x, y):
        return tf.exp(x * y + 1.0) - y / 2.0

    x = tf.constant(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))
    y = tf.constant(np.full((4,), 0.5, np.float32))
    np.testing.assert_allclose(tf.function(f)(x, y).numpy(), f(x, y).numpy(), rtol=1e-6)


def test_retracing_rules():
    f = tf.function(lambda x: x + 1)
    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert f.experimental_get_tracing_count() == 1      # same dtype and shape: no retrace
    f(tf.constant([1.0, 2.0]))
    assert f.experimental_get_tracing_count() == 2      # new shape
    f(tf.constant(1))
    assert f.experimental_get_tracing_count() == 3      # new dtype
    g = tf.function(lambda x, n: x * n)
    g(tf.constant(1.0), 2)
    g(tf.constant(1.0), 3)
    assert g.experimental_get_tracing_count() == 2      # Python values key by value
    g(tf.constant(1.0), 3.0)
    assert g.experimental_get_tracing_count() == 2      # 3 == 3.0 share a trace
    h = tf.function(lambda xs: xs[0] + xs[1])
    h([tf.constant(1.0), tf.constant(2.0)])
    h((tf.constant(1.0), tf.constant(2.0)))
    assert h.experimental_get_tracing_count() == 2      # list vs tuple retrace


def test_input_signature_traces_once_and_rejects_incompatible():
    f = tf.function(lambda x: x * 2.0, input_signature=[tf.TensorSpec([None], tf.float32)])
    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(f(tf.constant([1.0, 2.0, 3.0])).numpy(), [2.0, 4.0, 6.0])
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="Can not cast"):
        f(tf.constant([1, 2, 3]))


def test_reduce_retracing_generalizes_shapes():
    f = tf.function(lambda x: x * 2.0, reduce_retracing=True)
    for n in (1, 2, 3, 4):
        f(tf.ones([n]))
    assert f.experimental_get_tracing_count() == 2
    concrete = f.get_concrete_function(tf.ones([7]))
    assert concrete.graph.inputs[0].shape.as_list() == [None]


def test_retracing_warning(caplog):
    f = tf.function(lambda x: x + 1)
    with caplog.at_level(logging.WARNING, logger="eagerflow"):
        for n in range(6):
            f(tf.ones([n + 1]))
    assert "triggered tf.function retracing" in caplog.text
    # Better than TF's warning: it names the argument that changed and how.
    assert "argument `x` was a float32 tensor of shape (4,), now a float32 tensor of shape (5,)" \
        in caplog.text


def test_retracing_description_follows_nested_arguments():
    from eagerflow.function.function import _describe_change, _key

    def key(*args, **kwargs):
        return _key((args, kwargs), [])

    old = key(tf.ones([2]), {"b": [tf.ones([3]), 1]})
    new = key(tf.ones([2]), {"b": [tf.ones([3]), 2]})
    assert _describe_change(old, new, ["x", "items"]) == \
        "argument `items['b'][1]` was the Python value 1, now the Python value 2"


def test_concrete_function_api():
    @tf.function
    def f(x, scale=2.0):
        return {"out": x * scale}

    concrete = f.get_concrete_function(tf.TensorSpec([None, 3], tf.float32))
    args, kwargs = concrete.structured_input_signature
    assert args[0] == tf.TensorSpec([None, 3], tf.float32)
    assert set(concrete.structured_outputs) == {"out"}
    out = concrete(tf.ones([2, 3]))
    np.testing.assert_allclose(out["out"].numpy(), np.full((2, 3), 2.0))
    assert "def " in concrete.python_source and "multiply" in concrete.python_source
    assert "multiply" in str(concrete.graph)
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float32"):
        concrete(tf.ones([2, 3], tf.int32))


def test_python_side_effects_run_at_trace_time_only():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return x + 1

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert len(calls) == 1


def test_variables_captured_by_reference_and_assign_in_order():
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        v.assign(v * x)
        v.assign_add(1.0)
        return v.read_value()

    assert float(f(tf.constant(3.0))) == 4.0
    v.assign(10.0)  # a later assignment outside is seen
    assert float(f(tf.constant(2.0))) == 21.0
    assert float(v) == 21.0


def test_variable_created_on_first_trace_only():
    class Model:
        def __init__(self):
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(tf.ones([3]))
            return self.v * x

    m = Model()
    np.testing.assert_allclose(m(tf.constant(2.0)).numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(m(tf.constant(3.0)).numpy(), [3.0, 3.0, 3.0])

    @tf.function
    def bad(x):
        return tf.Variable(1.0) * x

    bad(tf.constant(1.0))
    with pytest.raises(ValueError, match="singleton tf.Variables"):
        bad(tf.constant([1.0, 2.0]))


def test_methods_have_per_instance_caches():
    class Scale:
        def __init__(self, k):
            self.k = k

        @tf.function
        def __call__(self, x):
            return x * self.k

    a, b = Scale(2.0), Scale(3.0)
    assert float(a(tf.constant(1.0))) == 2.0
    assert float(b(tf.constant(1.0))) == 3.0


def test_run_functions_eagerly():
    seen = []

    @tf.function
    def f(x):
        seen.append(tf.executing_eagerly())
        return x + 1

    tf.config.run_functions_eagerly(True)
    try:
        f(tf.constant(1.0))
    finally:
        tf.config.run_functions_eagerly(False)
    f(tf.constant(1.0))
    assert seen == [True, False]


def test_shape_error_at_trace_time_names_op_and_line():
    @tf.function
    def f(x, y):
        return x + y

    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        f(tf.ones([2, 3]), tf.ones([4]))
    assert "add" in str(info.value) and "test_function.py" in str(info.value)


def test_gradient_tape_inside_function():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.exp(x * w))
        return tape.gradient(y, w)

    x = tf.constant([[0.1, 0.2], [0.3, 0.4]])
    expected = (x * tf.exp(x * w)).numpy()
    np.testing.assert_allclose(step(x).numpy(), expected, rtol=1e-5)


def test_gradient_of_function_called_eagerly():
    w = tf.Variable([1.0, 2.0, 3.0])

    @tf.function
    def loss(x):
        return tf.reduce_sum(w * w * x)

    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = loss(x)
    gw, gx = tape.gradient(y, [w, x])
    np.testing.assert_allclose(gw.numpy(), 2 * w.numpy() * x.numpy())
    np.testing.assert_allclose(gx.numpy(), w.numpy() ** 2)
    # second order through the function call
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = loss(x * x)
        g = inner.gradient(y, x)
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), 2 * w.numpy() ** 2)


def test_nested_functions_are_inlined():
    @tf.function
    def inner(x):
        return x * 2.0

    @tf.function
    def outer(x):
        return inner(x) + 1.0

    assert float(outer(tf.constant(1.0))) == 3.0
    assert "call" not in outer.get_concrete_function(tf.constant(1.0)).python_source


def test_returns_python_values_and_nested_structures():
    @tf.function
    def f(x):
        return {"a": x, "b": (x + 1, None), "c": 3}

    out = f(tf.constant(1.0))
    assert float(out["b"][0]) == 2.0 and out["b"][1] is None
    assert int(out["c"]) == 3


def test_variable_slice_assign_and_read_inside_function():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])

    @tf.function
    def f(x):
        doubled = v[0] * 2.0  # a slice of a variable is an ordinary value too
        v[0].assign(x)
        v[1, 1:].assign([9.0])
        return doubled, v.read_value()

    doubled, value = f(tf.constant([5.0, 6.0]))
    np.testing.assert_allclose(doubled.numpy(), [2.0, 4.0])
    np.testing.assert_allclose(value.numpy(), [[5.0, 6.0], [3.0, 9.0]])
    np.testing.assert_allclose(v.numpy(), [[5.0, 6.0], [3.0, 9.0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not match"):
        tf.function(lambda: v[0].assign([1.0, 2.0, 3.0]))()
    np.testing.assert_allclose(v.numpy(), [[5.0, 6.0], [3.0, 9.0]])


def test_gradient_of_eager_call_with_variable_argument_and_capture():
    scale = tf.Variable(3.0)

    @tf.function
    def loss(v, x):
        return tf.reduce_sum(v * v * x * scale)

    a, b = tf.Variable([1.0, 2.0]), tf.Variable([3.0, 4.0])
    x = tf.constant([1.0, 1.0])
    for v in (a, b):  # one trace for both: variables key by dtype and shape
        with tf.GradientTape() as tape:
            y = loss(v, x)
        gv, gs = tape.gradient(y, [v, scale])
        np.testing.assert_allclose(gv.numpy(), 2 * v.numpy() * 3.0)
        np.testing.assert_allclose(float(gs), float(np.sum(v.numpy() ** 2)))
    assert loss.experimental_get_tracing_count() == 1


def test_defaults_and_keywords_share_a_trace():
    @tf.function
    def f(x, training=False, scale=2.0):
        return x * scale if training else x

    x = tf.constant(1.0)
    f(x)
    f(x, training=False)
    f(x, False)
    f(training=False, x=x)
    assert f.experimental_get_tracing_count() == 1
    assert float(f(x, training=True)) == 2.0
    assert f.experimental_get_tracing_count() == 2
    with pytest.raises(TypeError, match="f\\(\\)"):
        f(x, bogus=1)


def test_methods_of_unhashable_instances_keep_their_cache():
    import dataclasses

    @dataclasses.dataclass
    class Model:  # eq=True makes instances unhashable
        scale: float

        @tf.function
        def __call__(self, x):
            return x * self.scale

    model = Model(2.0)
    for _ in range(3):
        assert float(model(tf.constant(1.0))) == 2.0
    assert model.__call__.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("make", [
    lambda x: x * 2.0,
    lambda x: {"b": x * 2.0, "a": x + 1.0},
    lambda x: (x * 2.0, x + 1.0),
    lambda x: [x * 2.0, x + 1.0],
    lambda x: {"a": (x * 2.0, 1), "b": None},
])
def test_output_structures_are_rebuilt_fresh_on_every_call(make):
    fn = tf.function(make)
    x = np.arange(3, dtype=np.float32)
    first, second = fn(x), fn(x + 1.0)
    expected_first, expected_second = make(tf.constant(x)), make(tf.constant(x + 1.0))
    for got, want in ((first, expected_first), (second, expected_second)):
        assert type(got) is type(want)
        tf.nest.assert_same_structure(got, want)
        for a, b in zip(tf.nest.flatten(got), tf.nest.flatten(want)):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    if isinstance(first, (dict, list)):
        assert first is not second  # a new container each call: callers may mutate it
    if isinstance(first, dict):
        assert list(first) == list(expected_first)  # dict key order kept


def test_plain_array_arguments_are_copied_and_tensors_are_not_written():
    fn = tf.function(lambda x: x)
    array = np.ones(3, np.float32)
    out = fn(array)
    array[0] = 5.0
    assert out.numpy()[0] == 1.0  # the result never aliases the caller's NumPy array
    tensor = tf.constant([1.0, 2.0])
    doubled = tf.function(lambda t: t * 2.0 + 1.0)(tensor)
    np.testing.assert_array_equal(tensor.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(doubled.numpy(), [3.0, 5.0])
    assert fn.experimental_get_tracing_count() == 1
    fn(np.ones((3,), np.float64))  # another dtype: another trace, found by the fast key path
    assert fn.experimental_get_tracing_count() == 2
