"""Local plasticity rules, one per module, each a NamedTuple of pure functions built by a factory."""

from praxis_jax.plasticity.astdp_et import AstdpEt, astdp_et

__all__ = ["AstdpEt", "astdp_et"]
