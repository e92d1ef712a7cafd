"""Do k·sqrt(N) connections suffice? PRAXIS against the degree factor k and the topology, on Fashion-MNIST
and CartPole-v1.

For each topology (Singer, LPS, random circulant) and k in ``--ks`` (D ≈ k·sqrt(N); the chooser reports
the D it could build: one Singer difference set gives D = 2(m + 1) ≈ 2·sqrt(N) at least, so Singer k = 1
is the k = 2 graph, and LPS degrees are p + 1 for admissible primes p < q²), and the same seeds:
  - Fashion-MNIST (row by row, 28 ticks × 28 inputs; ``--n-train`` training images, the full 10k test
    set): the organoid with W fixed and a ridge readout on its states (the best local mode of
    experiments/classification/run.py), float32;
  - CartPole-v1: the organoid's readout learned by node perturbation (reward only), as
    experiments/control/cartpole.py, greedy evaluation over 100 episodes (solved = mean return >= 475).
Graphs that come out identical (same kind, N and D) are run once.

Usage: python -m experiments.degree_ablation.run [--ks 1 2 4] [--kinds singer lps random] [--n-fmnist 1000]
       [--n-cartpole 120] [--seeds 2]
Writes experiments/degree_ablation/results/degree_ablation.json and prints the table.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import numpy as np

import praxis_jax as px
from experiments.control.cartpole import organoid, run_row
from praxis_jax.app.presets import task_organoid
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.learning import ridge_accuracy
from praxis_jax.learning.readout import RIDGE_LAMBDA
from praxis_jax.learning.reinforce import ReinforceConfig
from praxis_jax.tasks import load_fashion_mnist
from praxis_jax.tasks.control import make

OUT = os.path.join(os.path.dirname(__file__), "results")


def fmnist_row(data, n: int, kind: str, k: float, seeds: list[int]) -> dict:
    cfg = task_organoid(n, data.n_inputs, "none", k=k, kind=kind)
    accs, secs = [], []
    for seed in seeds:
        k_init, k_eval = jax.random.split(jax.random.PRNGKey(seed))
        params, state = px.init(cfg, k_init)
        t0 = time.perf_counter()
        accs.append(ridge_accuracy(params, state.long, data, RIDGE_LAMBDA, k_eval)[1])
        secs.append(time.perf_counter() - t0)
        print(f"  fmnist {kind} k={k} seed {seed}: ridge test {accs[-1]:.4f} ({secs[-1]:.0f} s)", flush=True)
    topo = cfg.network.topology
    return {"topology": topo.describe(), "N": topo.n, "D": topo.degree, "test_acc": accs,
            "mean": float(np.mean(accs)), "std": float(np.std(accs)), "seconds": secs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ks", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    ap.add_argument("--kinds", nargs="+", default=["singer", "lps", "random"])
    ap.add_argument("--n-fmnist", type=int, default=1000)
    ap.add_argument("--n-train", type=int, default=10_000)
    ap.add_argument("--n-cartpole", type=int, default=120)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--tasks", nargs="+", default=["fashion_mnist", "cartpole"])
    ap.add_argument("--out", default=os.path.join(OUT, "degree_ablation.json"))
    args = ap.parse_args()
    seeds = list(range(args.seeds))
    results = {"fashion_mnist": [], "cartpole": []}
    t_all = time.perf_counter()
    if "fashion_mnist" in args.tasks:
        data = load_fashion_mnist("sequence", n_train=args.n_train)
        seen = set()
        for kind in args.kinds:
            for k in args.ks:
                topo = task_organoid(args.n_fmnist, data.n_inputs, "none", k=k, kind=kind).network.topology
                if (kind, topo.n, topo.degree) in seen:
                    continue
                seen.add((kind, topo.n, topo.degree))
                results["fashion_mnist"].append({"kind": kind, "k": k, **fmnist_row(data, args.n_fmnist, kind, k, seeds)})
    if "cartpole" in args.tasks:
        env = make("CartPole-v1")
        rcfg = ReinforceConfig(batch_size=64, sigma=0.5, lr=0.005)
        seen = set()
        for kind in args.kinds:
            for k in args.ks:
                params, _, desc = organoid(env, args.n_cartpole, "float32", 0.0, 0.0, 0, kind=kind, k=k)
                key = (kind, params.config.network.n, params.config.network.degree)
                if key in seen:
                    continue
                seen.add(key)
                print(f"cartpole {desc}", flush=True)

                def net(seed, kind=kind, k=k):
                    return organoid(env, args.n_cartpole, "float32", 0.0, 0.0, seed, kind=kind, k=k)[:2]

                row = run_row(env, net, rcfg, args.seeds, args.batches)
                row.pop("curves")
                results["cartpole"].append({"kind": kind, "k": k, "topology": desc, "N": key[1], "D": key[2], **row})
    total = time.perf_counter() - t_all

    table = ["| task | topology | k | N | D | result (mean ± std over seeds) |", "|---|---|---|---|---|---|"]
    for r in results["fashion_mnist"]:
        table.append(f"| Fashion-MNIST, ridge readout, {args.n_train} train | {r['kind']} | {r['k']:g} | {r['N']} "
                     f"| {r['D']} | {100 * r['mean']:.1f} ± {100 * r['std']:.1f}% |")
    for r in results["cartpole"]:
        table.append(f"| CartPole-v1, node perturbation | {r['kind']} | {r['k']:g} | {r['N']} | {r['D']} "
                     f"| {r['mean']:.0f} ± {r['std']:.0f} ({r['solved_seeds']}/{len(r['eval_mean_return'])} solved) |")
    print("\n".join(table) + f"\ntotal {total:.0f} s")
    record = provenance()
    record.update({"config": vars(args), "ridge_lambda": RIDGE_LAMBDA, "results": results, "total_s": total,
                   "table": table})
    write_json(args.out, record)


if __name__ == "__main__":
    main()
