"""The Pallas circulant kernels (interpret mode on the CPU) against the unfused XLA path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.kernels.pallas import circulant as pc
from praxis_jax.plasticity import astdp_et
from praxis_jax.topology import choose_singer


@pytest.fixture(scope="module", params=px.quant.ELIG_CODES)
def case(request):
    topo = choose_singer(300, 2.0)  # N = 307: the last tile of 128 is ragged
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topo),
                          quant=px.QuantConfig(numerics="int8", eligibility=request.param))
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    ks = jax.random.split(jax.random.PRNGKey(1), 4)
    a0 = jax.random.randint(ks[0], (topo.n,), -127, 128).astype(jnp.int8)
    a1 = jax.random.randint(ks[1], (topo.n,), -127, 128).astype(jnp.int8)
    e = jax.random.randint(ks[2], state.long.W.shape, -127, 128).astype(jnp.int8)
    m = jax.random.normal(ks[3], (topo.n,))
    return topo, cfg, params, state.long.W, e, a0, a1, m


@pytest.mark.parametrize("block,unroll", [(128, 1), (64, 3)])
def test_propagate_equals_slices(case, block, unroll):
    topo, _, _, W, _, _, a1, _ = case
    got = pc.propagate(W, a1, topo.offsets, block=block, unroll=unroll, interpret=True)
    assert got.dtype == jnp.int32
    np.testing.assert_array_equal(got, topo.propagate(W, a1, None, jnp.int32))


@pytest.mark.parametrize("modulator,post", [("per-neuron", "a"), ("scalar", "a"), ("per-neuron", "fprime")])
def test_learn_equals_rule_phases(case, modulator, post):
    """Same codes as the rule's phases on the gathered (D, N) arrays, up to float rounding of log/exp at a
    stochastic-rounding boundary (at most one code, on a tiny fraction of edges); with the postsynaptic
    factor a and with f'(v) = 1 − (a/2)²."""
    topo, cfg, params, W, e, a0, a1, m = case
    m = m if modulator == "per-neuron" else m[0]
    codec = px.Codec.from_config(cfg)
    clip = cfg.plasticity.clip_sigma * cfg.network.weight_std
    h = params.hyper._replace(lr=jnp.float32(0.5))  # large enough that most weights move
    seed = jnp.uint32(99)
    post_f = codec.a(a1) if post == "a" else 1.0 - jnp.square(0.5 * codec.a(a1))
    W_ref, e_ref = astdp_et.edge_update(codec, clip, codec.a(topo.gather(a0)), post_f, m, e, W, h, seed)
    W_new, e_new = pc.learn(W.copy(), e.copy(), a0, post_f, m, h.decay, h.lr, h.weight_decay, True, seed,
                            topo.offsets, codec, clip, block=128, unroll=2, interpret=True)
    assert W_new.dtype == W.dtype == jnp.int8 and e_new.dtype == jnp.int8
    assert float((W_ref != W).mean()) > 0.5
    for got, ref in ((W_new, W_ref), (e_new, e_ref)):
        diff = np.abs(np.asarray(got, int) - np.asarray(ref, int))
        assert diff.max() <= 1 and diff.mean() < 1e-3


def test_learn_off_keeps_weights_and_traces(case):
    topo, cfg, params, W, e, a0, a1, m = case
    codec = px.Codec.from_config(cfg)
    clip = cfg.plasticity.clip_sigma * cfg.network.weight_std
    h = params.hyper
    W_new, e_new = pc.learn(W.copy(), e.copy(), a0, codec.a(a1), m, h.decay, 0.5, h.weight_decay, False, jnp.uint32(3),
                            topo.offsets, codec, clip, block=128, interpret=True)
    np.testing.assert_array_equal(W_new, W)
    assert bool((e_new != e).any())


