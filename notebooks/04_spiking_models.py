# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Spiking models: LIF, a Dale network, STDP windows, short-term plasticity, Diehl & Cook
#
# The spiking side of praxis_jax uses the same conventions as the organoid: pure functions over NamedTuple
# state, a scan-shaped tick, and sizes and switches held in static config fields. In this notebook:
# 1. one LIF neuron under constant input, checked against its closed-form solution;
# 2. a recurrent LIF network with Dale's principle (80% excitatory / 20% inhibitory) driven by Poisson
#    input: raster, rates, CV of the inter-spike intervals;
# 3. pair and triplet STDP: weight change against spike timing, and the triplet rule's frequency
#    dependence;
# 4. Tsodyks–Markram short-term plasticity: a facilitating and a depressing synapse;
# 5. Diehl & Cook's unsupervised STDP network on sklearn's digits: learned receptive fields, accuracy,
#    and accuracy with the weights quantized to 8, 4 and 2 bits.
#
# Every model below comes from the library (`praxis_jax.spiking.neurons`, `spiking.network`, `plasticity`,
# `diehl_cook`, `lowbit`); the notebook only builds inputs, scans the library's ticks and plots.

# %%
import functools
import os

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from praxis_jax.spiking import diehl_cook as dc
from praxis_jax.app import plotting
from praxis_jax.spiking import network as sn
from praxis_jax.quant.lowbit import fake_quant
from praxis_jax.plasticity import PairSTDPConfig, TripletSTDPConfig, pair_stdp, triplet_stdp
from praxis_jax.spiking.neurons import LIFConfig, STPConfig, lif_init, lif_run, lif_step, stp_init, stp_step
from praxis_jax.tasks import load_digits

SMALL = os.environ.get("PRAXIS_NOTEBOOK_SMALL") == "1"  # CI runs every notebook at small sizes

# %% [markdown]
# ## 1 · A LIF neuron against its closed form
#
# `LIFConfig.biophysical()` is the NeuroxAI neuron: `τ_m dv/dt = −(v − V_rest) + R_m·I`, with V_rest = V_reset =
# −70 mV, V_th = −55 mV, τ_m = 20 ms, R_m = 10 MΩ (I in nA), a 2 ms refractory period and dt = 0.1 ms.
# `lif_step` integrates a tick *exactly* for input held constant over the tick:
#
# `v ← v_∞ + (v − v_∞)·exp(−dt/τ_m)`,  `v_∞ = V_rest + R_m·I`,
#
# so under constant input the simulated v must equal the closed form
# `v(t) = v_∞ + (V_reset − v_∞)·exp(−(t − t₀)/τ_m)`, where t₀ is the end of the last refractory period.
# The membrane reaches threshold after `T* = τ_m·ln((v_∞ − V_reset)/(v_∞ − V_th))`, so the rate is
# `f = 1/(t_ref + T*)` when v_∞ > V_th and 0 otherwise. On the tick grid a spike is registered at the first tick
# with v ≥ V_th, so the simulated inter-spike interval is `n_ref + ⌈T*/dt⌉` ticks.

# %%
lif = LIFConfig.biophysical()
I0 = 2.0  # nA: v_∞ = −70 + 10·2 = −50 mV, above threshold
T1 = round(150.0 / lif.dt)  # 150 ms


def lif_trace(cfg, I_seq):
    """Scan lif_step over (T, N) currents; return v and spikes at every tick (both (T, N))."""
    def body(s, I):
        s, spike = lif_step(cfg, s, I)
        return s, (s.v, spike)

    return jax.lax.scan(body, lif_init(cfg, I_seq.shape[1]), I_seq)[1]


v_sim, spk = jax.jit(lif_trace, static_argnums=0)(lif, jnp.full((T1, 1), I0, jnp.float32))
v_sim, spk = np.asarray(v_sim[:, 0], np.float64), np.asarray(spk[:, 0])
t = (np.arange(T1) + 1) * lif.dt  # output i is the state after tick i + 1

# the closed form, restarted at the end of each refractory period
v_inf = lif.v_rest + lif.r_m * I0
t0 = np.zeros(T1)
for i in np.flatnonzero(spk):
    t0[i + 1:] = t[i] + lif.t_ref
