"""The CUBA and COBA benchmarks of Brette et al. (2007) in praxis_jax, against a numpy loop of the same model.

4000 LIF neurons (3200 excitatory, 800 inhibitory), in-degree D = p·N = 80 (p = 0.02), dt = 0.1 ms,
τ_m 20 ms, V_th −50 mV, V_reset −60 mV, refractory 5 ms, τ_e 5 ms, τ_i 10 ms, initial v ~ U(V_reset, V_th):

- CUBA: ``τ_m dv/dt = (E_l − v) + g_e − g_i`` with E_l = −49 mV (above threshold: self-driven), jumps
  w_e = 1.62 mV, w_i = 9 mV (Brian2's ``examples/CUBA.py``). praxis_jax: v_rest −60 mV plus a constant
  ``i_ext`` = 11 mV (LIFConfig requires v_th > v_rest; v_∞ = −60 + 11 = −49 mV is the same), r_m = 1.
- COBA: ``τ_m dv/dt = (E_l − v) + g_e(E_e − v) + g_i(E_i − v)`` with E_l −60, E_e 0, E_i −80 mV, conductances
  in units of the leak (10 nS): jumps 0.6 and 6.7 (6 nS and 67 nS), initial g_e ~ N(4, 1.5), g_i ~ N(20, 12)
  (clipped at 0), as in the benchmark's Brian script.

Differences from the published benchmark: a fixed in-degree of 80 from a procedural random graph (hashed,
in-kernel; not Bernoulli(p) pairs, so in-degrees do not vary and a neuron's E/I mix is binomial), and
praxis_jax's tick (synaptic decay and arrivals, then the exact LIF step with the current held over the
tick; COBA's current uses v of the previous tick).

The baseline is a plain numpy loop (float64) of the same discretization on the same graph and initial state,
written independently of praxis_jax (event-driven through the out-edge lists).

Peers: the graph is exported as explicit edges (``pre``, ``post``) with the initial v, g_e, g_i to a ``.npz``
that ``peers/brainpy_cuba_coba.py`` (BrainPy 2.8.2: LifRef, EventCSRLinear over IJConn, Expon, numba
kernels) and ``peers/brian2_cuba_coba.py`` (Brian2 2.9.0 targets numpy, cython, cpp_standalone; CUBA
``exact``, COBA ``euler`` as in the benchmark scripts) read, each run as a subprocess with its own interpreter
(Brian2 does not import with numpy 2.4, so it needs a venv with numpy < 2.4; BrainPy runs with this jax and
numpy, extra ``snn-peers``). A peer whose interpreter is missing or fails is recorded as skipped, with the reason.

praxis_jax runs each network as one native CPU kernel call per chunk of ticks (``spiking.network.run``); the
XLA scan of the same tick (``spiking.network.scan``) is timed in the same run as a baseline. The results
(rates, wall times, × real time, compile time apart) are rendered into the docs from the JSON record.

Usage: python benchmarks/cuba_coba.py [--seconds 5] [--ref-seconds 1] [--brainpy-python PY] [--brian2-python PY]
Writes benchmarks/results/cuba-cpu.json and prints rates and wall times. The peers' environments:
``python -m venv --system-site-packages /tmp/bp && /tmp/bp/bin/pip install brainpy numba`` and
``python -m venv /tmp/peers && /tmp/peers/bin/pip install brian2==2.9.0 "numpy<2.4" cython setuptools``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np

from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.spiking import network as sn
from praxis_jax.spiking.neurons import LIFConfig
from praxis_jax.topology.procedural import ProceduralRandom

N, N_EXC, P = 4000, 3200, 0.02
MODELS = {
    # v_rest, i_ext (mV), w_exc, w_inh, initial (g_e mean, sd), (g_i mean, sd)
    "cuba": {"v_rest": -60.0, "i_ext": 11.0, "w_exc": 1.62, "w_inh": 9.0, "g_e0": (0.0, 0.0), "g_i0": (0.0, 0.0)},
    "coba": {"v_rest": -60.0, "i_ext": 0.0, "w_exc": 0.6, "w_inh": 6.7, "g_e0": (4.0, 1.5), "g_i0": (20.0, 12.0)},
}
CHUNK = 1000  # ticks per timed call (0.1 s)
PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers")
PEER_TIMEOUT_S = 1800


def build(model: str, seed: int = 0):
    m = MODELS[model]
    lif = LIFConfig(tau=20.0, dt=0.1, v_rest=m["v_rest"], v_reset=-60.0, v_th=-50.0, t_ref=5.0,
                    form="biophysical", r_m=1.0)
    cfg = sn.SpikingNetConfig(lif=lif, topology=ProceduralRandom(num=N, deg=round(P * N), seed=seed),
                              synapse=model, frac_exc=N_EXC / N, tau_e=5.0, tau_i=10.0, e_exc=0.0, e_inh=-80.0,
                              max_spikes=64)
    key = jax.random.key(seed)
    params, state = sn.init(cfg, key, w_exc=m["w_exc"], w_inh=m["w_inh"], i_ext=m["i_ext"], v0="uniform")
    k_e, k_i = jax.random.split(jax.random.fold_in(key, 1))
    g_e = jnp.maximum(m["g_e0"][0] + m["g_e0"][1] * jax.random.normal(k_e, (N,)), 0.0)
    g_i = jnp.maximum(m["g_i0"][0] + m["g_i0"][1] * jax.random.normal(k_i, (N,)), 0.0)
    return cfg, params, state._replace(g_e=g_e.astype(jnp.float32), g_i=g_i.astype(jnp.float32))


def run_praxis(cfg, params, state, seconds: float, path: str = "run") -> dict:
    """Time ``sn.run`` (the native kernel on the CPU) or ``sn.scan`` (XLA) in chunks of CHUNK ticks."""
    run = jax.jit(lambda p, s: getattr(sn, path)(cfg, p, s, CHUNK))
    t0 = time.perf_counter()
    jax.block_until_ready(run(params, state))  # compile (output discarded; the timed run starts from state)
    compile_s = time.perf_counter() - t0
    walls, pops = [], []
    for _ in range(round(seconds * 1000 / (CHUNK * cfg.dt))):
        t0 = time.perf_counter()
        state, pop = jax.block_until_ready(run(params, state))
        walls.append(time.perf_counter() - t0)
        pops.append(np.asarray(pop))
    ticks = len(walls) * CHUNK
    s = sn.summarize(cfg, state.stats, ticks)
    pop = np.concatenate(pops)
    return {"bio_seconds": ticks * cfg.dt / 1000, "wall_s": float(np.sum(walls)),
            "wall_chunk_median_s": float(np.median(walls)), "compile_s": compile_s,
            "x_realtime": CHUNK * cfg.dt / 1000 / float(np.median(walls)), **s,
            "rate_first_100ms_hz": float(pop[:1000].sum() / N / 0.1)}


def run_numpy(cfg, params, state, seconds: float) -> dict:
    """The same tick in numpy float64: decay, arrivals of last tick's spikes, current, exact LIF step."""
    lif = cfg.lif
    table = sn.out_edge_table(cfg.topology)  # (N + 1, max_out) flat edge ids j·N + v
    W = np.asarray(params.W, np.float64).reshape(-1)
    D = cfg.topology.degree
    v = np.asarray(state.lif.v, np.float64)
    g_e, g_i = np.asarray(state.g_e, np.float64), np.asarray(state.g_i, np.float64)
    i_ext = np.asarray(params.i_ext, np.float64)
    ref = np.zeros(N, np.int64)
    spike = np.zeros(N, bool)
    de, di, d = math.exp(-lif.dt / cfg.tau_e), math.exp(-lif.dt / cfg.tau_i), math.exp(-lif.dt / lif.tau)
    count = np.zeros(N, np.int64)
    last = np.full(N, -1)
    isi_n, isi_sum, isi_sq = np.zeros(N), np.zeros(N), np.zeros(N)
    T = round(seconds * 1000 / lif.dt)
    t0 = time.perf_counter()
    for t in range(T):
        g_e *= de
        g_i *= di
        idx = np.flatnonzero(spike)
        if idx.size:
            e = table[idx].reshape(-1)
            e = e[e < D * N]
            w, tgt = W[e], e % N
            np.add.at(g_e, tgt[w > 0], w[w > 0])
            np.add.at(g_i, tgt[w < 0], -w[w < 0])
        if cfg.synapse == "cuba":
            I = i_ext + g_e - g_i
        else:
            I = i_ext + g_e * (cfg.e_exc - v) + g_i * (cfg.e_inh - v)
        active = ref == 0
        v = np.where(active, lif.v_rest + (v - lif.v_rest) * d + lif.r_m * I * (1 - d), lif.v_reset)
        spike = active & (v >= lif.v_th)
        v[spike] = lif.v_reset
        ref = np.where(spike, lif.n_ref, np.maximum(ref - 1, 0))
        prev = spike & (last >= 0)
        isi = np.where(prev, t - last, 0)
        isi_n += prev
        isi_sum += isi
        isi_sq += isi * isi
        last[spike] = t
        count += spike
    wall = time.perf_counter() - t0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = isi_sum / isi_n
        cv = np.sqrt(np.maximum(isi_sq / isi_n - mean**2, 0)) / mean
    cv = cv[isi_n >= 2]
    rate = count / (T * lif.dt / 1000)
    return {"bio_seconds": T * lif.dt / 1000, "wall_s": wall, "x_realtime": T * lif.dt / 1000 / wall,
            "rate_hz": float(rate.mean()), "rate_exc_hz": float(rate[:N_EXC].mean()),
            "rate_inh_hz": float(rate[N_EXC:].mean()), "cv_mean": float(cv.mean()) if cv.size else None,
            "n_with_cv": int(cv.size)}


