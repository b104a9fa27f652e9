"""keras.callbacks against a small fake model driven by a fit-like loop (tf_keras semantics)."""

import csv
import json
import logging
import os

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import callbacks as cb

# -- a fake model with the interface callbacks use ----------------------------------------


class FakeOptimizer:
    def __init__(self, lr=0.1):
        self._learning_rate = tf.Variable(lr, dtype=tf.float32)
        self.iterations = tf.Variable(0, dtype=tf.int64)

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate.assign(value)


class FakeLayer:
    def __init__(self, name, shapes):
        self.name = name
        self.weights = [tf.Variable(np.arange(np.prod(s), dtype=np.float32).reshape(s),
                                    name=f"{name}/{w}") for w, s in shapes.items()]


class FakeModel:
    def __init__(self):
        self.optimizer = FakeOptimizer()
        self.stop_training = False
        self.layers = [FakeLayer("d1", {"kernel": (3, 2), "bias": (2,)})]
        self.saved = []

    def get_weights(self):
        return [w.numpy().copy() for layer in self.layers for w in layer.weights]

    def set_weights(self, weights):
        variables = [w for layer in self.layers for w in layer.weights]
        for variable, value in zip(variables, weights):
            variable.assign(value)

    def save(self, filepath, overwrite=True):
        self.saved.append(("model", filepath))
        with open(filepath, "w") as handle:
            handle.write("model")

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(("weights", filepath))
        with open(filepath, "w") as handle:
            json.dump([w.tolist() for w in self.get_weights()], handle)

    def load_weights(self, filepath):
        with open(filepath) as handle:
            self.set_weights([np.array(w, np.float32) for w in json.load(handle)])

    def to_json(self):
        return '{"class_name": "Fake"}'


def fit(model, callbacks, epochs=3, steps=2, logs_for=None, verbose=0):
    """A fit-like loop calling the hooks as the trainer does; `logs_for(epoch)` gives val logs.

    Each batch adds 1 to every weight, so weights identify the epoch they were taken at.
    """
    hooks = cb.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
                            verbose=verbose, epochs=epochs, steps=steps)
    model.stop_training = False
    hooks.on_train_begin()
    start = getattr(model, "_initial_epoch", 0) or 0
    logs = {}
    for epoch in range(start, epochs):
        hooks.on_epoch_begin(epoch)
        for batch in range(steps):
            hooks.on_train_batch_begin(batch)
            for layer in model.layers:
                for weight in layer.weights:
                    weight.assign_add(tf.ones_like(weight))
            model.optimizer.iterations.assign_add(1)
            hooks.on_train_batch_end(batch, {"loss": np.float32(1.0 / (epoch + batch + 1))})
        logs = {"loss": tf.constant(1.0 / (epoch + 1))}
        if logs_for is not None:
            logs.update(logs_for(epoch))
        hooks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    hooks.on_train_end(logs)
    return model.history


def sequence(name, values):
    return lambda epoch: {name: values[epoch]}


# -- Callback, CallbackList, History -------------------------------------------------------
class Recorder(cb.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin", self.params.get("epochs")))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, dict(logs)))

    def on_batch_end(self, batch, logs=None):  # the alias on_train_batch_end calls
        self.calls.append(("batch_end", batch, type(logs["loss"])))


def test_callback_list_order_history_and_python_logs():
    model, recorder = FakeModel(), Recorder()
    history = fit(model, [recorder], epochs=2, steps=1, logs_for=sequence("val_loss", [3, 2]))
    assert recorder.model is model and recorder.params == {"verbose": 0, "epochs": 2,
                                                           "steps": 1}
    assert recorder.calls[0] == ("train_begin", 2)
    assert recorder.calls[1] == ("batch_end", 0, float)
    assert recorder.calls[2] == ("epoch_end", 0, {"loss": 1.0, "val_loss": 3})
    assert isinstance(history, cb.History) and history.epoch == [0, 1]
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [3, 2]}
    hooks = cb.CallbackList([recorder], add_history=True, add_progbar=True)
    assert isinstance(hooks.callbacks[0], cb.ProgbarLogger)
    assert isinstance(hooks.callbacks[-1], cb.History)
    with pytest.raises(TypeError, match="not a Callback instance"):
        cb.CallbackList([cb.EarlyStopping])


