"""The demo trains a Keras model on scikit-learn's digits and writes what the README promises."""

import pytest

pytest.importorskip("sklearn")

from eagerflow import demo  # noqa: E402


def test_demo_trains_and_reports(capsys, tmp_path):
    demo.main(["--epochs", "3", "--output", str(tmp_path)])
    out = capsys.readouterr().out
    assert "Epoch 3/3" in out and "Total params: 4,810" in out
    accuracy = float(out.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.85
    assert "time per epoch: eager" in out
    assert (tmp_path / "model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list((tmp_path / "logs" / "train").glob("events.out.tfevents.*"))
    assert (tmp_path / "checkpoint" / "digits.index").exists()