v_closed = v_inf + (lif.v_reset - v_inf) * np.exp(-np.maximum(t - t0, 0) / lif.tau)
err = np.abs(v_sim - v_closed)[~spk].max()  # at a spike tick the simulation has already reset

T_star = lif.tau * np.log((v_inf - lif.v_reset) / (v_inf - lif.v_th))
isi_sim = np.diff(t[spk])
isi_ticks = lif.n_ref + np.ceil(T_star / lif.dt)
print(f"max |v_sim − v_closed| = {err:.2e} mV over {T1} ticks")
print(f"ISI: simulated {isi_sim.mean():.2f} ms, tick-grid closed form {isi_ticks * lif.dt:.2f} ms, "
      f"continuous t_ref + T* = {lif.t_ref + T_star:.3f} ms")
assert err < 1e-3 and np.allclose(isi_sim, isi_ticks * lif.dt)

# %% [markdown]
# The f–I curve: one neuron per current (`lif_run` takes a time-major `(T, N)` input), rates from the spike
# counts against the closed form `1/(t_ref + T*)`.

# %%
currents = np.linspace(0.0, 6.0, 61, dtype=np.float32)
T_fi = round((500.0 if SMALL else 2000.0) / lif.dt)
_, _, rates = jax.jit(lif_run, static_argnums=0)(lif, lif_init(lif, len(currents)),
                                                  jnp.broadcast_to(jnp.asarray(currents), (T_fi, len(currents))))
vi = lif.v_rest + lif.r_m * currents.astype(np.float64)
with np.errstate(divide="ignore", invalid="ignore"):
    f_closed = np.where(vi > lif.v_th, 1000.0 / (lif.t_ref + lif.tau * np.log((vi - lif.v_reset) / (vi - lif.v_th))),
                        0.0)

fig, (ax1, ax2) = plotting.figure(2)
ax1.plot(t, v_closed, "k-", lw=2, alpha=0.4, label="closed form")
ax1.plot(t, v_sim, "C0-", lw=1, label="lif_step (dt = 0.1 ms)")
for ts in t[spk]:
    ax1.axvline(ts, color="C3", lw=0.8, ls=":")