# -- EarlyStopping -------------------------------------------------------------------------
def test_early_stopping_patience_and_restore_best_weights():
    model = FakeModel()
    stop = cb.EarlyStopping(patience=2, restore_best_weights=True)
    history = fit(model, [stop], epochs=10,
                  logs_for=sequence("val_loss", [1.0, 0.9, 0.95, 0.96, 0.97, 0.1]))
    assert history.epoch == [0, 1, 2, 3] and stop.stopped_epoch == 3
    assert stop.best == 0.9 and stop.best_epoch == 1
    # weights after epoch 1 = initial + 2 epochs * 2 steps
    np.testing.assert_array_equal(model.get_weights()[1], np.arange(2) + 4)


def test_early_stopping_min_delta_mode_baseline_and_warmup(caplog):
    stop = cb.EarlyStopping(monitor="val_accuracy", min_delta=0.1, patience=1)
    assert stop.mode == "max" and stop.min_delta == 0.1
    history = fit(FakeModel(), [stop], epochs=10,
                  logs_for=sequence("val_accuracy", [0.5, 0.55, 0.9, 0.95]))
    assert history.epoch == [0, 1]  # 0.55 is not 0.1 better than 0.5
    plateau = sequence("val_loss", [1.0, 0.9, 0.9, 0.9, 0.9])
    # improvements that miss the baseline do not restart the patience count
    baseline = cb.EarlyStopping(patience=2, baseline=0.5)
    assert fit(FakeModel(), [baseline], epochs=10, logs_for=plateau).epoch == [0, 1, 2]
    assert fit(FakeModel(), [cb.EarlyStopping(patience=2)], epochs=10,
               logs_for=plateau).epoch == [0, 1, 2, 3]
    warm = cb.EarlyStopping(patience=0, start_from_epoch=2)
    assert fit(FakeModel(), [warm], epochs=10,
               logs_for=sequence("val_loss", [1, 2, 3, 4, 5])).epoch == [0, 1, 2, 3]
    with caplog.at_level(logging.WARNING, logger="eagerflow"):
        fit(FakeModel(), [cb.EarlyStopping(monitor="val_missing")], epochs=1)
    assert "val_missing" in caplog.text and "Available metrics are: loss" in caplog.text


# -- ModelCheckpoint -----------------------------------------------------------------------
def test_model_checkpoint_formats_and_saves_every_epoch(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "ckpt" / "m-{epoch:02d}-{val_loss:.2f}.keras")
    fit(model, [cb.ModelCheckpoint(path)], epochs=2, logs_for=sequence("val_loss", [0.5, 0.25]))
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["m-01-0.50.keras", "m-02-0.25.keras"]
    assert [kind for kind, _ in model.saved] == ["model", "model"]


def test_model_checkpoint_save_best_only_weights(tmp_path, capsys):
    model = FakeModel()
    check = cb.ModelCheckpoint(str(tmp_path / "best.weights.h5"), save_best_only=True,
                               save_weights_only=True, verbose=1, initial_value_threshold=0.8)
    fit(model, [check], epochs=4, logs_for=sequence("val_loss", [0.9, 0.5, 0.7, 0.4]))
    assert [kind for kind, _ in model.saved] == ["weights", "weights"]  # epochs 2 and 4
    assert check.best == 0.4
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss did not improve from 0.80000" in out
    assert "Epoch 2: val_loss improved from 0.80000 to 0.50000, saving model to" in out
    acc = cb.ModelCheckpoint(str(tmp_path / "a.keras"), monitor="val_acc", save_best_only=True)
    fit(FakeModel(), [acc], epochs=3, logs_for=sequence("val_acc", [0.1, 0.3, 0.2]))
    assert acc.mode == "max" and acc.best == 0.3


