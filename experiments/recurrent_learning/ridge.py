"""Is the refitted ridge readout's verdict on learned W a matter of its penalty λ?

The study's ridge rows refit a ridge readout with one λ (RIDGE_LAMBDA = 10, picked among 1, 10, 100 on the
fixed organoid). A W the rule has moved by half its norm may want another λ. Here each organoid is
trained exactly as ``run.py``'s final stage trains it (the same method, picks, seeds and numerics, from
the ``--tuning`` record), then ridge readouts with λ from LAMBDAS are fitted on the first S − 500 training
signals, λ is picked on the last 500, the readout is refitted with it on all training signals and scored on
the test set. The test accuracy at every λ is recorded too, for the sensitivity; only the validation pick
is reported as the result.

Usage: python -m experiments.recurrent_learning.ridge [--organoid tuned] [--standardize] [--methods fixed readout]
       [--numerics float32] [--seeds 0 1 2 3 4] [--epochs 8] [--tuning RECORD]
Writes results/ridge-lambda-<organoid>[-std]-<epochs>ep.json (in this folder) and prints its table.
"""

from __future__ import annotations

import argparse
import json
import os

import jax.numpy as jnp
import numpy as np

from experiments.recurrent_learning.run import (
    METHODS,
    NUMERICS,
    ORGANOIDS,
    OUT,
    OWN_INPUT_RATE,
    VALIDATION,
    base_pick,
    chosen,
    percent_spread,
    run_local,
)
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.learning import ridge_readout, trial_features
from praxis_jax.learning.readout import RIDGE_LAMBDA, logits
from praxis_jax.tasks import Dataset, load_mnist1d

LAMBDAS = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)


def tuned_ridge(data: Dataset, lambdas=LAMBDAS, validation: int = VALIDATION):
    """The ``extra`` of :func:`run_local`: the ridge readout with λ picked on the last ``validation`` training
    signals, refitted on all of them; returns its test accuracy, the pick, and every λ's scores."""
    y, yt = np.asarray(data.y_train), np.asarray(data.y_test)

    def acc(r, F, labels):
        return float((np.asarray(logits(r, F)).argmax(-1) == labels).mean())

    def extra(trained, long, key):
        F = trial_features(trained, long, jnp.asarray(data.x_train), key)
        Ft = trial_features(trained, long, jnp.asarray(data.x_test), key)
        v = validation
        val = {lam: acc(ridge_readout(F[:-v], y[:-v], data.n_classes, lam), F[-v:], y[-v:]) for lam in lambdas}
        test = {lam: acc(ridge_readout(F, y, data.n_classes, lam), Ft, yt) for lam in lambdas}
        lam = max(val, key=val.get)
        return {"ridge_tuned": test[lam], "ridge_lambda": lam, "ridge_validation": {str(k): a for k, a in val.items()},
                "ridge_test_by_lambda": {str(k): a for k, a in test.items()}}

    return extra


def table(record: dict) -> list[str]:
    lines = [f"| method | numerics | seeds | local readout (test) | ridge, λ = {RIDGE_LAMBDA:g} (test) | ridge, λ picked on "
             "validation (test) | λ picked |", "|---|---|---|---|---|---|---|"]
    for method, by_num in record["runs"].items():
        for numerics, runs in by_num.items():
            rs = list(runs.values())
            picks = ", ".join(f"{r['ridge_lambda']:g}" for r in rs)
            cells = [percent_spread([r[k] for r in rs]) for k in ("local_readout", "ridge_readout", "ridge_tuned")]
            lines.append(f"| {METHODS[method][0]} | {numerics} | {len(rs)} | {' | '.join(cells)} | {picks} |")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--organoid", choices=list(ORGANOIDS), default="tuned")
    ap.add_argument("--standardize", action="store_true")
    ap.add_argument("--methods", nargs="+", choices=("fixed", "readout", "inputs-own"), default=["fixed", "readout"])
    ap.add_argument("--numerics", nargs="+", choices=list(NUMERICS), default=["float32"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--tuning", default=None, help="the record whose validation picks to train with (default: "
                                                   "results/recurrent-mnist1d-<organoid>[-std].json)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    suffix = "-std" if args.standardize else ""
    args.tuning = args.tuning or os.path.join(OUT, f"recurrent-mnist1d-{args.organoid}{suffix}.json")
    args.out = args.out or os.path.join(OUT, f"ridge-lambda-{args.organoid}{suffix}-{args.epochs}ep.json")
    tuning = json.load(open(args.tuning))
    record = json.load(open(args.out)) if os.path.exists(args.out) else {"runs": {}}
    record.update(**provenance(), config=vars(args), lambdas=LAMBDAS, validation=VALIDATION,
                  tuning=os.path.relpath(os.path.abspath(args.tuning), os.path.dirname(os.path.abspath(args.out))))
    data = load_mnist1d()
    extra = tuned_ridge(data)
    for seed in args.seeds:  # seeds outermost: an interrupted run leaves every method with as many seeds
        for method, numerics in ((m, nm) for nm in args.numerics for m in args.methods):
            readout_lr, lr = chosen(tuning, method)
            runs = record["runs"].setdefault(method, {}).setdefault(numerics, {})
            if str(seed) in runs:
                continue
            settings = {"readout_lr": readout_lr, "lr": lr}
            if method in OWN_INPUT_RATE:  # lr is the rate of U and b; W's is its base method's
                settings = {**settings, "input_lr": lr, "lr": base_pick(tuning, method)[1]}
            r = run_local(data, method, ORGANOIDS[args.organoid], args.n, args.epochs, readout_lr, settings["lr"],
                          numerics, seed, args.standardize, input_lr=settings.get("input_lr"), extra=extra)
            runs[str(seed)] = {**r, "settings": settings}
            print(f"{method} {numerics} seed {seed}: local {r['local_readout']:.3f} ridge λ={RIDGE_LAMBDA:g} "
                  f"{r['ridge_readout']:.3f}, λ={r['ridge_lambda']:g} {r['ridge_tuned']:.3f}", flush=True)
            record["table"] = table(record)
            write_json(args.out, record)
    print("\n".join(table(record)))


if __name__ == "__main__":
    main()
