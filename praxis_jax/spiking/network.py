"""Recurrent spiking networks: a LIF population on a topology, Dale's principle, CUBA or COBA synapses.

Pure functions over NamedTuple state, stepped by ``lax.scan``; the tick is scan-shaped,
``step(cfg, params, state) -> (state, spike)``. One tick, in this order:

1. synapses decay exactly over dt: ``g_e ← g_e·exp(−dt/τ_e)``, ``g_i ← g_i·exp(−dt/τ_i)``;
2. arrivals: presynaptic spikes of tick ``t − delay`` through the per-edge weights ``W`` (``(D, N)``, signed by
   the presynaptic neuron, Dale's principle): ``g_e += Σ_j max(W, 0)·s_pre``, ``g_i += Σ_j max(−W, 0)·s_pre``;
   and external Poisson input: ``g_e += w_in·k``, ``k ~ Poisson(rate_in·dt)`` per neuron, by inverse CDF of
   a counter-based hash uniform of (seed, tick, neuron) (:func:`poisson_counts`, :func:`input_seed`);
3. synaptic current, with ``v`` of the previous tick:
   - CUBA (current-based, exponential currents): ``I = i_ext + g_e − g_i``;
   - COBA (conductance-based): ``I = i_ext + g_e·(E_e − v) + g_i·(E_i − v)``;
4. the LIF tick :func:`praxis_jax.spiking.lif_step` with this ``I`` (so ``v_∞ = v_rest + gain·I``).

Units follow the LIF form: with ``LIFConfig.biophysical`` (gain ``r_m`` in MΩ) CUBA ``g`` are currents in nA and
COBA ``g`` conductances in µS (µS·mV = nA); with ``r_m = 1`` they are in mV and in units of the leak conductance
(Brette et al. 2007's benchmark form, ``τ dv/dt = (E_l − v) + g_e(E_e − v) + g_i(E_i − v)``).

Spike statistics are accumulated in the carry (:class:`SpikeStats`: count, last spike tick, number, sum and sum
of squares of the inter-spike intervals per neuron), so a long run of a large network never stores ``(T, N)``.

Propagation is dense (gather the ``(D, N)`` presynaptic spikes each tick) or, with ``max_spikes = K > 0``,
event-driven: the out-edges of at most K spiking neurons are scattered from a stored out-edge table (built once
from the topology by :func:`out_edge_table`), falling back to dense in a tick with more than K spikes. An
event-driven run on the CPU is one native kernel call for all its ticks (:func:`run`).

References:
  Brette et al. (2007), Simulation of networks of spiking neurons: a review of tools and strategies, J. Comput.
  Neurosci. 23:349 (the CUBA and COBA benchmarks); Vogels & Abbott (2005), J. Neurosci. 25:10786.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from praxis_jax.kernels import native
from praxis_jax.kernels.dispatch import on_backend
from praxis_jax.quant.codec import hash_uniform_at
from praxis_jax.spiking.neurons import (
    LIFConfig,
    LIFState,
    apply_dale,
    dale_signs,
    lif_init,
    lif_step,
)
from praxis_jax.topology.base import Topology
from praxis_jax.topology.procedural import ProceduralRandom
from praxis_jax.validation import check_integer, check_number, fail

SYNAPSES = ("cuba", "coba")


class SpikingNetConfig(eqx.Module):
    """A recurrent LIF network (all fields static; changing one recompiles).

    Fields:
      lif: the neuron (:class:`praxis_jax.spiking.LIFConfig`); its ``dt`` (ms) is the tick.
      topology: the graph, ``topology.n`` = N neurons with ``topology.degree`` = D in-edges each.
      synapse: "cuba" (current-based) or "coba" (conductance-based).
      frac_exc: fraction of excitatory neurons (the first ``round(frac_exc·N)``), in [0, 1].
      tau_e, tau_i: excitatory and inhibitory synaptic time constants (ms), > 0.
      e_exc, e_inh: COBA reversal potentials (same unit as ``lif.v_th``); ignored by CUBA.
      delay: synaptic delay in ticks, >= 1 (a spike of tick t arrives at tick t + delay).
      max_spikes: 0 for dense propagation (gather all ``(D, N)`` presynaptic spikes each tick); K > 0 for
        event-driven propagation through the stored out-edge table ``params.out_edges``
        (:func:`out_edge_table`): a tick with at most K arriving spikes scatters only their out-edges, a
        tick with more falls back to the dense path (``lax.cond``); both give the same sums
        up to float32 summation order.
    """

    lif: LIFConfig
    topology: Topology
    synapse: Literal["cuba", "coba"] = eqx.field(static=True, default="cuba")
    frac_exc: float = eqx.field(static=True, default=0.8)
    tau_e: float = eqx.field(static=True, default=5.0)
    tau_i: float = eqx.field(static=True, default=10.0)
    e_exc: float = eqx.field(static=True, default=0.0)
    e_inh: float = eqx.field(static=True, default=-80.0)
    delay: int = eqx.field(static=True, default=1)
    max_spikes: int = eqx.field(static=True, default=0)

    def __check_init__(self):
        o = "SpikingNetConfig"
        if not isinstance(self.lif, LIFConfig):
            fail(o, "lif", self.lif, "a LIFConfig")
        if not isinstance(self.topology, Topology):
            fail(o, "topology", self.topology, "a Topology")
        if self.synapse not in SYNAPSES:
            fail(o, "synapse", self.synapse, f"one of {SYNAPSES}")
        check_number(o, "frac_exc", self.frac_exc, 0, 1, hi_open=False)
        check_number(o, "tau_e", self.tau_e, 0, 1e6, lo_open=True, hi_open=False)
        check_number(o, "tau_i", self.tau_i, 0, 1e6, lo_open=True, hi_open=False)
        check_number(o, "e_exc", self.e_exc, -1e6, 1e6, hi_open=False)
        check_number(o, "e_inh", self.e_inh, -1e6, 1e6, hi_open=False)
        if self.synapse == "coba" and not self.e_inh < self.e_exc:
            fail(o, "e_inh", self.e_inh, f"< e_exc = {self.e_exc} for COBA synapses")
        check_integer(o, "delay", self.delay, 1, 10_000)
        check_integer(o, "max_spikes", self.max_spikes, 0, self.topology.n)

    @property
    def n(self) -> int:
        return self.topology.n

    @property
    def dt(self) -> float:
        return self.lif.dt

    @property
    def n_exc(self) -> int:
        """Number of excitatory neurons (indices 0 .. n_exc − 1), as :func:`praxis_jax.spiking.dale_signs`."""
        return math.floor(self.frac_exc * self.n + 0.5)

    @classmethod
    def random(cls, lif: LIFConfig, n: int, p: float, seed: int = 0, **kw) -> SpikingNetConfig:
        """A :class:`ProceduralRandom` network with in-degree ``D = max(1, round(p·N))``."""
        check_integer("SpikingNetConfig", "n", n, 2)
        check_number("SpikingNetConfig", "p", p, 0, 1, lo_open=True, hi_open=False)
        return cls(lif=lif, topology=ProceduralRandom(num=n, deg=max(1, round(p * n)), seed=seed), **kw)


class NetParams(NamedTuple):
    """What a run never changes (arrays, so vmap can sweep them)."""

    W: Array  # (D, N) float32 signed per-edge weights (Dale: sign of the presynaptic neuron)
    i_ext: Array  # (N,) float32 constant external current
    rate_in: Array  # () float32 external Poisson rate per neuron (Hz)
    w_in: Array  # () float32 increment of g_e per external Poisson spike
    out_edges: Array | None = None  # (N + 1, max_out) int32 flat edge ids j·N + v per presynaptic neuron
    #   (padded with D·N; row N all padding), only for event-driven propagation (cfg.max_spikes > 0)


class SpikeStats(NamedTuple):
    """Per-neuron spike statistics accumulated in the carry; intervals in ticks."""

    count: Array  # (N,) int32 spikes
    last: Array  # (N,) int32 tick of the last spike, −1 before the first
    isi_n: Array  # (N,) int32 number of inter-spike intervals
    isi_sum: Array  # (N,) float32 Σ ISI (ticks)
    isi_sq: Array  # (N,) float32 Σ ISI² (ticks²)


class NetState(NamedTuple):
    """The carry of a run; ``t`` and the PRNG key live here."""

    lif: LIFState  # (N,) fields
    g_e: Array  # (N,) float32 excitatory synaptic current (CUBA) or conductance (COBA)
    g_i: Array  # (N,) float32 inhibitory one, >= 0
    buf: Array  # (delay, N) bool spikes of the last `delay` ticks (row t % delay holds tick t − delay)
    stats: SpikeStats
    t: Array  # () int32 tick
    key: Array  # PRNG key of the external input (never split: the tick t indexes its stream)


POISSON_TERMS = 32  # terms of the inverse-CDF Poisson draw; exact for rate_in·dt <= POISSON_LAM_MAX
POISSON_LAM_MAX = 4.0  # P(k >= 32 | λ = 4) < 1e-17, far below float32 CDF rounding
STREAM_POISSON = 5  # hash stream of the external input (the organoid's streams are 1-4)


def poisson_cdf(lam: Array) -> Array:
    """``F(m) = P(k <= m)`` of Poisson(λ) for m = 0 .. 31: ``(32,)`` float32, nondecreasing (a cumsum)."""
    lam = jnp.asarray(lam, jnp.float32)
    m = jnp.arange(POISSON_TERMS, dtype=jnp.float32)  # (32,)
    log_p = -lam + m * jnp.log(jnp.maximum(lam, jnp.float32(1e-30))) - jax.lax.lgamma(m + 1)
    return jnp.cumsum(jnp.exp(log_p))


def poisson_counts(F: Array, u: Array) -> Array:
    """Poisson counts by inverse CDF, one uniform each: ``k = #{m < 32 : F(m) < u}`` (float32, u's shape).

    Exact up to float32 rounding of the CDF for ``λ <= 4`` (the truncation at 32 is below 1e-17) and several
    times cheaper on CPU than ``jax.random.poisson``."""
    return jnp.searchsorted(F, u, side="left", method="compare_all").astype(jnp.float32)


def poisson_small(key: Array, lam: Array, shape: tuple[int, ...]) -> Array:
    """Poisson(λ) counts of ``shape`` (float32) from a PRNG key, by :func:`poisson_counts`."""
    return poisson_counts(poisson_cdf(lam), jax.random.uniform(key, shape, jnp.float32))


def input_seed(key: Array) -> Array:
    """The uint32 seed of a run's external input, drawn from the carry's key (which a run never splits)."""
    return jax.random.bits(key, dtype=jnp.uint32)


def out_edge_table(topology: Topology) -> np.ndarray:
    """The out-edges of every neuron as flat ids into a ``(D, N)`` per-edge array (host numpy).

    Row u lists ``e = j·N + v`` for every edge j of v with ``neighbors(v)[j] = u``, padded with ``D·N``
    to the largest out-degree; an extra row N is all padding (the fill of a fixed-size spike list).
    Returns ``(N + 1, max_out)`` int32.
    """
    n, d = topology.n, topology.degree
    nbr = topology.neighbor_array()  # (N, D): nbr[v, j] = u
    if n * d >= 2**31:
        fail("out_edge_table", "topology", topology.describe(), "fewer than 2**31 edges")
    u = nbr.reshape(-1).astype(np.int64)
    e = (np.arange(d, dtype=np.int64)[None, :] * n + np.arange(n, dtype=np.int64)[:, None]).reshape(-1)
    order = np.argsort(u, kind="stable")
    u, e = u[order], e[order]
    deg_out = np.bincount(u, minlength=n)
    width = max(1, int(deg_out.max()))
    start = np.concatenate([[0], np.cumsum(deg_out)[:-1]])
    col = np.arange(u.size) - start[u]
    table = np.full((n + 1, width), n * d, np.int32)
    table[u, col] = e
    return table


def init_weights(cfg: SpikingNetConfig, key: Array, w_exc: float, w_inh: float, jitter: float = 0.0) -> Array:
    """Signed per-edge weights ``W = apply_dale(|w|, dale_signs)``: ``(D, N)`` float32.

    An edge from an excitatory neuron has magnitude ``w_exc``, from an inhibitory one ``w_inh`` (both >= 0), each
    times ``1 + jitter·ξ``, ``ξ ~ U(−1, 1)`` (``jitter`` in [0, 1], so no magnitude changes sign).
    """
    o = "init_weights"
    check_number(o, "w_exc", w_exc, 0, 1e9)
    check_number(o, "w_inh", w_inh, 0, 1e9)
    check_number(o, "jitter", jitter, 0, 1, hi_open=False)
    topo = cfg.topology
    signs = dale_signs(cfg.n, cfg.frac_exc)  # (N,) float32 ±1
    mag_pre = jnp.where(signs > 0, jnp.float32(w_exc), jnp.float32(w_inh))  # (N,)
    W_abs = topo.gather(mag_pre)  # (D, N)
    if jitter > 0:
        W_abs = W_abs * (1 + jnp.float32(jitter) * jax.random.uniform(key, W_abs.shape, jnp.float32, -1, 1))
    return apply_dale(W_abs, signs, topo)


def init(cfg: SpikingNetConfig, key: Array, *, w_exc: float, w_inh: float, jitter: float = 0.0,
         i_ext: float | Array = 0.0, rate_in: float = 0.0, w_in: float = 0.0,
         v0: Literal["rest", "uniform"] = "rest") -> tuple[NetParams, NetState]:
    """Build ``(params, state)``.

    Args:
      cfg: the network.
      key: PRNG key (weights' jitter, initial potentials, and the run's Poisson input).
      w_exc, w_inh: edge magnitudes from excitatory and inhibitory neurons (see :func:`init_weights`).
      i_ext: constant external current, a scalar or ``(N,)``.
      rate_in: external Poisson input per neuron (Hz, total over its input fibres), >= 0.
      w_in: increment of ``g_e`` per external spike, >= 0.
      v0: "rest" (``v = v_rest``) or "uniform" (``v ~ U(v_reset, v_th)``, as the Brette et al. benchmarks).
    Returns:
      ``(NetParams, NetState)``.
    """
    check_number("init", "rate_in", rate_in, 0, 1e9)
    check_number("init", "w_in", w_in, 0, 1e9)
    if rate_in * cfg.dt * 1e-3 > POISSON_LAM_MAX:
        fail("init", "rate_in", rate_in, f"<= {POISSON_LAM_MAX} per tick, i.e. <= {POISSON_LAM_MAX / (cfg.dt * 1e-3):g} Hz"
             f" at dt = {cfg.dt} ms")
    if v0 not in ("rest", "uniform"):
        fail("init", "v0", v0, "'rest' or 'uniform'")
    k_w, k_v, k_run = jax.random.split(key, 3)
    n = cfg.n
    W = init_weights(cfg, k_w, w_exc, w_inh, jitter)
    i_ext = jnp.broadcast_to(jnp.asarray(i_ext, jnp.float32), (n,))
    out_edges = jnp.asarray(out_edge_table(cfg.topology)) if cfg.max_spikes > 0 else None
    params = NetParams(W=W, i_ext=i_ext, rate_in=jnp.float32(rate_in), w_in=jnp.float32(w_in), out_edges=out_edges)
    lif = lif_init(cfg.lif, n)
    if v0 == "uniform":
        lif = lif._replace(v=jax.random.uniform(k_v, (n,), jnp.float32, cfg.lif.v_reset, cfg.lif.v_th))
    return params, init_state(cfg, k_run, lif)


def init_state(cfg: SpikingNetConfig, key: Array, lif: LIFState | None = None) -> NetState:
    """A fresh carry: given (or resting) LIF state, no synaptic input, empty statistics, ``t = 0``."""
    n = cfg.n
    z = jnp.zeros((n,), jnp.float32)
    zi = jnp.zeros((n,), jnp.int32)
    stats = SpikeStats(count=zi, last=jnp.full((n,), -1, jnp.int32), isi_n=zi, isi_sum=z, isi_sq=z)
    return NetState(lif=lif_init(cfg.lif, n) if lif is None else lif, g_e=z, g_i=z,
                    buf=jnp.zeros((cfg.delay, n), bool), stats=stats, t=jnp.int32(0), key=key)


def _update_stats(stats: SpikeStats, spike: Array, t: Array) -> SpikeStats:
    has_prev = spike & (stats.last >= 0)
    isi = jnp.where(has_prev, t - stats.last, 0).astype(jnp.float32)  # (N,) ticks
    return SpikeStats(count=stats.count + spike.astype(jnp.int32), last=jnp.where(spike, t, stats.last),
                      isi_n=stats.isi_n + has_prev.astype(jnp.int32), isi_sum=stats.isi_sum + isi,
                      isi_sq=stats.isi_sq + isi * isi)


def _arrivals_dense(cfg: SpikingNetConfig, params: NetParams, pre: Array) -> tuple[Array, Array]:
    """``(Σ_j max(W, 0)·s, Σ_j max(−W, 0)·s)`` over each neuron's in-edges, s the gathered spikes."""
    s_pre = cfg.topology.gather(pre.astype(jnp.float32))  # (D, N)
    W = params.W
    return jnp.sum(jnp.maximum(W, 0) * s_pre, axis=0), jnp.sum(jnp.maximum(-W, 0) * s_pre, axis=0)