def test_model_checkpoint_batch_frequency_and_errors(tmp_path):
    model = FakeModel()
    fit(model, [cb.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.keras"), save_freq=3)],
        epochs=2, steps=3)
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.keras", "e2-b3.keras"]
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        cb.ModelCheckpoint("x", save_freq="batch")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        fit(FakeModel(), [cb.ModelCheckpoint(str(tmp_path / "{val_acc}.keras"))], epochs=1)


# -- learning-rate callbacks ---------------------------------------------------------------
def test_learning_rate_scheduler(capsys):
    model = FakeModel()
    history = fit(model, [cb.LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1)],
                  epochs=3)
    np.testing.assert_allclose(history.history["lr"], [0.05, 0.025, 0.0125], rtol=1e-6)
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.05" in \
        capsys.readouterr().out
    fit(model, [cb.LearningRateScheduler(lambda epoch: 0.001 * (epoch + 1))], epochs=2)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(0.002)
    fit(model, [cb.LearningRateScheduler(lambda epoch, lr: tf.constant(0.3))], epochs=1)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(0.3)
    with pytest.raises(ValueError, match="should be float"):
        fit(model, [cb.LearningRateScheduler(lambda epoch: 1)], epochs=1)


def test_reduce_lr_on_plateau():
    model = FakeModel()
    reduce = cb.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.02)
    history = fit(model, [reduce], epochs=7,
                  logs_for=sequence("val_loss", [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]))
    # (the logged lr is the one the epoch ran with) reduce at epochs 1, 3 and 5 (the
    # cooldown counter is spent at the start of each epoch, as tf_keras), min_lr caps at 0.02
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.1, 0.05, 0.05, 0.025, 0.025,
                                                       0.02], rtol=1e-6)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        cb.ReduceLROnPlateau(factor=1.0)


# -- TensorBoard ---------------------------------------------------------------------------
def scalars(logdir):
    return [(e.step, v.tag, float(v.tensor)) for e in tf.summary.read_events(logdir)
            for v in e.summary if v.plugin_name == "scalars"]


def test_tensorboard_writes_train_and_validation_runs(tmp_path):
    model = FakeModel()
    board = cb.TensorBoard(str(tmp_path), histogram_freq=1, update_freq=2, write_images=True)
    fit(model, [board], epochs=2, steps=2, logs_for=sequence("val_loss", [0.7, 0.6]))
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train = scalars(str(tmp_path / "train"))
    assert (0, "epoch_loss", 1.0) in train and (1, "epoch_loss", 0.5) in train
    assert [s for s in train if s[1] == "epoch_learning_rate"] == [
        (0, "epoch_learning_rate", pytest.approx(0.1)), (1, "epoch_learning_rate",
                                                         pytest.approx(0.1))]
    assert [s for s in train if s[1] == "batch_loss"] == [
        (2, "batch_loss", 0.5), (4, "batch_loss", pytest.approx(1 / 3))]
    assert scalars(str(tmp_path / "validation")) == [(0, "epoch_loss", pytest.approx(0.7)),
                                                     (1, "epoch_loss", pytest.approx(0.6))]
    values = [(e.step, v) for e in tf.summary.read_events(str(tmp_path / "train"))
              for v in e.summary]
    histograms = {(s, v.tag): v.tensor for s, v in values if v.plugin_name == "histograms"}
    assert set(histograms) == {(e, t) for e in (0, 1) for t in ("d1/kernel_0/histogram",
                                                               "d1/bias_0/histogram")}
    bias = histograms[(1, "d1/bias_0/histogram")]  # bias after 2 epochs of +1 steps: [4, 5]
    assert bias[0, 0] == 4.0 and bias[-1, 1] == 5.0 and bias[:, 2].sum() == 2
    images = {v.tag: v.tensor for s, v in values if v.plugin_name == "images" and s == 0}
    assert images["d1/kernel_0/image"][:2].tolist() == [b"3", b"2"]  # 3x2 kernel, transposed
    graph = [v for _, v in values if v.tag == "keras"]
    assert graph[0].plugin_name == "graph_keras_model" and graph[0].plugin_content == b"1"
    assert graph[0].tensor[()] == b'{"class_name": "Fake"}'
    assert board._writers == {}  # closed at the end of training


