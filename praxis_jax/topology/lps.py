"""The Lubotzky–Phillips–Sarnak Ramanujan graph X^{p,q}, neighbours computed in-kernel.

p, q distinct primes ≡ 1 (mod 4), p < q². Vertices are 2×2 matrices over F_q up to scalars; edges
right-multiply by the p + 1 generators

    g = [[a0 + i·a1, a2 + i·a3], [−a2 + i·a3, a0 − i·a1]],  a0² + a1² + a2² + a3² = p,
    a0 > 0 odd, a1, a2, a3 even, i² ≡ −1 (mod q).

If the Legendre symbol (p/q) = +1 the graph lives on PSL(2, F_q), N = q(q² − 1)/2, and generators are
divided by sqrt(p) mod q so det = 1; otherwise on PGL(2, F_q), N = q(q² − 1), and it is bipartite.
Degree p + 1; every non-trivial eigenvalue |λ| <= 2·sqrt(p) (Ramanujan). Several primes p (all with the
same Legendre symbol mod q) give the union of their generator sets ("second generator set").

Index codec (int32, bijective):
  PSL, a ≠ 0 (a in [1, (q−1)/2]): idx = ((a − 1)·q + b)·q + c, d = (1 + b·c)/a
  PSL, a = 0 (b in [1, (q−1)/2]):  idx = h·q² + (b − 1)·q + d,   c = −1/b,  h = (q − 1)/2
  PGL, a ≠ 0 (scaled to a = 1):    idx = (b·q + c)·(q − 1) + (det − 1),  det = d − b·c ≠ 0
  PGL, a = 0 (scaled to b = 1):    idx = q²(q − 1) + (c − 1)·q + d
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from praxis_jax.topology.base import Topology
from praxis_jax.topology.numtheory import four_squares, is_prime, legendre, sqrt_mod


def _check_prime_1mod4(name: str, x) -> None:
    if not isinstance(x, int) or not is_prime(x) or x % 4 != 1:
        raise ValueError(f"LPS.{name} must be a prime ≡ 1 (mod 4); got {x!r}")


class LPS(Topology):
    """LPS Ramanujan graph X^{p,q} (union over ``ps``), degree sum(p + 1).

    Fields (static): ``ps`` tuple of primes p, ``q`` prime.
    """

    ps: tuple[int, ...] = eqx.field(static=True)
    q: int = eqx.field(static=True)

    def __check_init__(self):
        _check_prime_1mod4("q", self.q)
        if not isinstance(self.ps, tuple):
            raise ValueError(f"LPS.ps must be a tuple of primes, e.g. (13,); got {self.ps!r}")
        if not self.ps:
            raise ValueError("LPS.ps must name at least one prime p")
        if self.q >= 1290:  # q(q²−1) must fit int32
            raise ValueError(f"LPS.q must be < 1290 so indices fit int32; got {self.q}")
        for p in self.ps:
            _check_prime_1mod4("p", p)
            if p == self.q:
                raise ValueError(f"LPS.p must differ from q; got p=q={p}")
            if p >= self.q**2:
                raise ValueError(f"LPS.p must be < q² = {self.q**2}; got p={p}")
        if len(set(self.ps)) != len(self.ps):
            raise ValueError(f"LPS.ps must be distinct; got {self.ps}")
        signs = {legendre(p, self.q) for p in self.ps}
        if len(signs) != 1:
            raise ValueError(f"LPS.ps must share one Legendre symbol mod q={self.q}; got {self.ps}")

    @property
    def psl(self) -> bool:
        """True when (p/q) = +1: the graph is on PSL(2, q) and not bipartite."""
        return legendre(self.ps[0], self.q) == 1

    @property
    def n(self) -> int:
        q = self.q
        return q * (q * q - 1) // 2 if self.psl else q * (q * q - 1)

    @property
    def degree(self) -> int:
        return sum(p + 1 for p in self.ps)

    @property
    def bipartite(self) -> bool:
        return not self.psl

    def describe(self) -> str:
        group = "PSL" if self.psl else "PGL"
        return f"LPS X^(p={self.ps}, q={self.q}) on {group}(2,{self.q}) (N={self.n}, D={self.degree})"

    def generators(self) -> np.ndarray:
        """The generator matrices mod q, int32 ``(D, 4)`` as (a, b, c, d); det 1 in the PSL case."""
        q = self.q
        i = sqrt_mod(-1, q)
        gens = []
        for p in self.ps:
            scale = pow(sqrt_mod(p, q), -1, q) if self.psl else 1
            for a0, a1, a2, a3 in four_squares(p):
                g = [a0 + i * a1, a2 + i * a3, -a2 + i * a3, a0 - i * a1]
                gens.append([(x * scale) % q for x in g])
        return np.asarray(gens, dtype=np.int32)

    def inverses(self) -> np.ndarray:
        """``inv[x] = x⁻¹ mod q`` for x in [1, q), ``inv[0] = 0``: int32 ``(q,)`` (a constant, like
        :meth:`generators`, so that kernels may close over it inside a trace)."""
        q = self.q
        return np.asarray([0] + [pow(x, -1, q) for x in range(1, q)], dtype=np.int32)

    def decode(self, idx: Array) -> tuple[Array, Array, Array, Array]:
        """Index -> canonical matrix entries (a, b, c, d), each int32 of idx's shape."""
        q, inv = self.q, jnp.asarray(self.inverses())
        idx = idx.astype(jnp.int32)
        if self.psl:
            h = (q - 1) // 2
            top = idx < h * q * q
            a1, b1, c1 = idx // (q * q) + 1, (idx // q) % q, idx % q
            d1 = (1 + b1 * c1) % q * inv[jnp.where(top, a1, 1)] % q
            r = idx - h * q * q
            b0, d0 = r // q + 1, r % q
            c0 = (q - inv[jnp.where(top, 1, b0)]) % q
            return (jnp.where(top, a1, 0), jnp.where(top, b1, b0), jnp.where(top, c1, c0), jnp.where(top, d1, d0))
        top = idx < q * q * (q - 1)
        t, det = idx // (q - 1), idx % (q - 1) + 1
        b1, c1 = t // q, t % q
        d1 = (det + b1 * c1) % q
        r = idx - q * q * (q - 1)
        c0, d0 = r // q + 1, r % q
        return (jnp.where(top, 1, 0), jnp.where(top, b1, 1), jnp.where(top, c1, c0), jnp.where(top, d1, d0))

    def encode(self, a: Array, b: Array, c: Array, d: Array) -> Array:
        """Any invertible matrix (entries in [0, q)) -> index of its class."""
        q, inv = self.q, jnp.asarray(self.inverses())
        if self.psl:
            h = (q - 1) // 2
            lead = jnp.where(a != 0, a, b)
            neg = lead > h
            a, b, c, d = [jnp.where(neg, (q - x) % q, x) for x in (a, b, c, d)]
            return jnp.where(a != 0, ((a - 1) * q + b) * q + c, h * q * q + (b - 1) * q + d)
        s = inv[jnp.where(a != 0, a, b)]
        a, b, c, d = [x * s % q for x in (a, b, c, d)]
        det = (d - b * c) % q
        return jnp.where(a != 0, (b * q + c) * (q - 1) + det - 1, q * q * (q - 1) + (c - 1) * q + d)

    def neighbors(self, v: Array, table: Array | None = None) -> Array:
        q = self.q
        a, b, c, d = (x[..., None] for x in self.decode(v))
        g = jnp.asarray(self.generators())
        ga, gb, gc, gd = g[:, 0], g[:, 1], g[:, 2], g[:, 3]
        return self.encode(
            (a * ga + b * gc) % q, (a * gb + b * gd) % q, (c * ga + d * gc) % q, (c * gb + d * gd) % q
        )
