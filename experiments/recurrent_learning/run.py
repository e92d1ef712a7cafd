"""Recurrent learning: A-STDP-ET in W against the fixed organoid with the same local readout, the rule's
ablations, and the gradient learners, each tuned with the same budget on a validation split.

Every organoid method trains the same organoid (``--organoid``: the engine's defaults, or the settings
``local_readout.py --tune`` picked on MNIST-1D's validation split) from the same initial state with the
same local readout: the delta rule on the time-mean activations, batches of 32, ``--epochs`` epochs, its
rate and the learning signal decayed linearly to 0 over the run (TrainConfig.lr_decay). Methods (METHODS):

- ``fixed``: W fixed (a reservoir); only the readout learns.
- ``readout``: the rule, A-STDP-ET with post factor f'(v), decay 1 (the trace sums the trial), and the
  readout's own output error sent back to each neuron as its learning signal, W updated once per batch.
- ablations of it: ``post-a`` (the seed's Hebbian post factor), ``post-one``, ``decay-0.9``,
  ``feedback`` (the error through fixed random weights), ``eprop-trace`` (e-prop's leaky eligibility
  vector as the presynaptic factor), ``inputs`` (U and b learned too, by the same rule at the same rate:
  TrainConfig.input_lr), ``inputs-own`` (U and b at a rate of their own, its grid; W and the readout at the
  rates ``readout`` picked), and the seed's scalar signals: ``reward`` (post a, decay 0.9,
  reward − paired noiseless reward, noise 0.2) and ``node-perturbation`` (post η/σ, decay 1, the same
  reward signal).
- gradient learners of the same organoid (W, U, b and readout by Adam): ``eprop`` and ``bptt``; and, as
  the ablation "U and b learned or frozen", ``eprop-w`` and ``bptt-w``, which learn only what the rule
  learns (W and the readout).
- ``snn``: the surrogate-gradient spiking RNN of :mod:`praxis_jax.baselines.snn` with the organoid's N,
  its readout the max over the trial of leaky output units' membrane potential, tuned over its membrane
  time constant τ (Adam's rate fixed at SNN_LR).
- ``raw-input``: the same delta rule (batches, epochs, schedule) on the raw input sequence, flattened: what
  the organoid adds.
- an external peer, braintrace (optional extra ``online-peers``): a dense rate RNN with the same N and tick
  trained online by its ``pp_prop`` or ``EProp`` (D-RTRL) learners (:mod:`praxis_jax.baselines.braintrace_rnn`).

Tuning (``--stage tune``): each method gets a grid of 4 points (GRIDS: the W learning rate for the rules,
at the readout rate ``fixed`` had chosen when they were tuned; Adam's rate for the gradient learners), and
``fixed``, the baseline, 6 readout rates (its best first fell on the edge of 4), and so the rule too, 6 W
rates (on the tuned organoid its best fell on the low edge of 4), and braintrace's pp_prop 6 Adam rates
(its best fell on the low edge of 4); each trained on the first
S − 500 training signals and scored on the last 500 (float32, seed 0).
Final (``--stage final``): each method with its chosen point on all training signals, ``--seeds``,
``--numerics``; the test accuracy of its local readout, and of a ridge readout refitted on its organoid.
``--numerics int8`` uses the library's int8 eligibility code (the segmented μ-law), ``int8-mulaw`` the
continuous μ-law, ``int8-weyl`` the segmented code with W rounded by a Weyl sequence per edge instead of
independent draws (QuantConfig.weight_dither; ``int8_drift.py`` shows why). Each int8 run records its rounding contract (``"rounding": "one-draw"``: one hash per
edge per tick rounds both e and W) and the kernels that ran (``"kernels"``: native or xla, which give the
same seed different trajectories: see :func:`praxis_jax.kernels.dispatch.kernels`); int8 runs without
the rounding field ran under the earlier contract (one hash per rounding) and, before the segmented
default, with the continuous μ-law.

``--tuning RECORD --out OTHER`` runs the final stage with the picks of another record (its validation grid
is copied in, and the record names it): the 40-epoch runs of the tuned organoid use the 8-epoch picks.

Runs already in the record are skipped (a final run only if it used the point chosen now), so an interrupted
run resumes where it stopped; runs of different methods may write into the same record at the same time (each
save merges into the record on disk).

Usage: python -m experiments.recurrent_learning.run --stage tune|final [--organoid default|tuned] [--methods ...]
       [--seeds 0 1 2 3 4] [--numerics float32 int8 int8-mulaw] [--n 1000] [--epochs 8] [--task fashion_mnist] [--standardize]
       [--tuning RECORD --out RECORD]
Writes results/recurrent-<task>-<organoid>.json (in this folder); ``--table`` prints the tables from it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax.app.presets import task_organoid
from praxis_jax.app.runinfo import int8_contract, provenance, write_json
from praxis_jax.baselines import fit_bptt, fit_eprop
from praxis_jax.baselines.snn import default_lif, fit_snn
from praxis_jax.config import TrainConfig
from praxis_jax.learning import fit, init_learner, ridge_accuracy, trained_params
from praxis_jax.learning.loop import shuffled_batches
from praxis_jax.learning.readout import (
    RIDGE_LAMBDA,
    delta_rule,
    init_readout,
    logits,
    output_error,
)
from praxis_jax.tasks import Dataset, load_fashion_mnist, load_mnist1d

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
TASKS = {"mnist1d": load_mnist1d, "fashion_mnist": lambda: load_fashion_mnist("sequence")}
ORGANOIDS = {"default": {}, "tuned": {"leak": 0.0, "gain": 0.8, "input_gain": 1.0}}
VALIDATION = 500

# name -> (label, TrainConfig.modulator, rule settings for task_organoid: post, decay, noise, pre)
METHODS = {
    "fixed": ("W fixed (reservoir)", "none", {}),
    "readout": ("W learned: f'(v), decay 1, readout error per neuron", "readout", {}),
    "post-a": ("ablation: post = a (the seed's Hebbian factor)", "readout", {"post": "a"}),
    "post-one": ("ablation: post = 1", "readout", {"post": "one"}),
    "decay-0.9": ("ablation: eligibility decay 0.9", "readout", {"decay": 0.9}),
    "eprop-trace": ("ablation: pre = e-prop's leaky eligibility vector", "readout", {"pre": "eprop"}),
    "inputs": ("ablation: U and b learned too, by the same rule and rate", "readout", {}),
    "inputs-own": ("ablation: U and b learned too, at a rate of their own (W at the rule's)", "readout", {}),
    "feedback": ("ablation: error through fixed random feedback", "feedback", {"post": "fprime", "decay": 1.0}),
    "reward": ("seed rule: post a, decay 0.9, scalar reward − paired reward", "reward", {}),
    "node-perturbation": ("node perturbation: post η/σ, scalar reward − paired reward", "reward",
                          {"post": "noise", "decay": 1.0, "noise": 0.2}),
}
# name -> (label, learner, the organoid parameters it trains; the readout always learns)
GRADIENT = {"eprop": ("e-prop (W, U, b, readout; Adam)", fit_eprop, ("W", "U", "b")),
            "bptt": ("BPTT (W, U, b, readout; Adam)", fit_bptt, ("W", "U", "b")),
            "eprop-w": ("ablation: e-prop with U and b frozen (W, readout; Adam)", fit_eprop, ("W",)),
            "bptt-w": ("ablation: BPTT with U and b frozen (W, readout; Adam)", fit_bptt, ("W",))}
RAW = {"raw-input": "delta rule on the raw input (no organoid)"}
SNN = {"snn": "surrogate-gradient SNN, same N, dense recurrence, membrane readout (LIF, BPTT, Adam 1e-3)"}
SNN_LR = 1e-3  # Adam's rate for the SNN, whose grid is over the membrane time constant
# braintrace (an external peer, optional extra): a dense rate RNN of the same N and tick, trained online
PEERS = {"braintrace-pp_prop": "braintrace pp_prop (ES-D-RTRL), dense rate RNN, same N (Adam)",
         "braintrace-eprop": "braintrace EProp (D-RTRL), dense rate RNN, same N (Adam)"}
GRIDS = {
    "fixed": [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6],  # the readout's rate (0.025 added: Fashion-MNIST's best fell on 0.05, the low edge)
    "readout": [0.03, 0.1, 0.3, 1.0, 3.0, 10.0], "post-a": [0.03, 0.1, 0.3, 1.0], "post-one": [0.3, 1.0, 3.0, 10.0],
    "decay-0.9": [0.3, 1.0, 3.0, 10.0], "eprop-trace": [0.3, 1.0, 3.0, 10.0], "inputs": [0.3, 1.0, 3.0, 10.0],
    "inputs-own": [0.003, 0.01, 0.03, 0.1, 0.3, 1.0],  # the rate of U and b (6 points: its best fell on the low edge of 4 on the tuned organoid)
    "feedback": [0.01, 0.03, 0.1, 0.3],
    "reward": [1e-5, 1e-4, 1e-3, 1e-2], "node-perturbation": [1e-3, 1e-2, 1e-1, 1.0],
    "eprop": [3e-4, 1e-3, 3e-3, 1e-2], "bptt": [3e-4, 1e-3, 3e-3, 1e-2],  # Adam's rate
    "eprop-w": [3e-4, 1e-3, 3e-3, 1e-2], "bptt-w": [3e-4, 1e-3, 3e-3, 1e-2],
    "raw-input": [3.0, 10.0, 30.0, 100.0, 300.0, 1000.0],  # the delta rule's rate
    "snn": [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0],  # the LIF membrane time constant τ, in ticks (0.25–1 added: 2 was the low edge of 4)
    "braintrace-pp_prop": [3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2],  # Adam's rate (3e-6 and 1e-5 added: 3e-5 was the low edge)
    "braintrace-eprop": [1e-3],  # Adam's rate (too slow to tune)
}
BATCH = 32
LEARNS_INPUTS = ("inputs",)  # methods whose U and b learn by the rule at its W rate (TrainConfig.input_lr)
# methods whose grid is the rate of U and b, W and the readout at the rates the named method picked
OWN_INPUT_RATE = {"inputs-own": "readout"}
# --numerics: the engine's numerics, the int8 eligibility code (int8: the segmented μ-law, the default) and
# W's int8 dither (QuantConfig.weight_dither: the per-tick hash, the default, or the Weyl sequence)
NUMERICS = {"float32": ("float32", "segmented", "hash"), "int8": ("int8", "segmented", "hash"),
            "int8-mulaw": ("int8", "mulaw", "hash"), "int8-weyl": ("int8", "segmented", "weyl")}


def split(data: Dataset) -> Dataset:
    """Train on all but the last VALIDATION training signals, test on those (the validation split)."""
    v = VALIDATION
    return data._replace(x_train=data.x_train[:-v], y_train=data.y_train[:-v], x_test=data.x_train[-v:],
                         y_test=data.y_train[-v:])


def run_local(data: Dataset, method: str, organoid: dict, n: int, epochs: int, readout_lr: float, lr_w: float,
              numerics: str, seed: int, standardize: bool = False, ridge: bool = True,
              input_lr: float | None = None, extra=None) -> dict:
    """One organoid trained by a local method; its local readout's and (``ridge``) a refitted ridge readout's
    accuracy. U and b learn at ``input_lr`` (None: at ``lr_w`` for LEARNS_INPUTS, else frozen).
    ``extra(trained params, long, key) -> dict``, if given, adds its entries to the result."""
    _, modulator, rule = METHODS[method]
    code, eligibility, dither = NUMERICS[numerics]
    cfg = task_organoid(n, data.n_inputs, modulator, code, ticks=data.ticks, eligibility=eligibility,
                        weight_dither=dither, lr=lr_w if modulator != "none" else None, **rule, **organoid)
    tc = TrainConfig(modulator=modulator, epochs=epochs, readout_lr=readout_lr, lr_decay=True, batch_size=BATCH,
                     standardize=standardize,
                     input_lr=input_lr if input_lr is not None else lr_w if method in LEARNS_INPUTS else 0.0)
    k_init, k_learn, k_eval = jax.random.split(jax.random.PRNGKey(seed), 3)
    params, state = px.init(cfg, k_init)
    t0 = time.perf_counter()
    learner, history = fit(params, tc, init_learner(params, state.long, data.n_classes, k_learn), data,
                           on_epoch=_printer(f"{method} {numerics} seed {seed}"), train_eval=1000)
    seconds = time.perf_counter() - t0
    trained = trained_params(params, learner)
    ridge = ridge_accuracy(trained, learner.long, data, RIDGE_LAMBDA, k_eval)[1] if ridge else None
    codec = px.Codec.from_config(cfg)
    W0, W = np.asarray(codec.w(state.long.W)), np.asarray(codec.w(learner.long.W))
    U0, U = np.asarray(params.U, np.float32), np.asarray(trained.U, np.float32)
    return {"local_readout": history[-1]["test_acc"], "ridge_readout": ridge, "history": history,
            "weight_change_rel": float(np.linalg.norm(W - W0) / np.linalg.norm(W0)),
            "input_change_rel": float(np.linalg.norm(U - U0) / np.linalg.norm(U0)), "train_seconds": seconds,
            "n": cfg.network.n, "degree": cfg.network.degree, **(int8_contract(dither) if code == "int8" else {}),
            **(extra(trained, learner.long, k_eval) if extra else {})}


def run_gradient(data: Dataset, method: str, organoid: dict, n: int, epochs: int, lr: float, seed: int) -> dict:
    cfg = task_organoid(n, data.n_inputs, "none", ticks=data.ticks, **organoid)
    k_init, k_opt = jax.random.split(jax.random.PRNGKey(seed))
    params, state = px.init(cfg, k_init)
    t0 = time.perf_counter()
    _, history = GRADIENT[method][1](params, state.long, data, epochs, lr=lr, key=k_opt, train=GRADIENT[method][2],
                                     on_epoch=_printer(f"{method} seed {seed}"))
    return {"readout": history[-1]["test_acc"], "history": history, "train_seconds": time.perf_counter() - t0}


def run_peer(data: Dataset, method: str, organoid: dict, n: int, epochs: int, lr: float, seed: int) -> dict:
    from praxis_jax.baselines.braintrace_rnn import fit_braintrace

    net = {"leak": 0.2, "gain": 1.2, **{k: v for k, v in organoid.items() if k in ("leak", "gain")}}
    t0 = time.perf_counter()
    history = fit_braintrace(data, n, epochs, method.split("-", 1)[1], lr=lr, batch_size=BATCH, seed=seed,
                             on_epoch=_printer(f"{method} seed {seed}"), **net)
    return {"readout": history[-1]["test_acc"], "history": history, "train_seconds": time.perf_counter() - t0,
            "seconds_per_epoch": float(np.mean([r["seconds"] for r in history]))}


def run_snn(data: Dataset, organoid: dict, n: int, epochs: int, tau: float, seed: int) -> dict:
    """The surrogate-gradient SNN with the organoid's N (Singer size near ``n``), LIF τ = ``tau`` ticks."""
    n = task_organoid(n, data.n_inputs, "none", ticks=data.ticks, **organoid).network.n
    t0 = time.perf_counter()
    _, history = fit_snn(data, n, epochs, dataclasses.replace(default_lif(), tau=tau), batch_size=BATCH, lr=SNN_LR,
                         key=jax.random.PRNGKey(seed), on_epoch=_printer(f"snn seed {seed}"), readout="membrane")
    return {"readout": history[-1]["test_acc"], "history": history, "train_seconds": time.perf_counter() - t0, "n": n}