def _arrivals_event(cfg: SpikingNetConfig, params: NetParams, pre: Array) -> tuple[Array, Array]:
    """The same sums from the out-edges of at most ``max_spikes`` spiking neurons (scatter-add)."""
    n = cfg.n
    idx = jnp.nonzero(pre, size=cfg.max_spikes, fill_value=n)[0]  # (K,) spiking neurons, n = none
    e = params.out_edges[idx]  # (K, max_out) flat edge ids, D·N = padding
    w = jnp.take(params.W.reshape(-1), e, mode="fill", fill_value=0.0)  # (K, max_out)
    slot = (e % n + jnp.where(w < 0, n, 0)).reshape(-1)  # target v, shifted by N for inhibitory edges
    g = jnp.zeros((2 * n,), jnp.float32).at[slot].add(jnp.abs(w).reshape(-1))  # one scatter for both
    return g[:n], g[n:]


def step(cfg: SpikingNetConfig, params: NetParams, state: NetState) -> tuple[NetState, Array]:
    """One tick (see the module docstring for the order): ``(state) -> (state, spike)``.

    Args:
      cfg: the network (static).
      params: :class:`NetParams`.
      state: :class:`NetState`.
    Returns:
      The new state (same shapes and dtypes) and ``(N,)`` bool spikes of this tick.
    """
    slot = state.t % cfg.delay
    pre = state.buf[slot]  # (N,) bool spikes of tick t − delay
    if cfg.max_spikes > 0:
        arr_e, arr_i = jax.lax.cond(jnp.sum(pre, dtype=jnp.int32) <= cfg.max_spikes, _arrivals_event,
                                    _arrivals_dense, cfg, params, pre)
    else:
        arr_e, arr_i = _arrivals_dense(cfg, params, pre)
    lam = params.rate_in * jnp.float32(cfg.dt * 1e-3)

    def external():  # (N,) float32 Poisson counts of this tick, hashed from (seed, t, neuron)
        u = hash_uniform_at(input_seed(state.key), state.t.astype(jnp.uint32), jnp.arange(cfg.n, dtype=jnp.uint32),
                            STREAM_POISSON)
        return poisson_counts(poisson_cdf(lam), u)

    k = jax.lax.cond(lam > 0, external, lambda: jnp.zeros((cfg.n,), jnp.float32))
    g_e = state.g_e * jnp.float32(math.exp(-cfg.dt / cfg.tau_e)) + arr_e + params.w_in * k
    g_i = state.g_i * jnp.float32(math.exp(-cfg.dt / cfg.tau_i)) + arr_i
    if cfg.synapse == "cuba":
        I = params.i_ext + g_e - g_i
    else:
        v = state.lif.v
        I = params.i_ext + g_e * (jnp.float32(cfg.e_exc) - v) + g_i * (jnp.float32(cfg.e_inh) - v)
    lif, spike = lif_step(cfg.lif, state.lif, I)
    new = NetState(lif=lif, g_e=g_e, g_i=g_i, buf=state.buf.at[slot].set(spike),
                   stats=_update_stats(state.stats, spike, state.t), t=state.t + 1, key=state.key)
    return new, spike


