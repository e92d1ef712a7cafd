"""The brain3d cubic grid: N = L³ neurons, each receiving from its neighbourhood of radius r, not toroidal.

Neuron ``v = x + L·y + L²·z`` sits at ``(x, y, z)``, ``0 <= x, y, z < L``. Its edge ``j`` comes from
``(x, y, z) + o_j`` for the ``D`` offsets ``o_j`` of the ball ``{o ≠ 0 : |o|_metric <= r}``:

- ``chebyshev``: ``max(|dx|, |dy|, |dz|) <= r``, ``D = (2r + 1)³ − 1`` (26 for r = 1);
- ``manhattan``: ``|dx| + |dy| + |dz| <= r``, ``D = 6`` for r = 1, 24 for r = 2.

(brain3d says "Manhattan radius r = 1, yielding ~26 edges": 26 is the Chebyshev count; Manhattan r = 1 has 6.)

The grid has borders, so ``degree`` is the interior count D (arrays stay ``(D, N)``) and an edge whose source
falls outside the grid is *invalid*: :meth:`Lattice3D.valid` marks it False, :meth:`Lattice3D.neighbors`
returns the neuron itself there (an in-range index, never a real edge), and :meth:`Lattice3D.gather` yields 0
on it, so :meth:`propagate` and rules that read presynaptic values through ``gather`` see no input from it.
:meth:`Lattice3D.in_degree` is the true count (26, 17, 11, 7 at interior, face, edge, corner for r = 1
chebyshev). Everything is integer arithmetic on the index inside jit; no table is stored.
"""

from __future__ import annotations

import itertools
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from praxis_jax.topology.base import NEURONS, Topology

METRICS = ("chebyshev", "manhattan")


def ball_offsets(radius: int, metric: str) -> tuple[tuple[int, int, int], ...]:
    """The non-zero offsets ``(dx, dy, dz)`` of the ball of ``radius``, sorted by ``(dz, dy, dx)``.

    The set is symmetric; in this order offset ``j`` and offset ``D − 1 − j`` are negatives of each other.
    """
    rng = range(-radius, radius + 1)
    out = []
    for dz, dy, dx in itertools.product(rng, rng, rng):
        size = max(abs(dx), abs(dy), abs(dz)) if metric == "chebyshev" else abs(dx) + abs(dy) + abs(dz)
        if 0 < size <= radius:
            out.append((dx, dy, dz))
    return tuple(out)


class Lattice3D(Topology):
    """L×L×L grid with radius-r neighbourhoods, non-toroidal (see the module docstring).

    Fields (static):
      side: L >= 2r + 1 (so an interior neuron with all D neighbours exists); L³ must fit int32.
      radius: r >= 1.
      metric: "chebyshev" or "manhattan".
    """

    side: int = eqx.field(static=True)
    radius: int = eqx.field(static=True, default=1)
    metric: Literal["chebyshev", "manhattan"] = eqx.field(static=True, default="chebyshev")

    def __check_init__(self):
        o = "Lattice3D"
        if self.metric not in METRICS:
            raise ValueError(f"{o}.metric must be one of {METRICS}; got {self.metric!r}")
        if not (isinstance(self.radius, int) and not isinstance(self.radius, bool) and self.radius >= 1):
            raise ValueError(f"{o}.radius must be an int >= 1; got {self.radius!r}")
        if not (isinstance(self.side, int) and not isinstance(self.side, bool) and self.side >= 2 * self.radius + 1):
            raise ValueError(f"{o}.side must be an int >= 2·radius + 1 = {2 * self.radius + 1}; got {self.side!r}")
        if self.side**3 >= 2**31:
            raise ValueError(f"{o}.side must be < 1291 so that L³ fits int32; got {self.side}")

    @property
    def n(self) -> int:
        return self.side**3

    @property
    def offsets(self) -> tuple[tuple[int, int, int], ...]:
        """The D offsets ``(dx, dy, dz)`` (see :func:`ball_offsets`)."""
        return ball_offsets(self.radius, self.metric)

    @property
    def degree(self) -> int:
        return len(self.offsets)

    def describe(self) -> str:
        L = self.side
        return f"3-D lattice {L}x{L}x{L} (N={self.n}, D={self.degree}, {self.metric} r={self.radius}, non-toroidal)"

    def coords(self, v: Array) -> tuple[Array, Array, Array]:
        """``(x, y, z)`` int32 of neurons ``v``."""
        v = v.astype(jnp.int32)
        L = self.side
        return v % L, (v // L) % L, v // (L * L)

    def _edges(self, v: Array) -> tuple[Array, Array]:
        """``(source, valid)`` for neurons ``v (...)``: int32 and bool ``(..., D)``; source = v where invalid."""
        off = np.asarray(self.offsets, np.int32)  # (D, 3)
        L = self.side
        x, y, z = (c[..., None] for c in self.coords(v))
        nx, ny, nz = x + off[:, 0], y + off[:, 1], z + off[:, 2]
        valid = (nx >= 0) & (nx < L) & (ny >= 0) & (ny < L) & (nz >= 0) & (nz < L)
        flat = jnp.asarray(off[:, 0] + L * off[:, 1] + L * L * off[:, 2], jnp.int32)
        vv = v.astype(jnp.int32)[..., None]
        return jnp.where(valid, vv + flat, vv), valid

    def neighbors(self, v: Array, table: Array | None = None) -> Array:
        """Source of each edge, int32 ``(..., D)``; the neuron itself where the edge is invalid."""
        return self._edges(v)[0]

    def valid(self, v: Array) -> Array:
        """bool ``(..., D)``: whether edge j of neuron v has its source inside the grid."""
        return self._edges(v)[1]

    def in_degree(self, v: Array) -> Array:
        """int32 ``(...)``: the number of valid incoming edges of neurons ``v``."""
        return jnp.sum(self.valid(v), axis=-1, dtype=jnp.int32)

    def edge_mask(self) -> Array:
        """bool ``(D, N)``: :meth:`valid` of every neuron, edge-major (to zero weights of invalid edges)."""
        return self.valid(jnp.arange(self.n, dtype=jnp.int32)).T

    def gather(self, a: Array, table: Array | None = None) -> Array:
        """``pre[j, v] = a[neighbors(v)[j]]`` on valid edges and 0 on invalid ones: ``(N,) -> (D, N)``."""
        def block(a, start, length):
            src, ok = self._edges(self.block_neurons(start, length))
            return jnp.where(ok.T, a[src.T], jnp.zeros((), a.dtype))

        return self.per_device(block, (), a, jax.sharding.PartitionSpec(None, NEURONS))
