"""Time-series prediction: the PRAXIS organoid as a reservoir against echo state networks (ours and reservoirpy's).

Tasks (``praxis_jax.tasks.timeseries``): Mackey-Glass (tau 17) one-step and 10-steps-ahead, NARMA-10
one-step, the Santa Fe laser one-step. Every method gets the same ridge readout on its states
(``praxis_jax.learning.forecast``, λ = 1e-6) and the same tuning budget: a grid of 36 settings, the one with
the lowest mean validation NRMSE (the last 20% of the training ticks, seeds 100–102) is then run on the
test ticks with fresh seeds 0..S−1.

Rows, each at the same size N (the organoid's, a Singer graph near ``--n``):
  - PRAXIS organoid, float32 and int8 (grid: leak × gain × input gain);
  - echo state network in JAX (``praxis_jax.baselines.esn``; grid: leak rate α × spectral radius × input scaling);
  - the same ESN in reservoirpy (an external implementation; the settings chosen for ours, its own
    initialisers and seeds), when reservoirpy is installed;
  - reservoirpy's 100-unit ESN with its tutorial settings (α 0.3, sr 1.25), the reference point.

Usage: python -m experiments.forecasting.reservoirs [--n 130] [--seeds 10]
Writes experiments/forecasting/results/timeseries.json and prints the markdown table of the docs.
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
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.baselines import esn_states, init_esn
from praxis_jax.learning import reservoir_states
from praxis_jax.learning.forecast import FORECAST_LAMBDA, forecast_nrmse
from praxis_jax.tasks.timeseries import Series, load_series
from praxis_jax.topology import choose_topology

TASKS = {"Mackey-Glass, 1 step": ("mackey_glass", 1), "Mackey-Glass, 10 steps": ("mackey_glass", 10),
         "NARMA-10": ("narma10", 1), "Santa Fe laser, 1 step": ("santafe", 1)}
# 36 settings each (the records before this change used 8 each: leak (0.2, 0.5) × gain (0.8, 1.2) × input
# gain (0.5, 1.0), and alpha (0.3, 1.0) × sr (0.8, 1.25) × input scaling (0.5, 1.0))
PRAXIS_GRID = {"leak": (0.0, 0.2, 0.5, 0.8), "gain": (0.4, 0.8, 1.2), "input_gain": (0.1, 0.5, 1.0)}
ESN_GRID = {"alpha": (0.3, 0.6, 0.8, 1.0), "sr": (0.4, 0.8, 1.25), "input_scaling": (0.1, 0.5, 1.0)}
TUNING_SEEDS = (100, 101, 102)


def grid(g: dict) -> list[dict]:
    return [dict(zip(g, values)) for values in itertools.product(*g.values())]


def praxis_states(series: Series, n: int, numerics: str, seed: int, leak: float, gain: float,
                  input_gain: float) -> np.ndarray:
    net = px.NetworkConfig(topology=choose_topology("singer", n, k=2), n_inputs=series.u.shape[1], leak=leak,
                           gain=gain, input_gain=input_gain)
    params, state = px.init(px.PraxisConfig(network=net, quant=px.QuantConfig(numerics=numerics)),
                            jax.random.PRNGKey(seed))
    A = reservoir_states(params, state.long, jnp.asarray(series.u))
    return np.asarray(A)


def esn_jax_states(series: Series, n: int, seed: int, **hyper) -> np.ndarray:
    return np.asarray(esn_states(init_esn(jax.random.PRNGKey(seed), n, series.u.shape[1], **hyper),
                                 jnp.asarray(series.u)))


def esn_reservoirpy_states(series: Series, n: int, seed: int, alpha: float, sr: float,
                           input_scaling: float) -> np.ndarray:
    from reservoirpy.nodes import Reservoir

    return Reservoir(n, lr=alpha, sr=sr, input_scaling=input_scaling, seed=seed).run(series.u.astype(np.float64))


def tuned(states, series: Series, g: dict) -> tuple[dict, list]:
    """The grid point with the lowest mean validation NRMSE, and every point's score."""
    val = max(1, (series.n_train - series.washout) // 5)
    scores = [(h, float(np.mean([forecast_nrmse(states(series, s, **h), series, validation=val)
                                 for s in TUNING_SEEDS]))) for h in grid(g)]
    return min(scores, key=lambda hs: hs[1])[0], scores


def test_rows(states, series: Series, seeds: int) -> dict:
    t0 = time.perf_counter()
    errs = [forecast_nrmse(states(series, s), series) for s in range(seeds)]
    return {"nrmse": errs, "mean": float(np.mean(errs)), "std": float(np.std(errs)),
            "seconds_per_seed": (time.perf_counter() - t0) / seeds}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=130)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "timeseries.json"))
    args = ap.parse_args(argv)
    n = choose_topology("singer", args.n, k=2).n
    try:
        import reservoirpy
    except ImportError:
        reservoirpy = None
    results = {}
    for task in args.tasks:
        name, horizon = TASKS[task]
        series = load_series(name, horizon=horizon)
        rows = {}
        for numerics in ("float32", "int8"):
            fn = lambda s, seed, **h: praxis_states(s, n, numerics, seed, **h)  # noqa: E731
            best, scores = tuned(fn, series, PRAXIS_GRID)
            rows[f"PRAXIS organoid, {numerics}"] = {"hyper": best, "grid": scores,
                                                   **test_rows(lambda s, seed: fn(s, seed, **best), series, args.seeds)}
        fn = lambda s, seed, **h: esn_jax_states(s, n, seed, **h)  # noqa: E731
        best, scores = tuned(fn, series, ESN_GRID)
        rows["ESN (praxis_jax.baselines)"] = {"hyper": best, "grid": scores,
                                             **test_rows(lambda s, seed: fn(s, seed, **best), series, args.seeds)}
        if reservoirpy is not None:
            rows["ESN (reservoirpy), the same settings"] = {"hyper": best, **test_rows(
                lambda s, seed: esn_reservoirpy_states(s, n, seed, **best), series, args.seeds)}
            ref = dict(alpha=0.3, sr=1.25, input_scaling=1.0)
            rows["ESN (reservoirpy), 100 units, tutorial settings"] = {"hyper": ref, **test_rows(
                lambda s, seed: esn_reservoirpy_states(s, 100, seed, **ref), series, args.seeds)}
        results[task] = rows
        for method, r in rows.items():
            print(f"{task:24s} {method:48s} NRMSE {r['mean']:.2e} ± {r['std']:.1e}  {r['hyper']}", flush=True)

    methods = list(next(iter(results.values())))
    table = ["| method (N = %d unless stated) | " % n + " | ".join(results) + " |",
             "|---" * (len(results) + 1) + "|"]
    for m in methods:
        cells = [f"{results[t][m]['mean']:.2e} ± {results[t][m]['std']:.1e}" for t in results]
        table.append(f"| {m} | " + " | ".join(cells) + " |")
    print("\n".join(table))
    write_json(args.out, {**provenance(), "config": vars(args), "n": n, "ridge_lambda": FORECAST_LAMBDA,
                          "praxis_grid": PRAXIS_GRID, "esn_grid": ESN_GRID, "tuning_seeds": TUNING_SEEDS,
                          "reservoirpy": None if reservoirpy is None else reservoirpy.__version__,
                          "results": results, "table": table})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
