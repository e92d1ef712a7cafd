"""Recurrent spiking network: determinism, the uncoupled limit against lif_step, Dale's signs, carried ISI
statistics against a numpy reference on the raster, Poisson-driven rate against its closed form, event vs dense,
the native CPU kernel against the scan of step."""

import math

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from praxis_jax.kernels import native
from praxis_jax.spiking import network as sn
from praxis_jax.spiking.neurons import LIFConfig, lif_init, lif_step
from praxis_jax.topology.procedural import ProceduralRandom

VARIANTS = {"jit": jax.jit, "nojit": lambda f: f}
N = 40


def _net(synapse="cuba", max_spikes=0, n=N, p=0.2, **kw):
    return sn.SpikingNetConfig.random(LIFConfig.biophysical(), n, p, seed=3, synapse=synapse,
                                      max_spikes=max_spikes, **kw)


def _active(cfg, seed=0, **kw):
    """A recurrent network that fires (Poisson drive, E/I weights)."""
    return sn.init(cfg, jax.random.key(seed), **{"w_exc": 0.3, "w_inh": 1.0, "jitter": 0.5, "rate_in": 3000.0, "w_in": 0.3,
                                "v0": "uniform", **kw})


@pytest.mark.parametrize("synapse", sn.SYNAPSES)
def test_run_is_deterministic_for_a_key(synapse):
    cfg = _net(synapse)
    run = jax.jit(lambda p, s: sn.run(cfg, p, s, 300, record=True))
    p1, s1 = _active(cfg)
    p2, s2 = _active(cfg)
    a, b = run(p1, s1), run(p2, s2)
    chex.assert_trees_all_equal(a, b)
    assert int(a[1].sum()) > 0
    p3, s3 = _active(cfg, seed=1)
    assert not np.array_equal(np.asarray(run(p3, s3)[1]), np.asarray(a[1]))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("synapse", sn.SYNAPSES)
def test_zero_weights_match_single_neuron_lif_step(synapse, variant):
    cfg = _net(synapse)
    i_ext = jnp.linspace(0.0, 3.0, N, dtype=jnp.float32)  # below and above rheobase (1.5 nA)
    params, state = sn.init(cfg, jax.random.key(0), w_exc=0.0, w_inh=0.0, i_ext=i_ext)
    T = 400
    _, raster = VARIANTS[variant](lambda p, s: sn.run(cfg, p, s, T, record=True))(params, state)
    ls, want = lif_init(cfg.lif, N), []
    for _ in range(T):
        ls, sp = lif_step(cfg.lif, ls, i_ext)
        want.append(np.asarray(sp))
    np.testing.assert_array_equal(np.asarray(raster), np.stack(want))
    assert 0 < int(raster.sum())


def test_dale_outgoing_weights_take_the_presynaptic_sign():
    cfg = _net(frac_exc=0.8)
    params, _ = _active(cfg)
    W = np.asarray(params.W)  # (D, N): W[j, v] from neighbors(v)[j]
    src = cfg.topology.neighbor_array().T  # (D, N) presynaptic neuron of each edge
    n_exc = cfg.n_exc
    assert n_exc == 32
    out_exc, out_inh = W[src < n_exc], W[src >= n_exc]
    assert out_exc.size > 0 and out_inh.size > 0
    assert (out_exc >= 0).all() and (out_exc > 0).all()
    assert (out_inh <= 0).all() and (out_inh < 0).all()
    # and the event table lists each edge once, under its presynaptic neuron
    table = sn.out_edge_table(cfg.topology)
    D = cfg.topology.degree
    for u in range(cfg.n):
        e = table[u][table[u] < D * N]
        np.testing.assert_array_equal(src.reshape(-1)[e], u)
    assert np.sort(table[table < D * N]).tolist() == list(range(D * N))
    assert (table[N] == D * N).all()


def _isi_reference(raster, dt):
    """numpy loop over the stored raster: per-neuron count, ISI count, mean (ticks) and CV (ddof 0)."""
    _, n = raster.shape
    out = []
    for i in range(n):
        t = np.flatnonzero(raster[:, i])
        isi = np.diff(t).astype(np.float64)
        cv = isi.std() / isi.mean() if isi.size >= 2 else np.nan
        out.append((t.size, isi.size, isi.sum(), (isi**2).sum(), cv))
    return [np.array(c) for c in zip(*out)]


