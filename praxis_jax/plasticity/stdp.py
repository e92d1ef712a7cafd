"""Spike-timing-dependent plasticity with traces: pair, triplet (Pfister & Gerstner 2006), and reward-modulated
(Izhikevich 2007). Each rule is a :class:`~praxis_jax.plasticity.rule.Rule` built by a factory:

    rule = pair_stdp(topology)          # or triplet_stdp / reward_stdp; topology=None for dense weights
    traces = rule.init(W)               # (a key may be passed; these rules draw nothing)
    W, traces = rule.update(pre, post, modulator, traces, W, hyper)

``pre`` and ``post`` are this tick's spikes (bool or 0/1), ``(N_pre,)`` and ``(N_post,)``. Weights are either

- per edge, ``(D, N)`` (``topology`` given): presynaptic values (spikes, traces) are gathered through the
  graph, ``pre[j, v] = a[neighbors(v)[j]]``; postsynaptic ones broadcast along D; or
- dense, ``(N_pre, N_post)`` (``topology=None``): presynaptic values broadcast along columns, postsynaptic
  along rows (all-to-all, feed-forward allowed).

Traces are all-to-all (each spike adds 1, no saturation), one per neuron, not per edge. Numbers arrive as
float32 arrays in ``hyper`` (built by a config's ``hyper()``), so vmap can sweep them; ``dt`` and the time
constants are in ms. One tick, in this order:

  1. traces decay: ``r ← r·exp(−dt/τ)`` for every trace;
  2. weights change with the decayed traces, before this tick's spikes are added (so spikes in the same
     tick do not pair with each other), then are clipped to ``[w_min, w_max]``;
  3. traces add this tick's spikes: ``r ← r + spike``.

Pair:     ``Δw = A+·x·[post] − A−·y·[pre]`` (x presynaptic trace, τ+; y postsynaptic trace, τ−).
Triplet:  ``Δw = r1·(A2+ + A3+·o2)·[post] − o1·(A2− + A3−·r2)·[pre]`` with presynaptic traces r1 (τ+), r2 (τx)
          and postsynaptic o1 (τ−), o2 (τy); o2 and r2 are read before this tick's spike (the t − ε of the paper).
          The minimal model is A2+ = A3− = 0: ``Δw = −A2−·o1·[pre] + A3+·r1·o2(t−)·[post]``.
R-STDP:   ``c ← c·exp(−dt/τ_c) + Δw_pair``; ``Δw = d·c`` with d the dopamine ``modulator`` (scalar or ``(N_post,)``);
          c is per edge, in the trace state. Izhikevich's ds/dt = c·d with his 1 ms step; scale d by dt for others.

With a :class:`~praxis_jax.topology.lattice.Lattice3D`, ``gather`` yields 0 on invalid edges, so their
weights never change except through the clip.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.plasticity.rule import Rule
from praxis_jax.topology.base import Topology
from praxis_jax.validation import check_number, fail


def _check(owner: str, cfg, positive: tuple[str, ...], nonneg: tuple[str, ...]) -> None:
    for f in positive:
        check_number(owner, f, getattr(cfg, f), 0, 1e7, lo_open=True, hi_open=False)
    for f in nonneg:
        check_number(owner, f, getattr(cfg, f), 0, 1e7, hi_open=False)
    check_number(owner, "w_min", cfg.w_min, -1e7, 1e7, hi_open=False)
    check_number(owner, "w_max", cfg.w_max, -1e7, 1e7, hi_open=False)
    if cfg.w_max < cfg.w_min:
        fail(owner, "w_max", cfg.w_max, f">= w_min = {cfg.w_min}")


def _hyper(cfg, cls):
    return cls(*(jnp.asarray(getattr(cfg, f), jnp.float32) for f in cls._fields))


def _broadcasters(topology: Topology | None):
    """(to_edges for presynaptic (N_pre,) values, to_edges for postsynaptic (N_post,) values)."""
    if topology is None:
        return (lambda a: a[:, None]), (lambda a: a[None, :])
    return (lambda a: topology.gather(a)), (lambda a: a[None, :])


def _decay(dt, tau):
    return jnp.exp(-dt / tau)


# --- pair -----------------------------------------------------------------------------------------------


class PairHyper(NamedTuple):
    """float32 scalars (or batched under vmap)."""

    a_plus: Array
    a_minus: Array
    tau_plus: Array
    tau_minus: Array
    w_min: Array
    w_max: Array
    dt: Array


class PairSTDPConfig(eqx.Module):
    """Pair STDP ``Δw = A+·x·[post] − A−·y·[pre]``; a pair Δt = t_post − t_pre > 0 gives ``A+·exp(−Δt/τ+)``,
    Δt < 0 gives ``−A−·exp(Δt/τ−)``.

    Fields: a_plus, a_minus (>= 0), tau_plus, tau_minus, dt (ms, > 0), w_min <= w_max.
    """

    a_plus: float = eqx.field(static=True, default=0.01)
    a_minus: float = eqx.field(static=True, default=0.0105)
    tau_plus: float = eqx.field(static=True, default=20.0)
    tau_minus: float = eqx.field(static=True, default=20.0)
    w_min: float = eqx.field(static=True, default=0.0)
    w_max: float = eqx.field(static=True, default=1.0)
    dt: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        _check("PairSTDPConfig", self, ("tau_plus", "tau_minus", "dt"), ("a_plus", "a_minus"))

    def hyper(self) -> PairHyper:
        return _hyper(self, PairHyper)


class PairTraces(NamedTuple):
    x: Array  # (N_pre,) float32 presynaptic trace
    y: Array  # (N_post,) float32 postsynaptic trace


def _pair_dw(hyper, x_e, y_e, pre_e, post_e):
    return hyper.a_plus * x_e * post_e - hyper.a_minus * y_e * pre_e


def pair_stdp(topology: Topology | None = None) -> Rule:
    """Pair STDP on per-edge ``(D, N)`` weights of ``topology``, or dense ``(N_pre, N_post)`` when None."""
    to_pre, to_post = _broadcasters(topology)

    def init(W: Array, key: Array | None = None) -> PairTraces:
        n_pre, n_post = (W.shape[1], W.shape[1]) if topology is not None else W.shape
        return PairTraces(x=jnp.zeros((n_pre,), jnp.float32), y=jnp.zeros((n_post,), jnp.float32))

    def update(pre, post, modulator, traces: PairTraces, W, hyper: PairHyper):
        """pre ``(N_pre,)``, post ``(N_post,)`` spikes; modulator unused -> (W, traces)."""
        del modulator
        pre, post = pre.astype(jnp.float32), post.astype(jnp.float32)
        x = traces.x * _decay(hyper.dt, hyper.tau_plus)
        y = traces.y * _decay(hyper.dt, hyper.tau_minus)
        dw = _pair_dw(hyper, to_pre(x), to_post(y), to_pre(pre), to_post(post))
        W = jnp.clip(W + dw, hyper.w_min, hyper.w_max)
        return W, PairTraces(x=x + pre, y=y + post)

    return Rule(init, update)


# --- triplet --------------------------------------------------------------------------------------------


class TripletHyper(NamedTuple):
    a2_plus: Array
    a3_plus: Array
    a2_minus: Array
    a3_minus: Array
    tau_plus: Array
    tau_x: Array
    tau_minus: Array
    tau_y: Array
    w_min: Array
    w_max: Array
    dt: Array


class TripletSTDPConfig(eqx.Module):
    """Pfister & Gerstner (2006) triplet STDP, all-to-all traces.

    ``Δw = r1·(A2+ + A3+·o2(t−))·[post] − o1·(A2− + A3−·r2(t−))·[pre]``.

    Defaults: the minimal all-to-all model for visual cortex, τ+ = 16.8, τ− = 33.7, τy = 125, τx = 101 ms
    (r2 is kept in the state; it acts only when A3− > 0), A2+ = A3− = 0, A3+ = 6.5e-3, A2− = 7.1e-3
    (Table 4 of the paper as quoted here; check the amplitudes against it before citing them).
    :meth:`neuroxai` is the 20/20/40 ms variant.
    """

    a2_plus: float = eqx.field(static=True, default=0.0)
    a3_plus: float = eqx.field(static=True, default=6.5e-3)
    a2_minus: float = eqx.field(static=True, default=7.1e-3)
    a3_minus: float = eqx.field(static=True, default=0.0)
    tau_plus: float = eqx.field(static=True, default=16.8)
    tau_x: float = eqx.field(static=True, default=101.0)
    tau_minus: float = eqx.field(static=True, default=33.7)
    tau_y: float = eqx.field(static=True, default=125.0)
    w_min: float = eqx.field(static=True, default=0.0)
    w_max: float = eqx.field(static=True, default=1.0)
    dt: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        _check("TripletSTDPConfig", self, ("tau_plus", "tau_x", "tau_minus", "tau_y", "dt"),
               ("a2_plus", "a3_plus", "a2_minus", "a3_minus"))

    @classmethod
    def pfister_gerstner(cls, **kw) -> TripletSTDPConfig:
        """The minimal all-to-all model (the defaults)."""
        return cls(**kw)

    @classmethod
    def neuroxai(cls, **kw) -> TripletSTDPConfig:
        """NeuroxAI's 20/20/40 ms rule ``Δw = −lr_pre·o1·[pre] + lr_post·r1·o2·[post]``: τ+ = τ− = 20 ms,
        τy = 40 ms, A2− = lr_pre = 1e-4, A3+ = lr_post = 1e-2, A2+ = A3− = 0."""
        return cls(**{"a2_plus": 0.0, "a3_plus": 1e-2, "a2_minus": 1e-4, "a3_minus": 0.0, "tau_plus": 20.0,
                             "tau_minus": 20.0, "tau_y": 40.0, **kw})

    def hyper(self) -> TripletHyper:
        return _hyper(self, TripletHyper)


class TripletTraces(NamedTuple):
    r1: Array  # (N_pre,) float32 presynaptic, τ+
    r2: Array  # (N_pre,) float32 presynaptic, τx
    o1: Array  # (N_post,) float32 postsynaptic, τ−
    o2: Array  # (N_post,) float32 postsynaptic, τy


def triplet_stdp(topology: Topology | None = None) -> Rule:
    """Triplet STDP on per-edge ``(D, N)`` weights of ``topology``, or dense ``(N_pre, N_post)`` when None."""
    to_pre, to_post = _broadcasters(topology)

    def init(W: Array, key: Array | None = None) -> TripletTraces:
        n_pre, n_post = (W.shape[1], W.shape[1]) if topology is not None else W.shape
        z_pre, z_post = jnp.zeros((n_pre,), jnp.float32), jnp.zeros((n_post,), jnp.float32)
        return TripletTraces(r1=z_pre, r2=z_pre, o1=z_post, o2=z_post)

    def update(pre, post, modulator, traces: TripletTraces, W, hyper: TripletHyper):
        """pre ``(N_pre,)``, post ``(N_post,)`` spikes; modulator unused -> (W, traces)."""
        del modulator
        pre, post = pre.astype(jnp.float32), post.astype(jnp.float32)
        r1 = traces.r1 * _decay(hyper.dt, hyper.tau_plus)
        r2 = traces.r2 * _decay(hyper.dt, hyper.tau_x)
        o1 = traces.o1 * _decay(hyper.dt, hyper.tau_minus)
        o2 = traces.o2 * _decay(hyper.dt, hyper.tau_y)
        ltp = to_pre(r1) * (hyper.a2_plus + hyper.a3_plus * to_post(o2)) * to_post(post)
        ltd = to_post(o1) * (hyper.a2_minus + hyper.a3_minus * to_pre(r2)) * to_pre(pre)
        W = jnp.clip(W + ltp - ltd, hyper.w_min, hyper.w_max)
        return W, TripletTraces(r1=r1 + pre, r2=r2 + pre, o1=o1 + post, o2=o2 + post)

    return Rule(init, update)


# --- reward-modulated -----------------------------------------------------------------------------------


class RewardHyper(NamedTuple):
    a_plus: Array
    a_minus: Array
    tau_plus: Array
    tau_minus: Array
    tau_c: Array
    w_min: Array
    w_max: Array
    dt: Array


class RewardSTDPConfig(eqx.Module):
    """Izhikevich (2007) dopamine-modulated STDP: ``c ← c·exp(−dt/τ_c) + STDP``, ``Δw = d·c``.

    Defaults from the paper: A+ = 1.0, A− = 1.5, τ+ = τ− = 20 ms, τ_c = 1000 ms, weights in [0, 4], dt = 1 ms.
    """

    a_plus: float = eqx.field(static=True, default=1.0)
    a_minus: float = eqx.field(static=True, default=1.5)
    tau_plus: float = eqx.field(static=True, default=20.0)
    tau_minus: float = eqx.field(static=True, default=20.0)
    tau_c: float = eqx.field(static=True, default=1000.0)
    w_min: float = eqx.field(static=True, default=0.0)
    w_max: float = eqx.field(static=True, default=4.0)
    dt: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        _check("RewardSTDPConfig", self, ("tau_plus", "tau_minus", "tau_c", "dt"), ("a_plus", "a_minus"))

    def hyper(self) -> RewardHyper:
        return _hyper(self, RewardHyper)


class RewardTraces(NamedTuple):
    x: Array  # (N_pre,) float32 presynaptic trace
    y: Array  # (N_post,) float32 postsynaptic trace
    c: Array  # (D, N) or (N_pre, N_post) float32 eligibility, per edge


def reward_stdp(topology: Topology | None = None) -> Rule:
    """R-STDP on per-edge ``(D, N)`` weights of ``topology``, or dense ``(N_pre, N_post)`` when None.

    ``update``'s modulator is the dopamine d: a scalar or ``(N_post,)`` per postsynaptic neuron.
    """
    to_pre, to_post = _broadcasters(topology)
    pair = pair_stdp(topology)

    def init(W: Array, key: Array | None = None) -> RewardTraces:
        p = pair.init(W)
        return RewardTraces(x=p.x, y=p.y, c=jnp.zeros(W.shape, jnp.float32))

    def update(pre, post, modulator, traces: RewardTraces, W, hyper: RewardHyper):
        """pre ``(N_pre,)``, post ``(N_post,)`` spikes, modulator d ``()`` or ``(N_post,)`` -> (W, traces)."""
        pre, post = pre.astype(jnp.float32), post.astype(jnp.float32)
        x = traces.x * _decay(hyper.dt, hyper.tau_plus)
        y = traces.y * _decay(hyper.dt, hyper.tau_minus)
        c = traces.c * _decay(hyper.dt, hyper.tau_c) + _pair_dw(hyper, to_pre(x), to_post(y), to_pre(pre),
                                                                to_post(post))
        d = jnp.asarray(modulator, jnp.float32)
        d = to_post(d) if d.ndim == 1 else d
        W = jnp.clip(W + d * c, hyper.w_min, hyper.w_max)
        return W, RewardTraces(x=x + pre, y=y + post, c=c)

    return Rule(init, update)
