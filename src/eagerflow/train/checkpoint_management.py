"""The `checkpoint` state file, `latest_checkpoint`, and `CheckpointManager` (keep the last N).

The state file is the text-format CheckpointState proto TF writes next to the
checkpoints; paths inside the directory are stored relative to it. It is
rewritten atomically, so readers never see half of it.
"""

from __future__ import annotations

import collections
import glob
import os
import time
import warnings

from eagerflow.train.bundle import atomic_write, index_path
from eagerflow.train.protos import CheckpointState

__all__ = ["update_checkpoint_state", "get_checkpoint_state", "latest_checkpoint",
           "checkpoint_exists", "CheckpointManager", "CheckpointState"]

STATE_FILENAME = "checkpoint"


def _relative(path: str, save_dir: str) -> str:
    """`path` relative to `save_dir` when it lies inside it (TF's save_relative_paths)."""
    absolute, directory = os.path.abspath(path), os.path.abspath(save_dir or ".")
    if os.path.dirname(absolute) == directory or absolute.startswith(directory + os.sep):
        return os.path.relpath(absolute, directory)
    return path


def update_checkpoint_state(save_dir: str, model_checkpoint_path: str,
                            all_model_checkpoint_paths: list[str] | None = None,
                            latest_filename: str | None = None,
                            all_model_checkpoint_timestamps: list[float] | None = None,
                            last_preserved_timestamp: float | None = None) -> None:
    """Write `save_dir/checkpoint` naming the latest checkpoint and those still kept."""
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    timestamps = list(all_model_checkpoint_timestamps or [])
    if timestamps and len(timestamps) != len(paths):
        raise ValueError(f"Checkpoint timestamps ({len(timestamps)}) must match the checkpoint "
                         f"paths ({len(paths)}).")
    state = CheckpointState(_relative(model_checkpoint_path, save_dir),
                            [_relative(p, save_dir) for p in paths], timestamps,
                            last_preserved_timestamp or 0.0)
    if save_dir:
        os.makedirs(save_dir, exist_ok=True)
    target = os.path.join(save_dir, latest_filename or STATE_FILENAME)
    if os.path.abspath(target) == os.path.abspath(model_checkpoint_path):
        raise RuntimeError(f"Save path '{model_checkpoint_path}' conflicts with path used for "
                           "checkpoint state. Please use a different save path.")
    atomic_write(target, [state.to_text().encode("utf-8")])


