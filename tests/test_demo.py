"""The demo trains on scikit-learn's digits and reports accuracy and the eager/compiled speed."""

import pytest

pytest.importorskip("sklearn")

from eagerflow import demo  # noqa: E402


def test_demo_trains_and_reports(capsys):
    demo.main(["--epochs", "3"])
    out = capsys.readouterr().out
    assert "Epoch 3/3" in out and "def train_step" in out
    accuracy = float(out.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.9
    assert "time per epoch: eager" in out
