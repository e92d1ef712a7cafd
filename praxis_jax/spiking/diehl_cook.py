"""Unsupervised digit classification by STDP (Diehl & Cook 2015): Poisson-rate input, one excitatory LIF layer
with lateral inhibition and adaptive thresholds, triplet STDP on the input weights, neurons labelled after training.

Pure functions over NamedTuple state; one image is a ``lax.scan`` over its ticks (:func:`present`), training
a ``lax.scan`` over images (:func:`train`, a Python loop over chunks of them). One tick, in this order:

1. input spikes: pixel k (intensity x_k in [0, 1]) is a Poisson process of rate ``rate_max·boost·x_k`` (Hz),
   sampled per tick as a list of at most ``max_in_spikes`` pixel indices (:func:`input_events`); ``c_k`` is
   pixel k's count this tick (``K`` inputs);
2. conductances (exact decay over dt): ``g_e ← g_e·exp(−dt/τ_e) + Σ_k c_k·W[k, :]``,
   ``g_i ← g_i·exp(−dt/τ_i) + w_inh·(Σs − s)`` with ``s`` the excitatory spikes of the previous tick: every
   spike inhibits all the *other* neurons (D&C's one-to-one inhibitory partner, collapsed; a soft
   winner-take-all);
3. the membrane, conductance-based and integrated exactly over the tick with constant conductances:
   ``v_∞ = (v_rest + g_e·E_e + g_i·E_i)/(1 + g_e + g_i)``, ``v ← v_∞ + (v − v_∞)·exp(−dt·(1 + g_e + g_i)/τ)``
   (so v stays in ``[E_i, E_e]``), for neurons not refractory; spike if ``v ≥ v_th + θ``; a spiking
   neuron is reset to ``v_reset`` and clamped there for ``t_ref/dt`` ticks (the order of
   :func:`praxis_jax.spiking.lif_step`, whose :class:`~praxis_jax.spiking.LIFConfig` holds these fields);
4. learning only: adaptive thresholds ``θ ← θ·exp(−dt/τ_θ) + θ_plus·s`` and the triplet STDP tick of
   :func:`praxis_jax.plasticity.triplet_stdp` on the dense ``(K, N)`` input weights: with the
   :meth:`~praxis_jax.plasticity.TripletSTDPConfig.neuroxai` amplitudes this is D&C's rule,
   ``Δw = −η_pre·o1·[pre] + η_post·r1·o2(t−)·[post]`` (τ 20 / 20 / 40 ms, η_pre 1e-4, η_post 1e-2), clipped
   to ``[0, w_max]`` (traces add 1 per spike, where D&C's code sets them to 1). Only the touched entries
   are computed (:func:`_stdp_events`: the rows of this tick's input spikes, the columns of spiking
   neurons); the test suite checks this against the dense ``triplet_stdp`` update.

Each image is presented for ``ticks`` ticks from rest (``v = v_rest``, no conductances, traces 0: the short
state is reset, standing for D&C's 150 ms rest; θ and W persist). If the layer fires fewer than
``min_spikes`` spikes, the image is shown again with ``boost`` raised by ``retry_boost`` (D&C's +32 Hz at
63.75 Hz is +0.5), at most ``max_retries`` times; learning of the failed showings is kept, as in D&C.
After each learning presentation every neuron's input weights are normalised,
``W[:, j] ← min(w_max, W[:, j]·w_sum/Σ_k W[k, j])`` (so ``Σ_k W[k, j] = w_sum`` unless the clip binds).

Read-out (learning and θ frozen): :func:`responses` counts each neuron's spikes per image,
:func:`label_neurons` gives each neuron the class of its highest mean response on the labelling images,
:func:`predict` picks the class whose labelled neurons have the highest mean count. :func:`evaluate` can
quantize W to ``bits`` (:func:`praxis_jax.quant.lowbit.fake_quant`, unsigned, one scale per tensor) first.

Shapes: ``K`` inputs (pixels), ``N`` excitatory neurons, ``T`` ticks, ``S`` images, ``B`` a batch of images.

References:
  Diehl & Cook (2015), Unsupervised learning of digit recognition using spike-timing-dependent plasticity,
  Front. Comput. Neurosci. 9:99 (and their Brian code: the parameters quoted above);
  Pfister & Gerstner (2006), J. Neurosci. 26:9673 (the triplet rule).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from praxis_jax.plasticity.stdp import (
    TripletHyper,
    TripletSTDPConfig,
    TripletTraces,
    triplet_stdp,
)
from praxis_jax.quant.lowbit import BITS, fake_quant
from praxis_jax.spiking.neurons import LIFConfig, LIFState, lif_init
from praxis_jax.validation import check_integer, check_number, fail

_OWNER = "DiehlCookConfig"
CHUNK = 16  # input spikes handled per loop iteration of a tick (gathers of W's rows)


def _lif_default() -> LIFConfig:
    """D&C's excitatory neuron: rest = reset = −65 mV, threshold −52 mV, τ 100 ms, refractory 5 ms, dt 1 ms."""
    return LIFConfig(tau=100.0, dt=1.0, v_rest=-65.0, v_reset=-65.0, v_th=-52.0, t_ref=5.0, form="biophysical",
                     r_m=1.0)


