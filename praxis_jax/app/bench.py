"""Timing helpers shared by ``praxis bench`` and the scripts in ``benchmarks/``.

Timing: one warm-up call, then ``block_until_ready`` around each of ``reps`` calls; the median.
Bandwidth: a streaming read — on the CPU a numpy ``uint64`` sum over 800 MB, split into contiguous parts
summed by ``threads`` threads at once (numpy releases the GIL; default all the CPUs this process may run
on, as the native kernels use them all), on an accelerator a jitted ``uint32`` sum over 4 GB of device
memory — best of 5.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from praxis_jax.config import NetworkConfig, PlasticityConfig, PraxisConfig, QuantConfig
from praxis_jax.plasticity import astdp_et
from praxis_jax.quant.codec import Codec
from praxis_jax.simulate import simulate
from praxis_jax.state import init


def median_time(fn, reps: int) -> float:
    """Median seconds of ``fn()`` (results blocked on) over ``reps`` calls after one warm-up call."""
    jax.block_until_ready(fn())
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def cpu_count() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def read_bandwidth(threads: int | None = None) -> float:
    """Bytes/s of a streaming read on the default device (see the module docstring); ``threads`` applies
    to the CPU only (default :func:`cpu_count`)."""
    if jax.devices()[0].platform == "cpu":
        threads = threads or cpu_count()
        x = np.ones(800_000_000 // 8, np.uint64)
        parts = np.array_split(x, threads)
        with ThreadPoolExecutor(threads) as pool:
            return x.nbytes / min(median_time(lambda: list(pool.map(np.sum, parts)), 1) for _ in range(5))
    x = jnp.ones(1_000_000_000, jnp.uint32)
    total = jax.jit(lambda x: jnp.sum(x, dtype=jnp.uint32))
    return x.nbytes / min(median_time(lambda: total(x), 3) for _ in range(5))


def tick_seconds(topology, learning: bool, ticks: int, reps: int, numerics: str = "int8",
                 eligibility: str = QuantConfig.eligibility, update_every: int = 1) -> float:
    """Seconds per tick of ``praxis_jax.simulate`` (plasticity on or off, the weight update every
    ``update_every`` ticks; the int8 eligibility code the library's default), state donated as in a long run."""
    cfg = PraxisConfig(
        network=NetworkConfig(topology=topology),
        plasticity=PlasticityConfig(enabled=learning, update_every=update_every),
        quant=QuantConfig(numerics=numerics, eligibility=eligibility),
    )
    params, state = init(cfg, jax.random.PRNGKey(0))
    run = jax.jit(simulate, donate_argnums=1)
    xs, ms = jnp.zeros((ticks, 0)), jnp.full((ticks,), 0.01)
    carry = [state]

    def call():
        carry[0] = run(params, carry[0], xs, ms)[0]
        return carry[0]

    return median_time(call, reps) / ticks


class LearnCase(NamedTuple):
    """Inputs of one int8 A-STDP-ET pass over an organoid's edges (random activations and traces)."""

    topo: object
    codec: Codec
    clip: float
    hyper: object
    W: jax.Array
    e: jax.Array
    a_prev: jax.Array
    a: jax.Array
    m: jax.Array
    seed: jax.Array
    post: jax.Array | None = None  # the postsynaptic factor (float32 (N,)); None: the activations a

    @property
    def edges(self) -> int:
        return self.topo.n * self.topo.degree

    @property
    def post_factor(self) -> jax.Array:
        return self.codec.a(self.a) if self.post is None else self.post

    def kernel_args(self, W, e) -> tuple:
        """Arguments of the fused kernels (``pallas.circulant.learn``, ``native.circulant_learn``)."""
        h = self.hyper
        return (W, e, self.a_prev, self.post_factor, self.m, h.decay, h.lr, h.weight_decay, True, self.seed,
                self.topo.offsets, self.codec, self.clip)

    def xla(self, W, e):
        """The same pass as the rule's unfused phases on gathered ``(D, N)`` arrays (the pure-JAX path)."""
        pre = self.codec.a(self.topo.gather(self.a_prev))
        return astdp_et.edge_update(self.codec, self.clip, pre, self.post_factor, self.m, e, W, self.hyper, self.seed)


def learn_case(n: int, eligibility: str = "segmented", kind: str = "singer") -> LearnCase:
    """A :class:`LearnCase` on ``choose_topology(kind, n, 2.0)`` with the default config's int8 codes."""
    from praxis_jax.topology import choose_topology

    topo = choose_topology(kind, n, 2.0)
    cfg = PraxisConfig(network=NetworkConfig(topology=topo),
                          quant=QuantConfig(numerics="int8", eligibility=eligibility))
    params, state = init(cfg, jax.random.PRNGKey(0))
    ks = jax.random.split(jax.random.PRNGKey(1), 4)
    W = state.long.W
    return LearnCase(
        topo, Codec.from_config(cfg), cfg.plasticity.clip_sigma * cfg.network.weight_std, params.hyper, W,
        jax.random.randint(ks[2], W.shape, -127, 128).astype(jnp.int8),
        jax.random.randint(ks[0], (topo.n,), -127, 128).astype(jnp.int8),
        jax.random.randint(ks[1], (topo.n,), -127, 128).astype(jnp.int8),
        0.1 * jax.random.normal(ks[3], (topo.n,)), jnp.uint32(7))


def donated_time(f, W, e, reps: int) -> float:
    """Median seconds of ``(W, e) = f(W, e)`` with W and e donated (copies of the given arrays)."""
    f = jax.jit(f, donate_argnums=(0, 1))
    carry = [W.copy(), e.copy()]

    def call():
        carry[:] = f(*carry)
        return carry[0]

    return median_time(call, reps)


def bench(n: int, kind: str = "singer", k: float = 2.0, numerics: str = "int8", ticks: int = 8,
          reps: int = 3) -> dict:
    """Synaptic updates/s of the inference and the learning tick of one organoid, and the fraction of the
    measured bandwidth they use (inference reads W: D·N bytes in int8; learning reads and writes W and e).

    The bandwidth is measured right before and after each tick's timing and the best of them is used, so
    a load that comes and goes on a shared machine cannot make a tick look faster than memory; a fraction
    above 1 then means the tick's bytes fit in cache (``in_cache``)."""
    from praxis_jax.topology import choose_topology

    topo = choose_topology(kind, n, k)
    edges = topo.n * topo.degree
    w_bytes = 1 if numerics == "int8" else 4
    out = {"topology": topo.describe(), "N": topo.n, "D": topo.degree, "numerics": numerics,
           "device": f"{jax.devices()[0].platform}:{jax.devices()[0].device_kind}"}
    bw = read_bandwidth()
    for mode, learning, nbytes in (("inference", False, w_bytes * edges), ("learning", True, 4 * w_bytes * edges)):
        t = tick_seconds(topo, learning, ticks, reps, numerics)
        bw = max(bw, read_bandwidth())
        out[mode] = {"s_per_tick": t, "syn_per_s": edges / t, "bytes_per_tick": nbytes}
    for mode in ("inference", "learning"):
        frac = out[mode]["bytes_per_tick"] / out[mode]["s_per_tick"] / bw
        out[mode].update(frac_bw=frac, in_cache=frac > 1)
    out["read_bandwidth"] = bw
    return out
