"""Linear softmax readout of the organoid: learned locally (delta rule) or fitted (ridge regression).

Features are the time-mean activations of a trial, ``f = (1/T)·Σ_t a(t)`` ``(N,)``; the readout is
``logits = f·R + c`` with R ``(N, C)``. The delta rule is local to each readout synapse (its presynaptic
feature times its output's error): ``R += lr·fᵀ(y − softmax(logits)) / B`` over a batch of B trials.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.learning.loop import shuffled_batches

RIDGE_LAMBDA = 10.0  # the ridge penalty of every ridge-readout row (chosen among 1, 10, 100 on seed 0)


class Readout(NamedTuple):
    """``R`` float32 ``(N, C)``, ``c`` float32 ``(C,)``."""

    R: Array
    c: Array


def features(A: Array) -> Array:
    """Time-mean activations: ``(..., T, N) -> (..., N)``."""
    return A.mean(axis=-2)


def init_readout(n: int, n_classes: int) -> Readout:
    return Readout(jnp.zeros((n, n_classes), jnp.float32), jnp.zeros(n_classes, jnp.float32))


def logits(readout: Readout, F: Array) -> Array:
    """``(B, N) -> (B, C)``."""
    return F @ readout.R + readout.c


def output_error(readout: Readout, F: Array, y: Array) -> tuple[Array, Array]:
    """``(softmax(logits) − onehot(y))`` ``(B, C)`` and the per-trial cross-entropy ``(B,)``."""
    z = logits(readout, F)
    logp = jax.nn.log_softmax(z)
    onehot = jax.nn.one_hot(y, z.shape[-1], dtype=jnp.float32)
    return jnp.exp(logp) - onehot, -(onehot * logp).sum(-1)


class FeatureStats(NamedTuple):
    """Running statistics of the readout's input features: ``mean`` and ``sq`` (mean of squares) ``(N,)``
    float32, ``count`` (batches seen, float32 ``()``). A fresh one (mean 0, sq 1) standardises nothing."""

    mean: Array
    sq: Array
    count: Array


def init_stats(n: int) -> FeatureStats:
    return FeatureStats(jnp.zeros(n, jnp.float32), jnp.ones(n, jnp.float32), jnp.zeros((), jnp.float32))


def update_stats(stats: FeatureStats, F: Array, momentum: float) -> FeatureStats:
    """Fold a batch of features F ``(B, N)`` in with weight ``w = max(1/(count + 1), 1 − momentum)``: the
    plain average of the first batches, then an exponential moving average."""
    w = jnp.maximum(1.0 / (stats.count + 1.0), 1.0 - momentum)
    return FeatureStats(stats.mean + w * (F.mean(0) - stats.mean), stats.sq + w * ((F**2).mean(0) - stats.sq),
                        stats.count + 1.0)


def standardize(stats: FeatureStats, F: Array) -> Array:
    """``(F − mean)/sd``: each neuron's feature z-scored (:func:`feature_sd`; F itself before any batch)."""
    return (F - stats.mean) / feature_sd(stats)


def feature_sd(stats: FeatureStats) -> Array:
    """``sqrt(max(sq − mean², 0)) + 1e-3`` per neuron, or 1 while no batch has been seen."""
    return jnp.where(stats.count > 0, jnp.sqrt(jnp.maximum(stats.sq - stats.mean**2, 0.0)) + 1e-3, 1.0)


def on_raw_features(readout: Readout, stats: FeatureStats) -> Readout:
    """The readout of standardised features as one of raw features: ``standardize(F)·R + c = F·R' + c'`` with
    ``R' = R/sd`` and ``c' = c − (mean/sd)·R``."""
    sd = feature_sd(stats)
    return Readout(readout.R / sd[:, None], readout.c - (stats.mean / sd) @ readout.R)


def delta_rule(readout: Readout, F: Array, err: Array, lr: Array) -> Readout:
    """``R −= lr·Fᵀ·err / B``, ``c −= lr·mean(err)``."""
    b = F.shape[0]
    return Readout(readout.R - lr * (F.T @ err) / b, readout.c - lr * err.mean(0))


def delta_rule_epoch(readout: Readout, F: Array, y: Array, lr: float, batch: int, key: Array
                     ) -> tuple[Readout, Array]:
    """One epoch of the delta rule over fixed features: shuffled batches of ``batch`` rows of F ``(S, N)``
    with labels y ``(S,)``, one :func:`delta_rule` step each (a ``lax.scan``). Returns the readout and
    the cross-entropy of each batch before its step ``(S // batch,)``."""
    def step(r, idx):
        err, loss = output_error(r, F[idx], y[idx])
        return delta_rule(r, F[idx], err, jnp.float32(lr)), loss.mean()

    return jax.lax.scan(step, readout, shuffled_batches(key, F.shape[0], batch))


