"""Int8 storage: fixed scales, μ-law eligibility, stochastic rounding from an in-kernel hash.

Scales (int8 value q stands for q·scale):
  activations  a: 2/127 (a is bounded to ±2), round to nearest;
  weights      W: clip_sigma·σ_w/127 (the ±3σ_w clip maps to ±127), stochastic rounding;
  eligibility  e: μ-law over ±elig_max, in one of two forms, both with stochastic rounding between the
               two neighbouring codes that is unbiased in the linear domain:
               "mulaw": continuous, ``y = sign(e)·ln(1 + μ|e|/E)/ln(1 + μ)``, q ≈ 127·y;
               "segmented": the piecewise-linear μ-law of ITU-T G.711 (μ = 255): |q| = 16·segment + step,
               8 segments of 16 equal steps, the step doubling from one segment to the next. Its codes are
               the top bits of a float32, so coding is a few integer operations (no exp or log).
Stochastic rounding matters: with deterministic rounding an update smaller than half a step is lost
every tick and learning silently freezes at small learning rates. The learning rule rounds e and W of an
edge from one 32-bit draw per tick, e from its low 16 bits and W from its high 16 (:func:`edge_uniforms`).

:class:`Codec` maps stored arrays to float32 and back for one config; in float32 numerics it is the
identity, so the float32 reference and the int8 path run the same equations through one code path.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

A_SCALE = 2.0 / 127.0
QMAX = 127


def hash_bits_at(seed: Array, rows: Array, cols: Array, stream: int = 0) -> Array:
    """The counter-based hash, uint32, of uint32 ``rows`` and ``cols`` (broadcast together):
    ``fmix32(seed ^ stream·0x9E3779B9 + row·0x85EBCA6B + col·0xC2B2AE35)`` with fmix32 murmur3's finalizer.

    Computed in-kernel (fused kernels call it with one tile's indices), so no random array is stored or
    streamed from memory. Deterministic for a given seed.
    """
    h = seed.astype(jnp.uint32) ^ jnp.uint32((stream * 0x9E3779B9) & 0xFFFFFFFF)
    h = h + rows.astype(jnp.uint32) * jnp.uint32(0x85EBCA6B) + cols.astype(jnp.uint32) * jnp.uint32(0xC2B2AE35)
    h = h ^ (h >> 16)
    h = h * jnp.uint32(0x7FEB352D)
    h = h ^ (h >> 15)
    h = h * jnp.uint32(0x846CA68B)
    return h ^ (h >> 16)


def hash_uniform(seed: Array, shape: tuple[int, int], stream: int = 0) -> Array:
    """Uniform float32 in [0, 1) for every element of a 2-D ``shape`` from a uint32 ``seed``: the top 24
    bits of :func:`hash_bits_at` at each (row, column), ``(h >> 8)/2^24``."""
    rows = jax.lax.broadcasted_iota(jnp.uint32, shape, 0)
    cols = jax.lax.broadcasted_iota(jnp.uint32, shape, 1)
    return hash_uniform_at(seed, rows, cols, stream)


def hash_uniform_at(seed: Array, rows: Array, cols: Array, stream: int = 0) -> Array:
    """The value of :func:`hash_uniform` at uint32 ``rows`` and ``cols`` (broadcast together)."""
    return (hash_bits_at(seed, rows, cols, stream) >> 8).astype(jnp.float32) * jnp.float32(1.0 / (1 << 24))


def half_uniforms(h: Array) -> tuple[Array, Array]:
    """Two uniforms from one uint32 draw ``h``: its low and high 16 bits ``k`` as ``(k + 1/2)/2^16``.

    The midpoints make each rounding's probability ``p`` quantised to the nearest multiple of 2^-16 (not
    always up), so the bias of a stochastic rounding is at most 2^-17 of a step and averages to zero over p.
    Both values are exact in float32 and in ``(0, 1)``.
    """
    lo = (h & jnp.uint32(0xFFFF)).astype(jnp.float32)
    hi = (h >> 16).astype(jnp.float32)
    return (lo + 0.5) * jnp.float32(2.0**-16), (hi + 0.5) * jnp.float32(2.0**-16)


def edge_uniforms(seed: Array, shape: tuple[int, int], stream: int) -> tuple[Array, Array]:
    """:func:`half_uniforms` of one draw of :func:`hash_bits_at` per element of a 2-D ``shape``."""
    rows = jax.lax.broadcasted_iota(jnp.uint32, shape, 0)
    cols = jax.lax.broadcasted_iota(jnp.uint32, shape, 1)
    return half_uniforms(hash_bits_at(seed, rows, cols, stream))


def stochastic_round(x: Array, u: Array) -> Array:
    """``floor(x + u)`` for u ~ U[0, 1): an integer-valued float with E[result] = x."""
    return jnp.floor(x + u)


def to_int8(q: Array) -> Array:
    """Clip an integer-valued float to [-127, 127] and cast to int8."""
    return jnp.clip(q, -QMAX, QMAX).astype(jnp.int8)


def mulaw_decode(q: Array, elig_max: float, mu: float) -> Array:
    """int8 μ-law code -> float32 in [-elig_max, elig_max]: ``sign(q)·(E/μ)·((1 + μ)^(|q|/127) − 1)``.

    Written with ``exp`` (not ``expm1``): one fast special function per element in fused kernels, and
    the absolute error near 0 (~1e-7·E/μ) is far below the smallest code step.
    """
    y = jnp.abs(q.astype(jnp.float32))
    return jnp.sign(q).astype(jnp.float32) * (elig_max / mu) * (jnp.exp(y * (math.log1p(mu) / QMAX)) - 1.0)


def mulaw_encode(x: Array, elig_max: float, mu: float, u: Array) -> Array:
    """float32 -> int8 μ-law code, stochastically rounded so that E[decode(code)] = x (for |x| <= E).

    The code below, ``lo = floor(127·ln(1 + μ|x|/E)/ln(1 + μ))``, and the one above bracket |x|; with
    ``g = (1 + μ)^(1/127)`` the upper code decodes to ``x_hi = (x_lo + E/μ)·g − E/μ``, so one ``log`` and
    one ``exp`` per element suffice.
    """
    mag = jnp.minimum(jnp.abs(x), elig_max)
    y = jnp.log(1.0 + mag * (mu / elig_max)) * (QMAX / math.log1p(mu))
    lo = jnp.clip(jnp.floor(y), 0.0, QMAX - 1)
    x_lo = mulaw_decode(lo, elig_max, mu)
    x_hi = (x_lo + elig_max / mu) * math.exp(math.log1p(mu) / QMAX) - elig_max / mu
    p = (mag - x_lo) / (x_hi - x_lo)
    code = lo + (u < p).astype(jnp.float32)
    return (jnp.sign(x) * code).astype(jnp.int8)


# Segmented μ-law: |e|/unit + 16 lies in [16, 4096); for y = 16·2^s·(1 + k/16) the float32 bits >> 19
# are (131 + s)·16 + k, so the code 16·s + k is (bits >> 19) − SEG_BASE and code 127 is y = 31·128.
SEG_BASE = (127 + 4) << 4
SEG_SPAN = 31 * 128 - 16  # |e| of code 127, in units
SEG_DROP = 19  # float32 mantissa bits below the code


def segmented_decode(q: Array, elig_max: float) -> Array:
    """int8 segmented μ-law code -> float32: ``sign(q)·((16 + k)·2^s − 16)·E/SEG_SPAN``, |q| = 16·s + k."""
    bits = (jnp.abs(q.astype(jnp.int32)) + SEG_BASE) << SEG_DROP
    y = jax.lax.bitcast_convert_type(bits, jnp.float32)
    return jnp.sign(q).astype(jnp.float32) * ((y - 16.0) * (elig_max / SEG_SPAN))


def segmented_encode(x: Array, elig_max: float, u: Array) -> Array:
    """float32 -> int8 segmented μ-law code, stochastically rounded so that E[decode(code)] = x (|x| <= E).

    Within a segment the codes are equally spaced, and so are float32 values within a binade: adding
    ``floor(u·2^19)`` to the 19 dropped mantissa bits before truncating them rounds up with probability
    equal to the dropped fraction (a carry into the next segment is the next code).
    """
    y = jnp.minimum(jnp.abs(x), elig_max) * (SEG_SPAN / elig_max) + 16.0
    r = (u * (1 << SEG_DROP)).astype(jnp.uint32)  # u = k/2^24 or (k + 1/2)/2^16: exact
    bits = jax.lax.bitcast_convert_type(y, jnp.uint32) + r
    code = jnp.minimum((bits >> SEG_DROP).astype(jnp.int32) - SEG_BASE, QMAX)
    return (jnp.sign(x).astype(jnp.int32) * code).astype(jnp.int8)


ELIG_CODES = ("mulaw", "segmented")
WEIGHT_DITHERS = ("hash", "weyl")
WEYL_STEP = 40503  # round(φ·2^16), odd: t ↦ (k₀ + t·WEYL_STEP) mod 2^16 visits every 16-bit value once in 2^16 ticks


def weyl_uniforms(tick: Array, shape: tuple[int, int], stream: int) -> Array:
    """Uniforms ``(k + 1/2)/2^16`` over a 2-D ``shape`` with ``k = (k₀ + tick·WEYL_STEP) mod 2^16``, k₀ the high
    16 bits of :func:`hash_bits_at` with seed 0 at each (row, column): a Weyl sequence ``frac(u₀ + t·φ)`` per
    element, quantised to 16 bits. Over the ticks each element's values fill [0, 1) evenly, so a steady
    increment's summed rounding error stays bounded (independent draws add up like a random walk)."""
    rows = jax.lax.broadcasted_iota(jnp.uint32, shape, 0)
    cols = jax.lax.broadcasted_iota(jnp.uint32, shape, 1)
    k0 = hash_bits_at(jnp.uint32(0), rows, cols, stream) >> 16
    k = (k0 + jnp.asarray(tick).astype(jnp.uint32) * jnp.uint32(WEYL_STEP)) & jnp.uint32(0xFFFF)
    return (k.astype(jnp.float32) + 0.5) * jnp.float32(2.0**-16)


