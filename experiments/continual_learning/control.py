"""Continual control: CartPole-v1, then Acrobot-v1 (gymnax), with one policy; does the first task survive?

One organoid (or baseline) serves both envs: CartPole's 4 observation components drive input channels
0–3 and Acrobot's 6 drive channels 4–9 (:func:`praxis_jax.tasks.control.in_slot`), and one readout of 3
outputs acts in both (CartPole uses the first 2). Each model learns CartPole for ``--batches`` updates of
``--batch`` episodes, is scored on both envs, then learns Acrobot alone for ``--batches`` updates and is
scored again (100 greedy episodes each, noise off); as a reference, the same model also learns Acrobot
alone from scratch. Every learning rate decays linearly to 0 within each task (the schedule restarts on
the second task). Rows:
  - PRAXIS organoid (Singer graph near ``--n``), W fixed, readout by node perturbation; float32 and int8;
  - the same, also learning W by reward-modulated A-STDP-ET (node-perturbation eligibility);
  - an echo state network of the same size, the same readout rule;
  - a linear policy on the 10 observation channels, the same rule (no reservoir);
  - policy gradient by BPTT through the same float32 organoid (W, U, b and readout; Adam; the gradient
    baseline, :mod:`praxis_jax.baselines.policy_gradient`), Adam's state carried to the second task.
Solved: CartPole mean return >= 475; Acrobot >= −100 (gym's reward threshold). The ESN's settings (α 0.3,
sr 1.25, input scaling 1, its defaults, against α 1, sr 0.8, input scaling 0.5) and the policy gradient's
Adam lr (1e-2 against 1e-3) were picked by CartPole alone on seed 0; the node-perturbation settings are
the CartPole experiment's.

Usage: python -m experiments.continual_learning.control [--n 57] [--seeds 3] [--batches 100] [--batch 64]
Writes experiments/continual_learning/results/continual_control.json and prints the table rows.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import numpy as np

from experiments.control.cartpole import organoid
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.baselines.esn import init_esn
from praxis_jax.baselines.policy_gradient import evaluate_pg, init_pg, train_pg
from praxis_jax.learning.reinforce import (
    ReinforceConfig,
    evaluate,
    init_rlearner,
    train,
)
from praxis_jax.tasks.control import in_slot, make

OUT = os.path.join(os.path.dirname(__file__), "results")
N_INPUTS, N_OUTPUTS = 10, 3
SOLVED = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0}


class NodePerturbation:
    """A model learned by :mod:`praxis_jax.learning.reinforce`: ``make_net(seed) -> (params, long)``."""

    def __init__(self, make_net, cfg: ReinforceConfig):
        self.make_net, self.cfg = make_net, cfg

    def init(self, env, seed):
        self.params, long = self.make_net(seed)
        return init_rlearner(env, self.params, long, jax.random.PRNGKey(seed), N_OUTPUTS)

    def train(self, env, learner, n):
        return jax.jit(lambda lr: train(env, self.params, self.cfg, lr, n))(learner)

    def evaluate(self, env, learner, key):
        return jax.jit(lambda lr, k: evaluate(env, self.params, self.cfg, lr, k, 100))(learner, key)


class PolicyGradient:
    """REINFORCE by BPTT through the float32 organoid ``make_net(seed) -> (params, long)``."""

    def __init__(self, make_net, cfg: ReinforceConfig):
        self.make_net, self.cfg = make_net, cfg

    def init(self, env, seed):
        self.params, self.long = self.make_net(seed)
        return init_pg(env, self.params, self.long, self.cfg, jax.random.PRNGKey(seed), N_OUTPUTS)

    def train(self, env, learner, n):
        return jax.jit(lambda lr: train_pg(env, self.params, self.long, self.cfg, lr, n))(learner)

    def evaluate(self, env, learner, key):
        return jax.jit(lambda lr, k: evaluate_pg(env, self.params, self.long, self.cfg, lr, k, 100))(learner, key)


def run_model(model, envs, seeds: int, batches: int) -> dict:
    """Per seed: learn envs[0], score both; learn envs[1], score both. Returns per-seed scores and curves."""
    a, b = envs
    scores = ("A_after_A", "B_before_B", "A_after_B", "B_after_B", "B_alone")
    out = {k: [] for k in (*scores, "curve_A", "curve_B", "curve_B_alone", "train_s")}
    for seed in range(seeds):
        k_eval = jax.random.PRNGKey(10_000 + seed)
        learner = model.init(a, seed)
        t0 = time.perf_counter()
        learner, curve_a = model.train(a, learner, batches)
        score_a = float(model.evaluate(a, learner, k_eval).mean())
        before_b = float(model.evaluate(b, learner, k_eval).mean())
        learner, curve_b = model.train(b, learner._replace(step=learner.step * 0), batches)
        after = float(model.evaluate(a, learner, k_eval).mean()), float(model.evaluate(b, learner, k_eval).mean())
        fresh, curve_alone = model.train(b, model.init(b, seed), batches)  # reference: B learned from scratch
        alone = float(model.evaluate(b, fresh, k_eval).mean())
        out["train_s"].append(time.perf_counter() - t0)
        for k, v in zip((*scores, "curve_A", "curve_B", "curve_B_alone"),
                        (score_a, before_b, *after, alone,
                         *(np.asarray(c).tolist() for c in (curve_a, curve_b, curve_alone)))):
            out[k].append(v)
        print(f"  seed {seed}: {a.name} {score_a:.1f} → {after[0]:.1f} after {b.name}; {b.name} {before_b:.1f} → "
              f"{after[1]:.1f} (learned alone: {alone:.1f}) ({out['train_s'][-1]:.0f} s incl. compile)", flush=True)
    for k in scores:
        out[k + "_mean"], out[k + "_std"] = float(np.mean(out[k])), float(np.std(out[k]))
    out["A_solved_after_A"] = int(sum(s >= SOLVED[a.name] for s in out["A_after_A"]))
    out["A_solved_after_B"] = int(sum(s >= SOLVED[a.name] for s in out["A_after_B"]))
    out["B_solved_after_B"] = int(sum(s >= SOLVED[b.name] for s in out["B_after_B"]))
    out["B_solved_alone"] = int(sum(s >= SOLVED[b.name] for s in out["B_alone"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=57)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.005, help="readout lr of node perturbation (organoid, ESN)")
    ap.add_argument("--lr-linear", type=float, default=0.1)
    ap.add_argument("--lr-pg", type=float, default=1e-2, help="Adam lr of the policy-gradient baseline")
    ap.add_argument("--sigma", type=float, default=0.5)
    ap.add_argument("--esn-alpha", type=float, default=0.3)
    ap.add_argument("--esn-sr", type=float, default=1.25)
    ap.add_argument("--esn-input-scaling", type=float, default=1.0)
    ap.add_argument("--rows", default="all", help="comma-separated row keys (f32,int8,learn_w,esn,linear,pg) or all")
    ap.add_argument("--out", default=os.path.join(OUT, "continual_control.json"))
    args = ap.parse_args()
    envs = (in_slot(make("CartPole-v1"), 0, N_INPUTS), in_slot(make("Acrobot-v1"), 4, N_INPUTS))
    base = {"batch_size": args.batch, "sigma": args.sigma, "lr_decay_updates": args.batches}
    desc = {}

    def net(numerics, noise=0.0, lr_w=0.0):
        def f(seed):
            params, long, desc["organoid"] = organoid(envs[0], args.n, numerics, noise, lr_w, seed)
            return params, long
        return f

    def esn(seed):
        return init_esn(jax.random.PRNGKey(1000 + seed), args.n, N_INPUTS, sr=args.esn_sr, alpha=args.esn_alpha,
                        input_scaling=args.esn_input_scaling), None

    specs = {
        "f32": ("PRAXIS organoid float32, W fixed; readout by node perturbation",
                NodePerturbation(net("float32"), ReinforceConfig(lr=args.lr, **base))),
        "int8": ("PRAXIS organoid int8, W fixed; readout by node perturbation",
                 NodePerturbation(net("int8"), ReinforceConfig(lr=args.lr, **base))),
        "learn_w": ("PRAXIS organoid float32; readout + W (A-STDP-ET, network noise 0.05, W lr 1e-4)",
                    NodePerturbation(net("float32", 0.05, 1e-4), ReinforceConfig(lr=args.lr, **base))),
        "esn": (f"ESN (N = {args.n}, α {args.esn_alpha}, sr {args.esn_sr}, input scaling {args.esn_input_scaling}); "
                "readout by node perturbation", NodePerturbation(esn, ReinforceConfig(lr=args.lr, **base))),
        "linear": ("linear policy on the 10 observation channels, same rule (no reservoir)",
                   NodePerturbation(lambda seed: (None, None), ReinforceConfig(lr=args.lr_linear, **base))),
        "pg": ("policy gradient by BPTT through the same float32 organoid (W, U, b, readout; Adam)",
               PolicyGradient(net("float32"), ReinforceConfig(lr=args.lr_pg, batch_size=args.batch,
                                                              lr_decay_updates=args.batches))),
    }
    keys = list(specs) if args.rows == "all" else args.rows.split(",")
    unknown = sorted(set(keys) - set(specs))
    if unknown:
        raise ValueError(f"--rows: unknown row key(s) {unknown}; allowed: {', '.join(specs)} or all")
    rows, t_all = {}, time.perf_counter()
    for key in keys:
        name, model = specs[key]
        print(name, flush=True)
        rows[name] = run_model(model, envs, args.seeds, args.batches)
    total = time.perf_counter() - t_all

    a, b = (e.name for e in envs)
    table = [f"| model | {a} after {a} | {b} before {b} | {a} after {b} | {b} after {b} | {b} learned alone |",
             "|---|---|---|---|---|---|"]
    for name, r in rows.items():
        table.append(f"| {name} | {r['A_after_A_mean']:.0f} ± {r['A_after_A_std']:.0f} ({r['A_solved_after_A']}/{args.seeds}) "
              f"| {r['B_before_B_mean']:.0f} ± {r['B_before_B_std']:.0f} "
              f"| {r['A_after_B_mean']:.0f} ± {r['A_after_B_std']:.0f} ({r['A_solved_after_B']}/{args.seeds}) "
              f"| {r['B_after_B_mean']:.0f} ± {r['B_after_B_std']:.0f} ({r['B_solved_after_B']}/{args.seeds}) "
              f"| {r['B_alone_mean']:.0f} ± {r['B_alone_std']:.0f} ({r['B_solved_alone']}/{args.seeds}) |")
    print("\n" + "\n".join(table))
    print(f"organoid: {desc.get('organoid')}; {args.batches} updates × {args.batch} episodes per task; "
          f"total {total:.0f} s")
    record = provenance()
    record.update({
        "task": f"continual control: {a} then {b} (gymnax), one policy, inputs in separate channels, one "
                f"3-output readout; scores = mean return of 100 greedy episodes; solved: {SOLVED}",
        "config": {**{k: v for k, v in vars(args).items() if k != "out"}, "organoid": desc.get("organoid")},
        "results": rows, "total_s": total, "table": table,
        "note": "curves: mean sampled (exploring) return per training batch; the lr decay restarts on task B",
    })
    write_json(args.out, record)


if __name__ == "__main__":
    main()
