"""Homeostasis: variance control of incoming weights and bias (firing-rate) homeostasis.

Every tick, per neuron j (post = a_j(t)):
  rate_j = ρ·rate_j + (1 − ρ)·post_j
  var_j  = μ·var_j  + (1 − μ)·(post_j − rate_j)²
  b_j   −= bias_rate·(rate_j − target_rate)
Every ``interval`` ticks, for neurons with var_j > var_threshold:
  W_ij ← W_ij / sqrt(var_j) for all incoming edges i (column j of the (D, N) weights), var_j ← 1
(the rescale divides the recurrent drive's variance by var_j in the linear regime, so the statistic is
rescaled with the weights instead of re-triggering every tick while its slow average catches up).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.quant import Codec, hash_uniform

STREAM_H = 3


def homeostasis_update(codec: Codec, cfg, post: Array, long, hyper, tick: Array, seed: Array):
    """One tick of homeostasis. ``cfg`` is the HomeostasisConfig; returns the new ``Long`` state."""
    rate = cfg.rate_momentum * long.rate + (1.0 - cfg.rate_momentum) * post
    var = cfg.var_momentum * long.var + (1.0 - cfg.var_momentum) * jnp.square(post - rate)
    b = long.b - hyper.bias_rate * (rate - hyper.target_rate)

    def rescale(args):
        W, var = args
        hot = var > hyper.var_threshold
        s = jnp.where(hot, jax.lax.rsqrt(var), 1.0)
        u = hash_uniform(seed, W.shape, STREAM_H) if codec.int8 else None
        return codec.store_w(codec.w(W) * s[None, :], u), jnp.where(hot, 1.0, var)

    W, var = jax.lax.cond((tick + 1) % cfg.interval == 0, rescale, lambda x: x, (long.W, var))
    return long._replace(W=W, b=b, rate=rate, var=var)
