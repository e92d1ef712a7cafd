"""MemoryChain (bsuite, gymnax) learned by PRAXIS with reward modulation alone, against the memory length.

The context bit (±1) is shown at the first step only; after ``memory_length`` steps the action must repeat
it: reward +1 if right, −1 if wrong (mean return = 2·accuracy − 1; random policy 0). Solved here = mean
greedy evaluation return >= 0.9 (>= 95% right) over 100 episodes. For each memory length, every row
trains the readout by node perturbation for the same budget (``--batches`` × ``--batch`` episodes,
eligibility of the answering step only: decay 0), over ``--seeds`` seeds:
  - PRAXIS organoid (Singer graph near ``--n``), float32 and int8: memory is the recurrent state;
  - the same organoid with W = 0 (leak and input only): what the leak alone remembers (control);
  - with ``--seed-rule LR ...``: the float32 organoid also learning W by the pure seed rule (the scalar
    return modulator × A-STDP-ET's pre·post trace of the answering step; one row per W lr);
  - a linear policy on the raw observation (baseline: no memory at all; expected return 0);
  - the uniformly random policy.

Usage: python -m experiments.control.memorychain [--lengths 5 10 20 40 100] [--seeds 3] [--n 57] [--seed-rule LR ...]
Writes experiments/control/results/memorychain.json and memorychain.png and prints the table.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

from experiments.control.cartpole import organoid, run_row
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.learning.reinforce import ReinforceConfig, random_returns
from praxis_jax.tasks.control import make

OUT = os.path.join(os.path.dirname(__file__), "results")
SOLVED = 0.9


def table(results: dict) -> list[str]:
    """Markdown rows: one per memory length, mean ± std greedy return (solved seeds) per policy."""
    names = list(next(iter(results.values())))
    out = ["| memory length | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for L, rows in results.items():
        out.append(f"| {L} | " + " | ".join(f"{rows[k]['mean']:.2f} ± {rows[k]['std']:.2f} ({rows[k]['solved_seeds']}/"
                                          f"{len(rows[k]['eval_mean_return'])})" for k in names) + " |")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lengths", type=int, nargs="+", default=[5, 10, 20, 40, 100])
    ap.add_argument("--n", type=int, default=57)
    ap.add_argument("--leak", type=float, default=0.5)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--sigma", type=float, default=0.5)
    ap.add_argument("--seed-rule", type=float, nargs="*", default=[], metavar="LR",
                    help="W learning rates of seed-rule rows (none by default)")
    ap.add_argument("--out", default=os.path.join(OUT, "memorychain.json"))
    args = ap.parse_args()
    rcfg = ReinforceConfig(batch_size=args.batch, sigma=args.sigma, lr=args.lr, decay=0.0)
    seed_rule = ReinforceConfig(batch_size=args.batch, sigma=args.sigma, lr=args.lr, decay=0.0)
    results, desc = {}, None
    t_all = time.perf_counter()
    for L in args.lengths:
        env = make("MemoryChain-bsuite", memory_length=L)

        def net(numerics, zero_w=False, lr_w=0.0):
            def f(seed):
                nonlocal desc
                params, long, desc = organoid(env, args.n, numerics, 0.0, lr_w, seed, decay=0.0, leak=args.leak)
                return params, (long._replace(W=jnp.zeros_like(long.W)) if zero_w else long)
            return f

        specs = {
            "PRAXIS organoid float32": (net("float32"), rcfg),
            "PRAXIS organoid int8": (net("int8"), rcfg),
            **{f"PRAXIS organoid float32, readout + W by the seed rule (W lr {lr:g})":
               (net("float32", lr_w=lr), seed_rule) for lr in args.seed_rule},
            "organoid with W = 0 (leak only, control)": (net("float32", zero_w=True), rcfg),
            "linear policy on the raw observation (baseline)": (lambda seed: (None, None), rcfg),
        }
        rows = {}
        for name, (make_net, cfg) in specs.items():
            print(f"memory_length {L}: {name}", flush=True)
            rows[name] = run_row(env, make_net, cfg, args.seeds, args.batches, solved=SOLVED)
        rand = [float(random_returns(env, jax.random.PRNGKey(10_000 + s)).mean()) for s in range(args.seeds)]
        rows["random policy"] = {"eval_mean_return": rand, "mean": float(np.mean(rand)), "std": float(np.std(rand)),
                                 "solved_seeds": 0}
        results[str(L)] = rows
    total = time.perf_counter() - t_all

    names = list(next(iter(results.values())))
    print("\n" + "\n".join(table(results)))
    print(f"mean greedy return over 100 episodes (solved seeds: return >= {SOLVED}); organoid: {desc}, "
          f"leak {args.leak}; budget {args.batches} updates × {args.batch} episodes; total {total:.0f} s")

    record = provenance()
    record.update({
        "task": f"MemoryChain-bsuite (gymnax, 1 context bit); solved = mean greedy return >= {SOLVED} over 100 episodes",
        "config": {"n": args.n, "topology": desc, "leak": args.leak, "seeds": args.seeds, "batches": args.batches,
                   "batch_size": args.batch, "lr": args.lr, "sigma": args.sigma, "decay": 0.0,
                   "lengths": args.lengths, "seed_rule_lrs": args.seed_rule},
        "results": results, "total_s": total, "table": table(results),
    })
    write_json(args.out, record)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    lengths = [int(L) for L in results]
    for name in names:
        m = np.array([results[str(L)][name]["mean"] for L in lengths])
        s = np.array([results[str(L)][name]["std"] for L in lengths])
        ax.errorbar(lengths, m, yerr=s, marker="o", capsize=3, label=name)
    ax.axhline(SOLVED, color="k", ls="--", lw=0.8)
    ax.set(xscale="log", xlabel="memory length (steps)", ylabel="greedy return (2·accuracy − 1)",
           title="MemoryChain-bsuite, reward modulation only")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.splitext(args.out)[0] + ".png", dpi=120)


if __name__ == "__main__":
    main()