def _stdp_default() -> TripletSTDPConfig:
    """D&C's rule: η_pre = 1e-4, η_post = 1e-2, τ_pre = τ_post1 = 20 ms, τ_post2 = 40 ms, w in [0, 1]."""
    return TripletSTDPConfig.neuroxai(w_max=1.0, dt=1.0)


class DiehlCookConfig(eqx.Module):
    """The network and its learning (all fields static; changing one recompiles).

    Fields (D&C's values as defaults, except ``ticks`` and ``dt``: they show 350 ms at dt 0.5 ms):
      n_input: K inputs (784 for 28×28 images), >= 1.
      n_neurons: N excitatory neurons, >= 1.
      ticks: T ticks per presentation, >= 1.
      lif: the excitatory neuron (:class:`~praxis_jax.spiking.LIFConfig`: tau, dt, v_rest, v_reset, v_th,
        t_ref; its form and r_m are not used). ``lif.dt`` (ms) is the tick.
      e_exc, e_inh: reversal potentials (mV), e_inh < v_reset, v_th < e_exc.
      tau_e, tau_i: excitatory and inhibitory conductance time constants (ms), > 0.
      w_inh: g_i added to every other neuron per spike (lateral inhibition), >= 0.
      rate_max: input rate (Hz) of a pixel of intensity 1, > 0 (D&C: 255/4 = 63.75 Hz).
      retry_boost: rate factor added per retry (>= 0); max_retries (>= 0); min_spikes (>= 0; 0: no retries).
      theta_plus: threshold increment per spike (mV, >= 0); tau_theta: its decay time constant (ms, > 0).
      stdp: :class:`~praxis_jax.plasticity.TripletSTDPConfig`; its dt must equal ``lif.dt``,
        w_min = 0 < w_max.
      w_sum: the per-neuron input-weight sum after normalisation, in (0, n_input·w_max] (D&C: 78 of 784).
      w_init: initial weights ``U(0, w_init)`` before the first normalisation, > 0.
      max_in_spikes: M, the most input spikes kept per tick (>= 1; see :func:`input_events` and
        :func:`truncation_probability`).
      event_driven: True: a learning tick reads and writes only the entries of W that the dense rule changes
        (:func:`_stdp_events`, several times faster on a CPU); False: the dense
        :func:`~praxis_jax.plasticity.triplet_stdp` update of all of W every tick (the reference).
    """

    n_input: int = eqx.field(static=True, default=784)
    n_neurons: int = eqx.field(static=True, default=100)
    ticks: int = eqx.field(static=True, default=100)
    lif: LIFConfig = eqx.field(default_factory=_lif_default)
    e_exc: float = eqx.field(static=True, default=0.0)
    e_inh: float = eqx.field(static=True, default=-100.0)
    tau_e: float = eqx.field(static=True, default=1.0)
    tau_i: float = eqx.field(static=True, default=2.0)
    w_inh: float = eqx.field(static=True, default=17.0)
    rate_max: float = eqx.field(static=True, default=63.75)
    retry_boost: float = eqx.field(static=True, default=0.5)
    max_retries: int = eqx.field(static=True, default=3)
    min_spikes: int = eqx.field(static=True, default=5)
    theta_plus: float = eqx.field(static=True, default=0.05)
    tau_theta: float = eqx.field(static=True, default=1e7)
    stdp: TripletSTDPConfig = eqx.field(default_factory=_stdp_default)
    w_sum: float = eqx.field(static=True, default=78.0)
    w_init: float = eqx.field(static=True, default=0.3)
    max_in_spikes: int = eqx.field(static=True, default=64)
    event_driven: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        o = _OWNER
        check_integer(o, "n_input", self.n_input, 1)
        check_integer(o, "n_neurons", self.n_neurons, 1)
        check_integer(o, "ticks", self.ticks, 1)
        if not isinstance(self.lif, LIFConfig):
            fail(o, "lif", self.lif, "a LIFConfig")
        if not isinstance(self.stdp, TripletSTDPConfig):
            fail(o, "stdp", self.stdp, "a TripletSTDPConfig")
        for f in ("e_exc", "e_inh"):
            check_number(o, f, getattr(self, f), -1e4, 1e4, hi_open=False)
        if not self.e_exc > self.lif.v_th:
            fail(o, "e_exc", self.e_exc, f"> lif.v_th = {self.lif.v_th}")
        if not self.e_inh < min(self.lif.v_reset, self.lif.v_rest):
            fail(o, "e_inh", self.e_inh, f"< min(lif.v_rest, lif.v_reset) = {min(self.lif.v_reset, self.lif.v_rest)}")
        for f in ("tau_e", "tau_i", "rate_max", "tau_theta", "w_init"):
            check_number(o, f, getattr(self, f), 0, 1e9, lo_open=True, hi_open=False)
        for f in ("w_inh", "retry_boost", "theta_plus"):
            check_number(o, f, getattr(self, f), 0, 1e9, hi_open=False)
        check_integer(o, "max_retries", self.max_retries, 0, 100)
        check_integer(o, "min_spikes", self.min_spikes, 0)
        check_integer(o, "max_in_spikes", self.max_in_spikes, 1)
        if not isinstance(self.event_driven, bool):
            fail(o, "event_driven", self.event_driven, "a bool")
        if self.stdp.dt != self.lif.dt:
            fail(o, "stdp", f"dt = {self.stdp.dt}", f"dt equal to lif.dt = {self.lif.dt}")
        if self.stdp.w_min != 0.0 or not self.stdp.w_max > 0:
            fail(o, "stdp", f"w_min = {self.stdp.w_min}, w_max = {self.stdp.w_max}", "w_min = 0 < w_max")
        check_number(o, "w_sum", self.w_sum, 0, self.n_input * self.stdp.w_max, lo_open=True, hi_open=False)

    @property
    def dt(self) -> float:
        return self.lif.dt

    @property
    def w_max(self) -> float:
        return self.stdp.w_max


