"""A-STDP-ET: additive STDP with eligibility traces, the PRAXIS three-factor rule.

Phase 1, every tick:          e_ij = decay·e_ij + pre_i·post_j
Phase 2, every K-th tick:     W_ij = W_ij + lr·⟨m_j·e_ij⟩ − weight_decay·W_ij
Phase 3, after phase 2:       W_ij = clip(W_ij, −c·σ_w, +c·σ_w)

The factors are options of the one rule (``PlasticityConfig.pre`` and ``.post``):

  post_j  = a_j(t)  |  f'(v_j(t)) = 1 − (a_j(t)/2)²  |  1  |  η_j(t)/noise_std
  pre_ij  = a_i(t−1)  |  ε_ij(t) = a_i(t−1) + leak·f'(v_j(t−1))·ε_ij(t−1)   (e-prop's eligibility vector)

``m`` is the learning signal: a global scalar or a per-neuron ``(N,)`` broadcast signal. ``⟨·⟩`` is the
mean over the trials of a batch that run in lockstep against one shared W (the ``axis_name`` of a
``vmap``, see :func:`praxis_jax.simulate.step`); for a single trial it is the identity. In int8 numerics
W is stochastically rounded and e is μ-law coded (see :mod:`praxis_jax.quant.codec`), both from one
counter-based draw per edge per tick (:func:`rounding`), or W with a Weyl sequence per edge over the ticks
(``QuantConfig.weight_dither = "weyl"``).

With ``post = "fprime"``, ``decay = 1`` (the trace sums the trial), the update once at the trial's end
and ``m_j = −∂L/∂a_j``, the loss's direct dependence on a_j (for a time-mean readout the output error sent
back through the readout's weights, :func:`praxis_jax.learning.readout.readout_signal`), ``lr·m·e`` is
−lr times e-prop's estimate of the loss gradient (Bellec et al. 2020): at leak 0 with either pre factor,
at any leak with ``pre = "eprop"``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.plasticity.rule import Rule
from praxis_jax.quant.codec import Codec, edge_uniforms, hash_uniform, weyl_uniforms
from praxis_jax.topology.base import Topology

STREAM_EDGE, STREAM_EPS, STREAM_WEYL = 1, 4, 5  # (3 is homeostasis')


def post_factor(pl, hyper, a: Array, noise: Array) -> Array:
    """The postsynaptic factor ``(N,)`` of ``pl.post`` from this tick's float32 activations a and noise η."""
    if pl.post == "a":
        return a
    if pl.post == "fprime":
        return 1.0 - jnp.square(0.5 * a)
    if pl.post == "one":
        return jnp.ones_like(a)
    return noise / jnp.maximum(hyper.noise_std, jnp.float32(1e-30))  # η/σ (η = 0 when σ = 0)


def input_traces(pl, hyper, xs: Array, A: Array) -> tuple[Array, Array]:
    """The rule's eligibility of the input weights U and biases b at a trial's last tick, from the trial's
    inputs ``xs`` ``(..., T, K)`` and float32 activations ``A`` ``(..., T, N)``: pre ``x_k(t)`` (for b, 1),
    the post factor of ``pl.post`` (``a``, ``fprime`` or ``one``), decay ``hyper.decay``:

      e^U_kj = Σ_t decay^(T−1−t)·x_k(t)·post_j(t)   ``(..., K, N)``,
      e^b_j  = Σ_t decay^(T−1−t)·post_j(t)            ``(..., N)``.
    """
    T = A.shape[-2]
    w = hyper.decay ** jnp.arange(T - 1, -1, -1, dtype=jnp.float32)
    post = post_factor(pl, hyper, A, None) * w[:, None]
    return jnp.einsum("...tk,...tn->...kn", xs.astype(jnp.float32), post), post.sum(-2)


def presynaptic(codec: Codec, pl, hyper, gathered: Array, a_prev: Array, eps: Array, seed: Array) -> tuple[Array, Array]:
    """The presynaptic factor ``(D, N)`` float32 of ``pl.pre`` and the new stored ε.

    ``gathered`` is a(t−1) gathered per edge ``(D, N)``, ``a_prev`` the postsynaptic neurons' own a(t−1)
    ``(N,)``; for ``pre = "eprop"``, ``ε = gathered + leak·f'(a_prev)·ε`` (stored with the eligibility's
    code, its own rounding stream), else the gathered activations and ε unchanged.
    """
    if pl.pre == "a":
        return gathered, eps
    eps_f = gathered + hyper.leak * (1.0 - jnp.square(0.5 * a_prev))[None, :] * codec.e(eps)
    u = hash_uniform(seed, eps.shape, STREAM_EPS) if codec.int8 else None
    return eps_f, codec.store_e(eps_f, u)


def rounding(codec: Codec, seed: Array, shape: tuple[int, int], tick: Array | None = None
             ) -> tuple[Array | None, Array | None]:
    """The uniforms ``(u_e, u_w)`` of one tick's stochastic roundings of e and W over a ``(D, N)`` edge array:
    the low and high halves of one hash draw per edge, ``hash_bits_at(seed, j, v, STREAM_EDGE)``
    (:func:`praxis_jax.quant.codec.edge_uniforms`); None, None in float32. Fused kernels compute the same
    draw per tile. With ``codec.w_dither == "weyl"``, u_w is the Weyl sequence of
    :func:`praxis_jax.quant.codec.weyl_uniforms` at ``tick`` (int ``()``; None without it: :func:`apply`
    refuses that)."""
    if not codec.int8:
        return None, None
    u_e, u_w = edge_uniforms(seed, shape, STREAM_EDGE)
    if codec.w_dither == "weyl":
        u_w = None if tick is None else weyl_uniforms(tick, shape, STREAM_WEYL)
    return u_e, u_w


