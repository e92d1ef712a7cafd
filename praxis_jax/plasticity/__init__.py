"""Local plasticity rules, one per module, each a :class:`~praxis_jax.plasticity.rule.Rule` (init, update) built by
a factory. The spiking side's sampled Hebbian rule is :mod:`praxis_jax.spiking.sampled_hebbian`."""

from praxis_jax.plasticity import astdp_et
from praxis_jax.plasticity.rule import Rule
from praxis_jax.plasticity.stdp import (
    PairSTDPConfig,
    PairTraces,
    RewardSTDPConfig,
    RewardTraces,
    TripletSTDPConfig,
    TripletTraces,
    pair_stdp,
    reward_stdp,
    triplet_stdp,
)

__all__ = [
    "PairSTDPConfig",
    "PairTraces",
    "RewardSTDPConfig",
    "RewardTraces",
    "Rule",
    "TripletSTDPConfig",
    "TripletTraces",
    "astdp_et",
    "pair_stdp",
    "reward_stdp",
    "triplet_stdp",
]
