"""Local plasticity rules, one per module, each a ``Rule(init, update)`` pair."""

from praxis_jax.plasticity.astdp_et import astdp_et
from praxis_jax.plasticity.base import Rule

__all__ = ["Rule", "astdp_et"]
