"""brain3d: a 3D LIF lattice with uint8 exponent-coded weights and sampled Hebbian learning, one tick at a time.

One tick, for a lattice topology (:class:`praxis_jax.topology.Lattice3D`, D incoming edges, invalid ones
carrying nothing), codes E ``(D, N)`` uint8 (w = 2^E, :mod:`praxis_jax.spiking.exponent_weights`) and an
input P ``(N,)``:

  s_pre = the previous tick's spikes gathered per edge ``(D, N)``
  I_v   = w_scale · Σ_j s_pre[j, v]·2^E[j, v] + P_v        (the sum exact in int32, at most D·256)
  v, s  = LIF step with current I (:func:`praxis_jax.spiking.neurons.lif_step`)
  E     = the sampled Hebbian update of the codes with pre = s_pre, post = s
          (:mod:`praxis_jax.spiking.sampled_hebbian`)
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from praxis_jax.spiking import exponent_weights as ew
from praxis_jax.spiking.neurons import LIFConfig, LIFState, lif_step
from praxis_jax.spiking.sampled_hebbian import (
    SampledHebbianConfig,
    SampledHebbianState,
    edge_update,
)
from praxis_jax.topology.lattice import Lattice3D


class LatticeState(NamedTuple):
    """The lattice's state: LIF state, codes and the rule's state."""

    lif: LIFState  # v, refractory, spike: (N,)
    E: jax.Array  # (D, N) uint8 codes
    rule: SampledHebbianState


def automaton_bound(lif: LIFConfig) -> float:
    """The smallest current that fires a LIF neuron at rest in one tick, ``θ / (τ·(1 − e^(−dt/τ)))`` (0.1017)."""
    return lif.v_th / (lif.tau * (1 - lif.decay))


def tick(lat: Lattice3D, lif: LIFConfig, plasticity: SampledHebbianConfig, hyper, w_scale: float, c: LatticeState,
         P: jax.Array
         ) -> tuple[LatticeState, jax.Array]:
    """One tick (the module docstring) with input ``P`` ``(N,)`` -> (state, spikes ``(N,)`` bool)."""
    s_pre = ew.gather_spikes(lat, c.lif.spike)  # (D, N) bool, previous tick
    S = ew.edge_sum(c.E, s_pre)  # (N,) int32 <= D·256
    I = jnp.float32(w_scale) * S.astype(jnp.float32) + P
    lif_state, s = lif_step(lif, c.lif, I)
    E, rs = edge_update(plasticity, s_pre, s, c.rule, c.E, hyper)
    return LatticeState(lif_state, E, rs), s


def make_phase(lat: Lattice3D, lif: LIFConfig, plasticity: SampledHebbianConfig, hyper, w_scale: float, steps: int):
    """``phase(state, P) -> (state, (rates (T,) float32, counts (N,) int32))``: ``steps`` ticks (``lax.scan``)
    with a fixed input P ``(N,)``; rates are the spikes per neuron of each tick, counts each neuron's spikes."""

    def phase(c: LatticeState, P):
        def body(acc, _):
            c, counts = acc
            c, s = tick(lat, lif, plasticity, hyper, w_scale, c, P)
            return (c, counts + s.astype(jnp.int32)), jnp.mean(s, dtype=jnp.float32)

        (c, counts), rates = jax.lax.scan(body, (c, jnp.zeros((lat.n,), jnp.int32)), None, length=steps)
        return c, (rates, counts)

    return phase
