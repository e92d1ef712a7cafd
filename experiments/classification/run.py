"""Classification with a PRAXIS organoid: local learning rules against a fixed reservoir, gradient learners and a
linear baseline, on MNIST-1D (default), Fashion-MNIST (row by row, 28 ticks × 28 inputs) or sklearn's digits.

Rows (test accuracy, mean ± std over seeds; MNIST-1D published references: logistic 32%, MLP 68%, GRU 91%):
  - logistic regression on the raw 40-sample input (baseline, fitted here);
  - the organoid with W fixed (a reservoir): delta-rule readout, and a ridge readout;
  - the organoid whose W learns by A-STDP-ET under each modulator (reward with the paired baseline,
    reward with a running baseline, per-neuron feedback alignment, self-supervised surprise of the next
    input with the paired baseline: labels reach only the readout), each with its delta-rule readout
    and a ridge readout fitted afterwards on the learned organoid;
  - BPTT and e-prop: the same float32 organoid (W, U, b, readout) trained by Adam on the exact gradient
    through the trial, and on e-prop's eligibility-trace estimate of it;
  - a surrogate-gradient spiking RNN of the same N (LIF, dense recurrence, time-mean spike-count features,
    BPTT with Adam): the standard SNN baseline.

Usage: python -m experiments.classification.run [--task mnist1d] [--n 1000] [--epochs 8] [--seeds 0 1 2] [--variants ...]
       [--leak L --gain G --input-gain I] (the organoid's settings; default: the engine's 0.2, 1.2, 1.0)
Writes results/<task>.json (in this folder) (or --out) and prints the markdown table of the docs.
"""

from __future__ import annotations

import argparse
import os

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax.app.presets import task_organoid
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.baselines import fit_bptt, fit_eprop
from praxis_jax.baselines.linear import accuracy, logistic_regression
from praxis_jax.baselines.snn import fit_snn
from praxis_jax.config import TrainConfig
from praxis_jax.learning import fit, init_learner, ridge_accuracy
from praxis_jax.learning.readout import RIDGE_LAMBDA
from praxis_jax.tasks import load_digits, load_fashion_mnist, load_mnist1d
from praxis_jax.tasks.registry import TASKS as REGISTRY

# name -> (modulator, reward_baseline, A-STDP-ET lr, exploration noise); lr and noise picked by hand on
# seed 0 (lr 1e-5 … 1e-1, noise 0 / 0.2; see experiments/README.md)
VARIANTS = {
    "reservoir": ("none", "paired", 0.0, 0.0),
    "reward-paired": ("reward", "paired", 1e-4, 0.2),
    "reward-running": ("reward", "running", 1e-3, 0.2),
    "feedback": ("feedback", "paired", 1e-4, 0.0),
    "surprise": ("surprise", "paired", 1e-4, 0.2),
}
LABELS = {
    "reservoir": "W fixed (reservoir)",
    "reward-paired": "A-STDP-ET, reward − paired noiseless reward",
    "reward-running": "A-STDP-ET, reward − running mean reward",
    "feedback": "A-STDP-ET, per-neuron feedback-alignment error",
    "surprise": "A-STDP-ET, self-supervised: − surprise of the next input (paired)",
}
TASKS = {"mnist1d": load_mnist1d, "fashion_mnist": lambda: load_fashion_mnist("sequence"), "digits": load_digits}
GRADIENT_LR = 1e-3  # Adam, for BPTT and e-prop alike


def _on_organoid(fit_fn):
    """A trainer of the float32 organoid itself (W, U, b, readout): BPTT or e-prop."""
    def train(data, cfg, epochs, k_init, k_opt, on_epoch):
        params, state = px.init(cfg, k_init)
        return fit_fn(params, state.long, data, epochs, lr=GRADIENT_LR, key=k_opt, on_epoch=on_epoch)[1]
    return train


def _snn(data, cfg, epochs, k_init, k_opt, on_epoch):
    return fit_snn(data, cfg.network.n, epochs, lr=GRADIENT_LR, key=k_opt, on_epoch=on_epoch)[1]


# name -> (trainer(data, organoid config, epochs, init key, optimiser key, on_epoch) -> history, label)
GRADIENT = {"bptt": (_on_organoid(fit_bptt), "BPTT through the same organoid (float32, Adam)"),
            "eprop": (_on_organoid(fit_eprop), "e-prop on the same organoid (float32, Adam)"),
            "snn": (_snn, "surrogate-gradient spiking RNN, same N, dense recurrence (LIF, BPTT, Adam)")}


def _printer(tag):
    return lambda r, _carry: print(f"  [{tag}] epoch {r['epoch']:>2}: loss {r['loss']:.3f} train {r['train_acc']:.3f} "
                           f"test {r['test_acc']:.3f} ({r['seconds']:.1f} s)", flush=True)


