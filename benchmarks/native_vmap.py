"""The native int8 propagation kernel under vmap: sequential kernel calls against XLA's vectorised slices.

Under ``jax.vmap`` the kernel (an XLA FFI call) runs once per batch element; XLA's pure-JAX slices
vectorise over the batch instead. For batches of ``--batch`` activation vectors with one shared W, this
times both (median of 5 after a warm-up, ``praxis_jax.app.bench.median_time``; results checked equal).
``Circulant.propagate`` runs the kernel under vmap at every size: this script is the measurement behind
that choice.

Usage: python benchmarks/native_vmap.py [--batch 64] [--out benchmarks/results/native-vmap-cpu.json]
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np

from praxis_jax.app.bench import median_time
from praxis_jax.app.runinfo import provenance, write_json
from praxis_jax.kernels import native
from praxis_jax.topology import choose_topology


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--sizes", type=int, nargs="+", default=[133, 993, 1723, 3783, 7000, 16000, 63000])
    ap.add_argument("--out", default="benchmarks/results/native-vmap-cpu.json")
    args = ap.parse_args()
    if not native.available():
        raise SystemExit("native_vmap: the native kernel is not available here (no C++ compiler?)")
    rows = []
    for n in args.sizes:
        topo = choose_topology("singer", n, k=2)
        W = jax.random.randint(jax.random.PRNGKey(0), (topo.degree, topo.n), -127, 128, jnp.int8)
        A = jax.random.randint(jax.random.PRNGKey(1), (args.batch, topo.n), -127, 128, jnp.int8)
        fns = {"sequential kernel": jax.jit(jax.vmap(lambda a, t=topo, W=W: native.circulant_propagate(W, a, t.offsets))),
               "vectorised XLA slices": jax.jit(jax.vmap(lambda a, t=topo, W=W: t.propagate(W, a, None, jnp.int32)))}
        outs = [np.asarray(f(A)) for f in fns.values()]
        if not np.array_equal(*outs):
            raise AssertionError(f"native_vmap: results differ at N = {topo.n}")
        ms = {k: 1e3 * median_time(lambda f=f, A=A: f(A), 5) for k, f in fns.items()}
        row = {"n": topo.n, "degree": topo.degree, "edges": topo.n * topo.degree, "ms": ms,
               "sequential_over_vectorised": ms["sequential kernel"] / ms["vectorised XLA slices"]}
        rows.append(row)
        print(f"N = {topo.n:6d}, D = {topo.degree:4d}, {row['edges']:9d} edges: " +
              ", ".join(f"{k} {v:.2f} ms" for k, v in ms.items()) +
              f"; sequential / vectorised = {row['sequential_over_vectorised']:.2f}", flush=True)
    write_json(args.out, {**provenance(), "batch": args.batch, "rows": rows})


if __name__ == "__main__":
    main()
