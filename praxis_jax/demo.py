"""``praxis demo``: a default organoid learns MNIST-1D with local rules, on a laptop CPU in minutes.

A ~1k-neuron Singer organoid reads each 40-sample MNIST-1D signal one sample per tick. Its readout learns
by the delta rule and its recurrent weights by A-STDP-ET with the chosen modulator (TrainConfig). It prints
one progress line per epoch, then compares the learned readout with a ridge readout fitted on the same
organoid and with logistic regression on the raw input, and writes ``learning_curve.png``,
``summary.json`` and ``config.toml`` into ``--out`` (:func:`praxis_jax.job.run_job`). After every epoch
the learner and the history so far are checkpointed to ``--out/checkpoints``; ``--resume`` (or
``praxis resume OUT``) continues from the newest good one, bit for bit as if the run had not stopped.
The same run from a file: ``praxis run CONFIG.toml`` (``praxis_jax/configs/demo.toml`` is this one).
"""

from __future__ import annotations

import argparse

import praxis_jax as px
from praxis_jax.config import MODULATORS, RunConfig, TrainConfig
from praxis_jax.configfile import TASK_INPUTS, RunSpec
from praxis_jax.job import run_job
from praxis_jax.learning.presets import task_organoid


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--n", type=int, default=1000, help="requested neurons (rounded to a Singer size)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--modulator", choices=MODULATORS, default="reward")
    ap.add_argument("--numerics", choices=px.config.NUMERICS, default="float32")
    ap.add_argument("--readout-lr", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/demo", help="run folder (checkpoints, learning_curve.png, summary.json)")
    ap.add_argument("--quiet", action="store_true", help="print nothing")
    ap.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")


def spec_from_args(args: argparse.Namespace) -> RunSpec:
    """The demo's run spec: every value validated before any data is loaded."""
    train = TrainConfig(modulator=args.modulator, epochs=args.epochs, readout_lr=args.readout_lr)
    run = RunConfig(seed=args.seed)
    praxis = task_organoid(args.n, TASK_INPUTS[run.task], args.modulator, args.numerics)
    return RunSpec(run, {"kind": "singer", "n": args.n, "k": 2.0}, praxis, train, None)


def main(args: argparse.Namespace) -> dict:
    return run_job(spec_from_args(args), args.out, resume=args.resume, quiet=args.quiet)
