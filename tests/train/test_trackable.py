"""The object-graph protocol: children, breadth-first key naming, escaping, cycles."""

import os

import eagerflow as tf
from eagerflow.train import protos
from eagerflow.train.bundle import BundleReader
from eagerflow.train.trackable import (
    OBJECT_GRAPH_KEY,
    build_object_graph,
    checkpoint_key,
    children_of,
    escape_local_name,
)
from tests.train.fixture_net import DATA, Net


def test_module_children_are_attributes_in_assignment_order_private_included():
    net = Net()
    names = [name for name, _ in children_of(net)]
    assert names == ["w", "_step", "layers", "table"]
    assert [n for n, _ in children_of(net.layers)] == ["0"]
    assert [n for n, _ in children_of(net.table)] == ["words"]


def test_declared_children_win_over_attributes():
    class Custom:
        def __init__(self):
            self.hidden = tf.Variable(1.0)
            self.shown = tf.Variable(2.0)

        def _trackable_children(self):
            return {"only": self.shown}
    assert [(n, c) for n, c in children_of(Custom())][0][0] == "only"
    assert len(children_of(Custom())) == 1


def test_escaping_matches_tf():
    assert escape_local_name("a.b") == "a..b"
    assert escape_local_name("x/y") == "x.Sy"
    assert escape_local_name("a./") == "a...S"
    assert checkpoint_key(["model", "a.b"]) == "model/a..b/.ATTRIBUTES/VARIABLE_VALUE"


def test_escaped_keys_agree_with_a_tf_written_checkpoint():
    reader = BundleReader(os.path.join(DATA, "escaped"))
    graph = build_object_graph({"a.b": tf.Variable(1.0), "x/y": tf.Variable(2.0)})
    assert {key for key, _ in graph.variables()} == set(reader.keys()) - {OBJECT_GRAPH_KEY}


def test_shared_object_is_saved_once_under_its_first_breadth_first_path():
    shared = tf.Variable(1.0)

    class Deep(tf.Module):
        def __init__(self):
            super().__init__()
            self.inner = tf.Module()
            self.inner.v = shared
            self.short = shared
    graph = build_object_graph(Deep())
    keys = [key for key, _ in graph.variables()]
    assert keys == ["short/.ATTRIBUTES/VARIABLE_VALUE"]
    # Both edges are recorded, pointing at one node.
    nodes = graph.proto.nodes
    inner_id = next(c.node_id for c in nodes[0].children if c.local_name == "inner")
    short_id = next(c.node_id for c in nodes[0].children if c.local_name == "short")
    assert nodes[inner_id].children[0].node_id == short_id


def test_cycles_terminate_and_values_are_marked():
    a = tf.Module()
    a.child = tf.Module()
    a.child.parent = a
    a.child.v = tf.Variable([1.0])
    a.empty = []
    graph = build_object_graph(a)
    assert len(graph.objects) == 4
    marks = [n.has_checkpoint_values for n in graph.proto.nodes]
    assert marks == [True, True, False, True]  # root, child, empty list, v


def test_graph_matches_what_tf_saved_for_the_same_module():
    reader = BundleReader(os.path.join(DATA, "mixed", "ckpt-1"))
    saved = protos.TrackableObjectGraph.decode(reader.read(OBJECT_GRAPH_KEY)[()])
    net_id = next(c.node_id for c in saved.nodes[0].children if c.local_name == "net")
    saved_net = [c.local_name for c in saved.nodes[net_id].children]
    live = build_object_graph(Net())
    assert saved_net == [c.local_name for c in live.proto.nodes[0].children]
