"""GPU: the Pallas circulant kernels against the XLA formulation of the same tick, and against bandwidth.

For each size (Singer organoid, k = 2, int8) it times, in one run:
  propagate   r = Σ_j W[j]·a[v + s_j]: XLA (one slice per offset) vs Pallas (per block size, unroll and warps);
              bytes D·N
  learn       the A-STDP-ET pass over all edges: XLA (gather + rule phases) vs the fused Pallas pass;
              bytes 4·D·N (W and e read and written once)
  tick        the whole int8 learning tick through ``praxis_jax.simulate`` (Pallas on GPUs), bytes 4·D·N
and checks that the kernels agree with the XLA path (propagate exactly; learn: the fraction of int8 codes
that differ, which float rounding of log1p/expm1 at a stochastic-rounding boundary can make non-zero).
The XLA baselines run up to ``--xla-limit`` neurons (their compile time grows with D).
Bandwidth: a jitted uint32 sum over 4 GB of device memory, best of 5 (as benchmarks/throughput.py).

Usage (GPU): python benchmarks/pallas_circulant.py --sizes 260000 1000000 --out benchmarks/results/pallas-h100.json
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp

from praxis_jax.app.bench import (
    donated_time,
    learn_case,
    median_time,
    read_bandwidth,
    tick_seconds,
)
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.kernels.pallas import circulant as pc


def one_size(n: int, blocks: list[int], unrolls: list[int], warps: list[int], xla: bool, reps: int, bw: float) -> dict:
    case = learn_case(n)
    topo, W, e, a1, edges = case.topo, case.W, case.e, case.a, case.edges
    row = {"topology": topo.describe(), "N": topo.n, "D": topo.degree, "edges": edges}

    variants = [(b, u, w) for b in blocks for u in unrolls for w in warps]
    for b, u, w in variants:
        f = jax.jit(lambda W, a, b=b, u=u, w=w: pc.propagate(W, a, topo.offsets, block=b, unroll=u, warps=w))
        t = median_time(lambda: f(W, a1), reps)
        row[f"pallas_propagate_b{b}_u{u}_w{w}_s"] = t
        row[f"pallas_propagate_b{b}_u{u}_w{w}_frac_bw"] = edges / t / bw

    def pallas_learn(W, e, b, u, w):
        return pc.learn(*case.kernel_args(W, e), block=b, unroll=u, warps=w)

    for b, u, w in variants:
        t = donated_time(lambda W, e, b=b, u=u, w=w: pallas_learn(W, e, b, u, w), W, e, reps)
        row[f"pallas_learn_b{b}_u{u}_w{w}_s"] = t
        row[f"pallas_learn_b{b}_u{u}_w{w}_frac_bw"] = 4 * edges / t / bw
    if xla:
        r_x = jax.jit(lambda W, a: topo.propagate(W, a, None, jnp.int32))
        t = median_time(lambda: r_x(W, a1), reps)
        row["xla_propagate_s"], row["xla_propagate_frac_bw"] = t, edges / t / bw
        row["propagate_equal"] = bool((r_x(W, a1) == pc.propagate(W, a1, topo.offsets)).all())
        f = jax.jit(case.xla)
        t = median_time(lambda: f(W, e), reps)
        row["xla_learn_s"], row["xla_learn_frac_bw"] = t, 4 * edges / t / bw
        Wx, ex = f(W, e)
        Wp, ep = jax.jit(lambda W, e: pallas_learn(W, e, pc.BLOCK, pc.UNROLL, pc.WARPS))(W, e)
        row["learn_W_codes_differing"] = float((Wx != Wp).mean())
        row["learn_e_codes_differing"] = float((ex != ep).mean())
        row["learn_max_code_difference"] = int(max(jnp.abs(Wx.astype(int) - Wp).max(), jnp.abs(ex.astype(int) - ep).max()))

    t = tick_seconds(topo, True, 8, reps)
    row["simulate_learning_tick_s"], row["simulate_learning_frac_bw"] = t, 4 * edges / t / bw
    row["simulate_learning_syn_per_s"] = edges / t
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[65_000, 260_000, 1_000_000])
    ap.add_argument("--blocks", type=int, nargs="+", default=[256, 512, 1024])
    ap.add_argument("--unrolls", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--warps", type=int, nargs="+", default=[4])
    ap.add_argument("--xla-limit", type=int, default=300_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default="benchmarks/results/pallas-gpu.json")
    args = ap.parse_args(argv)
    dev = jax.devices()[0]
    if dev.platform != "gpu":
        raise SystemExit(f"pallas_circulant.py measures GPU kernels; this backend is {dev.platform!r}")
    bw = read_bandwidth()
    print(f"device {dev.device_kind}; measured read bandwidth {bw / 1e9:.0f} GB/s", flush=True)
    rows = []
    for n in args.sizes:
        row = one_size(n, args.blocks, args.unrolls, args.warps, n <= args.xla_limit, args.reps, bw)
        rows.append(row)
        print(" ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    write_json(args.out, {**provenance(), "measured_read_bandwidth_bytes_per_s": bw, "results": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
