"""The seed's examples in examples/ run unchanged apart from the import line."""

import pathlib
import runpy

import numpy as np

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def test_seed_autograph_example(capsys):
    namespace = runpy.run_path(str(EXAMPLES / "seed_autograph.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "simple_nn: [[0.0, 3.5], [5.0, 14.0]]" in out
    assert "simple_function: [[-6.0, 1.5], [3.0, 12.0]]" in out
    assert "def simple_nn(" in out
    assert namespace["simple_nn"].experimental_get_tracing_count() == 1


def test_seed_dataset_example(capsys):
    namespace = runpy.run_path(str(EXAMPLES / "seed_dataset.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "from_generator: [[1], [2, 2], [3, 3, 3]]" in out
    batches = [y for _, y in namespace["dataset"].as_numpy_iterator()]
    labels = np.concatenate(batches)
    assert sorted(labels.tolist()) == sorted([0, 2, 4, 6, 8] * 2)
    assert all(len(b) <= 3 for b in batches)


def test_seed_lstm_cell_example(capsys):
    namespace = runpy.run_path(str(EXAMPLES / "seed_lstm_cell.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "graph_time:" in out and "auto_graph_time:" in out
    output, state = namespace["fn"](namespace["input"], namespace["state"])
    assert output.shape == (100, 100) and [s.shape for s in state] == [(100, 100)] * 2
    eager_output, _ = namespace["cell"](namespace["input"], namespace["state"])
    np.testing.assert_allclose(output.numpy(), eager_output.numpy(), rtol=1e-5, atol=1e-6)


def test_seed_functional_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(EXAMPLES / "seed_functional.py"), run_name="__main__")
    assert (tmp_path / "shared_model.png").read_bytes()[:4] == b"\x89PNG"


def test_seed_saving_example(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace = runpy.run_path(str(EXAMPLES / "seed_saving.py"), run_name="__main__")
    assert (tmp_path / "weigth" / "model.index").exists()
    assert (tmp_path / "weigth" / "checkpoint").exists()
    assert (tmp_path / "model.h5").exists() and (tmp_path / "model.png").exists()
    restored = namespace["model"]
    x, y = namespace["x"], namespace["y"]
    accuracy = float(capsys.readouterr().out.split("restored accuracy:")[1])
    np.testing.assert_allclose(restored.evaluate(x, y, verbose=0)[1], accuracy)
