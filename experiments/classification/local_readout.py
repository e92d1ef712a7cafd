"""How far a *local* readout gets on the organoid's states, against the ridge readout (Fashion-MNIST
row by row: 28 ticks × 28 inputs, or MNIST-1D: 40 ticks × 1 input).

The organoid's W is fixed (a reservoir, N near ``--n``, Singer), so its trial features f = mean_t a(t)
``(N,)`` are computed once per input and the readout is trained on them:
  - delta rule (``R += lr·fᵀ(y − softmax(f·R + c))/B``, local to each readout synapse), ``--epochs``
    epochs of batches of 100 (lr decayed linearly to 0; ``--schedule const`` keeps it fixed), on raw
    features and on standardised features (each neuron's activity z-scored with its training-set mean
    and std: a fixed per-neuron affine map);
  - ridge readout (closed form, λ = RIDGE_LAMBDA or tuned; not a local rule: the reference for what a linear
    readout of these states can do);
  - the same delta rule on the raw input (baseline: what the organoid adds).
The learning rate of each delta-rule row is picked from ``--lrs`` on a validation split (the last
min(5000, S/8) training inputs), then the rule is retrained on all S and scored once on the test set.
Every organoid row runs in float32 and int8 numerics, over ``--seeds``.

With ``--tune`` the organoid's leak, gain and input gain and the ridge λ are first picked on the same
validation split (float32, seed 0, grid ``RESERVOIR_GRID`` × ``LAMBDAS``, by the ridge readout's
validation accuracy), and every row then uses them; without it, the engine's defaults (leak 0.2, gain
1.2, input gain 1) and λ = RIDGE_LAMBDA.

Usage: python -m experiments.classification.local_readout [--task fashion_mnist] [--n 1000] [--epochs 20] [--seeds 0 1 2] [--tune]
Writes results/<task>-readout.json (in this folder) (or --out) and prints the table.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax.app.presets import task_organoid
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.learning.readout import (
    RIDGE_LAMBDA,
    delta_rule_epoch,
    init_readout,
    logits,
    ridge_readout,
)
from praxis_jax.learning.supervised import trial_features
from praxis_jax.tasks import load_fashion_mnist, load_mnist1d

OUT = os.path.join(os.path.dirname(__file__), "results")
TASKS = {"fashion_mnist": lambda n_train: load_fashion_mnist("sequence", n_train=n_train),
         "mnist1d": lambda n_train: load_mnist1d()}


def accuracy(r, F, y) -> float:
    return float((logits(r, F).argmax(-1) == y).mean())


def train_delta(F, y, lr: float, epochs: int, key, schedule: str = "linear") -> object:
    """``epochs`` epochs of the delta rule (batches of 100) at lr, or at lr·(1 − e/epochs) in epoch e = 0..
    with ``schedule="linear"`` (a constant lr leaves the last epoch's weights wherever the noise of the
    last batches put them)."""
    epoch = jax.jit(lambda r, lr_e, k: delta_rule_epoch(r, F, y, lr_e, 100, k)[0])
    r = init_readout(F.shape[1], int(y.max()) + 1)
    for e, k in enumerate(jax.random.split(key, epochs)):
        r = epoch(r, lr * (1 - e / epochs) if schedule == "linear" else lr, k)
    return r


def delta_row(F, y, Ft, yt, lrs, epochs: int, key, schedule: str) -> dict:
    """Pick lr on the validation split, retrain on all of F, score on Ft."""
    fit_x, fit_y, val_x, val_y = validation_split(F, y)
    val = {lr: accuracy(train_delta(fit_x, fit_y, lr, epochs, key, schedule), val_x, val_y) for lr in lrs}
    best = max(val, key=val.get)
    t0 = time.perf_counter()
    r = train_delta(F, y, best, epochs, key, schedule)
    return {"val_acc_by_lr": val, "lr": best, "test_acc": accuracy(r, Ft, yt), "train_s": time.perf_counter() - t0}


RESERVOIR_GRID = {"leak": (0.0, 0.2), "gain": (0.6, 0.8, 1.0), "input_gain": (0.5, 1.0, 2.0)}
LAMBDAS = (0.1, 1.0, 10.0, 100.0)


def validation_split(F, y):
    n_val = min(5000, F.shape[0] // 8)
    return F[:-n_val], y[:-n_val], F[-n_val:], y[-n_val:]


def tune(data, n: int, x, y) -> tuple[dict, float, list]:
    """The (reservoir settings, λ) with the best ridge validation accuracy (float32, seed 0) on trials x
    ``(S, T, K)`` (a validation split of them), and every score."""
    k_init, k_feat, _ = jax.random.split(jax.random.PRNGKey(0), 3)
    scores = []
    for values in itertools.product(*RESERVOIR_GRID.values()):
        hyper = dict(zip(RESERVOIR_GRID, values))
        params, state = px.init(task_organoid(n, data.n_inputs, "none", **hyper), k_init)
        fx, fy, vx, vy = validation_split(trial_features(params, state.long, x, k_feat), y)
        for lam in LAMBDAS:
            scores.append({**hyper, "lambda": lam,
                           "val_acc": accuracy(ridge_readout(fx, fy, data.n_classes, lam), vx, vy)})
            print("  tune", scores[-1], flush=True)
    best = max(scores, key=lambda r: r["val_acc"])
    return {k: best[k] for k in RESERVOIR_GRID}, best["lambda"], scores


def standardise(F, Ft):
    mu, sd = F.mean(0), F.std(0) + 1e-6
    return (F - mu) / sd, (Ft - mu) / sd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", choices=list(TASKS), default="fashion_mnist")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--lrs", type=float, nargs="+", default=[0.01, 0.03, 0.1, 0.3, 1.0])
    ap.add_argument("--numerics", nargs="+", default=["float32", "int8"])
    ap.add_argument("--schedule", choices=("linear", "const"), default="linear",
                    help="delta-rule lr: decayed linearly to 0 over the epochs (default), or constant")
    ap.add_argument("--n-train", type=int, default=None)
    ap.add_argument("--tune", action="store_true", help="pick leak, gain, input gain and λ on validation first")
    ap.add_argument("--tune-train", type=int, default=None, help="tune on the first n training inputs (default all)")
    ap.add_argument("--out", default=None, help="default results/<task>-readout.json in this folder")
    args = ap.parse_args()
    args.out = args.out or os.path.join(OUT, f"{args.task}-readout.json")
    data = TASKS[args.task](args.n_train)
    x, y, xt, yt = (jnp.asarray(a) for a in data[:4])
    t_all = time.perf_counter()
    runs = []
    raw, raw_t = x.reshape(x.shape[0], -1), xt.reshape(xt.shape[0], -1)
    runs.append({"row": "delta rule on the raw input (baseline)", "seed": 0,
                 **delta_row(raw, y, raw_t, yt, args.lrs, args.epochs, jax.random.PRNGKey(0), args.schedule)})
    print(runs[-1], flush=True)
    hyper, lam, grid = tune(data, args.n, x[:args.tune_train], y[:args.tune_train]) if args.tune else ({}, RIDGE_LAMBDA, None)
    print(f"reservoir {hyper or 'defaults'}, ridge λ {lam}", flush=True)
    desc = None
    for numerics in args.numerics:
        cfg = task_organoid(args.n, data.n_inputs, "none", numerics=numerics, **hyper)
        desc = cfg.network.topology.describe()
        for seed in args.seeds:
            k_init, k_feat, k_read = jax.random.split(jax.random.PRNGKey(seed), 3)
            params, state = px.init(cfg, k_init)
            t0 = time.perf_counter()
            F = trial_features(params, state.long, x, k_feat)
            Ft = trial_features(params, state.long, xt, k_feat)
            F.block_until_ready()
            feat_s = time.perf_counter() - t0
            ridge = accuracy(ridge_readout(F, y, data.n_classes, lam), Ft, yt)
            common = {"numerics": numerics, "seed": seed, "features_s": feat_s}
            runs.append({"row": f"organoid {numerics}, ridge readout", **common, "test_acc": ridge})
            runs.append({"row": f"organoid {numerics}, delta rule", **common,
                         **delta_row(F, y, Ft, yt, args.lrs, args.epochs, k_read, args.schedule)})
            Fs, Fts = standardise(F, Ft)
            runs.append({"row": f"organoid {numerics}, delta rule on standardised features", **common,
                         **delta_row(Fs, y, Fts, yt, args.lrs, args.epochs, k_read, args.schedule)})
            for r in runs[-3:]:
                print(f"  {r['row']} seed {seed}: test {r['test_acc']:.4f}" + (f" (lr {r['lr']})" if "lr" in r else ""),
                      flush=True)
    total = time.perf_counter() - t_all
    table = [f"| readout | {data.name} test accuracy | seeds | lr (picked on validation) |", "|---|---|---|---|"]
    for name in dict.fromkeys(r["row"] for r in runs):
        mine = [r for r in runs if r["row"] == name]
        accs = [r["test_acc"] for r in mine]
        lrs = sorted({r["lr"] for r in mine if "lr" in r})
        table.append(f"| {name} | {100 * np.mean(accs):.1f} ± {100 * np.std(accs):.1f}% | {len(accs)} | "
                     f"{', '.join(f'{v:g}' for v in lrs) or '—'} |")
    print("\n".join(table))
    print(f"organoid: {desc}; {args.epochs} epochs; total {total:.0f} s")
    record = provenance()
    record.update({"config": vars(args), "topology": desc, "ridge_lambda": lam, "reservoir": hyper,
                   "reservoir_grid": RESERVOIR_GRID if args.tune else None, "tuning_scores": grid,
                   "runs": runs, "table": table, "total_s": total})
    write_json(args.out, record)


if __name__ == "__main__":
    main()