def run(cfg: SpikingNetConfig, params: NetParams, state: NetState, T: int,
        record: bool = False) -> tuple[NetState, Array]:
    """Advance ``T`` ticks of :func:`step`.

    An event-driven network (``cfg.max_spikes > 0``) runs on the CPU as one native kernel call for all ``T``
    ticks (:func:`praxis_jax.kernels.native.spiking_run`: the same float operations in the same order, so the
    same spikes while the scan takes the event path; with no cap on spikes per tick); otherwise, and on
    other backends, ``lax.scan`` over :func:`step`.

    Args:
      cfg: the network (static).
      params, state: as from :func:`init`; the run continues from ``state`` (its tick, key and statistics).
      T: number of ticks (static).
      record: True to return the ``(T, N)`` bool raster; False (large N) to return only the ``(T,)`` int32
        population spike count per tick. Per-neuron statistics are in ``state.stats`` either way
        (see :func:`isi_stats`).
    Returns:
      ``(state, out)``: final state and the raster or the population count.
    """
    check_integer("run", "T", T, 0)
    if cfg.max_spikes > 0 and T > 0:
        return on_backend((params, state), lambda p, s: scan(cfg, p, s, T, record),
                          cpu=lambda p, s: _run_native(cfg, p, s, T, record))
    return scan(cfg, params, state, T, record)


