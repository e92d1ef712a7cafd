"""Exponent-encoded weights (brain3d): each edge stores a uint8 code ``E`` and weighs ``w = 2^E``, ``E in [0, 8]``.

Layout as everywhere in praxis_jax: per-edge arrays are edge-major ``(D, N)``; edge ``j`` of neuron ``v``
comes from ``topology.neighbors(v)[j]``. Spikes are ``(N,)`` bool (or 0/1).

Propagation sums the weights of the edges whose presynaptic neuron spiked:

    S[v] = sum_j s_pre[j, v] · 2^E[j, v],      s_pre[j, v] = s[neighbors(v)[j]]  (0 on an invalid edge)

Two ways to compute it, neither of which can overflow:

- ``"int32"`` (exact): ``S`` as an int32 sum of ``1 << E``. Every term is at most ``2^EXP_MAX = 256`` and a
  neuron has at most ``D`` terms, so ``0 <= S <= D·2^EXP_MAX``; int32 holds it whenever
  ``D·2^EXP_MAX <= 2^31 − 1``, i.e. ``D <= 8,388,607`` (checked from the static degree before tracing, see
  :func:`check_degree`). For brain3d's lattice (D = 26) the bound is 6,656. The float32 current made from it
  (``w_scale·S``) is exact too, since ``S < 2^24`` for ``D <= 65,536``. Codes above ``EXP_MAX`` cannot arise
  from :mod:`praxis_jax.spiking.sampled_hebbian` (it clamps); :func:`decode` saturates them anyway, so a
  corrupted code gives ``2^EXP_MAX``, never a wrapped shift.
- ``"log2"`` (log-domain max-shift, the log-sum-exp trick in base 2): with ``m[v] = max_j E[j, v]`` over the
  active edges,

      log2 S[v] = m[v] + log2( sum_j s_pre[j, v] · 2^(E[j, v] − m[v]) ),

  every shifted term is in ``(0, 1]`` and their sum in ``[1, D]``, so the result is at most
  ``255 + log2 D`` for *any* uint8 code (no clamp needed) and ``−inf`` where no presynaptic neuron spiked.
  This is the form to use when codes may exceed 8 or the degree is huge; ``2^log2 S`` equals the int32 sum
  up to float32 rounding (about 1e-7 relative).

On a :class:`~praxis_jax.topology.lattice.Lattice3D` (outside neuron sharding) :func:`gather_spikes` reads the
``D`` shifted views of the zero-padded ``(L, L, L)`` spike grid, the same values as ``Lattice3D.gather``
without recomputing coordinates per edge; any other topology goes through its own ``gather``.
"""

from __future__ import annotations

import math
from typing import Literal

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.topology.base import Topology, neuron_mesh
from praxis_jax.topology.lattice import Lattice3D
from praxis_jax.validation import fail

EXP_MAX = 8  # largest code: w = 2^8 = 256
MODES = ("int32", "log2")
_INT32_MAX = 2**31 - 1
_F32_EXACT = 2**24


def sum_bound(degree: int, e_max: int = EXP_MAX) -> int:
    """The largest possible ``S``: all ``degree`` presynaptic neurons spiking with code ``e_max``, ``D·2^e_max``."""
    return degree * 2**e_max


def check_degree(degree: int, e_max: int = EXP_MAX) -> None:
    """Raise ValueError unless ``D·2^e_max`` fits int32 (the exact path's accumulator)."""
    if not (isinstance(degree, int) and degree >= 1):
        fail("exponent_weights", "degree", degree, "an int >= 1")
    if sum_bound(degree, e_max) > _INT32_MAX:
        fail("exponent_weights", "degree", degree,
             f"<= {_INT32_MAX // 2**e_max} so that D·2^{e_max} fits int32 (use mode='log2')")


def float32_exact(degree: int, e_max: int = EXP_MAX) -> bool:
    """Whether every possible ``S`` is an exactly representable float32 integer (``D·2^e_max <= 2^24``)."""
    return sum_bound(degree, e_max) <= _F32_EXACT


def encode(w: Array) -> Array:
    """Nearest code of a positive weight: ``E = clip(round(log2 w), 0, EXP_MAX)`` as uint8 ``(...)``.

    ``w <= 1`` (and 0) give code 0; ``w >= 256`` gives 8.
    """
    lw = jnp.log2(jnp.maximum(jnp.asarray(w, jnp.float32), jnp.float32(1.0)))
    return jnp.clip(jnp.round(lw), 0, EXP_MAX).astype(jnp.uint8)


