"""An int8 training epoch of the recurrent-learning trainer, native kernels on against off.

The MNIST-1D rule of ``experiments/recurrent_learning`` (default organoid, N = 993, post f'(v), decay 1,
the readout's error per neuron, batches of 32 trials run in lockstep against one W, int8 with the default
segmented eligibility code, the record's chosen rates): with the native kernels built, each tick runs the
native propagation per trial and one fused learning pass over all 32 trials
(:func:`praxis_jax.kernels.learn_lockstep`); with ``PRAXIS_JAX_NATIVE=0`` the same equations run as XLA's
pure-JAX propagation and unfused phases. Each arm runs in its own process (the kernels are chosen when
JAX traces), in alternating pairs. The record has every epoch's seconds, the median over the epochs after
the first (which compiles), the ratio, and each arm's test accuracy after the last epoch. The two arms run
the same equations, but the kernel orders its float operations differently, which moves a code where a
value lies within float rounding of a stochastic-rounding boundary (about 1e-6 of codes per pass,
``tests/test_native.py``); over an epoch those flips let the two trajectories part, so the accuracies
agree to a seed's spread, not exactly (each arm is deterministic: its pairs agree exactly).

Usage: python benchmarks/trainer_epoch.py [--pairs 2] [--epochs 3] [--out benchmarks/results/trainer-epoch-cpu.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

ARMS = {"kernels": "1", "xla": "0"}  # the arm -> PRAXIS_JAX_NATIVE


def child(epochs: int) -> dict:
    """One arm in this process: the study's trainer for ``epochs`` epochs, seed 0."""
    from experiments.recurrent_learning.run import ORGANOIDS, run_local
    from praxis_jax.kernels import native
    from praxis_jax.tasks import load_mnist1d

    record = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "experiments",
                                         "recurrent_learning", "results", "recurrent-mnist1d-default.json")))
    settings = record["final"]["readout"]["int8"]["0"].get("settings") or record["final"]["readout"]["float32"]["0"]["settings"]
    out = run_local(load_mnist1d(), "readout", ORGANOIDS["default"], 1000, epochs, settings["readout_lr"], settings["lr"],
                    "int8", 0, ridge=False)
    return {"native": native.available(), "epoch_seconds": [h["seconds"] for h in out["history"]],
            "test_acc": out["local_readout"], "settings": settings}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/results/trainer-epoch-cpu.json")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print("RESULT " + json.dumps(child(args.epochs)), flush=True)
        return
    from praxis_jax.app.runinfo import provenance, write_json

    runs = {arm: [] for arm in ARMS}
    for pair in range(args.pairs):
        for arm, flag in (ARMS.items() if pair % 2 == 0 else reversed(ARMS.items())):
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--epochs", str(args.epochs)],
                                  env={**os.environ, "PRAXIS_JAX_NATIVE": flag}, capture_output=True, text=True)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if proc.returncode or line is None:
                raise SystemExit(f"trainer_epoch: the {arm} arm failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
            runs[arm].append(json.loads(line[len("RESULT "):]))
            r = runs[arm][-1]
            print(f"pair {pair + 1} {arm:>7} (native {r['native']}): epochs "
                  + ", ".join(f"{s:.1f}" for s in r["epoch_seconds"]) + f" s; test {r['test_acc']:.4f}", flush=True)
    if not runs["kernels"][0]["native"]:
        raise SystemExit("trainer_epoch: the native kernels are not built here, so both arms ran XLA")
    median = {arm: statistics.median(s for r in rs for s in r["epoch_seconds"][1:]) for arm, rs in runs.items()}
    accs = {arm: sorted({r["test_acc"] for r in rs}) for arm, rs in runs.items()}
    summary = {"seconds_per_epoch": median, "speedup": median["xla"] / median["kernels"], "test_acc": accs,
               "deterministic": all(len(a) == 1 for a in accs.values())}
    print(f"median s per epoch: kernels {median['kernels']:.2f}, XLA {median['xla']:.2f}: "
          f"x{summary['speedup']:.2f}; test accuracies {accs}")
    write_json(args.out, {**provenance(), "task": "mnist1d", "numerics": "int8", "batch": 32, "n": 993,
                          "epochs": args.epochs, "pairs": args.pairs, "runs": runs, **summary})


if __name__ == "__main__":
    main()
