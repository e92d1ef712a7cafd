"""Synaptic throughput of the PRAXIS tick against same-run baselines, and the fraction of memory bandwidth.

For each size and topology it times the int8 inference tick (plasticity off) and the int8 learning tick
(A-STDP-ET + homeostasis), both through ``praxis_jax.simulate``, and in the same run:
  (a) a vectorised numpy tick of the same graph (int8 weights, int32 sums, one slice per offset),
  (b) a dense ``jnp`` matmul tick where the (N, N) matrix fits,
  (c) ``jax.experimental.sparse`` BCOO and ``jax.ops.segment_sum`` ticks of the same graph (float32).
A mode left out with ``--modes`` is written as null (its printed figures read nan).
Bandwidth is measured here too (``praxis_jax.app.bench.read_bandwidth``: a streaming read by all CPU cores,
numpy over 800 MB, or a jitted sum over 4 GB of device memory on an accelerator, best of 5); the fractions
are of that figure, and on the CPU the one-core read is recorded beside it. Bytes per tick
are the minimum the tick must move: inference reads W (D·N int8); learning reads and writes W and e
(4·D·N bytes).

Usage: python benchmarks/throughput.py [--sizes 4000 65000 260000] [--out benchmarks/results/throughput-cpu.json]
Timing: jit with the state donated (as a long run does), one warm-up call, block_until_ready, median of
--reps calls of --ticks ticks each.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import sparse as jsparse

from praxis_jax.app.bench import median_time, read_bandwidth, tick_seconds
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.topology import StoredIndex, choose_lps, choose_singer


def numpy_tick(topo, reps: int) -> float:
    """Vectorised numpy int8 inference tick: one contiguous slice per offset (circulants only)."""
    rng = np.random.default_rng(0)
    W = rng.integers(-127, 128, (topo.degree, topo.n), dtype=np.int8)
    a = rng.integers(-127, 128, topo.n, dtype=np.int8)

    def tick():
        a2 = np.concatenate([a, a]).astype(np.int32)
        acc = np.zeros(topo.n, np.int32)
        for j, o in enumerate(topo.offsets):
            acc += W[j] * a2[o : o + topo.n]
        return np.round(2 * np.tanh(acc * (3 / 127 / np.sqrt(topo.degree)) * (2 / 127) / 2) * 63.5).astype(np.int8)

    return median_time(tick, reps)


def float_baselines(topo, reps: int, dense_limit: int, sparse_limit: int) -> dict:
    """Dense matmul, BCOO and segment_sum float32 inference ticks of the same graph (None if too big)."""
    out = {"dense_matmul": None, "bcoo": None, "segment_sum": None}
    n, d = topo.n, topo.degree
    if n > sparse_limit:
        return out
    nbrs = topo.neighbor_array()  # (N, D): edge nbrs[v, j] -> v
    w = jax.random.normal(jax.random.PRNGKey(0), (n * d,)) / np.sqrt(d)
    a = jax.random.normal(jax.random.PRNGKey(1), (n,))
    post = jnp.asarray(np.repeat(np.arange(n), d), jnp.int32)
    pre = jnp.asarray(nbrs.ravel(), jnp.int32)
    seg = jax.jit(lambda w, a: 2 * jnp.tanh(jax.ops.segment_sum(w * a[pre], post, n, indices_are_sorted=True) / 2))
    out["segment_sum"] = median_time(lambda: seg(w, a), reps)
    M = jsparse.BCOO((w, jnp.stack([post, pre], 1)), shape=(n, n))
    bcoo = jax.jit(lambda M, a: 2 * jnp.tanh((M @ a) / 2))
    out["bcoo"] = median_time(lambda: bcoo(M, a), reps)
    if n <= dense_limit:
        dense = M.todense()
        mm = jax.jit(lambda M, a: 2 * jnp.tanh((M @ a) / 2))
        out["dense_matmul"] = median_time(lambda: mm(dense, a), reps)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4_000, 65_000, 260_000])
    ap.add_argument("--topologies", nargs="+", default=["singer", "lps", "stored"])
    ap.add_argument("--ticks", type=int, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--dense-limit", type=int, default=16_384)
    ap.add_argument("--sparse-limit", type=int, default=70_000)
    ap.add_argument("--modes", nargs="+", choices=["inference", "learning"], default=["inference", "learning"])
    ap.add_argument("--out", default="benchmarks/results/throughput-cpu.json")
    args = ap.parse_args(argv)

    bw = read_bandwidth()
    dev = jax.devices()[0]
    bw1 = read_bandwidth(1) if dev.platform == "cpu" else None
    print(f"device {dev.device_kind} ({dev.platform}); measured read bandwidth {bw / 1e9:.1f} GB/s"
          + (f" (one core {bw1 / 1e9:.1f} GB/s)" if bw1 else ""))
    rows = []
    for n in args.sizes:
        singer = choose_singer(n, 2.0)
        np_t = numpy_tick(singer, args.reps)
        base = float_baselines(singer, args.reps, args.dense_limit, args.sparse_limit)
        for kind in args.topologies:
            topo = {"singer": singer, "lps": None, "stored": StoredIndex(base=singer)}[kind]
            if kind == "lps":
                topo = choose_lps(n, 2.0)
            edges = topo.n * topo.degree
            inf = tick_seconds(topo, False, args.ticks, args.reps) if "inference" in args.modes else float("nan")
            lrn = tick_seconds(topo, True, args.ticks, args.reps) if "learning" in args.modes else float("nan")
            row = {
                "topology": topo.describe(), "kind": kind, "N": topo.n, "D": topo.degree, "edges": edges,
                "inference_s_per_tick": inf, "learning_s_per_tick": lrn,
                "inference_syn_per_s": edges / inf, "learning_syn_per_s": edges / lrn,
                "inference_bytes_per_tick": edges, "learning_bytes_per_tick": 4 * edges,
                "inference_frac_read_bw": edges / inf / bw, "learning_frac_bw": 4 * edges / lrn / bw,
            }
            if kind in ("singer", "stored"):  # same graph as the baselines
                row["numpy_s_per_tick"] = np_t
                row["speedup_vs_numpy"] = np_t / inf
                for name, t in base.items():
                    row[f"{name}_s_per_tick"] = t
                    row[f"speedup_vs_{name}"] = None if t is None else t / inf
            rows.append(row)
            print(
                f"{kind:>6} N={topo.n:>8} D={topo.degree:>5}: inference {edges / inf / 1e9:6.2f} G syn/s "
                f"({100 * row['inference_frac_read_bw']:4.1f}% read bw), learning {edges / lrn / 1e9:6.3f} G syn/s "
                f"({100 * row['learning_frac_bw']:4.1f}% bw)"
                + (f"; vs numpy x{np_t / inf:.2f}" if "numpy_s_per_tick" in row else "")
                + "".join(f", vs {k} x{t / inf:.1f}" for k, t in base.items() if t is not None and kind == "singer"),
                flush=True,
            )
    record = {
        **provenance(),
        "config": {"numerics": "int8", "ticks_per_call": args.ticks, "reps": args.reps, "k": 2.0},
        "measured_read_bandwidth_bytes_per_s": bw,
        "read_bandwidth_one_core_bytes_per_s": bw1,
        "results": [{k: None if isinstance(v, float) and v != v else v for k, v in r.items()} for r in rows],
    }
    write_json(args.out, record)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