def get_checkpoint_state(checkpoint_dir: str, latest_filename: str | None = None) \
        -> CheckpointState | None:
    """The parsed `checkpoint` file of `checkpoint_dir` (paths made usable), or None."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = os.path.join(checkpoint_dir, latest_filename or STATE_FILENAME)
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read(1 << 20)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except UnicodeDecodeError:
        warnings.warn(f"{path}: checkpoint state is not UTF-8 text; ignoring it.", stacklevel=2)
        return None
    try:
        state = CheckpointState.from_text(text)
    except ValueError as exc:
        warnings.warn(f"{path}: unreadable checkpoint state ({exc}); ignoring it.", stacklevel=2)
        return None
    if not state.model_checkpoint_path:
        raise ValueError(f"Invalid checkpoint state loaded from {checkpoint_dir}: it names no "
                         "model_checkpoint_path.")

    def resolve(p: str) -> str:
        return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
    state.model_checkpoint_path = resolve(state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [resolve(p) for p in state.all_model_checkpoint_paths]
    return state


def checkpoint_exists(prefix: str) -> bool:
    """True if a V2 checkpoint (its `.index`) exists at `prefix`."""
    return os.path.isfile(index_path(os.fspath(prefix)))


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The prefix of the newest checkpoint recorded in `checkpoint_dir`, or None."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None or not checkpoint_exists(state.model_checkpoint_path):
        return None
    return state.model_checkpoint_path


def _delete_checkpoint(prefix: str) -> None:
    for path in [index_path(prefix)] + glob.glob(glob.escape(prefix) + ".data-?????-of-?????"):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


class CheckpointManager:
    """Saves `checkpoint` as `directory/<checkpoint_name>-N`, keeping the newest `max_to_keep`.

    >>> manager = tf.train.CheckpointManager(ckpt, "/tmp/run", max_to_keep=3)
    >>> path = manager.save()        # '/tmp/run/ckpt-1'
    >>> ckpt.restore(manager.latest_checkpoint)
    """

    def __init__(self, checkpoint, directory: str, max_to_keep: int | None,
                 keep_checkpoint_every_n_hours: float | None = None,
                 checkpoint_name: str = "ckpt", step_counter=None,
                 checkpoint_interval: int | None = None, init_fn=None) -> None:
        if not callable(getattr(checkpoint, "write", None)):
            raise TypeError(f"CheckpointManager needs a tf.train.Checkpoint, got "
                            f"{type(checkpoint).__name__}.")
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, got "
                             f"{max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not "
                             "None.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_every_n_hours = keep_checkpoint_every_n_hours
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._last_checkpoint_step = None
        self._init_fn = init_fn
        self._maybe_delete: collections.OrderedDict[str, float] = collections.OrderedDict()
        now = time.time()
        state = get_checkpoint_state(self._directory)
        if state is None:
            self._latest_checkpoint = None
            self._last_preserved_timestamp = now
            return
        self._latest_checkpoint = state.model_checkpoint_path
        # As TF: checkpoints newer than the last preserved one are the manager's to delete.
        self._last_preserved_timestamp = min(state.last_preserved_timestamp, now)
        timestamps = state.all_model_checkpoint_timestamps or (
            [self._last_preserved_timestamp] * len(state.all_model_checkpoint_paths))
        for path, stamp in zip(state.all_model_checkpoint_paths, timestamps):
            stamp = min(stamp, now)
            if stamp > self._last_preserved_timestamp:
                self._maybe_delete[path] = stamp

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self):
        return self._checkpoint

    @property
    def latest_checkpoint(self) -> str | None:
        """The prefix of the newest checkpoint this manager knows, or None."""
        return self._latest_checkpoint

    @property
    def checkpoints(self) -> list[str]:
        """Kept checkpoint prefixes, oldest first."""
        return list(self._maybe_delete)

    @property
    def checkpoint_interval(self) -> int | None:
        return self._checkpoint_interval

    def _sweep(self) -> None:
        if not self._max_to_keep:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = self._maybe_delete.popitem(last=False)
            if self._keep_every_n_hours and (
                    stamp - self._keep_every_n_hours * 3600.0 >= self._last_preserved_timestamp):
                self._last_preserved_timestamp = stamp
                continue
            _delete_checkpoint(path)

    def _record_state(self) -> None:
        update_checkpoint_state(self._directory, self._latest_checkpoint, self.checkpoints,
                                all_model_checkpoint_timestamps=list(self._maybe_delete.values()),
                                last_preserved_timestamp=self._last_preserved_timestamp)

    def save(self, checkpoint_number=None, check_interval: bool = True, options=None) \
            -> str | None:
        """Write a new checkpoint, delete the ones beyond `max_to_keep`; return its prefix
        (None when `checkpoint_interval` says it is too early)."""
        if self._checkpoint_interval is not None and check_interval:
            step = int(self._step_counter.numpy() if hasattr(self._step_counter, "numpy")
                       else self._step_counter)
            if self._last_checkpoint_step is not None and \
                    step < self._last_checkpoint_step + self._checkpoint_interval:
                return None
            self._last_checkpoint_step = step
        counter = self._checkpoint.save_counter
        counter.assign_add(1)
        if checkpoint_number is None:
            checkpoint_number = int(counter.numpy())
        elif hasattr(checkpoint_number, "numpy"):
            checkpoint_number = int(checkpoint_number.numpy())
        path = self._checkpoint.write(f"{self._prefix}-{int(checkpoint_number)}")
        self._maybe_delete.pop(path, None)
        self._maybe_delete[path] = time.time()
        self._latest_checkpoint = path
        self._sweep()
        self._record_state()
        return path

    def restore_or_initialize(self) -> str | None:
        """Restore the latest checkpoint (returning its path) or run `init_fn` (returning None)."""
        if self._latest_checkpoint is not None:
            self._checkpoint.restore(self._latest_checkpoint)
            if self._checkpoint_interval is not None:
                self._last_checkpoint_step = int(self._step_counter.numpy())
            return self._latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None
