"""``step`` (one tick) and ``simulate`` (``jax.lax.scan`` over ticks).

One tick, in order: potential and activation (dynamics); A-STDP-ET eligibility and, on update ticks,
the weight update (plasticity); homeostasis. The PRNG key in the state is split every tick: one part
draws the exploration noise, one a uint32 seed for the in-kernel stochastic-rounding hash.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax import native
from praxis_jax.dynamics import potential, sat_tanh
from praxis_jax.homeostasis import homeostasis_update
from praxis_jax.pallas import circulant as pallas_circulant
from praxis_jax.plasticity.astdp_et import astdp_et
from praxis_jax.quant import Codec
from praxis_jax.state import Params, State
from praxis_jax.topology.base import neuron_mesh
from praxis_jax.topology.circulant import Circulant


def tick_randomness(params: Params, key: Array) -> tuple[Array, Array, Array]:
    """Split ``key`` into (next key, exploration noise ``(N,)`` float32 or a zero scalar, uint32 hash seed)."""
    key, k_noise, k_seed = jax.random.split(key, 3)
    seed = jax.random.bits(k_seed, (), jnp.uint32)
    if params.config.network.noise_std > 0:
        noise = params.hyper.noise_std * jax.random.normal(k_noise, (params.config.network.n,), jnp.float32)
    else:
        noise = jnp.zeros((), jnp.float32)
    return key, noise, seed


def activity(codec: Codec, params: Params, long, a: Array, x: Array, noise: Array) -> Array:
    """The new stored activations ``a(t) = 2·tanh(v/2)`` from stored ``a(t−1)`` ``(N,)`` and input ``x`` ``(K,)``."""
    return codec.store_a(sat_tanh(potential(codec, params, long, a, x, noise)))


def plasticity_pass(codec: Codec, params: Params, a_prev: Array, a: Array, modulator: Array, e: Array, W: Array,
                    tick: Array, seed: Array) -> tuple[Array, Array]:
    """A-STDP-ET over every edge for one tick: stored a(t−1), a(t) ``(N,)`` and e, W ``(D, N)`` -> (W, e).

    The rule's phases on the gathered ``(D, N)`` presynaptic activations; for int8 circulant organoids,
    the same equations in one fused pass that reads and writes W and e once: a Pallas kernel on GPUs
    (:mod:`praxis_jax.pallas.circulant`), the native kernel on the CPU (:mod:`praxis_jax.native`, when it
    is built). Float32 numerics (the reference, and the path ``jax.grad`` goes through) and
    neuron-sharded runs take the unfused phases.
    """
    net, pl = params.config.network, params.config.plasticity
    clip, hyper = pl.clip_sigma * net.weight_std, params.hyper
    rule = astdp_et(codec, clip, pl.update_every)

    def unfused(W, e):
        pre = codec.a(net.topology.gather(a_prev, params.table))  # (D, N) f32
        return rule.update(pre, codec.a(a), modulator, e, W, hyper, tick, seed)

    if not (codec.int8 and isinstance(net.topology, Circulant)) or neuron_mesh() is not None:
        return unfused(W, e)

    def fused(kernel):
        def run(W, e):
            on = (tick + 1) % pl.update_every == 0
            return kernel(W, e, a_prev, a, modulator, hyper.decay, hyper.lr, hyper.weight_decay, on, seed,
                          net.topology.offsets, codec, clip)

        return run

    branches = {"cuda": fused(pallas_circulant.learn)}
    if native.available():
        branches["cpu"] = fused(native.circulant_learn)
    return jax.lax.platform_dependent(W, e, default=unfused, **branches)


def step(params: Params, state: State, x: Array, modulator: Array) -> tuple[State, Array]:
    """Advance one tick.

    Args:
      params: :class:`Params`.  state: :class:`State`.
      x: ``(K,)`` input of this tick.
      modulator: ``()`` global signal or ``(N,)`` per-neuron broadcast signal (ignored when plasticity
        is disabled).
    Returns:
      ``(state, out)``: the new state (same structure, shapes and dtypes) and ``out``, the float32
      activations ``(n_outputs,)`` of the last ``n_outputs`` neurons.
    """
    cfg = params.config
    net, pl, ho = cfg.network, cfg.plasticity, cfg.homeostasis
    codec = Codec.from_config(cfg)
    key, noise, seed = tick_randomness(params, state.key)
    long, short = state.long, state.short
    a = activity(codec, params, long, short.a, x, noise)
    post = codec.a(a)
    e = short.e
    if pl.enabled:
        W, e = plasticity_pass(codec, params, short.a, a, modulator, e, long.W, state.tick, seed)
        long = long._replace(W=W)
    if ho.enabled:
        long = homeostasis_update(codec, ho, post, long, params.hyper, state.tick, seed)
    new = State(long=long, short=short._replace(a=a, e=e), tick=state.tick + 1, key=key)
    return new, post[net.n - net.n_outputs :]


def simulate(params: Params, state: State, xs: Array, modulators: Array) -> tuple[State, Array]:
    """Run ``T`` ticks with ``jax.lax.scan``.

    Args:
      xs: ``(T, K)`` inputs (time-major).  modulators: ``(T,)`` or ``(T, N)``.
    Returns:
      ``(state, outs)`` with outs ``(T, n_outputs)`` float32.
    """
    if xs.ndim != 2 or xs.shape[1] != params.U.shape[0]:
        raise ValueError(f"simulate.xs must have shape (T, K={params.U.shape[0]}); got {xs.shape}")
    if modulators.shape[:1] != xs.shape[:1] or modulators.ndim not in (1, 2):
        raise ValueError(f"simulate.modulators must have shape (T,) or (T, N) with T={xs.shape[0]}; got {modulators.shape}")

    def body(s, inp):
        return step(params, s, *inp)

    return jax.lax.scan(body, state, (xs, modulators))
