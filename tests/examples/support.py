"""Running an example program in a temporary directory and reading its printed figures."""

import pathlib
import re
import runpy

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, tmp_path: pathlib.Path, monkeypatch, capsys) -> tuple[dict, str]:
    """Runs examples/<name> as __main__ inside tmp_path; returns (namespace, printed text)."""
    monkeypatch.chdir(tmp_path)
    namespace = runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return namespace, capsys.readouterr().out


def printed_number(out: str, label: str) -> float:
    """The first number printed after `label:` (a line such as `test accuracy: 0.9798`)."""
    match = re.search(re.escape(label) + r":?\s+(-?[0-9.e+-]+)", out)
    assert match, f"{label!r} not printed; output was:\n{out}"
    return float(match.group(1))