class Codec(eqx.Module):
    """Stored <-> float32 maps for a, W and e under one config (identity in float32 numerics).

    Fields (static): ``int8`` flag, weight scale ``w_scale``, eligibility code ``elig_code`` (one of
    ``ELIG_CODES``), its ``mu`` (continuous form only) and ``elig_max``, and ``w_dither`` (one of
    ``WEIGHT_DITHERS``: the uniforms of W's rounding in the learning rule).
    """

    int8: bool = eqx.field(static=True)
    w_scale: float = eqx.field(static=True)
    mu: float = eqx.field(static=True)
    elig_max: float = eqx.field(static=True)
    elig_code: str = eqx.field(static=True, default="segmented")
    w_dither: str = eqx.field(static=True, default="hash")

    @staticmethod
    def from_config(config) -> "Codec":
        net, pl, qc = config.network, config.plasticity, config.quant
        return Codec(
            int8=qc.int8, w_scale=pl.clip_sigma * net.weight_std / QMAX, mu=qc.mu, elig_max=config.elig_max,
            elig_code=qc.eligibility, w_dither=qc.weight_dither,
        )

    @property
    def a_dtype(self):
        return jnp.int8 if self.int8 else jnp.float32

    def a(self, a: Array) -> Array:
        return a.astype(jnp.float32) * A_SCALE if self.int8 else a

    def store_a(self, a: Array) -> Array:
        return to_int8(jnp.round(a / A_SCALE)) if self.int8 else a

    def w(self, W: Array) -> Array:
        return W.astype(jnp.float32) * self.w_scale if self.int8 else W

    def store_w(self, W: Array, u: Array | None) -> Array:
        """Stochastic rounding with uniforms ``u`` (deterministic round-to-nearest when u is None)."""
        if not self.int8:
            return W
        x = W / self.w_scale
        return to_int8(jnp.round(x) if u is None else stochastic_round(x, u))

    def e(self, e: Array) -> Array:
        if not self.int8:
            return e
        if self.elig_code == "segmented":
            return segmented_decode(e, self.elig_max)
        return mulaw_decode(e, self.elig_max, self.mu)

    def store_e(self, e: Array, u: Array) -> Array:
        if not self.int8:
            return e
        if self.elig_code == "segmented":
            return segmented_encode(e, self.elig_max, u)
        return mulaw_encode(e, self.elig_max, self.mu, u)
