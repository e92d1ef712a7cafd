"""A-STDP-ET: additive STDP with eligibility traces, the PRAXIS three-factor rule.

Phase 1, every tick:          e_ij = decay·e_ij + pre_i·post_j
Phase 2, every K-th tick:     W_ij = W_ij + lr·m_j·e_ij − weight_decay·W_ij
Phase 3, after phase 2:       W_ij = clip(W_ij, −c·σ_w, +c·σ_w)

``pre`` is the presynaptic activation of the previous tick gathered per edge, ``post`` the
postsynaptic activation of this tick; ``m`` is a global scalar modulator or a per-neuron ``(N,)``
broadcast signal. In int8 numerics W is stochastically rounded and e is μ-law coded (see quant).

The phases are also exposed one by one (``trace``: phase 1; ``apply``: phases 2 and 3) for callers that
run the trace through a trial and apply one update at its end (:mod:`praxis_jax.learning`).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.quant import Codec, hash_uniform

STREAM_E, STREAM_W = 1, 2


class AstdpEt(NamedTuple):
    """The rule's pure functions (see :func:`astdp_et`)."""

    init: Callable
    trace: Callable
    apply: Callable
    update: Callable


def astdp_et(codec: Codec, clip: float, update_every: int) -> AstdpEt:
    """Build the rule for one numerics (``codec``), clip bound ``clip`` = c·σ_w and phase-2 period K."""

    def init(W: Array) -> Array:
        return jnp.zeros(W.shape, jnp.int8 if codec.int8 else jnp.float32)

    def trace(pre, post, e, hyper, seed):
        """Phase 1. pre ``(D, N)`` f32, post ``(N,)`` f32, e ``(D, N)`` stored -> (e float32, e stored)."""
        e_f = hyper.decay * codec.e(e) + pre * post[None, :]
        return e_f, codec.store_e(e_f, hash_uniform(seed, e.shape, STREAM_E) if codec.int8 else None)

    def apply(W, m, e_f, hyper, seed):
        """Phases 2 and 3. W ``(D, N)`` stored, m ``()`` or ``(N,)``, e_f float32 ``(D, N)`` -> W stored."""
        m = jnp.asarray(m, jnp.float32)
        m = m[None, :] if m.ndim == 1 else m
        W_f = codec.w(W)
        W_f = jnp.clip(W_f + hyper.lr * m * e_f - hyper.weight_decay * W_f, -clip, clip)
        return codec.store_w(W_f, hash_uniform(seed, W.shape, STREAM_W) if codec.int8 else None)

    def update(pre, post, m, e, W, hyper, tick, seed):
        """All three phases of one tick: ``(pre, post, m, e, W, hyper, tick, seed) -> (W, e)`` stored."""
        e_f, e_new = trace(pre, post, e, hyper, seed)
        if update_every == 1:
            return apply(W, m, e_f, hyper, seed), e_new
        on = (tick + 1) % update_every == 0
        return jax.lax.cond(on, lambda W: apply(W, m, e_f, hyper, seed), lambda W: W, W), e_new

    return AstdpEt(init, trace, apply, update)
