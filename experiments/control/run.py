"""Control with learned recurrent weights: W learned by reward-modulated A-STDP-ET against W fixed, on
CartPole-v1, Acrobot-v1 and MemoryChain (gymnax), the readout learning by node perturbation in every row.

Rows, each with the same budget (``--batches`` updates of ``--batch`` episodes, rates decayed linearly to
0) and the same readout rule, on the same organoid (Singer graph near ``--n``):
  - ``fixed``: W fixed; only the readout learns;
  - ``node-perturbation``: W also learns, post factor η/σ (network noise ``--net-noise``), the trace summed
    over the episode, the batch-normalised return as the learning signal (the readout's own rule applied
    to the network);
  - ``seed-rule``: W also learns by the seed rule, post factor a (no network noise), the same signal.
The W learning rate of each learned row is picked from ``--lrs`` by the mean evaluation return on two
tuning seeds (100, 101); then every row runs ``--seeds`` fresh seeds in float32 and ``--int8-seeds`` in
int8, and is evaluated on 100 greedy episodes (noise off).

Usage: python -m experiments.control.run [--envs CartPole-v1 Acrobot-v1 MemoryChain-40] [--n 133]
       [--batches 30] [--batch 64] [--seeds 5] [--int8-seeds 3]
Writes experiments/control/results/control-learning.json and prints the table.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from experiments.control.cartpole import organoid, run_row
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.learning.reinforce import ReinforceConfig, random_returns
from praxis_jax.tasks.control import make

OUT = os.path.join(os.path.dirname(__file__), "results")
TUNING_SEEDS = (100, 101)
# env name -> (make kwargs, readout lr, readout eligibility decay per step, organoid leak, solved threshold);
# MemoryChain-L: memory length L (the answering step alone is credited, as in control_memorychain.py)
ENVS = {"CartPole-v1": ({}, 0.005, 1.0, 0.2, 475.0), "Acrobot-v1": ({}, 0.005, 1.0, 0.2, -100.0),
        "MemoryChain-40": ({"memory_length": 40}, 0.05, 0.0, 0.5, 0.9)}


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
    ap.add_argument("--lrs", type=float, nargs="+", default=[1e-5, 1e-4, 1e-3])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--int8-seeds", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(OUT, "control-learning.json"))
    args = ap.parse_args(argv)
    record = {**provenance(), "config": vars(args), "tuning_seeds": TUNING_SEEDS, "results": {}}
    table = ["| env | row | numerics | W lr (picked) | eval mean return | seeds solved |", "|---|---|---|---|---|---|"]
    t0 = time.perf_counter()
    for name in args.envs:
        env = make_env(name)
        _, lr, decay, leak, solved = ENVS[name]
        rcfg = ReinforceConfig(batch_size=args.batch, sigma=args.sigma, lr=lr, decay=decay,
                               lr_decay_updates=args.batches)
        rows = {"fixed": (0.0, None), "node-perturbation": (args.net_noise, "noise"), "seed-rule": (0.0, "a")}

        def net(numerics, noise, lr_w, post):
            return lambda seed: organoid(env, args.n, numerics, noise, lr_w, seed, post=post, leak=leak)[:2]

        res = record["results"].setdefault(name, {})
        for row, (noise, post) in rows.items():
            if row == "fixed":
                lr_w, grid = 0.0, None
            else:
                grid = {lr_w: run_row(env, net("float32", noise, lr_w, post), rcfg, len(TUNING_SEEDS), args.batches,
                                      solved, TUNING_SEEDS[0])["mean"] for lr_w in args.lrs}
                lr_w = max(grid, key=grid.get)
            for numerics, seeds in (("float32", args.seeds), ("int8", args.int8_seeds)):
                if not seeds:
                    continue
                print(f"{name}: {row}, {numerics}, W lr {lr_w:g}", flush=True)
                r = run_row(env, net(numerics, noise, lr_w, post), rcfg, seeds, args.batches, solved)
                r.update(lr_w=lr_w, tuning=grid)
                res[f"{row}, {numerics}"] = r
                table.append(f"| {name} | {row} | {numerics} | {lr_w:g} | {r['mean']:.2f} ± {r['std']:.2f} | "
                             f"{r['solved_seeds']}/{seeds} |")
                write_json(args.out, {**record, "table": table})
        rand = [float(random_returns(env, __import__("jax").random.PRNGKey(10_000 + s)).mean()) for s in range(args.seeds)]
        res["random"] = {"mean": float(np.mean(rand)), "std": float(np.std(rand))}
        table.append(f"| {name} | random policy | — | — | {np.mean(rand):.2f} ± {np.std(rand):.2f} | — |")
    record.update(total_s=time.perf_counter() - t0, table=table)
    write_json(args.out, record)
    print("\n".join(table))


if __name__ == "__main__":
    main()
