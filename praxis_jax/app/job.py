"""Training jobs on disk: ``praxis run`` / ``resume`` / ``demo`` (one organoid) and ``praxis sweep``.

A run folder holds ``config.toml`` (the resolved spec, :func:`praxis_jax.app.configfile.dump`),
``checkpoints/`` (orbax; every ``RunConfig.checkpoint_every`` epochs and after the last, the learner — W,
readout, baseline, feedback, PRNG key, step — and the history so far, written asynchronously while the
next epoch trains; the last ``RunConfig.keep`` kept), and at the end ``summary.json`` and
``learning_curve.png``. A resumed run continues bit for bit (the data order comes from the learner's key).
SIGINT/SIGTERM finish the epoch, save and stop (:mod:`praxis_jax.app.stopping`).

A sweep folder holds ``config.toml``, ``sweep.csv`` and ``sweep.json`` (one tidy row per configuration and
epoch) and ``sweep.png`` (the final test accuracy against each swept hyperparameter, and a heatmap when
two are swept).
"""

from __future__ import annotations

import csv
import dataclasses
import os
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from praxis_jax import checkpoint
from praxis_jax.app import configfile, plotting
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.app.stopping import deferred_stop
from praxis_jax.baselines.linear import accuracy, logistic_regression
from praxis_jax.learning import fit, init_learner, ridge_accuracy, sweep, trained_params
from praxis_jax.learning.readout import RIDGE_LAMBDA
from praxis_jax.quant.codec import Codec
from praxis_jax.state import init
from praxis_jax.tasks import Dataset
from praxis_jax.tasks.registry import TASKS
from praxis_jax.tasks.registry import load_task as load_named

TRAIN_EVAL = 1000  # each epoch's train accuracy is measured on the first TRAIN_EVAL training trials


def load_task(run) -> Dataset:
    """The dataset of ``RunConfig.task``, its training set cut to ``n_train`` trials when set."""
    data = load_named(run.task)
    if run.n_train is not None:
        if run.n_train > len(data.y_train):
            raise ValueError(f"RunConfig.n_train must be <= {len(data.y_train)} for {run.task}; got {run.n_train}")
        data = data._replace(x_train=data.x_train[: run.n_train], y_train=data.y_train[: run.n_train])
    return data


def epoch_line(r: dict, total: int, trial_ticks: int, eta: float) -> str:
    """One progress line: bar, loss, accuracies (means over a sweep's configurations), ticks/s, ETA."""
    mean = lambda v: float(np.mean(v))  # noqa: E731
    bar = "#" * round(20 * r["epoch"] / total)
    return (f"epoch {r['epoch']:>3}/{total} [{bar:<20}] loss {mean(r['loss']):.3f} train "
            f"{100 * mean(r['train_acc']):5.1f}% test {100 * mean(r['test_acc']):5.1f}% | "
            f"{trial_ticks / r['seconds']:,.0f} ticks/s, ETA {eta:.0f} s")


def _printer(quiet: bool):
    """``print`` with flushing, or nothing when ``quiet``."""
    return (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))


def _write_config(out: Path, spec: configfile.RunSpec) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "config.toml.tmp"
    tmp.write_text(configfile.dump(spec))
    os.replace(tmp, out / "config.toml")


def settings(spec: configfile.RunSpec) -> dict:
    """What a resumed run must share with the run it continues (checked against every checkpoint): every
    setting of the file but where and how often it saves (``[run] keep``, ``checkpoint_every``) and, while
    the rates do not decay over the run (``lr_decay`` False), ``[train] epochs``: a run may be continued
    for more epochs and still equal an uninterrupted run."""
    run = {k: v for k, v in dataclasses.asdict(spec.run).items() if k not in ("keep", "checkpoint_every")}
    train = {k: v for k, v in dataclasses.asdict(spec.train).items() if spec.train.lr_decay or k != "epochs"}
    return {"run": run, "topology": spec.topology, "organoid": spec.praxis, "train": train}