def test_tensorboard_evaluation_and_arguments(tmp_path):
    model = FakeModel()
    model.optimizer.iterations.assign(7)
    board = cb.TensorBoard(str(tmp_path), write_graph=False)
    board.set_model(model)
    board.on_test_begin()
    board.on_test_end({"loss": 0.25, "accuracy": 0.5})
    board.on_train_end()
    assert scalars(str(tmp_path / "validation")) == [(7, "evaluation_loss_vs_iterations", 0.25),
                                                     (7, "evaluation_accuracy_vs_iterations",
                                                      0.5)]
    with pytest.raises(ValueError, match="update_freq"):
        cb.TensorBoard(str(tmp_path), update_freq="sometimes")
    with pytest.raises(TypeError, match="unexpected keyword"):
        cb.TensorBoard(str(tmp_path), histogram_frequency=1)


def test_tensorboard_makes_train_writer_default_during_fit(tmp_path):
    seen = []

    class Inner(cb.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(bool(tf.summary.scalar("inside", 1.0).numpy()))

    fit(FakeModel(), [cb.TensorBoard(str(tmp_path), write_graph=False), Inner()], epochs=1,
        steps=2)
    assert seen == [True, True]
    steps = [s for s, tag, _ in scalars(str(tmp_path / "train")) if tag == "inside"]
    assert steps == [1, 2]  # the default step is optimizer.iterations


# -- CSVLogger, LambdaCallback, TerminateOnNaN ---------------------------------------------
def test_csv_logger(tmp_path):
    path = tmp_path / "log.csv"
    fit(FakeModel(), [cb.CSVLogger(str(path))], epochs=2, logs_for=sequence("val_loss", [3, 4]))
    rows = list(csv.reader(open(path)))
    assert rows == [["epoch", "loss", "val_loss"], ["0", "1.0", "3"], ["1", "0.5", "4"]]
    fit(FakeModel(), [cb.CSVLogger(str(path), separator=";", append=True)], epochs=1,
        logs_for=sequence("val_loss", [5]))
    assert open(path).read().splitlines()[-1] == "0;1.0;5"
    assert len(open(path).read().splitlines()) == 4  # no second header


def test_lambda_callback_and_terminate_on_nan():
    events = []
    hooks = cb.LambdaCallback(on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch)),
                              on_train_end=lambda logs: events.append(("end",)),
                              on_test_begin=lambda logs: events.append(("test",)))
    fit(FakeModel(), [hooks], epochs=2)
    hooks.on_test_begin({})
    assert events == [("epoch", 0), ("epoch", 1), ("end",), ("test",)]
    with pytest.raises(ValueError, match="not a callback hook"):
        cb.LambdaCallback(on_everything=print)

    class NaNLoss(cb.Callback):
        def on_train_batch_end(self, batch, logs=None):
            logs["loss"] = float("nan")

    model = FakeModel()
    history = fit(model, [NaNLoss(), cb.TerminateOnNaN()], epochs=5, steps=1)
    assert history.epoch == [0] and model.stop_training


# -- BackupAndRestore ----------------------------------------------------------------------
def test_backup_and_restore_resumes_after_interruption(tmp_path):
    class Crash(cb.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("interrupted")

    backup = str(tmp_path / "backup")
    model = FakeModel()
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(model, [cb.BackupAndRestore(backup), Crash()], epochs=4, steps=1)
    assert json.load(open(os.path.join(backup, "training_metadata.json")))["epoch"] == 2
    fresh = FakeModel()  # a new process: weights start from scratch
    epochs_run = []
    track = cb.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs_run.append(epoch))
    fit(fresh, [cb.BackupAndRestore(backup), track], epochs=4, steps=1)
    assert epochs_run == [2, 3]
    # 2 epochs before the crash + 2 after, one step each
    np.testing.assert_array_equal(fresh.get_weights()[1], np.arange(2) + 4)
    assert not os.path.exists(backup)  # deleted once training completed
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        cb.BackupAndRestore("")