class DiehlCookParams(NamedTuple):
    """What a run never changes: the sweepable numbers as float32 arrays (vmap can batch them)."""

    stdp: TripletHyper  # the triplet rule's amplitudes, time constants and bounds
    theta_plus: Array  # () float32 mV per spike
    w_inh: Array  # () float32 lateral inhibition
    rate_max: Array  # () float32 Hz at intensity 1


class Long(NamedTuple):
    """Survives presentations."""

    W: Array  # (K, N) float32 input -> excitatory weights in [0, w_max]
    theta: Array  # (N,) float32 adaptive threshold (mV above v_th)
    showings: Array  # () int32 learning showings so far, retries included (a statistic)


class Short(NamedTuple):
    """Reset to rest at the start of every presentation."""

    lif: LIFState  # (N,) v float32, refractory int32, spike bool (of the last tick)
    g_e: Array  # (N,) float32 excitatory conductance (units of the leak conductance)
    g_i: Array  # (N,) float32 inhibitory conductance
    traces: TripletTraces  # r1, r2 (K,), o1, o2 (N,) float32


class DiehlCookState(NamedTuple):
    long: Long
    short: Short


def params_of(cfg: DiehlCookConfig) -> DiehlCookParams:
    """The config's numbers as float32 arrays."""
    f = jnp.float32
    return DiehlCookParams(stdp=cfg.stdp.hyper(), theta_plus=f(cfg.theta_plus), w_inh=f(cfg.w_inh),
                           rate_max=f(cfg.rate_max))