@pytest.mark.parametrize("synapse", sn.SYNAPSES)
def test_carried_isi_statistics_equal_raster_reference(synapse):
    cfg = _net(synapse)
    params, state = _active(cfg)
    T = 2000
    run = jax.jit(lambda p, s: sn.run(cfg, p, s, T // 2, record=True))
    s1, r1 = run(params, state)  # two chunks: the carry continues across runs
    s2, r2 = run(params, s1)
    raster = np.concatenate([np.asarray(r1), np.asarray(r2)])
    count, isi_n, isi_sum, isi_sq, cv = _isi_reference(raster, cfg.dt)
    st = s2.stats
    np.testing.assert_array_equal(np.asarray(st.count), count)
    np.testing.assert_array_equal(np.asarray(st.isi_n), isi_n)
    np.testing.assert_allclose(np.asarray(st.isi_sum), isi_sum, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(st.isi_sq), isi_sq, rtol=1e-6)
    got = sn.isi_stats(cfg, st, T)
    np.testing.assert_allclose(got["cv"], cv, rtol=1e-4, equal_nan=True)
    np.testing.assert_allclose(got["rate_hz"], count / (T * cfg.dt) * 1000)
    assert np.isfinite(cv).sum() > N // 2
    # the population count returned without a raster is the raster's row sum
    _, pop = jax.jit(lambda p, s: sn.run(cfg, p, s, T // 2))(params, state)
    np.testing.assert_array_equal(np.asarray(pop), np.asarray(r1).sum(1))


def test_poisson_driven_uncoupled_rate_matches_closed_form():
    """Each input spike drives v over threshold in its own tick and g_e is gone by the next (τ_e ≪ dt), so the
    output is the input thinned by the refractory dead time: mean ISI = n_ref + 1/q ticks, q = 1 − exp(−λ dt)."""
    lif = LIFConfig.biophysical()
    n, rate_in = 2000, 100.0
    cfg = sn.SpikingNetConfig(lif=lif, topology=ProceduralRandom(num=n, deg=1), tau_e=1e-3)
    params, state = sn.init(cfg, jax.random.key(7), w_exc=0.0, w_inh=0.0, rate_in=rate_in, w_in=1e5)
    T = 10_000  # 1 s
    state, _ = jax.jit(lambda p, s: sn.run(cfg, p, s, T))(params, state)
    q = 1 - math.exp(-rate_in * lif.dt * 1e-3)
    want = 1000.0 / ((lif.n_ref + 1 / q) * lif.dt)  # Hz, ≈ 83.3 with the 2 ms dead time
    got = sn.isi_stats(cfg, state.stats, T)["rate_hz"]
    sem = math.sqrt(want / (T * lif.dt * 1e-3) / n)  # Poisson-like count error of the population mean
    assert abs(got.mean() - want) < 5 * sem + 0.5, (got.mean(), want)
    # a Poisson count drawn by inverse CDF has the Poisson mean and variance
    k = np.asarray(sn.poisson_small(jax.random.key(0), 1.5, (200_000,)))
    assert abs(k.mean() - 1.5) < 0.02 and abs(k.var() - 1.5) < 0.03


@pytest.mark.parametrize("synapse", sn.SYNAPSES)
def test_event_driven_propagation_matches_dense(synapse):
    dense, event = _net(synapse), _net(synapse, max_spikes=1)  # K = 1 also exercises the dense fallback
    pd, sd = _active(dense)
    pe, se = _active(event)
    T = 600
    _, rd = jax.jit(lambda p, s: sn.run(dense, p, s, T, record=True))(pd, sd)
    _, re = jax.jit(lambda p, s: sn.run(event, p, s, T, record=True))(pe, se)
    rd, re = np.asarray(rd), np.asarray(re)
    counts = re.sum(1)
    assert (counts > 1).any() and (counts == 1).any()
    # same sums in another order: float rounding may flip a threshold crossing late in a chaotic run
    first_diff = np.flatnonzero((rd != re).any(1))
    assert first_diff.size == 0 or first_diff[0] > T // 3, first_diff[:3]


def test_delay_shifts_arrivals():
    cfg1, cfg3 = _net(delay=1), _net(delay=3)
    i_ext = jnp.zeros((N,), jnp.float32).at[0].set(1000.0)  # neuron 0 fires on tick 0
    for cfg, d in ((cfg1, 1), (cfg3, 3)):
        params, state = sn.init(cfg, jax.random.key(0), w_exc=1.0, w_inh=1.0, i_ext=i_ext)
        s, _ = sn.run(cfg, params, state, d + 1)
        targets = np.unique(np.flatnonzero((cfg.topology.neighbor_array() == 0).any(1)))
        # g_e of 0's targets got the spike of tick 0 at tick d (decayed zero times), and not before
        ge = np.asarray(s.g_e)
        assert (ge[targets] > 0).all() and (np.delete(ge, np.r_[targets, 0]) == 0).all()
        s, _ = sn.run(cfg, params, state, d)
        assert (np.asarray(s.g_e)[targets] == 0).all()


def test_config_validation_messages():
    lif = LIFConfig.biophysical()
    topo = ProceduralRandom(num=10, deg=2)
    with pytest.raises(ValueError, match=r"SpikingNetConfig.synapse must be one of .*; got 'x'"):
        sn.SpikingNetConfig(lif=lif, topology=topo, synapse="x")
    with pytest.raises(ValueError, match=r"SpikingNetConfig.tau_e must be a finite number in \(0, "):
        sn.SpikingNetConfig(lif=lif, topology=topo, tau_e=0.0)
    with pytest.raises(ValueError, match=r"SpikingNetConfig.delay must be an int in \[1, "):
        sn.SpikingNetConfig(lif=lif, topology=topo, delay=0)
    with pytest.raises(ValueError, match=r"SpikingNetConfig.e_inh must be < e_exc"):
        sn.SpikingNetConfig(lif=lif, topology=topo, synapse="coba", e_inh=10.0)
    with pytest.raises(ValueError, match=r"SpikingNetConfig.frac_exc must be a finite number in \[0, 1\]"):
        sn.SpikingNetConfig(lif=lif, topology=topo, frac_exc=1.5)
    with pytest.raises(ValueError, match=r"init.rate_in must be <= 4.0 per tick"):
        sn.init(sn.SpikingNetConfig(lif=lif, topology=topo), jax.random.key(0), w_exc=0.1, w_inh=0.1,
                rate_in=1e6)
    with pytest.raises(ValueError, match=r"init_weights.w_exc must be a finite number"):
        sn.init(sn.SpikingNetConfig(lif=lif, topology=topo), jax.random.key(0), w_exc=-1.0, w_inh=0.1)


needs_native = pytest.mark.skipif(not native.available(), reason="no native kernel on this machine")


@needs_native
@pytest.mark.parametrize("synapse", sn.SYNAPSES)
@pytest.mark.parametrize("delay,rate_in", [(1, 3000.0), (3, 3000.0), (2, 0.0)])
def test_native_run_equals_the_scan_bit_for_bit(synapse, delay, rate_in):
    """The CPU kernel (one call for all ticks) and lax.scan over step give the same raster and the same
    state, every field, bit for bit, while the scan takes the event path (max_spikes = N); in two calls as
    in one; and a population count equal to the raster's row sums."""
    cfg = _net(synapse, max_spikes=N, delay=delay)
    params, state = _active(cfg, rate_in=rate_in, i_ext=0.0 if rate_in else 1.7)
    T = 1500
    want_state, want = jax.jit(lambda p, s: sn.scan(cfg, p, s, T, record=True))(params, state)
    run = jax.jit(lambda p, s: sn.run(cfg, p, s, T // 3, record=True))
    got_state, parts = state, []
    for _ in range(3):
        got_state, raster = run(params, got_state)
        parts.append(np.asarray(raster))
    got = np.concatenate(parts)
    assert 0 < got.sum() and (got.sum(1) > 1).any()
    np.testing.assert_array_equal(got, np.asarray(want))
    chex.assert_trees_all_equal(jax.random.key_data(got_state.key), jax.random.key_data(want_state.key))
    chex.assert_trees_all_equal(got_state._replace(key=None), want_state._replace(key=None))
    _, pop = jax.jit(lambda p, s: sn.run(cfg, p, s, T // 3))(params, state)
    np.testing.assert_array_equal(np.asarray(pop), parts[0].sum(1))


@needs_native
def test_native_run_under_vmap_equals_each_run():
    cfg = _net("coba", max_spikes=N)
    runs = [_active(cfg, seed=s) for s in range(3)]
    params = jax.tree.map(lambda *x: jnp.stack(x), *[p for p, _ in runs])
    states = jax.tree.map(lambda *x: jnp.stack(x), *[s for _, s in runs])
    _, rasters = jax.jit(jax.vmap(lambda p, s: sn.run(cfg, p, s, 400, record=True)))(params, states)
    for i, (p, s) in enumerate(runs):
        np.testing.assert_array_equal(np.asarray(rasters[i]), np.asarray(sn.scan(cfg, p, s, 400, record=True)[1]))


@needs_native
def test_native_run_shared_by_two_threads_equals_the_scan():
    """From 16,384 neurons the kernel splits each tick's targets between two threads; the raster and the
    state stay those of the scan, bit for bit (the scan on its event path: no tick above max_spikes)."""
    cfg = sn.SpikingNetConfig.random(LIFConfig.biophysical(), 20_000, 40 / 20_000, seed=1, synapse="cuba",
                                     max_spikes=4000)
    params, state = sn.init(cfg, jax.random.key(2), w_exc=0.3, w_inh=1.0, jitter=0.5, rate_in=2000.0, w_in=0.5,
                            v0="uniform")
    T = 300
    want_state, want = jax.jit(lambda p, s: sn.scan(cfg, p, s, T, record=True))(params, state)
    got_state, got = jax.jit(lambda p, s: sn.run(cfg, p, s, T, record=True))(params, state)
    counts = np.asarray(want).sum(1)
    assert counts.max() <= cfg.max_spikes and counts.sum() > 10 * T
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    chex.assert_trees_all_equal(got_state._replace(key=None), want_state._replace(key=None))