def scan(cfg: SpikingNetConfig, params: NetParams, state: NetState, T: int,
         record: bool = False) -> tuple[NetState, Array]:
    """:func:`run` as ``lax.scan`` over :func:`step` on every backend."""
    def body(s, _):
        s, spike = step(cfg, params, s)
        return s, (spike if record else jnp.sum(spike, dtype=jnp.int32))

    return jax.lax.scan(body, state, None, length=T)


def _run_native(cfg: SpikingNetConfig, params: NetParams, state: NetState, T: int, record: bool):
    lif = cfg.lif
    d = np.float32(lif.decay)
    gain_omd = np.float32(lif.gain) * (np.float32(1) - d)  # XLA folds lif_step's constant factors so
    fixed = [math.exp(-cfg.dt / cfg.tau_e), math.exp(-cfg.dt / cfg.tau_i), d, gain_omd,
             lif.v_rest, lif.v_reset, lif.v_th, cfg.e_exc, cfg.e_inh]  # spiking_run.cc's Consts, in order
    lam = params.rate_in * jnp.float32(cfg.dt * 1e-3)
    consts = jnp.concatenate([jnp.asarray(np.float32(fixed)), jnp.stack([lam, params.w_in]).astype(jnp.float32)])
    st = state.stats
    fields = (state.lif.v, state.lif.refractory, state.g_e, state.g_i, state.buf, st.count, st.last, st.isi_n,
              st.isi_sum, st.isi_sq)
    (v, ref, g_e, g_i, buf, *stats), pop, raster = native.spiking_run(
        fields, state.t, params.W, params.out_edges, params.i_ext, poisson_cdf(lam), consts,
        input_seed(state.key), lif.n_ref, cfg.synapse == "coba", T, record)
    t = state.t + T
    lif_state = LIFState(v=v, refractory=ref, spike=buf[(t - 1) % cfg.delay])
    new = NetState(lif=lif_state, g_e=g_e, g_i=g_i, buf=buf, stats=SpikeStats(*stats), t=t, key=state.key)
    return new, (raster if record else pop)


