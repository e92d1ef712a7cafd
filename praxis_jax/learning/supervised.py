"""Trial-based learning of a classification task: a delta-rule readout plus A-STDP-ET in W.

Per batch of B trials, run in lockstep from rest against one shared W (:func:`praxis_jax.learning.trial.run_trials`,
every tick the engine's ``step``):
  f_b = mean_t a_b(t) ``(N,)``,  err_b = softmax(f_b·R + c) − y_b ``(C,)``,  R, c by the delta rule;
  W by A-STDP-ET on the plasticity's schedule, ``W += lr·⟨m_b ⊙ e_b⟩``, with the learning signal m_b of
  TrainConfig.modulator (:func:`learning_signal`). With ``update_every = T`` (one update at each trial's
  last tick) this is one update per batch; smaller values update online within the trials.
  With TrainConfig.input_lr > 0, U and b by the same rule once per batch (:func:`input_update`).
An epoch is one ``lax.scan`` over shuffled batches (a remainder smaller than B is left out that epoch).
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.config import PraxisConfig, TrainConfig
from praxis_jax.learning.loop import in_batches, run_epochs, shuffled_batches
from praxis_jax.learning.readout import (
    FeatureStats,
    Readout,
    delta_rule,
    features,
    init_readout,
    init_stats,
    logits,
    next_input_error,
    on_raw_features,
    output_error,
    predictor_step,
    ridge_readout,
    standardize,
    update_stats,
)
from praxis_jax.learning.trial import TRIALS, Signal, run_trials
from praxis_jax.plasticity.astdp_et import input_traces
from praxis_jax.state import Long, Params, inference
from praxis_jax.tasks.base import check_dataset

REWARDED = ("reward", "surprise")  # modulators of the form R_b − R̄_b, known at a trial's last tick


class Learner(NamedTuple):
    """Everything a training run carries: ``long`` (W, b, ...), ``readout`` (of standardised features when
    ``stats`` standardise: see :func:`local_readout`), ``baseline`` R̄ (float32 ``()``), ``feedback`` B float32
    ``(C, N)`` (fixed), ``key``, ``step`` (batches done, int32 ``()``), the next-input ``predictor`` (P
    ``(N, K)``, p ``(K,)``) of the surprise modulator, the running feature ``stats``, and the input weights ``U``
    ``(K, N_in)`` the organoid runs with (params.U at the start; they change only with TrainConfig.input_lr >
    0: :func:`trained_params`)."""

    long: Long
    readout: Readout
    baseline: Array
    feedback: Array
    key: Array
    step: Array
    predictor: Readout
    stats: FeatureStats
    U: Array


def init_learner(params: Params, long: Long, n_classes: int, key: Array) -> Learner:
    """Zero readout and predictor, zero baseline, B ~ N(0, 1/C), U = params.U."""
    n = params.config.network.n
    key, k_b = jax.random.split(key)
    fb = jax.random.normal(k_b, (n_classes, n), jnp.float32) / jnp.sqrt(n_classes)
    return Learner(long, init_readout(n, n_classes), jnp.zeros((), jnp.float32), fb, key, jnp.zeros((), jnp.int32),
                   init_readout(n, params.U.shape[0]), init_stats(n), params.U)


def trained_params(params: Params, learner: Learner) -> Params:
    """``params`` with the learner's input weights U: the organoid as trained (pass it, with ``learner.long``,
    to anything that reads the trained organoid: :func:`ridge_accuracy`, :func:`trial_features`, ...)."""
    return eqx.tree_at(lambda p: p.U, params, learner.U)


def local_readout(learner: Learner) -> Readout:
    """The learner's readout as a readout of raw features (its own on standardised features, folded back
    through the running stats; the identity while they standardise nothing)."""
    return on_raw_features(learner.readout, learner.stats)


def check_trainer(config: PraxisConfig, cfg: TrainConfig, ticks: int) -> None:
    """Refuse, before any work, an organoid ``config`` this trainer cannot honour with ``cfg`` on trials of
    ``ticks`` ticks (each error names the field)."""
    pl = config.plasticity
    if cfg.modulator == "none" and pl.enabled:
        raise ValueError("PlasticityConfig.enabled must be False when TrainConfig.modulator = 'none' (W is frozen, "
                         "only the readout learns); got True")
    if cfg.modulator != "none" and not pl.enabled:
        raise ValueError(f"PlasticityConfig.enabled must be True for TrainConfig.modulator = {cfg.modulator!r}; "
                         "got False")
    if cfg.modulator in REWARDED and pl.enabled and pl.update_every % ticks:
        raise ValueError(f"PlasticityConfig.update_every must be a multiple of the trial length {ticks} for "
                         f"TrainConfig.modulator = {cfg.modulator!r} (its signal exists at a trial's last tick); "
                         f"got {pl.update_every}")
    if cfg.input_lr > 0:
        if cfg.modulator not in ("readout", "feedback"):
            raise ValueError(f"TrainConfig.input_lr > 0 needs a per-neuron modulator ('readout' or 'feedback'); "
                             f"got modulator = {cfg.modulator!r}")
        if pl.update_every != ticks:
            raise ValueError(f"PlasticityConfig.update_every must be the trial length {ticks} with TrainConfig."
                             f"input_lr > 0 (U and b learn once per batch, at the trials' last tick, with W); "
                             f"got {pl.update_every}")
        if pl.post not in ("a", "fprime", "one") or pl.pre != "a":
            raise ValueError(f"PlasticityConfig.post must be 'a', 'fprime' or 'one' and .pre 'a' with TrainConfig."
                             f"input_lr > 0; got post = {pl.post!r}, pre = {pl.pre!r}")


def _running_mean(c, t, post):
    """The time-mean activations up to tick t, from the sum of the earlier ones ``c``."""
    return (c + post) / (t + 1).astype(jnp.float32)


def learning_signal(params: Params, cfg: TrainConfig, learner: Learner, ticks: int) -> Signal:
    """The per-trial learning signal of ``cfg.modulator`` (the trial's data is its label ``y_b``, its input
    ``x_b`` and, for the paired baseline, its noiseless reward R̄_b):

    - ``readout``: ``m_j(t) = −(1/T)·Σ_c err_c(t)·R_jc``, the output error sent back through the readout's
      own weights (``−∂L/∂a_j(t)`` for the time-mean readout), with ``err(t)`` the error of the running
      time-mean features up to tick t (at the last tick, the trial's error);
    - ``feedback``: the same through the fixed random feedback weights B: ``−(1/T)·Σ_c err_c(t)·B_cj``;
    - ``reward``: ``R_b − R̄_b`` at the last tick, R_b = −cross-entropy of the trial; R̄_b the noiseless
      trial's reward with the batch mean of the difference subtracted (``paired``) or the running mean;
    - ``surprise``: as reward with R_b = −s_b, the surprise of the trial (:func:`next_input_error`).
    """
    n, T = params.config.network.n, float(ticks)
    mod, readout = cfg.modulator, local_readout(learner)
    feature_sum = lambda c, t, x_next, post: c + post  # noqa: E731

    def error(c, t, post, y):
        z = logits(readout, _running_mean(c, t, post)[None])
        return jax.nn.softmax(z[0]) - jax.nn.one_hot(y, z.shape[-1], dtype=jnp.float32), -jax.nn.log_softmax(z[0])[y]

    if mod in ("readout", "feedback"):
        M = signal_weights(cfg, learner, readout)
        return Signal(lambda d: (jnp.zeros(n, jnp.float32), d["y"]),
                      lambda c, t, post: -(M @ error(c[0], t, post, c[1])[0]) / T,
                      lambda c, t, x_next, post: (feature_sum(c[0], t, x_next, post), c[1]))

    def centred(adv):
        return adv - jax.lax.pmean(adv, TRIALS) if cfg.reward_baseline == "paired" else adv

    if mod == "reward":
        return Signal(lambda d: (jnp.zeros(n, jnp.float32), d),
                      lambda c, t, post: centred(-error(c[0], t, post, c[1]["y"])[1] - c[1]["baseline"]),
                      lambda c, t, x_next, post: (feature_sum(c[0], t, x_next, post), c[1]))

    P = learner.predictor  # surprise: the sum of squared next-input errors of ticks 0 .. T−2

    def surprise_sum(c, t, x_next, post):
        err = post @ P.R + P.c - x_next
        return c + jnp.where(t < ticks - 1, jnp.sum(err**2), 0.0)

    return Signal(lambda d: (jnp.zeros((), jnp.float32), d),
                  lambda c, t, post: centred(-c[0] / (T - 1) - c[1]["baseline"]),
                  lambda c, t, x_next, post: (surprise_sum(c[0], t, x_next, post), c[1]))


def signal_weights(cfg: TrainConfig, learner: Learner, readout: Readout) -> Array:
    """``(N, C)``: the weights the output error goes back through, the R of ``readout`` (the learner's
    readout on raw features, :func:`local_readout`) for ``readout``, the fixed random feedback Bᵀ for
    ``feedback``."""
    return readout.R if cfg.modulator == "readout" else learner.feedback.T


def input_update(params: Params, cfg: TrainConfig, U: Array, long: Long, M: Array, x: Array, A: Array,
                 err: Array, scale: Array) -> tuple[Array, Long]:
    """U and b after one batch of the rule at ``cfg.input_lr`` (see TrainConfig): the trials' last-tick signal
    ``m_b = −scale·(1/T)·err_b·Mᵀ`` ``(B, N)`` (err ``(B, C)`` the trials' output errors, M ``(N, C)`` of
    :func:`signal_weights`) times the input traces of inputs ``x`` ``(B, T, K)`` and activations ``A``
    ``(B, T, N)``, averaged over the batch; U ``(K, N_in)`` -> (U, long with the new b)."""
    m = -scale * (err @ M.T) / A.shape[1]
    eU, eb = input_traces(params.config.plasticity, params.hyper, x, A)
    lr, n_in = jnp.float32(cfg.input_lr), U.shape[1]
    U = U + lr * jnp.mean(m[:, None, :n_in] * eU[..., :n_in], 0)
    return U, long._replace(b=long.b + lr * jnp.mean(m * eb, 0))


def _keys(key: Array, b: int) -> Array:
    return jax.random.split(key, b)


def train_batch(params: Params, cfg: TrainConfig, learner: Learner, x: Array, y: Array,
                scale: Array = 1.0) -> tuple[Learner, Array]:
    """One batch of trials ``x`` ``(B, T, K)`` with labels ``y`` ``(B,)``, the readout's rate and the learning
    signal scaled by ``scale`` (the lr schedule); returns (learner, loss ``(B,)``)."""
    b, ticks = x.shape[0], x.shape[1]
    params = trained_params(params, learner)
    key, k_trial = jax.random.split(learner.key)
    keys = _keys(k_trial, b)
    tick = learner.step * ticks
    long, baseline, predictor = learner.long, learner.baseline, learner.predictor
    scale = jnp.asarray(scale, jnp.float32)
    lr_r = jnp.float32(cfg.readout_lr) * scale

    current = local_readout(learner)  # the readout before this batch's step, on raw features

    def reward(A):
        """R_b ``(B,)`` under the learner before this update: −cross-entropy, or −surprise (self-supervised)."""
        if cfg.modulator == "surprise":
            return -next_input_error(learner.predictor, A, x)[1]
        return -output_error(current, features(A), y)[1]

    data = {"y": y}
    if cfg.modulator in REWARDED:
        if cfg.reward_baseline == "paired":
            _, A0 = run_trials(inference(params), long, tick, x, keys)
            data["baseline"] = reward(A0)
        else:
            data["baseline"] = jnp.broadcast_to(baseline, (b,))
    if cfg.modulator == "none":
        long, A = run_trials(params, long, tick, x, keys)
    else:
        s = learning_signal(params, cfg, learner, ticks)
        long, A = run_trials(params, long, tick, x, keys, s._replace(m=lambda c, t, post: scale * s.m(c, t, post)), data)
    F = features(A)  # (B, N)
    err, loss = output_error(current, F, y)
    U = learner.U
    if cfg.input_lr > 0:
        U, long = input_update(params, cfg, U, long, signal_weights(cfg, learner, current), x, A, err, scale)
    readout = delta_rule(learner.readout, standardize(learner.stats, F), err, lr_r)
    stats = update_stats(learner.stats, F, cfg.stats_momentum) if cfg.standardize else learner.stats
    if cfg.modulator == "surprise":
        predictor = predictor_step(learner.predictor, A, next_input_error(learner.predictor, A, x)[0], lr_r)
    if cfg.modulator in REWARDED and cfg.reward_baseline == "running":
        mom = cfg.baseline_momentum
        baseline = mom * baseline + (1.0 - mom) * reward(A).mean()
    return Learner(long, readout, baseline, learner.feedback, key, learner.step + 1, predictor, stats, U), loss


def train_epoch(params: Params, cfg: TrainConfig, learner: Learner, x: Array, y: Array) -> tuple[Learner, Array]:
    """One pass over ``x`` ``(S, T, K)``, ``y`` ``(S,)`` in shuffled batches; returns (learner, loss per batch).
    With ``cfg.lr_decay`` batch k of the run (``learner.step``) is scaled by ``max(0, 1 − k/K)``, K the run's
    ``epochs × (S // B)`` batches."""
    key, k_perm = jax.random.split(learner.key)
    idx = shuffled_batches(k_perm, x.shape[0], cfg.batch_size, "TrainConfig.batch_size")

    total = cfg.epochs * idx.shape[0]

    def body(learner, i):
        scale = jnp.maximum(0.0, 1.0 - learner.step.astype(jnp.float32) / total) if cfg.lr_decay else 1.0
        learner, loss = train_batch(params, cfg, learner, x[i], y[i], scale)
        return learner, loss.mean()

    return jax.lax.scan(body, learner._replace(key=key), idx)


def evaluate(params: Params, learner: Learner, x: Array, y: Array, batch: int = 500) -> Array:
    """Accuracy of the readout on ``x`` ``(S, T, K)`` with the organoid only read (float32 ``()``)."""
    F = trial_features(trained_params(params, learner), learner.long, x, learner.key, batch)
    return (logits(local_readout(learner), F).argmax(-1) == y).mean()


def trial_features(params: Params, long: Long, x: Array, key: Array, batch: int = 500) -> Array:
    """Time-mean activations ``(S, N)`` of trials ``x`` ``(S, T, K)`` with the organoid only read (no
    plasticity, homeostasis or noise: :func:`praxis_jax.state.inference`), ``batch`` trials at a time."""
    quiet = inference(params)
    tick = jnp.zeros((), jnp.int32)
    return in_batches(lambda xb: features(run_trials(quiet, long, tick, xb, _keys(key, xb.shape[0]))[1]), x, batch)


def fit(params: Params, cfg: TrainConfig, learner: Learner, data, on_epoch=None,
        history: list[dict] | None = None, train_eval: int | None = None) -> tuple[Learner, list[dict]]:
    """Train until ``cfg.epochs`` epochs are done on a :class:`praxis_jax.tasks.Dataset`, evaluating after
    each (records, ``on_epoch(record, learner)`` and resuming with ``history``: see
    :func:`praxis_jax.learning.loop.run_epochs`)."""
    check_dataset(data, params.config.network.n_inputs, "fit")
    check_trainer(params.config, cfg, data.ticks)
    return run_epochs(
        lambda learner, x, y: train_epoch(params, cfg, learner, x, y),
        lambda learner, x, y: evaluate(params, learner, x, y),
        learner, data, cfg.epochs, on_epoch, history, train_eval,
    )


def ridge_accuracy(params: Params, long: Long, data, lam: float, key: Array) -> tuple[float, float]:
    """Train and test accuracy of a ridge readout (:func:`ridge_readout`) fitted on the organoid's features."""
    check_dataset(data, params.config.network.n_inputs, "ridge_accuracy")
    x, y, xt, yt = (jnp.asarray(a) for a in data[:4])
    F, Ft = trial_features(params, long, x, key), trial_features(params, long, xt, key)
    r = ridge_readout(F, y, data.n_classes, lam)
    return float((logits(r, F).argmax(-1) == y).mean()), float((logits(r, Ft).argmax(-1) == yt).mean())
