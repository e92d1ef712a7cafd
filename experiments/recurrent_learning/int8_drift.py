"""Why int8 W learning moves W further than float32 at the same rates: the rounding of W's updates.

The rule of ``experiments/recurrent_learning/run.py`` (``readout``: f'(v), decay 1, the readout's error per
neuron, W once per batch) on the default organoid at the picks of ``recurrent-<task>-default.json``,
trained in float32 with W put on a grid after every batch, against float32 and int8 with the same keys:

- ``float32``: the reference; W float.
- ``w-int8-grid``: float32 activations and eligibility, W stochastically rounded after each batch to the
  int8 code's grid (step ``c·σ_w/127``), ``floor(W/step + u)·step``, u ~ U[0, 1): int8's W storage alone.
- ``w-int8-nearest``: the same grid, rounded to nearest (an update under half a step is lost).
- ``w-int8-weyl``: the same grid, each edge's dither a Weyl sequence ``frac(u₀ + k·φ)`` over the updates
  k instead of a fresh uniform (unbiased over the sequence; errors of one edge not independent).
- ``w-int16-grid``: a grid 256× finer, stochastically rounded: what a 16-bit W would store.
- ``int8``: the library's int8 numerics (activations, μ-law eligibility and W).

W starts on its grid (rounded to nearest once; the float32 runs start from the same unrounded W as
``run.py``). A stochastic rounding of x adds a zero-mean error of variance ``p·(1−p)·step²``, p the
fraction of x above the grid point below it; every run sums it (``rounding_var``, in W's units²), and the
float32 run sums what int8's grid would have added (``int8_grid_var``: p of each batch's float update in
int8 steps). If the rounding's errors add as a random walk and the rest of W's change is the float32 run's,
int8's grid makes ‖ΔW‖² ≈ ‖ΔW_f32‖² + Σ p(1−p)·step²: ``predicted_change_rel``.

Usage: python -m experiments.recurrent_learning.int8_drift [--task mnist1d|fashion_mnist] [--conditions ...]
       [--seeds 0 1 2] [--epochs 8] [--table]
Writes experiments/recurrent_learning/results/int8-drift-<task>.json (merging runs already there) and prints
the table.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from experiments.recurrent_learning.run import BATCH, OUT, TASKS, chosen
from praxis_jax.app.presets import task_organoid
from praxis_jax.app.runinfo import int8_contract, provenance, write_json
from praxis_jax.config import TrainConfig
from praxis_jax.learning import evaluate, init_learner
from praxis_jax.learning.loop import run_epochs, shuffled_batches
from praxis_jax.learning.supervised import train_batch
from praxis_jax.quant.codec import QMAX

# name -> (numerics, W grid step in int8 steps or None, rounding)
CONDITIONS = {"float32": ("float32", None, None), "w-int8-grid": ("float32", 1.0, "stochastic"),
              "w-int8-nearest": ("float32", 1.0, "nearest"), "w-int8-weyl": ("float32", 1.0, "weyl"),
              "w-int16-grid": ("float32", 1 / 256, "stochastic"), "int8": ("int8", None, None)}
GOLDEN = 0.6180339887498949  # the Weyl sequence's increment: frac(u₀ + k·φ) fills [0, 1) most evenly


def dither(rounding: str, key, shape: tuple[int, int], k):
    """The uniforms of update ``k`` (int32 ``()``) over ``shape``: ``stochastic`` fresh from ``key`` (each
    update's own), ``weyl`` ``frac(u₀ + k·φ)`` with u₀ per edge from ``key`` (the same key every update), so
    one edge's rounding errors are not independent across updates and their sum stays bounded for a steady
    update; None for ``nearest``."""
    if rounding == "nearest":
        return None
    u = jax.random.uniform(key, shape)
    return u if rounding == "stochastic" else jnp.mod(u + k.astype(jnp.float32) * GOLDEN, 1.0)


def on_grid(W, step: float, u):
    """W ``(D, N)`` float32 on the grid of ``step``, ``floor(W/step + u)·step`` with uniforms ``u`` (None: to
    nearest), and a stochastic rounding's summed variance ``Σ p·(1−p)·step²`` (0 to nearest)."""
    x = W / step
    p = x - jnp.floor(x)
    if u is None:
        return jnp.round(x) * step, jnp.zeros((), jnp.float32)
    return jnp.floor(x + u) * step, jnp.sum(p * (1 - p)) * step**2


def train(data, condition: str, n: int, epochs: int, rates: dict, seed: int) -> dict:
    """One run of ``condition`` on ``data``: the organoid of about ``n`` neurons, ``rates`` the readout's and
    W's (``readout_lr``, ``lr``), the keys of ``run.py``'s seed ``seed``."""
    numerics, grid, rounding = CONDITIONS[condition]
    cfg = task_organoid(n, data.n_inputs, "readout", numerics, ticks=data.ticks, lr=rates["lr"])
    tc = TrainConfig(modulator="readout", epochs=epochs, readout_lr=rates["readout_lr"], lr_decay=True,
                     batch_size=BATCH)
    k_init, k_learn, k_round = jax.random.split(jax.random.PRNGKey(seed), 3)
    params, state = px.init(cfg, k_init)
    lsb = cfg.plasticity.clip_sigma * cfg.network.weight_std / QMAX  # int8's W step
    step = None if grid is None else grid * lsb
    long = state.long if step is None else state.long._replace(W=on_grid(state.long.W, step, None)[0])
    codec = px.Codec.from_config(cfg)
    W0 = np.asarray(codec.w(long.W))
    total = epochs * (data.x_train.shape[0] // BATCH)

    def epoch(carry, x, y):
        learner, key, var, int8_var = carry
        k_learner, k_perm = jax.random.split(learner.key)  # as train_epoch does
        idx = shuffled_batches(k_perm, x.shape[0], BATCH)

        def body(c, ik):
            learner, var, int8_var = c
            i, k = ik
            W_before = learner.long.W
            learner, loss = train_batch(params, tc, learner, x[i], y[i], jnp.maximum(0.0, 1.0 - learner.step / total))
            if numerics == "float32":
                delta = (learner.long.W - W_before) / lsb
                p = delta - jnp.floor(delta)
                int8_var = int8_var + jnp.sum(p * (1 - p)) * lsb**2
            if step is not None:
                W, v = on_grid(learner.long.W, step, dither(rounding, key if rounding == "weyl" else k,
                                                            W_before.shape, learner.step))
                learner, var = learner._replace(long=learner.long._replace(W=W)), var + v
            return (learner, var, int8_var), loss.mean()

        keys = jax.random.split(jax.random.fold_in(key, learner.step), idx.shape[0])
        (learner, var, int8_var), loss = jax.lax.scan(body, (learner._replace(key=k_learner), var, int8_var),
                                                      (idx, keys))
        return (learner, key, var, int8_var), loss

    zero = jnp.zeros((), jnp.float32)
    t0 = time.perf_counter()
    carry, history = run_epochs(epoch, lambda c, x, y: evaluate(params, c[0], x, y),
                                (init_learner(params, long, data.n_classes, k_learn), k_round, zero, zero), data,
                                epochs, on_epoch=lambda r, _c: print(f"  [{condition} seed {seed}] epoch {r['epoch']}: "
                                                                     f"test {r['test_acc']:.3f}", flush=True),
                                train_eval=1000)
    learner, _, var, int8_var = carry
    W = np.asarray(codec.w(learner.long.W))
    w0 = float(np.linalg.norm(W0))
    out = {"local_readout": history[-1]["test_acc"], "history": history,
           "weight_change_rel": float(np.linalg.norm(W - W0) / w0), "rounding_var_rel": float(var) / w0**2,
           "train_seconds": time.perf_counter() - t0, "n": cfg.network.n, "degree": cfg.network.degree,
           **(int8_contract() if numerics == "int8" else {})}
    if numerics == "float32" and step is None:
        out["int8_grid_var_rel"] = float(int8_var) / w0**2
        out["predicted_change_rel"] = float(np.sqrt(out["weight_change_rel"]**2 + out["int8_grid_var_rel"]))
    return out


def table(record: dict) -> list[str]:
    """One row per condition (in CONDITIONS' order): the seeds' mean and std."""
    lines = ["| W stored as | seeds | local readout (test) | ‖ΔW‖/‖W₀‖ | W's rounding: Σp(1−p)·step² / ‖W₀‖² | "
             "‖ΔW‖/‖W₀‖ predicted on int8's grid |", "|---|---|---|---|---|---|"]
    for cond in (c for c in CONDITIONS if c in record["runs"]):
        rs = list(record["runs"][cond].values())
        acc = 100 * np.array([r["local_readout"] for r in rs])
        mean = lambda key: np.mean([r[key] for r in rs])  # noqa: E731
        numerics, _, rounding = CONDITIONS[cond]
        var = {"stochastic": f"{mean('rounding_var_rel'):.2g}", "nearest": "— (no noise: a bias)",
               "weyl": f"{mean('rounding_var_rel'):.2g} (not independent)"}.get(
            rounding, "not summed (in the kernels)" if numerics == "int8" else "0")
        pred = "—"
        if "predicted_change_rel" in rs[0]:  # float32: what int8's grid would have added, and the prediction
            var, pred = f"0 ({mean('int8_grid_var_rel'):.2g} on int8's grid)", f"{mean('predicted_change_rel'):.3f}"
        lines.append(f"| {cond} | {len(rs)} | {acc.mean():.1f} ± {acc.std():.1f}% "
                     f"({acc.min():.1f}–{acc.max():.1f}) | {mean('weight_change_rel'):.3f} | {var} | {pred} |")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conditions", nargs="+", choices=list(CONDITIONS), default=list(CONDITIONS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--task", choices=list(TASKS), default="mnist1d")
    ap.add_argument("--tuning", default=None, help="the record whose picks to train at (default: the task's "
                    "default-organoid record, results/recurrent-<task>-default.json)")
    ap.add_argument("--out", default=None, help="default: results/int8-drift-<task>.json")
    ap.add_argument("--table", action="store_true", help="rewrite the record's table from its runs (nothing is "
                    "re-run), print it and exit")
    args = ap.parse_args(argv)
    args.tuning = args.tuning or os.path.join(OUT, f"recurrent-{args.task}-default.json")
    args.out = args.out or os.path.join(OUT, f"int8-drift-{args.task}.json")
    if args.table:
        record = json.load(open(args.out))
        record.update(task=args.task, table=table(record))
        write_json(args.out, record)
        print("\n".join(record["table"]))
        return
    tuning = json.load(open(args.tuning))
    readout_lr, lr = chosen(tuning, "readout")
    rates = {"readout_lr": readout_lr, "lr": lr}
    data = TASKS[args.task]()
    for cond in args.conditions:
        for seed in args.seeds:
            r = train(data, cond, tuning["n"], args.epochs, rates, seed)
            latest = json.load(open(args.out)) if os.path.exists(args.out) else {"runs": {}}
            latest["runs"].setdefault(cond, {})[str(seed)] = r
            record = {**latest, **provenance(), "task": args.task, "settings": rates, "epochs": args.epochs,
                      "conditions": {c: list(v) for c, v in CONDITIONS.items()}}
            record["table"] = table(record)
            write_json(args.out, record)
    print("\n".join(table(json.load(open(args.out)))))


if __name__ == "__main__":
    main()
