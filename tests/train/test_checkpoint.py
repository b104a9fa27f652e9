"""tf.train.Checkpoint: save/write/restore/read, status objects, interop with TF's files."""

import os

import ml_dtypes
import numpy as np
import pytest

import eagerflow as tf
from eagerflow.train import checkpoint_io, protos
from eagerflow.train.bundle import BundleWriter, index_path
from eagerflow.train.trackable import OBJECT_GRAPH_KEY
from tests.train.fixture_net import DATA, Net


def _fixture_checkpoint():
    net = Net()
    ckpt = tf.train.Checkpoint(
        net=net, half=tf.Variable(np.zeros(2, np.float16)),
        bf16=tf.Variable(tf.zeros([2], tf.bfloat16)), cplx=tf.Variable(np.zeros(1, np.complex64)),
        u8=tf.Variable(np.zeros((1, 2), np.uint8)), name_with=tf.Variable(0.0))
    return net, ckpt


def test_restores_a_checkpoint_written_by_tensorflow():
    net, ckpt = _fixture_checkpoint()
    path = tf.train.latest_checkpoint(os.path.join(DATA, "mixed"))
    assert path == os.path.join(DATA, "mixed", "ckpt-1")
    ckpt.restore(path).assert_consumed()
    np.testing.assert_array_equal(net.w.numpy(), np.arange(6).reshape(2, 3))
    assert net._step.numpy() == 7 and ckpt.save_counter.numpy() == 1
    assert net.layers[0].numpy().tolist() == [True, False]
    assert net.table["words"].numpy().tolist() == [b"ab", b"", b"xyz"]
    assert ckpt.half.numpy().tolist() == [1.5, -2.25]
    assert ckpt.bf16.numpy().astype(np.float32).tolist() == [0.5, 3.0]
    assert ckpt.cplx.numpy().tolist() == [1 + 2j] and ckpt.u8.numpy().tolist() == [[255, 0]]
    assert ckpt.name_with.numpy() == 2.5


def test_save_restore_round_trip_eager_and_inside_tf_function(tmp_path):
    net, ckpt = _fixture_checkpoint()
    net.w.assign(np.full((2, 3), 4.0, np.float32))
    ckpt.bf16.assign(tf.constant([1.5, -1.0], tf.bfloat16))
    net.table["words"].assign([b"a", b"bb", b"\x00\xff"])
    path = ckpt.save(str(tmp_path / "run" / "ckpt"))
    assert path == str(tmp_path / "run" / "ckpt-1")
    assert open(tmp_path / "run" / "checkpoint").read() == (
        'model_checkpoint_path: "ckpt-1"\nall_model_checkpoint_paths: "ckpt-1"\n')

    @tf.function
    def step():
        net.w.assign_add(tf.ones([2, 3]))
        return tf.reduce_sum(net.w)
    assert float(step()) == 30.0  # changed inside a compiled function after saving
    ckpt.bf16.assign(tf.zeros([2], tf.bfloat16))
    net.table["words"].assign([b"", b"", b""])
    ckpt.restore(path).assert_consumed()
    np.testing.assert_array_equal(net.w.numpy(), np.full((2, 3), 4.0))
    assert float(step()) == 30.0  # the compiled function reads the restored value
    assert ckpt.bf16.numpy().dtype == ml_dtypes.bfloat16
    assert ckpt.bf16.numpy().astype(np.float32).tolist() == [1.5, -1.0]
    assert net.table["words"].numpy().tolist() == [b"a", b"bb", b"\x00\xff"]
    assert ckpt.save(str(tmp_path / "run" / "ckpt")).endswith("ckpt-2")
    assert tf.train.latest_checkpoint(str(tmp_path / "run")).endswith("ckpt-2")