def next_input_error(predictor: Readout, A: Array, x: Array) -> tuple[Array, Array]:
    """Prediction of the next input from the state: ``err(t) = a(t)·P + p − x(t+1)`` for t = 0 .. T−2.

    A ``(B, T, N)`` trial activations, x ``(B, T, K)`` the trials' inputs, predictor P ``(N, K)``, p ``(K,)``.
    Returns err ``(B, T−1, K)`` and the surprise of each trial, ``s_b = mean_t ‖err_b(t)‖²`` ``(B,)``.
    """
    err = A[:, :-1] @ predictor.R + predictor.c - x[:, 1:]
    return err, (err**2).sum(-1).mean(-1)


def predictor_step(predictor: Readout, A: Array, err: Array, lr: Array) -> Readout:
    """Normalised LMS for the next-input predictor (stable for 0 < lr < 2 whatever the activity's scale):
    ``P −= lr·Σ_{b,t} a_b(t)ᵀ err_b(t) / (B·(T−1)·(1 + mean ‖a‖²))``, and p alike (its input is the 1)."""
    a = A[:, :-1].reshape(-1, A.shape[-1])
    power = 1.0 + (a**2).sum(-1).mean()
    return delta_rule(predictor, a, err.reshape(-1, err.shape[-1]), lr / power)


class RidgeStats(NamedTuple):
    """Sufficient statistics of a ridge fit ``F·R + c ≈ Y``, mergeable across data seen at different times.

    ``n`` the number of rows (float32 scalar), ``mean_f`` ``(N,)``, ``mean_y`` ``(M,)``, the centred
    scatter ``m2 = (F − mean_f)ᵀ(F − mean_f)`` ``(N, N)`` and cross-scatter ``c = (F − mean_f)ᵀ(Y − mean_y)``
    ``(N, M)``. Centred sums merge stably (:func:`merge_ridge_stats`), so a readout fitted on the merged
    statistics of tasks seen one after the other is the joint fit on all of them.
    """

    n: Array
    mean_f: Array
    mean_y: Array
    m2: Array
    c: Array


def ridge_stats(F: Array, Y: Array) -> RidgeStats:
    """The statistics of rows F ``(S, N)`` and targets Y ``(S, M)``."""
    mu, ybar = F.mean(0), Y.mean(0)
    Fc = F - mu
    return RidgeStats(jnp.asarray(F.shape[0], F.dtype), mu, ybar, Fc.T @ Fc, Fc.T @ (Y - ybar))


def merge_ridge_stats(a: RidgeStats, b: RidgeStats) -> RidgeStats:
    """The statistics of the rows of both (Chan et al.'s pairwise update):
    ``m2 = m2_a + m2_b + δ_f δ_fᵀ·n_a·n_b/n`` and ``c = c_a + c_b + δ_f δ_yᵀ·n_a·n_b/n`` for the mean
    differences δ_f = mean_f,b − mean_f,a, δ_y = mean_y,b − mean_y,a."""
    n = a.n + b.n
    d_f, d_y = b.mean_f - a.mean_f, b.mean_y - a.mean_y
    w = a.n * b.n / n
    return RidgeStats(n, a.mean_f + d_f * (b.n / n), a.mean_y + d_y * (b.n / n),
                      a.m2 + b.m2 + w * jnp.outer(d_f, d_f), a.c + b.c + w * jnp.outer(d_f, d_y))


def solve_ridge(st: RidgeStats, lam: float) -> Readout:
    """Least squares with penalty ``lam·‖R̃‖²`` on standardised features F̃ = (F − mean)/std:
    ``(F̃ᵀF̃ + lam·I) R̃ = F̃ᵀ(Y − mean(Y))``, with ``F̃ᵀF̃ = m2/(sd·sdᵀ)``, ``F̃ᵀ(Y − Ȳ) = c/sd`` and
    sd = sqrt(diag(m2)/n) + 1e-6; the standardisation is folded back into R ``(N, M)`` and c ``(M,)``
    so that :func:`logits` applies to raw features."""
    sd = jnp.sqrt(jnp.diag(st.m2) / st.n) + 1e-6
    Rs = jnp.linalg.solve(st.m2 / jnp.outer(sd, sd) + lam * jnp.eye(sd.shape[0], dtype=sd.dtype), st.c / sd[:, None])
    R = Rs / sd[:, None]
    return Readout(R, st.mean_y - st.mean_f @ R)


def ridge_regression(F: Array, Y: Array, lam: float) -> Readout:
    """Least squares ``F·R + c ≈ Y`` (F ``(S, N)``, Y ``(S, M)``) with penalty ``lam·‖R̃‖²`` on standardised
    features (:func:`solve_ridge` of :func:`ridge_stats`)."""
    return solve_ridge(ridge_stats(F, Y), lam)


def ridge_targets(y: Array, n_classes: int) -> Array:
    """The ±1 targets ``2·onehot(y) − 1`` ``(S, C)`` of the ridge classifier."""
    return 2.0 * jax.nn.one_hot(y, n_classes, dtype=jnp.float32) - 1.0


def ridge_readout(F: Array, y: Array, n_classes: int, lam: float) -> Readout:
    """The classifier of :func:`ridge_regression` onto :func:`ridge_targets`."""
    return ridge_regression(F, ridge_targets(y, n_classes), lam)
