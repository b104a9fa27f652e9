"""tf.distribute strategies with one CPU replica: contexts, scope, run (eagerly and inside
tf.function), reduce, local results, the extended API and the errors TF raises."""

import logging

import numpy as np
import pytest

import eagerflow as tf

STRATEGIES = {
    "mirrored": lambda: tf.distribute.MirroredStrategy(),
    "mirrored_cpu": lambda: tf.distribute.MirroredStrategy(["/cpu:0"]),
    "one_device": lambda: tf.distribute.OneDeviceStrategy("/cpu:0"),
    "central_storage": lambda: tf.distribute.experimental.CentralStorageStrategy(),
    "multi_worker": lambda: tf.distribute.MultiWorkerMirroredStrategy(),
}


@pytest.fixture(params=sorted(STRATEGIES))
def strategy(request, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    return STRATEGIES[request.param]()


def _np(value):
    return np.asarray(value)


# --- what runs where --------------------------------------------------------------------------
def test_one_replica_on_the_cpu(strategy):
    assert isinstance(strategy, tf.distribute.Strategy)
    assert strategy.num_replicas_in_sync == 1
    assert strategy.extended.worker_devices == ("/job:localhost/replica:0/task:0/device:CPU:0",)
    assert strategy.extended.parameter_devices == strategy.extended.worker_devices


def test_default_strategy_outside_any_scope():
    default = tf.distribute.get_strategy()
    assert default is tf.distribute.get_strategy()
    assert default.num_replicas_in_sync == 1
    assert not tf.distribute.has_strategy()
    assert not tf.distribute.in_cross_replica_context()
    context = tf.distribute.get_replica_context()
    assert isinstance(context, tf.distribute.ReplicaContext)
    assert context.strategy is default
    with default.scope():  # the default scope changes nothing (as in TF)
        assert not tf.distribute.has_strategy()
        assert not tf.distribute.in_cross_replica_context()


def test_scope_is_cross_replica_context(strategy):
    with strategy.scope() as entered:
        assert entered is strategy
        assert tf.distribute.get_strategy() is strategy
        assert tf.distribute.has_strategy()
        assert tf.distribute.in_cross_replica_context()
        assert tf.distribute.get_replica_context() is None
        with strategy.scope():  # re-entering the same strategy is fine
            assert tf.distribute.get_strategy() is strategy
    assert not tf.distribute.has_strategy()


def test_mixing_strategies_raises():
    first, second = tf.distribute.MirroredStrategy(), tf.distribute.OneDeviceStrategy("/cpu:0")
    with first.scope():
        with pytest.raises(RuntimeError, match="Mixing different tf.distribute.Strategy"):
            with second.scope():
                pass
        assert tf.distribute.get_strategy() is first


def test_variables_created_in_scope_are_plain_variables(strategy):
    with strategy.scope():
        v = tf.Variable([1.0, 2.0])
    assert type(v) is tf.Variable
    v.assign_add([1.0, 1.0])
    np.testing.assert_array_equal(_np(v), [2.0, 3.0])


def test_experimental_set_strategy():
    strategy = tf.distribute.MirroredStrategy()
    tf.distribute.experimental_set_strategy(strategy)
    try:
        assert tf.distribute.get_strategy() is strategy
        assert tf.distribute.in_cross_replica_context()
        with strategy.scope():
            with pytest.raises(RuntimeError, match="inside a `tf.distribute.Strategy` scope"):
                tf.distribute.experimental_set_strategy(None)
    finally:
        tf.distribute.experimental_set_strategy(None)
    assert not tf.distribute.has_strategy()


# --- run -------------------------------------------------------------------------------------
def test_run_calls_once_in_a_replica_context_and_returns_plain_values(strategy):
    seen = []

    def step(x, scale=1.0):
        context = tf.distribute.get_replica_context()
        seen.append((context.strategy, int(context.replica_id_in_sync_group),
                     context.num_replicas_in_sync, tf.distribute.in_cross_replica_context(),
                     tf.distribute.has_strategy()))
        return {"double": x * 2.0 * scale, "python": [1, 2]}

    out = strategy.run(step, args=(tf.constant([1.0, 2.0]),), kwargs={"scale": 3.0})
    assert seen == [(strategy, 0, 1, False, True)]
    assert isinstance(out["double"], tf.Tensor)
    np.testing.assert_allclose(_np(out["double"]), [6.0, 12.0])
    assert out["python"] == [1, 2]
    locals_ = strategy.experimental_local_results(out)
    assert isinstance(locals_, tuple) and len(locals_) == 1 and locals_[0] is not None
    np.testing.assert_allclose(_np(locals_[0]["double"]), [6.0, 12.0])
    assert strategy.experimental_local_results(3) == (3,)


def test_run_inside_tf_function_matches_eager(strategy):
    def step(x):
        if tf.reduce_sum(x) > 0:  # tensor control flow: AutoGraph converts fn inside run
            y = x * 2.0
        else:
            y = -x
        return y, tf.distribute.get_replica_context().replica_id_in_sync_group

    @tf.function
    def traced(x):
        y, replica = strategy.run(step, args=(x,))
        return strategy.reduce("SUM", y, axis=0), replica

    for values in ([1.0, 2.0], [-3.0, 1.0]):
        x = tf.constant(values)
        eager_y, eager_replica = strategy.run(step, args=(x,))
        total, replica = traced(x)
        np.testing.assert_allclose(_np(total), _np(eager_y).sum())
        assert int(replica) == int(eager_replica) == 0
        assert replica.dtype == tf.int32


def test_run_inside_scope(strategy):
    with strategy.scope():
        out = strategy.run(lambda: tf.distribute.get_replica_context().replica_id_in_sync_group)
        assert tf.distribute.in_cross_replica_context()
    assert int(out) == 0


def test_run_rejects_bad_arguments(strategy):
    with pytest.raises(TypeError, match="callable"):
        strategy.run(3)
    with pytest.raises(ValueError, match="positional args must be a list or tuple"):
        strategy.run(lambda x: x, args=tf.constant(1.0))
    with pytest.raises(ValueError, match="kwargs must be a dict"):
        strategy.run(lambda x: x, kwargs=[1])


def test_replica_context_collectives_and_merge_call(strategy):
    def step():
        context = tf.distribute.get_replica_context()
        summed = context.all_reduce(tf.distribute.ReduceOp.SUM, {"a": tf.constant([1.0, 2.0])})
        mean = context.all_reduce("mean", 3.0)
        gathered = context.all_gather(tf.constant([[1, 2]]), axis=0)
        merged = context.merge_call(
            lambda s, x: (s is strategy, x, tf.distribute.in_cross_replica_context()), args=(7,))
        return summed, mean, gathered, merged, context.devices

    summed, mean, gathered, merged, devices = strategy.run(step)
    np.testing.assert_array_equal(_np(summed["a"]), [1.0, 2.0])
    assert float(mean) == 3.0 and mean.dtype == tf.float32
    np.testing.assert_array_equal(_np(gathered), [[1, 2]])
    assert merged == (True, 7, True)
    assert devices == strategy.extended.worker_devices


# --- reduce ----------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [tf.distribute.ReduceOp.SUM, "SUM", "sum"])
def test_reduce_sum(strategy, op):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(_np(strategy.reduce(op, tf.constant(x), axis=None)), x)
    np.testing.assert_array_equal(_np(strategy.reduce(op, tf.constant(x), axis=0)), x.sum(0))
    np.testing.assert_array_equal(_np(strategy.reduce(op, tf.constant(x), axis=-1)), x.sum(1))


def test_reduce_mean(strategy):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    mean = tf.distribute.ReduceOp.MEAN
    np.testing.assert_array_equal(_np(strategy.reduce(mean, tf.constant(x), axis=None)), x)
    np.testing.assert_allclose(_np(strategy.reduce(mean, tf.constant(x), axis=1)), x.mean(1))
    # integers: MEAN along an axis divides as truediv does (int32 -> float64), as in TF.
    ints = strategy.reduce("MEAN", tf.constant([1, 2]), axis=0)
    assert ints.dtype == tf.float64 and float(ints) == 1.5
    same = strategy.reduce("MEAN", tf.constant([1, 2]), axis=None)
    assert same.dtype == tf.int32


def test_reduce_nests_python_values_and_per_replica(strategy):
    out = strategy.reduce("SUM", {"a": tf.constant([1, 2]), "b": (tf.constant(3.0),)}, axis=None)
    np.testing.assert_array_equal(_np(out["a"]), [1, 2])
    assert float(out["b"][0]) == 3.0
    assert float(strategy.reduce("SUM", 3.0, axis=None)) == 3.0
    assert float(strategy.reduce("SUM", [1.0, 2.0], axis=0)) == 3.0  # one tensor, as in TF
    per_replica = strategy.experimental_distribute_values_from_function(
        lambda ctx: tf.constant([1.0, 2.0]) * float(ctx.replica_id_in_sync_group + 1))
    assert isinstance(per_replica, tf.distribute.DistributedValues)
    assert len(per_replica.values) == 1
    assert float(strategy.reduce("SUM", per_replica, axis=0)) == 3.0
    assert strategy.experimental_local_results(per_replica) == per_replica.values
    doubled = strategy.run(lambda v: v * 2.0, args=(per_replica,))
    np.testing.assert_array_equal(_np(doubled), [2.0, 4.0])


def test_reduce_errors(strategy):
    with pytest.raises(ValueError, match="'MAX' is not a valid ReduceOp"):
        strategy.reduce("MAX", tf.constant([1.0]), axis=None)
    with pytest.raises(ValueError, match="axis 2 is out of range.*rank 1"):
        strategy.reduce("SUM", tf.constant([1.0]), axis=2)
    with pytest.raises(TypeError, match="axis must be None or an int"):
        strategy.reduce("SUM", tf.constant([1.0]), axis="0")


def test_reduce_op():
    assert tf.distribute.ReduceOp("SUM") is tf.distribute.ReduceOp.SUM
    assert list(tf.distribute.ReduceOp) == [tf.distribute.ReduceOp.SUM,
                                             tf.distribute.ReduceOp.MEAN]
    from_aggregation = tf.distribute.ReduceOp.from_variable_aggregation
    assert from_aggregation(tf.VariableAggregation.MEAN) is tf.distribute.ReduceOp.MEAN
    assert from_aggregation(tf.VariableAggregation.SUM) is tf.distribute.ReduceOp.SUM
    with pytest.raises(ValueError, match="VariableAggregation"):
        from_aggregation(tf.VariableAggregation.NONE)


def test_gather(strategy):
    np.testing.assert_array_equal(_np(strategy.gather(tf.constant([[1, 2]]), axis=0)), [[1, 2]])


# --- extended --------------------------------------------------------------------------------
def test_extended_api(strategy):
    extended = strategy.extended
    with strategy.scope():
        v = tf.Variable(2.0)
    np.testing.assert_equal(_np(extended.reduce_to("SUM", tf.constant(1.0), v)), 1.0)
    pairs = extended.batch_reduce_to("MEAN", [(tf.constant(1.0), v), (tf.constant(4.0), v)])
    assert [float(p) for p in pairs] == [1.0, 4.0]
    extended.update(v, lambda var, delta: var.assign_add(delta), args=(tf.constant(1.0),))
    assert float(v) == 3.0
    assert float(extended.read_var(v)) == 3.0
    assert extended.value_container(v) is v
    assert float(extended.call_for_each_replica(lambda a: a + 1.0, args=(1.0,))) == 2.0
    assert float(extended.broadcast_to(tf.constant(5.0), v)) == 5.0
    with extended.colocate_vars_with(v):
        pass
    assert extended.should_checkpoint and extended.should_save_summary


# --- devices and unsupported strategies ------------------------------------------------------
@pytest.mark.parametrize("devices", [["/gpu:0"], ["/cpu:0", "/cpu:1"], ["/gpu:0", "/gpu:1"]])
def test_other_devices_warn_and_use_the_cpu(devices, caplog):
    with caplog.at_level(logging.WARNING, logger="eagerflow"):
        strategy = tf.distribute.MirroredStrategy(devices)
    assert strategy.num_replicas_in_sync == 1
    assert "one CPU device" in caplog.text and str(devices) in caplog.text
    with caplog.at_level(logging.WARNING, logger="eagerflow"):
        one = tf.distribute.OneDeviceStrategy("/GPU:0")
    assert one.num_replicas_in_sync == 1 and "OneDeviceStrategy" in caplog.text


def test_cpu_devices_do_not_warn(caplog):
    with caplog.at_level(logging.WARNING, logger="eagerflow"):
        tf.distribute.MirroredStrategy(["/job:localhost/replica:0/task:0/device:CPU:0"])
        tf.distribute.OneDeviceStrategy("/device:CPU:0")
        tf.distribute.MirroredStrategy(cross_device_ops=tf.distribute.NcclAllReduce())
    assert caplog.text == ""


def test_bad_device_arguments():
    with pytest.raises(ValueError, match="at least one device"):
        tf.distribute.MirroredStrategy([])
    with pytest.raises(TypeError, match="device must be a string"):
        tf.distribute.MirroredStrategy([0])
    with pytest.raises(ValueError, match="cannot read the device type of 'banana'"):
        tf.distribute.OneDeviceStrategy("banana")
    with pytest.raises(ValueError, match="cross_device_ops"):
        tf.distribute.MirroredStrategy(cross_device_ops="nccl")


def test_tpu_and_parameter_server_strategies_raise():
    with pytest.raises(ValueError, match="TPUStrategy: eagerflow computes on one CPU"):
        tf.distribute.TPUStrategy()
    with pytest.raises(ValueError, match="TPUStrategy"):
        tf.distribute.experimental.TPUStrategy()
    with pytest.raises(ValueError, match="ParameterServerStrategy"):
        tf.distribute.experimental.ParameterServerStrategy(None)


def test_multi_worker_cluster_raises(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1", "b:2"]}, '
                                    '"task": {"type": "worker", "index": 0}}')
    with pytest.raises(ValueError, match="describes 2 task"):
        tf.distribute.MultiWorkerMirroredStrategy()
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1"]}}')
    assert tf.distribute.MultiWorkerMirroredStrategy().num_replicas_in_sync == 1
    monkeypatch.delenv("TF_CONFIG")
    with pytest.raises(ValueError, match="cluster_resolver"):
        tf.distribute.experimental.MultiWorkerMirroredStrategy(cluster_resolver=object())


def test_tpu_detection_snippet_falls_back_to_the_default_strategy():
    try:
        tpu = tf.distribute.cluster_resolver.TPUClusterResolver()
        strategy = tf.distribute.TPUStrategy(tpu)
    except ValueError as exc:
        assert "Please provide a TPU Name to connect to" in str(exc)
        strategy = tf.distribute.get_strategy()
    assert strategy.num_replicas_in_sync == 1
    with pytest.raises(ValueError, match="TPU"):
        tf.distribute.cluster_resolver.TPUClusterResolver.connect()


def test_cluster_resolvers(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1"]}, '
                                    '"task": {"type": "worker", "index": 0}}')
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    assert resolver.cluster_spec() == {"worker": ["a:1"]}
    assert (resolver.task_type, resolver.task_id) == ("worker", 0)
    simple = tf.distribute.cluster_resolver.SimpleClusterResolver({"chief": ["c:1"]})
    assert simple.cluster_spec() == {"chief": ["c:1"]} and simple.num_accelerators() == {}


def test_experimental_run_v2_is_run(strategy):
    assert float(strategy.experimental_run_v2(lambda x: x + 1.0, args=(1.0,))) == 2.0


def test_collectives_and_reductions_inside_tf_function_match_eager(strategy):
    def step(x):
        context = tf.distribute.get_replica_context()
        total = context.all_reduce("SUM", x)
        merged = context.merge_call(lambda s, v: s.reduce("MEAN", v, axis=0), args=(total,))
        return total * 2.0, merged

    def program(x):
        doubled, merged = strategy.run(step, args=(x,))
        return (strategy.reduce("MEAN", doubled, axis=0), merged,
                strategy.experimental_local_results(doubled)[0])

    traced = tf.function(program, input_signature=[tf.TensorSpec([None], tf.float32)])
    for values in ([1.0, 2.0, 6.0], [4.0]):
        x = tf.constant(values)
        for eager, graph in zip(program(x), traced(x)):
            np.testing.assert_allclose(_np(graph), _np(eager), rtol=1e-6)
        mean, merged, local = traced(x)
        np.testing.assert_allclose(_np(mean), 2 * np.mean(values), rtol=1e-6)
        np.testing.assert_allclose(_np(merged), np.mean(values), rtol=1e-6)
        np.testing.assert_allclose(_np(local), 2 * np.asarray(values))


def test_default_strategy_run_stays_without_strategy():
    default = tf.distribute.get_strategy()
    flags = default.run(lambda: (tf.distribute.has_strategy(),
                                 tf.distribute.in_cross_replica_context(),
                                 tf.distribute.get_strategy() is default))
    assert flags == (False, False, True)


def test_cross_replica_methods_inside_run_raise(strategy):
    calls = {
        "scope": lambda: strategy.scope().__enter__(),
        "run": lambda: strategy.run(lambda: 1),
        "reduce": lambda: strategy.reduce("SUM", tf.constant(1.0), axis=None),
        "gather": lambda: strategy.gather(tf.constant([1.0]), axis=0),
    }
    for call in calls.values():
        with pytest.raises(RuntimeError, match="requires being in cross-replica context"):
            strategy.run(call)
    # merge_call is the way back to cross-replica context.
    out = strategy.run(lambda: tf.distribute.get_replica_context().merge_call(
        lambda s: s.reduce("SUM", tf.constant([1.0, 2.0]), axis=0)))
    assert float(out) == 3.0