def test_write_neither_counts_nor_records_state(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    assert ckpt.write(str(tmp_path / "w")) == str(tmp_path / "w")
    assert sorted(os.listdir(tmp_path)) == ["w.data-00000-of-00001", "w.index"]
    assert [k for k, _ in tf.train.list_variables(str(tmp_path / "w"))] == [
        OBJECT_GRAPH_KEY, "v/.ATTRIBUTES/VARIABLE_VALUE"]
    other = tf.train.Checkpoint(v=tf.Variable(0.0))
    other.read(str(tmp_path / "w")).assert_consumed()
    assert other.v.numpy() == 1.0


def test_root_checkpoint_layout_matches_tf():
    module = tf.Module()
    module.a = tf.Variable(1.0)
    ckpt = tf.train.Checkpoint(root=module, extra=tf.Variable(2.0))
    children = [n for n, _ in checkpoint_io.children_of(ckpt)]
    assert children == ["a", "extra", "root"]  # as TF writes it (observed)


def test_attributes_set_later_are_tracked_and_bad_values_refused():
    ckpt = tf.train.Checkpoint(b=tf.Variable(1.0), a=tf.Variable(2.0))
    ckpt.step = tf.Variable(3, dtype=tf.int64)
    assert [n for n, _ in checkpoint_io.children_of(ckpt)] == ["a", "b", "step"]
    with pytest.raises(ValueError, match="expecting model to be a trackable object"):
        tf.train.Checkpoint(model=3)
    with pytest.raises(ValueError, match="expecting step to be a trackable"):
        ckpt.step = "three"


def test_status_assertions(tmp_path):
    source = tf.train.Checkpoint(a=tf.Variable(1.0), b=tf.Variable(2.0))
    path = source.write(str(tmp_path / "ck"))
    # Fewer live objects: existing ones matched, but a saved value is unused.
    partial = tf.train.Checkpoint(a=tf.Variable(0.0))
    status = partial.restore(path)
    assert partial.a.numpy() == 1.0
    status.assert_existing_objects_matched().assert_nontrivial_match().expect_partial()
    with pytest.raises(AssertionError, match="Unresolved object in checkpoint"):
        status.assert_consumed()
    # More live objects: an unmatched live variable.
    more = tf.train.Checkpoint(a=tf.Variable(0.0), b=tf.Variable(0.0), c=tf.Variable(0.0))
    status = more.restore(path)
    with pytest.raises(AssertionError, match="not bound to checkpointed values"):
        status.assert_existing_objects_matched()
    # Nothing in common.
    unrelated = tf.train.Checkpoint(z=tf.Variable(0.0))
    with pytest.raises(AssertionError, match="Nothing except the root object matched"):
        unrelated.restore(path).assert_nontrivial_match()
    # restore(None): nothing restored.
    with pytest.raises(AssertionError, match="No checkpoint specified"):
        unrelated.restore(None).assert_consumed()


def test_mismatched_shape_or_dtype_changes_nothing(tmp_path):
    path = tf.train.Checkpoint(a=tf.Variable([1.0, 2.0]), b=tf.Variable([3.0, 4.0])).write(
        str(tmp_path / "ck"))
    target = tf.train.Checkpoint(a=tf.Variable([0.0, 0.0]), b=tf.Variable([0.0, 0.0, 0.0]))
    with pytest.raises(ValueError, match=r"incompatible tensor with shape \(2,\) .* shape "
                                         r"\(3,\)"):
        target.restore(path)
    assert target.a.numpy().tolist() == [0.0, 0.0]  # not half-restored
    typed = tf.train.Checkpoint(a=tf.Variable([0, 0]), b=tf.Variable([0.0, 0.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="dtype int32 .* holds float32"):
        typed.restore(path)
    assert typed.b.numpy().tolist() == [0.0, 0.0]


def test_failed_save_keeps_previous_checkpoint_and_counter(tmp_path, monkeypatch):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    first = ckpt.save(str(tmp_path / "ck"))
    ckpt.v.assign(2.0)
    real_replace = os.replace

    def failing_replace(src, dst):
        if dst.endswith(".index"):
            raise OSError("no space left on device")
        real_replace(src, dst)
    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="no space"):
        ckpt.save(str(tmp_path / "ck"))
    monkeypatch.undo()
    assert ckpt.save_counter.numpy() == 1
    assert tf.train.latest_checkpoint(str(tmp_path)) == first
    assert not [f for f in os.listdir(tmp_path) if "tempstate" in f]
    fresh = tf.train.Checkpoint(v=tf.Variable(0.0))
    fresh.restore(first).assert_consumed()
    assert fresh.v.numpy() == 1.0


def test_restore_from_directory_explains_latest_checkpoint(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    ckpt.save(str(tmp_path / "ck"))
    with pytest.raises(tf.errors.NotFoundError, match="latest_checkpoint"):
        ckpt.restore(str(tmp_path))
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
        ckpt.restore(str(tmp_path / "missing"))


# -- readers --------------------------------------------------------------------------------
def test_load_checkpoint_reader_api():
    reader = tf.train.load_checkpoint(os.path.join(DATA, "mixed"))
    key = "net/w/.ATTRIBUTES/VARIABLE_VALUE"
    assert reader.has_tensor(key) and not reader.has_tensor("nope")
    assert reader.get_variable_to_shape_map()[key] == [2, 3]
    assert reader.get_variable_to_dtype_map()[key] == tf.float32
    assert reader.get_variable_to_dtype_map()["u8/.ATTRIBUTES/VARIABLE_VALUE"] == tf.uint8
    counter = reader.get_tensor("save_counter/.ATTRIBUTES/VARIABLE_VALUE")
    assert isinstance(counter, np.int64) and counter == 1
    assert isinstance(reader.get_tensor(OBJECT_GRAPH_KEY), bytes)
    with pytest.raises(tf.errors.NotFoundError, match="Key nope not found"):
        reader.get_tensor("nope")
    assert b"net/w/.ATTRIBUTES/VARIABLE_VALUE (DT_FLOAT) [2,3]" in reader.debug_string()
    path = os.path.join(DATA, "mixed", "ckpt-1")
    np.testing.assert_array_equal(tf.train.load_variable(path, key + ":0"),
                                  np.arange(6).reshape(2, 3))
    names = [name for name, _ in tf.train.list_variables(path)]
    assert names == sorted(names) and len(names) == 11


def test_load_checkpoint_of_an_empty_directory(tmp_path):
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        tf.train.load_checkpoint(str(tmp_path))


# -- hostile object graphs (REFERENCE.md 4.3 item 13) ---------------------------------------
def _bundle_with_graph(tmp_path, graph, tensors=None):
    prefix = str(tmp_path / "evil")
    writer = BundleWriter(prefix)
    for key, value in (tensors or {}).items():
        writer.add(key, value)
    data = graph.encode() if isinstance(graph, protos.TrackableObjectGraph) else graph
    writer.add(OBJECT_GRAPH_KEY, np.array(data, dtype=object), "string")
    writer.finish()
    return prefix


def _node(children=(), key=None):
    attributes = [protos.SerializedTensor("VARIABLE_VALUE", "v", key)] if key else []
    return protos.TrackableObject(children=[protos.ObjectReference(i, n) for i, n in children],
                                  attributes=attributes)


@pytest.mark.parametrize("graph, message", [
    (protos.TrackableObjectGraph([_node([(5, "v")])]), "refers to node 5, but there are only 1"),
    (protos.TrackableObjectGraph([_node([(-1, "v")])]), "refers to node -1"),
    (protos.TrackableObjectGraph([protos.TrackableObject(slot_variables=[
        protos.SlotVariableReference(0, "m", 9)])]), "refers to node 9"),
    (protos.TrackableObjectGraph([]), "no root node"),
    (b"\x0a\x05\x0a\x09", "object graph is malformed"),
])
def test_hostile_graphs_are_refused(tmp_path, graph, message):
    prefix = _bundle_with_graph(tmp_path, graph)
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    with pytest.raises(tf.errors.DataLossError, match=message):
        ckpt.restore(prefix)
    assert ckpt.v.numpy() == 1.0


def test_graph_key_naming_a_missing_entry_changes_nothing(tmp_path):
    graph = protos.TrackableObjectGraph([_node([(1, "a"), (2, "b")]), _node(key="a/x"),
                                         _node(key="b/missing")])
    prefix = _bundle_with_graph(tmp_path, graph, {"a/x": np.float32(5.0)})
    ckpt = tf.train.Checkpoint(a=tf.Variable(1.0), b=tf.Variable(2.0))
    with pytest.raises(tf.errors.NotFoundError, match="Key b/missing not found"):
        ckpt.restore(prefix)
    assert (ckpt.a.numpy(), ckpt.b.numpy()) == (1.0, 2.0)


def test_cyclic_and_large_saved_graphs_are_walked_once(tmp_path):
    count = 5000
    nodes = [_node([(i + 1, "next"), (0, "loop")]) for i in range(count - 1)]
    nodes.append(_node([(0, "back")], key="deep"))
    prefix = _bundle_with_graph(tmp_path, protos.TrackableObjectGraph(nodes),
                                {"deep": np.float32(9.0)})
    status = tf.train.Checkpoint(next=tf.Variable(0.0)).restore(prefix)
    with pytest.raises(AssertionError, match="Unresolved object"):
        status.assert_consumed()


def test_checkpoint_without_object_graph(tmp_path):
    prefix = str(tmp_path / "v1")
    writer = BundleWriter(prefix)
    writer.add("v", np.float32(1.0))
    writer.finish()
    with pytest.raises(ValueError, match="no object graph"):
        tf.train.Checkpoint(v=tf.Variable(0.0)).restore(prefix)
    assert tf.train.load_variable(prefix, "v") == 1.0
    assert os.path.exists(index_path(prefix))


# -- deferred restoration -------------------------------------------------------------------
class Lazy(tf.Module):
    """Creates its variable on first call, as Keras layers and optimizer slots do."""

    def __init__(self):
        super().__init__()
        self.scale = tf.Variable(1.0)
        self.w = None

    def __call__(self, x):
        if self.w is None:
            self.w = tf.Variable(tf.zeros([3]))
            checkpoint_io.restore_pending()  # what Layer.build / Optimizer.build call
        return tf.reduce_sum(self.w * x) * self.scale


def test_values_for_objects_created_after_restore_are_assigned_on_creation(tmp_path):
    source = Lazy()
    source(tf.ones([3]))
    source.w.assign([1.0, 2.0, 3.0])
    source.scale.assign(2.0)
    path = tf.train.Checkpoint(net=source).save(str(tmp_path / "ck"))
    for compiled in (False, True):
        target = Lazy()
        status = tf.train.Checkpoint(net=target).restore(path)
        assert target.scale.numpy() == 2.0  # existing variables restore at once
        status.assert_existing_objects_matched()
        with pytest.raises(AssertionError, match="Unresolved object"):
            status.assert_consumed()
        call = tf.function(target.__call__) if compiled else target
        assert float(call(tf.ones([3]))) == 12.0  # w created, then restored
        assert float(call(tf.ones([3]))) == 12.0
        status.assert_consumed()
        assert all(pending is not status for pending, _ in checkpoint_io._PENDING)


def test_a_newer_restore_replaces_the_pending_one(tmp_path):
    source = Lazy()
    source(tf.ones([3]))
    source.w.assign([1.0, 1.0, 1.0])
    first = tf.train.Checkpoint(net=source).write(str(tmp_path / "a"))
    source.w.assign([5.0, 5.0, 5.0])
    second = tf.train.Checkpoint(net=source).write(str(tmp_path / "b"))
    target = Lazy()
    ckpt = tf.train.Checkpoint(net=target)
    ckpt.restore(first)
    ckpt.restore(second)
    target(tf.ones([3]))
    assert target.w.numpy().tolist() == [5.0, 5.0, 5.0]


def test_saving_or_restoring_inside_tf_function_is_refused_cleanly(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    path = ckpt.write(str(tmp_path / "ok"))

    @tf.function
    def save_in_graph():
        ckpt.write(str(tmp_path / "inside"))
        return ckpt.v + 1.0

    @tf.function
    def restore_in_graph():
        ckpt.restore(path)
        return ckpt.v + 1.0
    for function in (save_in_graph, restore_in_graph):
        with pytest.raises(RuntimeError, match="cannot run inside a tf.function"):
            function()
    assert sorted(os.listdir(tmp_path)) == ["ok.data-00000-of-00001", "ok.index"]


def test_a_failure_while_writing_leaves_no_temporary_files(tmp_path, monkeypatch):
    from eagerflow.train.bundle import BundleWriter
    real_add, calls = BundleWriter.add, []

    def add_then_fail(self, key, value, dtype=None):
        calls.append(key)
        if len(calls) == 2:
            raise MemoryError("simulated failure half-way through the data file")
        real_add(self, key, value, dtype)
    monkeypatch.setattr(BundleWriter, "add", add_then_fail)
    with pytest.raises(MemoryError):
        tf.train.Checkpoint(a=tf.Variable(1.0), b=tf.Variable(2.0)).write(str(tmp_path / "ck"))
    assert os.listdir(tmp_path) == []
