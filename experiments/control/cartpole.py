"""CartPole-v1 (gymnax) learned by PRAXIS with reward modulation alone (node perturbation, no gradients).

Rows, each trained for the same budget (``--batches`` updates of ``--batch`` episodes) and seeds, then
evaluated on 100 episodes with the noise off (solved = mean return >= 475):
  - PRAXIS organoid (Singer graph near ``--n``, W fixed, readout learned), float32 and int8;
  - the same, also learning W by reward-modulated A-STDP-ET (``--learn-w``, optional);
  - the same, W learning by the pure seed rule instead: the scalar return modulator times A-STDP-ET's
    own pre·post trace, no network noise (``--seed-rule``, optional; one row per W lr in ``--seed-rule-lrs``);
  - a linear policy on the raw observation learned by the same rule (baseline);
  - the uniformly random policy (baseline, the untrained reference).

Usage: python -m experiments.control.cartpole [--n 57] [--seeds 5] [--int8-seeds 3] [--batches 100] [--batch 64]
       [--learn-w] [--seed-rule] [--lr-decay]
Writes experiments/control/results/cartpole.json and cartpole.png and prints the table rows.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import numpy as np

import praxis_jax as px
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.learning.reinforce import (
    ReinforceConfig,
    evaluate,
    init_rlearner,
    random_returns,
    train,
)
from praxis_jax.tasks.control import make
from praxis_jax.topology import choose_topology

OUT = os.path.join(os.path.dirname(__file__), "results")


def organoid(env, n: int, numerics: str, noise_std: float, lr_w: float, seed: int, kind: str = "singer",
             k: float = 2.0, decay: float = 1.0, post: str | None = None, pre: str = "a",
             elig_max: float | None = None, **network):
    """An organoid of topology ``kind`` near ``n`` neurons, D ≈ k·sqrt(N), for ``env``: (params, long,
    description). W learns when ``lr_w`` > 0, by A-STDP-ET with eligibility decay ``decay`` per tick (1:
    the whole episode), post factor ``post`` (default: the noise η/σ, node perturbation, when
    ``noise_std`` > 0, else the seed's a) and pre factor ``pre``; the int8 trace spans ±``elig_max``
    (default 4·the env's steps: a trace summed over a whole episode); ``network`` overrides NetworkConfig
    fields (e.g. leak)."""
    topo = choose_topology(kind, n, k)
    post = post or ("noise" if noise_std > 0 else "a")
    cfg = px.PraxisConfig(
        network=px.NetworkConfig(topology=topo, n_inputs=env.obs_size, noise_std=noise_std, **network),
        plasticity=px.PlasticityConfig(enabled=lr_w > 0, lr=lr_w, decay=decay, post=post, pre=pre),
        homeostasis=px.HomeostasisConfig(enabled=False),
        quant=px.QuantConfig(numerics=numerics, elig_max=4.0 * env.max_steps if elig_max is None else elig_max))
    params, state = px.init(cfg, jax.random.PRNGKey(1000 + seed))
    return params, state.long, topo.describe()


def run_row(env, make_net, rcfg: ReinforceConfig, seeds: int, batches: int, solved: float = 475.0,
            first_seed: int = 0) -> dict:
    """Train learners of seeds ``first_seed .. first_seed + seeds − 1`` for ``batches`` updates each,
    evaluate each on 100 greedy episodes; a seed is solved when its mean evaluation return is >= ``solved``."""
    finals, curves, times = [], [], []
    for seed in range(first_seed, first_seed + seeds):
        params, long = make_net(seed)
        learner = init_rlearner(env, params, long, jax.random.PRNGKey(seed))
        t0 = time.perf_counter()
        learner, curve = jax.jit(lambda lr, p=params: train(env, p, rcfg, lr, batches))(learner)
        curve.block_until_ready()
        times.append(time.perf_counter() - t0)
        k_eval = jax.random.PRNGKey(10_000 + seed)
        ret = jax.jit(lambda lr, k, p=params: evaluate(env, p, rcfg, lr, k, 100))(learner, k_eval)
        finals.append(float(ret.mean()))
        curves.append(np.asarray(curve).tolist())
        print(f"  seed {seed}: eval mean return {finals[-1]:.1f} ({times[-1]:.1f} s incl. compile)", flush=True)
    return {"eval_mean_return": finals, "mean": float(np.mean(finals)), "std": float(np.std(finals)),
            "solved_seeds": int(sum(f >= solved for f in finals)), "curves": curves, "train_s": times}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=57)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds − 1 "
                    "(fresh seeds confirm a setting chosen on others)")
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--int8-seeds", type=int, default=None, help="seeds of the int8 row (default --seeds; 0 leaves the row out)")
    ap.add_argument("--lr", type=float, default=0.005)
    ap.add_argument("--lr-linear", type=float, default=0.1)
    ap.add_argument("--sigma", type=float, default=0.5)
    ap.add_argument("--learn-w", action="store_true")
    ap.add_argument("--seed-rule", action="store_true")
    ap.add_argument("--seed-rule-lrs", type=float, nargs="+", default=[1e-6, 1e-5])
    ap.add_argument("--lr-decay", action="store_true", help="every lr decays linearly to 0 over the --batches updates")
    ap.add_argument("--out", default=os.path.join(OUT, "cartpole.json"))
    args = ap.parse_args()
    env = make("CartPole-v1")
    base = {"batch_size": args.batch, "sigma": args.sigma,
            "lr_decay_updates": args.batches if args.lr_decay else None}
    rows, desc = {}, None

    def net(numerics, noise=0.0, lr_w=0.0):
        def f(seed):
            nonlocal desc
            params, long, desc = organoid(env, args.n, numerics, noise, lr_w, seed)
            return params, long
        return f

    specs = {
        "PRAXIS organoid float32, readout by node perturbation": (net("float32"), ReinforceConfig(lr=args.lr, **base)),
    }
    if args.int8_seeds != 0:
        specs["PRAXIS organoid int8, readout by node perturbation"] = (net("int8"), ReinforceConfig(lr=args.lr, **base))
    if args.learn_w:
        specs["PRAXIS organoid float32, readout + W (A-STDP-ET, node-perturbation eligibility)"] = (
            net("float32", 0.05, 1e-4), ReinforceConfig(lr=args.lr, **base))
    if args.seed_rule:
        for lr_w in args.seed_rule_lrs:
            specs[f"PRAXIS organoid float32, readout + W by the seed rule (return modulator × pre·post, W lr {lr_w:g})"] = (
                net("float32", 0.0, lr_w), ReinforceConfig(lr=args.lr, **base))
    specs["linear policy on the raw observation, same rule (baseline)"] = (
        lambda seed: (None, None), ReinforceConfig(lr=args.lr_linear, **base))
    t_all = time.perf_counter()
    for name, (make_net, rcfg) in specs.items():
        print(name, flush=True)
        seeds = args.int8_seeds if "int8" in name and args.int8_seeds is not None else args.seeds
        rows[name] = run_row(env, make_net, rcfg, seeds, args.batches, first_seed=args.first_seed)
        rows[name]["config"] = {k: getattr(rcfg, k) for k in ("batch_size", "sigma", "lr", "lr_decay_updates", "decay",
                                                               "baseline", "ticks_per_step")}
    rand = [float(random_returns(env, jax.random.PRNGKey(10_000 + s)).mean())
            for s in range(args.first_seed, args.first_seed + args.seeds)]
    rows["random policy (baseline)"] = {"eval_mean_return": rand, "mean": float(np.mean(rand)),
                                        "std": float(np.std(rand)), "solved_seeds": 0}
    total = time.perf_counter() - t_all

    table = [f"| method | eval mean return (100 episodes, noise off), mean ± std over {args.seeds} seeds "
             f"| seeds solved (>= 475) |", "|---|---|---|"]
    for name, r in rows.items():
        table.append(f"| {name} | {r['mean']:.1f} ± {r['std']:.1f} | {r['solved_seeds']}/{len(r['eval_mean_return'])} |")
    print("\n" + "\n".join(table))
    print(f"organoid: {desc}; budget {args.batches} updates × {args.batch} episodes; total {total:.0f} s")

    record = provenance()
    record.update({
        "task": "CartPole-v1 (gymnax), solved = mean return >= 475 over 100 evaluation episodes",
        "config": {"n": args.n, "topology": desc, "seeds": args.seeds, "first_seed": args.first_seed,
                   "batches": args.batches,
                   "batch_size": args.batch, "episodes_per_seed": args.batches * args.batch,
                   "lr": args.lr, "lr_linear": args.lr_linear, "sigma": args.sigma, "lr_decay": args.lr_decay},
        "results": rows, "total_s": total, "table": table,
        "note": "curves are the mean exploring (noisy) return of each training batch; eval is greedy, noise off",
    })
    write_json(args.out, record)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, r in rows.items():
        if "curves" not in r:
            ax.axhline(r["mean"], color="gray", ls=":", label=name)
            continue
        c = np.asarray(r["curves"])
        x = (np.arange(c.shape[1]) + 1) * args.batch
        ax.plot(x, c.mean(0), label=name)
        ax.fill_between(x, c.min(0), c.max(0), alpha=0.2)
    ax.axhline(475, color="k", ls="--", lw=0.8)
    ax.set(xlabel="training episodes", ylabel="return (exploring, batch mean)", title="CartPole-v1")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.splitext(args.out)[0] + ".png", dpi=120)


if __name__ == "__main__":
    main()
