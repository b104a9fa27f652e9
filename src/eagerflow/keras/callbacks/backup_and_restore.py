"""`BackupAndRestore`: back training state up to `backup_dir` and resume from it after a crash.

Files: `latest.weights.h5` (the model's weights, via `model.save_weights`) and
`training_metadata.json` ({"epoch": next epoch to run, "batch": ...}), written
last and atomically, so a half-written backup is never taken for a good one.
On resume, `on_train_begin` loads the weights and sets `model._initial_epoch`,
which fit reads after calling `on_train_begin` (as Keras 3 does).
"""

from __future__ import annotations

import json
import os

from eagerflow.keras.callbacks._util import SavesEveryNBatches, is_frequency
from eagerflow.keras.callbacks.callback import Callback

__all__ = ["BackupAndRestore"]

WEIGHTS_NAME = "latest.weights.h5"
METADATA_NAME = "training_metadata.json"


class BackupAndRestore(SavesEveryNBatches, Callback):
    """Save weights and the epoch every epoch (or every `save_freq` batches); restore them
    when fit starts again; delete the backup when training completes.

    Args:
        backup_dir: directory of the backup (created when needed).
        save_freq: "epoch" or a number of batches.
        delete_checkpoint: remove the backup at the end of a completed fit.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint: bool = True,
                 save_before_preemption: bool = False) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed; give the directory where "
                             "BackupAndRestore keeps its backup.")
        if not is_frequency(save_freq):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq="
                             f"{save_freq!r}. Expected either 'epoch' or a positive integer.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.save_before_preemption = save_before_preemption
        self._weights_path = os.path.join(self.backup_dir, WEIGHTS_NAME)
        self._metadata_path = os.path.join(self.backup_dir, METADATA_NAME)
        self._initial_epoch = 0

    def on_train_begin(self, logs=None):
        self._initial_epoch = 0
        if not (os.path.exists(self._metadata_path) and os.path.exists(self._weights_path)):
            return
        with open(self._metadata_path) as handle:
            metadata = json.load(handle)
        epoch = metadata.get("epoch")
        if not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"BackupAndRestore: {self._metadata_path} holds no valid epoch "
                             f"({metadata!r}); delete {self.backup_dir!r} to start afresh.")
        self.model.load_weights(self._weights_path)
        self._initial_epoch = epoch
        self.model._initial_epoch = epoch
        batch = metadata.get("batch")
        # Saved mid-epoch: that epoch resumes after the last batch it finished.
        self.model._initial_step = batch + 1 if isinstance(batch, int) and batch >= 0 else 0

    def _save_at_batch(self, epoch: int, batch: int, logs) -> None:
        self._backup(epoch, batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(epoch + 1, None)

    def _backup(self, next_epoch: int, batch: int | None) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        self.model.save_weights(self._weights_path, overwrite=True)
        temporary = self._metadata_path + ".tmp"
        with open(temporary, "w") as handle:
            json.dump({"epoch": next_epoch, "batch": batch}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self._metadata_path)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        for path in (self._metadata_path, self._weights_path):
            if os.path.exists(path):
                os.remove(path)
        try:
            os.rmdir(self.backup_dir)
        except OSError:
            pass  # not empty (user files) or already gone