def test_learn_batch_equals_the_lockstep_phases(case):
    """B trials against one W: each trial's e from its own seed, W once from the shared seed by the batch
    mean of m·e (the unfused phases under a lockstep vmap), up to one code at a rounding boundary."""
    topo, cfg, params, W, e, a0, a1, m = case
    codec = px.Codec.from_config(cfg)
    clip = cfg.plasticity.clip_sigma * cfg.network.weight_std
    h = params.hyper._replace(lr=jnp.float32(0.5))
    B = 3
    ks = jax.random.split(jax.random.PRNGKey(5), 3)
    a_prev = jax.random.randint(ks[0], (B, topo.n), -127, 128).astype(jnp.int8)
    post = 1.0 - jnp.square(0.5 * codec.a(jax.random.randint(ks[1], (B, topo.n), -127, 128).astype(jnp.int8)))
    ms = jax.random.normal(ks[2], (B, topo.n))
    es = jnp.stack([e, jnp.roll(e, 1, axis=1), -e])
    seeds, shared = jnp.arange(7, 7 + B, dtype=jnp.uint32), jnp.uint32(21)
    traced = [astdp_et.trace(codec, codec.a(topo.gather(a_prev[b])), post[b], es[b], h, seeds[b]) for b in range(B)]
    me = sum(astdp_et.modulated(ms[b], traced[b][0]) for b in range(B)) / B
    W_ref, e_ref = astdp_et.apply(codec, clip, W, me, h, shared), jnp.stack([t[1] for t in traced])
    W_new, e_new = pc.learn_batch(W.copy(), es.copy(), a_prev, post, ms, h.decay, h.lr, h.weight_decay, True, seeds,
                                  shared, topo.offsets, codec, clip, block=128, unroll=2, interpret=True)
    assert W_new.shape == W.shape and e_new.shape == es.shape and W_new.dtype == e_new.dtype == jnp.int8
    assert float((W_ref != W).mean()) > 0.5
    for got, ref in ((W_new, W_ref), (e_new, e_ref)):
        diff = np.abs(np.asarray(got, int) - np.asarray(ref, int))
        assert diff.max() <= 1 and diff.mean() < 1e-3


def test_lockstep_trials_take_the_batch_kernel_on_gpus(monkeypatch):
    """The GPU branch of a lockstep batch's learning pass is the batch kernel over all B trials (traced
    here on the CPU, where ``platform_dependent`` traces every backend's branch and lowers the CPU one)."""
    from praxis_jax.learning.trial import Signal, run_trials
    from praxis_jax.topology import choose_singer

    shapes = []
    real = pc.learn_batch
    monkeypatch.setattr(pc, "learn_batch", lambda *a, **k: (shapes.append((a[1].shape, a[2].shape)), real(*a, **k))[1])
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=choose_singer(150, 2.0), n_inputs=2),
                          plasticity=px.PlasticityConfig(lr=0.05, decay=1.0, post="fprime"),
                          quant=px.QuantConfig(numerics="int8", elig_max=40.0))
    params, state = px.init(cfg, jax.random.PRNGKey(4))
    B, n, d = 4, cfg.network.n, cfg.network.degree
    signal = Signal(lambda c: c, lambda c, t, post: c * (post - 0.1), lambda c, t, xn, post: c)
    jax.jit(lambda long: run_trials(params, long, jnp.int32(0), jnp.ones((B, 3, 2)), jax.random.split(jax.random.PRNGKey(7), B),
                                    signal, jnp.ones((B, n))))(state.long)
    assert shapes and all(s == ((B, d, n), (B, n)) for s in shapes), shapes  # a_prev cut from its lanes to N


@pytest.mark.parametrize("blocks", [2, 3])
def test_kernels_on_blocks_equal_the_whole_organoid(case, blocks):
    """A neuron-sharded run on GPUs calls each kernel on one block of L neurons with all N activations
    rotated so that the block starts at 0 (and ``first``, its global index, for the rounding hash): the
    blocks, put side by side, are the whole pass exactly."""
    topo, cfg, params, W, e, a0, a1, m = case
    codec = px.Codec.from_config(cfg)
    clip = cfg.plasticity.clip_sigma * cfg.network.weight_std
    h = params.hyper._replace(lr=jnp.float32(0.5))
    post = 1.0 - jnp.square(0.5 * codec.a(a1))
    n, L = topo.n, -(-topo.n // blocks)
    r = pc.propagate(W, a1, topo.offsets, block=128, interpret=True)
    W_all, e_all = pc.learn(W.copy(), e.copy(), a0, post, m, h.decay, h.lr, h.weight_decay, True, jnp.uint32(5),
                            topo.offsets, codec, clip, block=128, interpret=True)
    for lo in range(0, n, L):
        hi = min(lo + L, n)
        np.testing.assert_array_equal(pc.propagate(W[:, lo:hi], jnp.roll(a1, -lo), topo.offsets, block=128,
                                                   interpret=True), r[lo:hi])
        W_b, e_b = pc.learn(W[:, lo:hi], e[:, lo:hi], jnp.roll(a0, -lo), post[lo:hi], m[lo:hi], h.decay, h.lr,
                            h.weight_decay, True, jnp.uint32(5), topo.offsets, codec, clip, first=lo, block=128,
                            interpret=True)
        np.testing.assert_array_equal(W_b, W_all[:, lo:hi])
        np.testing.assert_array_equal(e_b, e_all[:, lo:hi])
