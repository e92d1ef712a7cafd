"""Local plasticity rules, one per module, each a NamedTuple of pure functions built by a factory."""

from praxis_jax.plasticity import astdp_et
from praxis_jax.plasticity.sampled_hebbian import (
    SampledHebbianConfig,
    SampledHebbianHyper,
    SampledHebbianRule,
    SampledHebbianState,
    sampled_hebbian,
)
from praxis_jax.plasticity.stdp import (
    PairSTDPConfig,
    PairTraces,
    RewardSTDPConfig,
    RewardTraces,
    STDPRule,
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
    "STDPRule",
    "SampledHebbianConfig",
    "SampledHebbianHyper",
    "SampledHebbianRule",
    "SampledHebbianState",
    "TripletSTDPConfig",
    "TripletTraces",
    "astdp_et",
    "pair_stdp",
    "reward_stdp",
    "sampled_hebbian",
    "triplet_stdp",
]
