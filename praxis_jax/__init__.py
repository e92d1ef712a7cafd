"""praxis_jax: digital organoids (PRAXIS) in JAX. Re-exports the public API; defines nothing."""

from importlib.metadata import version

from praxis_jax import config, plasticity, quant, topology
from praxis_jax.config import (
    HomeostasisConfig,
    NetworkConfig,
    PlasticityConfig,
    PraxisConfig,
    QuantConfig,
)
from praxis_jax.dynamics import sat_tanh
from praxis_jax.quant import Codec, lowbit
from praxis_jax.simulate import simulate, step
from praxis_jax.state import Hyper, Long, Params, Short, State, dense_weights, init

__version__ = version("praxis_jax")

__all__ = [
    "Codec",
    "config",
    "HomeostasisConfig",
    "Hyper",
    "Long",
    "lowbit",
    "NetworkConfig",
    "Params",
    "PlasticityConfig",
    "PraxisConfig",
    "QuantConfig",
    "Short",
    "State",
    "dense_weights",
    "init",
    "plasticity",
    "quant",
    "sat_tanh",
    "simulate",
    "step",
    "topology",
]
