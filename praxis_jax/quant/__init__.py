"""Quantization: the int8 codec of the organoid's stored state (:mod:`praxis_jax.quant.codec`) and low-bit
weights with fake quantization for quantization-aware training (:mod:`praxis_jax.quant.lowbit`)."""

from praxis_jax.quant import lowbit
from praxis_jax.quant.codec import (
    A_SCALE,
    ELIG_CODES,
    QMAX,
    SEG_SPAN,
    WEIGHT_DITHERS,
    WEYL_STEP,
    Codec,
    edge_uniforms,
    half_uniforms,
    hash_bits_at,
    hash_uniform,
    hash_uniform_at,
    mulaw_decode,
    mulaw_encode,
    segmented_decode,
    segmented_encode,
    stochastic_round,
    to_int8,
    weyl_uniforms,
)

__all__ = ["A_SCALE", "Codec", "ELIG_CODES", "QMAX", "SEG_SPAN", "WEIGHT_DITHERS", "WEYL_STEP", "edge_uniforms",
           "half_uniforms", "hash_bits_at", "hash_uniform", "hash_uniform_at", "lowbit", "mulaw_decode",
           "mulaw_encode", "segmented_decode", "segmented_encode", "stochastic_round", "to_int8", "weyl_uniforms"]
