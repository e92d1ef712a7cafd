"""Sweeps: a grid of hyperparameters × seeds trained as one vmapped, compiled program.

Every sweepable number lives in ``Params.hyper`` as an array (see :class:`praxis_jax.state.Hyper`), so a
sweep is ``vmap`` over a batch of organoids that differ in ``hyper`` and in their PRNG keys:
``sweep_init`` builds S organoids and learners with a leading axis S, ``sweep_fit`` trains them together,
``batch_size`` chunks S so that each program fits in memory. Results are tidy rows, one per
configuration.
"""

from __future__ import annotations

import itertools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from praxis_jax.config import PraxisConfig, TrainConfig
from praxis_jax.learning.loop import run_epochs
from praxis_jax.learning.supervised import (
    Learner,
    check_trainer,
    evaluate,
    init_learner,
    train_epoch,
)
from praxis_jax.memory import available_bytes
from praxis_jax.state import Hyper, Params, init, with_hyper

MAX_CONFIGURATIONS = 100_000  # a sweep's rows are built on the host before any work


def configurations(seeds: int, values: dict) -> int:
    """How many configurations a grid of ``values`` (field -> list) × ``seeds`` seeds has."""
    return seeds * math.prod(len(v) for v in values.values())


def refused_value(config: PraxisConfig, values: dict):
    """The first swept value its config field's check refuses, as ``(field, value, the check's ValueError)``,
    or None when every value passes.

    A value is also refused where a static number derived from its field would not follow it: in int8 the
    eligibility's μ-law bound defaults to ``4/(1 − decay)`` of the config (``QuantConfig.elig_max`` None),
    fixed for the whole compiled sweep, so a decay sweep needs the bound set explicitly."""
    for field, vals in values.items():
        for v in vals:
            try:
                with_hyper(config, field, v)
            except ValueError as err:
                return field, v, err
            if field == "decay" and config.quant.int8 and config.quant.elig_max is None and v != config.plasticity.decay:
                return field, v, ValueError(
                    "QuantConfig.elig_max must be set when decay is swept in int8 (its default 4/(1 − decay) is "
                    f"static: every value would use the bound of decay = {config.plasticity.decay}); got None")
    return None


def grid(config: PraxisConfig, seeds: int, **values) -> tuple[Hyper, Array, list[dict]]:
    """Every combination of ``values`` (Hyper field -> list of numbers) × ``seeds`` seeds.

    Returns ``(hypers, seed_ids, rows)``: Hyper with a leading axis S, int32 ``(S,)`` seed ids and the S
    tidy rows (``{"lr": .., "seed": ..}``). Fields not given keep the config's value. Each value must
    pass the check of its config field (a NaN rate or a decay of 5 is refused before any work).
    """
    unknown = set(values) - set(Hyper._fields)
    if unknown:
        raise ValueError(f"sweep.grid: unknown hyperparameters {sorted(unknown)}; allowed: {Hyper._fields}")
    if not (isinstance(seeds, int) and not isinstance(seeds, bool) and 1 <= seeds <= MAX_CONFIGURATIONS):
        raise ValueError(f"sweep.grid.seeds must be an int in [1, {MAX_CONFIGURATIONS}]; got {seeds!r}")
    for field, vals in values.items():
        if not (isinstance(vals, (list, tuple)) and vals):
            raise ValueError(f"sweep.grid.{field} must be a non-empty list of numbers; got {vals!r}")
    total = configurations(seeds, values)
    if total > MAX_CONFIGURATIONS:
        raise ValueError(f"sweep.grid: {total:,} configurations; at most {MAX_CONFIGURATIONS:,} (fewer values or "
                         "seeds)")
    refused = refused_value(config, values)
    if refused is not None:
        field, v, err = refused
        raise ValueError(f"sweep.grid.{field} = {v!r}: {err}")
    base = Hyper.from_config(config)
    names = list(values)
    rows = [dict(zip(names, combo), seed=s) for combo in itertools.product(*values.values()) for s in range(seeds)]
    hypers = Hyper(*(jnp.asarray([r.get(f, float(getattr(base, f))) for r in rows], jnp.float32)
                     for f in Hyper._fields))
    return hypers, jnp.asarray([r["seed"] for r in rows], jnp.int32), rows


