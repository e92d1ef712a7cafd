"""The package's imports point down its layers (docs/layout.md), and no module imports the package root."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "praxis_jax"
# lowest first: a module may import its own layer and the layers before it
LAYERS = [
    {"validation", "devices"},
    {"quant"},
    {"topology"},
    {"plasticity"},
    {"kernels"},
    {"config", "memory", "state", "dynamics", "homeostasis", "simulate"},
    {"checkpoint", "sharding", "diagnostics"},
    {"spiking"},
    {"tasks"},
    {"learning"},
    {"baselines"},
    {"app"},
]
LAYER = {part: i for i, parts in enumerate(LAYERS) for part in parts}


def _part(path: pathlib.Path) -> str:
    """The top-level part of the package a file belongs to: ``topology`` for topology/lps.py."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: pathlib.Path):
    """(line, imported part or None for the package root) for every ``praxis_jax`` import of a file."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "praxis_jax":
                    yield node.lineno, None
                elif alias.name.startswith("praxis_jax."):
                    yield node.lineno, alias.name.split(".")[1]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "praxis_jax":
            if node.module == "praxis_jax":
                for alias in node.names:
                    yield node.lineno, alias.name if alias.name in LAYER else None
            else:
                yield node.lineno, node.module.split(".")[1]


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py" and p != PACKAGE / "__init__.py")


def test_every_part_of_the_package_has_a_layer():
    assert {_part(p) for p in MODULES} == set(LAYER)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    here = LAYER[_part(path)]
    for line, part in _imports(path):
        assert part is not None, f"{path.name}:{line} imports the package root"
        assert LAYER[part] <= here, (f"{path.relative_to(PACKAGE)}:{line} imports praxis_jax.{part} (layer "
                                     f"{LAYER[part]}) from layer {here}")
