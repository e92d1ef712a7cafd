"""The jitted tick against the independent numpy reference (float32) and within quantization error (int8)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from reference import reference_run

import praxis_jax as px
from praxis_jax.topology import LPS, singer

T = 100


def _config(topology, numerics, *, update_every=1, interval=10, gain=0.4, lr=0.003, eligibility="mulaw", post="a",
            pre="a", noise_std=0.0, decay=0.9):
    return px.PraxisConfig(
        network=px.NetworkConfig(topology=topology, n_inputs=4, input_neurons=topology.n // 2, n_outputs=3,
                                 leak=0.3, gain=gain, noise_std=noise_std),
        plasticity=px.PlasticityConfig(lr=lr, decay=decay, weight_decay=1e-3, update_every=update_every, post=post,
                                       pre=pre),
        homeostasis=px.HomeostasisConfig(var_momentum=0.9, var_threshold=1.0, interval=interval,
                                         rate_momentum=0.9, bias_rate=0.01, target_rate=0.1),
        quant=px.QuantConfig(numerics=numerics, eligibility=eligibility, elig_max=None if decay < 1 else 400.0),
    )


def _noise(cfg, key, ticks):
    """The exploration noise the run draws: each tick splits the state's key into (key, noise, seed)."""
    out = []
    for _ in range(ticks):
        key, k_noise, _ = jax.random.split(key, 3)
        out.append(cfg.network.noise_std * np.asarray(jax.random.normal(k_noise, (cfg.network.n,))))
    return np.stack(out)


def _run_both(cfg, nbrs, per_neuron=False, ticks=T):
    """The jitted run and the numpy reference from the same initial state, ``ticks`` ticks."""
    key = jax.random.PRNGKey(3)
    params, state = px.init(cfg, key)
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(ticks, cfg.network.n_inputs)).astype(np.float32)
    shape = (ticks, cfg.network.n) if per_neuron else (ticks,)
    ms = rng.normal(size=shape).astype(np.float32)
    final, outs = jax.jit(px.simulate)(params, state, jnp.asarray(xs), jnp.asarray(ms))
    codec = px.Codec.from_config(cfg)
    net, pl, ho = cfg.network, cfg.plasticity, cfg.homeostasis
    ref = reference_run(
        nbrs, codec.w(state.long.W), state.long.b, codec.a(state.short.a), codec.e(state.short.e),
        state.long.rate, state.long.var, np.asarray(params.U), xs, ms, _noise(cfg, state.key, ticks),
        noise_std=net.noise_std, post=pl.post, pre=pl.pre,
        leak=net.leak, lr=pl.lr, decay=pl.decay, weight_decay=pl.weight_decay,
        clip=pl.clip_sigma * net.weight_std, update_every=pl.update_every, var_momentum=ho.var_momentum,
        var_threshold=ho.var_threshold, interval=ho.interval, rate_momentum=ho.rate_momentum,
        bias_rate=ho.bias_rate, target_rate=ho.target_rate,
    )
    return codec, final, outs, ref


def _circulant_nbrs(topo):
    return (np.arange(topo.n)[:, None] + np.asarray(topo.offsets)[None, :]) % topo.n


@pytest.mark.parametrize("per_neuron", [False, True])
@pytest.mark.parametrize("update_every", [1, 3])
def test_float32_matches_numpy_reference_singer(update_every, per_neuron):
    topo = singer(5)
    cfg = _config(topo, "float32", update_every=update_every)
    codec, final, outs, (W, b, a, e, rate, var, aout) = _run_both(cfg, _circulant_nbrs(topo), per_neuron)
    np.testing.assert_allclose(final.short.a, a, atol=1e-5)
    np.testing.assert_allclose(final.long.W, W, atol=1e-5)
    np.testing.assert_allclose(final.short.e, e, atol=1e-5 * max(1, np.abs(e).max()))
    np.testing.assert_allclose(final.long.b, b, atol=1e-5)
    np.testing.assert_allclose(final.long.var, var, atol=1e-5)
    np.testing.assert_allclose(outs, aout[:, -3:], atol=1e-5)
    assert np.abs(W - np.asarray(px.init(cfg, jax.random.PRNGKey(3))[1].long.W)).max() > 1e-3, "weights moved"


