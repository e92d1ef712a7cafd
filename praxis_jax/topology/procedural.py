"""Procedural connectivity (NeuroxAI): neighbours regenerated from a seed and the neuron id, never stored.

Both graphs draw from a counter-based hash ``h(seed, stream, v, j)`` (two murmur3 finalizer rounds on
uint32, computed in-kernel), so the same ``(seed, v, j)`` always gives the same edge and nothing but the
seed is kept. Edges are directed (in-edges of v); neither graph is symmetric in general.

- :class:`ProceduralRandom`: every edge ``j`` of ``v`` comes from a uniform random neuron other than v
  (no self-loops; duplicate edges, two j with the same source, are allowed).
- :class:`SmallWorld` (Watts–Strogatz): the ring lattice ``v ± 1 .. v ± D/2 (mod N)``, each in-edge rewired
  with probability p to a uniform random neuron other than v (no self-loops; a rewired edge may duplicate
  another edge, unlike the undirected Watts–Strogatz construction, which redraws duplicates).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.topology.base import Topology

STREAM_SOURCE, STREAM_REWIRE = 1, 2
_GOLDEN = 0x9E3779B9


def _fmix32(h: Array) -> Array:
    """murmur3's 32-bit finalizer (a bijection of uint32)."""
    h = h ^ (h >> 16)
    h = h * jnp.uint32(0x85EBCA6B)
    h = h ^ (h >> 13)
    h = h * jnp.uint32(0xC2B2AE35)
    return h ^ (h >> 16)


def hash32(seed: int, stream: int, v: Array, j: Array) -> Array:
    """uint32 hash of (seed, stream, v, j), broadcast over ``v`` and ``j``.

    ``h = fmix(fmix(seed ⊕ stream·φ ⊕ v) ⊕ j·φ)`` with φ = 0x9E3779B9 (all mod 2³²); for fixed
    (seed, stream) it is injective in v for fixed j and in j for fixed v.
    """
    key = (seed ^ ((stream * _GOLDEN) & 0xFFFFFFFF)) & 0xFFFFFFFF
    h = _fmix32(jnp.uint32(key) ^ v.astype(jnp.uint32))
    return _fmix32(h ^ (j.astype(jnp.uint32) * jnp.uint32(_GOLDEN)))


def mulhi32(h: Array, m: int) -> Array:
    """``floor(h·m / 2³²)`` for uint32 ``h`` and ``0 <= m < 2³²``, exactly, in 32-bit arithmetic.

    Lemire's multiply-shift: maps a uniform uint32 to [0, m) with bias at most m/2³² per value.
    """
    h = h.astype(jnp.uint32)
    mask = jnp.uint32(0xFFFF)
    h1, h0 = h >> 16, h & mask
    m1, m0 = jnp.uint32(m >> 16), jnp.uint32(m & 0xFFFF)
    lo, mid1, mid2 = h0 * m0, h1 * m0, h0 * m1
    t = (lo >> 16) + (mid1 & mask) + (mid2 & mask)
    return h1 * m1 + (mid1 >> 16) + (mid2 >> 16) + (t >> 16)


def _other_neuron(h: Array, v: Array, n: int) -> Array:
    """A source in [0, n) other than ``v``, uniform over the n − 1 others: ``u = ⌊h(n−1)/2³²⌋``, +1 if u >= v."""
    u = mulhi32(h, n - 1).astype(jnp.int32)
    return u + (u >= v).astype(jnp.int32)


def _check_seed(owner: str, seed) -> None:
    if not (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**32):
        raise ValueError(f"{owner}.seed must be an int in [0, 2**32); got {seed!r}")


class _NumDeg(Topology):
    """``n`` and ``degree`` read from the fields ``num`` and ``deg`` of a procedural graph."""

    @property
    def n(self) -> int:
        return self.num

    @property
    def degree(self) -> int:
        return self.deg


