"""Long-run health of the engine: activity and weight statistics after many ticks, per numerics and lr.

The same run as tests/test_invariants.py (Singer m=97, N = 9507, D = 196; modulator N(0, 0.1²);
homeostasis on), at several learning rates, so the docs' invariants table and the lr = 1e-3
negative result can be regenerated.

Usage: python benchmarks/invariants.py [--ticks 10000] [--lrs 1e-4 1e-3] [--out benchmarks/results/invariants-cpu.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import jax

import praxis_jax as px
from praxis_jax.diagnostics import free_run, summary

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from test_invariants import invariant_config  # noqa: E402  (one definition of the run)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=10_000)
    ap.add_argument("--lrs", type=float, nargs="+", default=[1e-4, 1e-3])
    ap.add_argument("--numerics", nargs="+", default=["int8", "float32"])
    ap.add_argument("--out", default="benchmarks/results/invariants-cpu.json")
    args = ap.parse_args(argv)
    rows = []
    for lr in args.lrs:
        for numerics in args.numerics:
            cfg = invariant_config(numerics, lr)
            params, state = px.init(cfg, jax.random.PRNGKey(0))
            for _, state, _ in free_run(params, state, jax.random.PRNGKey(1), args.ticks, 1_000, 0.1):
                pass
            s = summary(params, state)
            rows.append({"lr": lr, "numerics": numerics, "ticks": args.ticks, **s})
            print(f"lr {lr:g} {numerics:>7}: var median {s['var_median']:.3f} max {s['var_max']:.3f} | a std "
                  f"{s['a_std']:.3f} | W std/σ_w {s['w_std_over_sigma']:.3f} skew {s['w_skew']:+.3f} "
                  f"excess kurtosis {s['w_excess_kurtosis']:+.3f} clipped {100 * s['clipped_fraction']:.2f}%", flush=True)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"command": "python " + " ".join(sys.argv), "jax": jax.__version__, "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