def run_job(spec: configfile.RunSpec, out: str | Path, resume: bool = False, quiet: bool = False) -> dict:
    """Train one organoid as ``spec`` says, in folder ``out``; returns the summary (also written).

    Raises SystemExit if ``out`` already holds checkpoints and ``resume`` is False, or holds none and it is
    True; :class:`praxis_jax.app.stopping.Stopped` after saving, when a signal asked to stop.
    """
    out = Path(out)
    ckpt_dir = str(out / "checkpoints")
    existing = checkpoint.steps(ckpt_dir)
    if existing and not resume:
        raise SystemExit(f"praxis: {ckpt_dir} holds checkpoints {existing}; resume them (praxis resume {out}) "
                         "or choose another output folder")
    if resume and not existing:
        raise SystemExit(f"praxis: nothing to resume, no checkpoint in {ckpt_dir}")
    writable = next(p for p in (Path(ckpt_dir), out, *out.parents) if p.exists())
    if not os.access(writable, os.W_OK):
        raise SystemExit(f"praxis: cannot write checkpoints: {writable} is not writable")
    t0 = time.perf_counter()
    cfg, tc, run = spec.praxis, spec.train, spec.run
    data = load_task(run)
    _write_config(out, spec)
    net = cfg.network
    say = _printer(quiet)
    say(f"task: {run.task}, {len(data.y_train)} train / {len(data.y_test)} test trials, {data.ticks} ticks each")
    say(f"organoid: {net.topology.describe()}, {cfg.quant.numerics}, {net.n * net.degree:,} synapses; "
        f"modulator {tc.modulator} (lr {cfg.plasticity.lr:g}, noise {net.noise_std:g}); jax {jax.__version__} "
        f"on {jax.devices()[0].platform}; output {out}")
    logit = logistic_regression(jnp.asarray(data.x_train), jnp.asarray(data.y_train), data.n_classes)
    base = float(accuracy(logit, data.x_test, data.y_test))
    k_init, k_learn, k_eval = jax.random.split(jax.random.PRNGKey(run.seed), 3)
    params, state = init(cfg, k_init)
    learner = init_learner(params, state.long, data.n_classes, k_learn)
    history: list[dict] = []
    if resume:
        found = checkpoint.restore_latest(ckpt_dir, learner, settings(spec))
        if found is None:
            raise SystemExit(f"praxis: no readable checkpoint in {ckpt_dir}: every step is damaged (moved to "
                             f"{ckpt_dir}.damaged/); start a new run")
        step, learner, meta = found
        history = meta["history"]
        if step == tc.epochs:
            say(f"this run finished all {tc.epochs} epochs; reporting it again from its last checkpoint")
        else:
            say(f"resumed after epoch {step} ({ckpt_dir})")
    say("compiling the training program (the first epoch's time includes it) ...")
    start, first = time.perf_counter(), len(history)
    trial_ticks = (len(data.y_train) // tc.batch_size) * tc.batch_size * data.ticks
    with deferred_stop() as stop, checkpoint.Checkpointer(ckpt_dir, run.keep) as ckpt:
        def on_epoch(r: dict, learner) -> None:
            history.append(r)
            ep = r["epoch"]
            if ep % run.checkpoint_every == 0 or ep == tc.epochs or stop.signum is not None:
                ckpt.save(ep, learner, settings(spec), {"history": list(history)})
            eta = (time.perf_counter() - start) / (ep - first) * (tc.epochs - ep)
            say(epoch_line(r, tc.epochs, trial_ticks, eta))
            if stop.signum is not None:
                ckpt.wait()
            stop.check(ep)

        learner, history = fit(params, tc, learner, data, on_epoch=on_epoch, history=list(history),
                               train_eval=TRAIN_EVAL)
    _, ridge = ridge_accuracy(trained_params(params, learner), learner.long, data, RIDGE_LAMBDA, k_eval)
    codec = Codec.from_config(cfg)
    W0, W = np.asarray(codec.w(state.long.W)), np.asarray(codec.w(learner.long.W))
    summary = {
        **provenance(),
        "config": configfile.dump(spec),
        "n": net.n, "degree": net.degree,
        "test_acc_delta_readout": history[-1]["test_acc"], "test_acc_ridge_readout": ridge,
        "test_acc_logistic_raw_input": base,
        "published": TASKS[run.task].reference if run.task in TASKS else None,
        "weight_change_rel": float(np.linalg.norm(W - W0) / np.linalg.norm(W0)),
        "weight_std_over_sigma": float(W.std() / net.weight_std),
        "history": history, "seconds": time.perf_counter() - t0,
    }
    say(f"test accuracy: learned (delta-rule) readout {100 * history[-1]['test_acc']:.1f}%, ridge readout on the "
        f"same organoid {100 * ridge:.1f}%, logistic regression on the raw input {100 * base:.1f}%"
        + (" (published: " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in summary["published"].items()) + ")"
           if summary["published"] else ""))
    say(f"recurrent weights: ‖ΔW‖/‖W₀‖ = {summary['weight_change_rel']:.3f}, std "
        f"{summary['weight_std_over_sigma']:.3f} σ_w; {summary['seconds']:.0f} s in all")
    fig, (ax1, ax2) = plotting.figure(2)
    plotting.learning_curve(ax1, history, {"ridge readout": ridge, "logistic (raw)": base},
                            title=f"{run.task}, {net.n}-neuron organoid, {tc.modulator} modulator")
    plotting.weight_histogram(ax2, W, net.weight_std, cfg.plasticity.clip_sigma * net.weight_std)
    plotting.save(fig, str(out / "learning_curve.png"))
    write_json(str(out / "summary.json"), summary)
    say(f"wrote {out}/learning_curve.png and {out}/summary.json")
    return summary


