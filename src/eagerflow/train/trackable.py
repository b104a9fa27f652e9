"""The checkpoint object graph: which objects an object depends on, and the keys they save under.

An object's children come from its `_trackable_children()` (ordered dict
local name -> child) when it has one; lists and tuples give "0", "1", ...;
dicts give their string keys; any other object (a `tf.Module`) gives its
attributes holding trackables, in assignment order (private names included,
as TF's AutoTrackable does). Keys are the first breadth-first path from the
root with each name escaped (`.` -> `..`, `/` -> `.S`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from eagerflow.core.module import Module
from eagerflow.core.variable import Variable
from eagerflow.train.protos import (
    ObjectReference,
    SerializedTensor,
    TrackableObject,
    TrackableObjectGraph,
)

__all__ = ["is_trackable", "children_of", "escape_local_name", "checkpoint_key", "ObjectGraph",
           "build_object_graph", "OBJECT_GRAPH_KEY", "VARIABLE_VALUE", "saved_tensors_of"]

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
VARIABLE_VALUE = "VARIABLE_VALUE"
_CONTAINERS = (list, tuple, dict)


def is_trackable(value) -> bool:
    """True for what a checkpoint can hold: variables, modules, objects declaring children,
    and lists/tuples/dicts (which become nodes even when they hold no variables, as in TF)."""
    return (isinstance(value, (Variable, Module) + _CONTAINERS)
            or callable(getattr(value, "_trackable_children", None))
            or callable(getattr(value, "_serialize_to_tensors", None)))


def saved_tensors_of(obj) -> dict:
    """The values an object that is not a variable saves (TF's `_serialize_to_tensors`
    protocol: attribute name -> NumPy value), e.g. a dataset iterator's position."""
    serialize = getattr(obj, "_serialize_to_tensors", None)
    if isinstance(obj, Variable) or not callable(serialize):
        return {}
    return {str(name): np.asarray(value) for name, value in serialize().items()}


def children_of(obj) -> list[tuple[str, object]]:
    """The (local_name, child) dependencies of `obj`, in order."""
    if isinstance(obj, Variable):
        return []
    declared = getattr(obj, "_trackable_children", None)
    if callable(declared):
        items = declared()
        items = items.items() if isinstance(items, dict) else items
        return [(str(name), child) for name, child in items if is_trackable(child)]
    if isinstance(obj, (list, tuple)):
        return [(str(i), child) for i, child in enumerate(obj) if is_trackable(child)]
    if isinstance(obj, dict):
        return [(key, child) for key, child in obj.items()
                if isinstance(key, str) and is_trackable(child)]
    attributes = getattr(obj, "__dict__", None)
    if not isinstance(attributes, dict):
        return []
    return [(name, child) for name, child in attributes.items() if is_trackable(child)]


def escape_local_name(name: str) -> str:
    """Escape a local name for a checkpoint key: `.` -> `..` then `/` -> `.S`."""
    return name.replace(".", "..").replace("/", ".S")


def checkpoint_key(path: list[str], attribute: str = VARIABLE_VALUE) -> str:
    """The bundle key of `attribute` of the object at `path` (local names from the root)."""
    return "/".join([escape_local_name(n) for n in path] + [".ATTRIBUTES", attribute])


@dataclasses.dataclass
class ObjectGraph:
    """The live objects in breadth-first order (index = node id) with their saved form."""

    objects: list
    paths: list[list[str]]
    proto: TrackableObjectGraph

    saved_tensors: list = dataclasses.field(default_factory=list)  # (key, value) of the rest

    def variables(self) -> list[tuple[str, Variable]]:
        """(checkpoint key, variable) for every variable, in node order."""
        return [(checkpoint_key(path), obj) for obj, path in zip(self.objects, self.paths)
                if isinstance(obj, Variable)]


def build_object_graph(root) -> ObjectGraph:
    """Walk the dependencies of `root` breadth-first (each object once) into the saved graph."""
    objects, paths, node_ids = [root], [[]], {id(root): 0}
    children_lists: list[list[ObjectReference]] = []
    position = 0
    while position < len(objects):
        obj, path = objects[position], paths[position]
        references = []
        for name, child in children_of(obj):
            child_id = node_ids.get(id(child))
            if child_id is None:
                child_id = node_ids[id(child)] = len(objects)
                objects.append(child)
                paths.append(path + [name])
            references.append(ObjectReference(child_id, name))
        children_lists.append(references)
        position += 1
    nodes, saved = [], []
    for obj, path, references in zip(objects, paths, children_lists):
        attributes = []
        if isinstance(obj, Variable):
            attributes.append(SerializedTensor(VARIABLE_VALUE, obj.name.removesuffix(":0"),
                                               checkpoint_key(path)))
        for name, value in sorted(saved_tensors_of(obj).items()):
            key = checkpoint_key(path, name)
            attributes.append(SerializedTensor(name, "/".join(path), key))
            saved.append((key, value))
        nodes.append(TrackableObject(children=references, attributes=attributes))
    _mark_values(nodes)
    return ObjectGraph(objects, paths, TrackableObjectGraph(nodes), saved)


def _mark_values(nodes: list[TrackableObject]) -> None:
    """`has_checkpoint_values`: the node or something below it saves a value (cycles allowed)."""
    has_values = [bool(node.attributes) for node in nodes]
    changed = True
    while changed:
        changed = False
        for i in range(len(nodes) - 1, -1, -1):
            if not has_values[i] and any(has_values[c.node_id] for c in nodes[i].children):
                has_values[i] = changed = True
    for node, value in zip(nodes, has_values):
        node.has_checkpoint_values = value
