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


def eligibility(codec: Codec, decay, pre: Array, post: Array, e: Array, u: Array | None) -> tuple[Array, Array]:
    """Phase 1 elementwise: ``e_f = decay·e + pre·post`` -> (e_f float32, e stored with uniforms ``u``).

    Shapes broadcast (the rule passes ``(D, N)`` arrays, fused kernels one tile); ``u`` is None in float32.
    """
    e_f = decay * codec.e(e) + pre * post
    return e_f, codec.store_e(e_f, u)


def weight(codec: Codec, clip: float, lr, weight_decay, W: Array, m: Array, e_f: Array, u: Array | None) -> Array:
    """Phases 2 and 3 elementwise: ``clip(W + lr·m·e_f − weight_decay·W, ±clip)``, stored with uniforms ``u``."""
    W_f = codec.w(W)
    return codec.store_w(jnp.clip(W_f + lr * m * e_f - weight_decay * W_f, -clip, clip), u)


def astdp_et(codec: Codec, clip: float, update_every: int) -> AstdpEt:
    """Build the rule for one numerics (``codec``), clip bound ``clip`` = c·σ_w and phase-2 period K."""

    def init(W: Array) -> Array:
        return jnp.zeros(W.shape, jnp.int8 if codec.int8 else jnp.float32)

    def trace(pre, post, e, hyper, seed):
        """Phase 1. pre ``(D, N)`` f32, post ``(N,)`` f32, e ``(D, N)`` stored -> (e float32, e stored)."""
        u = hash_uniform(seed, e.shape, STREAM_E) if codec.int8 else None
        return eligibility(codec, hyper.decay, pre, post[None, :], e, u)

    def apply(W, m, e_f, hyper, seed):
        """Phases 2 and 3. W ``(D, N)`` stored, m ``()`` or ``(N,)``, e_f float32 ``(D, N)`` -> W stored."""
        m = jnp.asarray(m, jnp.float32)
        m = m[None, :] if m.ndim == 1 else m
        u = hash_uniform(seed, W.shape, STREAM_W) if codec.int8 else None
        return weight(codec, clip, hyper.lr, hyper.weight_decay, W, m, e_f, u)

    def update(pre, post, m, e, W, hyper, tick, seed):
        """All three phases of one tick: ``(pre, post, m, e, W, hyper, tick, seed) -> (W, e)`` stored."""
        e_f, e_new = trace(pre, post, e, hyper, seed)
        if update_every == 1:
            return apply(W, m, e_f, hyper, seed), e_new
        on = (tick + 1) % update_every == 0
        return jax.lax.cond(on, lambda W: apply(W, m, e_f, hyper, seed), lambda W: W, W), e_new

    return AstdpEt(init, trace, apply, update)
