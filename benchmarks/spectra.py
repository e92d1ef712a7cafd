"""Measured expansion of each construction: λ / (2·sqrt(D − 1)) and diameter.

Usage: python benchmarks/spectra.py [--out benchmarks/results/spectra.json]
"""

from __future__ import annotations

import argparse
import json
import os

from praxis_jax.topology import (
    LPS,
    diameter,
    primitive_root_circulant,
    ramanujan_ratio,
    random_circulant,
    second_eigenvalue,
    singer,
)


def graphs():
    for m, c in [(11, 1), (31, 1), (71, 1), (127, 1), (31, 2), (71, 2)]:
        yield "singer", singer(m, c)
    for ps, q in [((5,), 13), ((13,), 17), ((17,), 13), ((61,), 13), ((29, 17), 13)]:
        yield "lps", LPS(ps=ps, q=q)
    for n, d in [(997, 64), (5113, 144), (16257, 256)]:
        yield "primitive", primitive_root_circulant(n if n != 5113 else 5107, d)
        yield "random", random_circulant(n, d, 0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="benchmarks/results/spectra.json")
    args = ap.parse_args(argv)
    rows = []
    print("| construction | N | D | λ | λ / 2·sqrt(D−1) | diameter |\n|---|---|---|---|---|---|")
    for kind, g in graphs():
        lam = second_eigenvalue(g)
        row = {"kind": kind, "graph": g.describe(), "N": g.n, "D": g.degree, "lambda": lam,
               "ratio": ramanujan_ratio(g), "diameter": diameter(g) if g.n <= 20_000 else None}
        rows.append(row)
        print(f"| {g.describe()} | {g.n} | {g.degree} | {lam:.2f} | {row['ratio']:.3f} | {row['diameter']} |", flush=True)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"command": "python benchmarks/spectra.py", "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
