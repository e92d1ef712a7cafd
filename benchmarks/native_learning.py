"""CPU: the native fused A-STDP-ET kernel against the pure-JAX (XLA) pass, and against bandwidth.

For each size (Singer organoid, k = 2, int8) and each eligibility code (continuous μ-law, segmented
G.711 μ-law) it times, in one run:
  xla      the learning pass as the rule's unfused phases on gathered (D, N) arrays (what ran on the CPU
           before the kernel; ``PRAXIS_JAX_NATIVE=0`` still runs it);
  native   ``praxis_jax.kernels.native.circulant_learn``: one pass reading and writing W and e once, W and e donated;
  e-only   the native pass on a tick without a weight update (update_every > 1);
  tick     the whole int8 learning tick through ``praxis_jax.simulate`` (propagation, rule, homeostasis);
  tick_update_every_8  the same with the weight update on every 8th tick (``update_every=8``);
bytes 4·D·N per pass (W and e read and written once), and the fraction of int8 codes where the native
pass and the XLA pass differ. Bandwidth: ``praxis_jax.app.bench.read_bandwidth`` (all cores; the one-core
read is recorded beside it), as throughput.py.

Usage: python benchmarks/native_learning.py [--sizes 65000 260000] [--out benchmarks/results/native-learning-cpu.json]
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
from praxis_jax.kernels import native
from praxis_jax.quant.codec import ELIG_CODES


def one_case(n: int, eligibility: str, reps: int, bw: float) -> dict:
    case = learn_case(n, eligibility)
    W, e, nbytes = case.W, case.e, 4 * case.edges
    row = {"topology": case.topo.describe(), "N": case.topo.n, "D": case.topo.degree, "edges": case.edges,
           "eligibility": eligibility}
    xla = jax.jit(case.xla)
    row["xla_s"] = median_time(lambda: xla(W, e), reps)
    row["native_s"] = donated_time(lambda W, e: native.circulant_learn(*case.kernel_args(W, e)), W, e, reps)

    def e_only(W, e):
        args = list(case.kernel_args(W, e))
        args[8] = False  # on: no weight update this tick
        return native.circulant_learn(*args)

    row["native_e_only_s"] = donated_time(e_only, W, e, reps)
    row["tick_s"] = tick_seconds(case.topo, True, 8, reps, eligibility=eligibility)
    row["tick_update_every_8_s"] = tick_seconds(case.topo, True, 8, reps, eligibility=eligibility, update_every=8)
    for k in ("xla", "native", "native_e_only", "tick", "tick_update_every_8"):
        row[f"{k}_syn_per_s"] = case.edges / row[f"{k}_s"]
        row[f"{k}_frac_bw"] = nbytes / row[f"{k}_s"] / bw
    row["native_speedup_vs_xla"] = row["xla_s"] / row["native_s"]
    Wx, ex = xla(W, e)
    Wn, en = jax.jit(lambda W, e: native.circulant_learn(*case.kernel_args(W, e)))(W, e)
    row["W_codes_differing"] = float((Wx != Wn).mean())
    row["e_codes_differing"] = float((ex != en).mean())
    row["max_code_difference"] = int(max(jnp.abs(Wx.astype(int) - Wn).max(), jnp.abs(ex.astype(int) - en).max()))
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[65_000, 260_000])
    ap.add_argument("--eligibility", nargs="+", choices=ELIG_CODES, default=list(ELIG_CODES))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default="benchmarks/results/native-learning-cpu.json")
    args = ap.parse_args(argv)
    if jax.devices()[0].platform != "cpu" or not native.available():
        raise SystemExit("native_learning.py measures the native CPU kernel; it is not available here")
    bw, bw1 = read_bandwidth(), read_bandwidth(1)
    print(f"measured read bandwidth {bw / 1e9:.1f} GB/s (one core {bw1 / 1e9:.1f} GB/s)", flush=True)
    rows = []
    for n in args.sizes:
        for code in args.eligibility:
            row = one_case(n, code, args.reps, bw)
            rows.append(row)
            print(f"N={row['N']:>8} D={row['D']:>5} {code:>9}: "
                  + ", ".join(f"{k} {row[f'{k}_syn_per_s'] / 1e9:.3f} G syn/s ({100 * row[f'{k}_frac_bw']:.1f}% bw)"
                              for k in ("xla", "native", "native_e_only", "tick", "tick_update_every_8"))
                  + f"; native x{row['native_speedup_vs_xla']:.1f} xla; codes differing W {row['W_codes_differing']:.1e}"
                  f" e {row['e_codes_differing']:.1e}", flush=True)
    write_json(args.out, {**provenance(), "measured_read_bandwidth_bytes_per_s": bw,
                          "read_bandwidth_one_core_bytes_per_s": bw1, "results": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
