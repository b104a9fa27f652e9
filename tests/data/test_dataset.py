"""Dataset inspection and iteration: element_spec, cardinality, len, iterators, threads."""

import gc
import threading
import time

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.spec import TensorSpec

Dataset = tf.data.Dataset


def values(ds):
    return [v.tolist() if isinstance(v, np.ndarray) else v for v in ds.as_numpy_iterator()]


def wait_for_threads(before, timeout=3.0):
    """The tf.data threads started since `before`, after waiting for them to stop."""
    deadline = time.time() + timeout
    while True:
        gc.collect()
        extra = [t for t in threading.enumerate()
                 if t not in before and t.name.startswith("tf.data") and t.is_alive()]
        if not extra or time.time() > deadline:
            return extra
        time.sleep(0.02)


def test_constants():
    assert tf.data.AUTOTUNE == -1
    assert tf.data.INFINITE_CARDINALITY == -1
    assert tf.data.UNKNOWN_CARDINALITY == -2
    assert tf.data.experimental.AUTOTUNE == -1


@pytest.mark.parametrize("make, expected", [
    (lambda: Dataset.range(10), 10),
    (lambda: Dataset.range(10).repeat(), -1),
    (lambda: Dataset.range(10).repeat(2), 20),
    (lambda: Dataset.range(10).batch(3), 4),
    (lambda: Dataset.range(10).batch(3, drop_remainder=True), 3),
    (lambda: Dataset.range(10).take(3), 3),
    (lambda: Dataset.range(10).skip(3), 7),
    (lambda: Dataset.range(10).skip(30), 0),
    (lambda: Dataset.range(10).shuffle(4), 10),
    (lambda: Dataset.range(10).filter(lambda x: x > 2), -2),
    (lambda: Dataset.range(10).flat_map(lambda x: Dataset.range(x)), -2),
    (lambda: Dataset.range(10).batch(2).unbatch(), -2),
    (lambda: Dataset.range(10).repeat().take(5), 5),
    (lambda: Dataset.range(10).repeat().skip(5), -1),
    (lambda: Dataset.range(10).map(lambda x: x), 10),
    (lambda: Dataset.range(10).prefetch(2), 10),
    (lambda: Dataset.range(10).cache(), 10),
    (lambda: Dataset.range(10).enumerate(), 10),
    (lambda: Dataset.range(10).shard(3, 0), 4),
    (lambda: Dataset.range(10).shard(3, 2), 3),
    (lambda: Dataset.range(10).concatenate(Dataset.range(5)), 15),
    (lambda: Dataset.zip((Dataset.range(10), Dataset.range(4))), 4),
    (lambda: Dataset.zip((Dataset.range(10), Dataset.range(4).repeat())), 10),
    (lambda: Dataset.range(10).window(3), 4),
    (lambda: Dataset.range(10).window(3, 1, drop_remainder=True), 8),
    (lambda: Dataset.range(0).repeat(), 0),
    (lambda: Dataset.from_tensors([1, 2]), 1),
    (lambda: Dataset.from_generator(lambda: iter([1]), output_signature=TensorSpec((), tf.int32)),
     -2),
    (lambda: Dataset.range(10).ignore_errors(), -2),
    (lambda: Dataset.range(10).apply(tf.data.experimental.assert_cardinality(10)), 10),
])
def test_cardinality(make, expected):
    ds = make()
    n = ds.cardinality()
    assert n.dtype == tf.int64 and int(n) == expected
    assert int(tf.data.experimental.cardinality(ds)) == expected
    if expected >= 0:
        assert len(ds) == expected


def test_len_errors():
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(Dataset.range(3).repeat())
    with pytest.raises(TypeError, match="The dataset length is unknown."):
        len(Dataset.range(3).filter(lambda x: True))
    assert bool(Dataset.range(0))


def test_element_spec_batch():
    ds = Dataset.from_tensor_slices(np.zeros((10, 3), np.float32))
    assert ds.element_spec == TensorSpec((3,), tf.float32)
    assert ds.batch(4).element_spec == TensorSpec((None, 3), tf.float32)
    assert ds.batch(4, drop_remainder=True).element_spec == TensorSpec((4, 3), tf.float32)
    assert repr(ds.batch(4).element_spec) == \
        "TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)"


def test_element_spec_structures():
    ds = Dataset.from_tensor_slices({"a": [1, 2], "b": ([1.0, 2.0], [b"x", b"y"])})
    spec = ds.element_spec
    assert spec == {"a": TensorSpec((), tf.int32),
                    "b": (TensorSpec((), tf.float32), TensorSpec((), tf.string))}
    assert Dataset.range(3).element_spec == TensorSpec((), tf.int64)
    assert repr(Dataset.range(3)) == \
        "<_RangeDataset element_spec=TensorSpec(shape=(), dtype=tf.int64, name=None)>"


