"""`tf.nest`: flatten and rebuild nested structures with TF's ordering rules.

Structures are lists, tuples, namedtuples, dicts and other mappings (values in
sorted key order) and `attrs` classes; everything else, `None` and strings
included, is a leaf.
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable

__all__ = ["flatten", "pack_sequence_as", "map_structure", "assert_same_structure", "is_nested",
           "flatten_with_paths", "map_structure_with_paths", "flatten_up_to",
           "map_structure_up_to", "is_namedtuple"]


def is_namedtuple(value) -> bool:
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def _same_namedtuples(a, b) -> bool:
    """Namedtuples of two classes with one name and the same fields count as one type (TF)."""
    return (is_namedtuple(a) and is_namedtuple(b) and type(a).__name__ == type(b).__name__
            and type(a)._fields == type(b)._fields)


def _is_attrs(value) -> bool:
    return hasattr(type(value), "__attrs_attrs__")


def is_nested(structure) -> bool:
    """True for lists, tuples, mappings and attrs objects (TF's `is_nested`)."""
    if isinstance(structure, (list, tuple, collections.abc.Mapping)):
        return True
    return _is_attrs(structure) or isinstance(structure, collections.abc.MappingView)


is_sequence = is_nested


def _sorted_keys(mapping) -> list:
    try:
        return sorted(mapping)
    except TypeError:
        raise TypeError("nest only supports dicts with sortable keys.") from None


def _children(structure) -> list:
    if isinstance(structure, collections.abc.Mapping):
        return [structure[k] for k in _sorted_keys(structure)]
    if _is_attrs(structure):
        return [getattr(structure, a.name) for a in type(structure).__attrs_attrs__]
    if isinstance(structure, collections.abc.MappingView):
        return list(structure)
    return list(structure)


def _child_paths(structure) -> list:
    if isinstance(structure, collections.abc.Mapping):
        return _sorted_keys(structure)
    if _is_attrs(structure):
        return [a.name for a in type(structure).__attrs_attrs__]
    return list(range(len(structure)))


def _rebuild(structure, children: list):
    if isinstance(structure, collections.abc.Mapping):
        by_key = dict(zip(_sorted_keys(structure), children))
        result = {key: by_key[key] for key in structure}  # keep the instance's key order
        if type(structure) is dict:
            return result
        if isinstance(structure, collections.defaultdict):
            rebuilt = collections.defaultdict(structure.default_factory)
            rebuilt.update(result)
            return rebuilt
        return type(structure)(result)
    if is_namedtuple(structure):
        return type(structure)(*children)
    if _is_attrs(structure):
        return type(structure)(*children)
    if isinstance(structure, tuple):
        return tuple(children)
    if isinstance(structure, list):
        return list(children)
    return type(structure)(children)


def flatten(structure, expand_composites: bool = False) -> list:
    """The leaves of `structure` in TF's order (mapping values by sorted key)."""
    if not is_nested(structure):
        return [structure]
    result = []
    stack = [structure]
    while stack:
        item = stack.pop()
        if is_nested(item):
            stack.extend(reversed(_children(item)))
        else:
            result.append(item)
    return result


def flatten_with_paths(structure) -> list:
    """(path tuple, leaf) pairs in `flatten` order."""
    if not is_nested(structure):
        return [((), structure)]
    result = []
    for key, child in zip(_child_paths(structure), _children(structure)):
        for path, leaf in flatten_with_paths(child):
            result.append(((key,) + path, leaf))
    return result


def _packed(structure, flat: list, index: int):
    packed = []
    for child in _children(structure):
        if is_nested(child):
            index, sub = _packed(child, flat, index)
            packed.append(_rebuild(child, sub))
        else:
            packed.append(flat[index])
            index += 1
    return index, packed


def pack_sequence_as(structure, flat_sequence, expand_composites: bool = False):
    """Rebuild `structure` with the leaves of `flat_sequence`, in `flatten` order."""
    flat_sequence = list(flat_sequence) if not isinstance(flat_sequence, list) else flat_sequence
    if not is_nested(structure):
        if len(flat_sequence) != 1:
            raise ValueError(f"Structure is a scalar but len(flat_sequence) == "
                             f"{len(flat_sequence)} > 1")
        return flat_sequence[0]
    expected = len(flatten(structure))
    if expected != len(flat_sequence):
        raise ValueError(f"Could not pack sequence. Structure had {expected} atoms, but "
                         f"flat_sequence had {len(flat_sequence)} items. Structure: "
                         f"{structure}, flat_sequence: {flat_sequence}.")
    _, packed = _packed(structure, flat_sequence, 0)
    return _rebuild(structure, packed)


def assert_same_structure(nest1, nest2, check_types: bool = True,
                          expand_composites: bool = False) -> None:
    """Raise ValueError (or TypeError for type differences) unless the structures match."""
    stack = [(nest1, nest2)]
    while stack:
        a, b = stack.pop()
        a_nested, b_nested = is_nested(a), is_nested(b)
        if a_nested != b_nested:
            raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                             f"First structure: {nest1}\n\nSecond structure: {nest2}\n\n"
                             f"More specifically: Substructure \"{a!r}\" is a sequence, while "
                             f"substructure \"{b!r}\" is not" if a_nested else
                             f"The two structures don't have the same nested structure.\n\n"
                             f"First structure: {nest1}\n\nSecond structure: {nest2}")
        if not a_nested:
            continue
        if check_types and type(a) is not type(b):
            both_mappings = isinstance(a, collections.abc.Mapping) and isinstance(
                b, collections.abc.Mapping)
            if not both_mappings and not _same_namedtuples(a, b):
                raise TypeError(f"The two structures don't have the same sequence type. Input "
                                f"structure has type {type(a)}, while shallow structure has "
                                f"type {type(b)}.")
        if isinstance(a, collections.abc.Mapping):
            if set(a) != set(b):
                raise ValueError(f"The two dictionaries don't have the same set of keys. First "
                                 f"structure has keys {list(a)}, while second structure has "
                                 f"keys {list(b)}.")
        children_a, children_b = _children(a), _children(b)
        if len(children_a) != len(children_b):
            raise ValueError(f"The two structures don't have the same number of elements.\n\n"
                             f"First structure: {nest1}\n\nSecond structure: {nest2}")
        stack.extend(zip(children_a, children_b))