def test_backup_every_n_batches_records_epoch_and_batch(tmp_path):
    backups = []

    class Spy(cb.BackupAndRestore):
        def _backup(self, next_epoch, batch):
            backups.append((next_epoch, batch))

    # 3 epochs of 2 batches: every 4th batch overall, counted across epoch ends
    fit(FakeModel(), [Spy(str(tmp_path / "b"), save_freq=4)], epochs=3, steps=2)
    assert backups == [(1, 1)]
    backups.clear()
    fit(FakeModel(), [Spy(str(tmp_path / "b"), save_freq=1)], epochs=2, steps=2)
    assert backups == [(0, 0), (0, 1), (1, 0), (1, 1)]
    with pytest.raises(ValueError, match="save_freq"):
        cb.BackupAndRestore(str(tmp_path / "b"), save_freq=0)


# -- ProgbarLogger -------------------------------------------------------------------------
def test_progbar_logger_prints_epochs_and_metrics(capsys):
    fit(FakeModel(), [], epochs=2, steps=2, verbose=2, logs_for=sequence("val_loss", [3, 4]))
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "loss: 0.5000" in out and "val_loss: 4" in out
    with pytest.raises(ValueError, match="Unknown `count_mode`"):
        cb.ProgbarLogger(count_mode="epochs")


def _drive_progbar_logger(clock, times, steps=6):
    logger = cb.ProgbarLogger(count_mode="steps")
    logger.set_params({"verbose": 1, "epochs": 1, "steps": steps})
    logger.on_train_begin()
    logger.on_epoch_begin(0)
    for batch in range(steps):
        clock[0] = 1000.0 + times[batch]
        logger.on_train_batch_end(batch, {"loss": 1.0 / (batch + 1), "acc": batch / 10})
    logger.on_epoch_end(0, {"loss": 0.25, "acc": 0.5})
    logger.on_train_end()


def _drive_progbar(clock, times, steps=6):
    from eagerflow.keras.utils import Progbar

    bar = Progbar(steps, stateful_metrics={"loss", "acc"})
    for batch in range(steps):
        clock[0] = 1000.0 + times[batch]
        bar.update(batch + 1, [("loss", 1.0 / (batch + 1)), ("acc", batch / 10)],
                   finalize=False)
    bar.update(steps, [("loss", 0.25), ("acc", 0.5)], finalize=True)


@pytest.mark.parametrize("times", [[0.0] * 6, [0.0, 0.01, 0.06, 0.07, 0.2, 0.21],
                                   [0.1 * i for i in range(6)]])
def test_progbar_logger_skipping_batches_prints_what_every_update_prints(
        monkeypatch, capsys, times):
    # the logger skips batches that would not redraw: its output is the bar's for all updates
    from eagerflow.keras.utils import progbar as progbar_module

    clock = [1000.0]
    monkeypatch.setattr(progbar_module, "_clock", lambda: clock[0])
    _drive_progbar(clock, times)
    expected = capsys.readouterr().out
    _drive_progbar_logger(clock, times)
    assert capsys.readouterr().out == expected
    assert "6/6" in expected