def rest(cfg: DiehlCookConfig) -> Short:
    """The short state at rest: ``v = v_rest``, not refractory, no conductances, no traces."""
    z = jnp.zeros((cfg.n_neurons,), jnp.float32)
    zk = jnp.zeros((cfg.n_input,), jnp.float32)
    return Short(lif=lif_init(cfg.lif, cfg.n_neurons), g_e=z, g_i=z, traces=TripletTraces(r1=zk, r2=zk, o1=z, o2=z))


def normalize(cfg: DiehlCookConfig, W: Array) -> Array:
    """``W[:, j] ← min(w_max, W[:, j]·w_sum/Σ_k W[k, j])``; an all-zero column stays 0. ``(K, N)`` float32."""
    col = jnp.sum(W, axis=0, keepdims=True)  # (1, N)
    scale = jnp.where(col > 0, jnp.float32(cfg.w_sum) / jnp.where(col > 0, col, 1.0), 0.0)
    return jnp.minimum(W * scale, jnp.float32(cfg.w_max))


def init(cfg: DiehlCookConfig, key: Array) -> tuple[DiehlCookParams, DiehlCookState]:
    """``W ~ U(0, w_init)`` normalised (:func:`normalize`), ``θ = 0``, the short state at rest."""
    W = jax.random.uniform(key, (cfg.n_input, cfg.n_neurons), jnp.float32, 0.0, cfg.w_init)
    long = Long(W=normalize(cfg, W), theta=jnp.zeros((cfg.n_neurons,), jnp.float32), showings=jnp.int32(0))
    return params_of(cfg), DiehlCookState(long=long, short=rest(cfg))


