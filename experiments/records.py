"""Tables in the study READMEs and the docs pages that come from JSON records, rewritten from the records
(nothing is re-run).

Two kinds of block, in ``experiments/<study>/README.md`` and ``docs/*.md``::

    <!-- record: results/NAME.json part P rows A:B -->

    | ... the markdown table the script stored under "table" in the record (path relative to the page):
    |     its P-th table (tables in it are separated by blank lines): its header and rows A:B of its body
    |     (a Python slice), or with ``match "REGEX"`` after them its body rows that match REGEX; without
    |     "part", rows A:B of the whole; each may be left out ...

    <!-- /record -->

    <!-- table: NAME -->

    | ... the rows benchmarks/tables.py's TABLES[NAME] renders from the benchmark records ... |

    <!-- /table -->

``python experiments/records.py`` rewrites every block; ``--check`` changes nothing and exits 1 when a
block differs from its records (the test suite runs it).

Usage: python experiments/records.py [--check]
"""

from __future__ import annotations

import argparse
import functools
import glob
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# blank lines around the rows keep Markdown from reading the comment and the table as one HTML block
BLOCK = re.compile(r"(<!-- (record|table): (\S+)(?: part (\d+))?(?: rows (-?\d*):(-?\d*))?"
                   r"(?: match \"([^\"]*)\")? -->\n)(.*?)(<!-- /(?:record|table) -->)", re.S)


@functools.cache
def _tables():
    """``benchmarks/tables.py``'s TABLES (a script beside the benchmarks, loaded by path)."""
    spec = importlib.util.spec_from_file_location("benchmark_tables", os.path.join(ROOT, "benchmarks", "tables.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TABLES


def table_rows(path: str) -> list[str]:
    """The markdown rows a record stores under ``"table"`` (a list of rows or one string)."""
    with open(path) as f:
        table = json.load(f)["table"]
    return table.splitlines() if isinstance(table, str) else list(table)


def parts(rows: list[str]) -> list[list[str]]:
    """The tables of a record's rows, split at blank lines."""
    out = [[]]
    for row in rows:
        if row.strip():
            out[-1].append(row)
        elif out[-1]:
            out.append([])
    return [p for p in out if p]


def rewrite(text: str, folder: str) -> str:
    """``text`` with every record block's rows taken from its record (paths relative to ``folder``)."""
    def block(m):
        kind, name, part, lo, hi, match = m.group(2), m.group(3), m.group(4), m.group(5), m.group(6), m.group(7)
        rows = table_rows(os.path.join(folder, name)) if kind == "record" else _tables()[name]()
        select = slice(int(lo) if lo else None, int(hi) if hi else None)
        if part:  # the part's header, then the slice of its body (its rows matching the regex, if given)
            table = parts(rows)[int(part) - 1]
            body = [r for r in table[2:] if match is None or re.search(match, r)]
            rows = table[:2] + body[select]
        else:
            rows = rows[select]
        return m.group(1) + "\n" + "".join(r + "\n" for r in rows) + "\n" + m.group(9)

    return BLOCK.sub(block, text)


def readmes() -> list[str]:
    """The pages that may hold blocks: the study READMEs and the docs pages."""
    return sorted(glob.glob(os.path.join(HERE, "*", "README.md")) + glob.glob(os.path.join(ROOT, "docs", "*.md")))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only say which READMEs differ from their records")
    args = ap.parse_args(argv)
    stale = []
    for path in readmes():
        with open(path) as f:
            text = f.read()
        new = rewrite(text, os.path.dirname(path))
        if new != text:
            stale.append(os.path.relpath(path, ROOT))
            if not args.check:
                with open(path, "w") as f:
                    f.write(new)
    verb = "differ from their records" if args.check else "rewritten"
    print(f"{len(stale)} page(s) {verb}" + "".join(f"\n  {p}" for p in stale))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
