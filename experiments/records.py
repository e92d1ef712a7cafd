"""Tables in the study READMEs that come from JSON records, rewritten from the records (nothing is re-run).

A block in ``experiments/<study>/README.md``::

    <!-- record: results/NAME.json rows A:B -->

    | ... the rows ... |

    <!-- /record -->

holds rows ``A:B`` (Python slice; ``rows`` may be left out: all) of the markdown table the script stored
under ``"table"`` in the record, path relative to the README. ``python experiments/records.py`` rewrites
every block; ``--check`` changes nothing and exits 1 when a block differs from its record (the test suite
runs it).

Usage: python experiments/records.py [--check]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCK = re.compile(r"(<!-- record: (\S+)(?: rows (\d*):(\d*))? -->\n)(.*?)(<!-- /record -->)", re.S)  # blank lines
# around the rows keep Markdown from reading the comment and the table as one HTML block


def table_rows(path: str) -> list[str]:
    """The markdown rows a record stores under ``"table"`` (a list of rows or one string)."""
    with open(path) as f:
        table = json.load(f)["table"]
    return table.splitlines() if isinstance(table, str) else list(table)


def rewrite(text: str, folder: str) -> str:
    """``text`` with every record block's rows taken from its record (paths relative to ``folder``)."""
    def block(m):
        rows = table_rows(os.path.join(folder, m.group(2)))
        lo = int(m.group(3)) if m.group(3) else None
        hi = int(m.group(4)) if m.group(4) else None
        return m.group(1) + "\n" + "".join(r + "\n" for r in rows[lo:hi]) + "\n" + m.group(6)

    return BLOCK.sub(block, text)


def readmes() -> list[str]:
    return sorted(glob.glob(os.path.join(HERE, "*", "README.md")))


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
            stale.append(os.path.relpath(path, os.path.dirname(HERE)))
            if not args.check:
                with open(path, "w") as f:
                    f.write(new)
    verb = "differ from their records" if args.check else "rewritten"
    print(f"{len(stale)} README(s) {verb}" + "".join(f"\n  {p}" for p in stale))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
