"""Long-run invariants at N ≈ 10k over 10,000 ticks with learning and homeostasis (int8 and float32)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.topology import singer

TICKS, CHUNK = 10_000, 1_000


def _stats(x):
    x = np.asarray(x, np.float64).ravel()
    z = (x - x.mean()) / x.std()
    return float(np.mean(z**3)), float(np.mean(z**4) - 3.0)


@pytest.mark.slow
@pytest.mark.ci
@pytest.mark.parametrize("numerics", ["int8", "float32"])
def test_invariants_over_10k_ticks(numerics, capsys):
    topo = singer(97)  # N = 9507, D = 196
    cfg = px.PraxisConfig(
        network=px.NetworkConfig(topology=topo),  # defaults: leak 0.2, gain 1.2
        plasticity=px.PlasticityConfig(lr=1e-4, decay=0.9),  # lr=1e-3 pins activity (see README)
        homeostasis=px.HomeostasisConfig(var_threshold=1.2, interval=100),
        quant=px.QuantConfig(numerics=numerics),
    )
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    codec = px.Codec.from_config(cfg)
    bound = cfg.plasticity.clip_sigma * cfg.network.weight_std
    run = jax.jit(px.simulate)
    key = jax.random.PRNGKey(1)
    xs = jnp.zeros((CHUNK, 0))
    for c in range(TICKS // CHUNK):
        key, k = jax.random.split(key)
        state, _ = run(params, state, xs, 0.1 * jax.random.normal(k, (CHUNK,)))  # zero-mean modulator
        a, W = np.asarray(codec.a(state.short.a)), np.asarray(codec.w(state.long.W))
        assert np.isfinite(a).all() and np.isfinite(W).all() and np.isfinite(np.asarray(state.long.var)).all()
        assert np.abs(a).max() <= 2.0
        assert np.abs(W).max() <= bound * (1 + 1e-6)
        assert state.long.W.dtype == (jnp.int8 if numerics == "int8" else jnp.float32)
    var = np.asarray(state.long.var)
    skew, kurt = _stats(W)
    with capsys.disabled():
        print(f"\n[{numerics}] after {TICKS} ticks: var median {np.median(var):.3f} max {var.max():.3f}, "
              f"a std {a.std():.3f}, W std/σ_w {W.std() / cfg.network.weight_std:.3f}, "
              f"skew {skew:.3f}, excess kurtosis {kurt:.3f}, clipped {np.mean(np.abs(W) >= bound * 0.999):.4f}")
    # homeostasis holds the running variance at or below its threshold (plus one interval's drift)
    assert np.median(var) <= cfg.homeostasis.var_threshold and var.max() < 2.0
    assert a.std() > 0.2, "activity did not die"
    # the weight distribution stays approximately Gaussian (clipped at ±3σ: kurtosis slightly negative)
    assert abs(skew) < 0.2 and -1.0 < kurt < 0.5