def input_events(key: Array, lam: Array, T: int, M: int) -> Array:
    """Input spikes of independent Poisson pixels as per-tick lists: ``(T, M)`` int32 pixel indices, padding K.

    Pixel k fires ``Poisson(λ_k)`` spikes per tick. The superposition is sampled: ``n_t ~ Poisson(Λ)``,
    ``Λ = Σ_k λ_k``, and each of the ``n_t`` spikes is pixel k with probability ``λ_k/Λ``; this is the same
    process. Both by inverse CDF (float32). At most ``M`` spikes per tick are kept, ``n_t = min(Poisson(Λ), M)``
    (``P(n_t > M)`` is stated by :func:`truncation_probability`); a pixel may appear more than once in a tick.

    Args:
      key: PRNG key; lam: ``(K,)`` float32 expected spikes per tick per pixel (>= 0); T, M: static sizes.
    Returns:
      ``(T, M')`` int32, M rounded up to a multiple of :data:`CHUNK`; each row holds its spikes first.
    """
    K = lam.shape[0]
    M = -(-M // CHUNK) * CHUNK  # a whole number of chunks
    k_n, k_u = jax.random.split(key)
    c = jnp.cumsum(lam)  # (K,) unnormalised CDF
    # n_t = min(Poisson(Λ), M) by inverse CDF over 0 .. M − 1 (cheaper to compile than jax.random.poisson)
    m = jnp.arange(M, dtype=jnp.float32)
    log_p = -c[-1] + m * jnp.log(jnp.maximum(c[-1], 1e-30)) - jax.lax.lgamma(m + 1)
    F = jnp.cumsum(jnp.exp(log_p))  # (M,) P(n <= m)
    n = jnp.searchsorted(F, jax.random.uniform(k_n, (T,), jnp.float32), side="right")  # (T,) in [0, M]
    u = jax.random.uniform(k_u, (T, M), jnp.float32) * c[-1]
    last = K - 1 - jnp.argmax(lam[::-1] > 0)  # the last pixel with λ > 0 (u·Λ may round up to Λ)
    idx = jnp.minimum(jnp.searchsorted(c, u, side="right"), last).astype(jnp.int32)
    return jnp.where(jnp.arange(M)[None, :] < n[:, None], idx, K)


def truncation_probability(cfg: DiehlCookConfig, total_intensity: float, boost: float = 1.0) -> float:
    """``P(n_t > max_in_spikes)`` per tick for an image whose pixel intensities sum to ``total_intensity``."""
    from scipy.stats import poisson

    lam = cfg.rate_max * boost * cfg.dt * 1e-3 * total_intensity
    return float(poisson.sf(cfg.max_in_spikes, lam))


def _stdp_events(h: TripletHyper, idx: Array, n_chunks: Array, pre: Array, post: Array, traces: TripletTraces,
                 W: Array) -> tuple[Array, TripletTraces]:
    """:func:`praxis_jax.plasticity.triplet_stdp`'s tick on dense ``(K, N)`` W, computing only touched entries.

    ``idx`` ``(M,)`` this tick's spiking pixels, each once (K = none; M a multiple of :data:`CHUNK`),
    ``n_chunks`` how many chunks of ``CHUNK`` entries hold them, ``pre`` ``(K,)`` float32 the spike counts per
    pixel, ``post`` ``(N,)`` bool. Each touched entry gets the dense rule's expression
    ``clip((W + ltp) − ltd)`` (with ``pre`` the spike count): the rows of spiking inputs (their LTD, and LTP
    in spiking columns), then the other entries of each spiking
    neuron's column (LTP only), one column at a time. Every other entry's change is exactly 0 in the dense
    rule, so the result is the dense rule's up to float32 contraction (fused multiply-adds). Loops, not
    ``lax.cond``, keep W updated in place (a cond returning W copies it).
    """
    K = W.shape[0]
    post_f = post.astype(jnp.float32)
    r1 = traces.r1 * jnp.exp(-h.dt / h.tau_plus)
    r2 = traces.r2 * jnp.exp(-h.dt / h.tau_x)
    o1 = traces.o1 * jnp.exp(-h.dt / h.tau_minus)
    o2 = traces.o2 * jnp.exp(-h.dt / h.tau_y)
    ltp_post = (h.a2_plus + h.a3_plus * o2[None, :]) * post_f[None, :]  # (1, N)

    def row_chunk(c, W):
        i = jax.lax.dynamic_slice(idx, (c * CHUNK,), (CHUNK,))
        rows = jnp.take(W, i, axis=0, mode="clip")  # (CHUNK, N), untouched so far this tick
        r1r = jnp.take(r1, i, mode="clip")[:, None]
        r2r = jnp.take(r2, i, mode="clip")[:, None]
        pr = jnp.take(pre, i, mode="clip")[:, None]
        ltp = r1r * ltp_post
        ltd = o1[None, :] * (h.a2_minus + h.a3_minus * r2r) * pr
        return W.at[i].set(jnp.clip(rows + ltp - ltd, h.w_min, h.w_max), mode="drop")

    W = jax.lax.fori_loop(0, n_chunks, row_chunk, W)
    quiet = (pre == 0).astype(jnp.float32)  # (K,) rows not done above

    def column(c):
        W, left = c
        j = jnp.argmax(left)
        col = jax.lax.dynamic_slice(W, (0, j), (K, 1))[:, 0]
        new = jnp.clip(col + r1 * (h.a2_plus + h.a3_plus * o2[j]) * quiet, h.w_min, h.w_max)
        return jax.lax.dynamic_update_slice(W, new[:, None], (0, j)), left.at[j].set(False)

    W, _ = jax.lax.while_loop(lambda c: jnp.any(c[1]), column, (W, post))
    return W, TripletTraces(r1=r1 + pre, r2=r2 + pre, o1=o1 + post_f, o2=o2 + post_f)


def tick(cfg: DiehlCookConfig, params: DiehlCookParams, long: Long, short: Short, idx: Array,
         learn: bool, drive: Array | None = None) -> tuple[Long, Short, Array]:
    """One tick (module docstring, steps 2–4) given this tick's input spike list ``idx`` ``(M,)`` (padding K).

    ``drive`` ``(N,)``: the input's ``Σ W[idx]`` when already computed (frozen W: one matmul for all ticks).
    Returns ``(long, short, spike)`` with ``spike`` ``(N,)`` bool; ``long`` is unchanged unless ``learn``.
    """
    lif = cfg.lif
    f = jnp.float32
    K = cfg.n_input
    prev = short.lif.spike.astype(jnp.float32)  # (N,)
    n_chunks = (jnp.sum(idx < K, dtype=jnp.int32) + CHUNK - 1) // CHUNK  # chunks of the list holding spikes
    pre = None
    if learn or drive is None:
        pre = jnp.zeros((K,), jnp.float32).at[idx].add(1.0, mode="drop")  # (K,) spike counts
    if drive is None and not cfg.event_driven:
        drive = pre @ long.W
    elif drive is None:
        def add_rows(c, acc):
            i = jax.lax.dynamic_slice(idx, (c * CHUNK,), (CHUNK,))
            rows = jnp.take(long.W, i, axis=0, mode="clip")  # (CHUNK, N); "clip" gathers are fast on CPU
            return acc + jnp.sum(jnp.where((i < K)[:, None], rows, 0.0), axis=0)

        drive = jax.lax.fori_loop(0, n_chunks, add_rows, jnp.zeros((cfg.n_neurons,), jnp.float32))
    g_e = short.g_e * f(math.exp(-cfg.dt / cfg.tau_e)) + drive  # (N,)
    g_i = short.g_i * f(math.exp(-cfg.dt / cfg.tau_i)) + params.w_inh * (jnp.sum(prev) - prev)
    g = 1.0 + g_e + g_i
    v_inf = (f(lif.v_rest) + g_e * f(cfg.e_exc) + g_i * f(cfg.e_inh)) / g
    v_int = v_inf + (short.lif.v - v_inf) * jnp.exp(-f(cfg.dt / lif.tau) * g)
    active = short.lif.refractory == 0
    v_new = jnp.where(active, v_int, f(lif.v_reset))
    spike = active & (v_new >= f(lif.v_th) + long.theta)
    v_out = jnp.where(spike, f(lif.v_reset), v_new)
    ref = jnp.where(spike, jnp.int32(lif.n_ref), jnp.maximum(short.lif.refractory - 1, 0)).astype(jnp.int32)
    traces = short.traces
    if learn:
        theta = long.theta * f(math.exp(-cfg.dt / cfg.tau_theta)) + params.theta_plus * spike
        if cfg.event_driven:
            M = idx.shape[0]
            earlier = jnp.arange(M)[None, :] < jnp.arange(M)[:, None]  # (M, M) [m, m'] = m' < m
            repeat = jnp.any((idx[:, None] == idx[None, :]) & earlier, axis=1)  # (M,) pixel already listed
            W, traces = _stdp_events(params.stdp, jnp.where(repeat, K, idx), n_chunks, pre, spike, traces, long.W)
        else:
            W, traces = triplet_stdp(None).update(pre, spike, None, traces, long.W, params.stdp)
        long = Long(W=W, theta=theta, showings=long.showings)
    short = Short(lif=LIFState(v=v_out, refractory=ref, spike=spike), g_e=g_e, g_i=g_i, traces=traces)
    return long, short, spike


def _showing(cfg, params, long, image, key, boost, learn):
    """One showing of ``image`` ``(K,)`` from rest: ``(long, counts (N,) int32)``."""
    lam = params.rate_max * boost * jnp.float32(cfg.dt * 1e-3) * jnp.maximum(image.astype(jnp.float32), 0.0)
    idx = input_events(key, lam, cfg.ticks, cfg.max_in_spikes)  # (T, M)
    drives = None
    if not learn:  # frozen W: the drive of every tick in one (T, K) @ (K, N) matmul
        T = idx.shape[0]
        counts = jnp.zeros((T, cfg.n_input), jnp.float32).at[jnp.arange(T)[:, None], idx].add(1.0, mode="drop")
        drives = counts @ long.W  # (T, N)

    if learn:
        def body(carry, i):
            long, short = carry
            long, short, spike = tick(cfg, params, long, short, i, True)
            return (long, short), spike.astype(jnp.int32)

        (long, _), spikes = jax.lax.scan(body, (long, rest(cfg)), idx)
    else:  # W and θ are constants of the scan, not carried (a carried W can be copied every tick)
        def body_frozen(short, xs):
            _, short, spike = tick(cfg, params, long, short, xs[0], False, xs[1])
            return short, spike.astype(jnp.int32)

        _, spikes = jax.lax.scan(body_frozen, rest(cfg), (idx, drives))
    return long, jnp.sum(spikes, axis=0, dtype=jnp.int32)


def present(cfg: DiehlCookConfig, params: DiehlCookParams, state: DiehlCookState, image: Array, key: Array,
            learn: bool = True) -> tuple[DiehlCookState, Array]:
    """Show one image: ``ticks`` ticks from rest, again with a higher rate while the layer is too quiet.

    Args:
      cfg: the network (static).
      params: :class:`DiehlCookParams` (:func:`params_of`).
      state: :class:`DiehlCookState`; only ``long`` is read (the short state starts at rest).
      image: ``(K,)`` float pixel intensities in [0, 1].
      key: PRNG key of this image (showing k uses ``fold_in(key, k)``).
      learn: static; True runs STDP and the thresholds and normalises W afterwards, False freezes both.
    Returns:
      ``(state, counts)``: the new state (short state of the last tick reset to rest) and ``(N,)`` int32
      spike counts of the last showing.
    """
    def cond(c):
        _, counts, k = c
        return (k == 0) | ((jnp.sum(counts) < cfg.min_spikes) & (k <= cfg.max_retries))

    def body(c):
        long, _, k = c
        boost = 1.0 + jnp.float32(cfg.retry_boost) * k.astype(jnp.float32)
        long, counts = _showing(cfg, params, long if learn else state.long, image, jax.random.fold_in(key, k),
                                boost, learn)
        return (long if learn else None), counts, k + 1

    zero = jnp.zeros((cfg.n_neurons,), jnp.int32)
    long, counts, k = jax.lax.while_loop(cond, body, (state.long if learn else None, zero, jnp.int32(0)))
    if not learn:
        return state._replace(short=rest(cfg)), counts
    long = long._replace(W=normalize(cfg, long.W), showings=state.long.showings + k)
    return DiehlCookState(long=long, short=rest(cfg)), counts


def _image_keys(key: Array, start: int, n: int) -> Array:
    """``fold_in(key, i)`` for images i = start .. start + n − 1: results do not depend on the chunking."""
    return jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(start, start + n, dtype=jnp.uint32))