def sweep_init(config: PraxisConfig, hypers: Hyper, seed_ids: Array, n_classes: int, key: Array) -> tuple[Params, Learner]:
    """S organoids (``init`` per seed id, then ``hyper`` replaced) and their learners, leading axis S."""
    keys = jax.vmap(lambda s: jax.random.fold_in(key, s))(seed_ids)

    def one(k, h):
        k_init, k_learn = jax.random.split(k)
        params, state = init(config, k_init)
        params = eqx.tree_at(lambda p: p.hyper, params, h)
        return params, init_learner(params, state.long, n_classes, k_learn)

    return jax.vmap(one)(keys, hypers)


def bytes_per_config(config: PraxisConfig, tc: TrainConfig, ticks: int) -> int:
    """Rough peak bytes of one configuration in ``sweep_fit``: the batch's float32 eligibility and
    activations (twice, for temporaries), W, and the per-edge update."""
    n, d, b = config.network.n, config.network.degree, tc.batch_size
    return 4 * (2 * b * d * n + 2 * b * ticks * n + 3 * d * n)


def batch_size(config: PraxisConfig, tc: TrainConfig, ticks: int, total: int, fraction: float = 0.5) -> int:
    """How many configurations to run in one program: as many as fit in ``fraction`` of free memory."""
    fit = int(fraction * available_bytes() // bytes_per_config(config, tc, ticks))
    return max(1, min(total, fit))


def sweep_fit(params: Params, tc: TrainConfig, learners: Learner, data, chunk: int | None = None,
              on_epoch=None) -> tuple[Learner, list[dict]]:
    """Train S organoids (leading axis S) together for ``tc.epochs`` epochs, ``chunk`` at a time
    (default: :func:`batch_size`). Returns the learners and, per epoch, records whose loss and
    accuracies are lists of S values (as :func:`praxis_jax.learning.loop.run_epochs`); ``on_epoch`` is
    called per chunk with that chunk's lists."""
    check_trainer(params.config, tc, data.ticks)
    s = jax.tree.leaves(learners)[0].shape[0]
    chunk = chunk or batch_size(params.config, tc, data.ticks, s)
    epoch = jax.vmap(lambda p, learner, x, y: train_epoch(p, tc, learner, x, y), in_axes=(0, 0, None, None))
    acc = jax.vmap(lambda p, learner, x, y: evaluate(p, learner, x, y), in_axes=(0, 0, None, None))
    parts, histories = [], []
    for lo in range(0, s, chunk):
        take = lambda t: jax.tree.map(lambda a: a[lo : lo + chunk], t)  # noqa: E731, B023
        p = take(params)
        out, hist = run_epochs(lambda learner, x, y: epoch(p, learner, x, y),
                               lambda learner, x, y: acc(p, learner, x, y),
                               take(learners), data, tc.epochs, on_epoch)
        parts.append(out)
        histories.append(hist)
    learners = jax.tree.map(lambda *a: jnp.concatenate(a), *parts)
    merged = [{**h[0], **{k: sum((hh[k] for hh in h), []) for k in ("loss", "train_acc", "test_acc")},
               "seconds": sum(hh["seconds"] for hh in h)} for h in zip(*histories)]
    return learners, merged


def tidy(rows: list[dict], history: list[dict]) -> list[dict]:
    """One row per configuration and epoch: the grid row plus epoch, loss, train_acc, test_acc."""
    return [{**row, "epoch": h["epoch"], "loss": h["loss"][i], "train_acc": h["train_acc"][i],
             "test_acc": h["test_acc"][i]} for h in history for i, row in enumerate(rows)]


def summarize(rows: list[dict], key: str, metric: str = "test_acc") -> dict[float, tuple[float, float]]:
    """Mean and std of ``metric`` per value of ``key`` (over seeds and other axes), last epoch only."""
    last = max(r["epoch"] for r in rows)
    out: dict[float, list[float]] = {}
    for r in rows:
        if r["epoch"] == last:
            out.setdefault(r[key], []).append(r[metric])
    return {k: (float(np.mean(v)), float(np.std(v))) for k, v in sorted(out.items())}
