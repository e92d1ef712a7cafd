"""The 3-D lattice (border degrees, symmetry, masked propagation) and the procedural graphs (hash, rewiring)."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from praxis_jax.topology import Lattice3D, ProceduralRandom, SmallWorld, ball_offsets
from praxis_jax.topology.procedural import hash32, mulhi32


def _brute_edges(L, r, metric):
    """Numpy reference: dense in-adjacency A[v, u] = 1 iff u ≠ v lies in v's ball, by coordinates."""
    c = np.array(list(itertools.product(range(L), repeat=3)))[:, ::-1]  # row v = x + L·y + L²·z -> (x, y, z)
    assert (c[:, 0] + L * c[:, 1] + L * L * c[:, 2] == np.arange(L**3)).all()
    diff = np.abs(c[:, None, :] - c[None, :, :])
    dist = diff.max(-1) if metric == "chebyshev" else diff.sum(-1)
    return ((dist <= r) & (dist > 0)).astype(np.float32)


def _region(L, v):
    """How many coordinates of v are on the border (0: interior, 1: face, 2: edge, 3: corner)."""
    x, y, z = v % L, (v // L) % L, v // (L * L)
    return sum(int(c in (0, L - 1)) for c in (x, y, z))


@pytest.mark.parametrize("metric,counts", [("chebyshev", {0: 26, 1: 17, 2: 11, 3: 7}),
                                           ("manhattan", {0: 6, 1: 5, 2: 4, 3: 3})])
def test_degree_at_interior_faces_edges_corners(metric, counts):
    lat = Lattice3D(side=4, radius=1, metric=metric)
    assert lat.n == 64 and lat.degree == counts[0]
    deg = np.asarray(jax.jit(lat.in_degree)(jnp.arange(64)))
    regions = np.array([_region(4, v) for v in range(64)])
    assert np.bincount(regions).tolist() == [8, 24, 24, 8]
    for reg, want in counts.items():
        assert (deg[regions == reg] == want).all(), (reg, want)
    np.testing.assert_array_equal(deg, _brute_edges(4, 1, metric).sum(1))


@pytest.mark.parametrize("L,r,metric,D", [(4, 1, "chebyshev", 26), (4, 1, "manhattan", 6), (5, 2, "chebyshev", 124),
                                          (5, 2, "manhattan", 24), (7, 3, "manhattan", 62)])
def test_neighbours_match_brute_force_and_are_symmetric(L, r, metric, D):
    lat = Lattice3D(side=L, radius=r, metric=metric)
    assert lat.degree == D == len(ball_offsets(r, metric))
    nbrs = lat.neighbor_array()  # (N, D)
    ok = np.asarray(lat.valid(jnp.arange(lat.n)))
    assert nbrs.dtype == np.int32 and nbrs.min() >= 0 and nbrs.max() < lat.n
    v = np.arange(lat.n)[:, None]
    assert (nbrs[~ok] == np.broadcast_to(v, nbrs.shape)[~ok]).all(), "invalid edges point at the neuron itself"
    assert not (nbrs[ok] == np.broadcast_to(v, nbrs.shape)[ok]).any(), "no valid self-loop"
    A = np.zeros((lat.n, lat.n), np.float32)
    np.add.at(A, (np.broadcast_to(v, nbrs.shape)[ok], nbrs[ok]), 1.0)
    np.testing.assert_array_equal(A, _brute_edges(L, r, metric))  # valid edges distinct and exactly the ball
    np.testing.assert_array_equal(A, A.T)  # u ∈ N(v) iff v ∈ N(u)
    offs = np.asarray(ball_offsets(r, metric))
    np.testing.assert_array_equal(offs, -offs[::-1])  # offset j and D−1−j are opposite


@pytest.mark.parametrize("metric", ["chebyshev", "manhattan"])
def test_propagate_equals_dense_reference_and_masks_invalid_edges(metric):
    lat = Lattice3D(side=5, radius=1, metric=metric)
    rng = np.random.default_rng(0)
    W = jnp.asarray(rng.normal(size=(lat.degree, lat.n)), jnp.float32)  # nonzero on invalid edges too
    a = jnp.asarray(rng.normal(size=lat.n), jnp.float32)
    nbrs, ok = lat.neighbor_array(), np.asarray(lat.edge_mask()).T  # (N, D)
    M = np.zeros((lat.n, lat.n))
    for v, j in zip(*np.nonzero(ok)):
        M[v, nbrs[v, j]] += float(W[j, v])
    ref = M @ np.asarray(a, np.float64)
    got = jax.jit(lat.propagate)(W, a)
    np.testing.assert_allclose(np.asarray(got), ref, rtol=1e-5, atol=1e-5)
    pre = np.asarray(lat.gather(a))
    assert (pre[~ok.T] == 0).all()
    np.testing.assert_array_equal(pre[ok.T], np.asarray(a)[nbrs.T][ok.T])


def test_lattice_is_computed_in_kernel():
    lat = Lattice3D(side=6, radius=2, metric="manhattan")
    assert lat.make_table() is None
    v = jnp.asarray([0, 5, 100, 215], jnp.int32)
    np.testing.assert_array_equal(np.asarray(jax.jit(lat.neighbors)(v)), lat.neighbor_array()[np.asarray(v)])
    assert hash(lat) == hash(Lattice3D(side=6, radius=2, metric="manhattan"))  # static, usable as a jit argument


@pytest.mark.parametrize("kw,match", [
    ({"side": 2, "radius": 1}, r"Lattice3D.side must be an int >= 2·radius \+ 1 = 3; got 2"),
    ({"side": 4, "radius": 0}, "Lattice3D.radius must be an int >= 1; got 0"),
    ({"side": 4, "metric": "euclid"}, r"Lattice3D.metric must be one of \('chebyshev', 'manhattan'\); got 'euclid'"),
    ({"side": 1300}, "Lattice3D.side must be < 1291"),
])
def test_lattice_rejects_bad_values(kw, match):
    with pytest.raises(ValueError, match=match):
        Lattice3D(**kw)


# --- procedural -----------------------------------------------------------------------------------------------


def _np_fmix(h):
    h = h ^ (h >> 16)
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h = h ^ (h >> 13)
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def _np_hash(seed, stream, v, j):
    """The documented hash in Python integers (uint64 arrays, masked to 32 bits)."""
    key = (seed ^ ((stream * 0x9E3779B9) & 0xFFFFFFFF)) & 0xFFFFFFFF
    h = _np_fmix(np.uint64(key) ^ v.astype(np.uint64))
    return _np_fmix(h ^ ((j.astype(np.uint64) * 0x9E3779B9) & 0xFFFFFFFF))


def _np_other(h, v, n):
    u = (h * np.uint64(n - 1)) >> np.uint64(32)
    return (u + (u >= v)).astype(np.int64)


def test_hash_and_multiply_shift_match_integer_reference():
    rng = np.random.default_rng(1)
    v, j = rng.integers(0, 2**31, 1000), rng.integers(0, 2**16, 1000)
    got = np.asarray(hash32(12345, 1, jnp.asarray(v, jnp.int32), jnp.asarray(j, jnp.uint32)))
    np.testing.assert_array_equal(got.astype(np.uint64), _np_hash(12345, 1, v, j))
    h = rng.integers(0, 2**32, 1000, dtype=np.uint64)
    for m in [1, 2, 63, 1000, 65535, 65536, 2**31 - 1, 2**32 - 1]:
        want = (h * np.uint64(m)) >> np.uint64(32) if m < 2**32 else None
        np.testing.assert_array_equal(np.asarray(mulhi32(jnp.asarray(h, jnp.uint32), m)).astype(np.uint64), want)


def test_procedural_random_regenerates_from_seed():
    g = ProceduralRandom(num=97, deg=12, seed=7)
    nbrs = g.neighbor_array()
    v, j = np.meshgrid(np.arange(97), np.arange(12), indexing="ij")
    np.testing.assert_array_equal(nbrs, _np_other(_np_hash(7, 1, v, j), v, 97))  # the documented formula
    assert nbrs.shape == (97, 12) and nbrs.min() >= 0 and nbrs.max() < 97
    assert not (nbrs == np.arange(97)[:, None]).any(), "no self-loops"
    np.testing.assert_array_equal(nbrs, ProceduralRandom(num=97, deg=12, seed=7).neighbor_array())
    assert (nbrs != ProceduralRandom(num=97, deg=12, seed=8).neighbor_array()).mean() > 0.9
    # sources uniform over the others: chi-square of the 97·12 = 1164 sources in 97 bins, 96 dof
    # (deterministic for this seed; 140 is about the 99.8% quantile of chi2(96))
    counts = np.bincount(nbrs.ravel(), minlength=97)
    chi2 = ((counts - 12.0) ** 2 / 12.0).sum()
    assert chi2 < 140, chi2


def test_procedural_propagate_equals_dense_reference():
    for g in (ProceduralRandom(num=50, deg=8, seed=3), SmallWorld(num=50, deg=6, p=0.3, seed=3)):
        rng = np.random.default_rng(2)
        W = jnp.asarray(rng.normal(size=(g.degree, g.n)), jnp.float32)
        a = jnp.asarray(rng.normal(size=g.n), jnp.float32)
        nbrs = g.neighbor_array()
        M = np.zeros((g.n, g.n))
        for v in range(g.n):
            for j in range(g.degree):
                M[v, nbrs[v, j]] += float(W[j, v])  # duplicates add up
        np.testing.assert_allclose(np.asarray(jax.jit(g.propagate)(W, a)), M @ np.asarray(a, np.float64),
                                   rtol=1e-5, atol=1e-5)


def test_small_world_ring_rewiring_and_limits():
    n, d = 200, 8
    ring = SmallWorld(num=n, deg=d, p=0.0).neighbor_array()
    offs = np.array([1, 2, 3, 4, -1, -2, -3, -4])
    np.testing.assert_array_equal(ring, (np.arange(n)[:, None] + offs) % n)
    g = SmallWorld(num=n, deg=d, p=0.3, seed=5)
    nbrs = g.neighbor_array()
    rew = np.asarray(g.rewired(jnp.arange(n)))
    # 1600 edges: the rewired fraction is within 4 binomial standard deviations of p (deterministic for this seed)
    assert abs(rew.mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / (n * d)), rew.mean()
    np.testing.assert_array_equal(nbrs[~rew], ring[~rew])
    v = np.broadcast_to(np.arange(n)[:, None], nbrs.shape)
    np.testing.assert_array_equal(nbrs[rew], _np_other(_np_hash(5, 1, v, np.broadcast_to(np.arange(d), nbrs.shape)),
                                                       v, n)[rew])
    assert not (nbrs == np.arange(n)[:, None]).any()
    assert np.asarray(SmallWorld(num=n, deg=d, p=1.0).rewired(jnp.arange(n))).all()


@pytest.mark.parametrize("cls,kw,match", [
    (ProceduralRandom, {"num": 1, "deg": 3}, r"ProceduralRandom.num must be an int in \[2, 2\*\*31\); got 1"),
    (ProceduralRandom, {"num": 10, "deg": 0}, "ProceduralRandom.deg must be an int >= 1; got 0"),
    (ProceduralRandom, {"num": 10, "deg": 3, "seed": -1}, r"ProceduralRandom.seed must be an int in \[0, 2\*\*32\); got -1"),
    (SmallWorld, {"num": 10, "deg": 3}, r"SmallWorld.deg must be an even int in \[2, N-1 = 9\]; got 3"),
    (SmallWorld, {"num": 10, "deg": 4, "p": 1.5}, r"SmallWorld.p must be a number in \[0, 1\]; got 1.5"),
])
def test_procedural_rejects_bad_values(cls, kw, match):
    with pytest.raises(ValueError, match=match):
        cls(**kw)
