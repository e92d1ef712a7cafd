"""Trial-based learning of a classification task: delta-rule readout plus modulated A-STDP-ET.

Per batch of B trials (W shared, each trial from rest with its own key):
  f_b = mean_t a_b(t) ``(N,)``,  err_b = softmax(f_b·R + c) − y_b ``(C,)``,  R, c by the delta rule;
  W ← clip(W + lr·mean_b(m_b ⊙ e_b(T)))  (phases 2–3 of A-STDP-ET), m_b from TrainConfig.modulator.
An epoch is one ``lax.scan`` over shuffled batches (a remainder smaller than B is left out that epoch).
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.config import TrainConfig
from praxis_jax.learning.loop import in_batches, run_epochs, shuffled_batches
from praxis_jax.learning.readout import (
    Readout,
    delta_rule,
    features,
    init_readout,
    logits,
    next_input_error,
    output_error,
    predictor_step,
    ridge_readout,
)
from praxis_jax.learning.trial import run_trial
from praxis_jax.plasticity.astdp_et import astdp_et
from praxis_jax.quant import Codec
from praxis_jax.state import Long, Params

REWARDED = ("reward", "surprise")  # modulators of the form R_b − R̄_b


class Learner(NamedTuple):
    """Everything a training run carries: ``long`` (W, b, ...), ``readout``, ``baseline`` R̄ (float32 ``()``),
    ``feedback`` B float32 ``(C, N)`` (fixed), ``key``, ``step`` (batches done, int32 ``()``) and the
    next-input ``predictor`` (P ``(N, K)``, p ``(K,)``) of the surprise modulator."""

    long: Long
    readout: Readout
    baseline: Array
    feedback: Array
    key: Array
    step: Array
    predictor: Readout


def init_learner(params: Params, long: Long, n_classes: int, key: Array) -> Learner:
    """Zero readout and predictor, zero baseline, B ~ N(0, 1/C)."""
    n = params.config.network.n
    key, k_b = jax.random.split(key)
    fb = jax.random.normal(k_b, (n_classes, n), jnp.float32) / jnp.sqrt(n_classes)
    return Learner(long, init_readout(n, n_classes), jnp.zeros((), jnp.float32), fb, key, jnp.zeros((), jnp.int32),
                   init_readout(n, params.U.shape[0]))


def _quiet(params: Params) -> Params:
    """``params`` with the exploration noise off."""
    return eqx.tree_at(lambda p: p.hyper.noise_std, params, jnp.zeros((), jnp.float32))


def _batch_trials(params: Params, long: Long, x: Array, key: Array, learn: bool):
    keys = jax.random.split(key, x.shape[0])
    return jax.vmap(lambda xs, k: run_trial(params, long, xs, k, learn))(x, keys)


def train_batch(params: Params, cfg: TrainConfig, learner: Learner, x: Array, y: Array) -> tuple[Learner, Array]:
    """One update from trials ``x`` ``(B, T, K)`` with labels ``y`` ``(B,)``; returns (learner, loss ``(B,)``)."""
    learn = cfg.modulator != "none" and params.config.plasticity.enabled
    key, k_trial, k_seed = jax.random.split(learner.key, 3)
    A, e = _batch_trials(params, learner.long, x, k_trial, learn)
    F = features(A)  # (B, N)
    err, loss = output_error(learner.readout, F, y)
    lr_r = jnp.float32(cfg.readout_lr)
    readout = delta_rule(learner.readout, F, err, lr_r)
    long, baseline, predictor = learner.long, learner.baseline, learner.predictor
    if cfg.modulator == "surprise":
        predictor = predictor_step(learner.predictor, A, next_input_error(learner.predictor, A, x)[0], lr_r)

    def trial_reward(A):
        """R_b ``(B,)`` under the learner before this update: −cross-entropy, or −surprise (self-supervised)."""
        if cfg.modulator == "surprise":
            return -next_input_error(learner.predictor, A, x)[1]
        return -output_error(learner.readout, features(A), y)[1]

    if learn:
        if cfg.modulator in REWARDED and cfg.reward_baseline == "paired":
            A0, _ = _batch_trials(_quiet(params), learner.long, x, k_trial, False)
            adv = trial_reward(A) - trial_reward(A0)
            me = jnp.einsum("b,bdn->dn", adv - adv.mean(), e) / x.shape[0]
        elif cfg.modulator in REWARDED:
            r = trial_reward(A)
            me = jnp.einsum("b,bdn->dn", r - baseline, e) / x.shape[0]
            mom = cfg.baseline_momentum
            baseline = mom * baseline + (1.0 - mom) * r.mean()
        else:  # feedback
            m = -err @ learner.feedback  # (B, N)
            me = jnp.einsum("bn,bdn->dn", m, e) / x.shape[0]
        codec = Codec.from_config(params.config)
        net, pl = params.config.network, params.config.plasticity
        rule = astdp_et(codec, pl.clip_sigma * net.weight_std, 1)
        seed = jax.random.bits(k_seed, (), jnp.uint32)
        long = long._replace(W=rule.apply(long.W, jnp.ones((), jnp.float32), me, params.hyper, seed))
    return Learner(long, readout, baseline, learner.feedback, key, learner.step + 1, predictor), loss


def train_epoch(params: Params, cfg: TrainConfig, learner: Learner, x: Array, y: Array) -> tuple[Learner, Array]:
    """One pass over ``x`` ``(S, T, K)``, ``y`` ``(S,)`` in shuffled batches; returns (learner, loss per batch)."""
    key, k_perm = jax.random.split(learner.key)
    idx = shuffled_batches(k_perm, x.shape[0], cfg.batch_size, "TrainConfig.batch_size")

    def body(lr, i):
        lr, loss = train_batch(params, cfg, lr, x[i], y[i])
        return lr, loss.mean()

    return jax.lax.scan(body, learner._replace(key=key), idx)


def evaluate(params: Params, learner: Learner, x: Array, y: Array, batch: int = 500) -> Array:
    """Accuracy of the readout on ``x`` ``(S, T, K)`` with the exploration noise off (float32 ``()``)."""
    F = trial_features(params, learner.long, x, learner.key, batch)
    return (logits(learner.readout, F).argmax(-1) == y).mean()


def trial_features(params: Params, long: Long, x: Array, key: Array, batch: int = 500) -> Array:
    """Time-mean activations ``(S, N)`` of trials ``x`` ``(S, T, K)``, noise off, ``batch`` trials at a time."""
    quiet = _quiet(params)
    return in_batches(lambda xb: features(_batch_trials(quiet, long, xb, key, False)[0]), x, batch)


def fit(params: Params, cfg: TrainConfig, learner: Learner, data, on_epoch=None,
        history: list[dict] | None = None) -> tuple[Learner, list[dict]]:
    """Train until ``cfg.epochs`` epochs are done on a :class:`praxis_jax.tasks.Dataset`, evaluating after
    each (records, ``on_epoch(record, learner)`` and resuming with ``history``: see
    :func:`praxis_jax.learning.loop.run_epochs`)."""
    return run_epochs(
        lambda lr, x, y: train_epoch(params, cfg, lr, x, y),
        lambda lr, x, y: evaluate(params, lr, x, y),
        learner, data, cfg.epochs, on_epoch, history,
    )


def ridge_accuracy(params: Params, long: Long, data, lam: float, key: Array) -> tuple[float, float]:
    """Train and test accuracy of a ridge readout (:func:`ridge_readout`) fitted on the organoid's features."""
    x, y, xt, yt = (jnp.asarray(a) for a in data[:4])
    F, Ft = trial_features(params, long, x, key), trial_features(params, long, xt, key)
    r = ridge_readout(F, y, data.n_classes, lam)
    return float((logits(r, F).argmax(-1) == y).mean()), float((logits(r, Ft).argmax(-1) == yt).mean())
