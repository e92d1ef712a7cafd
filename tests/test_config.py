"""Every config error path raises ValueError naming owner, field, value and what is allowed."""

import dataclasses

import jax
import pytest

import praxis_jax as px
from praxis_jax.topology import singer

NET = dict(topology=singer(5))


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: px.NetworkConfig(**NET, leak=1.2), r"NetworkConfig.leak must be a finite number in \[0, 1\); got 1.2"),
        (lambda: px.NetworkConfig(**NET, leak=float("nan")), "NetworkConfig.leak"),
        (lambda: px.NetworkConfig(**NET, leak=-0.1), "NetworkConfig.leak"),
        (lambda: px.NetworkConfig(**NET, gain=-1.0), "NetworkConfig.gain"),
        (lambda: px.NetworkConfig(**NET, n_inputs=-1), "NetworkConfig.n_inputs"),
        (lambda: px.NetworkConfig(**NET, n_inputs=2.5), "NetworkConfig.n_inputs"),
        (lambda: px.NetworkConfig(**NET, input_neurons=0), "NetworkConfig.input_neurons"),
        (lambda: px.NetworkConfig(**NET, input_neurons=32), r"input_neurons must be an int in \[1, 31\]"),
        (lambda: px.NetworkConfig(**NET, n_outputs=40), "NetworkConfig.n_outputs"),
        (lambda: px.NetworkConfig(**NET, noise_std=float("inf")), "NetworkConfig.noise_std"),
        (lambda: px.NetworkConfig(topology="singer"), "NetworkConfig.topology must be a praxis_jax"),
        (lambda: px.PlasticityConfig(lr=-1.0), "PlasticityConfig.lr"),
        (lambda: px.PlasticityConfig(decay=1.5), r"PlasticityConfig.decay must be a finite number in \[0, 1\]"),
        (lambda: px.PlasticityConfig(decay=float("nan")), "PlasticityConfig.decay"),
        (lambda: px.PlasticityConfig(weight_decay=1.0), "PlasticityConfig.weight_decay"),
        (lambda: px.PlasticityConfig(clip_sigma=0.0), "PlasticityConfig.clip_sigma"),
        (lambda: px.PlasticityConfig(update_every=0), "PlasticityConfig.update_every"),
        (lambda: px.PlasticityConfig(enabled=1), "PlasticityConfig.enabled must be a bool"),
        (lambda: px.HomeostasisConfig(var_momentum=1.0), "HomeostasisConfig.var_momentum"),
        (lambda: px.HomeostasisConfig(var_threshold=0.5), r"var_threshold must be a finite number in \[1, 4\]"),
        (lambda: px.HomeostasisConfig(interval=0), "HomeostasisConfig.interval"),
        (lambda: px.HomeostasisConfig(rate_momentum=-0.1), "HomeostasisConfig.rate_momentum"),
        (lambda: px.HomeostasisConfig(bias_rate=2.0), "HomeostasisConfig.bias_rate"),
        (lambda: px.HomeostasisConfig(target_rate=2.0), "HomeostasisConfig.target_rate"),
        (lambda: px.QuantConfig(numerics="int4"), "QuantConfig.numerics must be one of"),
        (lambda: px.QuantConfig(mu=0.0), "QuantConfig.mu"),
        (lambda: px.QuantConfig(eligibility="alaw"), "QuantConfig.eligibility"),
        (lambda: px.QuantConfig(elig_max=-1.0), "QuantConfig.elig_max"),
        (lambda: px.QuantConfig(numerics="int8", weight_dither="sobol"), "QuantConfig.weight_dither must be one of"),
        (lambda: px.QuantConfig(weight_dither="weyl"), "QuantConfig.weight_dither must be 'hash' unless numerics"),
        (lambda: px.PraxisConfig(network=NET), "PraxisConfig.network must be a NetworkConfig"),
        (lambda: px.PraxisConfig(plasticity=px.PlasticityConfig(decay=1.0)), "quant.elig_max"),
    ],
)
def test_invalid_values_raise_before_allocation(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_configs_are_frozen_and_replaceable():
    cfg = px.PraxisConfig(network=px.NetworkConfig(**NET))
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.network = None
    new = dataclasses.replace(cfg, plasticity=px.PlasticityConfig(lr=0.5))
    assert new.plasticity.lr == 0.5 and cfg.plasticity.lr != 0.5
    with pytest.raises(ValueError, match="PlasticityConfig.lr"):
        dataclasses.replace(cfg.plasticity, lr=float("nan"))


def test_configs_hash_by_value():
    a = px.PraxisConfig(network=px.NetworkConfig(topology=singer(5)))
    b = px.PraxisConfig(network=px.NetworkConfig(topology=singer(5)))
    assert a == b and hash(a) == hash(b)


def test_init_rejects_non_config():
    with pytest.raises(ValueError, match="init.config must be a PraxisConfig"):
        px.init({"n": 10}, jax.random.PRNGKey(0))
