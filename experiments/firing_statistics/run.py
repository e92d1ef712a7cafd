"""Firing statistics of recurrent LIF networks with Dale's principle (NeuroxAI's validation: 4–12 Hz).

Two networks, 1k and 50k neurons (LIFConfig.biophysical: τ_m 20 ms, V_th −55, V_rest = V_reset −70 mV,
t_ref 2 ms, dt 0.1 ms, R_m 10 MΩ), 80% excitatory / 20% inhibitory presynaptic signs, CUBA synapses
(τ_e 5 ms, τ_i 10 ms), ProceduralRandom in-degree D = 100 for both (p = 0.1 at 1k, p = 0.002 at 50k: the same
input statistics per neuron), external Poisson drive, event-driven propagation.

Reported per network: mean rate, fraction of neurons in 4–12 Hz, mean CV of the ISIs (neurons with >= 2 ISIs),
and speed as a multiple of real time (biological seconds per wall second; jit compile and a warm-up
excluded, block_until_ready, median of the timed chunks), for ``spiking.network.run`` (the native kernel on
the CPU) and, as the same run's baseline, for the XLA scan of the same tick. A warm-up of ``--warmup`` seconds is discarded from
the statistics (the carry's statistics are reset after it).

Usage: python -m experiments.firing_statistics.run [--seconds 1 2] [--warmup 0.2]
Writes experiments/firing_statistics/results/firing_statistics.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import numpy as np

from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.spiking import network as sn
from praxis_jax.spiking.neurons import LIFConfig

DRIVE = {"w_exc": 0.1, "w_inh": 0.5, "rate_in": 1150.0, "w_in": 0.3, "v0": "uniform"}  # nA, nA, Hz, nA
# (w_exc 0.2, w_inh 1.2, rate_in 1200: 6.4 Hz, CV 0.75 at 1k but only 44% of neurons in 4–12 Hz)
DEGREE = 100
CHUNK_S = 0.1  # biological seconds per timed chunk
SCAN_CHUNKS = 2  # chunks timed with the XLA scan of the same tick (the baseline of run's native kernel)


def simulate(n: int, seconds: float, warmup: float, seed: int = 0) -> dict:
    lif = LIFConfig.biophysical()
    cfg = sn.SpikingNetConfig.random(lif, n, DEGREE / n, seed=seed, synapse="cuba", frac_exc=0.8,
                                     tau_e=5.0, tau_i=10.0, max_spikes=max(64, n // 400))
    params, state = sn.init(cfg, jax.random.key(seed), **DRIVE)
    chunk = round(CHUNK_S * 1000 / lif.dt)
    run = jax.jit(lambda p, s: sn.run(cfg, p, s, chunk))
    t0 = time.perf_counter()
    state, _ = jax.block_until_ready(run(params, state))  # compile + first chunk (part of the warm-up)
    compile_s = time.perf_counter() - t0
    for _ in range(max(0, round(warmup / CHUNK_S) - 1)):
        state, _ = jax.block_until_ready(run(params, state))
    state = state._replace(stats=sn.init_state(cfg, state.key).stats)
    walls, n_chunks = [], round(seconds / CHUNK_S)
    for _ in range(n_chunks):
        t0 = time.perf_counter()
        state, _ = jax.block_until_ready(run(params, state))
        walls.append(time.perf_counter() - t0)
    ticks = n_chunks * chunk
    summary = sn.summarize(cfg, state.stats, ticks)
    med = float(np.median(walls))
    scan = jax.jit(lambda p, s: sn.scan(cfg, p, s, chunk))  # the XLA baseline, timed from the same state
    jax.block_until_ready(scan(params, state))
    scan_walls = []
    for _ in range(SCAN_CHUNKS):
        t0 = time.perf_counter()
        jax.block_until_ready(scan(params, state))
        scan_walls.append(time.perf_counter() - t0)
    scan_med = float(np.median(scan_walls))
    return {"n": n, "degree": DEGREE, "p": DEGREE / n, "n_exc": cfg.n_exc, "bio_seconds": ticks * lif.dt / 1000,
            "warmup_seconds": warmup, **summary,
            "x_realtime": CHUNK_S / med, "x_realtime_total": ticks * lif.dt / 1000 / float(np.sum(walls)),
            "wall_s": float(np.sum(walls)), "wall_chunk_median_s": med, "compile_and_first_chunk_s": compile_s,
            "tick_us": med / chunk * 1e6, "max_spikes": cfg.max_spikes,
            "x_realtime_xla_scan": CHUNK_S / scan_med, "native_speedup_vs_xla_scan": scan_med / med}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 50_000])
    ap.add_argument("--seconds", type=float, nargs="+", default=[2.0, 1.0], help="biological s per size")
    ap.add_argument("--warmup", type=float, default=0.2)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "firing_statistics.json"))
    args = ap.parse_args()
    secs = args.seconds if len(args.seconds) == len(args.sizes) else args.seconds[:1] * len(args.sizes)
    rows = [simulate(n, s, args.warmup) for n, s in zip(args.sizes, secs)]
    lif = LIFConfig.biophysical()
    record = {**provenance(),
              "config": {"lif": {k: getattr(lif, k) for k in ("tau", "dt", "v_rest", "v_reset", "v_th", "t_ref",
                                                                "form", "r_m")},
                         "synapse": "cuba", "tau_e_ms": 5.0, "tau_i_ms": 10.0, "frac_exc": 0.8,
                         "topology": "ProceduralRandom", "degree": DEGREE, "drive": DRIVE, "band_hz": [4, 12],
                         "chunk_bio_s": CHUNK_S, "load_avg_1m": os.getloadavg()[0]},
              "results": rows}
    write_json(args.out, record)
    print("| N | D | bio s | mean rate (Hz) | E / I rate (Hz) | in 4–12 Hz | mean CV ISI | × real time | XLA scan |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        cv = "n/a" if r["cv_mean"] is None else f"{r['cv_mean']:.2f}"
        print(f"| {r['n']:,} | {r['degree']} | {r['bio_seconds']:g} | {r['rate_hz']:.2f} | "
              f"{r['rate_exc_hz']:.2f} / {r['rate_inh_hz']:.2f} | {100 * r['frac_in_band']:.1f}% | {cv} | "
              f"{r['x_realtime']:.3f} | {r['x_realtime_xla_scan']:.3f} |")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
