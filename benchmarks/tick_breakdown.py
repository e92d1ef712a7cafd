"""Where the int8 inference tick's time goes on the CPU: the propagation kernel against the rest.

For each requested size it times, in one process (ms per tick, median of --reps calls of --ticks ticks):
  kernel      the propagation alone, ``native.circulant_propagate`` stepped by ``lax.scan`` on the
              Singer graph's W (the activations fed back), so it runs as inside ``simulate``;
  tick        the whole int8 inference tick (``praxis_jax.simulate``, plasticity off, homeostasis on);
  per-neuron  the same tick on a ring (D = 2, offsets ±1) of the same N, whose propagation costs almost
              nothing: the per-neuron XLA work (activation, homeostasis statistics, PRNG split);
  per-neuron, N+1  the same at N + 1. Singer sizes N = m² + m + 1 are odd; XLA:CPU (jax 0.10) splits a
              large elementwise fusion between its threads and, when N is odd, runs it several times
              slower. ``simulate`` therefore pads the per-neuron vectors to whole lanes inside its scan,
              and the two rows should agree (before it did, the odd row was 3-4x the even one).

Usage: python benchmarks/tick_breakdown.py [--sizes 65000 260000] [--out benchmarks/results/tick-breakdown-cpu.json]
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp

from praxis_jax.app.bench import median_time, read_bandwidth, tick_seconds
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.kernels import native
from praxis_jax.topology import choose_singer
from praxis_jax.topology.circulant import Circulant


def kernel_seconds(topo, ticks: int, reps: int) -> float:
    """Seconds per call of the native propagation inside a ``lax.scan`` of ``ticks`` steps."""
    n, d = topo.n, topo.degree
    W = jax.random.randint(jax.random.PRNGKey(0), (d, n), -127, 128, jnp.int8)
    a = jax.random.randint(jax.random.PRNGKey(1), (n,), -127, 128, jnp.int8)

    def body(a, _):
        r = native.circulant_propagate(W, a, topo.offsets)
        return (r >> 10).astype(jnp.int8), None

    run = jax.jit(lambda a: jax.lax.scan(body, a, None, ticks)[0])
    return median_time(lambda: run(a), reps) / ticks


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[65_000, 260_000])
    ap.add_argument("--ticks", type=int, default=8)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default="benchmarks/results/tick-breakdown-cpu.json")
    args = ap.parse_args(argv)
    if not native.available():
        raise SystemExit("tick_breakdown.py times the native CPU kernel, which is not available here")
    bw = read_bandwidth()
    print(f"measured read bandwidth {bw / 1e9:.1f} GB/s ({jax.devices()[0].device_kind})")
    rows = []
    for size in args.sizes:
        singer = choose_singer(size, 2.0)
        n, edges = singer.n, singer.n * singer.degree
        ms = {
            "kernel": kernel_seconds(singer, args.ticks, args.reps),
            "tick": tick_seconds(singer, False, args.ticks, args.reps),
            "per_neuron": tick_seconds(Circulant(num=n, offsets=(1, n - 1), name="ring"), False, args.ticks, args.reps),
            "per_neuron_n_plus_1": tick_seconds(Circulant(num=n + 1, offsets=(1, n), name="ring"), False,
                                                args.ticks, args.reps),
        }
        row = {"N": n, "D": singer.degree, "edges": edges, **{f"{k}_s_per_tick": v for k, v in ms.items()},
               "kernel_frac_read_bw": edges / ms["kernel"] / bw, "tick_frac_read_bw": edges / ms["tick"] / bw}
        rows.append(row)
        print(f"N={n:>8} D={singer.degree:>5}: kernel {1e3 * ms['kernel']:.2f} ms "
              f"({100 * row['kernel_frac_read_bw']:.0f}% read bw), tick {1e3 * ms['tick']:.2f} ms "
              f"({100 * row['tick_frac_read_bw']:.0f}%), per-neuron work {1e3 * ms['per_neuron']:.3f} ms "
              f"(at N+1: {1e3 * ms['per_neuron_n_plus_1']:.3f} ms)", flush=True)
    write_json(args.out, {**provenance(), "config": {"ticks_per_call": args.ticks, "reps": args.reps},
                          "measured_read_bandwidth_bytes_per_s": bw, "results": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
