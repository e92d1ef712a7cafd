"""Seconds per training batch: braintrace's online learners (the external peer of the recurrent-learning study)
against the library's rule, on the same MNIST-1D trials.

Each learner trains on the first ``--batches`` batches of 32 training trials (40 ticks; the peer's N is
``--n``, the rule's the Singer size near it): the peer's dense rate RNN by ``braintrace.EProp`` (D-RTRL:
traces of N² numbers per trial) and ``pp_prop`` (traces factorised over inputs and outputs),
``praxis_jax.baselines.braintrace_rnn``; the rule of
``experiments/recurrent_learning`` in float32 at its recorded settings (default organoid, W learned). Compile
time is excluded (the peer compiles ahead; the rule's first pass over the batches is dropped). The record
gives each learner's seconds per batch, its ratio to the rule's, and the full epoch it implies
(``len(x_train) // 32`` batches).

Usage: python benchmarks/online_peer_batch.py [--batches 10] [--n 1000] [--algorithms eprop pp_prop]
       [--out benchmarks/results/online-peer-batch-cpu.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--algorithms", nargs="+", choices=("eprop", "d_rtrl", "pp_prop"), default=["eprop", "pp_prop"])
    ap.add_argument("--out", default="benchmarks/results/online-peer-batch-cpu.json")
    args = ap.parse_args(argv)
    from experiments.recurrent_learning.run import ORGANOIDS, OUT, run_local
    from praxis_jax.app.runinfo import provenance, write_json
    from praxis_jax.baselines.braintrace_rnn import fit_braintrace
    from praxis_jax.tasks import load_mnist1d

    full = load_mnist1d()
    m = 32 * args.batches
    data = full._replace(x_train=full.x_train[:m], y_train=full.y_train[:m], x_test=full.x_test[:200],
                         y_test=full.y_test[:200])
    epoch_batches = len(full.x_train) // 32
    record = json.load(open(os.path.join(OUT, "recurrent-mnist1d-default.json")))
    settings = record["final"]["readout"]["float32"]["0"]["settings"]
    rule = run_local(data, "readout", ORGANOIDS["default"], args.n, 2, settings["readout_lr"], settings["lr"],
                     "float32", 0, ridge=False)
    per_batch = {"rule": rule["history"][-1]["seconds"] / args.batches}
    for algorithm in args.algorithms:
        history = fit_braintrace(data, args.n, 1, algorithm, batch_size=32)  # N as in the study's run_peer
        per_batch[f"braintrace-{algorithm}"] = history[0]["seconds"] / args.batches
    ratio = {k: v / per_batch["rule"] for k, v in per_batch.items()}
    for k, v in per_batch.items():
        print(f"{k:>20}: {v:.3f} s per batch (x{ratio[k]:.1f} the rule's), an epoch of {epoch_batches} batches "
              f"{v * epoch_batches / 60:.1f} min", flush=True)
    write_json(args.out, {**provenance(), "task": "mnist1d", "n": args.n, "batch": 32, "batches": args.batches,
                          "epoch_batches": epoch_batches, "rule_settings": settings, "seconds_per_batch": per_batch,
                          "ratio_to_rule": ratio,
                          "minutes_per_epoch": {k: v * epoch_batches / 60 for k, v in per_batch.items()}})


if __name__ == "__main__":
    main()
