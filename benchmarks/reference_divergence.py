"""How fast the float32 tick drifts from the independent numpy float64 reference, by regime.

Prints and records max |a_float32 − a_reference| after 10, 30 and 100 ticks for a few (gain, lr) settings: where
the learning is strong, rounding differences grow exponentially, which is why the 1e-5 reference
test runs at a small lr and the int8-vs-float32 test compares statistics. Same setup as
tests/test_reference.py (Singer m=5, learning and homeostasis on).

Usage: python benchmarks/reference_divergence.py [--out benchmarks/results/reference-divergence-cpu.json]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from test_reference import _circulant_nbrs, _config, _run_both  # noqa: E402

from praxis_jax.app.runinfo import provenance, write_json  # noqa: E402
from praxis_jax.topology import singer  # noqa: E402

TICKS = (10, 30, 100)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                  "reference-divergence-cpu.json"))
    args = ap.parse_args(argv)
    topo = singer(5)
    rows = []
    for gain, lr in ((0.4, 0.003), (1.2, 0.003), (0.9, 0.05)):
        diffs = []
        for ticks in TICKS:
            cfg = _config(topo, "float32", gain=gain, lr=lr)
            _, final, _, ref = _run_both(cfg, _circulant_nbrs(topo), ticks=ticks)
            diffs.append(float(np.abs(np.asarray(final.short.a) - ref[2]).max()))
        rows.append({"gain": gain, "lr": lr, **{f"max_abs_diff_{t}": d for t, d in zip(TICKS, diffs)}})
        print(f"| {gain} | {lr} | " + " | ".join(f"{d:.1e}" for d in diffs) + " |", flush=True)
    write_json(args.out, {**provenance(), "topology": topo.describe(), "ticks": TICKS, "results": rows})


if __name__ == "__main__":
    main()
