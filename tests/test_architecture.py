"""The import direction of DESIGN.md, and a light `import eagerflow`.

Layers: core -> graph -> ops -> autodiff -> compiler -> autograph -> function ->
data, then the public namespace (`eagerflow` itself), then keras | train | summary,
which load lazily and so may use `import eagerflow as tf`. A module may import (at
module level) only from its own layer or lower ones; imports inside functions are
where a lower layer reaches up lazily, and are not checked here.
"""

import ast
import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "src" / "eagerflow"
LAYERS = {"core": 0, "graph": 1, "ops": 2, "autodiff": 3, "compiler": 4, "autograph": 5,
          "function": 6, "data": 7, "keras": 9, "train": 9, "summary": 9}
TOP = 8  # the public namespace modules, __init__, demo


def layer_of(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "eagerflow":
        return -1
    return TOP if len(parts) < 2 else LAYERS.get(parts[1], TOP)


def module_name(path: pathlib.Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_level_imports(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    own = layer_of(module_name(path))
    for imported, line in module_level_imports(path):
        target = layer_of(imported)
        if target < 0:
            continue
        assert target <= own, (f"{module_name(path)} (layer {own}) imports {imported} "
                               f"(layer {target}) at line {line}: imports must point down")


def test_import_is_light():
    """`import eagerflow` loads NumPy and the core only: no Keras, tf.data or heavy packages."""
    code = ("import sys, eagerflow; heavy = [m for m in ('eagerflow.keras', 'eagerflow.data', "
            "'sklearn', 'scipy', 'h5py', 'google_crc32c', 'yaml', 'pydot', 'tensorboardX') "
            "if m in sys.modules]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""
