"""Spectral and distance diagnostics for small graphs (host-side numpy/scipy).

The expansion of a D-regular graph is measured by λ = max |eigenvalue| over the non-trivial spectrum
(excluding D, and −D for bipartite graphs); Ramanujan means λ <= 2·sqrt(D − 1). We report the ratio
λ / (2·sqrt(D − 1)).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from praxis_jax.topology.base import Topology
from praxis_jax.topology.circulant import Circulant


def adjacency(nbrs: np.ndarray) -> sp.csr_matrix:
    """Sparse adjacency A[v, u] = number of edges u -> v from an ``(N, D)`` neighbour array."""
    n, d = nbrs.shape
    rows = np.repeat(np.arange(n), d)
    return sp.csr_matrix((np.ones(n * d), (rows, nbrs.ravel())), shape=(n, n))


def eigenvalues(topology: Topology, dense_limit: int = 3000) -> np.ndarray:
    """All adjacency eigenvalues, ascending: exact FFT spectrum for circulants (any N), dense ``eigvalsh``
    for other graphs up to ``dense_limit`` vertices (ValueError above it)."""
    if isinstance(topology, Circulant):
        ind = np.zeros(topology.n)
        np.add.at(ind, np.asarray(topology.offsets), 1.0)
        return np.sort(np.real(np.fft.fft(ind)))
    if topology.n > dense_limit:
        raise ValueError(f"eigenvalues: N={topology.n} > dense_limit={dense_limit} for a non-circulant graph")
    return np.linalg.eigvalsh(adjacency(topology.neighbor_array()).toarray())


def second_eigenvalue(topology: Topology, dense_limit: int = 3000) -> float:
    """Largest non-trivial |eigenvalue| of the adjacency matrix.

    Circulants and graphs up to ``dense_limit`` vertices use :func:`eigenvalues`; larger graphs sparse
    Lanczos (``eigsh``) on the largest-magnitude few.
    """
    d = topology.degree
    if isinstance(topology, Circulant) or topology.n <= dense_limit:
        lam = eigenvalues(topology, dense_limit)
    else:
        A = adjacency(topology.neighbor_array())
        lam = spla.eigsh(A.astype(np.float64), k=6, which="LM", return_eigenvectors=False, tol=1e-8)
    lam = np.sort(np.asarray(lam, dtype=np.float64))
    trivial = np.isclose(np.abs(lam), d, atol=1e-6)
    # Remove one +D (connected) and one -D (bipartite) eigenvalue; repeated ones mean disconnection.
    keep = np.ones(lam.size, bool)
    for target in (d, -d):
        hit = np.nonzero(trivial & np.isclose(lam, target, atol=1e-6))[0]
        if hit.size:
            keep[hit[0]] = False
    return float(np.max(np.abs(lam[keep])))


def ramanujan_ratio(topology: Topology, **kw) -> float:
    """``second_eigenvalue / (2·sqrt(D − 1))``: <= 1 means Ramanujan."""
    return second_eigenvalue(topology, **kw) / (2.0 * np.sqrt(topology.degree - 1))


def diameter(topology: Topology, sources: int | None = 1) -> int:
    """Largest BFS eccentricity over the first ``sources`` vertices (all if None).

    Cayley graphs (circulants, LPS) are vertex-transitive, so one source gives the diameter.
    Raises ValueError if the graph is disconnected.
    """
    nbrs = topology.neighbor_array()
    n = topology.n
    A = adjacency(nbrs)  # A[v, u]: u -> v, so A @ frontier marks the successors of the frontier
    ecc = 0
    for s in range(n if sources is None else min(sources, n)):
        seen = np.zeros(n, bool)
        seen[s] = True
        frontier = np.zeros(n, bool)
        frontier[s] = True
        depth = 0
        while True:
            nxt = (A @ frontier.astype(np.float64)) > 0
            nxt &= ~seen
            if not nxt.any():
                break
            seen |= nxt
            frontier = nxt
            depth += 1
        if not seen.all():
            raise ValueError(f"graph is disconnected: {int((~seen).sum())} vertices unreachable from {s}")
        ecc = max(ecc, depth)
    return ecc
