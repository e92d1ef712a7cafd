"""Homeostasis: variance control of incoming weights and bias (firing-rate) homeostasis.

Every tick, per neuron j (post = a_j(t)):
  rate_j = ρ·rate_j + (1 − ρ)·post_j
  var_j  = μ·var_j  + (1 − μ)·(post_j − rate_j)²
  b_j   −= bias_rate·(rate_j − target_rate)
Every ``interval`` ticks, for neurons with var_j > var_threshold:
  W_ij ← W_ij / sqrt(var_j) for all incoming edges i (column j of the (D, N) weights), var_j ← 1
(the rescale divides the recurrent drive's variance by var_j in the linear regime, so the statistic is
rescaled with the weights instead of re-triggering every tick while its slow average catches up).
Int8 weights are stored back with stochastic rounding; on the CPU that pass over all D·N weights runs
the native kernel when it is built (:func:`praxis_jax.kernels.rescale`). For trials run in lockstep
against one long state (``axis_name``, see :mod:`praxis_jax.simulate`), ``post_j`` and ``(post_j − rate_j)²``
are replaced by their means over the batch.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax import kernels
from praxis_jax.quant.codec import Codec, hash_uniform

STREAM_H = 3


def homeostasis_update(codec: Codec, cfg, post: Array, long, hyper, tick: Array, seed: Array, axis_name=None):
    """One tick of homeostasis. ``cfg`` is the HomeostasisConfig; returns the new ``Long`` state."""
    mean = (lambda x: x) if axis_name is None else (lambda x: jax.lax.pmean(x, axis_name))  # noqa: E731
    rate = cfg.rate_momentum * long.rate + (1.0 - cfg.rate_momentum) * mean(post)
    var = cfg.var_momentum * long.var + (1.0 - cfg.var_momentum) * mean(jnp.square(post - rate))
    b = long.b - hyper.bias_rate * (rate - hyper.target_rate)

    def rescale(args):
        W, var = args
        hot = var > hyper.var_threshold
        s = jnp.where(hot, jax.lax.rsqrt(var), 1.0)
        return scale_columns(codec, W, s[: W.shape[1]], seed), jnp.where(hot, 1.0, var)  # var may be padded past N

    W, var = jax.lax.cond((tick + 1) % cfg.interval == 0, rescale, lambda x: x, (long.W, var))
    return long._replace(W=W, b=b, rate=rate, var=var)


def scale_columns(codec: Codec, W: Array, s: Array, seed: Array) -> Array:
    """Stored ``W`` ``(D, N)`` with column v scaled by ``s[v]``; int8 codes stochastically rounded with
    ``hash_uniform(seed, W.shape, STREAM_H)`` (on the CPU by the native kernel when it is built; neuron-
    sharded runs take the XLA pass)."""
    if not codec.int8:
        return W * s[None, :]

    def xla(W, s):
        return codec.store_w(codec.w(W) * s[None, :], hash_uniform(seed, W.shape, STREAM_H))

    return kernels.rescale(xla, W, s, seed, codec.w_scale)
