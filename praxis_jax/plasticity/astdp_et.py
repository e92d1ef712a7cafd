"""A-STDP-ET: additive STDP with eligibility traces, the PRAXIS three-factor rule.

Phase 1, every tick:          e_ij = decay·e_ij + pre_i·post_j
Phase 2, every K-th tick:     W_ij = W_ij + lr·m_j·e_ij − weight_decay·W_ij
Phase 3, after phase 2:       W_ij = clip(W_ij, −c·σ_w, +c·σ_w)

``pre`` is the presynaptic activation of the previous tick gathered per edge, ``post`` the
postsynaptic activation of this tick; ``m`` is a global scalar modulator or a per-neuron ``(N,)``
broadcast signal. In int8 numerics W is stochastically rounded and e is μ-law coded (see quant).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.plasticity.base import Rule
from praxis_jax.quant import Codec, hash_uniform

STREAM_E, STREAM_W = 1, 2


def astdp_et(codec: Codec, clip: float, update_every: int) -> Rule:
    """Build the rule for one numerics (``codec``), clip bound ``clip`` = c·σ_w and phase-2 period K."""

    def init(W: Array) -> Array:
        return jnp.zeros(W.shape, jnp.int8 if codec.int8 else jnp.float32)

    def update(pre, post, m, e, W, hyper, tick, seed):
        """Args: pre ``(D, N)`` f32, post ``(N,)`` f32, m ``()`` or ``(N,)``, e and W ``(D, N)`` stored,
        hyper (lr, decay, weight_decay), tick int32, seed uint32. Returns (W, e) stored."""
        shape = W.shape
        e_f = hyper.decay * codec.e(e) + pre * post[None, :]
        e_new = codec.store_e(e_f, hash_uniform(seed, shape, STREAM_E) if codec.int8 else None)
        m = jnp.asarray(m, jnp.float32)
        m = m[None, :] if m.ndim == 1 else m

        def phase2(W):
            W_f = codec.w(W)
            W_f = jnp.clip(W_f + hyper.lr * m * e_f - hyper.weight_decay * W_f, -clip, clip)
            return codec.store_w(W_f, hash_uniform(seed, shape, STREAM_W) if codec.int8 else None)

        if update_every == 1:
            return phase2(W), e_new
        return jax.lax.cond((tick + 1) % update_every == 0, phase2, lambda W: W, W), e_new

    return Rule(init, update)
