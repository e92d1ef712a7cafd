"""Event-driven against dense spike propagation: where is the crossover?

For each network size (procedural random graph, in-degree ``--degree``, 80/20 E/I weights) and each
fraction f of neurons spiking in a tick, it times, in one run, the two ways
``praxis_jax.spiking.network`` computes a tick's excitatory and inhibitory arrivals:
  dense   gather the (D, N) presynaptic spikes of every in-edge and sum (``_arrivals_dense``);
  event   scatter-add the out-edges of the K = f·N spiking neurons (``_arrivals_event`` with max_spikes = K);
checks that both give the same arrivals, and reports the ratio dense/event and the crossover fraction
(interpolated in log f where the ratio crosses 1). ``SpikingNetConfig.max_spikes`` should sit near
crossover·N: above it the tick falls back to dense.

Usage: python benchmarks/event_driven.py [--sizes 4000 50000] [--degree 100]
Writes benchmarks/results/event-driven-cpu.json and prints the table.
"""

from __future__ import annotations

import argparse

import jax
import numpy as np

from praxis_jax.app.bench import median_time
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.spiking import network as sn
from praxis_jax.spiking.neurons import LIFConfig

FRACTIONS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


def one_size(n: int, degree: int, reps: int) -> dict:
    rows = []
    for f in FRACTIONS:
        k = max(1, round(f * n))
        cfg = sn.SpikingNetConfig.random(LIFConfig.biophysical(), n, degree / n, seed=0, max_spikes=k)
        params, _ = sn.init(cfg, jax.random.key(0), w_exc=0.3, w_inh=1.0, jitter=0.5)
        pre = np.zeros(n, bool)
        pre[np.random.default_rng(1).choice(n, k, replace=False)] = True
        dense = jax.jit(lambda p, s: sn._arrivals_dense(cfg, p, s))
        event = jax.jit(lambda p, s: sn._arrivals_event(cfg, p, s))
        for a, b in zip(dense(params, pre), event(params, pre)):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
        t_dense = median_time(lambda: dense(params, pre), reps)
        t_event = median_time(lambda: event(params, pre), reps)
        rows.append({"fraction": f, "spikes": k, "dense_s": t_dense, "event_s": t_event, "dense_over_event": t_dense / t_event})
        print(f"N={n:>7} D={degree} f={f:<6g} K={k:>6}: dense {t_dense * 1e3:8.3f} ms, event {t_event * 1e3:8.3f} ms, "
              f"dense/event x{t_dense / t_event:.2f}", flush=True)
    ratio = np.array([r["dense_over_event"] for r in rows])
    logf = np.log(np.array(FRACTIONS))
    cross = None
    for i in range(len(rows) - 1):
        if ratio[i] >= 1 > ratio[i + 1]:
            t = (np.log(ratio[i])) / (np.log(ratio[i]) - np.log(ratio[i + 1]))
            cross = float(np.exp(logf[i] + t * (logf[i + 1] - logf[i])))
    return {"N": n, "D": degree, "rows": rows, "crossover_fraction": cross}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 50_000])
    ap.add_argument("--degree", type=int, default=100)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--out", default="benchmarks/results/event-driven-cpu.json")
    args = ap.parse_args(argv)
    results = [one_size(n, args.degree, args.reps) for n in args.sizes]
    table = ["| N | D | " + " | ".join(f"f = {f:g}" for f in FRACTIONS) + " | crossover f |",
             "|---|---|" + "---|" * (len(FRACTIONS) + 1)]
    for r in results:
        cross = "—" if r["crossover_fraction"] is None else f"{r['crossover_fraction']:.3f}"
        table.append(f"| {r['N']} | {r['D']} | " + " | ".join(f"×{x['dense_over_event']:.2f}" for x in r["rows"])
                     + f" | {cross} |")
    print("dense time / event time:\n" + "\n".join(table))
    write_json(args.out, {**provenance(), "results": results, "table": table})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
