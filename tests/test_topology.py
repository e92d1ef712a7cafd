"""Topologies: codecs, regularity, symmetry, spectra, in-kernel neighbours, bad parameters."""

import collections

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from praxis_jax.topology import (
    LPS,
    StoredIndex,
    choose_topology,
    diameter,
    primitive_root_circulant,
    ramanujan_ratio,
    random_circulant,
    second_eigenvalue,
    singer,
)
from praxis_jax.topology.numtheory import singer_difference_set

LPS_PAIRS = [((5,), 13), ((13,), 17), ((17,), 13), ((13,), 5), ((29, 17), 13)]


def _regular_symmetric(nbrs):
    n, d = nbrs.shape
    assert nbrs.dtype == np.int32 and nbrs.min() >= 0 and nbrs.max() < n
    in_deg = np.bincount(nbrs.ravel(), minlength=n)
    assert (in_deg == d).all(), "every vertex is the neighbour of exactly D edges"
    edges = collections.Counter(zip(np.repeat(np.arange(n), d).tolist(), nbrs.ravel().tolist()))
    assert all(edges[(u, v)] == c for (v, u), c in edges.items()), "symmetric with multiplicity"


@pytest.mark.parametrize("m", [2, 3, 5, 7, 11, 13])
def test_singer_set_is_perfect_difference_set(m):
    d, n = singer_difference_set(m), m * m + m + 1
    assert len(d) == m + 1
    assert sorted((x - y) % n for x in d for y in d if x != y) == list(range(1, n))


@pytest.mark.parametrize("ps,q", LPS_PAIRS)
def test_lps_codec_is_bijection_and_graph_regular_symmetric(ps, q):
    g = LPS(ps=ps, q=q)
    idx = jnp.arange(g.n)
    assert (np.asarray(g.encode(*g.decode(idx))) == np.arange(g.n)).all()
    nbrs = g.neighbor_array()
    assert nbrs.shape == (g.n, g.degree) and g.degree == sum(p + 1 for p in ps)
    _regular_symmetric(nbrs)
    assert not (nbrs == np.arange(g.n)[:, None]).any(), "no self-loops"


@pytest.mark.parametrize("ps,q", [((5,), 13), ((13,), 17), ((17,), 13), ((13,), 5)])
def test_lps_is_ramanujan(ps, q):
    g = LPS(ps=ps, q=q)
    assert second_eigenvalue(g) <= 2 * np.sqrt(g.degree - 1) + 1e-6


@pytest.mark.parametrize("m,copies", [(5, 1), (11, 1), (31, 1), (71, 1)])
def test_singer_below_075_of_ramanujan_and_diameter_2(m, copies):
    g = singer(m, copies)
    _regular_symmetric(g.neighbor_array())
    assert ramanujan_ratio(g) <= 0.75
    assert second_eigenvalue(g) <= 2 * np.sqrt(m) + 1e-6, "|λ| <= 2·sqrt(m) from |D̂(χ)| = sqrt(m)"
    assert diameter(g) == 2


def test_singer_fft_spectrum_matches_dense():
    g = singer(7)
    A = np.zeros((g.n, g.n))
    np.add.at(A, (np.repeat(np.arange(g.n), g.degree), g.neighbor_array().ravel()), 1)
    lam = np.sort(np.abs(np.linalg.eigvalsh(A)))[:-1]
    assert np.isclose(lam.max(), second_eigenvalue(g))


def test_singer_two_copies_regular_and_expanding():
    g = singer(11, copies=2)
    assert g.degree == 4 * 12
    _regular_symmetric(g.neighbor_array())
    assert second_eigenvalue(g) <= 4 * np.sqrt(11) + 1e-6


@pytest.mark.parametrize(
    "topo",
    [singer(5), LPS(ps=(13,), q=5), primitive_root_circulant(101, 10), random_circulant(100, 10, 1),
     StoredIndex(base=singer(5))],
    ids=lambda t: type(t).__name__,
)
def test_in_kernel_neighbors_equal_neighbor_array_and_gather(topo):
    table = topo._table_or_none()
    inside = jax.jit(lambda v: topo.neighbors(v, table))(jnp.arange(topo.n, dtype=jnp.int32))
    assert (np.asarray(inside) == topo.neighbor_array()).all()
    a = jnp.arange(topo.n, dtype=jnp.float32) * 0.01
    pre = np.asarray(topo.gather(a, table))
    assert (pre == np.asarray(a)[topo.neighbor_array().T]).all()
    W = jax.random.normal(jax.random.PRNGKey(0), (topo.degree, topo.n))
    np.testing.assert_allclose(topo.propagate(W, a, table), (np.asarray(W) * pre).sum(0), rtol=1e-5, atol=1e-5)


def test_int8_propagate_is_exact_int32():
    topo = singer(13)
    rng = np.random.default_rng(0)
    W = rng.integers(-127, 128, (topo.degree, topo.n), dtype=np.int8)
    a = rng.integers(-127, 128, topo.n, dtype=np.int8)
    got = np.asarray(topo.propagate(jnp.asarray(W), jnp.asarray(a), None, jnp.int32))
    want = (W.astype(np.int64) * a[topo.neighbor_array().T]).sum(0)
    assert (got == want).all()


def test_random_and_primitive_are_weaker_expanders_than_singer():
    s = singer(31)
    r = random_circulant(s.n, s.degree, 0)
    assert ramanujan_ratio(s) < ramanujan_ratio(r)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: LPS(ps=(7,), q=13), "LPS.p must be a prime ≡ 1"),  # p ≡ 3 mod 4
        (lambda: LPS(ps=(9,), q=13), "LPS.p must be a prime"),  # not prime
        (lambda: LPS(ps=(5,), q=15), "LPS.q must be a prime"),
        (lambda: LPS(ps=(29,), q=5), "LPS.p must be < q²"),
        (lambda: LPS(ps=(13,), q=13), "LPS.p must differ"),
        (lambda: LPS(ps=(5, 13), q=17), "Legendre"),
        (lambda: singer(4), "singer.m must be a prime"),
        (lambda: singer(5, 0), "singer.copies"),
        (lambda: choose_topology("hypercube", 100), "kind must be one of"),
        (lambda: choose_topology("singer", 3), "n must be an int >= 7"),
        (lambda: choose_topology("primitive", 100), "needs a prime n"),
        (lambda: random_circulant(10, 3), "degree must be even"),
    ],
)
def test_bad_parameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_choose_topology_reports_what_it_picked():
    for kind in ("singer", "lps", "random", "stored"):
        t = choose_topology(kind, 2000, 2.0)
        assert 0.4 * 2000 < t.n < 2.5 * 2000
        assert 1.0 * np.sqrt(t.n) < t.degree < 3.5 * np.sqrt(t.n)
        assert str(t.n) in t.describe()


def test_choose_lps_falls_back_to_pgl_for_small_n():
    """q = 5 has no p ≡ 1 (mod 4), p < 25, with (p/5) = +1: the bipartite PGL(2, 5) graph (N = 120) is picked."""
    t = choose_topology("lps", 100, 2.0)
    assert "PGL(2,5)" in t.describe() and t.n == 120 and t.degree == 18
    nbrs = np.asarray(t.neighbor_array())
    assert nbrs.shape == (120, 18) and (np.sort(nbrs, 1) != np.arange(120)[:, None]).all()
    counts = collections.Counter(nbrs.ravel().tolist())
    assert set(counts.values()) == {18}  # regular: every neuron is the source of 18 edges too
