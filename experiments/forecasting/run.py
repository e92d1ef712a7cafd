"""W learned on time series against W fixed: does A-STDP-ET in W help forecasting?

For each task, the organoid of ``experiments/forecasting/reservoirs.py`` with the settings its 36-point grid picked (read
from that task's record, per numerics) first runs over the training ticks with plasticity on (homeostasis
off), W learning online by one of two rules (``--rule``):
  - ``error`` (default): post factor f'(v), e-prop's presynaptic trace, decay 0, an update every tick,
    and the prediction error of an online linear predictor sent back to each neuron through the
    predictor's weights as its learning signal (:func:`praxis_jax.learning.forecast.error_rule_pass`);
  - ``seed``: the pure seed rule, post a, decay 0.9, one scalar modulator, the relative surprise of the
    same predictor (:func:`praxis_jax.learning.forecast.seed_rule_pass`).
Then W is frozen and the same ridge readout as every forecasting row is fitted on its states from rest
and scored. The ESN column is the grid record's ESN (tuned with the same 36-point budget), for scale.
The W learning rate is picked from ``--lrs`` by validation NRMSE (the last 20% of the training ticks,
learning on the ticks before them; seeds 100–102), then the test runs 10 fresh seeds, each against the
same organoid with W fixed (lr 0).

Usage: python -m experiments.forecasting.run [--rule error|seed] [--tasks "Mackey-Glass, 1 step" ...] [--seeds 10]
       [--lrs ...] (default: all four series, the rule's rate grid)
Writes experiments/forecasting/results/timeseries-learned.json (``--rule seed``: timeseries-seedrule.json) and prints
the table rows.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from experiments.forecasting.reservoirs import TASKS, TUNING_SEEDS
from praxis_jax.app.runinfo import int8_contract, provenance, write_json
from praxis_jax.learning import reservoir_states
from praxis_jax.learning.forecast import error_rule_pass, forecast_nrmse, seed_rule_pass
from praxis_jax.quant.codec import Codec
from praxis_jax.tasks.timeseries import load_series
from praxis_jax.topology import choose_topology

RESULTS = os.path.join(os.path.dirname(__file__), "results")
# the record whose 36-point grid picked each task's organoid settings
GRID_RECORDS = {"Mackey-Glass, 1 step": "timeseries-mg1-grid36.json", "Mackey-Glass, 10 steps": "timeseries-mg10-grid36.json",
                "NARMA-10": "timeseries-narma-grid36.json", "Santa Fe laser, 1 step": "timeseries-laser-grid36.json"}


def grid_record(task: str) -> dict:
    """The task's rows in its grid record: the organoid's picked settings per numerics, and the ESN's test
    NRMSE (tuned with the same 36-point budget)."""
    path = os.path.join(RESULTS, GRID_RECORDS[task])
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run experiments/forecasting/reservoirs.py --tasks {task!r} "
                                f"--out {path} first (it picks the organoid's settings)")
    with open(path) as f:
        return json.load(f)["results"][task]


def picked(task: str, numerics: str) -> dict:
    return grid_record(task)[f"PRAXIS organoid, {numerics}"]["hyper"]


ESN = "ESN (praxis_jax.baselines)"  # its row in the grid records


# --rule -> (the plasticity of the learning pass, the pass, the default W learning rates to pick from: the
# error signal is the prediction error itself, orders of magnitude below the seed's bounded surprise)
RULES = {"error": (px.PlasticityConfig(post="fprime", pre="eprop", decay=0.0), error_rule_pass,
                   [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0]),
         "seed": (px.PlasticityConfig(), seed_rule_pass, [1e-7, 1e-6, 1e-5, 1e-4, 1e-3])}


def make_organoid(n: int, k: int, numerics: str, seed: int, leak: float, gain: float, input_gain: float,
                  plasticity: px.PlasticityConfig):
    net = px.NetworkConfig(topology=choose_topology("singer", n, k=2), n_inputs=k, leak=leak, gain=gain,
                           input_gain=input_gain)
    cfg = px.PraxisConfig(network=net, plasticity=plasticity, quant=px.QuantConfig(numerics=numerics),
                          homeostasis=px.HomeostasisConfig(enabled=False))
    return px.init(cfg, jax.random.PRNGKey(seed))


def score(series, n: int, numerics: str, hyper: dict, seed: int, lr: float, validation: int,
          rule: str, learn) -> tuple[float, float]:
    """NRMSE of the ridge readout after the learning pass at ``lr`` (0: W fixed), and ‖ΔW‖/‖W‖."""
    params, state = make_organoid(n, series.u.shape[1], numerics, seed, **hyper, plasticity=RULES[rule][0])
    params = eqx.tree_at(lambda p: p.hyper.lr, params, jnp.float32(lr))
    stop = series.n_train - validation
    codec = Codec.from_config(params.config)
    W0 = np.asarray(codec.w(state.long.W))
    if lr > 0:
        state = learn(params, state, jnp.asarray(series.u[:stop]), jnp.asarray(series.y[:stop]))
    moved = float(np.linalg.norm(np.asarray(codec.w(state.long.W)) - W0) / np.linalg.norm(W0))
    A = reservoir_states(params, state.long, jnp.asarray(series.u))
    return forecast_nrmse(np.asarray(A), series, validation=validation), moved


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", choices=list(GRID_RECORDS), default=list(GRID_RECORDS))
    ap.add_argument("--n", type=int, default=130, help="as forecast_timeseries.py (the Singer graph near it)")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--rule", choices=list(RULES), default="error")
    ap.add_argument("--lrs", type=float, nargs="+", default=None, help="default: the rule's grid (RULES)")
    ap.add_argument("--out", default=None, help="default: results/timeseries-learned.json (seed: -seedrule)")
    args = ap.parse_args(argv)
    args.lrs = args.lrs or RULES[args.rule][2]
    if not all(lr > 0 for lr in args.lrs):
        raise ValueError(f"--lrs must all be > 0; got {args.lrs}")
    args.out = args.out or os.path.join(RESULTS, "timeseries-learned.json" if args.rule == "error"
                                        else "timeseries-seedrule.json")
    learn = jax.jit(lambda p, s, u, y: RULES[args.rule][1](p, s, u, y)[0])
    name_rule = "W learned, error per neuron" if args.rule == "error" else "seed rule"
    results, table, t0 = {}, [f"| task | numerics | W fixed | {name_rule} (lr picked) | ‖ΔW‖/‖W‖ | seeds better "
                              "| ESN (same grid budget) |", "|---|---|---|---|---|---|---|"], time.perf_counter()
    for task in args.tasks:
        name, horizon = TASKS[task]
        series = load_series(name, horizon=horizon)
        val = max(1, (series.n_train - series.washout) // 5)
        esn = grid_record(task)[ESN]
        for numerics in ("float32", "int8"):
            hyper = picked(task, numerics)
            grid = {lr: float(np.mean([score(series, args.n, numerics, hyper, s, lr, val, args.rule, learn)[0]
                                       for s in TUNING_SEEDS])) for lr in [0.0, *args.lrs]}
            lr = min(args.lrs, key=grid.get)
            fixed = [score(series, args.n, numerics, hyper, s, 0.0, 0, args.rule, learn)[0] for s in range(args.seeds)]
            learned = [score(series, args.n, numerics, hyper, s, lr, 0, args.rule, learn) for s in range(args.seeds)]
            nr = [x[0] for x in learned]
            row = {"hyper": hyper, "validation": {str(k): v for k, v in grid.items()}, "lr": lr,
                   "fixed": fixed, "learned": nr, "moved": [x[1] for x in learned],
                   "fixed_mean": float(np.mean(fixed)), "fixed_std": float(np.std(fixed)),
                   "learned_mean": float(np.mean(nr)), "learned_std": float(np.std(nr)), "esn_mean": esn["mean"],
                   "seeds_better": int(sum(b < a for a, b in zip(fixed, nr))),
                   **(int8_contract() if numerics == "int8" else {})}  # the int8 contract it ran under
            results[f"{task}, {numerics}"] = row
            table.append(f"| {task} | {numerics} | {row['fixed_mean']:.2e} ± {row['fixed_std']:.1e} | "
                         f"{row['learned_mean']:.2e} ± {row['learned_std']:.1e} (lr {lr:g}) | "
                         f"{np.mean(row['moved']):.3f} | {row['seeds_better']}/{args.seeds} | {esn['mean']:.2e} ± "
                         f"{esn['std']:.1e} |")
            print(table[-1], "validation:", {k: f"{v:.2e}" for k, v in grid.items()}, flush=True)
    total = time.perf_counter() - t0
    print("\n".join(table))
    print(f"total {total:.0f} s")
    write_json(args.out, {**provenance(), "config": vars(args), "tuning_seeds": TUNING_SEEDS,
                          "grid_records": {t: GRID_RECORDS[t] for t in args.tasks}, "results": results,
                          "table": table, "total_s": total})


if __name__ == "__main__":
    main()
