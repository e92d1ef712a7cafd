"""The rate tick of PRAXIS, shared by the float32 reference and the int8 path.

  v_j = leak·a_j(t−1) + Σ_i W_ij a_i(t−1) + Σ_k U_kj x_k + b_j (+ noise),   a_j(t) = 2·tanh(v_j / 2)

The recurrent sum runs over the D incoming edges of j given by the topology. In int8 numerics it is an
int32 sum of int8·int8 products, dequantized once by the product of the two scales.
"""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax import kernels
from praxis_jax.quant.codec import A_SCALE, Codec


def sat_tanh(v: Array) -> Array:
    """``2·tanh(v / 2)``: slope 1 at 0, bounded to (−2, 2)."""
    return 2.0 * jnp.tanh(0.5 * v)


def recurrent_input(codec: Codec, topology, W: Array, a: Array, table: Array | None) -> Array:
    """``r_j = Σ_i W_ij a_i`` as float32 ``(N,)`` from stored W ``(D, N)`` and a ``(N,)`` (or padded
    ``(M,)``: then ``(M,)``, zero past N)."""
    if codec.int8:
        return kernels.propagate(topology, W, a, table, jnp.int32).astype(jnp.float32) * (codec.w_scale * A_SCALE)
    return kernels.propagate(topology, W, a, table, jnp.float32)


def external_input(U: Array, x: Array, n: int) -> Array:
    """``Σ_k U_kj x_k`` for the first ``U.shape[1]`` neurons, zero for the rest: ``(K,) -> (N,)``."""
    if U.shape[0] == 0:
        return jnp.zeros(n, jnp.float32)
    drive = x.astype(jnp.float32) @ U
    return drive if U.shape[1] == n else jnp.zeros(n, jnp.float32).at[: U.shape[1]].set(drive)


def potential(codec: Codec, params, long, a_stored: Array, x: Array, noise: Array) -> Array:
    """Membrane potential v ``(N,)`` float32 of one tick (noise is ``(N,)`` or a zero scalar). Per-neuron
    arrays may be zero-padded past N to whole lanes (:mod:`praxis_jax.simulate`); v then has their length."""
    net = params.config.network
    r = recurrent_input(codec, net.topology, long.W, a_stored, params.table)
    return params.hyper.leak * codec.a(a_stored) + r + external_input(params.U, x, a_stored.shape[0]) + long.b + noise
