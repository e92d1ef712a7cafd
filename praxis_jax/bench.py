"""Timing helpers shared by ``praxis bench`` and the scripts in ``benchmarks/``.

Timing: one warm-up call, then ``block_until_ready`` around each of ``reps`` calls; the median.
Bandwidth: a streaming read — numpy ``uint64`` sum over 400 MB on the CPU, a jitted ``uint32`` sum over
4 GB of device memory on an accelerator — best of 5.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px


def median_time(fn, reps: int) -> float:
    """Median seconds of ``fn()`` (results blocked on) over ``reps`` calls after one warm-up call."""
    jax.block_until_ready(fn())
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def read_bandwidth() -> float:
    """Bytes/s of a streaming read on the default device (see the module docstring)."""
    if jax.devices()[0].platform == "cpu":
        x = np.ones(400_000_000 // 8, np.uint64)
        return x.nbytes / min(median_time(lambda: x.sum(), 1) for _ in range(5))
    x = jnp.ones(1_000_000_000, jnp.uint32)
    total = jax.jit(lambda x: jnp.sum(x, dtype=jnp.uint32))
    return x.nbytes / min(median_time(lambda: total(x), 3) for _ in range(5))


def tick_seconds(topology, learning: bool, ticks: int, reps: int, numerics: str = "int8") -> float:
    """Seconds per tick of ``praxis_jax.simulate`` (plasticity on or off), state donated as in a long run."""
    cfg = px.PraxisConfig(
        network=px.NetworkConfig(topology=topology),
        plasticity=px.PlasticityConfig(enabled=learning),
        quant=px.QuantConfig(numerics=numerics),
    )
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    run = jax.jit(px.simulate, donate_argnums=1)
    xs, ms = jnp.zeros((ticks, 0)), jnp.full((ticks,), 0.01)
    carry = [state]

    def call():
        carry[0] = run(params, carry[0], xs, ms)[0]
        return carry[0]

    return median_time(call, reps) / ticks


def bench(n: int, kind: str = "singer", k: float = 2.0, numerics: str = "int8", ticks: int = 8,
          reps: int = 3) -> dict:
    """Synaptic updates/s of the inference and the learning tick of one organoid, and the fraction of the
    measured bandwidth they use (inference reads W: D·N bytes in int8; learning reads and writes W and e)."""
    from praxis_jax.topology import choose_topology

    topo = choose_topology(kind, n, k)
    bw = read_bandwidth()
    edges = topo.n * topo.degree
    w_bytes = 1 if numerics == "int8" else 4
    out = {"topology": topo.describe(), "N": topo.n, "D": topo.degree, "numerics": numerics,
           "device": f"{jax.devices()[0].platform}:{jax.devices()[0].device_kind}", "read_bandwidth": bw}
    for mode, learning, nbytes in (("inference", False, w_bytes * edges), ("learning", True, 4 * w_bytes * edges)):
        t = tick_seconds(topo, learning, ticks, reps, numerics)
        out[mode] = {"s_per_tick": t, "syn_per_s": edges / t, "bytes_per_tick": nbytes, "frac_bw": nbytes / t / bw}
    return out
