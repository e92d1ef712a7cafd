"""BPTT: the same PRAXIS organoid in float32, trained by gradients through the trial's ``lax.scan``.

The differentiable comparison for the local rules: same trials (from rest, noise off), same features
(time-mean activations), same readout and loss (softmax cross-entropy), same batches. ``jax.grad`` of the
batch loss with respect to θ = (W ``(D, N)``, U ``(K, N_in)``, b ``(N,)``, R ``(N, C)``, c ``(C,)``) goes
back through every tick; optax Adam applies it. W is not clipped to ±3σ_w (the gradient learner is given
its usual freedom).
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import optax
from jaxtyping import Array

from praxis_jax.learning.loop import run_epochs, shuffled_batches
from praxis_jax.learning.readout import Readout, init_readout, logits, output_error
from praxis_jax.learning.supervised import trial_features
from praxis_jax.state import Long, Params


class Theta(NamedTuple):
    """The trained parameters: ``W`` ``(D, N)``, ``U`` ``(K, N_in)``, ``b`` ``(N,)``, ``readout``."""

    W: Array
    U: Array
    b: Array
    readout: Readout


class BPTTState(NamedTuple):
    """``theta``, optax ``opt_state``, ``key``."""

    theta: Theta
    opt_state: optax.OptState
    key: Array


def _check(params: Params) -> None:
    if params.config.quant.int8:
        raise ValueError("BPTT needs QuantConfig.numerics = 'float32' (int8 rounding has no gradient); got 'int8'")


def init_bptt(params: Params, long: Long, n_classes: int, optimizer: optax.GradientTransformation, key: Array) -> BPTTState:
    """Start from the organoid's own W, U, b and a zero readout."""
    _check(params)
    theta = Theta(long.W, params.U, long.b, init_readout(params.config.network.n, n_classes))
    return BPTTState(theta, optimizer.init(theta), key)


def _organoid(params: Params, long: Long, theta: Theta) -> tuple[Params, Long]:
    return eqx.tree_at(lambda p: p.U, params, theta.U), long._replace(W=theta.W, b=theta.b)


def batch_loss(theta: Theta, params: Params, long: Long, x: Array, y: Array) -> Array:
    """Mean cross-entropy of trials ``x`` ``(B, T, K)`` with labels ``y`` ``(B,)``."""
    p, lg = _organoid(params, long, theta)
    F = trial_features(p, lg, x, jax.random.PRNGKey(0), batch=x.shape[0])
    _, loss = output_error(theta.readout, F, y)
    return loss.mean()


def bptt_epoch(params, long, optimizer, batch_size: int, st: BPTTState, x: Array, y: Array):
    """One shuffled pass; returns (state, loss per batch)."""
    key, k_perm = jax.random.split(st.key)
    idx = shuffled_batches(k_perm, x.shape[0], batch_size, "fit_bptt.batch_size")

    def body(carry, i):
        theta, opt = carry
        loss, g = jax.value_and_grad(batch_loss)(theta, params, long, x[i], y[i])
        upd, opt = optimizer.update(g, opt, theta)
        return (optax.apply_updates(theta, upd), opt), loss

    (theta, opt), losses = jax.lax.scan(body, (st.theta, st.opt_state), idx)
    return BPTTState(theta, opt, key), losses


def bptt_accuracy(params: Params, long: Long, st: BPTTState, x: Array, y: Array) -> Array:
    p, lg = _organoid(params, long, st.theta)
    return (logits(st.theta.readout, trial_features(p, lg, x, st.key)).argmax(-1) == y).mean()


def fit_bptt(params: Params, long: Long, data, epochs: int, batch_size: int = 32, lr: float = 1e-3,
             key: Array | None = None, on_epoch=None) -> tuple[BPTTState, list[dict]]:
    """Train θ with Adam(lr) for ``epochs`` epochs on a Dataset; records as in ``run_epochs``."""
    _check(params)
    optimizer = optax.adam(lr)
    st = init_bptt(params, long, data.n_classes, optimizer, jax.random.PRNGKey(0) if key is None else key)
    return run_epochs(
        lambda s, x, y: bptt_epoch(params, long, optimizer, batch_size, s, x, y),
        lambda s, x, y: bptt_accuracy(params, long, s, x, y),
        st, data, epochs, on_epoch,
    )
