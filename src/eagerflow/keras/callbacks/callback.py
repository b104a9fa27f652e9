"""`Callback` (the hooks fit/evaluate/predict call), `CallbackList` and `History`."""

from __future__ import annotations

from eagerflow.keras.callbacks._util import process_logs

__all__ = ["Callback", "CallbackList", "History"]


class Callback:
    """Base class of Keras callbacks: override the `on_*` hooks you need.

    `self.model` is the model being trained and `self.params` holds
    {"verbose", "epochs", "steps"} once fit starts.
    """

    def __init__(self) -> None:
        self.validation_data = None
        self.model = None
        self.params: dict = {}
        self._chief_worker_only = None
        self._supports_tf_logs = False

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self.model = model

    def on_batch_begin(self, batch, logs=None):
        """A backwards-compatible alias of `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """A backwards-compatible alias of `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (training only)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with the epoch's metrics (and val_ metrics)."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of evaluate (or of validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of evaluate, with the running metrics."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of predict."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of predict; logs hold {"outputs": ...}."""

    def on_train_begin(self, logs=None):
        """Called when fit starts."""

    def on_train_end(self, logs=None):
        """Called when fit ends, with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called when evaluate (or validation) starts."""

    def on_test_end(self, logs=None):
        """Called when evaluate (or validation) ends, with its metrics."""

    def on_predict_begin(self, logs=None):
        """Called when predict starts."""

    def on_predict_end(self, logs=None):
        """Called when predict ends."""


class History(Callback):
    """Records each epoch's logs: `history.history[name]` is a list per epoch.

    fit adds one automatically and returns it (also `model.history`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict = {}
        self.epoch: list = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


def _forwarding(hook: str, with_index: bool = False):
    """A CallbackList method that calls `hook` of every callback with the same logs (the
    batch or epoch index first when `with_index`)."""
    if with_index:
        def forward(self, index, logs=None):
            self._call(hook, index, logs=logs)
    else:
        def forward(self, logs=None):
            self._call(hook, logs=logs)
    forward.__doc__ = f"Call `{hook}` on every callback, in order."
    return forward


class CallbackList:
    """Calls every hook on a list of callbacks, in order, with the same logs dict.

    With `add_progbar` a ProgbarLogger goes first; with `add_history` a History
    goes last (so it records what earlier callbacks added to the logs, e.g. "lr").
    """

    def __init__(self, callbacks=None, add_history: bool = False, add_progbar: bool = False,
                 model=None, **params) -> None:
        self.callbacks = list(callbacks) if callbacks else []
        for callback in self.callbacks:
            if not hasattr(callback, "on_epoch_end") or isinstance(callback, type):
                raise TypeError(f"CallbackList: {callback!r} is not a Callback instance; "
                                f"pass objects such as keras.callbacks.EarlyStopping().")
        self._add_default_callbacks(add_history, add_progbar)
        self.model = None
        self.params: dict = {}
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        from eagerflow.keras.callbacks.progbar_logger import ProgbarLogger

        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger(count_mode="steps")
            self.callbacks.insert(0, self._progbar)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)

    def append(self, callback) -> None:
        self.callbacks.append(callback)

    def set_params(self, params: dict) -> None:
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model) -> None:
        self.model = model
        if self._history is not None:
            try:
                model.history = self._history
            except AttributeError:
                pass
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook: str, *args, logs=None):
        logs = process_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs=logs)
        return logs

    # every hook calls the callbacks' hook of that name (on_batch_*: the on_train_batch_* ones)
    on_batch_begin = _forwarding("on_train_batch_begin", with_index=True)
    on_batch_end = _forwarding("on_train_batch_end", with_index=True)
    on_epoch_begin = _forwarding("on_epoch_begin", with_index=True)
    on_epoch_end = _forwarding("on_epoch_end", with_index=True)
    on_train_batch_begin = _forwarding("on_train_batch_begin", with_index=True)
    on_train_batch_end = _forwarding("on_train_batch_end", with_index=True)
    on_test_batch_begin = _forwarding("on_test_batch_begin", with_index=True)
    on_test_batch_end = _forwarding("on_test_batch_end", with_index=True)
    on_predict_batch_begin = _forwarding("on_predict_batch_begin", with_index=True)
    on_train_begin = _forwarding("on_train_begin")
    on_train_end = _forwarding("on_train_end")
    on_test_begin = _forwarding("on_test_begin")
    on_test_end = _forwarding("on_test_end")
    on_predict_begin = _forwarding("on_predict_begin")
    on_predict_end = _forwarding("on_predict_end")

    def on_predict_batch_end(self, batch, logs=None):
        # predict logs hold output arrays: pass them through untouched
        for callback in self.callbacks:
            callback.on_predict_batch_end(batch, logs=logs if logs is not None else {})

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)
