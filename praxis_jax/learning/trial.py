"""One trial: T ticks from rest with the long-lived state fixed, recording activity and eligibility.

``a(0) = 0, e(0) = 0``; for t = 1..T: ``a(t) = 2·tanh(v(t)/2)`` (the tick of :mod:`praxis_jax.simulate`,
noise included) and, when learning, phase 1 of A-STDP-ET ``e = decay·e + pre·post``. W, b stay fixed
within the trial, so a batch of trials can run under ``vmap`` with one shared W.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.plasticity.astdp_et import astdp_et
from praxis_jax.quant import Codec
from praxis_jax.simulate import activity, tick_randomness
from praxis_jax.state import Long, Params


def run_trial(params: Params, long: Long, xs: Array, key: Array, learn: bool) -> tuple[Array, Array | None]:
    """Run one trial.

    Args:
      params: :class:`Params`.  long: the long-lived state (W, b used; fixed during the trial).
      xs: ``(T, K)`` inputs.  key: PRNG key for the noise and the stochastic rounding.
      learn: also run the eligibility trace (static).
    Returns:
      ``(A, e)``: activations ``(T, N)`` float32 and the final eligibility ``(D, N)`` float32 (None when
      ``learn`` is False).
    """
    cfg = params.config
    net = cfg.network
    codec = Codec.from_config(cfg)
    rule = astdp_et(codec, cfg.plasticity.clip_sigma * net.weight_std, 1)
    a0 = jnp.zeros(net.n, codec.a_dtype)
    e0 = rule.init(long.W) if learn else None

    def tick(carry, x):
        a, e, key = carry
        key, noise, seed = tick_randomness(params, key)
        a_new = activity(codec, params, long, a, x, noise)
        post = codec.a(a_new)
        if learn:
            pre = codec.a(net.topology.gather(a, params.table))  # (D, N) f32
            _, e = rule.trace(pre, post, e, params.hyper, seed)
        return (a_new, e, key), post

    (_, e, _), A = jax.lax.scan(tick, (a0, e0, key), xs)
    return A, (codec.e(e) if learn else None)
