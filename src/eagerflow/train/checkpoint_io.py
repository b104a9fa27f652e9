"""Saving an object graph's variables to a TF checkpoint and restoring them by matching names.

`write(root, prefix)` stores every variable reachable from `root` plus the
`_CHECKPOINTABLE_OBJECT_GRAPH`; `restore(root, prefix)` walks the saved graph
and the live objects together by child local name, checks every value against
its variable, and only then assigns them all (a bad file changes nothing).
Values whose objects do not exist yet are assigned by `restore_pending()`, which
layers and optimizers call once they create variables (TF's deferred restore).
Keras `save_weights` / `load_weights` (TF format) call `write` and `restore`.
"""

from __future__ import annotations

import collections
import os
import weakref

import numpy as np

from eagerflow.core.context import state
from eagerflow.core.errors import DataLossError, InvalidArgumentError
from eagerflow.core.variable import Variable
from eagerflow.train.bundle import BundleReader, BundleWriter
from eagerflow.train.checkpoint_management import update_checkpoint_state
from eagerflow.train.protos import DecodeError, TrackableObjectGraph
from eagerflow.train.trackable import (
    OBJECT_GRAPH_KEY,
    VARIABLE_VALUE,
    build_object_graph,
    children_of,
)

__all__ = ["write", "restore", "restore_pending", "read_object_graph", "LoadStatus",
           "update_checkpoint_state"]

MAX_GRAPH_NODES = 1_000_000


def _refuse_while_tracing(what: str) -> None:
    if state.local.builder is not None:
        raise RuntimeError(f"{what} cannot run inside a tf.function: it would happen once, "
                           "while tracing, instead of at every call. Call it eagerly, e.g. "
                           "from the Python training loop every N steps.")


def write(root, prefix: str) -> str:
    """Save the variables reachable from `root` under `prefix` (.index + .data); return it."""
    _refuse_while_tracing("Saving a checkpoint")
    prefix = os.fspath(prefix)
    graph = build_object_graph(root)
    writer = BundleWriter(prefix)
    try:
        for key, variable in graph.variables():
            writer.add(key, variable.numpy(), variable.dtype)
        for key, value in graph.saved_tensors:
            writer.add(key, value, "string" if value.dtype == object else None)
        writer.add(OBJECT_GRAPH_KEY, np.array(graph.proto.encode(), dtype=object), "string")
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


def read_object_graph(reader: BundleReader) -> TrackableObjectGraph:
    """The saved object graph of a checkpoint, with every node reference checked."""
    if OBJECT_GRAPH_KEY not in reader:
        raise ValueError("The checkpoint has no object graph (`_CHECKPOINTABLE_OBJECT_GRAPH`): "
                         "it was written by name-based TF1 saving. Read its tensors with "
                         "tf.train.load_checkpoint(path).get_tensor(name) instead.")
    data = reader.read(OBJECT_GRAPH_KEY)
    if data.shape != () or not isinstance(data[()], bytes):
        raise DataLossError(None, None, "The checkpoint's object graph is not a scalar string.")
    try:
        graph = TrackableObjectGraph.decode(data[()], max_nodes=MAX_GRAPH_NODES)
    except DecodeError as exc:
        raise DataLossError(None, None, f"The checkpoint's object graph is malformed: {exc}") \
            from None
    count = len(graph.nodes)
    if count == 0:
        raise DataLossError(None, None, "The checkpoint's object graph has no root node.")
    for node_id, node in enumerate(graph.nodes):
        references = [c.node_id for c in node.children]
        for slot in node.slot_variables:
            references += [slot.original_variable_node_id, slot.slot_variable_node_id]
        for reference in references:
            if not 0 <= reference < count:
                raise DataLossError(None, None, f"The checkpoint's object graph node {node_id} "
                                    f"refers to node {reference}, but there are only {count} "
                                    "nodes.")
    return graph


def _live_graph(root) -> tuple[list, list[list[int]]]:
    """Every object reachable from `root` (each once, breadth-first) and each one's children
    as indices into that list, from a single walk (children lists may be built on demand)."""
    found, index, children, position = [root], {id(root): 0}, [], 0
    while position < len(found):
        ids = []
        for _, child in children_of(found[position]):
            if id(child) not in index:
                index[id(child)] = len(found)
                found.append(child)
            ids.append(index[id(child)])
        children.append(ids)
        position += 1
    return found, children