def _check_images(cfg: DiehlCookConfig, name: str, x) -> None:
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) != 2 or shape[1] != cfg.n_input:
        fail("diehl_cook", name, f"shape {shape}", f"(S, n_input = {cfg.n_input})")


def train(cfg: DiehlCookConfig, params: DiehlCookParams, state: DiehlCookState, images, key: Array,
          chunk: int = 500, log: Callable[[str], None] | None = None) -> DiehlCookState:
    """One epoch of learning presentations: ``lax.scan`` of :func:`present` over the images, in chunks.

    Args:
      images: ``(S, K)`` float in [0, 1] (numpy or jax); image i uses the key ``fold_in(key, i)``.
      chunk: images per jitted scan (the last chunk may be shorter and compiles once more).
      log: called with a progress line after each chunk (None: silent).
    Returns:
      The state after the last image.
    """
    _check_images(cfg, "images", images)
    check_integer("train", "chunk", chunk, 1)
    S = images.shape[0]
    t0 = time.perf_counter()
    for start in range(0, S, chunk):
        x = jnp.asarray(images[start:start + chunk], jnp.float32)
        state = _train_chunk(cfg, params, state, x, _image_keys(key, start, x.shape[0]))
        if log is not None:
            jax.block_until_ready(state.long.W)
            done = start + x.shape[0]
            log(f"  trained {done}/{S} images ({time.perf_counter() - t0:.1f} s, θ mean "
                f"{float(jnp.mean(state.long.theta)):.2f} mV, {int(state.long.showings)} showings)")
    return state


