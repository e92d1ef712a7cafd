"""Pages built from the repository when the site is built (run by the mkdocs-gen-files plugin).

- ``results/<study>.md`` for each ``experiments/<study>/``: the study's README (its findings; its tables
  are the records' own, see ``experiments/records.py``), then every JSON record in its ``results/``: the
  command, commit, device and versions it carries, and its table (or the scalar fields of its rows), and
  the study's figures;
- ``results/index.md``: ``experiments/README.md``, the index of the studies;
- ``benchmarks.md``: every record in ``benchmarks/results/`` the same way;
- ``examples/*.ipynb``: the notebooks, rendered by mkdocs-jupyter (without outputs: run them to see those).

No number on these pages is typed by hand: each comes from a record.
"""

from __future__ import annotations

import glob
import json
import os
import re

import mkdocs_gen_files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCALAR = (int, float, str, bool)


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v).replace("|", "/")


def _rows_table(rows: list[dict]) -> list[str]:
    """A markdown table of the scalar fields every row has (first row's order)."""
    keys = [k for k, v in rows[0].items() if isinstance(v, SCALAR) and all(k in r for r in rows)]
    if not keys:
        return []
    return (["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
            + ["| " + " | ".join(_cell(r[k]) for k in keys) + " |" for r in rows])


def record_section(path: str, heading: str = "###") -> list[str]:
    """Markdown for one record: its name, provenance, and its table."""
    with open(path) as f:
        record = json.load(f)
    device = record.get("device") or {}
    where = (f"{device.get('kind', '?')} ({device.get('platform', '?')}, {device.get('cpu_count', '?')} cores)"
             if isinstance(device, dict) else str(device))
    versions = ", ".join(f"{k} {v}" for k, v in (record.get("versions") or {}).items())
    lines = [f"{heading} `{os.path.basename(path)}`", "",
             f"`{record.get('command', '?')}`; commit {(record.get('git_commit') or 'unknown')[:7]}; {where}"
             + (f"; {versions}" if versions else ""), ""]
    table = record.get("table")
    if table:
        lines += table.splitlines() if isinstance(table, str) else list(table)
    else:
        rows = next((v for v in record.values() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)),
                    None)
        lines += _rows_table(rows) if rows else [f"(fields: {', '.join(record)})"]
    return lines + [""]


def study_page(folder: str) -> str:
    with open(os.path.join(folder, "README.md")) as f:
        text = f.read()
    records = sorted(glob.glob(os.path.join(folder, "results", "*.json")))
    out = [text.rstrip(), "", "## Records", "",
           f"Every record of `experiments/{os.path.basename(folder)}/results/`, as its script wrote it.", ""]
    for path in records:
        out += record_section(path)
    for png in sorted(glob.glob(os.path.join(folder, "results", "*.png"))):
        name = f"results/{os.path.basename(folder)}-{os.path.basename(png)}"
        with open(png, "rb") as src, mkdocs_gen_files.open(name, "wb") as dst:
            dst.write(src.read())
        out += [f"![{os.path.basename(png)}]({os.path.basename(name)})", ""]
    return "\n".join(out)


def main() -> None:
    studies = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(ROOT, "experiments", "*", "README.md")))
    for folder in studies:
        with mkdocs_gen_files.open(f"results/{os.path.basename(folder)}.md", "w") as f:
            f.write(study_page(folder))
    with open(os.path.join(ROOT, "experiments", "README.md")) as f:
        index = re.sub(r"\]\((\w+)/README\.md\)", r"](\1.md)", f.read())
    with mkdocs_gen_files.open("results/index.md", "w") as f:
        f.write(index)
    bench = ["# Benchmark records", "", "Every record of `benchmarks/results/`: the command, commit, device and "
             "versions it carries, and its rows. Ratios compare against a baseline of the same run; absolute "
             "times mean something only on the device named.", ""]
    for path in sorted(glob.glob(os.path.join(ROOT, "benchmarks", "results", "*.json"))):
        bench += record_section(path, "##")
    with mkdocs_gen_files.open("benchmarks.md", "w") as f:
        f.write("\n".join(bench))
    for nb in sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb"))):
        with open(nb) as src, mkdocs_gen_files.open(f"examples/{os.path.basename(nb)}", "w") as dst:
            dst.write(src.read())


main()
