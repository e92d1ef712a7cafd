"""Echo state network (Jaeger 2001): a fixed random reservoir of leaky-integrated tanh units.

    x(t) = (1 − α)·x(t−1) + α·tanh(W_in·u(t) + W·x(t−1)),

W ``(N, N)`` sparse Gaussian (each entry nonzero with probability ``rc_connectivity``) rescaled to spectral
radius ``sr``; W_in ``(N, K)`` sparse ±``input_scaling`` (Bernoulli signs, nonzero with probability
``input_connectivity``); α the leak rate. These are the initialisers and defaults of reservoirpy's
``Reservoir`` (0.4), except α / sr = 0.3 / 1.25 (its Mackey-Glass tutorial), so that
``experiments/forecasting/reservoirs.py`` runs the same model in both libraries. Only a readout is trained
(ridge regression on the states, :func:`praxis_jax.learning.ridge_regression`).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array


class ESN(NamedTuple):
    """``W`` float32 ``(N, N)``, ``W_in`` float32 ``(N, K)``, ``alpha`` float32 scalar."""

    W: Array
    W_in: Array
    alpha: Array


def init_esn(key: Array, n: int, n_inputs: int, sr: float = 1.25, alpha: float = 0.3, input_scaling: float = 1.0,
             rc_connectivity: float = 0.1, input_connectivity: float = 0.1) -> ESN:
    """A reservoir of ``n`` units for ``n_inputs`` inputs, W rescaled to spectral radius ``sr``."""
    checks = (("n", n, isinstance(n, int) and n >= 1, "an int >= 1"),
              ("n_inputs", n_inputs, isinstance(n_inputs, int) and n_inputs >= 1, "an int >= 1"),
              ("sr", sr, sr > 0, "> 0"), ("alpha", alpha, 0 < alpha <= 1, "in (0, 1]"),
              ("input_scaling", input_scaling, input_scaling >= 0, ">= 0"),
              ("rc_connectivity", rc_connectivity, 0 < rc_connectivity <= 1, "in (0, 1]"),
              ("input_connectivity", input_connectivity, 0 < input_connectivity <= 1, "in (0, 1]"))
    for name, value, ok, allowed in checks:
        if not ok:
            raise ValueError(f"init_esn {name} must be {allowed}; got {value!r}")
    k_w, k_wm, k_in, k_inm = jax.random.split(key, 4)
    W = jax.random.normal(k_w, (n, n)) * jax.random.bernoulli(k_wm, rc_connectivity, (n, n))
    W = np.asarray(W, np.float64)
    W *= sr / np.max(np.abs(np.linalg.eigvals(W)))
    signs = jnp.where(jax.random.bernoulli(k_in, 0.5, (n, n_inputs)), 1.0, -1.0)
    W_in = input_scaling * signs * jax.random.bernoulli(k_inm, input_connectivity, (n, n_inputs))
    return ESN(jnp.asarray(W, jnp.float32), W_in.astype(jnp.float32), jnp.float32(alpha))


def esn_states(esn: ESN, u: Array) -> Array:
    """States from rest ``x(0) = 0`` for inputs ``u`` ``(T, K)``: ``(T, N)`` float32."""
    def tick(x, u_t):
        x = (1 - esn.alpha) * x + esn.alpha * jnp.tanh(esn.W_in @ u_t + esn.W @ x)
        return x, x

    _, X = jax.lax.scan(tick, jnp.zeros(esn.W.shape[0], jnp.float32), u)
    return X
