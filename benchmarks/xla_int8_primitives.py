"""Why the CPU tick is slow: XLA:CPU throughput of the int8 primitives the tick is made of.

Usage: python benchmarks/xla_int8_primitives.py [--out benchmarks/results/xla-int8-primitives-cpu.json]
Prints G elements/s (best of 3, after a warm-up) for 200M-element int8 arrays, beside a numpy read.
"""

import argparse
import json
import time

import jax
import jax.numpy as jnp
import numpy as np

N = 200_000_000


def rate(f, *a):
    jax.block_until_ready(f(*a))
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        jax.block_until_ready(f(*a))
        ts.append(time.perf_counter() - t)
    return N / min(ts) / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/xla-int8-primitives-cpu.json")
    args = ap.parse_args()
    x8 = jnp.ones(N, jnp.int8)
    cases = {
        "int8 full sum -> int32": (jax.jit(lambda x: jnp.sum(x, dtype=jnp.int32)), x8),
        "int8 full sum via float32": (jax.jit(lambda x: jnp.sum(x.astype(jnp.float32))), x8),
        "int8 elementwise x*2": (jax.jit(lambda x: x * 2), x8),
        "int8 sum over axis 0 (1000 rows) -> int32": (jax.jit(lambda x: jnp.sum(x.reshape(1000, -1).astype(jnp.int32), 0)), x8),
    }
    res = {k: rate(f, a) for k, (f, a) in cases.items()}
    host = np.ones(N, np.uint8).view(np.uint64)
    res["numpy uint64 read (G bytes/s)"] = rate(lambda: host.sum())
    for k, v in res.items():
        print(f"{k:45s} {v:6.2f} G/s")
    with open(args.out, "w") as f:
        json.dump({"command": "python benchmarks/xla_int8_primitives.py", "jax": jax.__version__,
                   "device": jax.devices()[0].device_kind, "G_per_s": res}, f, indent=1)


if __name__ == "__main__":
    main()
