"""Spiking neurons: LIF forms with hard reset and refractoriness, Tsodyks–Markram STP, Dale's principle.

Everything is a pure function over a NamedTuple state; the tick is scan-shaped,
``lif_step(cfg, state, I) -> (state, spike)``, and :func:`lif_run` scans it over a time-major ``(T, N)`` input.

LIF (both forms integrate ``τ dv/dt = −(v − v_rest) + g·I`` exactly over one tick of ``dt``):

    v ← v_∞ + (v − v_∞)·exp(−dt/τ),   v_∞ = v_rest + g·I

- ``form="exponential"`` (brain3d): ``g = τ``. With ``v_rest = 0`` this is brain3d's
  ``v = v·exp(−dt/τ) + I·τ·(1 − exp(−dt/τ))``, threshold ``v >= v_th``, hard reset to ``v_reset``.
- ``form="biophysical"`` (NeuroxAI): ``g = R_m`` (MΩ, so I in nA gives mV); preset V_rest = V_reset =
  −70 mV, V_th = −55 mV, τ_m = 20 ms, refractory 2 ms, dt = 0.1 ms, R_m = 10 MΩ.

One tick, in this order: a neuron with ``refractory > 0`` is clamped at ``v_reset``, cannot spike, and
counts ``refractory −= 1``; every other neuron integrates, spikes if ``v >= v_th``, and a spiking neuron is
reset to ``v_reset`` with ``refractory = n_ref = t_ref/dt``. So after a spike at tick t the membrane is
clamped for exactly the ``n_ref`` ticks t+1 .. t+n_ref and integrates again from tick t+n_ref+1.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.topology.base import Topology
from praxis_jax.validation import check_number, fail

FORMS = ("exponential", "biophysical")
_V_BOUND = 1e6  # |v| bound for the potential fields (any unit)


class LIFConfig(eqx.Module):
    """A leaky integrate-and-fire population (all fields static; changing one recompiles).

    ``v ← v_∞ + (v − v_∞)·exp(−dt/τ)``, ``v_∞ = v_rest + g·I``; ``g = τ`` (exponential) or ``r_m``
    (biophysical). Spike if ``v >= v_th``; hard reset to ``v_reset``; clamp for ``t_ref/dt`` ticks.

    Fields:
      tau: membrane time constant τ (ms), > 0.
      dt: tick (ms), > 0.
      v_rest: resting potential (the leak's target with zero input).
      v_reset: potential after a spike and during the refractory period.
      v_th: threshold; must exceed v_rest and v_reset.
      t_ref: refractory period (ms), a non-negative multiple of dt (0 = none, as in brain3d).
      form: "exponential" (input gain τ, brain3d) or "biophysical" (input gain r_m).
      r_m: membrane resistance (MΩ) of the biophysical form; ignored by the exponential form.
    """

    tau: float = eqx.field(static=True, default=30.0)
    dt: float = eqx.field(static=True, default=1.0)
    v_rest: float = eqx.field(static=True, default=0.0)
    v_reset: float = eqx.field(static=True, default=0.0)
    v_th: float = eqx.field(static=True, default=0.1)
    t_ref: float = eqx.field(static=True, default=0.0)
    form: Literal["exponential", "biophysical"] = eqx.field(static=True, default="exponential")
    r_m: float = eqx.field(static=True, default=10.0)

    def __check_init__(self):
        o = "LIFConfig"
        if self.form not in FORMS:
            fail(o, "form", self.form, f"one of {FORMS}")
        check_number(o, "tau", self.tau, 0, 1e6, lo_open=True, hi_open=False)
        check_number(o, "dt", self.dt, 0, 1e6, lo_open=True, hi_open=False)
        for f in ("v_rest", "v_reset", "v_th"):
            check_number(o, f, getattr(self, f), -_V_BOUND, _V_BOUND, hi_open=False)
        floor = max(self.v_rest, self.v_reset)
        if self.v_th <= floor:
            fail(o, "v_th", self.v_th, f"> max(v_rest, v_reset) = {floor}")
        check_number(o, "t_ref", self.t_ref, 0, 1e6, hi_open=False)
        ticks = self.t_ref / self.dt
        if abs(ticks - round(ticks)) > 1e-6 * max(1.0, ticks):
            fail(o, "t_ref", self.t_ref, f"a multiple of dt = {self.dt} (whole refractory ticks)")
        check_number(o, "r_m", self.r_m, 0, 1e6, lo_open=True, hi_open=False)

    @classmethod
    def brain3d(cls, **kw) -> LIFConfig:
        """brain3d's neuron: τ = 30 ms, dt = 1 ms, θ = 0.1, reset 0, rest 0, no refractory period."""
        return cls(**{"tau": 30.0, "dt": 1.0, "v_rest": 0.0, "v_reset": 0.0, "v_th": 0.1, "t_ref": 0.0,
                             "form": "exponential", **kw})

    @classmethod
    def biophysical(cls, **kw) -> LIFConfig:
        """NeuroxAI's neuron: V_rest = V_reset = −70 mV, V_th = −55 mV, τ_m = 20 ms, t_ref = 2 ms, dt = 0.1 ms,
        R_m = 10 MΩ (I in nA)."""
        return cls(**{"tau": 20.0, "dt": 0.1, "v_rest": -70.0, "v_reset": -70.0, "v_th": -55.0, "t_ref": 2.0,
                             "form": "biophysical", "r_m": 10.0, **kw})

    @property
    def decay(self) -> float:
        """exp(−dt/τ)."""
        return math.exp(-self.dt / self.tau)

    @property
    def gain(self) -> float:
        """Input gain g: v_∞ = v_rest + g·I (τ for the exponential form, r_m for the biophysical one)."""
        return self.tau if self.form == "exponential" else self.r_m

    @property
    def n_ref(self) -> int:
        """Refractory ticks, t_ref/dt."""
        return round(self.t_ref / self.dt)


class LIFState(NamedTuple):
    """LIF state of N neurons (any leading batch shape also works)."""

    v: Array  # (N,) float32 membrane potential
    refractory: Array  # (N,) int32 refractory ticks left
    spike: Array  # (N,) bool spikes of the last tick


def lif_init(cfg: LIFConfig, n: int) -> LIFState:
    """N neurons at rest: ``v = v_rest``, not refractory, no spike."""
    return LIFState(v=jnp.full((n,), cfg.v_rest, jnp.float32), refractory=jnp.zeros((n,), jnp.int32),
                    spike=jnp.zeros((n,), bool))


def lif_step(cfg: LIFConfig, state: LIFState, I: Array) -> tuple[LIFState, Array]:
    """One tick: ``(state, I) -> (state, spike)``.

    ``v' = v_∞ + (v − v_∞)·exp(−dt/τ)`` with ``v_∞ = v_rest + g·I`` for non-refractory neurons
    (computed as ``v_rest + (v − v_rest)·d + g·I·(1 − d)``, brain3d's expression when v_rest = 0);
    ``spike = v' >= v_th`` (non-refractory only); spiking neurons go to ``v_reset`` with
    ``refractory = n_ref``; refractory neurons stay at ``v_reset`` and count down.

    Args:
      cfg: the population (static).
      state: :class:`LIFState` with ``(N,)`` fields.
      I: ``(N,)`` float32 input current of this tick.
    Returns:
      ``(state, spike)``: the new state (same shapes and dtypes) and ``(N,)`` bool spikes.
    """
    d = jnp.float32(cfg.decay)
    active = state.refractory == 0
    v_rest = jnp.float32(cfg.v_rest)
    v_int = v_rest + (state.v - v_rest) * d + jnp.float32(cfg.gain) * I.astype(jnp.float32) * (1 - d)
    v_new = jnp.where(active, v_int, jnp.float32(cfg.v_reset))
    spike = active & (v_new >= jnp.float32(cfg.v_th))
    v_out = jnp.where(spike, jnp.float32(cfg.v_reset), v_new)
    ref = jnp.where(spike, jnp.int32(cfg.n_ref), jnp.maximum(state.refractory - 1, 0))
    return LIFState(v=v_out, refractory=ref.astype(jnp.int32), spike=spike), spike


def lif_run(cfg: LIFConfig, state: LIFState, I_seq: Array) -> tuple[LIFState, Array, Array]:
    """Scan :func:`lif_step` over a time-major input.

    Args:
      I_seq: ``(T, N)`` float32 input currents.
    Returns:
      ``(state, spikes, rates)``: the final state, ``(T, N)`` bool spikes and ``(N,)`` float32 rates in Hz,
      ``rates = count / (T·dt) · 1000`` (dt in ms).
    """
    def body(s, I):
        return lif_step(cfg, s, I)

    final, spikes = jax.lax.scan(body, state, I_seq)
    T = I_seq.shape[0]
    rates = jnp.sum(spikes, axis=0, dtype=jnp.float32) * jnp.float32(1000.0 / (T * cfg.dt))
    return final, spikes, rates


# --- Tsodyks–Markram short-term plasticity ---------------------------------------------------------------


class STPConfig(eqx.Module):
    """Tsodyks–Markram short-term plasticity of each presynaptic neuron's synapses (static fields).

    ``du/dt = (U − u)/τ_f + U(1 − u)·δ_spike``, ``dx/dt = (1 − x)/τ_d − u⁺x⁻·δ_spike``; the efficacy of a
    spike is ``u⁺x⁻`` (see :func:`stp_step` for the discrete order).

    Fields: U (baseline utilisation, in (0, 1]), tau_f (facilitation, ms, > 0), tau_d (depression, ms, > 0),
    dt (tick, ms, > 0).
    """

    U: float = eqx.field(static=True, default=0.2)
    tau_f: float = eqx.field(static=True, default=200.0)
    tau_d: float = eqx.field(static=True, default=500.0)
    dt: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        o = "STPConfig"
        check_number(o, "U", self.U, 0, 1, lo_open=True, hi_open=False)
        check_number(o, "tau_f", self.tau_f, 0, 1e7, lo_open=True, hi_open=False)
        check_number(o, "tau_d", self.tau_d, 0, 1e7, lo_open=True, hi_open=False)
        check_number(o, "dt", self.dt, 0, 1e6, lo_open=True, hi_open=False)


class STPState(NamedTuple):
    """Per presynaptic neuron resources."""

    u: Array  # (N,) float32 utilisation
    x: Array  # (N,) float32 available fraction of resources


def stp_init(cfg: STPConfig, n: int) -> STPState:
    """At rest: ``u = U``, ``x = 1``."""
    return STPState(u=jnp.full((n,), cfg.U, jnp.float32), x=jnp.ones((n,), jnp.float32))


def stp_step(cfg: STPConfig, state: STPState, spike: Array) -> tuple[STPState, Array]:
    """One tick of Tsodyks–Markram STP: ``(state, spike) -> (state, efficacy)``.

    Order within the tick:
      1. relax (exact over dt): ``u ← U + (u − U)·exp(−dt/τ_f)``, ``x ← 1 + (x − 1)·exp(−dt/τ_d)``;
      2. where ``spike``: facilitate ``u ← u + U(1 − u)``;
      3. release ``efficacy = u·x`` (this u after step 2, x before step 4), 0 where no spike;
      4. deplete ``x ← x − u·x``.
    From rest the first spike's efficacy is therefore ``U(2 − U)``. For a regular train with inter-spike
    interval Δ (e_f = exp(−Δ/τ_f), e_d = exp(−Δ/τ_d)) the steady state is
    ``u⁺ = U(1 + (1 − U)(1 − e_f)) / (1 − (1 − U)e_f)`` and ``x⁻ = (1 − e_d) / (1 − (1 − u⁺)e_d)``.

    Args:
      spike: ``(N,)`` bool (or 0/1) presynaptic spikes of this tick.
    Returns:
      ``(state, efficacy)``: new :class:`STPState`, ``(N,)`` float32 ``u⁺x⁻`` at spikes, else 0. Scale each
      edge's weight by ``topology.gather(efficacy)`` (``(D, N)``).
    """
    U = jnp.float32(cfg.U)
    s = spike.astype(bool)
    u = U + (state.u - U) * jnp.float32(math.exp(-cfg.dt / cfg.tau_f))
    x = 1 + (state.x - 1) * jnp.float32(math.exp(-cfg.dt / cfg.tau_d))
    u = jnp.where(s, u + U * (1 - u), u)
    release = u * x
    efficacy = jnp.where(s, release, jnp.float32(0))
    x = jnp.where(s, x - release, x)
    return STPState(u=u, x=x), efficacy


# --- Dale's principle -----------------------------------------------------------------------------------


def dale_signs(n: int, frac_exc: float = 0.8) -> Array:
    """Per-neuron signs: +1 for the first ``n_exc = floor(frac_exc·n + 1/2)`` (excitatory), −1 for the rest.

    Returns ``(N,)`` float32.
    """
    if not (isinstance(n, int) and not isinstance(n, bool) and n >= 1):
        fail("dale_signs", "n", n, "an int >= 1")
    check_number("dale_signs", "frac_exc", frac_exc, 0, 1, hi_open=False)
    n_exc = math.floor(frac_exc * n + 0.5)
    return jnp.where(jnp.arange(n) < n_exc, jnp.float32(1), jnp.float32(-1))


def apply_dale(W_abs: Array, signs_pre: Array, topology: Topology | None = None) -> Array:
    """Signed weights ``W = |W_abs| · sign(pre)``: every edge takes the sign of its presynaptic neuron.

    Args:
      W_abs: ``(D, N)`` per-edge magnitudes (with ``topology``) or dense ``(N_pre, N_post)``.
      signs_pre: ``(N,)`` per-neuron signs (:func:`dale_signs`). With ``topology`` they are gathered per edge,
        ``sign[j, v] = signs_pre[neighbors(v)[j]]``; without, they index the rows of a dense ``W_abs``.
      topology: the graph of per-edge ``W_abs``; None for dense weights.
    Returns:
      Signed weights of ``W_abs``'s shape, float32.
    """
    s = topology.gather(signs_pre.astype(jnp.float32)) if topology is not None else signs_pre[:, None]
    return jnp.abs(W_abs).astype(jnp.float32) * s.astype(jnp.float32)
