"""Continual learning on split Fashion-MNIST: classes 0–4 (task A), then classes 5–9 (task B), one readout
over all ten classes; is task A forgotten once B is learned?

Fashion-MNIST row by row (28 ticks × 28 inputs), the full training set of each task (30,000 images) and
the full test set (5,000 per task). Rows, each trained on A, scored, then trained on B only and scored:
  - PRAXIS organoid (W fixed, N near ``--n``, Singer; float32 and int8), time-mean features:
      - the local delta-rule readout on standardised features (the best local mode of
        ``experiments/classification/local_readout.py``; lr 0.03 as picked there on validation; ``--epochs`` epochs per task;
        the standardisation is fitted on task A's training features and then kept fixed);
      - ridge readout refitted on each new task's data (what one does with a fixed reservoir);
      - ridge readout on merged statistics (:class:`praxis_jax.learning.readout.RidgeStats`): exactly the
        joint fit on all data seen so far, so it cannot forget; it stores an (N, N) scatter matrix;
  - an echo state network of the same N (:mod:`praxis_jax.baselines.esn`, its defaults, not tuned for
    this task) with the same three readouts;
  - BPTT through the same float32 organoid (W, U, b, readout; Adam 1e-3, batch 32, the Adam state carried
    from A to B), ``--bptt-epochs`` epochs per task;
  - as references, the delta rule trained on both tasks at once (same epochs as one task);
  - with ``--learned-lr LR``: the organoid trained by the trainer of ``experiments/recurrent_learning/run.py`` on A and then
    on B, once with W fixed and once with W learned by the rule (f'(v), decay 1, the readout's error per
    neuron; W lr LR), both with the same local readout (standardised by running statistics, readout lr
    ``--trainer-readout-lr``, ``--trainer-epochs`` epochs per task, rates decayed to 0 within each task):
    what learning W does to forgetting.
Scores on each task's test images: class-incremental accuracy (argmax over all 10 classes) and
task-incremental accuracy (argmax over the task's 5 classes); see :mod:`praxis_jax.learning.continual`.

Usage: python -m experiments.continual_learning.run [--n 1000] [--seeds 0 1] [--epochs 20] [--bptt-epochs 1]
       [--learned-lr LR --trainer-readout-lr R --trainer-epochs E --numerics float32 int8] [--no-fixed-features]
Writes experiments/continual_learning/results/continual_fmnist.json and prints the table of the docs.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax.app.presets import task_organoid
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.baselines import fit_bptt
from praxis_jax.baselines.esn import esn_states, init_esn
from praxis_jax.baselines.gradient import organoid
from praxis_jax.config import TrainConfig
from praxis_jax.learning import fit, init_learner
from praxis_jax.learning.continual import (
    class_incremental_accuracy,
    task_incremental_accuracy,
)
from praxis_jax.learning.loop import in_batches
from praxis_jax.learning.readout import (
    RIDGE_LAMBDA,
    delta_rule_epoch,
    init_readout,
    logits,
    merge_ridge_stats,
    ridge_readout,
    ridge_stats,
    ridge_targets,
    solve_ridge,
)
from praxis_jax.learning.supervised import local_readout, trained_params, trial_features
from praxis_jax.tasks import load_fashion_mnist, restrict

OUT = os.path.join(os.path.dirname(__file__), "results", "continual_fmnist.json")
TASKS = {"A": tuple(range(5)), "B": tuple(range(5, 10))}
DELTA_LR = 0.03  # picked on a validation split by local_readout.py (standardised features, both numerics)


def scores(z, y) -> dict:
    """Class- and task-incremental test accuracy of each task, from logits z ``(S, 10)`` of the test set."""
    out = {}
    for name, classes in TASKS.items():
        m = np.isin(np.asarray(y), classes)
        out[name] = {"class_inc": float(class_incremental_accuracy(z[m], y[m])),
                     "task_inc": float(task_incremental_accuracy(z[m], y[m], classes))}
    return out


def readout_rows(F, y, Ft, yt, epochs: int, key) -> dict:
    """The three readouts on fixed features, trained task after task; scores after each task."""
    masks = {k: np.isin(np.asarray(y), c) for k, c in TASKS.items()}
    a = masks["A"]
    mu, sd = F[a].mean(0), F[a].std(0) + 1e-6
    Fs, Fts = (F - mu) / sd, (Ft - mu) / sd
    epoch = jax.jit(lambda r, F_, y_, k: delta_rule_epoch(r, F_, y_, DELTA_LR, 100, k)[0])

    def delta(r, m, k):
        for kk in jax.random.split(k, epochs):
            r = epoch(r, Fs[m], y[m], kk)
        return r

    rows = {"delta": {}, "ridge refit": {}, "ridge merged": {}}
    r, st = init_readout(F.shape[1], 10), None
    for (name, m), k in zip(masks.items(), jax.random.split(key, len(masks))):
        r = delta(r, m, k)
        rows["delta"][name] = scores(logits(r, Fts), yt)
        rows["ridge refit"][name] = scores(logits(ridge_readout(F[m], y[m], 10, RIDGE_LAMBDA), Ft), yt)
        new = ridge_stats(F[m], ridge_targets(y[m], 10))
        st = new if st is None else merge_ridge_stats(st, new)
        rows["ridge merged"][name] = scores(logits(solve_ridge(st, RIDGE_LAMBDA), Ft), yt)
    both = np.ones_like(a)
    rows["delta, both tasks at once (reference)"] = {"joint": scores(logits(delta(init_readout(F.shape[1], 10), both, key), Fts), yt)}
    return rows


def trainer_rows(data, n: int, epochs: int, seed: int, numerics: str, lr_w: float, readout_lr: float) -> dict:
    """The trainer, task after task, with W fixed and with W learned; test scores after each task."""
    k_init, k_learn = jax.random.split(jax.random.PRNGKey(seed))
    xt, yt = jnp.asarray(data.x_test), jnp.asarray(data.y_test)
    out = {}
    for name, modulator in (("W fixed", "none"), ("W learned", "readout")):
        cfg = task_organoid(n, data.n_inputs, modulator, numerics, ticks=data.ticks,
                            lr=lr_w if modulator != "none" else None)
        params, state = px.init(cfg, k_init)
        learner = init_learner(params, state.long, data.n_classes, k_learn)
        tc = TrainConfig(modulator=modulator, epochs=epochs, readout_lr=readout_lr, lr_decay=True, standardize=True)
        res, t0 = {}, time.perf_counter()
        for task, classes in TASKS.items():  # a fresh schedule per task: the step count restarts
            learner, _ = fit(params, tc, learner._replace(step=jnp.zeros_like(learner.step)), restrict(data, classes),
                             on_epoch=lambda r, _c, t=f"{name} {numerics} {task}": print(
                                 f"  [{t}] epoch {r['epoch']}: test {r['test_acc']:.3f} ({r['seconds']:.0f} s)",
                                 flush=True), train_eval=1000)
            F = trial_features(trained_params(params, learner), learner.long, xt, k_learn)
            res[task] = scores(logits(local_readout(learner), F), yt)
        out[name] = {"scores": res, "train_s": time.perf_counter() - t0}
    return out


def esn_features(esn, x, batch: int = 500):
    """Time-mean ESN states ``(S, N)`` of trials x ``(S, T, K)``."""
    return in_batches(jax.vmap(lambda u: esn_states(esn, u).mean(0)), x, batch)


def bptt_rows(data, n: int, epochs: int, seed: int) -> dict:
    cfg = task_organoid(n, data.n_inputs, "none")
    k_init, k_opt = jax.random.split(jax.random.PRNGKey(seed))
    params, state = px.init(cfg, k_init)
    xt, yt = jnp.asarray(data.x_test), jnp.asarray(data.y_test)
    st, out, secs = None, {}, 0.0
    for name, classes in TASKS.items():
        st, hist = fit_bptt(params, state.long, restrict(data, classes), epochs, key=k_opt, state=st,
                            on_epoch=lambda r, _c, t=name: print(f"  [bptt {t}] epoch {r['epoch']}: loss {r['loss']:.3f} "
                                                                 f"test {r['test_acc']:.3f} ({r['seconds']:.0f} s)",
                                                                 flush=True))
        secs += sum(r["seconds"] for r in hist)
        p, lg = organoid(params, state.long, st.theta)
        out[name] = scores(logits(st.theta.readout, trial_features(p, lg, xt, st.key)), yt)
    return {"bptt": out, "train_s": secs}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--epochs", type=int, default=20, help="delta-rule epochs per task")
    ap.add_argument("--bptt-epochs", type=int, default=1, help="BPTT epochs per task (0: no BPTT row)")
    ap.add_argument("--bptt-seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--n-train", type=int, default=None, help="first n training images (default all)")
    ap.add_argument("--n-test", type=int, default=None, help="first n test images (default all)")
    ap.add_argument("--learned-lr", type=float, default=None, help="W lr of the trainer rows (none: no trainer rows)")
    ap.add_argument("--trainer-readout-lr", type=float, default=0.4)
    ap.add_argument("--trainer-epochs", type=int, default=1)
    ap.add_argument("--numerics", nargs="+", choices=("float32", "int8"), default=["float32", "int8"])
    ap.add_argument("--no-fixed-features", action="store_true", help="leave out the cached-feature and ESN rows")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args(argv)
    data = load_fashion_mnist("sequence", n_train=args.n_train, n_test=args.n_test)
    x, y, xt, yt = (jnp.asarray(a) for a in data[:4])
    runs = []
    for seed in [] if args.no_fixed_features else args.seeds:
        k_init, k_feat, k_read = jax.random.split(jax.random.PRNGKey(seed), 3)
        models = {f"PRAXIS organoid {nm}": task_organoid(args.n, data.n_inputs, "none", numerics=nm)
                  for nm in ("float32", "int8")}
        for label, cfg in [*models.items(), ("ESN", None)]:
            t0 = time.perf_counter()
            if cfg is None:
                esn = init_esn(k_init, models["PRAXIS organoid float32"].network.n, data.n_inputs)
                F, Ft = esn_features(esn, x), esn_features(esn, xt)
            else:
                params, state = px.init(cfg, k_init)
                F, Ft = trial_features(params, state.long, x, k_feat), trial_features(params, state.long, xt, k_feat)
            feat_s = (F.block_until_ready(), Ft.block_until_ready(), time.perf_counter() - t0)[-1]
            for readout, res in readout_rows(F, y, Ft, yt, args.epochs, k_read).items():
                runs.append({"model": label, "readout": readout, "seed": seed, "features_s": feat_s, "scores": res})
                print(label, readout, seed, res, flush=True)
    for seed in args.seeds if args.bptt_epochs else []:
        if seed in args.bptt_seeds:
            res = bptt_rows(data, args.n, args.bptt_epochs, seed)
            runs.append({"model": "BPTT through the same organoid (float32)", "readout": "trained with it",
                         "seed": seed, "train_s": res["train_s"], "scores": res["bptt"]})
            print(runs[-1], flush=True)
    for seed in args.seeds if args.learned_lr is not None else []:
        for numerics in args.numerics:
            for name, res in trainer_rows(data, args.n, args.trainer_epochs, seed, numerics, args.learned_lr,
                                          args.trainer_readout_lr).items():
                runs.append({"model": f"PRAXIS organoid {numerics}, {name}, trainer", "readout":
                             "local (delta rule, standardised, running stats)", "seed": seed, **res})
                print(runs[-1], flush=True)
    table = table_rows(runs)
    print("\n".join(table))
    write_json(args.out, {**provenance(), "config": vars(args), "delta_lr": DELTA_LR, "ridge_lambda": RIDGE_LAMBDA,
                          "tasks": TASKS, "runs": runs, "table": table})
    print(f"wrote {args.out}")


def table_rows(runs) -> list[str]:
    """Markdown: per model and readout, task A right after A, task A after B, task B after B
    (class-incremental / task-incremental accuracy, mean over seeds)."""
    def cell(rs, phase, task):
        ci = [r["scores"][phase][task]["class_inc"] for r in rs]
        ti = [r["scores"][phase][task]["task_inc"] for r in rs]
        return f"{100 * np.mean(ci):.1f} / {100 * np.mean(ti):.1f}"

    table = ["| model | readout | seeds | A after A | A after B | B after B |", "|---|---|---|---|---|---|"]
    for key in dict.fromkeys((r["model"], r["readout"]) for r in runs):
        rs = [r for r in runs if (r["model"], r["readout"]) == key]
        if "joint" in rs[0]["scores"]:
            table.append(f"| {key[0]} | {key[1]} | {len(rs)} | | {cell(rs, 'joint', 'A')} | {cell(rs, 'joint', 'B')} |")
        else:
            table.append(f"| {key[0]} | {key[1]} | {len(rs)} | {cell(rs, 'A', 'A')} | {cell(rs, 'B', 'A')} | "
                         f"{cell(rs, 'B', 'B')} |")
    return table


if __name__ == "__main__":
    main()
