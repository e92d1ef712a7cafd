"""Low-bit weights: int8, int4 and int2 (ternary) codes, and fake quantization for quantization-aware training.

Symmetric uniform quantization with one float32 ``scale`` per tensor; code ``q`` stands for ``q·scale``:

    q = clip(round(x / scale), −qmax, qmax)   signed,   qmax = 2^(bits−1) − 1: 127, 7, 1 (ternary {−1, 0, 1})
    q = clip(round(x / scale), 0, qmax)       unsigned, qmax = 2^bits − 1:     255, 15, 3
    x̂ = q·scale

``round`` is to nearest (ties to even). Codes are int8 for every width (unsigned 8-bit codes reach 255
and are uint8). The default scale is ``max|x| / qmax`` per tensor (unsigned:
``max(x, 0) / qmax``), so no value of the tensor is clipped; an all-zero tensor gets scale 1.

Stated error: for every x inside the representable range (``|x| ≤ qmax·scale``; unsigned ``0 ≤ x ≤
qmax·scale``) ``|x̂ − x| ≤ scale / 2`` (:func:`error_bound`); outside it the value is clipped to the
nearest end.

For Gaussian weights the default scale rounds a growing share of the values to 0 as the width shrinks
(ternary with the max scale zeroes every ``|x| < max|x|/2``): for int4 and ternary pass a smaller
``scale`` (values beyond ``(qmax + ½)·scale`` are clipped). :func:`relative_rms_error` measures
``RMS(x̂ − x) / RMS(x)`` for N(0, 1) weights at any width and scale (the figures are in the docs' Python
API page).

:func:`fake_quant` is the quantize-dequantize ``x̂`` in the forward pass with the straight-through
gradient ``∂x̂/∂x = 1`` where the rounding was not clipped and 0 where it was (Bengio et al. 2013;
Jacob et al. 2018); the scale gets no gradient. It works under ``jit``, ``vmap`` and ``grad``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array

BITS = (2, 4, 8)


def qmax(bits: int, signed: bool = True) -> int:
    """Largest code: ``2^(bits−1) − 1`` signed (8 → 127, 4 → 7, 2 → 1), ``2^bits − 1`` unsigned.

    Raises ValueError unless ``bits`` is one of :data:`BITS` (2, 4, 8).
    """
    if isinstance(bits, bool) or not isinstance(bits, int) or bits not in BITS:
        raise ValueError(f"lowbit bits must be one of {BITS}; got {bits!r}")
    return 2 ** (bits - 1) - 1 if signed else 2**bits - 1


def _check_scale(scale) -> None:
    """A Python number must be > 0; arrays (possibly traced) are not checked."""
    if isinstance(scale, (int, float)) and not scale > 0:
        raise ValueError(f"lowbit scale must be > 0; got {scale!r}")


def default_scale(x: Array, bits: int, signed: bool = True) -> Array:
    """``max|x| / qmax`` float32 scalar (unsigned: ``max(x, 0) / qmax``); 1 for an all-zero tensor."""
    x = jnp.asarray(x, jnp.float32)
    top = jnp.max(jnp.abs(x)) if signed else jnp.maximum(jnp.max(x), 0.0)
    return jnp.where(top > 0, top / qmax(bits, signed), 1.0).astype(jnp.float32)


def _scale(x: Array, bits: int, scale, signed: bool) -> Array:
    if scale is None:
        return default_scale(x, bits, signed)
    _check_scale(scale)
    return jnp.asarray(scale, jnp.float32)


def _rounded(x: Array, scale: Array) -> Array:
    """``round(x / scale)`` float32, before clipping."""
    return jnp.round(jnp.asarray(x, jnp.float32) / scale)


def quantize(x: Array, bits: int, scale=None, signed: bool = True) -> tuple[Array, Array]:
    """Codes ``q = clip(round(x / scale), qmin, qmax)`` and the scale used.

    Args:
      x: any shape, float.
      bits: 2, 4 or 8 (a Python int).
      scale: float32 scalar (or array broadcastable to x), > 0; None: :func:`default_scale`.
      signed: codes in ``[−qmax, qmax]``; False: in ``[0, qmax]`` (negative x clipped to 0).
    Returns:
      ``codes`` of x's shape, int8 (uint8 for unsigned 8-bit, whose codes reach 255), and ``scale``
      float32.
    """
    top = qmax(bits, signed)
    s = _scale(x, bits, scale, signed)
    q = jnp.clip(_rounded(x, s), -top if signed else 0, top)
    dtype = jnp.uint8 if (not signed and bits == 8) else jnp.int8
    return q.astype(dtype), s


def dequantize(codes: Array, scale) -> Array:
    """``codes·scale`` float32."""
    return codes.astype(jnp.float32) * jnp.asarray(scale, jnp.float32)


def error_bound(bits: int, scale) -> Array:
    """The largest ``|dequantize(quantize(x)) − x|`` for x inside the representable range: ``scale / 2``."""
    qmax(bits)
    return jnp.asarray(scale, jnp.float32) / 2


@jax.custom_jvp
def _fake(x: Array, scale: Array, lo: Array, hi: Array) -> Array:
    return jnp.clip(_rounded(x, scale), lo, hi) * scale


@_fake.defjvp
def _fake_jvp(primals, tangents):
    x, scale, lo, hi = primals
    dx = tangents[0]
    r = _rounded(x, scale)
    inside = (r >= lo) & (r <= hi)  # the clip did not bind
    return _fake(x, scale, lo, hi), jnp.where(inside, dx, jnp.zeros_like(dx))


def fake_quant(x: Array, bits: int, scale=None, signed: bool = True) -> Array:
    """``dequantize(*quantize(x, bits, scale, signed))`` float32, with a straight-through gradient.

    Forward: ``x̂ = clip(round(x / scale), qmin, qmax)·scale`` (shape of x). Backward: ``∂x̂/∂x = 1`` where
    ``round(x / scale)`` lies in ``[qmin, qmax]`` and 0 where it was clipped; no gradient reaches the
    scale (the default one, ``max|x| / qmax``, is treated as a constant). Arguments as :func:`quantize`.
    """
    top = qmax(bits, signed)
    s = jax.lax.stop_gradient(_scale(x, bits, scale, signed))
    lo, hi = jnp.float32(-top if signed else 0), jnp.float32(top)
    return _fake(jnp.asarray(x, jnp.float32), s, lo, hi)


def relative_rms_error(bits: int, scale=None, n: int = 100_000, seed: int = 0) -> float:
    """``RMS(x̂ − x) / RMS(x)`` of :func:`fake_quant` on ``n`` N(0, 1) samples (the module docstring's numbers).

    ``python -c "from praxis_jax.quant.lowbit import relative_rms_error as e; print([e(b) for b in (8, 4, 2)])"``
    """
    x = jax.random.normal(jax.random.PRNGKey(seed), (n,), jnp.float32)
    err = fake_quant(x, bits, scale) - x
    return float(jnp.sqrt(jnp.mean(err**2) / jnp.mean(x**2)))