def sweep_job(spec: configfile.RunSpec, out: str | Path, quiet: bool = False) -> list[dict]:
    """Train the grid ``spec.sweep`` (Hyper values × seeds) as vmapped programs; returns the tidy rows."""
    if spec.sweep is None:
        raise SystemExit("praxis sweep: the config file has no [sweep] section (seeds = S, field = [values])")
    out = Path(out)
    cfg, tc, run = spec.praxis, spec.train, spec.run
    values = {k: v for k, v in spec.sweep.items() if k != "seeds"}
    hypers, seed_ids, rows = sweep.grid(cfg, spec.sweep["seeds"], **values)
    data = load_task(run)
    _write_config(out, spec)
    s = len(rows)
    chunk = sweep.batch_size(cfg, tc, data.ticks, s)
    say = _printer(quiet)
    say(f"{s} configurations ({', '.join(f'{k}: {len(v)}' for k, v in values.items())}, seeds: "
        f"{spec.sweep['seeds']}), N={cfg.network.n} D={cfg.network.degree}; {chunk} per program "
        f"(≈{sweep.bytes_per_config(cfg, tc, data.ticks) / 2**20:.1f} MiB each, "
        f"{sweep.available_bytes() / 2**30:.1f} GiB free)")
    params, learners = sweep.sweep_init(cfg, hypers, seed_ids, data.n_classes, jax.random.PRNGKey(run.seed))
    say("compiling the vmapped training program (the first epoch's time includes it) ...")
    start = time.perf_counter()
    trial_ticks = (len(data.y_train) // tc.batch_size) * tc.batch_size * data.ticks * min(chunk, s)
    done = [0]

    def on_epoch(r, _):
        done[0] += 1
        total = tc.epochs * -(-s // chunk)
        say(epoch_line(r, tc.epochs, trial_ticks, (time.perf_counter() - start) / done[0] * (total - done[0])))

    _, history = sweep.sweep_fit(params, tc, learners, data, chunk=chunk, on_epoch=on_epoch)
    table = sweep.tidy(rows, history)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "sweep.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)
    write_json(str(out / "sweep.json"), {**provenance(), "config": configfile.dump(spec), "configurations": s,
                                         "per_program": chunk, "seconds": time.perf_counter() - start,
                                         "rows": table})
    names = list(values)
    fig, axes = plotting.figure(len(names) + (len(names) == 2))
    for ax, name in zip(axes, names):
        plotting.sweep_curve(ax, sweep.summarize(table, name), name)
    if len(names) == 2:
        plotting.sweep_heatmap(axes[-1], table, names[0], names[1])
    plotting.save(fig, str(out / "sweep.png"))
    for name in names:
        for v, (m, sd) in sweep.summarize(table, name).items():
            say(f"{name} {v:10.3g}: test {100 * m:5.1f} ± {100 * sd:4.1f}%")
    say(f"wrote {out}/sweep.csv, sweep.json and sweep.png")
    return table

