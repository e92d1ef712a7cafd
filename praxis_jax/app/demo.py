"""``praxis demo``: the same organoid learns MNIST-1D twice, its recurrent weights fixed and learned.

A ~1k-neuron Singer organoid reads each 40-sample MNIST-1D signal one sample per tick, and a delta-rule
readout learns from its time-mean activity. The organoid is trained twice from the same initial state:
with W fixed (a reservoir: only the readout learns) and with W learned by A-STDP-ET (post factor f'(v),
the trace summed over the trial, the readout's own error sent back to each neuron as its learning signal,
one W update per batch). Both print one progress line per epoch; then the two test accuracies of the
local readout are printed side by side, with a ridge readout refitted on each organoid and logistic
regression on the raw input, and ``learning_curves.png`` and ``summary.json`` (keys
``w_fixed_local_readout`` and ``w_learned_local_readout``: test accuracies in [0, 1]) are written.

Each run gets a fresh numbered folder under ``--out`` (``runs/demo/1``, ``runs/demo/2``, ...), holding
the two training runs (``w_fixed/``, ``w_learned/``: :func:`praxis_jax.app.job.run_job`, checkpointed every
epoch). ``--resume`` continues the newest one, bit for bit as if it had not stopped. The learned run from
a file: ``praxis run praxis_jax/app/configs/demo.toml`` (the fixed one: the same with ``[train] modulator =
"none"``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from praxis_jax.app import plotting
from praxis_jax.app.arguments import bounded
from praxis_jax.app.configfile import RunConfig, RunSpec
from praxis_jax.app.job import run_job
from praxis_jax.app.presets import RULES, task_organoid
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.config import NUMERICS, TrainConfig
from praxis_jax.tasks.registry import TASKS

RUNS = {"w_fixed": ("none", "W fixed (reservoir)"), "w_learned": ("readout", "W learned (A-STDP-ET)")}


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--n", type=bounded(int, 7), default=1000, help="requested neurons (rounded to a Singer size)")
    ap.add_argument("--epochs", type=bounded(int, 1), default=8, help="epochs of each of the two runs")
    ap.add_argument("--numerics", choices=NUMERICS, default="float32",
                    help="float32, or int8 (activations, weights and eligibility stored as int8 codes)")
    ap.add_argument("--readout-lr", type=float, default=None,
                    help="the local readout's rate (default: each run's rate picked on validation, RULES)")
    ap.add_argument("--lr-w", type=float, default=RULES["readout"].lr, help="A-STDP-ET learning rate of W")
    ap.add_argument("--seed", type=bounded(int, 0, 2**32 - 1), default=0, help="seed of init, readout and data order")
    ap.add_argument("--out", default="runs/demo", help="folder of the numbered demo runs")
    ap.add_argument("--quiet", action="store_true", help="print nothing")
    ap.add_argument("--resume", action="store_true", help="continue the newest run in --out from its checkpoints")


def spec_from_args(args: argparse.Namespace, modulator: str) -> RunSpec:
    """The run spec of one of the demo's two organoids: every value validated before any data is loaded."""
    readout_lr = RULES[modulator].readout_lr if args.readout_lr is None else args.readout_lr
    train = TrainConfig(modulator=modulator, epochs=args.epochs, readout_lr=readout_lr, lr_decay=True)
    run = RunConfig(seed=args.seed)
    praxis = task_organoid(args.n, TASKS[run.task].inputs, modulator, args.numerics, ticks=TASKS[run.task].ticks,
                           lr=args.lr_w if modulator != "none" else None)
    return RunSpec(run, {"kind": "singer", "n": args.n, "k": 2.0}, praxis, train, None)


def numbered(base: Path, resume: bool) -> Path:
    """The newest numbered folder under ``base`` (``resume``) or a fresh one after it."""
    taken = sorted(int(p.name) for p in base.glob("*") if p.is_dir() and p.name.isdigit())
    if resume:
        if not taken:
            raise SystemExit(f"praxis demo: nothing to resume, no numbered run in {base}")
        return base / str(taken[-1])
    return base / str((taken[-1] if taken else 0) + 1)


def main(args: argparse.Namespace) -> dict:
    specs = {name: spec_from_args(args, modulator) for name, (modulator, _) in RUNS.items()}
    out = numbered(Path(args.out), args.resume)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    say(f"praxis demo: {out}")
    runs = {}
    for name, (_, label) in RUNS.items():
        say(f"\n== {label} ==")
        sub = out / name
        runs[name] = run_job(specs[name], sub, resume=args.resume and (sub / "checkpoints").is_dir(), quiet=args.quiet)
    fixed, learned = runs["w_fixed"], runs["w_learned"]
    summary = {
        **provenance(),
        "w_fixed_local_readout": fixed["test_acc_delta_readout"],
        "w_learned_local_readout": learned["test_acc_delta_readout"],
        "w_fixed_ridge_readout": fixed["test_acc_ridge_readout"],
        "w_learned_ridge_readout": learned["test_acc_ridge_readout"],
        "logistic_raw_input": fixed["test_acc_logistic_raw_input"],
        "weight_change_rel": learned["weight_change_rel"],
        "runs": {name: str(out / name) for name in RUNS},
        "seconds": fixed["seconds"] + learned["seconds"],
    }
    fig, (ax,) = plotting.figure(1)
    plotting.compare_curves(ax, {label: runs[name]["history"] for name, (_, label) in RUNS.items()},
                            {"ridge, W fixed": summary["w_fixed_ridge_readout"],
                             "logistic (raw input)": summary["logistic_raw_input"]},
                            title=f"MNIST-1D, {fixed['n']}-neuron organoid, local readout")
    plotting.save(fig, str(out / "learning_curves.png"))
    write_json(str(out / "summary.json"), summary)
    say(f"\ntest accuracy of the local (delta-rule) readout: W fixed {100 * summary['w_fixed_local_readout']:.1f}%, "
        f"W learned {100 * summary['w_learned_local_readout']:.1f}% "
        f"({100 * (summary['w_learned_local_readout'] - summary['w_fixed_local_readout']):+.1f} points); "
        f"ridge readout refitted: {100 * summary['w_fixed_ridge_readout']:.1f}% / "
        f"{100 * summary['w_learned_ridge_readout']:.1f}%; logistic regression on the raw input "
        f"{100 * summary['logistic_raw_input']:.1f}%")
    say(f"wrote {out}/learning_curves.png and {out}/summary.json ({summary['seconds']:.0f} s in all)")
    return summary
