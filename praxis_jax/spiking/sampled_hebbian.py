"""Sampled Hebbian plasticity of exponent-coded weights (brain3d).

Each tick, every edge is sampled independently with probability ``p`` (brain3d: 1–10% of the edges per step);
only the sampled edges change:

    Δ[j, v]  = η · pre[j, v] · post[v] · ln 8 − δ · E[j, v]
    E'[j, v] = clip(round(E[j, v] + Δ[j, v]), 0, e_max)   if sampled[j, v],   else E[j, v]

``E`` are the uint8 codes of :mod:`praxis_jax.spiking.exponent_weights` (``w = 2^E``), ``pre[j, v]`` the spike of edge j's
presynaptic neuron in the previous tick (gathered through the topology, 0 on an invalid edge), ``post[v]`` the
spike of neuron v in this tick. brain3d: η = 0.1, δ = 0 (no decay), so a coincidence asks for
``Δ = 0.1·ln 8 ≈ 0.208`` and a code can only grow.

Rounding is **stochastic** by default: ``round(x) = floor(x) + [r < x − floor(x)]`` with ``r ~ U[0, 1)``, so
``E[E'] = E + Δ`` inside ``[0, e_max]``. Nearest rounding (``rounding="nearest"``, half to even) is offered
for comparison only: since ``|Δ| = 0.208 < 1/2`` for brain3d's η, it rounds every update back to the old code
and the weights never change (tested). The clamp makes ``E'`` a valid uint8 code in ``[0, e_max]`` whatever
the hyperparameters.

Randomness: one uniform ``u[j, v]`` per edge per tick. The edge is sampled iff ``u < p``, and, given that,
``r = u / p`` is again uniform on ``[0, 1)`` and independent of the sampling, so the same number serves the
rounding. ``rng="hash"`` (default) draws ``u`` from :func:`praxis_jax.quant.hash_uniform` (a counter-based
murmur3-style hash of a per-tick uint32 seed and the edge's row and column, 24-bit resolution, computed
in-kernel), much cheaper per tick than ``rng="threefry"`` (``jax.random.uniform``, also offered). The per-tick seed comes from the key in the
state, split each tick, so a run is bit-for-bit determined by the initial key.

Shapes: ``E`` ``(D, N)`` uint8, ``pre`` ``(N,)`` (or ``(D, N)`` already gathered in :func:`edge_update`),
``post`` ``(N,)`` bool or 0/1. Pure functions; jit and vmap (over keys and ``hyper``) compatible.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.plasticity.rule import Rule
from praxis_jax.quant.codec import hash_uniform, stochastic_round
from praxis_jax.spiking.exponent_weights import EXP_MAX, gather_spikes
from praxis_jax.topology.base import Topology
from praxis_jax.validation import check_integer, check_number, fail

LN8 = math.log(8.0)
ROUNDINGS = ("stochastic", "nearest")
RNGS = ("hash", "threefry")
P_MIN, P_MAX = 0.01, 0.1
STREAM = 7  # hash stream of the sampling uniforms


class SampledHebbianHyper(NamedTuple):
    """float32 scalars (or batched under vmap)."""

    eta: Array  # η, learning rate of a coincidence (Δ = η·ln 8)
    delta: Array  # δ, decay of the code per sampled tick
    p: Array  # fraction of edges sampled per tick


class SampledHebbianConfig(eqx.Module):
    """The rule's constants (static; changing one recompiles).

    Fields:
      eta: η >= 0 (brain3d 0.1).
      delta: δ in [0, 1] (brain3d 0).
      p: fraction of edges sampled per tick, in [0.01, 0.1] (brain3d: 1–10%).
      e_max: largest code, an int in [1, 8] (brain3d 8: w <= 256).
      rounding: "stochastic" (unbiased, default) or "nearest" (half to even; freezes brain3d's η, see module).
      rng: "hash" (in-kernel counter hash, default) or "threefry" (jax.random).
    """

    eta: float = eqx.field(static=True, default=0.1)
    delta: float = eqx.field(static=True, default=0.0)
    p: float = eqx.field(static=True, default=0.1)
    e_max: int = eqx.field(static=True, default=EXP_MAX)
    rounding: Literal["stochastic", "nearest"] = eqx.field(static=True, default="stochastic")
    rng: Literal["hash", "threefry"] = eqx.field(static=True, default="hash")

    def __check_init__(self):
        o = "SampledHebbianConfig"
        check_number(o, "eta", self.eta, 0, 1e3, hi_open=False)
        check_number(o, "delta", self.delta, 0, 1, hi_open=False)
        check_number(o, "p", self.p, P_MIN, P_MAX, hi_open=False)
        check_integer(o, "e_max", self.e_max, 1, EXP_MAX)
        if self.rounding not in ROUNDINGS:
            fail(o, "rounding", self.rounding, f"one of {ROUNDINGS}")
        if self.rng not in RNGS:
            fail(o, "rng", self.rng, f"one of {RNGS}")

    def hyper(self) -> SampledHebbianHyper:
        return SampledHebbianHyper(*(jnp.asarray(getattr(self, f), jnp.float32)
                                     for f in SampledHebbianHyper._fields))


class SampledHebbianState(NamedTuple):
    """The rule's carry: the key (split each tick) and running totals over all ticks so far."""

    key: Array  # PRNG key
    requested: Array  # () float32 sum of Δ over the sampled edges (before rounding and clamping)
    applied: Array  # () float32 sum of E' − E (the realised net code change; each tick's part is exact int32)
    sampled: Array  # () float32 number of sampled edges


def uniforms(rng: str, key: Array, shape: tuple[int, int]) -> Array:
    """One float32 uniform in [0, 1) per edge, ``shape = (D, N)``, from ``key`` (see the module docstring)."""
    if rng == "threefry":
        return jax.random.uniform(key, shape, jnp.float32)
    seed = jax.random.bits(key, (), jnp.uint32)
    return hash_uniform(seed, shape, STREAM)


def new_codes(E: Array, pre_e: Array, post: Array, u: Array, hyper: SampledHebbianHyper, e_max: int,
              rounding: str) -> tuple[Array, Array, Array]:
    """The elementwise rule: ``(E', Δ on sampled edges, sampled)`` for codes ``E`` ``(D, N)`` uint8.

    ``pre_e`` ``(D, N)`` and ``post`` ``(N,)`` (0/1 or bool), ``u`` ``(D, N)`` float32 uniforms.
    """
    E_f = E.astype(jnp.float32)
    dexp = hyper.eta * jnp.float32(LN8) * pre_e.astype(jnp.float32) * post.astype(jnp.float32)[None, :] \
        - hyper.delta * E_f
    sampled = u < hyper.p
    x = E_f + dexp
    if rounding == "stochastic":
        q = stochastic_round(x, u / hyper.p)  # given sampled, u/p ~ U[0, 1)
    else:
        q = jnp.round(x)
    q = jnp.clip(q, 0, e_max)
    E_new = jnp.where(sampled, q.astype(jnp.uint8), E)
    return E_new, jnp.where(sampled, dexp, jnp.float32(0.0)), sampled


def edge_update(cfg: SampledHebbianConfig, pre_e: Array, post: Array, state: SampledHebbianState, E: Array,
                hyper: SampledHebbianHyper) -> tuple[Array, SampledHebbianState]:
    """The rule on spikes already gathered per edge: ``pre_e`` ``(D, N)`` (previous tick), post ``(N,)`` ->
    (E, state). :func:`sampled_hebbian`'s ``update`` is this after gathering ``pre`` ``(N,)``."""
    key, sub = jax.random.split(state.key)
    u = uniforms(cfg.rng, sub, E.shape)
    E_new, dexp, sampled = new_codes(E, pre_e, post, u, hyper, cfg.e_max, cfg.rounding)
    change = jnp.sum(E_new.astype(jnp.int32) - E.astype(jnp.int32), dtype=jnp.int32)  # |.| <= e_max·D·N
    return E_new, SampledHebbianState(
        key=key, requested=state.requested + jnp.sum(dexp),
        applied=state.applied + change.astype(jnp.float32),
        sampled=state.sampled + jnp.sum(sampled, dtype=jnp.int32).astype(jnp.float32))


def sampled_hebbian(topology: Topology, cfg: SampledHebbianConfig | None = None) -> Rule:
    """The rule for per-edge ``(D, N)`` codes on ``topology`` (see the module docstring) as a
    :class:`~praxis_jax.plasticity.rule.Rule`; ``cfg`` None is brain3d's (η 0.1, δ 0, p 0.1, stochastic
    rounding)."""
    cfg = SampledHebbianConfig() if cfg is None else cfg

    def init(E: Array, key: Array) -> SampledHebbianState:
        """The state: ``key`` (required: it draws the sampling) and zero running totals; ``E`` is not read."""
        del E
        if key is None:
            raise ValueError("sampled_hebbian init needs a key (it draws the sampling); got None")
        z = jnp.zeros((), jnp.float32)
        return SampledHebbianState(key=key, requested=z, applied=z, sampled=z)

    def update(pre: Array, post: Array, modulator, state: SampledHebbianState, E: Array,
               hyper: SampledHebbianHyper) -> tuple[Array, SampledHebbianState]:
        """pre ``(N,)`` spikes of the previous tick, post ``(N,)`` of this tick; modulator unused -> (E, state)."""
        del modulator
        return edge_update(cfg, gather_spikes(topology, pre), post, state, E, hyper)

    return Rule(init, update)