class ProceduralRandom(_NumDeg):
    """Random graph with fixed in-degree D: ``neighbors(v)[j] = other(h(seed, 1, v, j), v)``.

    ``other`` maps the hash to a uniform neuron ≠ v (see the module docstring: no self-loops, duplicates
    allowed). Fields (static): ``num`` N >= 2 (< 2³¹), ``deg`` D >= 1, ``seed`` in [0, 2³²).
    """

    num: int = eqx.field(static=True)
    deg: int = eqx.field(static=True)
    seed: int = eqx.field(static=True, default=0)

    def __check_init__(self):
        o = "ProceduralRandom"
        if not (isinstance(self.num, int) and not isinstance(self.num, bool) and 2 <= self.num < 2**31):
            raise ValueError(f"{o}.num must be an int in [2, 2**31); got {self.num!r}")
        if not (isinstance(self.deg, int) and not isinstance(self.deg, bool) and self.deg >= 1):
            raise ValueError(f"{o}.deg must be an int >= 1; got {self.deg!r}")
        _check_seed(o, self.seed)

    def describe(self) -> str:
        return f"procedural random (N={self.n}, D={self.degree}, seed={self.seed})"

    def neighbors(self, v: Array, table: Array | None = None) -> Array:
        v = v.astype(jnp.int32)[..., None]
        j = jnp.arange(self.deg, dtype=jnp.uint32)
        return _other_neuron(hash32(self.seed, STREAM_SOURCE, v, j), v, self.num)


class SmallWorld(_NumDeg):
    """Watts–Strogatz small world, directed in-edges, rewired in-kernel.

    Edge j of v: base source ``(v + s_j) mod N`` with ``s = (1, .., D/2, −1, .., −D/2)``; it is rewired when
    ``h(seed, 2, v, j)·2⁻³² < p`` (24-bit uniform), to ``other(h(seed, 1, v, j), v)``, a uniform neuron ≠ v.
    p = 0 is the ring lattice (symmetric), p = 1 a :class:`ProceduralRandom`-like graph.

    Fields (static): ``num`` N >= 3, ``deg`` D even in [2, N − 1], ``p`` in [0, 1], ``seed`` in [0, 2³²).
    """

    num: int = eqx.field(static=True)
    deg: int = eqx.field(static=True)
    p: float = eqx.field(static=True, default=0.1)
    seed: int = eqx.field(static=True, default=0)

    def __check_init__(self):
        o = "SmallWorld"
        if not (isinstance(self.num, int) and not isinstance(self.num, bool) and 3 <= self.num < 2**31):
            raise ValueError(f"{o}.num must be an int in [3, 2**31); got {self.num!r}")
        if not (isinstance(self.deg, int) and not isinstance(self.deg, bool) and self.deg % 2 == 0
                and 2 <= self.deg <= self.num - 1):
            raise ValueError(f"{o}.deg must be an even int in [2, N-1 = {self.num - 1}]; got {self.deg!r}")
        if not (isinstance(self.p, (int, float)) and not isinstance(self.p, bool) and 0 <= self.p <= 1):
            raise ValueError(f"{o}.p must be a number in [0, 1]; got {self.p!r}")
        _check_seed(o, self.seed)

    @property
    def ring_offsets(self) -> tuple[int, ...]:
        half = self.deg // 2
        return tuple(range(1, half + 1)) + tuple(-k for k in range(1, half + 1))

    def describe(self) -> str:
        return f"small world (N={self.n}, D={self.degree}, p={self.p}, seed={self.seed})"

    def rewired(self, v: Array) -> Array:
        """bool ``(..., D)``: whether edge j of v was rewired."""
        v = v.astype(jnp.int32)[..., None]
        j = jnp.arange(self.deg, dtype=jnp.uint32)
        u = (hash32(self.seed, STREAM_REWIRE, v, j) >> 8).astype(jnp.float32) * jnp.float32(2.0**-24)
        return u < jnp.float32(self.p)

    def neighbors(self, v: Array, table: Array | None = None) -> Array:
        v32 = v.astype(jnp.int32)[..., None]
        j = jnp.arange(self.deg, dtype=jnp.uint32)
        ring = (v32 + jnp.asarray(self.ring_offsets, jnp.int32)) % self.num
        far = _other_neuron(hash32(self.seed, STREAM_SOURCE, v32, j), v32, self.num)
        return jnp.where(self.rewired(v), far, ring)
