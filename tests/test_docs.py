"""The README and the docs site: the headline table is the one the records give, the README's Python example
runs, and the site builds with ``mkdocs build --strict``."""

import importlib
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..")


def _readme() -> str:
    with open(os.path.join(ROOT, "README.md"), encoding="utf8") as f:
        return f.read()


def _tool(name: str):
    sys.path.insert(0, os.path.join(ROOT, "experiments"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def test_readme_headline_table_is_generated_from_the_records():
    headline = _tool("headline")
    for name, rows in (("headline", headline.table()), ("throughput", headline.throughput())):
        block = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", _readme(), re.S)
        assert block is not None and block.group(1).splitlines() == rows, name


def test_record_tables_of_the_study_readmes_and_docs_are_current(capsys):
    """Every record and table block of the study READMEs and docs pages holds what its records give
    (records.py --check)."""
    records = _tool("records")
    assert records.main(["--check"]) == 0, capsys.readouterr().out
    assert sum(text.count("<!-- record: ") for text in map(lambda p: open(p, encoding="utf8").read(),
                                                              records.readmes())) >= 20


def test_a_stale_record_block_is_rewritten(tmp_path):
    records = _tool("records")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "r.json").write_text('{"table": ["| a |", "|---|", "| 1 |", "| 2 |"]}')
    stale = "x\n<!-- record: results/r.json rows 2: -->\n\n| 9 |\n\n<!-- /record -->\ny\n"
    want = "x\n<!-- record: results/r.json rows 2: -->\n\n| 1 |\n| 2 |\n\n<!-- /record -->\ny\n"
    assert records.rewrite(stale, str(tmp_path)) == want
    (tmp_path / "results" / "p.json").write_text('{"table": ["| a |", "|---|", "| 1 |", "", "| b |", "|---|", "| 2 |", '
                                                '"| 3 |"]}')
    block = "<!-- record: results/p.json part 2 rows -1: -->\n<!-- /record -->"
    assert records.rewrite(block, str(tmp_path)) == ("<!-- record: results/p.json part 2 rows -1: -->\n\n| b |\n|---|\n"
                                                     "| 3 |\n\n<!-- /record -->")
    block = '<!-- record: results/p.json part 2 match "2" -->\n<!-- /record -->'
    assert records.rewrite(block, str(tmp_path)).endswith("\n\n| b |\n|---|\n| 2 |\n\n<!-- /record -->")


def test_readme_is_short_and_its_python_example_runs(capsys):
    text = _readme()
    assert len(text.splitlines()) <= 200
    (code,) = re.findall(r"```python\n(.*?)```", text, re.S)
    exec(compile(code, "README.md", "exec"), {})
    accuracy = float(re.search(r"after one epoch: ([\d.]+)%", capsys.readouterr().out).group(1))
    assert 20 < accuracy <= 100  # MNIST-1D has 10 classes


def test_docs_site_builds_strict(tmp_path):
    pytest.importorskip("mkdocs")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "index.html").stat().st_size > 50_000


@pytest.mark.parametrize("page", sorted(p for p in os.listdir(os.path.join(ROOT, "docs")) if p.endswith(".md")))
def test_docs_python_examples_run(page):
    with open(os.path.join(ROOT, "docs", page), encoding="utf8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    for code in blocks:
        exec(compile(code, f"docs/{page}", "exec"), {})
