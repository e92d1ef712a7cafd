"""``praxis demo``: a default organoid learns MNIST-1D with local rules, on a laptop CPU in minutes.

A ~1k-neuron Singer organoid reads each 40-sample MNIST-1D signal one sample per tick. Its readout learns
by the delta rule and its recurrent weights by A-STDP-ET with the chosen modulator (TrainConfig). It prints
one progress line per epoch, then compares the learned readout with a ridge readout fitted on the same
organoid and with logistic regression on the raw input, and writes ``learning_curve.png`` and
``summary.json`` into ``--out``. After every epoch the learner (W, readout, key, ...) and the history so
far are checkpointed to ``--out/checkpoints`` (orbax; the last 3 kept); ``--resume`` continues from the
newest good one, bit for bit as if the run had not stopped.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax import checkpoint, plotting
from praxis_jax.baselines.linear import accuracy, logistic_regression
from praxis_jax.config import MODULATORS, TrainConfig
from praxis_jax.learning import fit, init_learner, ridge_accuracy
from praxis_jax.learning.presets import task_organoid
from praxis_jax.learning.readout import RIDGE_LAMBDA
from praxis_jax.runinfo import provenance, write_json
from praxis_jax.tasks import load_mnist1d
from praxis_jax.tasks.mnist1d import REFERENCE_ACCURACY


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--n", type=int, default=1000, help="requested neurons (rounded to a Singer size)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--modulator", choices=MODULATORS, default="reward")
    ap.add_argument("--numerics", choices=px.config.NUMERICS, default="float32")
    ap.add_argument("--readout-lr", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/demo", help="folder for learning_curve.png and summary.json")
    ap.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    ap.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")


def _on_epoch(total: int, done: list[dict], start: float, ckpt_dir: str, cfg, quiet: bool):
    history = list(done)
    first = len(done)

    def on_epoch(r: dict, learner) -> None:
        history.append(r)
        checkpoint.save(ckpt_dir, r["epoch"], learner, cfg, {"history": list(history)})
        if quiet:
            return
        ep = r["epoch"]
        eta = (time.perf_counter() - start) / (ep - first) * (total - ep)
        bar = "#" * round(20 * ep / total)
        print(f"epoch {ep:>3}/{total} [{bar:<20}] loss {r['loss']:.3f} train {100 * r['train_acc']:5.1f}% "
              f"test {100 * r['test_acc']:5.1f}% | {r['seconds']:.1f} s/epoch, ETA {eta:.0f} s", flush=True)

    return on_epoch


def main(args: argparse.Namespace) -> dict:
    tc = TrainConfig(modulator=args.modulator, epochs=args.epochs, readout_lr=args.readout_lr)  # validates first
    t0 = time.perf_counter()
    data = load_mnist1d()
    cfg = task_organoid(args.n, data.n_inputs, args.modulator, args.numerics)
    net = cfg.network
    print(f"task: MNIST-1D, {len(data.y_train)} train / {len(data.y_test)} test signals, {data.ticks} ticks each")
    print(f"organoid: {net.topology.describe()}, {args.numerics}, {net.n * net.degree:,} synapses; "
          f"modulator {args.modulator} (lr {cfg.plasticity.lr:g}, noise {net.noise_std:g}); jax {jax.__version__} "
          f"on {jax.devices()[0].platform}")
    logit = logistic_regression(jnp.asarray(data.x_train), jnp.asarray(data.y_train), data.n_classes)
    base = float(accuracy(logit, data.x_test, data.y_test))
    k_init, k_learn, k_eval = jax.random.split(jax.random.PRNGKey(args.seed), 3)
    params, state = px.init(cfg, k_init)
    learner = init_learner(params, state.long, data.n_classes, k_learn)
    ckpt_dir = os.path.join(args.out, "checkpoints")
    done: list[dict] = []
    if args.resume:
        found = checkpoint.restore_latest(ckpt_dir, learner, cfg)
        if found is None:
            raise SystemExit(f"praxis demo --resume: no checkpoint in {ckpt_dir}")
        step, learner, meta = found
        done = meta["history"]
        print(f"resumed from epoch {step} ({ckpt_dir})")
    elif existing := checkpoint.steps(ckpt_dir):
        raise SystemExit(f"praxis demo: {ckpt_dir} holds checkpoints {existing}; "
                         "pass --resume to continue them or choose another --out")
    on_epoch = _on_epoch(tc.epochs, done, time.perf_counter(), ckpt_dir, cfg, args.quiet)
    learner, history = fit(params, tc, learner, data, on_epoch=on_epoch, history=done)
    _, ridge = ridge_accuracy(params, learner.long, data, RIDGE_LAMBDA, k_eval)
    codec = px.Codec.from_config(cfg)
    W0, W = np.asarray(codec.w(state.long.W)), np.asarray(codec.w(learner.long.W))
    summary = {
        **provenance(),
        "config": {k: v for k, v in vars(args).items() if k != "func"},
        "n": net.n, "degree": net.degree,
        "test_acc_delta_readout": history[-1]["test_acc"], "test_acc_ridge_readout": ridge,
        "test_acc_logistic_raw_input": base, "published": REFERENCE_ACCURACY,
        "weight_change_rel": float(np.linalg.norm(W - W0) / np.linalg.norm(W0)),
        "weight_std_over_sigma": float(W.std() / net.weight_std),
        "history": history, "seconds": time.perf_counter() - t0,
    }
    print(f"test accuracy: learned (delta-rule) readout {100 * history[-1]['test_acc']:.1f}%, ridge readout on the "
          f"same organoid {100 * ridge:.1f}%, logistic regression on the raw input {100 * base:.1f}% "
          f"(published: logistic {100 * REFERENCE_ACCURACY['logistic']:.0f}%, MLP "
          f"{100 * REFERENCE_ACCURACY['mlp']:.0f}%, GRU {100 * REFERENCE_ACCURACY['gru']:.0f}%)")
    print(f"recurrent weights: ‖ΔW‖/‖W₀‖ = {summary['weight_change_rel']:.3f}, std {summary['weight_std_over_sigma']:.3f} σ_w"
          f"; {summary['seconds']:.0f} s in all")
    os.makedirs(args.out, exist_ok=True)
    fig, (ax1, ax2) = plotting.figure(2)
    plotting.learning_curve(ax1, history, {"ridge readout": ridge, "logistic (raw)": base, "MLP (published)": 0.68},
                            title=f"MNIST-1D, {net.n}-neuron organoid, {args.modulator} modulator")
    plotting.weight_histogram(ax2, W, net.weight_std, cfg.plasticity.clip_sigma * net.weight_std)
    plotting.save(fig, os.path.join(args.out, "learning_curve.png"))
    write_json(os.path.join(args.out, "summary.json"), summary)
    print(f"wrote {args.out}/learning_curve.png and {args.out}/summary.json")
    return summary
