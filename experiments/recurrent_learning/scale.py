"""Does a bigger organoid learn more? The rule of ``experiments/recurrent_learning/run.py`` (W learned) against W fixed, with
the same local readout, on MNIST-1D at several sizes N (Singer graphs near ``--sizes``, D ≈ 2·sqrt(N)).

Every size uses the settings the N ≈ 1k organoid picked on validation (``recurrent-mnist1d-default.json``:
the readout's rate of ``fixed``, the rule's W rate and readout rate), not re-tuned per size, or with
``--per-degree`` the W rate scaled by D₁ₖ/D (D₁ₖ the degree of the N ≈ 1k organoid it was picked on), so
that a neuron's summed input moves by the same amount per update at every size; one seed per
size (``--seed``), ``--epochs`` epochs, int8 numerics by default. Reports each run's test accuracy of the
local readout, of a ridge readout refitted on the organoid (up to N = 5,000: the solve is O(N³)), and the
wall time per training epoch.

Usage: python -m experiments.recurrent_learning.scale [--sizes 1000 4000 16000] [--epochs 4] [--numerics int8]
       [--per-degree]
Writes experiments/recurrent_learning/results/scale-learning.json and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from experiments.recurrent_learning.run import OUT, chosen, run_local
from praxis_jax.app.presets import task_organoid
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.tasks import load_mnist1d

RIDGE_MAX_N = 5000  # the ridge solve is O(N³): refitted only up to this size


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000])
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--numerics", choices=("float32", "int8"), default="int8")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-degree", action="store_true", help="scale the rule's W rate by D_1k / D (learned W only)")
    ap.add_argument("--tuning", default=os.path.join(OUT, "recurrent-mnist1d-default.json"))
    ap.add_argument("--out", default=os.path.join(OUT, "scale-learning.json"))
    args = ap.parse_args(argv)
    tuning = json.load(open(args.tuning))
    settings = {m: chosen(tuning, m) for m in ("fixed", "readout")}
    data = load_mnist1d()
    record = {**provenance(), "config": vars(args), "settings": settings, "runs": []}
    if os.path.exists(args.out):
        record["runs"] = json.load(open(args.out))["runs"]
    for r in record["runs"]:  # rows from before --per-degree ran at the 1k rates
        r.setdefault("rate", "1k")
        r.setdefault("lr", settings[r["method"]][1])
    rate = "per-degree" if args.per_degree else "1k"
    done = {(r["requested_n"], r["method"], r["rate"]) for r in record["runs"]}
    d_ref = task_organoid(tuning["n"], 1, "readout").network.degree  # the degree the rates were picked at
    t0 = time.perf_counter()
    for n in args.sizes:
        for method in ("fixed", "readout"):
            if (n, method, rate) in done or (method == "fixed" and (n, method, "1k") in done):
                continue
            rlr, lr = settings[method]
            if args.per_degree and method == "readout":
                lr *= d_ref / task_organoid(n, 1, "readout").network.degree
            r = run_local(data, method, {}, n, args.epochs, rlr, lr, args.numerics, args.seed, ridge=n <= RIDGE_MAX_N)
            r.update(requested_n=n, method=method, seconds_per_epoch=r["train_seconds"] / args.epochs,
                     rate="1k" if method == "fixed" else rate, lr=lr)
            record["runs"].append(r)
            write_json(args.out, {**record, "table": table(record["runs"])})
    record.update(total_s=time.perf_counter() - t0, table=table(record["runs"]))
    write_json(args.out, record)
    print("\n".join(record["table"]))


def table(runs: list[dict]) -> list[str]:
    lines = ["| N | D | W | W rate | local readout (test) | ridge refitted (test) | ‖ΔW‖/‖W₀‖ | s/epoch |",
             "|---|---|---|---|---|---|---|---|"]
    for r in sorted(runs, key=lambda r: (r["n"], r["method"], r["rate"])):
        ridge = "—" if r["ridge_readout"] is None else f"{100 * r['ridge_readout']:.1f}%"
        learned = r["method"] == "readout"
        lr = f"{r['lr']:g}" + (" (1k · D₁ₖ/D)" if r["rate"] == "per-degree" else " (1k)") if learned else "—"
        lines.append(f"| {r['n']:,} | {r['degree']} | {'learned' if learned else 'fixed'} | {lr} | "
                     f"{100 * r['local_readout']:.1f}% | {ridge} | {r['weight_change_rel']:.3f} | "
                     f"{r['seconds_per_epoch']:.0f} |")
    return lines


if __name__ == "__main__":
    main()
