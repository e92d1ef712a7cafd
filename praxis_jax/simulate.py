"""``step`` (one tick) and ``simulate`` (``jax.lax.scan`` over ticks): the one tick every path runs.

One tick, in phases:

1. randomness: the state's key is split; one part draws the exploration noise η ``(N,)`` (zero without a
   draw when ``hyper.noise_std`` is 0), one a uint32 seed for the stochastic-rounding hash;
2. dynamics: ``v = leak·a + Σ W a + U x + b + η``, ``a = 2·tanh(v/2)`` (:mod:`praxis_jax.dynamics`);
3. the learning signal m: given, or computed from this tick's activations by a callable (trainers);
4. plasticity (:mod:`praxis_jax.plasticity.astdp_et`): the eligibility every tick, the weight update every
   ``update_every``-th tick;
5. homeostasis (:mod:`praxis_jax.homeostasis`).

Simulation, trials (:mod:`praxis_jax.learning.trial`), control episodes, forecasting and the gradient
baselines all call :func:`step`, so every config field acts on every path.

Batches in lockstep: under ``jax.vmap(..., axis_name=name)`` with the long state (W, b, homeostasis
statistics) and the tick unbatched, and the short state and the key batched, ``step(..., axis_name=name)``
runs B trials against one shared long state. The weight update then uses the batch mean ``⟨m·e⟩``, the
homeostasis statistics the batch means of their per-trial terms, and every stochastic rounding of a shared
array draws from one seed (the wrapping sum of the trials' seeds). For one trial this is the unbatched tick.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax import kernels
from praxis_jax.dynamics import potential, sat_tanh
from praxis_jax.homeostasis import homeostasis_update
from praxis_jax.plasticity import astdp_et
from praxis_jax.quant.codec import Codec
from praxis_jax.state import Params, Short, State
from praxis_jax.topology.base import neuron_mesh, pad_tail, stored_length

# Per-neuron vectors are padded to a multiple of this inside simulate's scan (see simulate).
LANE = 128


def tick_randomness(params: Params, key: Array) -> tuple[Array, Array, Array]:
    """Split ``key`` into (next key, exploration noise η ``(N,)`` float32, uint32 hash seed).

    η ~ N(0, noise_std²) is drawn only when ``hyper.noise_std > 0`` (a traced test: a sweep over noise_std
    from a config with noise 0 draws it; under vmap over noise_std both branches run).
    """
    key, k_noise, k_seed = jax.random.split(key, 3)
    seed = jax.random.bits(k_seed, (), jnp.uint32)
    sigma, n = params.hyper.noise_std, params.config.network.n
    noise = jax.lax.cond(sigma > 0, lambda: sigma * jax.random.normal(k_noise, (n,), jnp.float32),
                         lambda: jnp.zeros(n, jnp.float32))
    return key, noise, seed


def activity(codec: Codec, params: Params, long, a: Array, x: Array, noise: Array) -> Array:
    """The new stored activations ``a(t) = 2·tanh(v/2)`` from stored ``a(t−1)`` ``(N,)`` and input ``x`` ``(K,)``."""
    return codec.store_a(sat_tanh(potential(codec, params, long, a, x, noise)))


def plasticity_pass(codec: Codec, params: Params, short: Short, a: Array, noise: Array, modulator: Array, W: Array,
                    tick: Array, seed: Array, shared_seed: Array, axis_name=None) -> tuple[Array, Array, Array]:
    """A-STDP-ET over every edge for one tick -> (W, e, ε) stored.

    ``short`` holds a(t−1), e and ε; ``a`` is a(t) stored, ``noise`` η ``(N,)``, ``modulator`` m ``()`` or
    ``(N,)``, or None (the eligibility only: no weight update this tick); per-neuron vectors may be padded
    past N (see :func:`simulate`). The rule's phases run on the gathered ``(D, N)`` presynaptic factors;
    for int8 circulant organoids with the presynaptic factor a (any postsynaptic factor, any per-neuron
    modulator), the same equations run in one fused pass that
    reads and writes W and e once (:func:`praxis_jax.kernels.learn` picks the Pallas, native or XLA form;
    neuron-sharded runs take it on each device's block on the CPU), and a lockstep batch (``axis_name``)
    runs all its trials in one fused pass (:func:`praxis_jax.kernels.learn_lockstep`). Float32
    numerics (the reference, and the path ``jax.grad`` goes through) take the unfused phases.
    """
    net, pl = params.config.network, params.config.plasticity
    clip, hyper, n = pl.clip_sigma * net.weight_std, params.hyper, net.n
    cols = W.shape[-1]  # N, or under neuron sharding N padded to whole blocks (praxis_jax.sharding)
    learn = modulator is not None
    on = ((tick + 1) % pl.update_every == 0) & learn
    modulator = jnp.zeros((), jnp.float32) if modulator is None else modulator
    m_n = modulator[:cols] if modulator.ndim else modulator

    def unfused(W, e, eps):
        a_prev = codec.a(short.a[:cols])
        gathered = net.topology.gather(a_prev[:n], params.table)
        pre, eps = astdp_et.presynaptic(codec, pl, hyper, gathered, a_prev, eps, seed)
        e_f, e = astdp_et.trace(codec, pre, astdp_et.post_factor(pl, hyper, codec.a(a[:cols]), noise[:cols]), e, hyper,
                                seed)

        def update(W):
            me = astdp_et.modulated(m_n, e_f)
            me = me if axis_name is None else jax.lax.pmean(me, axis_name)
            return astdp_et.apply(codec, clip, W, me, hyper, shared_seed, tick)

        if learn:
            W = update(W) if pl.update_every == 1 else jax.lax.cond(on, update, lambda W: W, W)
        return W, e, eps

    if pl.pre != "a":  # the kernels take pre = a and any postsynaptic factor
        return unfused(W, short.e, short.eps)
    post = astdp_et.post_factor(pl, hyper, codec.a(a), noise)  # (M,) as a and η, padded past N
    xla = lambda W, e: unfused(W, e, None)[:2]  # noqa: E731
    if axis_name is None:
        W, e = kernels.learn(xla, codec, net.topology, W, short.e, short.a, post, modulator, hyper, on, seed, clip)
    else:
        W, e = kernels.learn_lockstep(xla, codec, net.topology, W, short.e, short.a, post, modulator, hyper, on, seed,
                                      shared_seed, clip)
    return W, e, short.eps  # pre = a: ε unchanged


def step(params: Params, state: State, x: Array, modulator: Array | Callable[[Array], Array] | None,
         axis_name: str | None = None) -> tuple[State, Array]:
    """Advance one tick.

    Args:
      params: :class:`Params`.  state: :class:`State`.
      x: ``(K,)`` input of this tick.
      modulator: the learning signal m, ``()`` global or ``(N,)`` per-neuron, or a function of this tick's
        float32 activations ``(N,)`` that returns it (called after the dynamics; a trainer's readout error),
        or None: the eligibility runs but W is not updated this tick (trainers whose signal arrives after
        the last tick, such as a control episode's return, apply the update phase themselves). Not used
        when plasticity is disabled.
      axis_name: the vmap axis of trials run in lockstep against one long state (see the module
        docstring), or None.
    Returns:
      ``(state, out)``: the new state (same structure, shapes and dtypes) and ``out``, the float32
      activations ``(n_outputs,)`` of the last ``n_outputs`` neurons.
    """
    cfg = params.config
    net, pl, ho = cfg.network, cfg.plasticity, cfg.homeostasis
    if state.long.W.shape[-1] != stored_length(net.n):
        raise ValueError(f"step: the state's W has {state.long.W.shape[-1]} neuron columns, and this run stores "
                         f"{stored_length(net.n)} (N = {net.n}): a state padded for neuron sharding runs under "
                         "praxis_jax.sharding.sharded_simulate; cut it with sharding.unpad_neurons to run it here")
    codec = Codec.from_config(cfg)
    key, noise, seed = tick_randomness(params, state.key)
    shared = seed if axis_name is None else jax.lax.psum(seed, axis_name)
    long, short = state.long, state.short
    noise = pad_tail(noise, short.a.shape[0])
    a = activity(codec, params, long, short.a, x, noise)
    post = codec.a(a)
    if pl.enabled:
        m = modulator(post) if callable(modulator) else modulator
        m = None if m is None else jnp.asarray(m, jnp.float32)
        W, e, eps = plasticity_pass(codec, params, short, a, noise, m, long.W, state.tick, seed, shared, axis_name)
        long, short = long._replace(W=W), short._replace(e=e, eps=eps)
    if ho.enabled:
        long = homeostasis_update(codec, ho, post, long, params.hyper, state.tick, shared, axis_name)
    new = State(long=long, short=short._replace(a=a), tick=state.tick + 1, key=key)
    return new, post[net.n - net.n_outputs : net.n]


def pad_lanes(state: State) -> State:
    """``state`` with its per-neuron vectors (a, b, rate, var) zero-padded past N to whole lanes
    (:data:`LANE`); unchanged for neuron-sharded runs or when N is a multiple of LANE."""
    n = state.short.a.shape[0]
    lanes = -(-n // LANE) * LANE
    if lanes == n or neuron_mesh() is not None:
        return state
    pad = lambda x: pad_tail(x, lanes)  # noqa: E731
    short, long = state.short, state.long
    return state._replace(short=short._replace(a=pad(short.a)),
                          long=long._replace(b=pad(long.b), rate=pad(long.rate), var=pad(long.var)))


def unpad_lanes(state: State, n: int) -> State:
    """The inverse of :func:`pad_lanes`: per-neuron vectors cut back to ``n``."""
    cut = lambda x: x[:n]  # noqa: E731
    short, long = state.short, state.long
    return state._replace(short=short._replace(a=cut(short.a)),
                          long=long._replace(b=cut(long.b), rate=cut(long.rate), var=cut(long.var)))


def simulate(params: Params, state: State, xs: Array, modulators: Array) -> tuple[State, Array]:
    """Run ``T`` ticks with ``jax.lax.scan``.

    Inside the scan the per-neuron vectors (a, b, rate, var, a per-neuron modulator) are zero-padded
    past N to a multiple of :data:`LANE`, and cut back on return: XLA:CPU runs a large elementwise
    fusion of odd length (every Singer N = m² + m + 1 is odd) several times slower than one of even
    length (``benchmarks/tick_breakdown.py``). The padded neurons are read by nothing (propagation and
    learning use [0, N) only, the input weights reach the first neurons only): int8 runs equal the
    unpadded scan bit for bit, float32 runs to float rounding (XLA vectorises the padded loops; tested).
    Neuron-sharded runs keep the padding their state is stored with
    (:func:`praxis_jax.sharding.pad_neurons`).

    Args:
      xs: ``(T, K)`` inputs (time-major).  modulators: ``(T,)`` or ``(T, N)``.
    Returns:
      ``(state, outs)`` with outs ``(T, n_outputs)`` float32.
    """
    if xs.ndim != 2 or xs.shape[1] != params.U.shape[0]:
        raise ValueError(f"simulate.xs must have shape (T, K={params.U.shape[0]}); got {xs.shape}")
    n = params.config.network.n
    if modulators.shape[:1] != xs.shape[:1] or modulators.ndim not in (1, 2) or modulators.shape[1:] not in ((), (n,)):
        raise ValueError(f"simulate.modulators must have shape (T,) or (T, N) with T={xs.shape[0]}, N={n}; "
                         f"got {modulators.shape}")

    def body(s, inp):
        return step(params, s, *inp)

    padded = pad_lanes(state)
    lanes = padded.short.a.shape[0]
    if modulators.ndim == 2 and lanes != n:
        modulators = jnp.pad(modulators, ((0, 0), (0, lanes - n)))
    padded, outs = jax.lax.scan(body, padded, (xs, modulators))
    return unpad_lanes(padded, state.short.a.shape[0]), outs
