"""Elements inside a pipeline: nested tuples/dicts whose leaves are NumPy values.

Inside the pipeline an element is a structure (tuple, namedtuple, dict) of
NumPy arrays or NumPy scalars (strings: 0-d object arrays holding bytes);
a lone leaf needs no container. Leaves become EagerTensors only at the
boundary where the user sees them (`to_tensors`), and user values become
leaves again through `normalize`. tf.data's nest rule: lists are values
(converted to one tensor), tuples and dicts are structure.
"""

from __future__ import annotations

import collections.abc

import numpy as np

from eagerflow.core.dtypes import NUMPY_TO_DTYPE, from_numpy
from eagerflow.core.spec import TensorSpec
from eagerflow.core.tensor import EagerTensor, Tensor, constant_array

__all__ = ["normalize", "to_tensors", "to_numpy", "flatten", "pack", "spec_of", "is_leaf",
           "map_leaves", "relax_spec", "leaf_dtype", "assert_spec_compatible"]

_new = object.__new__
_ARRAY_TYPES = (np.ndarray, np.generic)


def is_leaf(value) -> bool:
    return isinstance(value, _ARRAY_TYPES)


def normalize(value, top_list_as_tuple: bool = False):
    """A user value (tensors, arrays, Python values, tuples, dicts) as an internal element."""
    kind = type(value)
    if kind is EagerTensor:
        return value._value
    if kind is np.ndarray:
        return constant_array(value) if value.dtype.kind in "US" else value
    if isinstance(value, tuple):
        items = [normalize(v) for v in value]
        return kind(*items) if hasattr(kind, "_fields") else tuple(items)
    if isinstance(value, collections.abc.Mapping):
        return {k: normalize(v) for k, v in value.items()}
    if top_list_as_tuple and kind is list:
        return tuple(normalize(v) for v in value)
    if hasattr(value, "_make_iter"):  # a dataset as an element (window, flat_map result)
        return value
    if isinstance(value, Tensor):
        raise TypeError(f"A symbolic tensor {value!r} cannot be an element of an eager "
                        "dataset.")
    read = getattr(value, "_variable_read", None)
    if read is not None:
        return read()._value
    if value is None:
        raise TypeError("tf.data does not support None as an element value; use an empty "
                        "tuple or a tensor instead.")
    if isinstance(value, np.generic):
        return constant_array(value) if value.dtype.kind in "USO" else value
    array = constant_array(value)
    if array.ndim == 0 and array.dtype.kind != "O":
        return array[()]
    return array


def leaf_dtype(leaf):
    dtype = leaf.dtype
    found = NUMPY_TO_DTYPE.get(dtype)
    return found if found is not None else from_numpy(dtype)


def to_tensors(element):
    """The user's view of an internal element: leaves wrapped as EagerTensors (no copy)."""
    kind = type(element)
    if kind is np.ndarray or isinstance(element, np.generic):
        tensor = _new(EagerTensor)
        tensor._value = element
        return tensor
    if kind is tuple:
        return tuple([to_tensors(e) for e in element])
    if kind is dict:
        return {k: to_tensors(v) for k, v in element.items()}
    if hasattr(kind, "_fields"):
        return kind(*[to_tensors(e) for e in element])
    if isinstance(element, collections.abc.Mapping):
        return kind({k: to_tensors(v) for k, v in element.items()})
    if hasattr(element, "_to_user"):  # nested datasets (window) and other values
        return element._to_user()
    return element


def to_numpy(element):
    """The `as_numpy_iterator` view: NumPy arrays (copies), scalars, and bytes for strings."""
    kind = type(element)
    if kind is np.ndarray:
        if element.ndim == 0:
            return element[()]
        return element.copy()
    if isinstance(element, np.generic):
        return element
    if kind is tuple:
        return tuple([to_numpy(e) for e in element])
    if kind is dict:
        return {k: to_numpy(v) for k, v in element.items()}
    if hasattr(kind, "_fields"):
        return kind(*[to_numpy(e) for e in element])
    if hasattr(element, "_to_numpy"):
        return element._to_numpy()
    return element


def _children(structure) -> list:
    if isinstance(structure, collections.abc.Mapping):
        return [structure[k] for k in sorted(structure)]
    return list(structure)


def _is_structure(value) -> bool:
    return isinstance(value, (tuple, collections.abc.Mapping))


def flatten(structure) -> list:
    """Leaves in TF's order (mapping values by sorted key)."""
    if not _is_structure(structure):
        return [structure]
    out: list = []
    stack = [structure]
    while stack:
        item = stack.pop()
        if _is_structure(item):
            stack.extend(reversed(_children(item)))
        else:
            out.append(item)
    return out


def pack(template, flat):
    """Rebuild `template`'s structure with the leaves `flat` (in `flatten` order)."""
    iterator = iter(flat)

    def build(node):
        if isinstance(node, collections.abc.Mapping):
            built = {k: build(node[k]) for k in sorted(node)}
            return {k: built[k] for k in node}
        if isinstance(node, tuple):
            items = [build(n) for n in node]
            return type(node)(*items) if hasattr(type(node), "_fields") else tuple(items)
        return next(iterator)

    return build(template)


def map_leaves(fn, structure):
    """`fn` applied to every leaf, keeping the structure."""
    if isinstance(structure, collections.abc.Mapping):
        return {k: map_leaves(fn, v) for k, v in structure.items()}
    if isinstance(structure, tuple):
        items = [map_leaves(fn, v) for v in structure]
        kind = type(structure)
        return kind(*items) if hasattr(kind, "_fields") else tuple(items)
    return fn(structure)


def spec_of(element):
    """The element_spec of an internal element (exact shapes)."""
    def leaf_spec(leaf):
        if hasattr(leaf, "_dataset_spec"):
            return leaf._dataset_spec()
        return TensorSpec(leaf.shape, leaf_dtype(leaf))
    return map_leaves(leaf_spec, element)


def relax_spec(spec, keep_shapes: bool):
    """A spec with all dims unknown (rank kept) unless `keep_shapes`."""
    if keep_shapes:
        return spec

    def relax(s):
        if not isinstance(s, TensorSpec) or s.shape.rank is None:
            return s
        return TensorSpec([None] * s.shape.rank, s.dtype)
    return map_leaves(relax, spec)


def assert_spec_compatible(spec_a, spec_b, what: str) -> None:
    """Raise TypeError unless two element specs have one structure and equal dtypes."""
    flat_a, flat_b = flatten(spec_a), flatten(spec_b)
    same = len(flat_a) == len(flat_b) and _same_structure(spec_a, spec_b)
    if same:
        same = all(getattr(a, "dtype", None) == getattr(b, "dtype", None)
                   for a, b in zip(flat_a, flat_b))
    if not same:
        raise TypeError(f"Incompatible dataset elements in {what}:\n  {spec_a}\nvs.\n  "
                        f"{spec_b}")


def _same_structure(a, b) -> bool:
    if isinstance(a, collections.abc.Mapping):
        return (isinstance(b, collections.abc.Mapping) and set(a) == set(b)
                and all(_same_structure(a[k], b[k]) for k in a))
    if isinstance(a, tuple):
        return (isinstance(b, tuple) and not isinstance(b, collections.abc.Mapping)
                and len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b)))
    return not _is_structure(b)
