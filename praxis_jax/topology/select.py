"""Pick admissible graph parameters for a requested size N and degree factor k (D ≈ k·sqrt(N))."""

from __future__ import annotations

import math

from praxis_jax.devices import available_bytes
from praxis_jax.topology.base import Topology
from praxis_jax.topology.circulant import primitive_root_circulant, random_circulant
from praxis_jax.topology.gather import StoredIndex
from praxis_jax.topology.lps import LPS
from praxis_jax.topology.numtheory import is_prime, legendre, primes_near
from praxis_jax.topology.singer import singer

KINDS = ("singer", "lps", "primitive", "random", "stored")


def _check(n, k, least_k: float = 2.0):
    """n and k valid, and the graph's smallest organoid (int8 W and e: 2 bytes an edge, D at least
    ``least_k``·sqrt(N): a Singer or LPS graph never has fewer) fits in free memory, checked before building
    a graph (which takes minutes at N ~ 1e9)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 7:
        raise ValueError(f"choose_topology.n must be an int >= 7; got {n!r}")
    if isinstance(k, bool) or not (isinstance(k, (int, float)) and math.isfinite(k) and k > 0):
        raise ValueError(f"choose_topology.k must be a finite number > 0; got {k!r}")
    factor = max(k, least_k, 2 / math.sqrt(n))  # D >= 2 for every graph
    need, free = 2 * factor * math.sqrt(n) * n, available_bytes()
    if need > free:
        raise ValueError(f"choose_topology: N = {n:,} with D ≈ {factor:g}·sqrt(N) needs at least "
                         f"{need / 2**30:,.1f} GiB "
                         f"(int8 W and e) and only {free / 2**30:,.1f} GiB is free; a smaller n or k")


def choose_singer(n: int, k: float = 2.0) -> Topology:
    """Singer graph with prime m nearest to solving m² + m + 1 = n and copies = max(1, round(k / 2))."""
    _check(n, k)
    m = primes_near((math.sqrt(4 * n - 3) - 1) / 2)[0]
    return singer(m, copies=max(1, round(k / 2)))


def choose_lps(n: int, k: float = 2.0) -> Topology:
    """LPS graph: q ≡ 1 (mod 4) with q(q² − 1)/2 nearest n, then p ≡ 1 (mod 4), (p/q) = +1, p + 1 ≈ k·sqrt(N)
    (PSL(2, q), non-bipartite). Where no such p exists (small q), the bipartite PGL(2, q) graph instead:
    q with q(q² − 1) nearest n and p with (p/q) = −1."""
    _check(n, k)
    tried = []
    for sign, per_q in ((1, 2), (-1, 1)):  # PSL first: N = q(q² − 1)/2; then PGL: N = q(q² − 1)
        q = primes_near((per_q * n) ** (1 / 3), mod4=1)[0]
        N = q * (q * q - 1) // per_q
        for p in primes_near(k * math.sqrt(N) - 1, mod4=1, count=50):
            if p != q and p < q * q and legendre(p, q) == sign:
                return LPS(ps=(p,), q=q)
        tried.append(f"(p/{q}) = {sign:+d} near {k * math.sqrt(N) - 1:.0f}")
    raise ValueError(f"choose_lps({n}, {k}): no prime p ≡ 1 (mod 4) with {' or '.join(tried)}")


def choose_topology(kind: str, n: int, k: float = 2.0, seed: int = 0) -> Topology:
    """A topology of ``kind`` (one of KINDS) close to ``n`` neurons with degree ≈ ``k``·sqrt(N).

    ``singer`` and ``lps`` round N to their admissible sizes (see :meth:`Topology.describe` for what was
    picked); ``primitive`` and ``random`` take N as given; ``stored`` is the Singer graph with a stored
    index table (the gather baseline).
    """
    if kind not in KINDS:
        raise ValueError(f"choose_topology.kind must be one of {KINDS}; got {kind!r}")
    _check(n, k, 2.0 if kind in ("singer", "lps", "stored") else 0.0)
    if kind == "singer":
        return choose_singer(n, k)
    if kind == "lps":
        return choose_lps(n, k)
    if kind == "stored":
        return StoredIndex(base=choose_singer(n, k))
    degree = max(2, 2 * round(k * math.sqrt(n) / 2))
    if kind == "primitive":
        if not is_prime(n):
            raise ValueError(f"choose_topology('primitive') needs a prime n; got {n} (nearest: {primes_near(n)[0]})")
        return primitive_root_circulant(n, degree)
    return random_circulant(n, degree, seed)
