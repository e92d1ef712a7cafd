"""int8 propagation over the LPS Ramanujan graph: neighbours computed in the native kernel, against XLA.

For LPS graphs on PSL(2, q), times ``r[v] = Σ_j W[j, v]·a[neighbors(v)[j]]`` (int8 W and a, int32 sums) by

- ``native``: ``kernels.native.lps_propagate`` (neighbours computed in registers, no index table);
- ``xla_computed``: ``LPS.propagate`` (neighbours computed by XLA from the vertex index, no table);
- ``xla_stored_index``: a gather through a stored ``(D, N)`` int32 index table (4 more bytes per edge),

in one run, median of ``--reps`` calls after a compiling call, with the result checked equal. Reported per
edge (synapse) per second and as a fraction of the read bandwidth measured in the same run (W's 1 byte per
edge; the stored-index path also reads 4 bytes of index per edge).

Usage: python benchmarks/lps_propagate.py [--reps 5]
Writes benchmarks/results/lps-propagate-cpu.json.
"""

from __future__ import annotations

import argparse
import os

import jax
import jax.numpy as jnp
import numpy as np

from praxis_jax.app.bench import median_time, read_bandwidth
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.kernels import native
from praxis_jax.topology.lps import LPS

GRAPHS = (((101,), 17), ((541,), 53), ((877,), 73))  # N = 2,448, 74,412 and 194,472


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "lps-propagate-cpu.json"))
    args = ap.parse_args()
    if not native.available():
        raise SystemExit("lps_propagate.py measures the native CPU kernel; it is not available here")
    bw = read_bandwidth()
    rows = []
    for ps, q in GRAPHS:
        topo = LPS(ps=ps, q=q)
        rng = np.random.default_rng(0)
        W = jnp.asarray(rng.integers(-127, 128, (topo.degree, topo.n), dtype=np.int8))
        a = jnp.asarray(rng.integers(-127, 128, topo.n, dtype=np.int8))
        table = jnp.asarray(np.ascontiguousarray(topo.neighbor_array().T))  # (D, N) stored indices
        gens, inv = topo.generators(), topo.inverses()
        paths = {"native": jax.jit(lambda W, a: native.lps_propagate(W, a, gens, inv)),
                 "xla_computed": jax.jit(lambda W, a: topo.propagate(W, a, None, jnp.int32)),
                 "xla_stored_index": jax.jit(lambda W, a: jnp.sum(W.astype(jnp.int32) * a[table].astype(jnp.int32),
                                                                  axis=0))}
        results = {k: f(W, a) for k, f in paths.items()}
        for k, r in results.items():
            np.testing.assert_array_equal(np.asarray(r), np.asarray(results["native"]), err_msg=k)
        edges = topo.degree * topo.n
        row = {"topology": topo.describe(), "N": topo.n, "D": topo.degree, "edges": edges}
        for k, f in paths.items():
            s = median_time(lambda f=f: f(W, a), args.reps if k != "xla_computed" else max(1, args.reps // 2))
            row[f"{k}_s"], row[f"{k}_syn_per_s"], row[f"{k}_frac_bw"] = s, edges / s, edges / s / bw
        row["native_over_stored_index"] = row["xla_stored_index_s"] / row["native_s"]
        row["native_over_xla_computed"] = row["xla_computed_s"] / row["native_s"]
        rows.append(row)
        print(f"{row['topology']}: native {row['native_syn_per_s'] / 1e9:.2f} G syn/s "
              f"({100 * row['native_frac_bw']:.1f}% of the read bandwidth), XLA computed "
              f"{row['xla_computed_syn_per_s'] / 1e9:.3f}, XLA stored-index "
              f"{row['xla_stored_index_syn_per_s'] / 1e9:.2f} (native {row['native_over_stored_index']:.2f}×)",
              flush=True)
    write_json(args.out, {**provenance(), "config": {"reps": args.reps, "read_bandwidth_bytes_per_s": bw,
                                                      "load_avg_1m": os.getloadavg()[0]}, "results": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