def test_callbacks_get_numpy_arrays_and_python_numbers():
    seen = {}

    class Spy(cb.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.update(logs)

    hooks = cb.CallbackList([Spy()])
    hooks.on_train_batch_end(0, {"loss": tf.constant(0.5), "out": tf.constant([1.0, 2.0]),
                                 "n": np.int64(3)})
    assert seen["loss"] == 0.5 and isinstance(seen["loss"], float)
    assert isinstance(seen["out"], np.ndarray) and seen["out"].tolist() == [1.0, 2.0]
    assert seen["n"] == 3 and isinstance(seen["n"], int)


# -- end to end with a real model ----------------------------------------------------------
def small_model():
    pytest.importorskip("eagerflow.keras.metrics")
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,), name="d1"),
                                 tf.keras.layers.Dense(1, name="d2")], name="mdl")
    model.compile(tf.keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    x = rng.random((16, 3), dtype=np.float32)
    y = x @ np.array([[1.0], [2.0], [3.0]], np.float32)
    return model, x, y


def test_fit_with_tensorboard_csv_and_scheduler(tmp_path):
    model, x, y = small_model()
    history = model.fit(x, y, batch_size=4, epochs=3, validation_data=(x, y), verbose=0,
                        callbacks=[cb.TensorBoard(str(tmp_path / "tb"), histogram_freq=1),
                                   cb.CSVLogger(str(tmp_path / "log.csv")),
                                   cb.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))])
    assert history is model.history and history.epoch == [0, 1, 2]
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae", "lr"}
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    train = scalars(str(tmp_path / "tb" / "train"))
    epoch_loss = [value for _, tag, value in train if tag == "epoch_loss"]
    np.testing.assert_allclose(epoch_loss, history.history["loss"], rtol=1e-6)
    rates = [value for _, tag, value in train if tag == "epoch_learning_rate"]
    np.testing.assert_allclose(rates, [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    validation = scalars(str(tmp_path / "tb" / "validation"))
    np.testing.assert_allclose([v for _, t, v in validation if t == "epoch_mae"],
                               history.history["val_mae"], rtol=1e-6)
    assert [s for s, t, _ in validation if t == "evaluation_loss_vs_iterations"] == [4, 8, 12]
    tags = {v.tag for e in tf.summary.read_events(str(tmp_path / "tb" / "train"))
            for v in e.summary}
    assert {"d1/kernel_0/histogram", "d2/bias_0/histogram"} <= tags
    rows = list(csv.reader(open(tmp_path / "log.csv")))
    # "lr" is added by the scheduler, after CSVLogger has seen the logs (as in tf_keras)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"] and len(rows) == 4


def test_fit_early_stopping_restores_best_weights_and_checkpoint(tmp_path):
    model, x, y = small_model()
    best = {}

    def remember(epoch, logs):
        if logs["val_loss"] < best.get("loss", np.inf):
            best.update(loss=logs["val_loss"], weights=model.get_weights())

    x_val = x + 10.0  # far outside the training data: the validation loss soon rises
    history = model.fit(
        x, y, batch_size=4, epochs=30, validation_data=(x_val, x_val @ [[1.0], [2.0], [3.0]]),
        verbose=0, callbacks=[cb.LambdaCallback(on_epoch_end=remember),
                              cb.EarlyStopping(patience=1, restore_best_weights=True),
                              cb.ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.weights.h5"),
                                                 save_weights_only=True,
                                                 save_best_only=True)])
    assert len(history.epoch) <= 30
    for got, expected in zip(model.get_weights(), best["weights"]):
        np.testing.assert_array_equal(got, expected)
    saved = sorted(os.listdir(tmp_path))
    assert saved and all(name.endswith(".weights.h5") for name in saved)


def test_fit_backup_and_restore_resumes(tmp_path):
    model, x, y = small_model()

    class Crash(cb.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("interrupted")

    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError):
        model.fit(x, y, epochs=4, verbose=0, callbacks=[cb.BackupAndRestore(backup), Crash()])
    saved = model.get_weights()
    resumed, _, _ = small_model()
    seen = []
    resumed.fit(x, y, epochs=4, verbose=0, callbacks=[
        cb.BackupAndRestore(backup),
        cb.LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(
            (epoch, [w.copy() for w in resumed.get_weights()])))])
    for got, expected in zip(seen[0][1], saved):  # restored before the first epoch runs
        np.testing.assert_array_equal(got, expected)
    assert [epoch for epoch, _ in seen] == [2, 3]
    assert not os.path.exists(backup)