def _holding_variables(objects: list, children: list[list[int]]) -> list[bool]:
    """For each object: is it, or does anything below it, hold a variable (cycles allowed)?"""
    holds = [isinstance(obj, Variable) for obj in objects]
    changed = True
    while changed:
        changed = False
        for i in range(len(objects) - 1, -1, -1):
            if not holds[i] and any(holds[c] for c in children[i]):
                holds[i] = changed = True
    return holds


class LoadStatus:
    """What a restore matched (`tf.train.Checkpoint.restore`'s status object)."""

    def __init__(self, root, graph: TrackableObjectGraph, matched: dict, restored_keys: set,
                 path: str) -> None:
        try:
            self._get_root = weakref.ref(root)
        except TypeError:  # lists and dicts cannot be weakly referenced
            self._get_root = lambda: root
        self._graph = graph
        self._matched = matched  # saved node id -> live object
        self._restored_keys = restored_keys
        self._path = path

    def _unresolved_saved(self) -> list[str]:
        out = []
        for node_id, node in enumerate(self._graph.nodes):
            keys = [a.checkpoint_key for a in node.attributes]
            if keys and (node_id not in self._matched
                         or any(k not in self._restored_keys for k in keys)):
                out.append(f"node {node_id} ({', '.join(keys)})")
        return out

    def _unmatched_live(self) -> list:
        """Live objects holding variables (themselves or below) that no saved node matched.

        Objects with nothing to restore (an InputLayer, a Dropout, an empty list) are not
        reported, so layouts that differ only in such objects still pass.
        """
        matched = {id(obj) for obj in self._matched.values()}
        objects, children = _live_graph(self._get_root())
        holding = _holding_variables(objects, children)
        return [obj for obj, holds in zip(objects, holding)
                if holds and id(obj) not in matched and not isinstance(obj, (list, tuple, dict))]

    def assert_consumed(self) -> LoadStatus:
        """Every saved value was restored and every live object got one, else AssertionError."""
        unresolved = self._unresolved_saved()
        if unresolved:
            raise AssertionError(f"Unresolved object in checkpoint {self._path}: "
                                 f"{'; '.join(unresolved[:20])}. These saved values found no "
                                 "matching Python object; use expect_partial() if expected.")
        return self.assert_existing_objects_matched()

    def assert_existing_objects_matched(self) -> LoadStatus:
        """Every existing live object (and variable) was matched by the checkpoint."""
        unmatched = self._unmatched_live()
        if unmatched:
            names = ", ".join(_describe(obj) for obj in unmatched[:20])
            raise AssertionError(f"Some Python objects were not bound to checkpointed values, "
                                 f"likely due to changes in the Python program: [{names}]")
        for node_id, obj in self._matched.items():
            for attribute in self._graph.nodes[node_id].attributes:
                if attribute.checkpoint_key not in self._restored_keys:
                    raise AssertionError(f"Object {_describe(obj)} was matched but its saved "
                                         f"value {attribute.checkpoint_key!r} was not restored.")
        return self

    def assert_nontrivial_match(self) -> LoadStatus:
        """Something besides the root matched, else AssertionError (wrong checkpoint?)."""
        if len(self._matched) <= 1:
            raise AssertionError(f"Nothing except the root object matched a checkpointed value "
                                 f"in {self._path}. Typically this means that the checkpoint "
                                 "does not match the Python program.")
        return self

    def expect_partial(self) -> LoadStatus:
        """Silence warnings about values left unused (eagerflow emits none)."""
        return self

    def run_restore_ops(self, session=None) -> None:
        """Nothing to run: values were assigned eagerly."""

    def initialize_or_restore(self, session=None) -> None:
        """Nothing to run: values were assigned eagerly."""


class InitializationOnlyStatus(LoadStatus):
    """The status of `restore(None)`: nothing was restored; the assertions fail."""

    def __init__(self, root) -> None:
        super().__init__(root, TrackableObjectGraph(), {}, set(), "<none>")

    def assert_consumed(self) -> LoadStatus:
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being "
                             "restored.")

    assert_existing_objects_matched = assert_consumed
    assert_nontrivial_match = assert_consumed


