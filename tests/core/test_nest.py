"""tf.nest: TF's ordering, leaves, round trips, structure checks and map_structure."""

import collections

import numpy as np
import pytest

from eagerflow.core import nest

Point = collections.namedtuple("Point", ["x", "y"])


def test_flatten_order():
    structure = {"b": [1, (2, 3)], "a": 0, "c": {"z": 5, "y": 4}}
    assert nest.flatten(structure) == [0, 1, 2, 3, 4, 5]
    assert nest.flatten(Point(y=2, x=1)) == [1, 2]
    assert nest.flatten(collections.OrderedDict([("b", 1), ("a", 2)])) == [2, 1]


def test_leaves():
    assert nest.flatten(None) == [None]
    assert nest.flatten("abc") == ["abc"]
    assert nest.flatten(b"ab") == [b"ab"]
    assert nest.flatten([None, "s", 1.5]) == [None, "s", 1.5]
    array = np.arange(3)
    assert nest.flatten(array)[0] is array
    assert nest.flatten({1, 2}) == [{1, 2}]  # sets are leaves
    assert nest.flatten([]) == [] and nest.flatten({}) == []


def test_is_nested():
    assert nest.is_nested([1]) and nest.is_nested((1,)) and nest.is_nested({"a": 1})
    assert nest.is_nested(Point(1, 2))
    assert not nest.is_nested("ab") and not nest.is_nested(None)
    assert not nest.is_nested(np.zeros(2)) and not nest.is_nested(3)


@pytest.mark.parametrize("structure", [
    {"b": [1, (2, 3)], "a": 0},
    Point(x=[1, 2], y={"k": 3}),
    [(), [None, "s"], {"x": (4,)}],
    collections.OrderedDict([("z", 1), ("a", [2, 3])]),
    collections.defaultdict(list, {"q": 1, "p": 2}),
    7,
])
def test_pack_sequence_as_round_trip(structure):
    flat = nest.flatten(structure)
    rebuilt = nest.pack_sequence_as(structure, flat)
    assert rebuilt == structure and type(rebuilt) is type(structure)
    if isinstance(structure, dict):
        assert list(rebuilt) == list(structure)  # the instance's key order is kept


def test_pack_sequence_as_replaces_leaves():
    packed = nest.pack_sequence_as({"b": [0, 0], "a": 0}, ["A", "B1", "B2"])
    assert packed == {"a": "A", "b": ["B1", "B2"]}
    assert nest.pack_sequence_as(Point(0, (0, 0)), [1, 2, 3]) == Point(1, (2, 3))


def test_pack_sequence_as_errors():
    with pytest.raises(ValueError, match="Structure had 2 atoms, but flat_sequence had 3"):
        nest.pack_sequence_as([0, 0], [1, 2, 3])
    with pytest.raises(ValueError, match="scalar"):
        nest.pack_sequence_as(0, [1, 2])


def test_assert_same_structure():
    nest.assert_same_structure([1, (2, {"a": 3})], ["x", ("y", {"a": None})])
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        nest.assert_same_structure([1, [2]], [1, 2])
    with pytest.raises(ValueError, match="same number of elements"):
        nest.assert_same_structure([1, 2], [1])
    with pytest.raises(ValueError, match="same set of keys"):
        nest.assert_same_structure({"a": 1}, {"b": 1})
    with pytest.raises(ValueError):
        nest.assert_same_structure("ab", ["a", "b"])


def test_assert_same_structure_types():
    with pytest.raises(TypeError, match="same sequence type"):
        nest.assert_same_structure([1, 2], (1, 2))
    with pytest.raises(TypeError):
        nest.assert_same_structure(Point(1, 2), (1, 2))
    nest.assert_same_structure([1, 2], (1, 2), check_types=False)
    nest.assert_same_structure({"a": 1}, collections.OrderedDict(a=2))


def test_map_structure():
    assert nest.map_structure(lambda v: v * 2, {"a": [1, 2], "b": 3}) == {"a": [2, 4], "b": 6}
    summed = nest.map_structure(lambda a, b, c: a + b + c, (1, [2]), (10, [20]), (100, [200]))
    assert summed == (111, [222])
    assert nest.map_structure(lambda v: v, [None, "s"]) == [None, "s"]
    assert nest.map_structure(lambda a, b: (a, b), Point(1, 2), Point(3, 4)) == \
        Point((1, 3), (2, 4))
    with pytest.raises(ValueError):
        nest.map_structure(lambda a, b: a, [1, 2], [1])
    with pytest.raises(TypeError):
        nest.map_structure(lambda a, b: a, [1], (1,))
    assert nest.map_structure(lambda a, b: a, [1], (1,), check_types=False) == [1]
    with pytest.raises(ValueError, match="at least one structure"):
        nest.map_structure(lambda: 0)


def test_sortable_keys_required():
    with pytest.raises(TypeError, match="sortable keys"):
        nest.flatten({1: "a", "b": 2})


def test_flatten_with_paths_and_up_to():
    assert nest.flatten_with_paths({"a": [1, 2], "b": 3}) == [
        (("a", 0), 1), (("a", 1), 2), (("b",), 3)]
    assert nest.flatten_up_to([0, 0], [[1, 2], (3,)]) == [[1, 2], (3,)]
    assert nest.map_structure_up_to([0, 0], len, [[1, 2], (3,)]) == [2, 1]


def test_tensors_are_leaves():
    import eagerflow as tf

    t = tf.constant([1, 2])
    assert nest.flatten({"t": t})[0] is t
    assert tf.nest.flatten is nest.flatten


def test_namedtuples_with_same_name_and_fields_match():
    Other = collections.namedtuple("Point", ["x", "y"])
    Different = collections.namedtuple("Pair", ["x", "y"])
    nest.assert_same_structure(Point(1, 2), Other(3, 4))
    with pytest.raises(TypeError):
        nest.assert_same_structure(Point(1, 2), Different(3, 4))


# --- property: flatten / pack_sequence_as round trips on random structures --------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_leaves = st.one_of(st.integers(), st.none(), st.text(max_size=3), st.floats(allow_nan=False))
_structures = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.tuples(children, children),
        st.dictionaries(st.text("abc", min_size=1, max_size=2), children, max_size=3)),
    max_leaves=12)


@settings(max_examples=100, deadline=None)
@given(_structures)
def test_flatten_pack_round_trip(structure):
    import eagerflow as tf

    flat = tf.nest.flatten(structure)
    assert tf.nest.pack_sequence_as(structure, flat) == structure
    doubled = tf.nest.map_structure(lambda x: (x, x), structure)
    tf.nest.assert_same_structure(structure, tf.nest.map_structure(lambda x: 0, structure))
    # the pairs are structures too: each leaf now stands twice, in place
    assert tf.nest.flatten(doubled) == [v for x in flat for v in (x, x)]