@pytest.mark.parametrize("pre", px.config.PRE_FACTORS)
@pytest.mark.parametrize("post", px.config.POST_FACTORS)
def test_rule_factors_match_numpy_reference(post, pre):
    """Every post factor (a, f'(v), 1, η/σ) and pre factor (a, e-prop's ε) of A-STDP-ET, with a
    per-neuron signal, the whole-trial decay 1 and updates every 5th tick, against the numpy reference."""
    topo = singer(5)
    cfg = _config(topo, "float32", update_every=5, post=post, pre=pre, decay=1.0,
                  noise_std=0.3 if post == "noise" else 0.0)
    codec, final, outs, (W, b, a, e, rate, var, aout) = _run_both(cfg, _circulant_nbrs(topo), True, ticks=40)
    np.testing.assert_allclose(final.short.a, a, atol=1e-5)
    np.testing.assert_allclose(final.short.e, e, atol=1e-5 * max(1, np.abs(e).max()))
    np.testing.assert_allclose(final.long.W, W, atol=1e-5)
    if pre == "eprop":
        assert final.short.eps.shape == (topo.degree, topo.n)
    assert np.abs(W - np.asarray(px.init(cfg, jax.random.PRNGKey(3))[1].long.W)).max() > 1e-3, "weights moved"


def test_float32_matches_numpy_reference_lps():
    topo = LPS(ps=(13,), q=5)
    cfg = _config(topo, "float32")
    codec, final, outs, (W, b, a, e, rate, var, aout) = _run_both(cfg, topo.neighbor_array())
    np.testing.assert_allclose(final.short.a, a, atol=1e-5)
    np.testing.assert_allclose(final.long.W, W, atol=1e-5)


@pytest.mark.parametrize("eligibility", px.quant.ELIG_CODES)
def test_int8_within_quantization_error_of_reference(eligibility):
    """One tick from identical (dequantized) state: a differs by at most the rounding of v and a.

    On the CPU the int8 circulant tick runs the native kernels, so this checks them against numpy too."""
    topo = singer(7)
    cfg = _config(topo, "int8", eligibility=eligibility)
    params, state = px.init(cfg, jax.random.PRNGKey(1))
    codec = px.Codec.from_config(cfg)
    x = jnp.ones((4,), jnp.float32)
    new, _ = jax.jit(px.step)(params, state, x, jnp.float32(0.5))
    net, pl = cfg.network, cfg.plasticity
    W, b, a, e, *_ = reference_run(
        _circulant_nbrs(topo), codec.w(state.long.W), state.long.b, codec.a(state.short.a),
        codec.e(state.short.e), state.long.rate, state.long.var, np.asarray(params.U), np.ones((1, 4)),
        np.array([0.5]), np.zeros((1, 1)), leak=net.leak, lr=pl.lr, decay=pl.decay,
        weight_decay=pl.weight_decay, clip=pl.clip_sigma * net.weight_std, update_every=1,
        var_momentum=0.9, var_threshold=1.0, interval=10, rate_momentum=0.9, bias_rate=0.01, target_rate=0.1,
    )
    assert np.abs(codec.a(new.short.a) - a).max() <= px.quant.A_SCALE / 2 + 1e-6
    # Stochastic rounding: each weight lands on one of the two codes around the float update.
    assert np.abs(codec.w(new.long.W) - W).max() <= codec.w_scale + 1e-6
    # e: one code step, plus |pre|·(post rounding) <= 2·A_SCALE/2 because the int8 run multiplies the
    # rounded post activation. Continuous μ-law step: ln(1+μ)/127·(|e| + E/μ) ≈ 4.4% of (|e| + E/μ);
    # segmented: at most (|e| + 16·unit)/16 with unit = E/SEG_SPAN (the step is 1/16 of the segment's base).
    err = np.abs(codec.e(new.short.e) - e)
    if eligibility == "mulaw":
        step = np.log1p(255.0) / 127 * (np.abs(e) + codec.elig_max / 255.0)
    else:
        step = (np.abs(e) + 16 * codec.elig_max / px.quant.SEG_SPAN) / 16
    assert (err <= step + px.quant.A_SCALE + 1e-6).all()


def test_int8_trajectory_tracks_float32_statistics():
    """Over 100 ticks the int8 run keeps the float32 run's statistics (int8 rounding changes the trajectory pointwise)."""
    topo = singer(11)
    stats = {}
    for numerics in ("float32", "int8"):
        cfg = _config(topo, numerics, gain=1.2)
        params, state = px.init(cfg, jax.random.PRNGKey(0))
        final, _ = jax.jit(px.simulate)(params, state, jnp.zeros((T, 4)), jnp.full((T,), 0.1))
        a = np.asarray(px.Codec.from_config(cfg).a(final.short.a))
        stats[numerics] = (a.std(), np.abs(np.asarray(px.Codec.from_config(cfg).w(final.long.W))).mean())
    assert abs(stats["int8"][0] - stats["float32"][0]) < 0.1 * stats["float32"][0] + 0.02
    assert abs(stats["int8"][1] - stats["float32"][1]) < 0.05 * stats["float32"][1]