def isi_stats(cfg: SpikingNetConfig, stats: SpikeStats, duration_ticks) -> dict:
    """Per-neuron rate (Hz), mean ISI (ms) and CV of the ISIs from the carried sums (host numpy).

    ``CV = sqrt(⟨ISI²⟩ − ⟨ISI⟩²) / ⟨ISI⟩`` (population std, ddof 0), NaN where a neuron has fewer than 2 ISIs;
    ``rate = count / (duration_ticks·dt) · 1000``.
    Returns ``{"rate_hz": (N,), "isi_mean_ms": (N,), "cv": (N,)}`` float64 numpy arrays.
    """
    n = np.asarray(stats.isi_n, np.float64)
    s = np.asarray(stats.isi_sum, np.float64)
    q = np.asarray(stats.isi_sq, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n >= 1, s / n, np.nan)
        var = np.maximum(q / n - mean**2, 0.0)
        cv = np.where(n >= 2, np.sqrt(var) / mean, np.nan)
    rate = np.asarray(stats.count, np.float64) / (float(duration_ticks) * cfg.dt) * 1000.0
    return {"rate_hz": rate, "isi_mean_ms": mean * cfg.dt, "cv": cv}


def summarize(cfg: SpikingNetConfig, stats: SpikeStats, duration_ticks, band=(4.0, 12.0)) -> dict:
    """Population summary: mean rate (Hz), excitatory/inhibitory mean rates, fraction of neurons with a rate
    in ``band`` (Hz, closed), mean CV over neurons with >= 2 ISIs, and how many there are."""
    st = isi_stats(cfg, stats, duration_ticks)
    r, cv = st["rate_hz"], st["cv"]
    ok = np.isfinite(cv)
    return {"rate_hz": float(r.mean()), "rate_exc_hz": float(r[:cfg.n_exc].mean()) if cfg.n_exc else None,
            "rate_inh_hz": float(r[cfg.n_exc:].mean()) if cfg.n_exc < cfg.n else None,
            "frac_in_band": float(np.mean((r >= band[0]) & (r <= band[1]))), "band_hz": list(band),
            "cv_mean": float(cv[ok].mean()) if ok.any() else None, "n_with_cv": int(ok.sum())}
