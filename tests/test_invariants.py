"""Long-run invariants at N ≈ 10k over 10,000 ticks with learning and homeostasis (int8 and float32)."""

import jax
import jax.numpy as jnp
import pytest

import praxis_jax as px
from praxis_jax.diagnostics import free_run, summary
from praxis_jax.topology import singer

TICKS, CHUNK = 10_000, 1_000


def invariant_config(numerics: str, lr: float = 1e-4) -> px.PraxisConfig:
    """Singer m=97 (N = 9507, D = 196), default dynamics, A-STDP-ET at ``lr``, homeostasis on."""
    return px.PraxisConfig(
        network=px.NetworkConfig(topology=singer(97)),
        plasticity=px.PlasticityConfig(lr=lr, decay=0.9),
        homeostasis=px.HomeostasisConfig(var_threshold=1.2, interval=100),
        quant=px.QuantConfig(numerics=numerics),
    )


@pytest.mark.slow
@pytest.mark.ci
@pytest.mark.parametrize("numerics", ["int8", "float32"])
def test_invariants_over_10k_ticks(numerics, capsys):
    cfg = invariant_config(numerics)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    for _, state, _ in free_run(params, state, jax.random.PRNGKey(1), TICKS, CHUNK, 0.1):
        s = summary(params, state)
        assert s["finite"]
        assert s["a_absmax"] <= 2.0
        assert s["w_absmax_over_clip"] <= 1 + 1e-6
        assert state.long.W.dtype == (jnp.int8 if numerics == "int8" else jnp.float32)
    with capsys.disabled():
        print(f"\n[{numerics}] after {TICKS} ticks: {s}")
    # homeostasis holds the running variance at or below its threshold (plus one interval's drift)
    assert s["var_median"] <= cfg.homeostasis.var_threshold and s["var_max"] < 2.0
    assert s["a_std"] > 0.2, "activity did not die"
    # the weight distribution stays approximately Gaussian (clipped at ±3σ: kurtosis slightly negative)
    assert abs(s["w_skew"]) < 0.2 and -1.0 < s["w_excess_kurtosis"] < 0.5