def decode(E: Array) -> Array:
    """``w = 2^min(E, EXP_MAX)`` as float32 ``(...)`` (exact: powers of two)."""
    return jnp.ldexp(jnp.float32(1.0), jnp.minimum(E.astype(jnp.int32), EXP_MAX))


def random_codes(key: Array, shape: tuple[int, ...], e_max: int = EXP_MAX) -> Array:
    """brain3d's initialisation ``E ~ U{0, .., e_max}`` (each code equally likely), uint8 ``shape``."""
    return jax.random.randint(key, shape, 0, e_max + 1, dtype=jnp.int32).astype(jnp.uint8)


def gather_spikes(topology: Topology, s: Array) -> Array:
    """Presynaptic spikes per edge, ``s_pre[j, v] = s[neighbors(v)[j]]`` (0 on invalid edges): ``(N,) -> (D, N)``.

    Keeps ``s``'s dtype. On a :class:`Lattice3D` without neuron sharding it slices the zero-padded grid:
    neuron ``v = x + L·y + L²·z`` is grid cell ``[z, y, x]`` and edge ``j`` with offset ``(dx, dy, dz)`` reads
    ``pad[z + dz + r, y + dy + r, x + dx + r]``.
    """
    if isinstance(topology, Lattice3D) and neuron_mesh() is None:
        L, r = topology.side, topology.radius
        grid = jnp.pad(s.reshape(L, L, L), r)
        starts = jnp.asarray([(r + dz, r + dy, r + dx) for dx, dy, dz in topology.offsets], jnp.int32)  # (D, 3)
        # one batched slice (a single gather op): compiles in a fraction of a second where 26 separate slices and
        # a stack took seconds at small L, and runs as fast at L = 128
        views = jax.vmap(lambda o: jax.lax.dynamic_slice(grid, (o[0], o[1], o[2]), (L, L, L)))(starts)
        return views.reshape(topology.degree, topology.n)
    return topology.gather(s)


def edge_sum(E: Array, s_pre: Array, mode: Literal["int32", "log2"] = "int32") -> Array:
    """``S[v] = sum_j s_pre[j, v]·2^E[j, v]`` from already gathered spikes.

    Args:
      E: ``(D, N)`` uint8 codes.
      s_pre: ``(D, N)`` bool (or 0/1) presynaptic spikes per edge.
      mode: ``"int32"``: int32 ``(N,)`` exact sum (codes saturate at EXP_MAX; D checked by
        :func:`check_degree`); ``"log2"``: float32 ``(N,)`` ``log2 S`` by the max-shift, ``−inf`` where no
        edge is active, valid for any uint8 code.
    Returns:
      ``(N,)`` int32 ``S`` or float32 ``log2 S``.
    """
    if mode not in MODES:
        fail("edge_sum", "mode", mode, f"one of {MODES}")
    active = s_pre.astype(bool)
    if mode == "int32":
        check_degree(E.shape[0])
        terms = jnp.left_shift(jnp.int32(1), jnp.minimum(E.astype(jnp.int32), EXP_MAX))
        return jnp.sum(jnp.where(active, terms, jnp.int32(0)), axis=0, dtype=jnp.int32)
    e = E.astype(jnp.float32)
    m = jnp.max(jnp.where(active, e, -jnp.inf), axis=0)  # (N,) −inf where nothing is active
    m_safe = jnp.where(jnp.isfinite(m), m, jnp.float32(0.0))
    shifted = jnp.where(active, jnp.exp2(e - m_safe[None, :]), jnp.float32(0.0))  # each in (0, 1]
    total = jnp.sum(shifted, axis=0)  # in [1, D] where anything is active
    return jnp.where(total > 0, m_safe + jnp.log2(jnp.maximum(total, jnp.float32(1.0))), -jnp.inf)


def propagate(topology: Topology, E: Array, s: Array, mode: Literal["int32", "log2"] = "int32") -> Array:
    """Recurrent input of exponent-coded edges: :func:`edge_sum` of ``E`` over the spikes ``s`` gathered by
    :func:`gather_spikes`.

    Args:
      topology: any topology with in-kernel neighbours (its ``degree`` D is checked for int32 first).
      E: ``(D, N)`` uint8 codes.
      s: ``(N,)`` bool spikes of the previous tick.
    Returns:
      ``(N,)`` int32 ``S`` (``mode="int32"``) or float32 ``log2 S`` (``mode="log2"``).
    """
    if mode == "int32":
        check_degree(topology.degree)
    return edge_sum(E, gather_spikes(topology, s), mode)


def log2_bound(degree: int, e_max: int = 255) -> float:
    """Upper bound of the ``"log2"`` result, ``e_max + log2 D`` (255 + log2 D for any uint8 code)."""
    return e_max + math.log2(degree)

