"""LIF forms against closed forms and brain3d's listing, exact refractoriness, transforms, STP steady state, Dale."""

import math

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from praxis_jax.spiking.neurons import (
    LIFConfig,
    STPConfig,
    apply_dale,
    dale_signs,
    lif_init,
    lif_run,
    lif_step,
    stp_init,
    stp_step,
)
from praxis_jax.topology import Lattice3D, primitive_root_circulant

VARIANTS = {"jit": jax.jit, "nojit": lambda f: f}


def _first_spike_ticks(cfg, I):
    """Closed form: integration steps k* from v_reset until v_∞ + (v_reset − v_∞)e^{−k dt/τ} >= v_th."""
    v_inf = cfg.v_rest + cfg.gain * I
    return math.ceil(cfg.tau / cfg.dt * math.log((v_inf - cfg.v_reset) / (v_inf - cfg.v_th)))


# (cfg, I) whose threshold crossing is far from a tick boundary (the ln term is 24.33 and 277.26 ticks)
CASES = {
    "exponential": (LIFConfig.brain3d(), 0.006),  # v_∞ = 0.18: k* = ceil(30·ln(0.18/0.08)) = ceil(24.33) = 25
    "biophysical": (LIFConfig.biophysical(), 2.0),  # v_∞ = −50 mV: k* = ceil(200·ln 4) = ceil(277.26) = 278
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("form", CASES)
def test_lif_matches_closed_form_for_constant_input(form, variant):
    cfg, I = CASES[form]
    k = _first_spike_ticks(cfg, I)
    assert k == {"exponential": 25, "biophysical": 278}[form]
    T, n = 3 * (k + cfg.n_ref) + 5, 3
    run = VARIANTS[variant](lambda s, x: lif_run(cfg, s, x))
    _final, spikes, rates = run(lif_init(cfg, n), jnp.full((T, n), I, jnp.float32))
    # spike at the end of tick index k−1 (after k integration steps), then every n_ref + k ticks
    want = np.arange(k - 1, T, cfg.n_ref + k)
    for i in range(n):
        np.testing.assert_array_equal(np.flatnonzero(np.asarray(spikes[:, i])), want)
    np.testing.assert_allclose(rates, len(want) * 1000.0 / (T * cfg.dt), rtol=1e-6)

    # the membrane trajectory before the first spike: v(t) = v_∞ + (v_rest − v_∞)e^{−t/τ}, t = (i+1)·dt
    def collect(s, x):
        s, _ = lif_step(cfg, s, x)
        return s, s.v

    _, vs = jax.lax.scan(collect, lif_init(cfg, 1), jnp.full((k - 1, 1), I, jnp.float32))
    t = np.arange(1, k) * cfg.dt
    v_inf = cfg.v_rest + cfg.gain * I
    ref = v_inf + (cfg.v_rest - v_inf) * np.exp(-t / cfg.tau)
    scale = abs(v_inf - cfg.v_rest)
    np.testing.assert_allclose(np.asarray(vs[:, 0]), ref, rtol=0, atol=2e-5 * scale + 1e-6 * abs(cfg.v_rest))


def test_exponential_form_is_brain3d_listing():
    """brain3d's forward pass in numpy float32: v = v·d + I·τ·(1 − d); spikes = v >= θ; v = v(1 − s) + s·reset."""
    cfg = LIFConfig.brain3d()
    rng = np.random.default_rng(0)
    I = rng.uniform(0, 0.012, (200, 16)).astype(np.float32)
    d = np.float32(math.exp(-cfg.dt / cfg.tau))
    v, spikes_ref, v_ref = np.zeros(16, np.float32), [], []
    for x in I:
        v = v * d + x * np.float32(cfg.tau) * (np.float32(1) - d)
        s = (v >= np.float32(cfg.v_th)).astype(np.float32)
        v = v * (1 - s) + s * np.float32(0.0)
        spikes_ref.append(s.astype(bool))
        v_ref.append(v)
    final, spikes, _ = jax.jit(lambda s, x: lif_run(cfg, s, x))(lif_init(cfg, 16), jnp.asarray(I))
    assert np.asarray(spikes).sum() > 50
    np.testing.assert_array_equal(np.asarray(spikes), np.array(spikes_ref))
    np.testing.assert_allclose(np.asarray(final.v), v_ref[-1], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("t_ref,dt", [(2.0, 0.1), (3.0, 1.0), (0.5, 0.25)])
def test_refractory_period_is_exactly_t_ref(t_ref, dt):
    cfg = LIFConfig.biophysical(t_ref=t_ref, dt=dt)
    n_ref = cfg.n_ref
    assert n_ref == round(t_ref / dt)
    T = 5 * (n_ref + 1)

    def collect(s, x):
        s, spike = lif_step(cfg, s, x)
        return s, (s.v, s.refractory, spike)

    # I = 1e4 nA: v_∞ far above threshold, so a neuron spikes on its first free tick
    _, (v, ref, spike) = jax.jit(lambda s, x: jax.lax.scan(collect, s, x))(lif_init(cfg, 1),
                                                                         jnp.full((T, 1), 1e4, jnp.float32))
    v, ref, spike = np.asarray(v[:, 0]), np.asarray(ref[:, 0]), np.asarray(spike[:, 0])
    np.testing.assert_array_equal(np.flatnonzero(spike), np.arange(0, T, n_ref + 1))
    np.testing.assert_array_equal(ref, np.tile(np.arange(n_ref, -1, -1), 5))
    assert (v == np.float32(cfg.v_reset)).all()  # reset at a spike, clamped while refractory


def test_jit_equals_nojit_and_no_retrace_and_stable_dtypes():
    cfg = LIFConfig.biophysical()
    I = jnp.asarray(np.random.default_rng(1).uniform(2, 5, (300, 8)), jnp.float32)  # v_∞ in [−50, −20] mV
    s0 = lif_init(cfg, 8)
    s, eager_spikes = s0, []
    for x in I:  # op by op, no jit
        s, spike = lif_step(cfg, s, x)
        eager_spikes.append(spike)
    final, spikes, _ = jax.jit(lambda s, x: lif_run(cfg, s, x))(s0, I)
    np.testing.assert_array_equal(np.asarray(spikes), np.stack(eager_spikes))
    assert np.asarray(spikes).sum() > 10
    chex.assert_trees_all_close(s.v, final.v, rtol=1e-6, atol=1e-4)  # 1e-4 mV: float32 ulp at 70 mV is 7.6e-6
    chex.assert_trees_all_equal(s.refractory, final.refractory)
    chex.assert_trees_all_equal(s.spike, final.spike)

    @jax.jit
    @chex.assert_max_traces(n=1)
    def step(s, x):
        return lif_step(cfg, s, x)

    s1, _ = step(s0, I[0])
    s2, _ = step(s1, I[1])
    chex.assert_trees_all_equal_shapes_and_dtypes(s0, s1, s2)
    assert s2.v.dtype == jnp.float32 and s2.refractory.dtype == jnp.int32 and s2.spike.dtype == jnp.bool_


def test_vmap_over_inputs_equals_loop():
    cfg = LIFConfig.biophysical()
    Is = jnp.asarray(np.random.default_rng(2).uniform(0, 3, (4, 300, 5)), jnp.float32)
    run = lambda x: lif_run(cfg, lif_init(cfg, 5), x)
    batched = jax.jit(jax.vmap(run))(Is)
    for b in range(4):
        one = jax.jit(run)(Is[b])
        chex.assert_trees_all_equal(jax.tree.map(lambda a, b=b: a[b], batched), one)


@pytest.mark.parametrize("kw,match", [
    ({"tau": 0.0}, r"LIFConfig.tau must be a finite number in \(0, 1000000.0\]; got 0.0"),
    ({"dt": -1.0}, "LIFConfig.dt must be"),
    ({"v_th": -75.0}, r"LIFConfig.v_th must be > max\(v_rest, v_reset\) = -70.0; got -75.0"),
    ({"t_ref": 0.25}, r"LIFConfig.t_ref must be a multiple of dt = 0.1 \(whole refractory ticks\); got 0.25"),
    ({"t_ref": -1.0}, "LIFConfig.t_ref must be"),
    ({"form": "izhikevich"}, r"LIFConfig.form must be one of \('exponential', 'biophysical'\); got 'izhikevich'"),
    ({"r_m": float("nan")}, "LIFConfig.r_m must be"),
])
def test_lif_config_rejects_bad_values(kw, match):
    with pytest.raises(ValueError, match=match):
        LIFConfig.biophysical(**kw)


# --- STP ---------------------------------------------------------------------------------------------------


def _stp_reference(cfg, spikes):
    """Numpy float64 loop of the documented order: relax, facilitate, release u·x, deplete."""
    ef, ed = math.exp(-cfg.dt / cfg.tau_f), math.exp(-cfg.dt / cfg.tau_d)
    u, x = np.full(spikes.shape[1], cfg.U), np.ones(spikes.shape[1])
    out = []
    for s in spikes:
        u = cfg.U + (u - cfg.U) * ef
        x = 1 + (x - 1) * ed
        u = np.where(s, u + cfg.U * (1 - u), u)
        r = np.where(s, u * x, 0.0)
        x = x - r
        out.append(r)
    return np.array(out)


@pytest.mark.parametrize("cfg", [STPConfig(U=0.2, tau_f=200.0, tau_d=50.0), STPConfig(U=0.5, tau_f=20.0, tau_d=500.0)])
def test_stp_regular_train_reaches_analytic_steady_state(cfg):
    isi, n_spikes = 10, 200  # 100 Hz at dt = 1 ms; 2000 ms ≫ τ_f, τ_d
    spikes = np.zeros((isi * n_spikes, 1), bool)
    spikes[isi - 1 :: isi] = True
    _, eff = jax.jit(lambda s, x: jax.lax.scan(lambda s, x: stp_step(cfg, s, x), s, x))(
        stp_init(cfg, 1), jnp.asarray(spikes))
    eff = np.asarray(eff[:, 0])
    U, e_f, e_d = cfg.U, math.exp(-isi * cfg.dt / cfg.tau_f), math.exp(-isi * cfg.dt / cfg.tau_d)
    u_inf = U * (1 + (1 - U) * (1 - e_f)) / (1 - (1 - U) * e_f)
    x_inf = (1 - e_d) / (1 - (1 - u_inf) * e_d)
    np.testing.assert_allclose(eff[spikes[:, 0]][-1], u_inf * x_inf, rtol=1e-5)
    np.testing.assert_allclose(eff[spikes[:, 0]][0], U * (2 - U), rtol=1e-6)  # first spike from rest
    assert (eff[~spikes[:, 0]] == 0).all()
    np.testing.assert_allclose(eff, _stp_reference(cfg, spikes)[:, 0], rtol=1e-5, atol=1e-7)


def test_stp_random_trains_match_reference_and_vmap():
    cfg = STPConfig(U=0.3, tau_f=100.0, tau_d=300.0, dt=0.5)
    spikes = np.random.default_rng(3).random((3, 500, 6)) < 0.05
    run = lambda x: jax.lax.scan(lambda s, x: stp_step(cfg, s, x), stp_init(cfg, 6), x)[1]
    batched = np.asarray(jax.jit(jax.vmap(run))(jnp.asarray(spikes)))
    for b in range(3):
        # the batched program may contract multiply-adds differently: equal to a few float32 ulps, not bitwise
        np.testing.assert_allclose(batched[b], np.asarray(jax.jit(run)(jnp.asarray(spikes[b]))), rtol=2e-6, atol=2e-7)
        # float32 against a float64 loop: 1 + (x − 1)·e_d loses ~ulp(1) = 6e-8 per tick, so the absolute error
        # of an efficacy (<= 1) grows to ~1e-6 over 500 ticks; relative error is 1e-5 wherever x is not small
        np.testing.assert_allclose(batched[b], _stp_reference(cfg, spikes[b]), rtol=1e-5, atol=2e-6)


def test_stp_config_rejects_bad_values():
    with pytest.raises(ValueError, match=r"STPConfig.U must be a finite number in \(0, 1\]; got 1.5"):
        STPConfig(U=1.5)
    with pytest.raises(ValueError, match="STPConfig.tau_d must be"):
        STPConfig(tau_d=0.0)


# --- Dale ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n,n_exc", [(100, 80), (10, 8), (64, 51), (1000, 800)])
def test_dale_signs_count(n, n_exc):
    s = np.asarray(dale_signs(n))
    assert s.dtype == np.float32 and s.shape == (n,)
    assert (s[:n_exc] == 1).all() and (s[n_exc:] == -1).all()
    assert (s == 1).sum() == n_exc and (s == -1).sum() == n - n_exc


def test_dale_signs_rejects_bad_values():
    with pytest.raises(ValueError, match=r"dale_signs.frac_exc must be a finite number in \[0, 1\]; got 1.2"):
        dale_signs(10, 1.2)
    with pytest.raises(ValueError, match="dale_signs.n must be an int >= 1; got 0"):
        dale_signs(0)


def test_apply_dale_signs_by_presynaptic_neuron():
    topo = primitive_root_circulant(31, 6)
    signs = dale_signs(topo.n)
    W_abs = jnp.asarray(np.random.default_rng(4).normal(size=(topo.degree, topo.n)), jnp.float32)
    W = np.asarray(jax.jit(lambda w, s: apply_dale(w, s, topo))(W_abs, signs))
    nbrs = topo.neighbor_array()  # (N, D)
    np.testing.assert_array_equal(W, np.abs(np.asarray(W_abs)) * np.asarray(signs)[nbrs.T])
    dense = np.asarray(apply_dale(jnp.asarray(np.asarray(W_abs)[:, :6].T), dale_signs(6)))  # (N_pre=6, N_post=6)
    assert (np.sign(dense[:5]) == 1).all() and (np.sign(dense[5]) == -1).all()  # rows are presynaptic

    lat = Lattice3D(side=3)  # invalid edges get weight 0
    Wl = np.asarray(apply_dale(jnp.ones((lat.degree, lat.n)), dale_signs(lat.n), lat))
    mask = np.asarray(lat.edge_mask())
    assert (Wl[~mask] == 0).all() and (np.abs(Wl[mask]) == 1).all()
