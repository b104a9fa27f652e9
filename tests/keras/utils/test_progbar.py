"""Progbar output, checked character for character against tf_keras 2.x's Progbar (the golden
strings were recorded from it with the same fake clock), on a terminal and on a plain file."""

import io
import logging
import sys

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.utils import (
    Progbar,
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from eagerflow.keras.utils import progbar as progbar_module

B = "\b"


class _Clock:
    """A clock the test moves by hand: seconds since 1000.0."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def clock(monkeypatch):
    fake = _Clock()
    monkeypatch.setattr(progbar_module, "_clock", fake)
    return fake


def _losses(i):
    return [("loss", 1.0 / (i + 1)), ("accuracy", 0.5 + i / 10)]


def _run(monkeypatch, clock, *, tty, verbose, target, steps, times, values=_losses,
         finalize_last=None, **kwargs):
    """Drive a Progbar through `steps` at `times` (seconds after start); return what it printed."""
    stream = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    clock.now = 1000.0
    bar = Progbar(target, verbose=verbose, **kwargs)
    for i, (step, t) in enumerate(zip(steps, times)):
        clock.now = 1000.0 + t
        finalize = finalize_last if i == len(steps) - 1 else None
        bar.update(step, values(i), finalize=finalize)
    return stream.getvalue()


GOLDEN = {
    "tty_basic": (
        '\r1/4 [======>.......................] - ETA: 1s - loss: 1.0000 - accuracy: 0.5000' +
        B * 80 +
        '\r2/4 [==============>...............] - ETA: 0s - loss: 0.7500 - accuracy: 0.5500' +
        B * 80 +
        '\r3/4 [=====================>........] - ETA: 0s - loss: 0.6111 - accuracy: 0.6000' +
        B * 80 +
        '\r4/4 [==============================] - 1s 100ms/step - loss: 0.5208 - accuracy: 0.6500\n'
    ),
    "tty_eta": (
        '\r  1/100 [..............................] - ETA: 3:18 - loss: 1.0000 - accuracy: 0.5000' +
        B * 86 +
        '\r 12/100 [==>...........................] - ETA: 8s - loss: 0.5417 - accuracy: 0.5917  ' +
        B * 84 +
        '\r100/100 [==============================] - 12s 100ms/step - loss: 0.3583 - accuracy: 0.6870\n'  # noqa: E501
    ),
    "tty_unknown": (
        '\r      1/Unknown - 0s 20ms/step - loss: 1.0000 - accuracy: 0.5000' +
        B * 64 +
        '\r      3/Unknown - 0s 20ms/step - loss: 0.6111 - accuracy: 0.6000\n'
    ),
    "v2": (
        '10/10 - 2s - loss: 0.7500 - accuracy: 0.5500 - 2s/epoch - 200ms/step\n'
    ),
    "tty_stateful": (
        '\r1/3 [=========>....................] - ETA: 0s - loss: 1.0000 - accuracy: 0.5000' +
        B * 80 +
        '\r2/3 [===================>..........] - ETA: 0s - loss: 0.7500 - accuracy: 0.6000' +
        B * 80 +
        '\r3/3 [==============================] - 0s 100ms/step - loss: 0.6111 - accuracy: 0.7000\n'
    ),
    "tty_interval": (
        '\r1/3 [=========>....................] - ETA: 0s - loss: 1.0000 - accuracy: 0.5000' +
        B * 80 +
        '\r3/3 [==============================] - 0s 10ms/step - loss: 0.6111 - accuracy: 0.6000\n'
    ),
    "tty_shrink": (
        '\r1/2 [==============>...............] - ETA: 0s - loss: 12345.6780' +
        B * 65 +
        '\r2/2 [==============================] - 0s 100ms/step - loss: 0.0000e+00\n'
    ),
    "long_eta": (
        '\r   1/1000 [..............................] - ETA: 16:39 - loss: 1.0000 - accuracy: 0.5000' +  # noqa: E501
        B * 89 +
        '\r   2/1000 [..............................] - ETA: 27:43:20 - loss: 0.7500 - accuracy: 0.5500'  # noqa: E501
    ),
    "samples": (
        '\r32/64 [==============>...............] - ETA: 1s - loss: 1.0000 - accuracy: 0.5000' +
        B * 82 +
        '\r64/64 [==============================] - 2s 39ms/sample - loss: 0.7500 - accuracy: 0.5500\n'  # noqa: E501
    ),
}

CASES = {
    "tty_basic": dict(verbose=1, target=4, steps=[1, 2, 3, 4], times=[0.5, 0.6, 0.7, 0.8]),
    "tty_eta": dict(verbose=1, target=100, steps=[1, 12, 100], times=[2.0, 3.1, 11.9]),
    "tty_unknown": dict(verbose=1, target=None, steps=[1, 2, 3], times=[0.02, 0.04, 0.06],
                        finalize_last=True),
    "v2": dict(verbose=2, target=10, steps=[5, 10], times=[1.0, 2.0]),
    "tty_stateful": dict(verbose=1, target=3, steps=[1, 2, 3], times=[0.1, 0.2, 0.3],
                         stateful_metrics=["accuracy"]),
    "tty_interval": dict(verbose=1, target=3, steps=[1, 2, 3], times=[0.01, 0.02, 0.03]),
    "tty_shrink": dict(verbose=1, target=2, steps=[1, 2], times=[0.1, 0.2],
                       values=lambda i: [("loss", 12345.678 if i == 0 else -12345.678)]),
    "long_eta": dict(verbose=1, target=1000, steps=[1, 2], times=[1.0, 101.0]),
    "samples": dict(verbose=1, target=64, steps=[32, 64], times=[1.5, 2.5], unit_name="sample"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_terminal_output_matches_keras(monkeypatch, clock, name):
    assert _run(monkeypatch, clock, tty=True, **CASES[name]) == GOLDEN[name]


def test_file_output_is_only_the_final_line(monkeypatch, clock):
    out = _run(monkeypatch, clock, tty=False, **CASES["tty_basic"])
    assert out == ("4/4 [==============================] - 1s 100ms/step - loss: 0.5208 "
                   "- accuracy: 0.6500\n")
    assert "\r" not in out and B not in out


def test_file_output_with_unknown_target_waits_for_finalize(monkeypatch, clock):
    case = dict(CASES["tty_unknown"], finalize_last=None)
    assert _run(monkeypatch, clock, tty=False, **case) == ""
    out = _run(monkeypatch, clock, tty=False, **CASES["tty_unknown"])
    assert out == "      3/Unknown - 0s 20ms/step - loss: 0.6111 - accuracy: 0.6000\n"


def test_verbose_2_is_one_line_on_terminal_and_file(monkeypatch, clock):
    for tty in (True, False):
        assert _run(monkeypatch, clock, tty=tty, **CASES["v2"]) == GOLDEN["v2"]


def test_verbose_2_with_unknown_target(monkeypatch, clock):
    out = _run(monkeypatch, clock, tty=False, verbose=2, target=None, steps=[2, 4],
               times=[1.0, 2.0], finalize_last=True)
    assert out == ("      4/Unknown - 2s - loss: 0.7500 - accuracy: 0.5500 - 2s/epoch "
                   "- 500ms/step\n")


def test_verbose_0_prints_nothing(monkeypatch, clock):
    for tty in (True, False):
        assert _run(monkeypatch, clock, tty=tty, verbose=0, target=4, steps=[1, 4],
                    times=[1, 2]) == ""


def test_averages_are_weighted_by_steps_and_add_advances(monkeypatch, clock):
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    bar = Progbar(10, interval=0)
    bar.update(3, [("a", 1.0)])
    bar.update(7, [("a", 2.0)])
    assert bar._metrics_text() == f" - a: {(3 * 1 + 4 * 2) / 7:.4f}"
    bar.add(3, [("a", 3.0)])
    assert bar._seen_so_far == 10
    assert sys.stdout.getvalue().endswith(" - a: 2.0000\n")  # (3 + 8 + 9) / 10


def test_small_and_tensor_values(monkeypatch, clock):
    values = lambda i: [("a", 1e-5), ("b", tf.constant(1234.5)), ("c", 0.0),  # noqa: E731
                        ("d", np.array([1.0, 3.0]))]
    out = _run(monkeypatch, clock, tty=False, verbose=1, target=10, steps=[10], times=[1.0],
               values=values)
    assert out == ("10/10 [==============================] - 1s 100ms/step - a: 1.0000e-05 "
                   "- b: 1234.5000 - c: 0.0000e+00 - d: 2.0000\n")


def test_stateful_values_are_shown_as_given(monkeypatch, clock):
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    bar = Progbar(4, stateful_metrics=["acc"], interval=0)
    for step, acc in enumerate([0.1, 0.9, 0.4, 0.7], start=1):
        bar.update(step, [("acc", acc), ("loss", float(step))])
    assert sys.stdout.getvalue().endswith(" - acc: 0.7000 - loss: 2.5000\n")


def test_terminal_redraw_blanks_a_longer_previous_line(monkeypatch, clock):
    out = _run(monkeypatch, clock, tty=True, verbose=1, target=3, steps=[1, 2, 3],
               times=[0.1, 0.2, 0.3], interval=0, stateful_metrics=["x"],
               values=lambda i: [("x", 123456789.0 if i == 0 else 1.0)])
    first, second = out.split("\r")[1:3]
    assert first.endswith(B * len(first.rstrip(B)))
    assert len(second.rstrip(B)) == len(first.rstrip(B))  # padded with spaces


def test_dynamic_display_detection(monkeypatch):
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert not Progbar(3)._dynamic_display
    monkeypatch.setattr(sys, "stdout", _Terminal())
    assert Progbar(3)._dynamic_display
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    assert Progbar(3)._dynamic_display
    monkeypatch.delitem(sys.modules, "ipykernel")
    monkeypatch.setenv("PYCHARM_HOSTED", "1")
    assert Progbar(3)._dynamic_display


def test_non_interactive_logging_goes_to_the_logger(monkeypatch, clock, caplog):
    assert is_interactive_logging_enabled()
    disable_interactive_logging()
    try:
        assert not is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="eagerflow"):
            out = _run(monkeypatch, clock, tty=False, **CASES["v2"])
    finally:
        enable_interactive_logging()
    assert out == ""
    assert caplog.records[-1].getMessage() == GOLDEN["v2"]
    assert is_interactive_logging_enabled()


@pytest.mark.parametrize("kwargs, match", [
    (dict(target=-1), "target"),
    (dict(target=5, verbose=3), "verbose"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Progbar(**kwargs)
