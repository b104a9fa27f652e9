"""TensorShape: unknown rank and dims, list views, compatibility, merging, indexing, text."""

import pickle

import pytest

from eagerflow.core.shape import TensorShape, as_shape


def test_known_shape():
    s = TensorShape([2, 3])
    assert s.rank == s.ndims == 2 and len(s) == 2
    assert s.as_list() == [2, 3] and list(s) == [2, 3] and s.dims == [2, 3]
    assert s.is_fully_defined() and s.num_elements() == 6
    assert TensorShape([]).num_elements() == 1 and TensorShape([]).rank == 0


def test_partial_and_unknown():
    partial = TensorShape([None, 3])
    assert partial.as_list() == [None, 3] and not partial.is_fully_defined()
    assert partial.num_elements() is None
    unknown = TensorShape(None)
    assert unknown.rank is None and unknown.dims is None and not unknown
    assert unknown.num_elements() is None
    with pytest.raises(ValueError, match="unknown TensorShape"):
        unknown.as_list()
    with pytest.raises(ValueError):
        len(unknown)
    with pytest.raises(ValueError):
        iter(unknown)
    assert unknown[0] is None and unknown[1:] == TensorShape(None)
    with pytest.raises(ValueError, match="not fully defined"):
        partial.assert_is_fully_defined()


def test_construction_forms():
    assert TensorShape(3).as_list() == [3]
    assert TensorShape((1, None)).as_list() == [1, None]
    assert TensorShape(TensorShape([4])).as_list() == [4]
    assert as_shape([1, 2]) == TensorShape([1, 2])
    with pytest.raises(ValueError, match=">= 0"):
        TensorShape([-1])
    with pytest.raises(TypeError):
        TensorShape(["a"])


def test_indexing_and_slicing():
    s = TensorShape([1, None, 3])
    assert s[0] == 1 and s[1] is None and s[-1] == 3
    assert isinstance(s[1:], TensorShape) and s[1:].as_list() == [None, 3]
    with pytest.raises(IndexError):
        s[5]


def test_compatibility():
    s = TensorShape([None, 3])
    assert s.is_compatible_with([5, 3]) and s.is_compatible_with(TensorShape(None))
    assert not s.is_compatible_with([5, 4]) and not s.is_compatible_with([3])
    assert TensorShape(None).is_compatible_with([1, 2, 3])
    s.assert_is_compatible_with([2, 3])
    with pytest.raises(ValueError, match="incompatible"):
        s.assert_is_compatible_with([2, 2])


def test_merge_with():
    assert TensorShape([None, 3]).merge_with([2, None]).as_list() == [2, 3]
    assert TensorShape(None).merge_with([1]).as_list() == [1]
    assert TensorShape([1]).merge_with(TensorShape(None)).as_list() == [1]
    with pytest.raises(ValueError, match=r"Shapes \(1, 2\) and \(1, 3\) are not compatible"):
        TensorShape([1, 2]).merge_with([1, 3])
    with pytest.raises(ValueError):
        TensorShape([1]).merge_with([1, 1])


def test_concatenate_and_add():
    assert TensorShape([1]).concatenate([None, 2]).as_list() == [1, None, 2]
    assert TensorShape([1]).concatenate(TensorShape(None)).rank is None
    assert (TensorShape([1]) + [2]).as_list() == [1, 2]
    assert ([0] + TensorShape([1])).as_list() == [0, 1]


def test_ranks():
    assert TensorShape(None).with_rank(2).as_list() == [None, None]
    assert TensorShape([1, 2]).with_rank(2).as_list() == [1, 2]
    with pytest.raises(ValueError, match="must have rank 3"):
        TensorShape([1, 2]).with_rank(3)
    with pytest.raises(ValueError, match="at least 3"):
        TensorShape([1, 2]).with_rank_at_least(3)
    assert TensorShape([1, 2]).with_rank_at_least(1).rank == 2


def test_most_specific_and_subtype():
    a, b = TensorShape([1, 2]), TensorShape([1, 3])
    assert a.most_specific_compatible_shape(b).as_list() == [1, None]
    assert a.most_specific_compatible_shape([1]).rank is None
    assert a.is_subtype_of([None, 2]) and not TensorShape([None, 2]).is_subtype_of(a)
    assert a.is_subtype_of(TensorShape(None))


def test_equality_and_hash():
    assert TensorShape([1, None]) == TensorShape([1, None])
    assert TensorShape([1, None]) == [1, None] and TensorShape([1, None]) == (1, None)
    assert TensorShape([1, 2]) != [1, 3] and TensorShape([1]) != TensorShape(None)
    assert TensorShape(None) == TensorShape(None)
    assert len({TensorShape([1, 2]), TensorShape((1, 2)), TensorShape([2])}) == 2
    assert TensorShape([1]) != "ab"


def test_text():
    assert str(TensorShape([None, 3])) == "(None, 3)"
    assert repr(TensorShape([None, 3])) == "TensorShape([None, 3])"
    assert str(TensorShape([5])) == "(5,)"
    assert str(TensorShape([])) == "()" and repr(TensorShape([])) == "TensorShape([])"
    assert str(TensorShape(None)) == "<unknown>"
    assert repr(TensorShape(None)) == "TensorShape(None)"


def test_pickle():
    for shape in (TensorShape([1, None]), TensorShape(None), TensorShape([])):
        assert pickle.loads(pickle.dumps(shape)) == shape


def test_tensor_shapes():
    import eagerflow as tf

    assert tf.constant([[1, 2, 3]]).shape == TensorShape([1, 3])
    assert tf.TensorShape is TensorShape


def test_rank_assertions():
    TensorShape([1, 2]).assert_has_rank(2)
    TensorShape(None).assert_has_rank(5)
    with pytest.raises(ValueError, match="must have rank 1"):
        TensorShape([1, 2]).assert_has_rank(1)
    TensorShape([1, 2]).assert_same_rank([None, None])
    with pytest.raises(ValueError, match="same rank"):
        TensorShape([1, 2]).assert_same_rank([1])
    assert TensorShape([1]).with_rank_at_most(2).rank == 1
    with pytest.raises(ValueError, match="at most 1"):
        TensorShape([1, 2]).with_rank_at_most(1)