def eligibility(codec: Codec, decay, pre: Array, post: Array, e: Array, u: Array | None) -> tuple[Array, Array]:
    """Phase 1 elementwise: ``e_f = decay·e + pre·post`` -> (e_f float32, e stored with uniforms ``u``).

    Shapes broadcast (the rule passes ``(D, N)`` arrays, fused kernels one tile); ``u`` is None in float32.
    """
    e_f = decay * codec.e(e) + pre * post
    return e_f, codec.store_e(e_f, u)


def weight(codec: Codec, clip: float, lr, weight_decay, W: Array, me: Array, u: Array | None) -> Array:
    """Phases 2 and 3 elementwise from the product ``me = ⟨m·e⟩``: ``clip(W + lr·me − weight_decay·W, ±clip)``,
    stored with uniforms ``u``."""
    W_f = codec.w(W)
    return codec.store_w(jnp.clip(W_f + lr * me - weight_decay * W_f, -clip, clip), u)


def trace(codec: Codec, pre: Array, post: Array, e: Array, hyper, seed: Array) -> tuple[Array, Array]:
    """Phase 1 over every edge: pre ``(D, N)`` f32 (gathered), post ``(N,)`` f32, e ``(D, N)`` stored ->
    (e float32, e stored)."""
    return eligibility(codec, hyper.decay, pre, post[None, :], e, rounding(codec, seed, e.shape)[0])


def modulated(m: Array, e_f: Array) -> Array:
    """``m·e`` for a scalar or per-neuron ``(N,)`` signal m and e ``(D, N)``."""
    m = jnp.asarray(m, jnp.float32)
    return (m[None, :] if m.ndim == 1 else m) * e_f


def apply(codec: Codec, clip: float, W: Array, me: Array, hyper, seed: Array, tick: Array | None = None) -> Array:
    """Phases 2 and 3 over every edge: W ``(D, N)`` stored and ``me = ⟨m·e⟩`` float32 ``(D, N)`` -> W stored
    (``tick``: the update's count for the Weyl dither, see :func:`rounding`)."""
    if codec.int8 and codec.w_dither == "weyl" and tick is None:
        raise ValueError("QuantConfig.weight_dither = 'weyl' needs the tick of each W update; got tick None")
    return weight(codec, clip, hyper.lr, hyper.weight_decay, W, me, rounding(codec, seed, W.shape, tick)[1])


def edge_update(codec: Codec, clip: float, pre: Array, post: Array, m: Array, e: Array, W: Array, hyper,
                seed: Array) -> tuple[Array, Array]:
    """All three phases of one update tick of one trial on gathered factors: pre ``(D, N)`` and post ``(N,)``
    float32, m ``()`` or ``(N,)``, e and W ``(D, N)`` stored, ``seed`` the uint32 rounding seed -> (W, e) stored."""
    e_f, e_new = trace(codec, pre, post, e, hyper, seed)
    return apply(codec, clip, W, modulated(m, e_f), hyper, seed), e_new


class RuleState(NamedTuple):
    """The rule's state: the eligibility ``e`` ``(D, N)`` stored and the key of the rounding seeds."""

    e: Array
    key: Array


def rule(codec: Codec, clip: float, topology: Topology, table: Array | None = None) -> Rule:
    """A-STDP-ET on ``topology`` as a :class:`~praxis_jax.plasticity.rule.Rule`, every tick an update tick.

    ``init(W, key)``: zero eligibility, ``key`` (required) seeds the stochastic rounding of int8 codes.
    ``update(pre, post, m, state, W, hyper)``: pre ``(N,)`` float32 the presynaptic activations a(t−1),
    gathered through the topology (``table`` for stored-index graphs); post ``(N,)`` float32 the postsynaptic
    factor (``a``, ``f'(v)``, 1 or η/σ: :func:`post_factor`); m ``()`` or ``(N,)``; W ``(D, N)`` stored.
    This is one trial's :func:`praxis_jax.simulate.step` plasticity with ``pre = "a"`` and ``update_every = 1``;
    ``step`` runs the same phases split (for lockstep batches, e-prop's ε and the fused kernels).
    The Weyl dither of W (``codec.w_dither``) needs the organoid's tick, which this rule does not carry:
    refused (run :func:`praxis_jax.simulate.step`)."""
    if codec.w_dither != "hash":
        raise ValueError(f"astdp_et.rule rounds W with the per-tick hash; QuantConfig.weight_dither must be 'hash' "
                         f"(run simulate.step for the Weyl dither); got {codec.w_dither!r}")

    def init(W: Array, key: Array) -> RuleState:
        if key is None:
            raise ValueError("astdp_et.rule init needs a key (it seeds the stochastic rounding); got None")
        return RuleState(jnp.zeros_like(W), key)

    def update(pre: Array, post: Array, m, state: RuleState, W: Array, hyper) -> tuple[Array, RuleState]:
        key, sub = jax.random.split(state.key)
        m = jnp.zeros((), jnp.float32) if m is None else m
        W, e = edge_update(codec, clip, topology.gather(pre, table), post, m, state.e, W, hyper,
                           jax.random.bits(sub, (), jnp.uint32))
        return W, RuleState(e, key)

    return Rule(init, update)
