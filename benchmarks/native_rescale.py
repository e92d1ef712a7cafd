"""CPU: the homeostatic rescale of int8 incoming weights, native kernel against the XLA pass.

Every ``HomeostasisConfig.interval`` ticks, neurons whose activation variance is above threshold scale
their incoming weights, and all D·N int8 codes are stored back with stochastic rounding. For each size
(Singer organoid, k = 2, int8) this times, in one run (medians, ``praxis_jax.app.bench``):
  xla      ``codec.store_w(codec.w(W)·s, hash_uniform(seed, W.shape, STREAM_H))`` as XLA runs it;
  native   ``praxis_jax.kernels.native.rescale_columns`` (one in-place pass), W donated;
  ticks    the average inference tick of 100-tick ``simulate`` calls with the rescale every 100 ticks
           (the default) and never (interval 10^6): what the rescale costs a long run;
bytes 2·D·N per pass (W read and written), and the fraction of int8 codes where the two passes differ.

Usage: python benchmarks/native_rescale.py [--sizes 65000 260000] [--out benchmarks/results/native-rescale-cpu.json]
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp

import praxis_jax as px
from praxis_jax.app.bench import donated_time, learn_case, median_time, read_bandwidth
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.homeostasis import STREAM_H
from praxis_jax.kernels import native
from praxis_jax.quant.codec import hash_uniform


def long_run_tick(topo, interval: int, reps: int) -> float:
    """Seconds per tick of 100-tick int8 inference calls with homeostasis every ``interval`` ticks."""
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topo), plasticity=px.PlasticityConfig(enabled=False),
                          homeostasis=px.HomeostasisConfig(interval=interval), quant=px.QuantConfig(numerics="int8"))
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    run = jax.jit(px.simulate, donate_argnums=1)
    xs, ms = jnp.zeros((100, 0)), jnp.zeros((100,))
    carry = [state]

    def call():
        carry[0] = run(params, carry[0], xs, ms)[0]
        return carry[0]

    return median_time(call, reps) / 100


def one_size(n: int, reps: int, bw: float) -> dict:
    case = learn_case(n)
    W, codec, seed = case.W, case.codec, jnp.uint32(5)
    s = jax.random.uniform(jax.random.PRNGKey(3), (W.shape[1],), minval=0.5)
    xla = jax.jit(lambda W: codec.store_w(codec.w(W) * s[None, :], hash_uniform(seed, W.shape, STREAM_H)))
    kernel = lambda W: native.rescale_columns(W, s, seed, codec.w_scale)
    row = {"topology": case.topo.describe(), "N": case.topo.n, "D": case.topo.degree, "edges": case.edges,
           "xla_s": median_time(lambda: xla(W), reps),
           "native_s": donated_time(lambda W, e: (kernel(W), e), W, case.e, reps)}
    for k in ("xla", "native"):
        row[f"{k}_frac_bw"] = 2 * case.edges / row[f"{k}_s"] / bw
    row["native_speedup_vs_xla"] = row["xla_s"] / row["native_s"]
    row["codes_differing"] = float((xla(W) != jax.jit(kernel)(W)).mean())
    row["tick_rescale_every_100_s"] = long_run_tick(case.topo, 100, 3)
    row["tick_no_rescale_s"] = long_run_tick(case.topo, 10**6, 3)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[65_000, 260_000])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default="benchmarks/results/native-rescale-cpu.json")
    args = ap.parse_args(argv)
    if jax.devices()[0].platform != "cpu" or not native.available():
        raise SystemExit("native_rescale.py measures the native CPU kernel; it is not available here")
    bw = read_bandwidth()
    print(f"measured read bandwidth {bw / 1e9:.1f} GB/s", flush=True)
    rows = []
    for n in args.sizes:
        r = one_size(n, args.reps, bw)
        rows.append(r)
        print(f"N={r['N']:>8} D={r['D']:>5}: xla {1e3 * r['xla_s']:.1f} ms ({100 * r['xla_frac_bw']:.1f}% bw), "
              f"native {1e3 * r['native_s']:.1f} ms ({100 * r['native_frac_bw']:.1f}% bw), x{r['native_speedup_vs_xla']:.1f}; "
              f"codes differing {r['codes_differing']:.1e}; 100-tick calls: {1e3 * r['tick_rescale_every_100_s']:.2f} ms/tick "
              f"with the rescale every 100 ticks, {1e3 * r['tick_no_rescale_s']:.2f} without", flush=True)
    write_json(args.out, {**provenance(), "measured_read_bandwidth_bytes_per_s": bw, "results": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
