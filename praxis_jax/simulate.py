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
from praxis_jax.topology.base import neuron_mesh, pad_tail
from praxis_jax.topology.circulant import Circulant


# Per-neuron vectors are padded to a multiple of this inside simulate's scan (see simulate).
LANE = 128


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
    # a_prev, a and a per-neuron modulator may be padded past N (see simulate); only the native kernel
    # takes them so, the other forms get [0, N)
    n = net.n
    a_prev_n, a_n, m_n = a_prev[:n], a[:n], modulator[:n] if modulator.ndim else modulator

    def unfused(W, e):
        pre = codec.a(net.topology.gather(a_prev_n, params.table))  # (D, N) f32
        return rule.update(pre, codec.a(a_n), m_n, e, W, hyper, tick, seed)

    if not (codec.int8 and isinstance(net.topology, Circulant)) or neuron_mesh() is not None:
        return unfused(W, e)

    def fused(kernel, a_prev, a, m):
        def run(W, e):
            on = (tick + 1) % pl.update_every == 0
            return kernel(W, e, a_prev, a, m, hyper.decay, hyper.lr, hyper.weight_decay, on, seed,
                          net.topology.offsets, codec, clip)

        return run

    branches = {"cuda": fused(pallas_circulant.learn, a_prev_n, a_n, m_n)}
    if native.available():
        branches["cpu"] = fused(native.circulant_learn, a_prev, a, modulator)
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
    if noise.ndim:
        noise = pad_tail(noise, short.a.shape[0])
    a = activity(codec, params, long, short.a, x, noise)
    post = codec.a(a)
    e = short.e
    if pl.enabled:
        W, e = plasticity_pass(codec, params, short.a, a, modulator, e, long.W, state.tick, seed)
        long = long._replace(W=W)
    if ho.enabled:
        long = homeostasis_update(codec, ho, post, long, params.hyper, state.tick, seed)
    new = State(long=long, short=short._replace(a=a, e=e), tick=state.tick + 1, key=key)
    return new, post[net.n - net.n_outputs : net.n]


def simulate(params: Params, state: State, xs: Array, modulators: Array) -> tuple[State, Array]:
    """Run ``T`` ticks with ``jax.lax.scan``.

    Inside the scan the per-neuron vectors (a, b, rate, var, a per-neuron modulator) are zero-padded
    past N to a multiple of :data:`LANE`, and cut back on return: XLA:CPU runs a large elementwise
    fusion of odd length (every Singer N = m² + m + 1 is odd) several times slower than one of even
    length (``benchmarks/tick_breakdown.py``). The padded neurons are read by nothing (propagation and
    learning use [0, N) only, the input weights reach the first neurons only): int8 runs equal the
    unpadded scan bit for bit, float32 runs to float rounding (XLA vectorises the padded loops; tested).
    Neuron-sharded runs are not padded.

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

    n = params.config.network.n
    lanes = -(-n // LANE) * LANE
    if lanes == n or neuron_mesh() is not None:
        return jax.lax.scan(body, state, (xs, modulators))
    pad = lambda x: pad_tail(x, lanes)  # noqa: E731
    short, long = state.short, state.long
    padded = state._replace(short=short._replace(a=pad(short.a)),
                            long=long._replace(b=pad(long.b), rate=pad(long.rate), var=pad(long.var)))
    if modulators.ndim == 2:
        modulators = jnp.pad(modulators, ((0, 0), (0, lanes - n)))
    padded, outs = jax.lax.scan(body, padded, (xs, modulators))
    short, long = padded.short, padded.long
    return padded._replace(short=short._replace(a=short.a[:n]),
                           long=long._replace(b=long.b[:n], rate=long.rate[:n], var=long.var[:n])), outs