def test_map_element_spec():
    ds = Dataset.from_tensor_slices(np.zeros((4, 3), np.float32))
    assert ds.map(lambda x: (x, x[0])).element_spec == (
        TensorSpec((3,), tf.float32), TensorSpec((), tf.float32))
    assert ds.map(lambda x: [x, x]).element_spec == (
        TensorSpec((3,), tf.float32), TensorSpec((3,), tf.float32))
    # Dims that follow an unknown input dim, or the data, are unknown; the others are kept.
    assert ds.batch(2).map(lambda x: x * 2).element_spec == TensorSpec((None, 3), tf.float32)
    assert Dataset.range(4).map(lambda i: tf.fill([i], i)).element_spec == \
        TensorSpec((None,), tf.int64)
    # Map functions are traced with the element_spec, as TF does: Python conversions of
    # their (symbolic) arguments fail, as they do in TF.
    strict = Dataset.range(1, 3).map(lambda x: x if int(x) > 0 else 1 // 0)
    with pytest.raises(TypeError):
        _ = strict.element_spec


def test_iteration_protocols():
    ds = Dataset.range(3)
    assert [int(x) for x in ds] == [0, 1, 2]
    assert [int(x) for x in ds] == [0, 1, 2]  # re-iteration from the start
    it = iter(ds)
    assert int(next(it)) == 0
    assert int(it.get_next()) == 1
    assert int(it.next()) == 2
    with pytest.raises(StopIteration):
        next(it)
    it = iter(ds.skip(3))
    with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
        it.get_next()
    assert it.element_spec == TensorSpec((), tf.int64)


def test_get_next_as_optional():
    it = iter(Dataset.from_tensors((1, 2.0)))
    opt = it.get_next_as_optional()
    assert bool(opt.has_value())
    a, b = opt.get_value()
    assert int(a) == 1 and float(b) == 2.0
    empty = it.get_next_as_optional()
    assert not bool(empty.has_value())
    assert empty.has_value().dtype == tf.bool
    with pytest.raises(tf.errors.InvalidArgumentError):
        empty.get_value()


def test_elements_are_tensors_and_numpy_iterator():
    ds = Dataset.from_tensor_slices(([1, 2], ["a", "b"]))
    x, s = next(iter(ds))
    assert isinstance(x, tf.Tensor) and x.dtype == tf.int32 and x.shape == ()
    assert s.dtype == tf.string and s.numpy() == b"a"
    assert list(ds.as_numpy_iterator()) == [(1, b"a"), (2, b"b")]
    rows = list(Dataset.from_tensor_slices(np.eye(2)).as_numpy_iterator())
    rows[0][0] = 5.0  # as_numpy_iterator hands out copies
    assert list(Dataset.from_tensor_slices(np.eye(2)).as_numpy_iterator())[0][0] == 1.0


def test_get_single_element():
    assert int(Dataset.from_tensors(7).get_single_element()) == 7
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than one"):
        Dataset.range(2).get_single_element()
    with pytest.raises(tf.errors.InvalidArgumentError, match="empty"):
        Dataset.range(0).get_single_element()


def test_options():
    options = tf.data.Options()
    assert options.deterministic is None
    options.deterministic = False
    options.experimental_optimization.map_parallelization = True
    options.threading.private_threadpool_size = 2
    ds = Dataset.range(3).with_options(options).map(lambda x: x)
    merged = ds.options()
    assert merged.deterministic is False
    assert merged.experimental_deterministic is False
    assert merged.experimental_optimization.map_parallelization is True
    assert merged.threading.private_threadpool_size == 2
    with pytest.raises(AttributeError):
        options.no_such_option = 1
    later = tf.data.Options()
    later.deterministic = True
    assert ds.with_options(later).options().deterministic is True
    with pytest.raises(TypeError):
        Dataset.range(3).with_options({"deterministic": False})


def test_assert_cardinality():
    ds = Dataset.range(3).filter(lambda x: True)
    assert values(ds.apply(tf.data.experimental.assert_cardinality(3))) == [0, 1, 2]
    assert int(ds.apply(tf.data.experimental.assert_cardinality(3)).cardinality()) == 3
    with pytest.raises(tf.errors.FailedPreconditionError, match="at least 3 elements"):
        list(ds.apply(tf.data.experimental.assert_cardinality(2)))
    with pytest.raises(tf.errors.FailedPreconditionError, match="contained only 3 elements"):
        list(ds.apply(tf.data.experimental.assert_cardinality(5)))


def test_prefetch_order_and_no_thread_left():
    before = set(threading.enumerate())
    ds = Dataset.range(100).map(lambda x: x * 2, num_parallel_calls=3).prefetch(4)
    assert values(ds) == list(range(0, 200, 2))
    assert wait_for_threads(before) == []


def test_threads_stop_when_iterator_dropped():
    before = set(threading.enumerate())
    ds = Dataset.range(10).repeat().map(lambda x: x + 1, num_parallel_calls=2).prefetch(2)
    it = iter(ds)
    assert [int(next(it)) for _ in range(5)] == [1, 2, 3, 4, 5]
    assert any(t.name.startswith("tf.data") for t in threading.enumerate() if t not in before)
    del it
    assert wait_for_threads(before) == []


def test_threads_stop_on_break_and_close():
    before = set(threading.enumerate())
    ds = Dataset.range(1000).interleave(lambda x: Dataset.range(x).repeat(),
                                        cycle_length=2, num_parallel_calls=2).prefetch(1)
    for i, _ in enumerate(ds):
        if i == 3:
            break
    it = iter(Dataset.range(10).repeat().prefetch(1))
    next(it)
    it.close()
    assert wait_for_threads(before) == []


def test_map_error_reaches_consumer_with_traceback():
    def bad(x):
        if int(x) == 3:
            raise ValueError("element three is bad")
        return x

    def mapped(x):  # map functions are traced; Python work on values goes in a py_function
        return tf.py_function(bad, [x], tf.int64)

    for parallel in (None, 2):
        before = set(threading.enumerate())
        ds = Dataset.range(6).map(mapped, num_parallel_calls=parallel).prefetch(2)
        it = iter(ds)
        assert [int(next(it)) for _ in range(3)] == [0, 1, 2]
        with pytest.raises(tf.errors.InvalidArgumentError, match="element three is bad") as info:
            next(it)
        cause = info.value.__cause__
        assert isinstance(cause, ValueError)
        frames = []
        tb = cause.__traceback__
        while tb is not None:
            frames.append(tb.tb_frame.f_code.co_name)
            tb = tb.tb_next
        assert "bad" in frames and "bad" in str(info.value)
        del it, info, cause  # the tracebacks' frames hold the iterator
        assert wait_for_threads(before) == []


def test_generator_error_reaches_consumer():
    def gen():
        yield 1
        raise KeyError("broken generator")

    before = set(threading.enumerate())
    ds = Dataset.from_generator(gen, output_signature=TensorSpec((), tf.int32)).prefetch(2)
    it = iter(ds)
    assert int(next(it)) == 1
    with pytest.raises(tf.errors.UnknownError, match="broken generator"):
        next(it)
    with pytest.raises(StopIteration):
        next(it)
    assert wait_for_threads(before) == []


def test_error_after_map_continues_iteration():
    def bad(x):
        if int(x) % 2:
            raise tf.errors.InvalidArgumentError(None, None, "odd")
        return x

    it = iter(Dataset.range(4).map(lambda x: tf.py_function(bad, [x], tf.int64)))
    assert int(next(it)) == 0
    with pytest.raises(tf.errors.InvalidArgumentError):
        next(it)
    assert int(next(it)) == 2


def test_element_spec_probe_has_no_side_effects():
    def reject_zero(x):  # traced with the element_spec: no element is read for the spec
        tf.debugging.assert_positive(x)
        return tf.cast(x, tf.int32)

    seeded = Dataset.range(1, 21).shuffle(20, seed=9)
    twin = Dataset.range(1, 21).shuffle(20, seed=9)
    reference = [list(twin.as_numpy_iterator()) for _ in range(2)]
    assert seeded.map(reject_zero).element_spec == TensorSpec((), tf.int32)
    assert [list(seeded.as_numpy_iterator()) for _ in range(2)] == reference
    cached = Dataset.range(1, 4).cache()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cached.map(reject_zero).element_spec == TensorSpec((), tf.int32)


def test_map_runs_outside_gradient_tapes():
    w = tf.Variable(2.0)
    ds = Dataset.from_tensor_slices([1.0, 2.0]).map(lambda x: x * w)
    with tf.GradientTape() as tape:
        total = None
        for x in ds:
            total = x if total is None else total + x
    assert float(total) == 6.0
    assert tape.gradient(total, w) is None  # TF does not differentiate through tf.data
    assert tf.data.experimental.get_next_as_optional(iter(ds)).has_value()


def test_next_of_an_outside_iterator_inside_tf_function_advances_at_every_call():
    ds = Dataset.from_tensor_slices((np.arange(3, dtype=np.float32), np.arange(3)))
    it = iter(ds)

    @tf.function
    def step():
        x, y = next(it)
        return x * 2.0, y

    assert [(float(a), int(b)) for a, b in (step(), step(), step())] == \
        [(0.0, 0), (2.0, 1), (4.0, 2)]
    with pytest.raises(tf.errors.OutOfRangeError):
        step()
    assert step.experimental_get_tracing_count() == 1


def test_python_iteration_of_a_dataset_while_tracing_is_refused():
    ds = Dataset.range(3)

    @tf.function
    def f():
        return next(iter(ds))

    with pytest.raises(TypeError, match="trace time"):
        f()


def test_for_over_an_iterator_inside_tf_function_folds_what_is_left():
    it = iter(Dataset.range(5))
    first = next(it)  # eagerly: 0

    @tf.function
    def rest():
        total = tf.constant(0, tf.int64)
        for x in it:
            total += x
        return total

    assert int(first) == 0 and int(rest()) == 1 + 2 + 3 + 4
    assert int(rest()) == 0  # exhausted: nothing left to fold

    @tf.function(autograph=False)
    def unconverted():
        for x in it:
            return x

    with pytest.raises(TypeError, match="never end while tracing"):
        unconverted()