@eqx.filter_jit
def _train_chunk(cfg, params, state, x, keys):
    def body(s, xk):
        s, _ = present(cfg, params, s, xk[0], xk[1], learn=True)
        return s, None

    return jax.lax.scan(body, state, (x, keys))[0]


@eqx.filter_jit
def _respond_batch(cfg, params, long, x, keys):
    state = DiehlCookState(long=long, short=rest(cfg))

    def body(_, xk):
        return None, present(cfg, params, state, xk[0], xk[1], learn=False)[1]

    return jax.lax.scan(body, None, (x, keys))[1]


def responses(cfg: DiehlCookConfig, params: DiehlCookParams, long: Long, images, key: Array,
              batch: int = 100) -> np.ndarray:
    """Spike counts with learning and thresholds frozen: ``(S, N)`` int32 (numpy), from :func:`present` with
    ``learn=False`` (retries included) and the key ``fold_in(key, i)`` for image i.

    So two weight sets shown the same images with the same key see the same input spikes. Images go through
    one jitted scan per ``batch`` (the last batch is padded with blank images, so every call compiles once
    per batch size). (Showing a batch in parallel with vmap, retrying only the quiet images, gives the same
    counts and was no faster on a 2-core CPU.)
    """
    _check_images(cfg, "images", images)
    check_integer("responses", "batch", batch, 1)
    S = images.shape[0]
    out = []
    for start in range(0, S, batch):
        x = np.asarray(images[start:start + batch], np.float32)
        n = x.shape[0]
        x = np.concatenate([x, np.zeros((batch - n, x.shape[1]), np.float32)]) if n < batch else x
        c = _respond_batch(cfg, params, long, jnp.asarray(x), _image_keys(key, start, batch))
        out.append(np.asarray(c)[:n])
    return np.concatenate(out, axis=0)


