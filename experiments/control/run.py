"""Control with learned recurrent weights: W learned by reward-modulated A-STDP-ET against W fixed, on
CartPole-v1, Acrobot-v1 and MemoryChain (gymnax), the readout learning by node perturbation in every row.

Rows, each with the same budget (``--batches`` updates of ``--batch`` episodes, rates decayed linearly to
0) and the same readout rule, on the same organoid (Singer graph near ``--n``):
  - ``fixed``: W fixed; only the readout learns;
  - ``node-perturbation``: W also learns, post factor η/σ (network noise ``--net-noise``), the trace summed
    over the episode, the batch-normalised return as the learning signal (the readout's own rule applied
    to the network);
  - ``seed-rule``: W also learns by the seed rule, post factor a (no network noise), the same signal;
  - ``readout-signal``: W also learns with a learning signal per neuron, the readout's output noise sent
    back through its weights (ReinforceConfig.modulator "readout"), post factor f'(v), e-prop's
    presynaptic trace, decay 0 (no network noise): reward-based e-prop.
The W learning rate of each learned row is picked from its grid (``--lrs``; ``--signal-lrs`` for
``readout-signal``, whose signal has another scale) by the mean evaluation return on two tuning seeds
(100, 101); then every row runs ``--seeds`` fresh seeds in float32 and ``--int8-seeds`` in int8, and is
evaluated on 100 greedy episodes (noise off). Rows already in ``--out`` are kept (``--rows`` runs some).

Usage: python -m experiments.control.run [--envs CartPole-v1 Acrobot-v1 MemoryChain-40] [--n 133]
       [--batches 30] [--batch 64] [--seeds 5] [--int8-seeds 3] [--rows fixed ...]
Writes experiments/control/results/control-learning.json and prints the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

import numpy as np

from experiments.control.cartpole import organoid, run_row
from praxis_jax.app.runinfo import int8_contract, provenance, write_json
from praxis_jax.learning.reinforce import ReinforceConfig, random_returns
from praxis_jax.tasks.control import make

OUT = os.path.join(os.path.dirname(__file__), "results")
TUNING_SEEDS = (100, 101)
# env name -> (make kwargs, readout lr, readout eligibility decay per step, organoid leak, solved threshold);
# MemoryChain-L: memory length L (the answering step alone is credited, as in control_memorychain.py)
ENVS = {"CartPole-v1": ({}, 0.005, 1.0, 0.2, 475.0), "Acrobot-v1": ({}, 0.005, 1.0, 0.2, -100.0),
        "MemoryChain-40": ({"memory_length": 40}, 0.05, 0.0, 0.5, 0.9)}
# row -> (network noise (None: --net-noise), post, pre, eligibility decay, ReinforceConfig.modulator)
ROWS = {"fixed": (0.0, None, "a", 1.0, "reward"), "node-perturbation": (None, "noise", "a", 1.0, "reward"),
        "seed-rule": (0.0, "a", "a", 1.0, "reward"), "readout-signal": (0.0, "fprime", "eprop", 0.0, "readout")}


def make_env(name: str):
    kwargs = ENVS[name][0]
    return make("MemoryChain-bsuite" if name.startswith("MemoryChain") else name, **kwargs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--envs", nargs="+", choices=list(ENVS), default=list(ENVS))
    ap.add_argument("--n", type=int, default=133)
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--sigma", type=float, default=0.5)
    ap.add_argument("--net-noise", type=float, default=0.05)
    ap.add_argument("--lrs", type=float, nargs="+", default=[1e-6, 1e-5, 1e-4, 1e-3, 1e-2])
    ap.add_argument("--signal-lrs", type=float, nargs="+", default=[1e-4, 1e-3, 1e-2, 1e-1, 1.0],
                    help="the readout-signal row's W rates")
    ap.add_argument("--rows", nargs="+", choices=list(ROWS), default=list(ROWS))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--int8-seeds", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(OUT, "control-learning.json"))
    args = ap.parse_args(argv)
    old = json.load(open(args.out))["results"] if os.path.exists(args.out) else {}
    record = {**provenance(), "config": vars(args), "tuning_seeds": TUNING_SEEDS, "results": old}
    t0 = time.perf_counter()
    for name in args.envs:
        env = make_env(name)
        _, lr, decay, leak, solved = ENVS[name]
        rcfg = ReinforceConfig(batch_size=args.batch, sigma=args.sigma, lr=lr, decay=decay,
                               lr_decay_updates=args.batches)

        def net(numerics, lr_w, row):
            noise, post, pre, elig_decay, _ = ROWS[row]
            noise = args.net_noise if noise is None else noise
            span = {} if elig_decay == 1.0 else {"elig_max": 2.0 / (1.0 - leak)}  # |e| <= |ε| <= 2/(1 − leak)
            return lambda seed: organoid(env, args.n, numerics, noise, lr_w, seed, decay=elig_decay, post=post,
                                         pre=pre, leak=leak, **span)[:2]

        res = record["results"].setdefault(name, {})
        for row in args.rows:
            cfg = dataclasses.replace(rcfg, modulator=ROWS[row][4])
            if row == "fixed":
                lr_w, grid = 0.0, None
            else:
                grid = {lr_w: run_row(env, net("float32", lr_w, row), cfg, len(TUNING_SEEDS), args.batches,
                                      solved, TUNING_SEEDS[0])["mean"]
                        for lr_w in (args.signal_lrs if row == "readout-signal" else args.lrs)}
                lr_w = max(grid, key=grid.get)
            for numerics, seeds in (("float32", args.seeds), ("int8", args.int8_seeds)):
                if not seeds:
                    continue
                print(f"{name}: {row}, {numerics}, W lr {lr_w:g}", flush=True)
                r = run_row(env, net(numerics, lr_w, row), cfg, seeds, args.batches, solved)
                r.update(lr_w=lr_w, tuning=grid, git_commit=record["git_commit"],
                         **(int8_contract() if numerics == "int8" else {}))
                res[f"{row}, {numerics}"] = r
                write_json(args.out, {**record, "table": table(record)})
        rand = [float(random_returns(env, __import__("jax").random.PRNGKey(10_000 + s)).mean()) for s in range(args.seeds)]
        res["random"] = {"mean": float(np.mean(rand)), "std": float(np.std(rand))}
    record.update(total_s=time.perf_counter() - t0, table=table(record))
    write_json(args.out, record)
    print("\n".join(record["table"]))


def table(record: dict) -> list[str]:
    """Markdown rows of every env and row in the record (the rows in ROWS order, then the random policy)."""
    lines = ["| env | row | numerics | W lr (picked) | eval mean return | seeds solved |", "|---|---|---|---|---|---|"]
    for name, res in record["results"].items():
        for row in ROWS:
            for numerics in ("float32", "int8"):
                r = res.get(f"{row}, {numerics}")
                if r is not None:
                    lines.append(f"| {name} | {row} | {numerics} | {r['lr_w']:g} | {r['mean']:.2f} ± {r['std']:.2f} | "
                                 f"{r['solved_seeds']}/{len(r['eval_mean_return'])} |")
        if "random" in res:
            lines.append(f"| {name} | random policy | — | — | {res['random']['mean']:.2f} ± {res['random']['std']:.2f} | — |")
    return lines


if __name__ == "__main__":
    main()