def map_structure(func: Callable, *structure, **kwargs):
    """Apply `func` to corresponding leaves; the result has the first structure's shape."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    check_types = kwargs.pop("check_types", True)
    kwargs.pop("expand_composites", None)
    if kwargs:
        raise ValueError(f"Only valid keyword arguments are `check_types` and "
                         f"`expand_composites`, not: {list(kwargs)}")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*leaves) for leaves in zip(*flats)])


def map_structure_with_paths(func: Callable, *structure, **kwargs):
    """Like map_structure, with the leaf's path (joined by '/') as the first argument."""
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=kwargs.get("check_types", True))
    paths = ["/".join(str(k) for k in path) for path, _ in flatten_with_paths(structure[0])]
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0],
                            [func(p, *leaves) for p, *leaves in zip(paths, *flats)])


def flatten_up_to(shallow_tree, input_tree, check_types: bool = True) -> list:
    """Flatten `input_tree` only as deep as `shallow_tree` goes."""
    if not is_nested(shallow_tree):
        return [input_tree]
    if not is_nested(input_tree):
        raise TypeError(f"If shallow structure is a sequence, input must also be a sequence. "
                        f"Input has type: {type(input_tree)}.")
    if isinstance(shallow_tree, collections.abc.Mapping):
        children = [input_tree[k] for k in _sorted_keys(shallow_tree)]
    else:
        children = _children(input_tree)
    shallow_children = _children(shallow_tree)
    if len(children) != len(shallow_children):
        raise ValueError(f"The two structures don't have the same sequence length. Input "
                         f"structure has length {len(children)}, while shallow structure has "
                         f"length {len(shallow_children)}.")
    result = []
    for shallow, child in zip(shallow_children, children):
        result.extend(flatten_up_to(shallow, child, check_types))
    return result


def map_structure_up_to(shallow_tree, func: Callable, *inputs, **kwargs):
    flats = [flatten_up_to(shallow_tree, i) for i in inputs]
    return pack_sequence_as(shallow_tree, [func(*leaves) for leaves in zip(*flats)])
