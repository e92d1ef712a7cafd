"""Unsupervised STDP classification (Diehl & Cook 2015) on sklearn's digits and Fashion-MNIST: accuracy against
the number of excitatory neurons and the bit-width of the learned weights at evaluation.

For each dataset and neuron count N: one epoch of unsupervised learning (praxis_jax.spiking.diehl_cook: Poisson input,
LIF layer with lateral inhibition and adaptive thresholds, triplet STDP, per-neuron weight normalisation),
then, learning and thresholds frozen, the neurons are labelled by their mean response per class on the
labelling images and the test images classified; this last step is repeated with W quantized to 8, 4 and 2
bits (praxis_jax.quant.lowbit.fake_quant, unsigned, one scale per tensor), with the same input spikes.

- digits: 8×8, 64 inputs, the fixed split of praxis_jax.tasks.load_digits (1,437 train / 360 test); labels
  from all 1,437 training images.
- fashion_mnist: 28×28, 784 inputs; by default the first 20,000 of the 60,000 training images (the full set
  takes ~3× longer than the 20-minute budget of the default run on a 2-core CPU; ``--fmnist-train 60000``)
  and all 10,000 test images; labels from the first ``--n-label`` = 5,000 training images (D&C: 10,000).

Hyperparameters (D&C's unless said): 100 ticks of 1 ms per image (D&C: 350 ms at 0.5 ms) from rest;
θ_plus = ``--theta-budget``·N/n_train mV (so the total threshold growth per neuron does not depend on N or on
the training-set size; D&C's 0.05 mV is this with budget 0.33 at N = 400 on 60,000 images); input rate
330 Hz (digits: 64 inputs carry the input of ~12 MNIST pixels each, weights sum to 6.4 = 78·64/784) and
32 Hz (Fashion-MNIST, about twice MNIST's ink). Budget and rates were picked by hand on validation splits
of the training sets (digits: train on the first 1,150, validate on the other 287; Fashion-MNIST: train on
the first 10,000, validate on images 55,000–56,999): see experiments/README.md. The test sets were not used.

Usage: python -m experiments.unsupervised_stdp.run [--datasets digits fashion_mnist] [--digits-neurons 100 400 1600]
       [--fmnist-neurons 100 400] [--bits 32 8 4 2] [--fmnist-train 60000]
Writes experiments/unsupervised_stdp/results/unsupervised_stdp.json and .png (or --out) and prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import numpy as np

from praxis_jax.app import plotting
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.spiking import diehl_cook as dc
from praxis_jax.tasks import load_digits, load_fashion_mnist

PRESETS = {  # per dataset: config fields other than the neuron count and theta_plus
    "digits": {"n_input": 64, "rate_max": 330.0, "w_sum": 6.4, "max_in_spikes": 48},
    "fashion_mnist": {"n_input": 784, "rate_max": 32.0, "w_sum": 78.0, "max_in_spikes": 80},
}
REFERENCES = {"Diehl & Cook 2015, MNIST": {"100": 0.829, "400": 0.870, "1600": 0.919, "6400": 0.950},
              "NeuroxAI target, MNIST, 4-bit weights": 0.938}


def load(name: str, n_train: int | None, n_test: int | None):
    """(x_train (S, K), y_train, x_test, y_test) float32 in [0, 1]."""
    if name == "digits":
        d = load_digits()
    else:
        d = load_fashion_mnist("sequence", n_train=n_train, n_test=n_test)
    def flat(x):
        return np.ascontiguousarray(x.reshape(len(x), -1), np.float32)

    return flat(d.x_train), d.y_train, flat(d.x_test), d.y_test


def run(name: str, data, n: int, bits_list: list[int], args) -> dict:
    x_tr, y_tr, x_te, y_te = data
    n_train = len(x_tr)
    n_label = n_train if name == "digits" else min(args.n_label, n_train)
    theta_plus = args.theta_budget * n / n_train
    cfg = dc.DiehlCookConfig(n_neurons=n, ticks=args.ticks, theta_plus=theta_plus, **PRESETS[name])
    key = jax.random.PRNGKey(args.seed)
    k_init, k_train, k_eval = jax.random.split(key, 3)
    params, state = dc.init(cfg, k_init)
    print(f"[{name} N={n}] training on {n_train} images (θ_plus {theta_plus:.4g} mV)", flush=True)
    t0 = time.perf_counter()
    state = dc.train(cfg, params, state, x_tr, k_train, chunk=args.chunk,
                     log=print if n_train > args.chunk else None)
    jax.block_until_ready(state.long.W)
    train_s = time.perf_counter() - t0
    evals = []
    for bits in bits_list:
        t1 = time.perf_counter()
        r = dc.evaluate(cfg, params, state, x_tr[:n_label], y_tr[:n_label], x_te, y_te, k_eval,
                        bits=None if bits == 32 else bits)
        ev = {"bits": bits, "accuracy": r["accuracy"], "silent_test_fraction": r["silent_test_fraction"],
              "unassigned_neurons": int(np.sum(r["neuron_labels"] < 0)),
              "neurons_per_class": np.bincount(r["neuron_labels"][r["neuron_labels"] >= 0], minlength=10).tolist(),
              "mean_test_spikes": float(r["test_counts"].sum(axis=1).mean()), "eval_s": time.perf_counter() - t1}
        evals.append(ev)
        print(f"  {bits:>2}-bit W: test accuracy {ev['accuracy']:.4f} (silent {ev['silent_test_fraction']:.3f}, "
              f"{ev['unassigned_neurons']} unassigned neurons, {ev['eval_s']:.1f} s)", flush=True)
    brightest = float(x_tr.sum(axis=1).max())
    theta = np.asarray(state.long.theta)
    return {"dataset": name, "neurons": n, "n_train": n_train, "n_label": n_label, "n_test": len(x_te),
            "epochs": 1, "train_s": train_s, "train_ms_per_image": 1e3 * train_s / n_train,
            "config": {k: getattr(cfg, k) for k in ("n_input", "n_neurons", "ticks", "rate_max", "w_sum", "w_inh",
                                                     "theta_plus", "tau_theta", "min_spikes", "max_retries",
                                                     "retry_boost", "max_in_spikes", "w_init")},
            "showings_per_image": int(state.long.showings) / n_train, "theta_mean_mV": float(theta.mean()), "theta_max_mV": float(theta.max()),
            "input_truncation_probability_brightest_image": dc.truncation_probability(cfg, brightest),
            "eval": evals}


def plot(results: list[dict], path: str) -> None:
    names = [d for d in ("digits", "fashion_mnist") if any(r["dataset"] == d for r in results)]
    fig, axes = plotting.figure(len(names))
    for ax, name in zip(axes, names):
        rows = sorted((r for r in results if r["dataset"] == name), key=lambda r: r["neurons"])
        for bits in [e["bits"] for e in rows[0]["eval"]]:
            acc = [next(e["accuracy"] for e in r["eval"] if e["bits"] == bits) for r in rows]
            ax.plot([r["neurons"] for r in rows], acc, "o-", label="float32" if bits == 32 else f"{bits}-bit")
        ax.set(xscale="log", xlabel="excitatory neurons", ylabel="test accuracy", ylim=(0, 1),
               title=f"{name} ({rows[0]['n_train']} train, 1 epoch)")
        ax.minorticks_off()
        ax.set_xticks([r["neurons"] for r in rows], [str(r["neurons"]) for r in rows])
        ax.axhline(0.1, color="gray", ls=":", lw=1, label="chance")
        ax.legend(loc="lower right", fontsize=8, title="W at evaluation")
    plotting.save(fig, path)


def table(results: list[dict]) -> str:
    bits = [e["bits"] for e in results[0]["eval"]]
    head = "| dataset | neurons | train images | train time | " + " | ".join(
        "float32" if b == 32 else f"{b}-bit" for b in bits) + " |"
    lines = [head, "|" + "---|" * (4 + len(bits))]
    for r in results:
        accs = " | ".join(f"{100 * e['accuracy']:.1f}%" for e in r["eval"])
        lines.append(f"| {r['dataset']} | {r['neurons']} | {r['n_train']:,} | {r['train_s']:.0f} s | {accs} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["digits", "fashion_mnist"], choices=list(PRESETS))
    ap.add_argument("--digits-neurons", nargs="+", type=int, default=[100, 400, 1600])
    ap.add_argument("--fmnist-neurons", nargs="+", type=int, default=[100, 400])
    ap.add_argument("--bits", nargs="+", type=int, default=[32, 8, 4, 2], choices=[32, 8, 4, 2])
    ap.add_argument("--fmnist-train", type=int, default=20_000, help="first n training images (all: 60000)")
    ap.add_argument("--fmnist-test", type=int, default=10_000)
    ap.add_argument("--n-label", type=int, default=5_000, help="Fashion-MNIST training images used for labels")
    ap.add_argument("--ticks", type=int, default=100)
    ap.add_argument("--theta-budget", type=float, default=2.0, help="θ_plus = budget·N/n_train (mV)")
    ap.add_argument("--chunk", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "unsupervised_stdp.json"))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    results = []
    for name in args.datasets:
        data = load(name, args.fmnist_train, args.fmnist_test)
        for n in (args.digits_neurons if name == "digits" else args.fmnist_neurons):
            results.append(run(name, data, n, args.bits, args))
    total = time.perf_counter() - t0
    md = table(results)
    print(md)
    print(f"total {total:.0f} s")
    write_json(args.out, {**provenance(), "config": vars(args), "presets": PRESETS, "references": REFERENCES,
                          "total_s": total, "results": results, "table": md})
    plot(results, os.path.splitext(args.out)[0] + ".png")


if __name__ == "__main__":
    main()