def export_network(cfg, state, path: str) -> None:
    """Write the graph as explicit edges ``pre[k] -> post[k]`` and the initial state, for the peer scripts."""
    nbr = cfg.topology.neighbor_array()  # (N, D): nbr[v, j] = presynaptic neuron of edge j of v
    np.savez(path, pre=nbr.reshape(-1).astype(np.int32),
             post=np.repeat(np.arange(cfg.n, dtype=np.int32), nbr.shape[1]), n_exc=N_EXC,
             v0=np.asarray(state.lif.v, np.float64), g_e0=np.asarray(state.g_e, np.float64),
             g_i0=np.asarray(state.g_i, np.float64))


def run_peer(python: str, script: str, net: str, model: str, seconds: float, extra: list[str]) -> dict:
    """Run ``peers/<script>`` with another interpreter; its JSON, or ``{"ran": False, "reason": ...}``."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [python, os.path.join(PEERS, script), net, "--model", model, "--seconds", str(seconds),
               "--out", out.name, *extra]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=PEER_TIMEOUT_S,
                               cwd=tempfile.gettempdir())
        except subprocess.TimeoutExpired:
            return {"ran": False, "reason": f"timed out after {PEER_TIMEOUT_S} s"}
        if p.returncode != 0:
            err = p.stderr.strip().splitlines()
            return {"ran": False, "reason": err[-1] if err else f"rc {p.returncode}"}
        with open(out.name) as f:
            return {"ran": True, **json.load(f)}


def compare(peer: dict, px: dict) -> dict:
    """A peer's result with its speed (x real time, > 1: faster than praxis_jax) and rates relative to praxis_jax."""
    if not peer["ran"]:
        return peer
    return {**peer, "speed_vs_praxis_jax": peer["x_realtime"] / px["x_realtime"],
            "rate_exc_ratio_vs_praxis_jax": peer["rate_exc_hz"] / px["rate_exc_hz"],
            "rate_inh_ratio_vs_praxis_jax": peer["rate_inh_hz"] / px["rate_inh_hz"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=list(MODELS))
    ap.add_argument("--seconds", type=float, default=5.0, help="biological seconds for praxis_jax")
    ap.add_argument("--ref-seconds", type=float, default=1.0, help="biological seconds for the numpy loop")
    ap.add_argument("--brian2-python", help="interpreter with brian2 (and a numpy it imports with); else skipped")
    ap.add_argument("--brian2-targets", nargs="+", default=["numpy", "cython", "cpp_standalone"])
    ap.add_argument("--brainpy-python", default=sys.executable, help="interpreter with brainpy and numba")
    ap.add_argument("--peer-seconds", type=float, help="biological seconds for the peers (default: --seconds)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "cuba-cpu.json"))
    args = ap.parse_args()
    peer_s = args.peer_seconds or args.seconds
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            cfg, params, state = build(model)
            net = os.path.join(tmp, f"{model}.npz")
            export_network(cfg, state, net)
            px = run_praxis(cfg, params, state, args.seconds)
            px_scan = run_praxis(cfg, params, state, args.seconds, path="scan")
            px_ref_len = run_praxis(cfg, params, state, args.ref_seconds) if args.ref_seconds != args.seconds else px
            ref = run_numpy(cfg, params, state, args.ref_seconds)
            results[model] = {
                "praxis_jax": px, "praxis_jax_xla_scan": px_scan,
                "native_speedup_vs_xla_scan": px["x_realtime"] / px_scan["x_realtime"],
                "praxis_jax_same_length_as_numpy": px_ref_len, "numpy_loop": ref,
                "speedup_vs_numpy": px["x_realtime"] / ref["x_realtime"],
                "rate_ratio_vs_numpy": px_ref_len["rate_hz"] / ref["rate_hz"] if ref["rate_hz"] else None}
            peers = {"brainpy": run_peer(args.brainpy_python, "brainpy_cuba_coba.py", net, model, peer_s, [])}
            for target in args.brian2_targets:
                peers[f"brian2_{target}"] = (
                    run_peer(args.brian2_python, "brian2_cuba_coba.py", net, model, peer_s, ["--target", target])
                    if args.brian2_python else {"ran": False, "reason": "no --brian2-python given"})
            results[model]["peers"] = {k: compare(v, px) for k, v in peers.items()}
            print(f"{model.upper()}: praxis_jax {px['rate_hz']:.2f} Hz (E {px['rate_exc_hz']:.2f}, I "
                  f"{px['rate_inh_hz']:.2f}), CV {px['cv_mean']}, {px['bio_seconds']:g} s bio in {px['wall_s']:.1f} s "
                  f"wall ({px['x_realtime']:.3f}× real time, compile {px['compile_s']:.1f} s); "
                  f"over the first {ref['bio_seconds']:g} s {px_ref_len['rate_hz']:.2f} Hz | numpy loop "
                  f"{ref['rate_hz']:.2f} Hz, CV {ref['cv_mean']}, {ref['wall_s']:.1f} s wall "
                  f"({ref['x_realtime']:.3f}× real time) | speed ratio {results[model]['speedup_vs_numpy']:.1f}× | "
                  f"XLA scan {px_scan['x_realtime']:.3f}× real time (native {results[model]['native_speedup_vs_xla_scan']:.1f}×)")
            for k, r in results[model]["peers"].items():
                print(f"  {k}: " + (f"E {r['rate_exc_hz']:.2f} Hz, I {r['rate_inh_hz']:.2f} Hz over "
                                    f"{r['bio_seconds']:g} s, {r['wall_s']:.2f} s wall, "
                                    f"{r['speed_vs_praxis_jax']:.2f}× praxis_jax's speed"
                                    if r["ran"] else f"skipped ({r['reason']})"))
    record = {**provenance(),
              "config": {"n": N, "n_exc": N_EXC, "p": P, "degree": round(P * N), "dt_ms": 0.1, "tau_m_ms": 20.0,
                         "v_th": -50.0, "v_reset": -60.0, "t_ref_ms": 5.0, "tau_e_ms": 5.0, "tau_i_ms": 10.0,
                         "models": MODELS, "topology": "ProceduralRandom (fixed in-degree)",
                         "propagation": "event-driven: the native kernel takes every spike; the XLA scan up to "
                                        "max_spikes 64 per tick (dense fallback above)",
                         "load_avg_1m": os.getloadavg()[0]},
              "results": results}
    write_json(args.out, record)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
