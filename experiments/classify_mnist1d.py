"""MNIST-1D with a PRAXIS organoid: local learning against a fixed reservoir and a linear baseline.

Rows (test accuracy, mean ± std over seeds; published references: logistic 32%, MLP 68%, GRU 91%):
  - logistic regression on the raw 40-sample input (baseline, fitted here);
  - organoid with W fixed (a reservoir), delta-rule readout / ridge readout;
  - organoid whose W learns by A-STDP-ET with a reward modulator (node perturbation) and, separately,
    a per-neuron feedback-alignment modulator; each with its delta-rule readout and a ridge readout
    fitted afterwards on the learned organoid's features.

Usage: python experiments/classify_mnist1d.py [--n 1000] [--epochs 10] [--seeds 0 1 2] [--numerics float32]
Writes experiments/results/mnist1d.json (and prints a markdown table for the README).
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax.baselines.linear import accuracy, logistic_regression
from praxis_jax.config import TrainConfig
from praxis_jax.learning import fit, init_learner, ridge_accuracy
from praxis_jax.learning.presets import MODULATOR_DEFAULTS, task_organoid
from praxis_jax.runinfo import provenance, write_json
from praxis_jax.tasks import load_mnist1d
from praxis_jax.tasks.mnist1d import REFERENCE_ACCURACY

RIDGE_LAMBDA = 10.0


def run(data, n: int, numerics: str, modulator: str, epochs: int, readout_lr: float, seed: int) -> dict:
    cfg = task_organoid(n, data.n_inputs, modulator, numerics)
    tc = TrainConfig(modulator=modulator, epochs=epochs, readout_lr=readout_lr)
    k_init, k_learn, k_eval = jax.random.split(jax.random.PRNGKey(seed), 3)
    params, state = px.init(cfg, k_init)
    learner = init_learner(params, state.long, data.n_classes, k_learn)
    report = lambda r: print(  # noqa: E731
        f"  [{modulator} seed {seed}] epoch {r['epoch']:>2}: loss {r['loss']:.3f} train {r['train_acc']:.3f} "
        f"test {r['test_acc']:.3f} ({r['seconds']:.1f} s)", flush=True)
    learner, history = fit(params, tc, learner, data, on_epoch=report)
    ridge_train, ridge_test = ridge_accuracy(params, learner.long, data, RIDGE_LAMBDA, k_eval)
    return {"modulator": modulator, "seed": seed, "n": cfg.network.n, "degree": cfg.network.degree,
            "history": history, "delta_test_acc": history[-1]["test_acc"], "ridge_train_acc": ridge_train,
            "ridge_test_acc": ridge_test, "train_seconds": sum(r["seconds"] for r in history)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--numerics", choices=px.config.NUMERICS, default="float32")
    ap.add_argument("--modulators", nargs="+", choices=tuple(MODULATOR_DEFAULTS), default=list(MODULATOR_DEFAULTS))
    ap.add_argument("--readout-lr", type=float, default=0.1)
    ap.add_argument("--out", default="experiments/results/mnist1d.json")
    args = ap.parse_args(argv)

    data = load_mnist1d()
    logit = logistic_regression(jnp.asarray(data.x_train), jnp.asarray(data.y_train), data.n_classes)
    base = float(accuracy(logit, data.x_test, data.y_test))
    print(f"logistic regression on raw input: test {base:.3f} (published {REFERENCE_ACCURACY['logistic']})")
    runs = [run(data, args.n, args.numerics, m, args.epochs, args.readout_lr, s) for m in args.modulators
            for s in args.seeds]

    rows = [("logistic regression, raw input (baseline)", [base])]
    names = {"none": "W fixed (reservoir)", "reward": "A-STDP-ET, reward modulator",
             "feedback": "A-STDP-ET, feedback-alignment modulator"}
    for m in args.modulators:
        mine = [r for r in runs if r["modulator"] == m]
        rows.append((f"organoid, {names[m]}, delta-rule readout", [r["delta_test_acc"] for r in mine]))
        rows.append((f"organoid, {names[m]}, ridge readout", [r["ridge_test_acc"] for r in mine]))
    table = ["| method | test accuracy | seeds |", "|---|---|---|"]
    for name, accs in rows:
        table.append(f"| {name} | {100 * np.mean(accs):.1f} ± {100 * np.std(accs):.1f}% | {len(accs)} |")
    print("\n".join(table))
    write_json(args.out, {**provenance(), "config": vars(args), "settings": MODULATOR_DEFAULTS, "ridge_lambda": RIDGE_LAMBDA,
                          "logistic_test_acc": base, "reference_accuracy": REFERENCE_ACCURACY, "runs": runs,
                          "table": table})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