def run_raw(data: Dataset, epochs: int, lr: float, seed: int) -> dict:
    """The delta rule on the flattened raw input, batches of BATCH, its rate decayed linearly to 0 per batch."""
    F, Ft = (jnp.asarray(a.reshape(a.shape[0], -1)) for a in (data.x_train, data.x_test))
    y, yt = jnp.asarray(data.y_train), jnp.asarray(data.y_test)
    nb = F.shape[0] // BATCH
    total = epochs * nb

    @jax.jit
    def epoch(r, e, key):
        def body(r, ib):
            i, idx = ib
            err, loss = output_error(r, F[idx], y[idx])
            return delta_rule(r, F[idx], err, jnp.float32(lr) * (1.0 - (e * nb + i) / total)), loss.mean()

        return jax.lax.scan(body, r, (jnp.arange(nb), shuffled_batches(key, F.shape[0], BATCH)))

    t0 = time.perf_counter()
    r, history = init_readout(F.shape[1], data.n_classes), []
    for e, key in enumerate(jax.random.split(jax.random.PRNGKey(seed), epochs)):
        r, loss = epoch(r, e, key)
        history.append({"epoch": e + 1, "loss": float(loss.mean()),
                        "test_acc": float((logits(r, Ft).argmax(-1) == yt).mean())})
    return {"readout": history[-1]["test_acc"], "history": history, "train_seconds": time.perf_counter() - t0}