def run_local(data, n: int, variant: str, epochs: int, readout_lr: float, seed: int, lr_w: float | None = None,
              reservoir: dict | None = None) -> dict:
    modulator, baseline, lr, noise = VARIANTS[variant]
    lr = lr if lr_w is None else lr_w
    cfg = task_organoid(n, data.n_inputs, modulator, lr=lr, noise=noise, **(reservoir or {}))
    tc = TrainConfig(modulator=modulator, reward_baseline=baseline, epochs=epochs, readout_lr=readout_lr)
    k_init, k_learn, k_eval = jax.random.split(jax.random.PRNGKey(seed), 3)
    params, state = px.init(cfg, k_init)
    learner = init_learner(params, state.long, data.n_classes, k_learn)
    learner, history = fit(params, tc, learner, data, on_epoch=_printer(f"{variant} seed {seed}"))
    _, ridge_test = ridge_accuracy(params, learner.long, data, RIDGE_LAMBDA, k_eval)
    dW = float(jnp.linalg.norm(learner.long.W - state.long.W) / jnp.linalg.norm(state.long.W))
    return {"variant": variant, "seed": seed, "n": cfg.network.n, "degree": cfg.network.degree, "lr_w": lr, "history": history,
            "delta_test_acc": history[-1]["test_acc"], "ridge_test_acc": ridge_test, "weight_change_rel": dW,
            "train_seconds": sum(r["seconds"] for r in history)}


def run_gradient(data, n: int, variant: str, epochs: int, seed: int, reservoir: dict | None = None) -> dict:
    cfg = task_organoid(n, data.n_inputs, "none", **(reservoir or {}))
    k_init, k_opt = jax.random.split(jax.random.PRNGKey(seed))
    history = GRADIENT[variant][0](data, cfg, epochs, k_init, k_opt, _printer(f"{variant} seed {seed}"))
    return {"variant": variant, "seed": seed, "n": cfg.network.n, "history": history,
            "test_acc": history[-1]["test_acc"], "train_seconds": sum(r["seconds"] for r in history)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=list(TASKS), default="mnist1d")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--variants", nargs="+", choices=(*VARIANTS, *GRADIENT), default=[*VARIANTS, *GRADIENT])
    ap.add_argument("--readout-lr", type=float, default=0.1)
    ap.add_argument("--lr-w", type=float, default=None, help="A-STDP-ET lr of the local variants (default: VARIANTS)")
    ap.add_argument("--leak", type=float, default=None, help="the organoid's leak (default: the engine's)")
    ap.add_argument("--gain", type=float, default=None, help="the organoid's recurrent gain (default: the engine's)")
    ap.add_argument("--input-gain", type=float, default=None, help="the organoid's input gain (default: the engine's)")
    ap.add_argument("--out", default=None, help="default results/<task>.json in this folder")
    args = ap.parse_args(argv)
    reservoir = {k: v for k, v in (("leak", args.leak), ("gain", args.gain), ("input_gain", args.input_gain))
                 if v is not None}
    args.out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", f"{args.task}.json")

    data = TASKS[args.task]()
    logit = logistic_regression(jnp.asarray(data.x_train), jnp.asarray(data.y_train), data.n_classes)
    base = float(accuracy(logit, data.x_test, data.y_test))
    print(f"logistic regression on raw input: test {base:.3f}")
    runs = []
    for v in args.variants:
        for s in args.seeds:
            runs.append(run_gradient(data, args.n, v, args.epochs, s, reservoir) if v in GRADIENT
                        else run_local(data, args.n, v, args.epochs, args.readout_lr, s, args.lr_w, reservoir))

    rows = [("logistic regression, raw input (baseline)", [base], "")]
    for v in args.variants:
        mine = [r for r in runs if r["variant"] == v]
        secs = f"{np.mean([r['train_seconds'] for r in mine]):.0f} s"
        if v in GRADIENT:
            rows.append((GRADIENT[v][1], [r["test_acc"] for r in mine], secs))
            continue
        rows.append((f"organoid, {LABELS[v]}; delta-rule readout", [r["delta_test_acc"] for r in mine], secs))
        rows.append((f"organoid, {LABELS[v]}; ridge readout", [r["ridge_test_acc"] for r in mine], ""))
    table = [f"| method | {data.name} test accuracy | seeds | train time |", "|---|---|---|---|"]
    for name, accs, secs in rows:
        table.append(f"| {name} | {100 * np.mean(accs):.1f} ± {100 * np.std(accs):.1f}% | {len(accs)} | {secs} |")
    print("\n".join(table))
    write_json(args.out, {**provenance(), "config": vars(args), "variants": VARIANTS, "gradient_lr": GRADIENT_LR,
                          "ridge_lambda": RIDGE_LAMBDA, "logistic_test_acc": base,
                          "reference_accuracy": REGISTRY[args.task].reference, "runs": runs, "table": table})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
