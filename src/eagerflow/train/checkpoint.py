"""`tf.train.Checkpoint`: save and restore a group of trackable objects by their names.

>>> ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer)
>>> path = ckpt.save("/tmp/run/ckpt")      # '/tmp/run/ckpt-1'
>>> ckpt.restore(path).assert_consumed()
"""

from __future__ import annotations

import os

from eagerflow.core import dtypes as _dtypes
from eagerflow.core.errors import NotFoundError
from eagerflow.core.variable import Variable
from eagerflow.train import checkpoint_io
from eagerflow.train.checkpoint_io import InitializationOnlyStatus, LoadStatus
from eagerflow.train.checkpoint_management import STATE_FILENAME, update_checkpoint_state
from eagerflow.train.trackable import children_of, is_trackable

__all__ = ["Checkpoint", "CheckpointOptions"]

SAVE_COUNTER = "save_counter"


class CheckpointOptions:
    """Options of save/restore (`tf.train.CheckpointOptions`); eagerflow needs none of them."""

    def __init__(self, experimental_io_device=None, experimental_enable_async_checkpoint=False,
                 experimental_write_callbacks=None, enable_async=False,
                 experimental_skip_slot_variables=False,
                 experimental_sharding_callback=None) -> None:
        self.experimental_io_device = experimental_io_device
        self.enable_async = enable_async or experimental_enable_async_checkpoint
        self.experimental_write_callbacks = experimental_write_callbacks
        self.experimental_skip_slot_variables = experimental_skip_slot_variables
        self.experimental_sharding_callback = experimental_sharding_callback


def _check_trackable(name: str, value) -> None:
    if not is_trackable(value):
        raise ValueError(f"`Checkpoint` was expecting {name} to be a trackable object (an object "
                         f"derived from `Trackable`: a tf.Variable, tf.Module, Keras layer, model"
                         f" or optimizer, or a list/dict of them), got {value!r}.")


class Checkpoint:
    """Groups trackable objects under names and saves/restores all their variables.

    Keyword arguments (sorted by name, as TF does) become the checkpoint's children;
    with `root`, root's own children come first and the keywords are added to them.
    """

    def __init__(self, root=None, **kwargs) -> None:
        object.__setattr__(self, "_deps", {})
        object.__setattr__(self, "_root", None)
        if root is not None:
            _check_trackable("root", root)
            object.__setattr__(self, "_root", root)
        for name, value in sorted(kwargs.items()):
            _check_trackable(name, value)
            self._deps[name] = value

    # -- the object graph -----------------------------------------------------------------
    def __getattr__(self, name: str):
        deps = object.__getattribute__(self, "_deps")
        if name in deps:
            return deps[name]
        raise AttributeError(f"'Checkpoint' object has no attribute {name!r}")

    def __setattr__(self, name: str, value) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if name == SAVE_COUNTER:
            raise AttributeError("`save_counter` is managed by the Checkpoint.")
        _check_trackable(name, value)
        self._deps[name] = value

    def _trackable_children(self) -> dict:
        children = {}
        if self._root is not None:
            children.update(children_of(self._root))
        children.update(self._deps)
        if self._root is not None:
            children["root"] = self  # TF lists the root as its own child "root"
        return children

    @property
    def save_counter(self) -> Variable:
        """How many times `save()` ran (an int64 variable, created on first use, saved too)."""
        counter = self._deps.get(SAVE_COUNTER)
        if counter is None:
            from eagerflow.graph.builder import init_scope

            with init_scope():
                counter = Variable(0, dtype=_dtypes.int64, trainable=False, name=SAVE_COUNTER)
            self._deps[SAVE_COUNTER] = counter
        return counter

    def _before_restore(self, graph) -> None:
        """Create `save_counter` when the checkpoint holds one, so it is restored too."""
        if any(c.local_name == SAVE_COUNTER for c in graph.nodes[0].children):
            self.save_counter  # noqa: B018 - creates the variable

    # -- saving ---------------------------------------------------------------------------
    def write(self, file_prefix: str, options: CheckpointOptions | None = None) -> str:
        """Save to exactly `file_prefix` (.index + .data); no counter, no state file."""
        return checkpoint_io.write(self, os.fspath(file_prefix))

    def save(self, file_prefix: str, options: CheckpointOptions | None = None) -> str:
        """Save to `<file_prefix>-<save_counter>` and record it in the `checkpoint` file."""
        file_prefix = os.fspath(file_prefix)
        counter = self.save_counter
        counter.assign_add(1)
        try:
            path = self.write(f"{file_prefix}-{int(counter.numpy())}", options)
        except BaseException:
            counter.assign_sub(1)
            raise
        update_checkpoint_state(os.path.dirname(file_prefix), path, [path])
        return path

    # -- restoring ------------------------------------------------------------------------
    def read(self, save_path: str, options: CheckpointOptions | None = None) -> LoadStatus:
        """Restore from a prefix written by `write` or `save`."""
        save_path = os.fspath(save_path)
        if os.path.isdir(save_path) and os.path.exists(os.path.join(save_path, STATE_FILENAME)):
            raise NotFoundError(None, None, f"{save_path} is a directory of checkpoints; pass a "
                                "checkpoint prefix such as tf.train.latest_checkpoint("
                                f"{save_path!r}).")
        return checkpoint_io.restore(self, save_path)

    def restore(self, save_path: str | None, options: CheckpointOptions | None = None) \
            -> LoadStatus:
        """Restore from `save_path`; `None` restores nothing (a status whose asserts fail)."""
        if save_path is None:
            return InitializationOnlyStatus(self)
        return self.read(save_path, options)

    def __repr__(self) -> str:
        names = ", ".join(self._deps)
        return f"<tf.train.Checkpoint({names})>"
