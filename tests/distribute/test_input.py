"""Distributed input with one replica: each element of a distributed dataset is the dataset's
own, whole; iteration eagerly, inside tf.function (for loops and next(iterator)), the input
and value contexts, and checkpointing a distributed iterator."""

import numpy as np
import pytest

import eagerflow as tf


def _np(value):
    return np.asarray(value)


@pytest.fixture
def strategy():
    return tf.distribute.MirroredStrategy()


def _batches(dataset):
    return [_np(x).tolist() for x in dataset]


def test_elements_are_the_global_batches(strategy):
    dataset = tf.data.Dataset.range(10).batch(4)
    dist = strategy.experimental_distribute_dataset(dataset)
    assert isinstance(dist, tf.distribute.DistributedDataset)
    assert dist.element_spec == dataset.element_spec
    assert _batches(dist) == _batches(dataset) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert _batches(dist) == _batches(dataset)  # iterable again, like a dataset
    assert int(dist.cardinality()) == 3


def test_unbatched_and_structured_elements(strategy):
    dist = strategy.experimental_distribute_dataset(tf.data.Dataset.range(3))
    assert [int(x) for x in dist] == [0, 1, 2]
    pairs = tf.data.Dataset.from_tensor_slices(({"x": np.eye(3, dtype=np.float32)},
                                                np.arange(3))).batch(2)
    features, labels = next(iter(strategy.experimental_distribute_dataset(pairs)))
    np.testing.assert_array_equal(_np(features["x"]), np.eye(3, dtype=np.float32)[:2])
    np.testing.assert_array_equal(_np(labels), [0, 1])


def test_iterator_api(strategy):
    iterator = iter(strategy.experimental_distribute_dataset(tf.data.Dataset.range(3).batch(2)))
    assert isinstance(iterator, tf.distribute.DistributedIterator)
    assert iterator.element_spec == tf.TensorSpec([None], tf.int64)
    np.testing.assert_array_equal(_np(iterator.get_next()), [0, 1])
    optional = iterator.get_next_as_optional()
    assert bool(optional.has_value())
    np.testing.assert_array_equal(_np(optional.get_value()), [2])
    assert not bool(iterator.get_next_as_optional().has_value())
    with pytest.raises(tf.errors.OutOfRangeError):
        iterator.get_next()
    with pytest.raises(StopIteration):
        next(iterator)


def test_for_loop_over_distributed_dataset_inside_tf_function(strategy):
    dist = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices(np.arange(10, dtype=np.float32)).batch(3))

    @tf.function
    def total(dataset):
        acc = tf.constant(0.0)
        for batch in dataset:
            acc += strategy.reduce("SUM", strategy.run(lambda b: b * 2.0, args=(batch,)), axis=0)
        return acc

    assert float(total(dist)) == 90.0
    assert float(total(dist)) == 90.0  # a second call reads the dataset again


def test_next_inside_tf_function_advances_each_call(strategy):
    dist = strategy.experimental_distribute_dataset(tf.data.Dataset.range(6).batch(2))
    iterator = iter(dist)

    @tf.function
    def step(it):
        batch = next(it)
        return strategy.reduce("SUM", strategy.run(tf.reduce_sum, args=(batch,)), axis=None)

    assert [int(step(iterator)) for _ in range(3)] == [1, 5, 9]
    with pytest.raises(tf.errors.OutOfRangeError):
        step(iterator)


def test_distribute_datasets_from_function(strategy):
    contexts = []

    def dataset_fn(input_context):
        contexts.append(input_context)
        batch = input_context.get_per_replica_batch_size(4)
        return (tf.data.Dataset.range(8)
                .shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
                .batch(batch))

    dist = strategy.distribute_datasets_from_function(dataset_fn)
    assert _batches(dist) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    (context,) = contexts
    assert (context.num_input_pipelines, context.input_pipeline_id,
            context.num_replicas_in_sync) == (1, 0, 1)
    alias = strategy.experimental_distribute_datasets_from_function(dataset_fn)
    assert _batches(alias) == _batches(dist)


def test_input_context_batch_size():
    assert tf.distribute.InputContext(1, 0, 4).get_per_replica_batch_size(8) == 2
    with pytest.raises(ValueError, match="`global_batch_size` 8 is not divisible by "
                                         "`num_replicas_in_sync` 3"):
        tf.distribute.InputContext(1, 0, 3).get_per_replica_batch_size(8)


def test_input_options(strategy):
    options = tf.distribute.InputOptions(experimental_fetch_to_device=False)
    dist = strategy.experimental_distribute_dataset(tf.data.Dataset.range(2), options=options)
    assert [int(x) for x in dist] == [0, 1]
    per_replica = tf.distribute.InputOptions(
        experimental_replication_mode=tf.distribute.InputReplicationMode.PER_REPLICA)
    with pytest.raises(NotImplementedError, match="PER_REPLICA"):
        strategy.experimental_distribute_dataset(tf.data.Dataset.range(2), options=per_replica)
    with pytest.raises(TypeError, match="InputReplicationMode"):
        tf.distribute.InputOptions(experimental_replication_mode="PER_WORKER")
    with pytest.raises(TypeError, match="options must be a tf.distribute.InputOptions"):
        strategy.experimental_distribute_dataset(tf.data.Dataset.range(2), options={})


def test_not_a_dataset_raises(strategy):
    with pytest.raises(TypeError, match="expects a tf.data.Dataset, got list"):
        strategy.experimental_distribute_dataset([1, 2, 3])
    with pytest.raises(TypeError, match="callable"):
        strategy.distribute_datasets_from_function(None)


def test_values_from_function_give_one_per_replica_value_each(strategy):
    values = strategy.experimental_distribute_values_from_function(
        lambda ctx: (ctx.replica_id_in_sync_group, ctx.num_replicas_in_sync))
    assert [v.values for v in values] == [(0,), (1,)]


def test_checkpoint_restores_the_iterator_position(strategy, tmp_path):
    dist = strategy.experimental_distribute_dataset(tf.data.Dataset.range(6).batch(2))
    iterator = iter(dist)
    next(iterator)
    checkpoint = tf.train.Checkpoint(iterator=iterator)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    np.testing.assert_array_equal(_np(next(iterator)), [2, 3])
    checkpoint.restore(path)
    np.testing.assert_array_equal(_np(next(iterator)), [2, 3])