ax1.axhline(lif.v_th, color="gray", ls="--", lw=1, label="V_th")
ax1.set(xlabel="t (ms)", ylabel="v (mV)", title=f"I = {I0} nA; spikes dotted")
ax1.legend(loc="lower right", fontsize=8)
ax2.plot(currents, f_closed, "k-", lw=2, alpha=0.4, label="1 / (t_ref + T*)")
ax2.plot(currents, np.asarray(rates), "C0.", label=f"lif_run, {T_fi * lif.dt / 1000:g} s")
ax2.axvline((lif.v_th - lif.v_rest) / lif.r_m, color="gray", ls="--", lw=1, label="rheobase")
ax2.set(xlabel="I (nA)", ylabel="rate (Hz)", title="f–I curve")
ax2.legend(loc="upper left", fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 2 · A recurrent network with Dale's principle, driven by Poisson input
#
# `spiking.network` puts a LIF population on a topology, here `ProceduralRandom` (every neuron receives D = 100 edges
# from uniformly random neurons, computed from a hash of seed and index, nothing stored). The first 80% of the
# neurons are excitatory and the rest inhibitory: every edge takes the sign of its presynaptic neuron. The synapses
# are current-based (CUBA), with exponential currents (τ_e = 5 ms, τ_i = 10 ms):
#
# `g_e ← g_e·e^(−dt/τ_e) + Σ_j max(W_j, 0)·s_j(t − 1) + w_in·k`,  `k ~ Poisson(rate_in·dt)`,
#
# `g_i ← g_i·e^(−dt/τ_i) + Σ_j max(−W_j, 0)·s_j(t − 1)`,  `I = g_e − g_i`,
#
# where s_j(t − 1) is the presynaptic spike of edge j one tick earlier (delay 1).
#
# The weights and drive are those of `experiments/firing_statistics/run.py` (w_exc 0.1 nA, w_inh 0.5 nA, 1150 Hz of
# external Poisson input of 0.3 nA per spike). The firing-statistics study reports 8.6 Hz and a mean CV of 0.65 for 1,000 neurons
# over 2 s. A warm-up is run and discarded, then the statistics kept in the scan carry are reset and the raster
# recorded. The ISI statistics come from the carry (`sn.isi_stats`), not from the raster, so they also work
# for networks too large to record. A shorter window cuts off the longest intervals, so the CV comes out lower
# than over 2 s.

# %%
N_NET = 400 if SMALL else 1000
WARMUP_MS, RECORD_MS = (50.0, 300.0) if SMALL else (200.0, 1000.0)
DRIVE = {"w_exc": 0.1, "w_inh": 0.5, "rate_in": 1150.0, "w_in": 0.3, "v0": "uniform"}  # firing_statistics.py

net = sn.SpikingNetConfig.random(lif, N_NET, 100 / N_NET, seed=0, synapse="cuba", frac_exc=0.8, tau_e=5.0,
                                 tau_i=10.0, max_spikes=64)
print(net.topology.describe(), f"| {net.n_exc} excitatory, {N_NET - net.n_exc} inhibitory")
params, state = sn.init(net, jax.random.key(0), **DRIVE)
state, _ = jax.jit(lambda p, s: sn.run(net, p, s, round(WARMUP_MS / lif.dt)))(params, state)
state = state._replace(stats=sn.init_state(net, state.key).stats)  # forget the warm-up
T_rec = round(RECORD_MS / lif.dt)
state, raster = jax.jit(lambda p, s: sn.run(net, p, s, T_rec, record=True))(params, state)
raster = np.asarray(raster)  # (T, N) bool
summary = sn.summarize(net, state.stats, T_rec)
stats = sn.isi_stats(net, state.stats, T_rec)
print({k: round(v, 3) if isinstance(v, float) else v for k, v in summary.items()})

# %%
fig = plt.figure(figsize=(13, 7))
ax_r = fig.add_subplot(2, 1, 1)
ts, ns = np.nonzero(raster)
exc = ns < net.n_exc
ax_r.scatter(ts[exc] * lif.dt, ns[exc], s=1, c="C0", label="excitatory")
ax_r.scatter(ts[~exc] * lif.dt, ns[~exc], s=1, c="C3", label="inhibitory")
ax_r.set(xlabel="t (ms)", ylabel="neuron", xlim=(0, RECORD_MS), ylim=(0, N_NET),
         title=f"raster, {N_NET} neurons, in-degree {net.topology.degree}")
ax_r.legend(loc="upper right", markerscale=8, fontsize=8)
ax_h = fig.add_subplot(2, 2, 3)
r = stats["rate_hz"]
step_hz = 1000.0 / RECORD_MS  # rates are counts / duration: multiples of this
step_hz *= max(1, round(1.0 / step_hz))  # bins at least 1 Hz wide, aligned to the possible values
edges = (np.arange(round(r.max() / step_hz) + 2) - 0.5) * step_hz
ax_h.hist([r[:net.n_exc], r[net.n_exc:]], bins=edges, stacked=True, color=["C0", "C3"], label=["exc", "inh"])
ax_h.axvspan(4, 12, color="gray", alpha=0.15, label="4–12 Hz")
ax_h.set(xlabel="rate (Hz)", ylabel="neurons",
         title=f"rates: mean {summary['rate_hz']:.1f} Hz, {100 * summary['frac_in_band']:.0f}% in 4–12 Hz")
ax_h.legend(fontsize=8)
ax_c = fig.add_subplot(2, 2, 4)
cv = stats["cv"][np.isfinite(stats["cv"])]
ax_c.hist(cv, bins=30, color="C2")
ax_c.axvline(1.0, color="gray", ls="--", lw=1, label="Poisson (CV = 1)")
ax_c.set(xlabel="CV of ISIs", ylabel="neurons",
         title=f"CV: mean {summary['cv_mean']:.2f} over {summary['n_with_cv']} neurons with ≥ 2 ISIs")
ax_c.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 3 · STDP: weight change against spike timing
#
# Both rules keep one trace per neuron; each spike adds 1 and the traces decay exponentially. In a tick the
# traces decay first, then the weight changes, then this tick's spikes are added, so two spikes in the same
# tick do not pair.
#
# **Pair STDP:** `Δw = A+·x·[post] − A−·y·[pre]`, with x the presynaptic trace (τ+) and y the postsynaptic one
# (τ−). One pair with Δt = t_post − t_pre gives `A+·e^(−Δt/τ+)` for Δt > 0 and `−A−·e^(Δt/τ−)` for Δt < 0: the
# classic window.
#
# **Triplet STDP** (Pfister & Gerstner 2006, minimal all-to-all visual-cortex model, the library's defaults):
# `Δw = A3+·r1·o2(t−)·[post] − A2−·o1·[pre]`. Potentiation needs a *second* postsynaptic trace, o2 (τ_y = 125 ms),
# read just before the current post spike, so it depends on how recently the neuron fired before. A single pair
# gives no LTP. Pairs repeated at a rate ρ give LTP that grows with ρ, the frequency dependence that
# Sjöström et al. (2001) measured and a pair rule cannot produce.
#
# Each synapse below is a dense 1×1 weight, driven through the rule's own `update` by a pre and a post spike
# train (dt = 1 ms) and vmapped over the protocols. The weight bounds are set to ±1, so the clip never binds.

# %%
pair_cfg = PairSTDPConfig(w_min=-1.0, w_max=1.0)
trip_cfg = TripletSTDPConfig.pfister_gerstner(w_min=-1.0, w_max=1.0)
RULES = {"pair": (pair_stdp(), pair_cfg.hyper()), "triplet": (triplet_stdp(), trip_cfg.hyper())}


def weight_change(rule, hyper, pre, post):
    """Δw of one synapse (W = 0, dense (1, 1)) after the spike trains pre, post: (T,) bool each."""
    W0 = jnp.zeros((1, 1), jnp.float32)

    def body(carry, s):
        W, traces = carry
        return rule.update(s[0][None], s[1][None], None, traces, W, hyper), None

    (W, _), _ = jax.lax.scan(body, (W0, rule.init(W0)), (pre, post))
    return W[0, 0]


@functools.partial(jax.jit, static_argnums=0)
def batched_change(rule, hyper, pre, post):
    """weight_change vmapped over a batch of trains, (B, T) bool each -> (B,)."""
    return jax.vmap(lambda a, b: weight_change(rule, hyper, a, b))(pre, post)


def pairings(deltas, rhos, n_pairs, lead=100):
    """Pre/post trains, (B, T) bool: n_pairs pairings at rate ρ (Hz), post Δ ms after pre (Δ < 0: before)."""
    deltas, rhos = np.broadcast_arrays(np.asarray(deltas), np.asarray(rhos, float))
    T = lead + int(np.ceil(1000.0 / rhos.min() * n_pairs)) + lead
    pre, post = np.zeros((deltas.size, T), bool), np.zeros((deltas.size, T), bool)
    for b, (d, rho) in enumerate(zip(deltas, rhos)):
        t_pre = lead + np.round(np.arange(n_pairs) * 1000.0 / rho).astype(int)
        pre[b, t_pre] = True
        post[b, t_pre + d] = True
    return jnp.asarray(pre), jnp.asarray(post)


# the classic window: one pair per synapse, pair rule, against its closed form
dts = np.arange(-80, 81, 2)
dw_pair = np.asarray(batched_change(*RULES["pair"], *pairings(dts, 1.0, 1)))
closed = np.where(dts > 0, pair_cfg.a_plus * np.exp(-dts / pair_cfg.tau_plus),
                  np.where(dts < 0, -pair_cfg.a_minus * np.exp(dts / pair_cfg.tau_minus), 0.0))
assert np.allclose(dw_pair, closed, atol=1e-6), np.abs(dw_pair - closed).max()

# windows per pairing, repeated pairings at several rates (|Δt| < half the period of the fastest rate)
N_PAIRS = 15 if SMALL else 60
dts_rep = np.arange(-24, 25, 2)
RHOS_WIN = (1.0, 10.0, 20.0)
win = {(name, rho): np.asarray(batched_change(*RULES[name], *pairings(dts_rep, rho, N_PAIRS))) / N_PAIRS
       for name in RULES for rho in RHOS_WIN}

# frequency dependence at Δt = ±10 ms
rhos = np.array([1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0])
D_grid, R_grid = np.meshgrid([10, -10], rhos, indexing="ij")
freq = {name: np.asarray(batched_change(*RULES[name], *pairings(D_grid.ravel(), R_grid.ravel(), N_PAIRS)))
        .reshape(D_grid.shape) / N_PAIRS for name in RULES}

# %%
fig, axes = plotting.figure(3)
axes[0].plot(dts, closed, "k-", lw=2, alpha=0.4, label="A±·exp(∓Δt/τ±)")
axes[0].plot(dts, dw_pair, "C0.", label="pair_stdp, one pair")
axes[0].set(xlabel="Δt = t_post − t_pre (ms)", ylabel="Δw", title="pair STDP window")
for i, rho in enumerate(RHOS_WIN):
    axes[1].plot(dts_rep, win["pair", rho], ls="--", color=f"C{i}", lw=1, label=f"pair, {rho:g} Hz")
    axes[1].plot(dts_rep, win["triplet", rho], "o-", ms=3, color=f"C{i}", label=f"triplet, {rho:g} Hz")
axes[1].set(xlabel="Δt (ms)", ylabel="Δw per pairing", title=f"{N_PAIRS} pairings at rate ρ")
for name, style in (("pair", "--"), ("triplet", "o-")):
    axes[2].plot(rhos, freq[name][0], style, color="C3", label=f"{name}, Δt = +10 ms")
    axes[2].plot(rhos, freq[name][1], style, color="C0", label=f"{name}, Δt = −10 ms")
axes[2].set(xlabel="pairing rate ρ (Hz)", ylabel="Δw per pairing", title="frequency dependence")
for ax in axes:
    ax.axhline(0, color="gray", lw=0.5)
    ax.legend(fontsize=7)
fig.tight_layout()
print(f"triplet, Δt = +10 ms: Δw per pairing {freq['triplet'][0, 0]:.2e} at 1 Hz, "
      f"{freq['triplet'][0, -1]:.2e} at 50 Hz")

# %% [markdown]
# ## 4 · Short-term plasticity (Tsodyks–Markram)
#
# `stp_step` keeps, per presynaptic neuron, a utilisation u and a fraction of available resources x:
#
# `du/dt = (U − u)/τ_f + U(1 − u)·δ_spike`,  `dx/dt = (1 − x)/τ_d − u⁺x⁻·δ_spike`,
#
# and a spike releases `u⁺x⁻` (u just after the spike's jump, x just before its depletion). A small U with slow
# facilitation (τ_f ≫ τ_d) gives a **facilitating** synapse. A large U with slow recovery (τ_d ≫ τ_f) gives a
# **depressing** one. For a regular train with interval Δ, the efficacy approaches the steady state
# `u⁺ = U(1 + (1 − U)(1 − e_f))/(1 − (1 − U)e_f)`, `x⁻ = (1 − e_d)/(1 − (1 − u⁺)e_d)`, where e_f = e^(−Δ/τ_f) and
# e_d = e^(−Δ/τ_d) (from `stp_step`'s docstring; the dashed lines below).
#
# To see the postsynaptic effect, each release `u⁺x⁻` is fed as a one-tick current into a passive membrane: a
# `LIFConfig` (τ = 20 ms) whose threshold is never reached.

# %%
STP = {"facilitating": STPConfig(U=0.15, tau_f=750.0, tau_d=50.0),
       "depressing": STPConfig(U=0.5, tau_f=20.0, tau_d=800.0)}
RATE_HZ, N_SPIKES, RECOVERY_MS = 20.0, 12, 600
spike_train = np.zeros(100 + round(1000 / RATE_HZ) * N_SPIKES + RECOVERY_MS + 200, bool)
t_spikes = 100 + np.round(np.arange(N_SPIKES) * 1000 / RATE_HZ).astype(int)
spike_train[t_spikes] = True
spike_train[t_spikes[-1] + RECOVERY_MS] = True  # one recovery spike
membrane = LIFConfig(tau=20.0, dt=1.0, v_th=1e5)  # passive: never spikes


def stp_and_psp(cfg, spikes):
    """u, x, efficacy and the passive membrane's v at every tick, (T,) each."""
    def body(carry, s):
        stp, mem = carry
        stp, eff = stp_step(cfg, stp, s[None])
        mem, _ = lif_step(membrane, mem, eff)
        return (stp, mem), (stp.u[0], stp.x[0], eff[0], mem.v[0])

    return jax.lax.scan(body, (stp_init(cfg, 1), lif_init(membrane, 1)), spikes)[1]


def steady(cfg, interval):
    e_f, e_d = np.exp(-interval / cfg.tau_f), np.exp(-interval / cfg.tau_d)
    u = cfg.U * (1 + (1 - cfg.U) * (1 - e_f)) / (1 - (1 - cfg.U) * e_f)
    return u * (1 - e_d) / (1 - (1 - u) * e_d)


fig, axes = plt.subplots(2, 2, figsize=(12, 6), sharex=True)
t_ms = np.arange(len(spike_train))
for col, (name, cfg) in enumerate(STP.items()):
    u, x, eff, psp = (np.asarray(a) for a in jax.jit(stp_and_psp, static_argnums=0)(cfg, jnp.asarray(spike_train)))
    ss = steady(cfg, 1000 / RATE_HZ)
    release = eff[spike_train]
    print(f"{name:>12}: first release {release[0]:.3f} (U(2 − U) = {cfg.U * (2 - cfg.U):.3f}), "
          f"{N_SPIKES}th {release[N_SPIKES - 1]:.3f}, steady state {ss:.3f}, after {RECOVERY_MS} ms {release[-1]:.3f}")
    ax = axes[0, col]
    ax.plot(t_ms, psp, "k-", lw=1, label="membrane (PSPs)")
    ax2 = ax.twinx()
    ax2.plot(t_ms[spike_train], release, "C3o", ms=4, label="release u⁺x⁻")
    ax2.axhline(ss, color="C3", ls="--", lw=1, label=f"steady state at {RATE_HZ:g} Hz")
    ax2.set_ylim(0, 1.05 * max(release.max(), ss))
    ax2.legend(loc="upper right", fontsize=7)
    ax.set(ylabel="v (a.u.)", title=f"{name}: U={cfg.U}, τ_f={cfg.tau_f:g}, τ_d={cfg.tau_d:g} ms")
    axes[1, col].plot(t_ms, u, label="u")
    axes[1, col].plot(t_ms, x, label="x")
    axes[1, col].set(xlabel="t (ms)", ylim=(0, 1.05))
    axes[1, col].legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 5 · Diehl & Cook (2015): unsupervised STDP on digits
#
# `praxis_jax.spiking.diehl_cook` is D&C's network. Each pixel is a Poisson process with a rate proportional to its
# intensity. The input drives one layer of conductance-based LIF neurons, in which every spike inhibits all
# the other neurons (a soft winner-take-all). Each neuron has an adaptive threshold `θ ← θ + θ_plus` per spike.
# The input weights learn by triplet STDP (`Δw = −η_pre·o1·[pre] + η_post·r1·o2(t−)·[post]`, τ 20/20/40 ms) and
# are normalised to a fixed sum per neuron after every image. After one epoch, learning and θ are frozen, every
# neuron is labelled with the class it responds to most, and a test image gets the class whose neurons fire most.
#
# The hyperparameters are those of `experiments/unsupervised_stdp/run.py` for sklearn's 8×8 digits: 330 Hz at
# intensity 1, Σw = 6.4 per neuron, and θ_plus = 2·N/n_train mV. The unsupervised-STDP study reports 84.2% for 100 neurons trained
# on all 1,437 training images with this seed. The low-bit rows quantize the learned W
# (`praxis_jax.quant.lowbit.fake_quant`, unsigned, one scale per tensor = max W / (2^b − 1)) before labelling and
# testing. Every row sees the same input spikes.

# %%
digits = load_digits()
x_tr = digits.x_train.reshape(len(digits.x_train), -1)
x_te = digits.x_test.reshape(len(digits.x_test), -1)
N_DC, N_TRAIN, N_TEST = (25, 150, 120) if SMALL else (100, len(x_tr), len(x_te))
x_tr, y_tr, x_te, y_te = x_tr[:N_TRAIN], digits.y_train[:N_TRAIN], x_te[:N_TEST], digits.y_test[:N_TEST]

dc_cfg = dc.DiehlCookConfig(n_input=64, n_neurons=N_DC, ticks=100, rate_max=330.0, w_sum=6.4, max_in_spikes=48,
                            theta_plus=2.0 * N_DC / N_TRAIN)
k_init, k_train, k_eval = jax.random.split(jax.random.PRNGKey(0), 3)
dc_params, dc_state = dc.init(dc_cfg, k_init)
dc_state = dc.train(dc_cfg, dc_params, dc_state, x_tr, k_train, chunk=N_TRAIN)
print(f"trained {N_DC} neurons on {N_TRAIN} images ({int(dc_state.long.showings)} showings with re-showings), "
      f"θ mean {float(dc_state.long.theta.mean()):.2f} mV")

results = {}
for bits in (None, 8, 4, 2):
    results[bits] = dc.evaluate(dc_cfg, dc_params, dc_state, x_tr, y_tr, x_te, y_te, k_eval, bits=bits)
    r = results[bits]
    print(f"{'float32' if bits is None else f'{bits}-bit':>8} W: test accuracy {100 * r['accuracy']:.1f}% on "
          f"{N_TEST} images ({int(np.sum(r['neuron_labels'] < 0))} of {N_DC} neurons unassigned)")

# %% [markdown]
# The learned receptive fields: each neuron's 64 input weights as an 8×8 image, titled with the class it was
# assigned (– for a neuron that never fired on the labelling images).

# %%
W = np.asarray(dc_state.long.W)  # (64, N)
labels = results[None]["neuron_labels"]
side = int(np.ceil(np.sqrt(N_DC)))
fig, axes = plt.subplots(side, side, figsize=(1.1 * side, 1.25 * side))
for j, ax in enumerate(axes.ravel()):
    ax.set_axis_off()
    if j < N_DC:
        ax.imshow(W[:, j].reshape(8, 8), cmap="hot_r", vmin=0, vmax=W.max())
        ax.set_title("–" if labels[j] < 0 else str(labels[j]), fontsize=8, pad=2)
fig.suptitle(f"receptive fields of {N_DC} neurons after {N_TRAIN} images", y=1.0)
fig.tight_layout()

# %% [markdown]
# The same fields at lower bit-widths, and the accuracy per width. With a per-tensor scale, 2 bits leave only
# the levels {0, ⅓, ⅔, 1}·max W, and every weight below max W / 6 rounds to 0.

# %%
show = np.arange(min(8, N_DC))
fig, axes = plt.subplots(4, len(show) + 1, figsize=(1.3 * (len(show) + 1) + 3, 5.5),
                         gridspec_kw={"width_ratios": [1] * len(show) + [3]})
for row, bits in enumerate((None, 8, 4, 2)):
    Wq = W if bits is None else np.asarray(fake_quant(jnp.asarray(W), bits, signed=False))
    print(f"{'float32' if bits is None else f'{bits}-bit':>8}: {100 * np.mean(Wq == 0):.1f}% of weights are 0, "
          f"{len(np.unique(Wq))} distinct values")
    for c, j in enumerate(show):
        axes[row, c].imshow(Wq[:, j].reshape(8, 8), cmap="hot_r", vmin=0, vmax=W.max())
        axes[row, c].set_axis_off()
    axes[row, 0].set_title("float32" if bits is None else f"{bits}-bit", fontsize=8, loc="left")
gs = axes[0, -1].get_gridspec()
for ax in axes[:, -1]:
    ax.remove()
ax_acc = fig.add_subplot(gs[:, -1])
names = ["float32" if b is None else f"{b}-bit" for b in results]
ax_acc.bar(names, [results[b]["accuracy"] for b in results], color="C0")
ax_acc.axhline(0.1, color="gray", ls=":", lw=1, label="chance")
ax_acc.set(ylim=(0, 1), ylabel="test accuracy", title=f"{N_DC} neurons, {N_TEST} test images")
ax_acc.legend(fontsize=8)
fig.tight_layout()
