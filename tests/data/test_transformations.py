"""Dataset transformations against TF's documented semantics (values, order, specs)."""


import numpy as np
import pytest

import eagerflow as tf
from eagerflow.core.spec import TensorSpec
from tests.data.util import values

Dataset = tf.data.Dataset


def test_repeat():
    assert values(Dataset.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert values(Dataset.range(3).repeat(0)) == []
    assert values(Dataset.range(2).repeat().take(5)) == [0, 1, 0, 1, 0]
    assert values(Dataset.range(0).repeat()) == []


def test_shuffle_is_a_permutation_of_each_epoch():
    ds = Dataset.range(50).shuffle(50, seed=1)
    first, second = values(ds), values(ds)
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert first != list(range(50))
    assert first != second  # reshuffled each iteration
    epochs = values(Dataset.range(20).shuffle(20, seed=2).repeat(3))
    for k in range(3):
        assert sorted(epochs[20 * k:20 * (k + 1)]) == list(range(20))


def test_shuffle_seeded_determinism():
    a = Dataset.range(30).shuffle(10, seed=7)
    b = Dataset.range(30).shuffle(10, seed=7)
    assert values(a) == values(b)
    assert values(a) == values(b)  # the second epochs agree too
    fixed = Dataset.range(30).shuffle(30, seed=7, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    unseeded = Dataset.range(30).shuffle(30, reshuffle_each_iteration=False)
    assert values(unseeded) == values(unseeded)


def test_shuffle_buffer_is_local():
    # With a buffer of 2, element i enters the buffer after i - 1 outputs: never earlier.
    out = values(Dataset.range(100).shuffle(2, seed=0))
    assert sorted(out) == list(range(100))
    assert all(out.index(i) >= i - 1 for i in range(100))
    assert out != list(range(100))
    assert values(Dataset.range(5).shuffle(1)) == [0, 1, 2, 3, 4]
    with pytest.raises(tf.errors.InvalidArgumentError):
        Dataset.range(3).shuffle(0)


def test_shuffle_global_seed():
    if not hasattr(tf.random, "set_seed"):
        pytest.skip("tf.random.set_seed not available")
    tf.random.set_seed(5)
    a = values(Dataset.range(20).shuffle(20))
    tf.random.set_seed(5)
    b = values(Dataset.range(20).shuffle(20))
    tf.random.set_seed(None)
    assert a == b


def test_repeat_then_shuffle_mixes_epochs():
    out = values(Dataset.range(10).repeat(2).shuffle(20, seed=3))
    assert sorted(out) == sorted(list(range(10)) * 2)


def test_map_argument_unpacking():
    ds = Dataset.from_tensor_slices(([1, 2], [10, 20]))
    assert values(ds.map(lambda a, b: a + b)) == [11, 22]
    ds = Dataset.from_tensor_slices({"a": [1, 2], "b": [3, 4]})
    assert values(ds.map(lambda d: d["a"] * d["b"])) == [3, 8]
    assert values(Dataset.range(3).map(lambda x: {"y": x, "z": (x, x)})) == \
        [{"y": i, "z": (i, i)} for i in range(3)]
    assert values(Dataset.range(2).map(lambda x: 1.5)) == [1.5, 1.5]


def test_parallel_map_order():
    ds = Dataset.range(200).map(lambda x: x * 3, num_parallel_calls=4)
    assert values(ds) == [3 * i for i in range(200)]
    auto = Dataset.range(50).map(lambda x: x + 1, num_parallel_calls=tf.data.AUTOTUNE)
    assert values(auto) == list(range(1, 51))
    loose = Dataset.range(100).map(lambda x: x, num_parallel_calls=3, deterministic=False)
    assert sorted(values(loose)) == list(range(100))
    options = tf.data.Options()
    options.deterministic = False
    optioned = Dataset.range(20).map(lambda x: x, num_parallel_calls=2).with_options(options)
    assert sorted(values(optioned)) == list(range(20))
    with pytest.raises(ValueError):
        Dataset.range(2).map(lambda x: x, num_parallel_calls=0)


def test_filter():
    assert values(Dataset.range(10).filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    pairs = Dataset.from_tensor_slices(([1, 2, 3], [0, 1, 0]))
    assert values(pairs.filter(lambda a, b: b > 0)) == [(2, 1)]
    with pytest.raises(ValueError, match="must return a `tf.bool` scalar tensor"):
        list(Dataset.range(3).filter(lambda x: x))


def test_flat_map_and_interleave():
    ds = Dataset.range(1, 4).flat_map(lambda x: Dataset.from_tensors(x).repeat(x))
    assert values(ds) == [1, 2, 2, 3, 3, 3]
    assert ds.element_spec == TensorSpec((), tf.int64)
    with pytest.raises(TypeError, match="must return a `Dataset`"):
        list(Dataset.range(2).flat_map(lambda x: x))
    interleaved = Dataset.range(1, 6).interleave(
        lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2, block_length=4)
    expected = [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4,
                5, 5, 5, 5, 5, 5]
    assert values(interleaved) == expected
    parallel = Dataset.range(1, 6).interleave(
        lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2, block_length=4,
        num_parallel_calls=2)
    assert values(parallel) == expected
    uneven = Dataset.range(1, 4).interleave(lambda x: Dataset.range(x), cycle_length=3)
    assert values(uneven) == [0, 0, 0, 1, 1, 2]


def test_take_skip_take_while_shard():
    assert values(Dataset.range(10).take(3)) == [0, 1, 2]
    assert values(Dataset.range(3).take(-1)) == [0, 1, 2]
    assert values(Dataset.range(10).skip(7)) == [7, 8, 9]
    assert values(Dataset.range(3).skip(-1)) == []
    assert values(Dataset.range(10).take_while(lambda x: x < 4)) == [0, 1, 2, 3]
    assert values(Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Index must be between"):
        Dataset.range(3).shard(2, 2)


def test_concatenate_and_enumerate():
    a = Dataset.range(2)
    assert values(a.concatenate(Dataset.range(5, 7))) == [0, 1, 5, 6]
    with pytest.raises(TypeError, match="Incompatible"):
        a.concatenate(Dataset.from_tensor_slices([1.0]))
    mixed = Dataset.from_tensors(np.zeros(2)).concatenate(Dataset.from_tensors(np.zeros(3)))
    assert mixed.element_spec == TensorSpec((None,), tf.float64)
    enumerated = Dataset.from_tensor_slices([b"a", b"b"]).enumerate(start=5)
    assert values(enumerated) == [(5, b"a"), (6, b"b")]
    assert enumerated.element_spec[0] == TensorSpec((), tf.int64)


def test_scan_and_reduce():
    running = Dataset.range(5).scan(tf.constant(0, tf.int64), lambda s, x: (s + x, s * 2))
    assert values(running) == [0, 0, 2, 6, 12]
    assert running.element_spec == TensorSpec((), tf.int64)
    total = Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x)
    assert int(total) == 10 and total.dtype == tf.int64
    pair = Dataset.from_tensor_slices(([1, 2], [3, 4])).reduce(
        (0, 0), lambda s, e: (s[0] + e[0], s[1] + e[1]))
    assert (int(pair[0]), int(pair[1])) == (3, 7)
    with pytest.raises(TypeError, match="must match the initial state"):
        Dataset.range(3).reduce(0, lambda s, x: x)
    with pytest.raises(TypeError, match="pair"):
        list(Dataset.range(2).scan(0, lambda s, x: s))


def test_unique():
    assert values(Dataset.from_tensor_slices([1, 3, 1, 2, 3]).unique()) == [1, 3, 2]
    assert values(Dataset.from_tensor_slices([b"a", b"b", b"a"]).unique()) == [b"a", b"b"]
    with pytest.raises(TypeError, match="Unique does not support"):
        list(Dataset.from_tensor_slices([1.0, 2.0]).unique())


def test_ignore_errors():
    def bad(x):
        if int(x) == 2:
            raise tf.errors.InvalidArgumentError(None, None, "bad")
        return x

    def mapped(x):
        return tf.py_function(bad, [x], tf.int64)

    assert values(Dataset.range(5).map(mapped).ignore_errors()) == [0, 1, 3, 4]
    assert values(Dataset.range(5).map(mapped, num_parallel_calls=2).ignore_errors()) == \
        [0, 1, 3, 4]
    assert values(Dataset.range(5).map(mapped).apply(
        tf.data.experimental.ignore_errors())) == [0, 1, 3, 4]


def test_apply():
    assert values(Dataset.range(5).apply(lambda ds: ds.skip(3))) == [3, 4]
    with pytest.raises(TypeError, match="must return a `tf.data.Dataset`"):
        Dataset.range(5).apply(lambda ds: 3)


def test_parallel_map_order_with_uneven_slow_elements():
    import threading
    import time

    seen_threads = set()

    def sleep_then_double(x):
        seen_threads.add(threading.current_thread().name)
        time.sleep(0.0002 * ((int(x) * 7) % 5))  # later elements often finish first
        return x * 2

    def slow(x):
        return tf.py_function(sleep_then_double, [x], tf.int64)

    out = values(Dataset.range(60).map(slow, num_parallel_calls=4))
    assert out == [2 * i for i in range(60)]
    assert any(name.startswith("tf.data-map") for name in seen_threads)
    loose = values(Dataset.range(60).map(slow, num_parallel_calls=4, deterministic=False))
    assert sorted(loose) == [2 * i for i in range(60)]


def test_reduce_inside_tf_function_runs_at_every_call():
    ds = Dataset.from_tensor_slices(np.arange(4, dtype=np.float32))
    offset = tf.Variable(0.0)

    @tf.function
    def total():
        return ds.reduce(tf.constant(0.0), lambda state, x: state + x + offset)

    assert float(total()) == 6.0
    offset.assign(1.0)  # captured by reference: seen at the next call
    assert float(total()) == 10.0
    assert "dataset_reduce" in total.get_concrete_function().python_source


def test_reduce_inside_tf_function_refuses_a_changing_state():
    ds = Dataset.range(3)

    @tf.function
    def grow():
        return ds.reduce(tf.zeros([1], tf.int64), lambda s, x: tf.concat([s, [x]], 0))

    with pytest.raises(ValueError, match="keep them the same"):
        grow()
