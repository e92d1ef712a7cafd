"""Every notebook is paired with its jupytext ``.py`` file and runs top to bottom (at small sizes)."""

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.py"))


def test_there_are_notebooks():
    assert [p.stem for p in NOTEBOOKS] == ["01_quickstart", "02_learning_rules", "03_sweeps_and_checkpoints",
                                         "04_spiking_models"]


@pytest.mark.parametrize("script", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_paired_and_runs(script, tmp_path, monkeypatch):
    stored = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    paired = jupytext.read(script)
    assert [(c.cell_type, c.source) for c in stored.cells] == [(c.cell_type, c.source) for c in paired.cells], (
        f"{script.name} and its .ipynb differ: run `jupytext --sync {script}`")
    monkeypatch.setenv("PRAXIS_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = NotebookClient(stored, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in stored.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
