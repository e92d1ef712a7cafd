"""Print the docs' results tables from the JSON records in experiments/results/ (nothing is re-run).

Each experiment script stores the markdown rows it printed under ``"table"``, with the command that made
them; this gathers them, one section per file, so the docs' tables can be regenerated from the records alone.

Usage: python experiments/results_table.py [--results experiments/results]
"""

from __future__ import annotations

import argparse
import glob
import json
import os


def _lines(table) -> list[str]:
    """A record's table: a list of rows, or one string of rows."""
    return table.splitlines() if isinstance(table, str) else list(table)


def tables(results: str) -> list[str]:
    """Markdown for every record in ``results`` that holds a table, in file-name order."""
    out = []
    for path in sorted(glob.glob(os.path.join(results, "*.json"))):
        with open(path) as f:
            record = json.load(f)
        if "table" not in record:
            continue
        out += [f"### {os.path.basename(path)}", "", f"`{record.get('command')}` (commit "
                f"{(record.get('git_commit') or 'unknown')[:7]}, {record.get('device', {}).get('kind')})", "",
                *_lines(record["table"]), ""]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    print("\n".join(tables(ap.parse_args(argv).results)))


if __name__ == "__main__":
    main()