def run(data: Dataset, method: str, organoid: dict, args, readout_lr: float | None, value: float, numerics: str,
        seed: int, lr_w: float | None = None) -> dict:
    """One run of ``method`` at its grid ``value`` (the local rules: with the readout rate ``readout_lr``;
    OWN_INPUT_RATE methods: ``value`` is the rate of U and b, ``lr_w`` W's)."""
    if method in GRADIENT:
        return run_gradient(data, method, organoid, args.n, args.epochs, value, seed)
    if method in RAW:
        return run_raw(data, args.epochs, value, seed)
    if method in SNN:
        return run_snn(data, organoid, args.n, args.epochs, value, seed)
    if method in PEERS:
        return run_peer(data, method, organoid, args.n, args.epochs, value, seed)
    if method in OWN_INPUT_RATE:
        return run_local(data, method, organoid, args.n, args.epochs, readout_lr, lr_w, numerics, seed,
                         args.standardize, input_lr=value)
    return run_local(data, method, organoid, args.n, args.epochs, readout_lr, value, numerics, seed, args.standardize)


def _printer(tag):
    return lambda r, _c: print(f"  [{tag}] epoch {r['epoch']:>2}: loss {r['loss']:.3f} train {r['train_acc']:.3f} "
                               f"test {r['test_acc']:.3f} ({r['seconds']:.1f} s)", flush=True)