def _describe(obj) -> str:
    if isinstance(obj, Variable):
        return f"<tf.Variable '{obj.name}' shape={obj.shape} dtype={obj.dtype.name}>"
    return repr(obj)


def _match(graph: TrackableObjectGraph, root) -> dict:
    """Pair saved node ids with live objects, breadth-first by child local name."""
    matched, used, queue = {0: root}, {id(root)}, collections.deque([0])
    while queue:
        node_id = queue.popleft()
        live = dict(children_of(matched[node_id]))
        for reference in graph.nodes[node_id].children:
            child = live.get(reference.local_name)
            if child is None or reference.node_id in matched or id(child) in used:
                continue
            matched[reference.node_id] = child
            used.add(id(child))
            queue.append(reference.node_id)
    return matched


def restore(root, prefix: str) -> LoadStatus:
    """Restore the variables under `root` from the checkpoint at `prefix`.

    Every value is read and checked (dtype, shape, CRC) before any is assigned. Saved values
    whose objects do not exist yet wait; `restore_pending()` assigns them once created.
    """
    _refuse_while_tracing("Restoring a checkpoint")
    prefix = os.fspath(prefix)
    reader = BundleReader(prefix)
    graph = read_object_graph(reader)
    before = getattr(root, "_before_restore", None)
    if callable(before):
        before(graph)
    status = LoadStatus(root, graph, {}, set(), prefix)
    _restore_matched(status, reader)
    _PENDING[:] = [(s, r) for s, r in _PENDING if s._get_root() not in (None, root)]
    if status._unresolved_saved():
        _PENDING.append((status, reader))
    return status


# Restorations waiting for objects not created yet: (status, reader).
_PENDING: list[tuple[LoadStatus, BundleReader]] = []


def restore_pending() -> None:
    """Assign saved values to objects created since their checkpoint was restored.

    Keras layers call this after `build` and optimizers after creating their slots, so
    `ckpt.restore(path)` before the first training step still restores everything (TF's
    deferred restoration). It costs nothing when no restoration is waiting.
    """
    if not _PENDING:
        return
    waiting = []
    for status, reader in list(_PENDING):
        if status._get_root() is None:
            continue
        _restore_matched(status, reader)
        if status._unresolved_saved():
            waiting.append((status, reader))
    _PENDING[:] = waiting


def _restore_matched(status: LoadStatus, reader: BundleReader) -> None:
    """Match the saved graph to the live objects now and assign the values not yet restored."""
    graph = status._graph
    matched = _match(graph, status._get_root())
    updates, states = [], []
    for node_id, obj in matched.items():
        python_state = {}
        for attribute in graph.nodes[node_id].attributes:
            key = attribute.checkpoint_key
            if key in status._restored_keys:
                continue
            if attribute.name == VARIABLE_VALUE and isinstance(obj, Variable):
                value = reader.read(key)
                _check_value(obj, value, key)
                updates.append((obj, value, key))
            elif callable(getattr(obj, "_restore_from_tensors", None)):
                python_state[attribute.name] = (reader.read(key), key)
        if python_state:
            states.append((obj, python_state))
    from eagerflow.graph.builder import init_scope

    with init_scope():  # restoring is never part of a traced function
        for variable, value, _ in updates:
            variable.assign(value)
        for obj, python_state in states:
            obj._restore_from_tensors({name: value for name, (value, _) in python_state.items()})
    status._matched.update(matched)
    status._restored_keys.update(key for _, _, key in updates)
    status._restored_keys.update(key for _, python_state in states
                                 for _, key in python_state.values())


def _check_value(variable: Variable, value: np.ndarray, key: str) -> None:
    saved = np.dtype(value.dtype)
    wanted = np.dtype(variable.dtype.as_numpy_dtype)
    if saved != wanted:
        raise InvalidArgumentError(None, None, f"Cannot restore variable '{variable.name}' of "
                                   f"dtype {variable.dtype.name} from checkpoint key {key!r}, "
                                   f"which holds {'string' if saved.kind == 'O' else saved.name}.")
    if not variable.shape.is_compatible_with(value.shape):
        wanted_shape = tuple(variable.shape) if variable.shape.rank is not None else "unknown"
        raise ValueError(f"Received incompatible tensor with shape {value.shape} when attempting"
                         f" to restore variable with shape {wanted_shape} and name "
                         f"{variable.name} (checkpoint key {key!r}).")
