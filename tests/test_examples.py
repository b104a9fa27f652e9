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