def label_neurons(counts, labels, n_classes: int) -> np.ndarray:
    """Each neuron's class: ``argmax_c mean_{i: y_i = c} counts[i, j]`` (D&C's assignment).

    Args:
      counts: ``(S, N)`` spike counts; labels: ``(S,)`` int classes in ``[0, n_classes)``.
    Returns:
      ``(N,)`` int32; −1 for a neuron that never fired on these images (D&C leave it unassigned); ties go to
      the lower class; a class absent from ``labels`` has mean 0.
    """
    counts = np.asarray(counts, np.float64)
    labels = np.asarray(labels)
    mean = np.zeros((n_classes, counts.shape[1]))
    for c in range(n_classes):
        if np.any(labels == c):
            mean[c] = counts[labels == c].mean(axis=0)
    return np.where(mean.max(axis=0) > 0, np.argmax(mean, axis=0), -1).astype(np.int32)


def predict(counts, neuron_labels, n_classes: int) -> np.ndarray:
    """The class whose labelled neurons fire most on average: ``argmax_c mean_{j: label_j = c} counts[i, j]``.

    Unassigned neurons (label −1) are ignored; a class with no neurons scores 0 (as in D&C's evaluation);
    ties (e.g. no spike at all) go to the lower class. Returns ``(S,)`` int32.
    """
    counts = np.asarray(counts, np.float64)
    neuron_labels = np.asarray(neuron_labels)
    score = np.zeros((counts.shape[0], n_classes))
    for c in range(n_classes):
        mask = neuron_labels == c
        if mask.any():
            score[:, c] = counts[:, mask].mean(axis=1)
    return np.argmax(score, axis=1).astype(np.int32)


def quantize_weights(W: Array, bits: int | None) -> Array:
    """``W`` for evaluation at ``bits`` (2, 4 or 8): :func:`praxis_jax.quant.lowbit.fake_quant` unsigned, one scale
    per tensor (``max W / (2^bits − 1)``); None: W unchanged (float32)."""
    if bits is None:
        return W
    if bits not in BITS:
        fail("quantize_weights", "bits", bits, f"None or one of {BITS}")
    return fake_quant(W, bits, signed=False)


def evaluate(cfg: DiehlCookConfig, params: DiehlCookParams, state: DiehlCookState, x_label, y_label, x_test,
             y_test, key: Array, bits: int | None = None, n_classes: int = 10, batch: int = 100) -> dict:
    """Label the neurons on ``(x_label, y_label)`` and classify ``x_test``, learning frozen, W at ``bits``.

    Returns ``{"accuracy", "bits", "neuron_labels" (N,), "label_counts" (S_label, N), "test_counts" (S_test, N),
    "silent_test_fraction"}`` (the last: test images to which no neuron responded).
    """
    long = state.long._replace(W=quantize_weights(state.long.W, bits))
    k_label, k_test = jax.random.split(key)
    c_label = responses(cfg, params, long, x_label, k_label, batch)
    labels = label_neurons(c_label, y_label, n_classes)
    c_test = responses(cfg, params, long, x_test, k_test, batch)
    pred = predict(c_test, labels, n_classes)
    return {"accuracy": float(np.mean(pred == np.asarray(y_test))), "bits": bits, "neuron_labels": labels,
            "label_counts": c_label, "test_counts": c_test,
            "silent_test_fraction": float(np.mean(c_test.sum(axis=1) == 0))}
