"""Scaling: ticks/s and synaptic updates/s against N, and against the number of devices (neuron sharding).

Random circulant organoids (any N; N a multiple of 4 so that 1, 2 and 4 devices split it evenly), int8,
D ≈ 2·sqrt(N), inference and learning ticks through ``praxis_jax.simulate``; each size runs unsharded and
sharded over 2 and 4 devices (``praxis_jax.sharding``) in the same process. On a CPU the devices are
fake (``--xla_force_host_platform_device_count``, set here before JAX starts) and share the same cores,
so the device axis measures the overhead of sharding, not a speed-up. Every row runs the same code: the
native CPU kernels when they are built (sharded rows call them on each device's block), the pure-JAX
form with ``PRAXIS_JAX_NATIVE=0``; the record says which (``native``).
The plot has the bandwidth roofline (bytes per tick / measured bandwidth) beside the measured rates.

Usage: python benchmarks/scaling.py [--sizes 4096 16384 65536 262144] [--out benchmarks/results/scaling-cpu]
"""

from __future__ import annotations

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import argparse  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import praxis_jax as px  # noqa: E402
from praxis_jax import sharding  # noqa: E402
from praxis_jax.app import plotting  # noqa: E402
from praxis_jax.app.bench import median_time, read_bandwidth  # noqa: E402
from praxis_jax.app.runinfo import provenance, write_json  # noqa: E402
from praxis_jax.kernels import native  # noqa: E402
from praxis_jax.topology import random_circulant  # noqa: E402


def tick_time(n: int, learning: bool, devices: int, ticks: int, reps: int) -> tuple[float, int]:
    d = 2 * round(n**0.5)
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=random_circulant(n, d)),
                          plasticity=px.PlasticityConfig(enabled=learning), quant=px.QuantConfig(numerics="int8"))
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    if devices == 1:
        run = jax.jit(px.simulate, donate_argnums=1)
    else:
        mesh = sharding.mesh(devices=jax.devices()[:devices])
        run = sharding.sharded_simulate(params, state, mesh)
        params, state = sharding.shard_neurons(params, n, mesh), sharding.shard_neurons(state, n, mesh)
    xs, ms = jnp.zeros((ticks, 0)), jnp.full((ticks,), 0.01)
    carry = [state]

    def call():
        carry[0] = run(params, carry[0], xs, ms)[0]
        return carry[0]

    return median_time(call, reps) / ticks, d


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4096, 16384, 65536, 262144])
    ap.add_argument("--devices", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--ticks", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/results/scaling-cpu")
    args = ap.parse_args(argv)
    bw = read_bandwidth()
    print(f"{len(jax.devices())} {jax.devices()[0].platform} devices; read bandwidth {bw / 1e9:.1f} GB/s; "
          f"native kernels {'on' if native.available() else 'off'}")
    rows = []
    for n in args.sizes:
        for p in args.devices:
            for learning in (False, True):
                t, d = tick_time(n, learning, p, args.ticks, args.reps)
                nbytes = (4 if learning else 1) * n * d
                rows.append({"N": n, "D": d, "devices": p, "mode": "learning" if learning else "inference",
                             "s_per_tick": t, "ticks_per_s": 1 / t, "syn_per_s": n * d / t,
                             "bytes_per_tick": nbytes, "frac_bw": nbytes / t / bw})
                r = rows[-1]
                print(f"N={n:>7} D={d:>4} devices={p} {r['mode']:>9}: {r['ticks_per_s']:9.1f} ticks/s "
                      f"{r['syn_per_s'] / 1e9:7.3f} G syn/s ({100 * r['frac_bw']:5.1f}% bw)", flush=True)
    for r in rows:
        one = next(q for q in rows if q["N"] == r["N"] and q["mode"] == r["mode"] and q["devices"] == 1)
        r["time_vs_unsharded"] = r["s_per_tick"] / one["s_per_tick"]
    fig, (ax1, ax2) = plotting.figure(2)
    for mode, b in (("inference", 1), ("learning", 4)):
        for p in args.devices:
            sel = [r for r in rows if r["mode"] == mode and r["devices"] == p]
            ax1.plot([r["N"] for r in sel], [r["syn_per_s"] for r in sel], "o-" if mode == "inference" else "s--",
                     label=f"{mode}, {p} device(s)")
        ax1.axhline(bw / b, color="gray", lw=1, ls=":" if b == 4 else "-",
                    label=f"roofline {mode} ({b} B/edge)")
        sel = [r for r in rows if r["mode"] == mode and r["devices"] == max(args.devices)]
        ax2.plot([r["N"] for r in sel], [r["time_vs_unsharded"] for r in sel], "o-", label=mode)
    ax1.set(xscale="log", yscale="log", xlabel="N", ylabel="synaptic updates / s",
            title=f"int8 random circulant, {jax.devices()[0].platform}")
    ax1.legend(fontsize=7)
    ax2.axhline(1.5, color="r", ls="--", lw=1, label="target: within 1.5×")
    ax2.set(xscale="log", xlabel="N", ylabel=f"time per tick, {max(args.devices)} devices / 1",
            title="sharding overhead")
    ax2.legend(fontsize=8)
    plotting.save(fig, args.out + ".png")
    write_json(args.out + ".json", {**provenance(), "read_bandwidth": bw, "native": native.available(), "rows": rows})
    print(f"wrote {args.out}.json and {args.out}.png")


if __name__ == "__main__":
    main()