def _score(r: dict) -> float:
    return r["readout"] if "readout" in r else r["local_readout"]


def chosen(record: dict, method: str) -> tuple[float, float] | None:
    """(readout rate, method rate) picked on validation, or None if the method is not tuned yet; a rule
    keeps the readout rate it was tuned with."""
    tune = record["tune"]
    if not tune.get(method) or ("fixed" not in tune and method in METHODS):
        return None
    if method == "fixed":
        return float(max(tune["fixed"], key=lambda k: _score(tune["fixed"][k]))), 0.0
    best = max(tune[method], key=lambda k: _score(tune[method][k]))
    return float(tune[method][best].get("readout_lr", 0.0)), float(best)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stage", choices=("tune", "final"), default="tune")
    ap.add_argument("--task", choices=list(TASKS), default="mnist1d")
    ap.add_argument("--organoid", choices=list(ORGANOIDS), default="default")
    ap.add_argument("--methods", nargs="+", choices=(*METHODS, *GRADIENT, *RAW, *SNN, *PEERS),
                    default=["fixed", "readout"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--numerics", nargs="+", choices=list(NUMERICS), default=["float32"])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--standardize", action="store_true",
                    help="the local readout reads standardised features (TrainConfig.standardize); record suffix -std")
    ap.add_argument("--out", default=None)
    ap.add_argument("--tuning", default=None,
                    help="--stage final only: take the validation picks from this record (e.g. an 8-epoch record's "
                         "picks for a 40-epoch run written to --out)")
    ap.add_argument("--table", action="store_true", help="print the tables of the record and exit")
    args = ap.parse_args(argv)
    suffix = "-std" if args.standardize else ""
    out = args.out or os.path.join(OUT, f"recurrent-{args.task}-{args.organoid}{suffix}.json")
    record = json.load(open(out)) if os.path.exists(out) else {"tune": {}, "final": {}}
    if args.table:
        print("\n".join(tables(record)))
        return
    if args.tuning:
        if args.stage != "final":
            raise SystemExit("recurrent_learning: --tuning takes its picks from another record; use it with "
                             "--stage final")
        record["tune"] = json.load(open(args.tuning))["tune"]
        record["tuning"] = os.path.relpath(os.path.abspath(args.tuning), os.path.dirname(os.path.abspath(out)))
    record.update(**provenance(), task=args.task, organoid=args.organoid, organoid_settings=ORGANOIDS[args.organoid],
                  n=args.n, epochs=args.epochs, validation=VALIDATION, standardize=args.standardize, batch=BATCH,
                  grids=GRIDS, ridge_lambda=RIDGE_LAMBDA,
                  methods={**{m: (METHODS.get(m) or GRADIENT[m])[0] for m in (*METHODS, *GRADIENT)}, **RAW, **SNN,
                           **PEERS})
    full = TASKS[args.task]()
    data = split(full) if args.stage == "tune" else full
    organoid = ORGANOIDS[args.organoid]

    produced: list[tuple[str, ...]] = []  # (stage, method, [numerics,] value or seed) of each run made here

    def save():
        """Write the runs made here into the record as it is on disk now: another invocation, of other
        methods or other seeds, may have written to the same record since this one started."""
        latest = json.load(open(out)) if os.path.exists(out) else {"tune": {}, "final": {}}
        if args.tuning:
            latest["tune"] = record["tune"]
        for stage, *keys in produced:
            ours, theirs = record[stage], latest[stage]
            for key in keys[:-1]:
                ours, theirs = ours[key], theirs.setdefault(key, {})
            theirs[keys[-1]] = ours[keys[-1]]
        merged = {**record, "tune": latest["tune"], "final": latest["final"]}
        record["table"] = merged["table"] = tables(merged)
        write_json(out, merged)

    for method in args.methods:
        if args.stage == "tune":
            runs = record["tune"].setdefault(method, {})
            for value in GRIDS[method]:
                if str(value) in runs:
                    continue
                rlr = None if method not in METHODS else value if method == "fixed" else chosen(record, "fixed")[0]
                lr_w = None
                if method in OWN_INPUT_RATE:
                    rlr, lr_w = base_pick(record, method)
                runs[str(value)] = run(data, method, organoid, args, rlr, value, "float32", 0, lr_w)
                if rlr is not None:
                    runs[str(value)]["readout_lr"] = rlr
                if lr_w is not None:
                    runs[str(value)]["lr_w"] = lr_w
                produced.append(("tune", method, str(value)))
                print(f"{method} {value}: validation {_score(runs[str(value)]):.3f}", flush=True)
                save()
            continue
        pick = chosen(record, method)
        if pick is None:
            raise SystemExit(f"recurrent_learning: tune {method} first (the rules after fixed): --stage tune --methods "
                             f"{method}")
        for numerics in (["float32"] if method not in METHODS else args.numerics):
            runs = record["final"].setdefault(method, {}).setdefault(numerics, {})
            lr_w = base_pick(record, method)[1] if method in OWN_INPUT_RATE else None
            settings = {"readout_lr": pick[0], "lr": pick[1], **({} if lr_w is None else {"lr_w": lr_w})}
            for seed in args.seeds:
                if runs.get(str(seed), {}).get("settings") == settings:
                    continue
                runs[str(seed)] = run(data, method, organoid, args, pick[0], pick[1], numerics, seed, lr_w)
                runs[str(seed)]["settings"] = settings
                produced.append(("final", method, numerics, str(seed)))
                save()
    save()
    print("\n".join(record["table"]))


def base_pick(record: dict, method: str) -> tuple[float, float]:
    """(readout rate, W rate) an OWN_INPUT_RATE method trains at: those its base method picked."""
    pick = chosen(record, OWN_INPUT_RATE[method])
    if pick is None:
        raise SystemExit(f"recurrent_learning: {method} trains W at {OWN_INPUT_RATE[method]}'s picks; tune "
                         f"{OWN_INPUT_RATE[method]} first")
    return pick


def percent_spread(values) -> str:
    """Accuracies (0–1) as "mean ± std% (min–max)"."""
    v = 100 * np.asarray(values)
    return f"{v.mean():.1f} ± {v.std():.1f}% ({v.min():.1f}–{v.max():.1f})"


def tables(record: dict) -> list[str]:
    """Markdown: the validation grid of each method, and the final test accuracies."""
    lines = ["| method | grid (validation accuracy) | chosen |", "|---|---|---|"]
    for method, runs in record.get("tune", {}).items():
        grid = ", ".join(f"{k}: {100 * _score(r):.1f}%" for k, r in sorted(runs.items(), key=lambda kv: float(kv[0])))
        pick = chosen(record, method)
        name = "τ" if method in SNN else "U, b lr" if method in OWN_INPUT_RATE else "lr"  # what the grid is over
        w = next((f"W lr {r['lr_w']:g}, " for r in runs.values() if "lr_w" in r), "")
        choice = "" if pick is None else (f"readout lr {pick[0]:g}" if method == "fixed" else
                                          f"{name} {pick[1]:g}" + (f" ({w}readout lr {pick[0]:g})" if pick[0] else ""))
        lines.append(f"| {record['methods'].get(method, method)} | {grid} | {choice} |")
    lines += ["", "| method | numerics | seeds | local readout (test) | ridge readout refitted (test) | ‖ΔW‖/‖W₀‖ | train s |",
              "|---|---|---|---|---|---|---|"]
    for method, by_num in record.get("final", {}).items():
        for numerics, runs in by_num.items():
            rs = list(runs.values())
            ridge = percent_spread([r["ridge_readout"] for r in rs]) if "ridge_readout" in rs[0] else "—"
            dw = f"{np.mean([r['weight_change_rel'] for r in rs]):.3f}" if "weight_change_rel" in rs[0] else "—"
            lines.append(f"| {record['methods'].get(method, method)} | {numerics} | {len(rs)} | "
                         f"{percent_spread([_score(r) for r in rs])} | {ridge} | {dw} | "
                         f"{np.mean([r['train_seconds'] for r in rs]):.0f} |")
    return lines


if __name__ == "__main__":
    main()
